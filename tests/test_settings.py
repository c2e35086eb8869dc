"""Settings: one object, documented precedence (arguments > environment > defaults)."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from weaviate_recsys.settings import Settings, get_settings


def test_defaults_use_the_embedded_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEAVIATE_URL", raising=False)
    s = Settings()
    assert s.url is None
    assert s.data_dir == Path(".weaviate-recsys")
    assert s.prefix == ""


def test_environment_is_read_with_the_usual_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEAVIATE_URL", "http://weaviate:8080")
    monkeypatch.setenv("WEAVIATE_API_KEY", "s3cret")
    monkeypatch.setenv("WEAVIATE_RECSYS_PREFIX", "Shop")
    monkeypatch.setenv("WEAVIATE_RECSYS_DATA", "/tmp/x")
    s = Settings()
    assert s.url == "http://weaviate:8080"
    assert s.api_key is not None and s.api_key.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(s)
    assert s.prefix == "Shop"
    assert s.data_dir == Path("/tmp/x")


def test_arguments_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEAVIATE_RECSYS_PREFIX", "Env")
    assert get_settings(prefix="Arg").prefix == "Arg"
    assert get_settings(prefix=None).prefix == "Env"


def test_bad_url_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEAVIATE_URL", "weaviate:8080")
    with pytest.raises(ValidationError, match="http://"):
        Settings()
