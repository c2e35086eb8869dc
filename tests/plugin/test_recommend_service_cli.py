"""`recommend / similar / audience --service URL`: the CLI as a client of a running `weaviate-recsys serve`.

A real service (uvicorn in a thread) answers from a lite server loaded with the small catalog; the same
commands run directly against that lite server (`--url`) must print the same tables, JSON and errors.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _service_in_thread import free_port, serve_in_thread
from click.testing import CliRunner, Result

from weaviate_recsys import lite
from weaviate_recsys.cli import main
from weaviate_recsys.loaders import HashingEmbedder
from weaviate_recsys.serve import create_app
from weaviate_recsys.settings import Settings

from _recommend_fixtures import build_all

PREFIX = "RecSvc"
KEY = "svc-key-1"
EMB = HashingEmbedder(dim=64)


@pytest.fixture(scope="module")
def weaviate_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[lite.LiteServer]:
    """A running lite server with the catalog, the interest model and every profile."""
    with lite.start(data_dir=tmp_path_factory.mktemp("lite")) as server:
        client = lite.client_for(server)
        try:
            build_all(client, tmp_path_factory.mktemp("files"), PREFIX, EMB)
        finally:
            client.close()
        yield server


@pytest.fixture(scope="module")
def service(weaviate_server: lite.LiteServer) -> Iterator[str]:
    """The recommendation service on that lite server, requiring the API key ``KEY``."""
    client = lite.client_for(weaviate_server)
    settings = Settings(prefix=PREFIX, serve_api_keys=[KEY], serve_cache_seconds=0)
    try:
        yield from serve_in_thread(create_app(settings, client=client, embedder=EMB))
    finally:
        client.close()


def _direct(server: lite.LiteServer, *args: str) -> Result:
    url = ["--url", server.url, "--grpc-port", str(server.grpc_port), "--prefix", PREFIX]
    return CliRunner().invoke(main, [*args, *url, "-q"])


def _via(service_url: str, *args: str, key: str | None = KEY, env: dict[str, str] | None = None) -> Result:
    auth = ["--serve-api-key", key] if key else []
    return CliRunner().invoke(main, [*args, "--service", service_url, *auth, "-q"], env=env)


@pytest.mark.parametrize(
    "args",
    [
        ("recommend", "pen-fan", "-k", "3"),
        ("recommend", "pen-fan", "-k", "3", "--explain"),
        ("recommend", "paper-fan", "-k", "4", "--domain", "Writing", "--exclude", "w1", "--diversity", "0.5"),
        ("recommend", "stranger", "-k", "3", "--cold-start"),
        ("recommend", "pen-fan", "-k", "3", "--format", "json"),
        ("similar", "w1", "-k", "3"),
        ("similar", "w1", "-k", "3", "--format", "json"),
        ("audience", "w1", "-k", "3"),
        ("audience", "w1", "-k", "3", "--format", "json"),
    ],
    ids=lambda a: " ".join(a),
)
def test_the_service_prints_what_a_direct_query_prints(
    weaviate_server: lite.LiteServer, service: str, args: tuple[str, ...]
) -> None:
    direct = _direct(weaviate_server, *args)
    assert direct.exit_code == 0, direct.output
    via = _via(service, *args)
    assert via.exit_code == 0, via.output
    assert via.output == direct.output
    assert via.output.count("\n") > 2  # a real list, not two empty answers


def test_the_service_url_and_key_come_from_the_environment(weaviate_server: lite.LiteServer, service: str) -> None:
    env = {"WEAVIATE_RECSYS_SERVICE_URL": service, "WEAVIATE_RECSYS_SERVE_API_KEYS": json.dumps([KEY])}
    res = CliRunner().invoke(main, ["recommend", "pen-fan", "-k", "3", "-q"], env=env)
    assert res.exit_code == 0, res.output
    assert res.output == _direct(weaviate_server, "recommend", "pen-fan", "-k", "3").output


def test_an_empty_service_option_queries_weaviate_despite_the_environment(weaviate_server: lite.LiteServer) -> None:
    env = {"WEAVIATE_RECSYS_SERVICE_URL": "http://127.0.0.1:9"}  # nothing listens there
    url = ["--url", weaviate_server.url, "--grpc-port", str(weaviate_server.grpc_port), "--prefix", PREFIX]
    res = CliRunner().invoke(main, ["recommend", "pen-fan", "-k", "2", "--service", "", *url, "-q"], env=env)
    assert res.exit_code == 0, res.output
    assert "w4" in res.output


def test_an_unknown_user_is_the_same_error_as_a_direct_query(weaviate_server: lite.LiteServer, service: str) -> None:
    direct = _direct(weaviate_server, "recommend", "nobody")
    via = _via(service, "recommend", "nobody")
    assert (via.exit_code, via.output) == (direct.exit_code, direct.output)
    assert via.exit_code == 1
    assert "Unknown user 'nobody'" in via.output

    as_json = _via(service, "recommend", "nobody", "--format", "json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.output)["error"]["type"] == "UnknownUser"


def test_an_unknown_item_is_the_same_error_as_a_direct_query(weaviate_server: lite.LiteServer, service: str) -> None:
    direct = _direct(weaviate_server, "similar", "no-such-item")
    via = _via(service, "similar", "no-such-item")
    assert via.exit_code == direct.exit_code == 1
    assert via.output == direct.output


def test_parameters_the_service_refuses_are_a_usage_error(service: str) -> None:
    res = _via(service, "recommend", "pen-fan", "-k", "0")  # the service's k starts at 1 (422)
    assert res.exit_code == 2
    assert "Invalid request: k: Input should be greater than or equal to 1." in res.output


def test_a_missing_or_wrong_api_key_says_how_to_send_one(service: str) -> None:
    for key in (None, "wrong"):
        res = _via(service, "recommend", "pen-fan", key=key)
        assert res.exit_code == 2, res.output
        assert "API key" in res.output
        assert "--serve-api-key" in res.output
        assert "wrong" not in res.output  # the key given is never echoed


def test_a_service_that_is_not_running_is_a_connection_error() -> None:
    res = _via(f"http://127.0.0.1:{free_port()}", "recommend", "pen-fan")
    assert res.exit_code == 1
    assert "Could not reach the recommendation service at http://127.0.0.1:" in res.output
    assert "weaviate-recsys serve" in res.output

    as_json = _via(f"http://127.0.0.1:{free_port()}", "similar", "w1", "--format", "json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.output)["error"]["type"] == "ConnectionFailed"


def test_a_service_whose_weaviate_is_down_is_a_connection_error() -> None:
    dead = Settings(url=f"http://127.0.0.1:{free_port()}", grpc_port=free_port(), prefix=PREFIX)
    for url in serve_in_thread(create_app(dead, embedder=EMB)):
        res = _via(url, "recommend", "pen-fan", key=None)
        assert res.exit_code == 1, res.output
        assert "Weaviate cannot be reached" in res.output


def test_a_url_that_is_not_the_service_says_so(weaviate_server: lite.LiteServer) -> None:
    res = _via(weaviate_server.url, "recommend", "pen-fan")  # Weaviate's own REST port, not the service
    assert res.exit_code == 1
    assert "answered HTTP 404" in res.output
    assert "check the service URL" in res.output


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--url", "http://localhost:8080"], "--url"),
        (["--prefix", "Other"], "--prefix"),
        (["--alpha", "0.2"], "--alpha"),
        (["--plan"], "--plan"),
    ],
)
def test_options_the_service_does_not_take_are_refused(service: str, extra: list[str], named: str) -> None:
    res = _via(service, "recommend", "pen-fan", *extra)
    assert res.exit_code == 2
    assert f"{named} cannot be used with --service" in res.output


def test_the_service_path_imports_neither_weaviate_nor_numpy(service: str) -> None:
    """The point of --service is a fast start: no Weaviate client, numpy, scipy or model in the process."""
    script = (
        "import json, sys\n"
        "from click.testing import CliRunner\n"
        "from weaviate_recsys.cli import main\n"
        "r = CliRunner().invoke(main, json.loads(sys.argv[1]))\n"
        "heavy = ('weaviate', 'numpy', 'scipy', 'grpc', 'torch', 'sentence_transformers', 'sklearn', 'httpx')\n"
        "print(json.dumps([r.exit_code, r.output, sorted({m.split('.')[0] for m in sys.modules} & set(heavy))]))\n"
    )
    src = str(Path(__file__).resolve().parents[2] / "src")
    args = ["recommend", "pen-fan", "-k", "2", "--explain", "--service", service, "--serve-api-key", KEY, "-q"]
    out = subprocess.run(
        [sys.executable, "-c", script, json.dumps(args)],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"},
    )
    code, output, heavy = json.loads(out.stdout.strip().splitlines()[-1])
    assert code == 0, output
    assert "w4" in output
    assert heavy == []


def test_a_service_url_without_a_scheme_is_a_usage_error() -> None:
    res = CliRunner().invoke(main, ["recommend", "pen-fan", "--service", "localhost:8000"])
    assert res.exit_code == 2
    assert "WEAVIATE_RECSYS_SERVICE_URL must start with http:// or https://" in res.output
