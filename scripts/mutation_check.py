"""Spot-check the test suite with hand-written mutants: each one must make its tests fail ("killed").

A mutant is a plain text substitution in one source file (the exact old text must occur once) that breaks
one behaviour the product promises, plus the test files that should notice. For each mutant the script
copies ``src/`` and ``tests/`` (and ``pyproject.toml``) into a temporary directory, applies the
substitution there (the working tree is never touched), runs the named test files with pytest, and
reports the mutant as:

- ``killed``: the tests failed, as they should;
- ``SURVIVED``: the tests passed with the behaviour broken: a test is missing;
- ``not applied``: the old text is not in the file (once): the code moved, update the mutant;
- ``error``: pytest could not run (collection error, timeout).

Run it from the repository root with the project's Python::

    python scripts/mutation_check.py                  # every mutant (several minutes)
    python scripts/mutation_check.py --list           # names and descriptions only
    python scripts/mutation_check.py -k fusion -k bm25  # mutants whose name contains any of these
    python scripts/mutation_check.py --baseline       # first check the listed tests pass unmutated

The exit status is 1 when a mutant survived, was not applied or errored, else 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # relative to the repository root
    old: str
    new: str
    tests: tuple[str, ...]
    description: str


PROFILE_TESTS = ("tests/plugin/test_profile_model.py", "tests/plugin/test_profiles.py")

MUTANTS: list[Mutant] = [
    Mutant(
        "keywords-ignore-event-weights",
        "src/weaviate_recsys/plugin/profile_model.py",
        "keywords = model.extractor.top_keywords(W @ terms, settings.top_keywords)",
        "keywords = model.extractor.top_keywords(counts_m @ terms, settings.top_keywords)",
        PROFILE_TESTS,
        "a user's keywords count every event once (kind, rating, recency and dislikes ignored)",
    ),
    Mutant(
        "rebuild-skips-changed-interest-vector",
        "src/weaviate_recsys/plugin/profiles.py",
        "return len(stored) == len(vec) and float(np.max(np.abs(np.asarray(stored, dtype=np.float32) - vec))) <= 1e-6",
        "return len(stored) == len(vec)",
        ("tests/plugin/test_profiles.py",),
        "a rebuild keeps a User whose interest vector alone changed",
    ),
    Mutant(
        "rebuild-skips-changed-domain-vector",
        "src/weaviate_recsys/plugin/profiles.py",
        "    if vec is not None:\n        h.update(np.asarray(vec, dtype=np.float32).tobytes())",
        "    if False:\n        h.update(np.asarray(vec, dtype=np.float32).tobytes())",
        ("tests/plugin/test_profiles.py",),
        "the UserInterest profile hash leaves out the domain vector",
    ),
    Mutant(
        "mmr-relevance-not-normalised",
        "src/weaviate_recsys/plugin/reranking.py",
        "rel = relevance / top if top > 0 else np.zeros(n)",
        "rel = relevance",
        ("tests/plugin/test_reranking.py",),
        "MMR trades raw relevance (any scale) against similarity (0..1)",
    ),
    Mutant(
        "rating-spread-floor-removed",
        "src/weaviate_recsys/plugin/macro.py",
        "spread = np.maximum(np.sqrt(var), 0.5)",
        "spread = np.sqrt(var)",
        ("tests/plugin/test_macro.py", "tests/plugin/test_profile_model.py"),
        "ratings are divided by the user's own spread even when it is zero or tiny",
    ),
    Mutant(
        "rating-spread-floor-tiny",
        "src/weaviate_recsys/plugin/macro.py",
        "spread = np.maximum(np.sqrt(var), 0.5)",
        "spread = np.maximum(np.sqrt(var), 1e-9)",
        ("tests/plugin/test_macro.py", "tests/plugin/test_profile_model.py"),
        "a tiny spread turns a slightly lower rating into a dislike",
    ),
    Mutant(
        "bm25-no-length-normalisation",
        "src/weaviate_recsys/lite/bm25.py",
        "self.norm = tfs / (tfs + k1 * ((1.0 - b) + b * (lens / avgdl)))",
        "self.norm = tfs / (tfs + k1)",
        ("tests/lite/test_bm25.py", "tests/lite/test_search.py"),
        "BM25 ignores document length (b has no effect)",
    ),
    Mutant(
        "filter-greater-than-is-inclusive",
        "src/weaviate_recsys/lite/filters.py",
        "GT: lambda a, v: a > v,",
        "GT: lambda a, v: a >= v,",
        ("tests/lite/test_filters.py",),
        "GreaterThan on numbers behaves as GreaterThanEqual",
    ),
    Mutant(
        "recommend-domain-query-unfiltered",
        "src/weaviate_recsys/plugin/query_plan.py",
        'domain_filter = _equal_text("domain", interest.domain) if interest.domain is not None else None',
        "domain_filter = None",
        ("tests/plugin/test_query_plan.py", "tests/plugin/test_recommend.py", "tests/plugin/test_recommend_queries.py"),
        "a domain query searches the whole catalog instead of its domain",
    ),
    Mutant(
        "recommend-seen-items-not-excluded",
        "src/weaviate_recsys/plugin/query_plan.py",
        'exclusion = _contains_none_text("item_id", exclude_items)',
        "exclusion = None",
        ("tests/plugin/test_query_plan.py", "tests/plugin/test_recommend.py", "tests/plugin/test_recommend_queries.py"),
        "recommendations may repeat items the user already interacted with",
    ),
    Mutant(
        "fusion-top-not-normalised",
        "src/weaviate_recsys/lite/fusion.py",
        "norms = w * ((values - lo) / (hi - lo))  # §4.5, all float32 as in relative_score_fusion",
        "norms = w * values  # §4.5, all float32 as in relative_score_fusion",
        ("tests/lite/test_fusion.py", "tests/lite/test_search.py"),
        "hybrid's relativeScoreFusion (query path) adds raw scores instead of min-max normalised ones",
    ),
    Mutant(
        "fusion-not-normalised",
        "src/weaviate_recsys/lite/fusion.py",
        "            # q = (v − min)/(max − min), then float32(w)·q, all float32 (§4.5)\n"
        "            norms = w * ((values - lo) / (hi - lo))",
        "            norms = w * values",
        ("tests/lite/test_fusion.py", "tests/lite/test_search.py"),
        "relativeScoreFusion (full path, explain strings) adds raw scores instead of normalised ones",
    ),
    Mutant(
        "load-skips-every-existing-row",
        "src/weaviate_recsys/loaders/loading.py",
        'elif existing[obj.uuid] == obj.properties["content_hash"]:',
        "elif True:",
        ("tests/loaders/test_loader_loading.py",),
        "a re-load skips rows that exist even when their content changed",
    ),
    Mutant(
        "content-hash-ignores-model",
        "src/weaviate_recsys/loaders/writer.py",
        'payload = _HASH_ENCODER.encode({"p": properties, "m": model})',
        'payload = _HASH_ENCODER.encode({"p": properties, "m": None})',
        ("tests/loaders/test_loader_loading.py",),
        "a re-load with another embedding model keeps the old vectors",
    ),
]


def _copy_tree(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for part in ("src", "tests"):
        shutil.copytree(ROOT / part, dest / part, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")


def _run_tests(tree: Path, tests: tuple[str, ...], timeout: float) -> tuple[int | None, str]:
    env = dict(os.environ, PYTHONPATH=str(tree / "src"), PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    try:
        done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    lines = [ln for ln in done.stdout.splitlines() if ln.strip()]
    return done.returncode, lines[-1] if lines else done.stderr.strip()[-200:]


def check(mutant: Mutant, tree: Path, timeout: float) -> tuple[str, str]:
    """Apply ``mutant`` in ``tree``, run its tests, restore the file; (outcome, pytest's last line)."""
    path = tree / mutant.file
    original = path.read_text(encoding="utf-8")
    if original.count(mutant.old) != 1:
        return "not applied", f"old text found {original.count(mutant.old)} times in {mutant.file}"
    path.write_text(original.replace(mutant.old, mutant.new), encoding="utf-8")
    try:
        code, last = _run_tests(tree, mutant.tests, timeout)
    finally:
        path.write_text(original, encoding="utf-8")
    if code == 1:
        return "killed", last
    if code == 0:
        return "SURVIVED", last
    return "error", f"pytest exit {code}: {last}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", action="append", default=[], help="only mutants whose name contains this")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--baseline", action="store_true", help="first run the mutants' tests unmutated")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per pytest run")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.k or any(k in m.name for k in args.k)]
    if args.list:
        for m in chosen:
            print(f"{m.name:40} {m.file}\n{'':40} {m.description}")
        return 0
    with tempfile.TemporaryDirectory(prefix="mutation-check-") as tmp:
        tree = Path(tmp)
        _copy_tree(tree)
        if args.baseline:
            tests = tuple(dict.fromkeys(t for m in chosen for t in m.tests))
            code, last = _run_tests(tree, tests, args.timeout)
            print(f"baseline: {last}")
            if code != 0:
                print("the tests fail without any mutant; fix them first", file=sys.stderr)
                return 1
        rows = []
        for m in chosen:
            started = time.perf_counter()
            outcome, detail = check(m, tree, args.timeout)
            rows.append((m, outcome, time.perf_counter() - started, detail))
            print(f"{outcome:11} {m.name:40} {rows[-1][2]:6.1f}s  {detail}", flush=True)
    print()
    print("| mutant | what breaks | result |")
    print("|---|---|---|")
    for m, outcome, _, _ in rows:
        print(f"| {m.name} | {m.description} | {outcome} |")
    return 0 if all(outcome == "killed" for _, outcome, _, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
