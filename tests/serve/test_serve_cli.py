"""`weaviate-recsys serve` builds the service from the CLI's options (uvicorn itself is not started here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from weaviate_recsys.cli import main


def test_serve_passes_keys_and_connection_to_the_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    started: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    res = CliRunner().invoke(
        main,
        [
            "serve",
            "--data-dir",
            str(tmp_path),
            "--port",
            "8123",
            "--serve-api-key",
            "k1",
            "--serve-api-key",
            "k2",
            "--cache-seconds",
            "0",
            "--query-threads",
            "1",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "API keys required" in res.output and "/docs" in res.output
    assert started["port"] == 8123 and started["host"] == "127.0.0.1"
    state = started["app"].state.recsys
    assert state.settings.serve_cache_seconds == 0 and state.settings.data_dir == tmp_path
    assert state.settings.serve_query_threads == 1
    with TestClient(started["app"]) as http:
        assert http.get("/healthz").status_code == 200
        assert http.get("/users/u1/profile").status_code == 401
        assert http.get("/users/u1/profile", headers={"Authorization": "Bearer k2"}).status_code != 401


def test_serve_rejects_a_bad_url_before_starting() -> None:
    res = CliRunner().invoke(main, ["serve", "--url", "weaviate:8080"])
    assert res.exit_code == 2 and "http://" in res.output
