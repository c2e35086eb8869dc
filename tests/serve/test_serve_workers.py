"""`weaviate-recsys serve --workers N`: several processes behind one port, each with the command's settings."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from _service_fixtures import EMB, KEY
from click.testing import CliRunner
from pydantic import SecretStr

from weaviate_recsys.cli import main
from weaviate_recsys.serve.workers import WORKER_SETTINGS, serving_app, settings_payload, worker_app
from weaviate_recsys.settings import Settings


def test_a_serving_process_keeps_its_start_up_heap_out_of_full_collections(tmp_path: Path) -> None:
    before = gc.get_freeze_count()
    try:
        serving_app(Settings(data_dir=tmp_path))
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()  # this test process goes on allocating and freeing as before


def test_settings_reach_a_worker_unchanged_secrets_included(tmp_path: Path) -> None:
    settings = Settings(
        url="http://weaviate.internal:8080",
        grpc_port=50052,
        api_key=SecretStr("weaviate-secret"),
        prefix="Shop",
        data_dir=tmp_path,
        serve_api_keys=[SecretStr("k1"), SecretStr("k2")],
        serve_cache_seconds=2.5,
        alpha=0.6,
    )
    again = Settings.model_validate_json(settings_payload(settings))
    assert again == settings
    assert again.api_key is not None and again.api_key.get_secret_value() == "weaviate-secret"
    assert [k.get_secret_value() for k in again.serve_api_keys] == ["k1", "k2"]


def test_a_worker_does_not_reread_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKER_SETTINGS, settings_payload(Settings(prefix="FromCommand", data_dir=tmp_path)))
    monkeypatch.setenv("WEAVIATE_RECSYS_PREFIX", "FromEnvironment")
    assert worker_app().state.recsys.settings.prefix == "FromCommand"


def test_a_worker_without_settings_says_how_to_start_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WORKER_SETTINGS, raising=False)
    with pytest.raises(RuntimeError, match="serve --workers"):
        worker_app()


def test_workers_need_a_shared_weaviate(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["serve", "--data-dir", str(tmp_path), "--workers", "2"])
    assert res.exit_code == 2
    assert "--workers 2 needs --url" in res.output and "lite serve" in res.output


def test_serve_hands_its_options_to_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn.supervisors

    started: dict[str, Any] = {}

    class FakeSupervisor:
        def __init__(self, config: Any, sockets: list[socket.socket]) -> None:
            started.update(config=config, sockets=sockets)

        def run(self) -> None:
            # What a worker process would build, while the command's environment is set.
            started["worker"] = worker_app()

    monkeypatch.setattr(uvicorn.supervisors, "Multiprocess", FakeSupervisor)
    port = _free_port()
    res = CliRunner().invoke(
        main,
        ["serve", "--url", "http://127.0.0.1:8080", "--workers", "3", "--serve-api-key", "k1", "--prefix", "Shop"]
        + ["--port", str(port)],
    )
    try:
        assert res.exit_code == 0, res.output
        assert "3 worker processes" in res.output
        config = started["config"]
        assert config.workers == 3 and config.factory is True and config.port == port
        assert config.app == "weaviate_recsys.serve.workers:worker_app"
        settings = started["worker"].state.recsys.settings
        assert settings.prefix == "Shop" and [k.get_secret_value() for k in settings.serve_api_keys] == ["k1"]
        assert WORKER_SETTINGS not in os.environ  # not left behind in the command's process
        # Connections accepted from the shared socket inherit TCP_NODELAY: small responses are not held back
        # waiting for the client's delayed ACK.
        (listening,) = started["sockets"]
        assert listening.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        for s in started.get("sockets", []):
            s.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_two_workers_serve_recommendations_from_one_weaviate(tmp_path: Path) -> None:
    from weaviate_recsys import lite
    from weaviate_recsys.demo import run_demo

    server = lite.spawn(tmp_path / "lite")
    service = None
    try:
        client = lite.client_for(server)
        try:
            run_demo(client, Settings(prefix="Workers", data_dir=tmp_path), embedder=EMB, k=1)
        finally:
            client.close()
        port = _free_port()
        service = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from weaviate_recsys.cli import main; main()",
                "serve",
                "--url",
                f"http://{server.host}:{server.http_port}",
            ]
            + ["--grpc-port", str(server.grpc_port), "--prefix", "Workers", "--port", str(port), "--quiet"]
            + ["--workers", "2", "--serve-api-key", KEY],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        headers = {"Authorization": f"Bearer {KEY}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            deadline = time.monotonic() + 60
            while True:
                assert service.poll() is None, service.stderr.read().decode() if service.stderr else ""
                try:
                    if http.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the service did not become ready"
                time.sleep(0.2)
            lists = [http.get("/users/u000/recommendations", params={"k": 3}, headers=headers) for _ in range(6)]
            assert {r.status_code for r in lists} == {200}
            assert len({tuple(i["item_id"] for i in r.json()["items"]) for r in lists}) == 1  # every worker agrees
            assert http.get("/users/u000/recommendations").status_code == 401
        children = Path(f"/proc/{service.pid}/task/{service.pid}/children")
        if children.exists():
            assert len(children.read_text().split()) >= 2  # the supervisor's worker processes
    finally:
        if service is not None:
            service.terminate()
            service.wait(timeout=30)
            if service.stderr is not None:
                service.stderr.close()
        server.stop()
