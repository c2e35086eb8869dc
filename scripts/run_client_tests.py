"""Run weaviate-python-client's own integration tests against the lite server and summarise the result.

The client's ``integration/`` folder (from a checkout of weaviate/weaviate-python-client, e.g. tag v4.23.0)
is not part of this repository; pass its path. For every selected test file the script starts a fresh
``weaviate-recsys lite serve`` in its own process (temporary data directory; auto-schema off, as the client's
CI runs Weaviate), runs the file with pytest and a per-test timeout, stops the server, and classifies each
failure:

- ``claimed``: a feature the README's compatibility table says the lite server supports: a bug to fix;
- ``unclaimed``: the server answered that it does not support the feature, or the test is about a feature
  the table lists as not supported (references, multi-tenancy, modules, ...);
- ``timeout``: the test hung past the per-test timeout.

Usage::

    python scripts/run_client_tests.py /tmp/client-tests/integration --out client-tests-summary
    python scripts/run_client_tests.py /tmp/client-tests/integration -f test_collection_get.py -f test_iterator.py

It needs ``pytest-asyncio`` and ``pytest-timeout`` (the client's conftest imports them) and writes
``summary.md`` and ``summary.json`` into ``--out``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_FILES = ("test_collection*.py", "test_batch*.py", "test_iterator.py", "test_vectors.py", "test_client.py")

# A failure whose text matches one of these is about a feature the compatibility table lists as not supported.
# The server's own refusals all say "not supported by the lite server" or name the missing modules.
UNCLAIMED_TEXT = (
    # a property whose data type is a collection name is a cross-reference (the batch fixtures add one)
    (r"data type '[A-Z]\w*' is not supported|cross-references are not supported", "references"),
    (r"not supported by the lite server", "refused by the server"),
    (r"path /v1/\S+ was not found", "REST endpoint not implemented"),
    # the tests that use Weaviate Cloud, auth or multi-node clusters connect to other hosts and ports
    (
        r"Could not connect to Weaviate|Connection to Weaviate failed|Name or service not known",
        "needs another server (cloud, auth or multi-node ports)",
    ),
    (r"the lite server has no modules", "vectorizer / generative / reranker modules"),
    (r"cross-reference|reference_add|references?\b.*not|ReferenceProperty|refs?_", "references"),
    (r"multi-?tenan|tenant", "multi-tenancy"),
    (r"OPENAI_APIKEY|COHERE_APIKEY|Missing API key", "modules"),
    (r"GraphQL|graphql", "GraphQL"),
    (r"geoCoordinates|GeoCoordinate|phoneNumber|PhoneNumber|blob", "data type"),
)
# Test names (file::test) about unclaimed features, checked when the failure text is not conclusive.
UNCLAIMED_TESTS = (
    (r"ref|Ref", "references"),
    (r"tenant|mt_|_mt\b", "multi-tenancy"),
    (r"generat|rerank|openai|vectorizer|near_text|near_image|near_media|multi_?vector|colbert|muvera", "modules"),
    (r"geo|phone|blob", "data type"),
    (r"group_by|groupby|grouped", "group_by in search"),
    (r"alias|backup|replicat|shard|rbac|tokeniz|query_profile|profile", "not offered"),
    (r"object_ttl", "object TTL"),
)


@dataclass
class TestResult:
    name: str
    outcome: str  # passed, failed, skipped, timeout
    category: str = ""  # for failures: claimed, unclaimed, timeout
    reason: str = ""
    message: str = ""


@dataclass
class FileResult:
    file: str
    seconds: float
    returncode: int
    tests: list[TestResult] = field(default_factory=list)
    server_exit: int | None = None  # set when the lite server died during the file

    def count(self, outcome: str) -> int:
        return sum(t.outcome == outcome for t in self.tests)

    def failures(self, category: str) -> int:
        return sum(t.category == category for t in self.tests)


def classify(test_name: str, text: str) -> tuple[str, str]:
    """(category, reason) of one failed test."""
    if re.search(r"ModuleNotFoundError|ImportError while importing", text):
        return "environment", "the test module could not be imported (install what it needs)"
    if "Timeout" in text and ("pytest-timeout" in text or "Timeout >" in text or "Failed: Timeout" in text):
        return "timeout", "hung past the per-test timeout"
    for pattern, reason in UNCLAIMED_TEXT:
        if re.search(pattern, text):
            return "unclaimed", reason
    for pattern, reason in UNCLAIMED_TESTS:
        if re.search(pattern, test_name):
            return "unclaimed", reason
    return "claimed", ""


def wait_ready(port: int, proc: subprocess.Popen[bytes], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"lite serve exited with {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/.well-known/ready", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"lite serve did not answer on port {port} within {seconds:.0f} s")


def start_server(port: int, grpc_port: int, data_dir: str, log_path: Path, extra: list[str]) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-c",
        "from weaviate_recsys.cli import main; main()",
        "lite",
        "serve",
        "--data-dir",
        data_dir,
        "--port",
        str(port),
        "--grpc-port",
        str(grpc_port),
        *extra,
    ]
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    try:
        wait_ready(port, proc)
    except BaseException:
        stop_server(proc)
        raise
    return proc


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def parse_junit(path: Path) -> list[TestResult]:
    if not path.exists():
        return []
    out: list[TestResult] = []
    for case in ET.parse(path).getroot().iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name', '')}".split(".")[-1]
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        if failure is not None:
            # the message and the traceback's "E" lines: the quoted test source would match anything
            errors = [line for line in (failure.text or "").splitlines() if line.startswith("E ")]
            text = "\n".join([failure.get("message") or "", *errors])
            category, reason = classify(name, text)
            first = (failure.get("message") or "").strip().splitlines()
            outcome = {"timeout": "timeout", "environment": "error"}.get(category, "failed")
            out.append(TestResult(name, outcome, category, reason, first[0][:300] if first else ""))
        elif case.find("skipped") is not None:
            out.append(TestResult(name, "skipped"))
        else:
            out.append(TestResult(name, "passed"))
    return out


def run_file(test_file: Path, args: argparse.Namespace, work: Path) -> FileResult:
    junit = work / f"{test_file.stem}.xml"
    data_dir = tempfile.mkdtemp(prefix="lite-client-tests-", dir=work)
    server = start_server(args.port, args.grpc_port, data_dir, work / "server.log", args.server_arg)
    started = time.monotonic()
    try:
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            f"--timeout={args.timeout}",
            "--timeout-method=thread",
            f"--junitxml={junit}",
            "-o",
            "asyncio_mode=auto",
            "-o",
            "addopts=",
            "--rootdir",
            str(test_file.parent.parent),
            str(test_file),
            *args.pytest_arg,
        ]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(test_file.parent.parent), os.environ.get("PYTHONPATH", "")]),
        }
        with open(work / f"{test_file.stem}.log", "wb") as log:
            try:
                rc = subprocess.run(
                    cmd,
                    cwd=test_file.parent.parent,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=args.file_timeout,
                    check=False,
                ).returncode
            except subprocess.TimeoutExpired:
                rc = -9
    finally:
        server_exited = server.poll()
        stop_server(server)
    result = FileResult(test_file.name, round(time.monotonic() - started, 1), rc, parse_junit(junit))
    if server_exited is not None:  # failures after a crash say nothing about the features
        result.server_exit = server_exited
    return result


def summarise(results: list[FileResult]) -> dict[str, object]:
    tests = [t for r in results for t in r.tests]
    totals = {k: sum(t.outcome == k for t in tests) for k in ("passed", "failed", "timeout", "skipped", "error")}
    by_cat = {k: sum(t.category == k for t in tests) for k in ("claimed", "unclaimed", "timeout", "environment")}
    reasons: dict[str, int] = {}
    for t in tests:
        if t.category == "unclaimed":
            reasons[t.reason] = reasons.get(t.reason, 0) + 1
    return {
        "totals": totals,
        "failures": by_cat,
        "unclaimed_reasons": reasons,
        "files": [
            {
                **asdict(r),
                "passed": r.count("passed"),
                "failed": r.count("failed"),
                "timeout": r.count("timeout"),
                "skipped": r.count("skipped"),
            }
            for r in results
        ],
    }


def markdown(summary: dict[str, object], source: str) -> str:
    totals, fails = summary["totals"], summary["failures"]
    assert isinstance(totals, dict) and isinstance(fails, dict)
    lines = [
        "# weaviate-python-client integration tests against the lite server",
        "",
        f"Tests: `{source}`",
        "",
        (
            f"- passed {totals['passed']}, failed {totals['failed']}, timed out {totals['timeout']}, "
            f"skipped {totals['skipped']}, not importable {totals['error']}"
        ),
        (
            f"- failures on claimed features: **{fails['claimed']}**; on unclaimed features: {fails['unclaimed']}; "
            f"hangs: {fails['timeout']}"
        ),
        "",
        "| file | passed | claimed failures | unclaimed failures | timeouts | skipped | seconds |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    files = summary["files"]
    assert isinstance(files, list)
    for f in files:
        claimed = sum(t["category"] == "claimed" for t in f["tests"])
        unclaimed = sum(t["category"] == "unclaimed" for t in f["tests"])
        died = f" (server exited with {f['server_exit']})" if f.get("server_exit") is not None else ""
        lines.append(
            f"| {f['file']}{died} | {f['passed']} | {claimed} | {unclaimed} | {f['timeout']} | {f['skipped']} "
            f"| {f['seconds']} |"
        )
    reasons = summary["unclaimed_reasons"]
    assert isinstance(reasons, dict)
    if reasons:
        lines += ["", "Unclaimed failures by feature: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))]
    for category, title in (
        ("claimed", "Failures on claimed features"),
        ("timeout", "Hangs"),
        ("environment", "Test modules that could not be imported"),
        ("unclaimed", "Failures on unclaimed features"),
    ):
        rows = [(f["file"], t) for f in files for t in f["tests"] if t["category"] == category]
        if rows:
            lines += ["", f"## {title}", ""]
            lines += [
                f"- `{file}::{t['name'].split('::')[-1]}` {t['reason']}: {t['message'][:200]}" for file, t in rows
            ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("integration", type=Path, help="the client's integration/ folder")
    parser.add_argument(
        "-f",
        "--file",
        action="append",
        default=None,
        help=f"test file or glob inside it (repeatable; default: {' '.join(DEFAULT_FILES)})",
    )
    parser.add_argument("--port", type=int, default=8080, help="REST port the client tests use (default 8080)")
    parser.add_argument("--grpc-port", type=int, default=50051, help="gRPC port (default 50051)")
    parser.add_argument("--timeout", type=int, default=60, help="seconds per test before it counts as hung")
    parser.add_argument("--file-timeout", type=int, default=1800, help="seconds per file")
    parser.add_argument("--out", type=Path, default=Path("client-tests-summary"), help="where summary.* go")
    parser.add_argument("--server-arg", action="append", default=[], help="extra `lite serve` argument")
    parser.add_argument(
        "--autoschema",
        action="store_true",
        help="keep auto-schema on (the client's CI runs Weaviate with AUTOSCHEMA_ENABLED=false)",
    )
    parser.add_argument("--pytest-arg", action="append", default=[], help="extra pytest argument (e.g. -k expr)")
    parser.add_argument(
        "--summary-only",
        action="store_true",
        help="rebuild summary.* from the JUnit files an earlier run left in --out",
    )
    args = parser.parse_args(argv)
    if not args.autoschema:
        args.server_arg = ["--no-autoschema", *args.server_arg]  # as the client's ci/docker-compose.yml
    folder = args.integration.resolve()
    if not (folder / "conftest.py").exists():
        parser.error(f"{folder} has no conftest.py: pass the client's integration/ folder")
    files = sorted({Path(p) for pattern in (args.file or DEFAULT_FILES) for p in glob.glob(str(folder / pattern))})
    if not files:
        parser.error(f"no test files match in {folder}")
    args.out.mkdir(parents=True, exist_ok=True)
    work = args.out.resolve()
    results = []
    for test_file in files:
        if args.summary_only:
            if (work / f"{test_file.stem}.xml").exists():
                results.append(FileResult(test_file.name, 0.0, 0, parse_junit(work / f"{test_file.stem}.xml")))
            continue
        result = run_file(test_file, args, work)
        print(
            f"{result.file}: {result.count('passed')} passed, {result.count('failed')} failed, "
            f"{result.count('timeout')} timed out ({result.seconds} s)",
            flush=True,
        )
        results.append(result)
    summary = summarise(results)
    (work / "summary.json").write_text(json.dumps(summary, indent=1))
    (work / "summary.md").write_text(markdown(summary, str(folder)))
    print(json.dumps({"totals": summary["totals"], "failures": summary["failures"]}))
    print(f"summary: {work / 'summary.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
