"""How the CLI reports errors: one actionable line, JSON with `--format json`, and where a URL came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from weaviate_recsys.cli import main

UNREACHABLE = "http://127.0.0.1:1"  # nothing listens on port 1: the connection is refused at once


@pytest.fixture(autouse=True)
def no_url_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEAVIATE_URL", "WEAVIATE_RECSYS_URL"):
        monkeypatch.delenv(name, raising=False)


def test_a_library_error_with_format_json_is_a_json_object_on_stderr() -> None:
    result = CliRunner().invoke(main, ["schema", "show", "--url", UNREACHABLE, "--format", "json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert error["type"] == "ConnectionFailed"
    assert "Could not connect to Weaviate at http://127.0.0.1:1" in error["message"]


@pytest.mark.parametrize(
    "args",
    [
        ["recommend", "--format", "json"],  # missing argument
        ["recommend", "u1", "-k", "many", "--format=json"],  # bad value
        ["schema", "drop", "--format", "json"],  # a usage error raised by the command
    ],
)
def test_usage_errors_with_format_json_are_json_and_exit_2(args: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [*args, "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    error = json.loads(result.stderr)["error"]
    assert error["message"] and error["type"]
    assert "Usage:" not in result.stderr


def test_without_format_json_errors_stay_one_plain_line() -> None:
    result = CliRunner().invoke(main, ["schema", "show", "--url", UNREACHABLE])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Could not connect")


def test_a_url_from_the_option_is_blamed_on_the_option() -> None:
    result = CliRunner().invoke(main, ["schema", "show", "--url", UNREACHABLE])
    assert "the URL came from the --url option" in result.stderr
    assert "unset WEAVIATE_URL" not in result.stderr


def test_a_url_from_the_environment_is_blamed_on_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEAVIATE_URL", UNREACHABLE)
    result = CliRunner().invoke(main, ["schema", "show"])
    assert result.exit_code == 1
    assert "the URL came from the environment (WEAVIATE_URL" in result.stderr
