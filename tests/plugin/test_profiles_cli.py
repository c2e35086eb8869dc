"""`domains train`, `profiles build` and `profile show` through click's CliRunner (embedded lite server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import weaviate_recsys.lite as lite
from weaviate_recsys.cli import main

from _profile_fixtures import USERS, load_fixture

# No stated interests here: the CLI would load the real sentence-transformers model to embed them.
CLI_USERS = [u for u in USERS if "stated_interests" not in u]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    client = lite.connect(data_dir=d / "db")
    try:
        load_fixture(client, d, "", users=CLI_USERS)
    finally:
        client.close()
    return d / "db"


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.output


def test_build_before_training_fails_with_the_next_step(data_dir: Path) -> None:
    code, out = _run("profiles", "build", "--data-dir", str(data_dir), "--quiet")
    assert code == 1 and "weaviate-recsys domains train" in out


def test_train_build_show(data_dir: Path) -> None:
    code, out = _run("domains", "train", "--data-dir", str(data_dir), "--quiet", "--cv", "2")
    assert code == 0, out
    assert "3 domains" in out and "macro-F1" in out and "Predicted the domain of 2 items" in out

    code, out = _run("profiles", "build", "--data-dir", str(data_dir), "--quiet", "--format", "json")
    assert code == 0, out
    report = json.loads(out)
    assert report["users"] == 4 and report["built"] == 4 and report["empty"] == 1

    code, out = _run("profile", "show", "pen-fan", "--data-dir", str(data_dir), "--quiet", "--format", "json")
    assert code == 0, out
    prof = json.loads(out)
    assert prof["domains"][0][0] == "Writing" and prof["vector_dims"]["interest"] == 64
    assert "interest_vector" not in prof
    assert prof["short_term"]["domains"][0][0] == "Writing" and prof["short_term"]["keywords"]
    assert "interest_vector" not in prof["short_term"] and prof["vector_dims"]["recent_interest"] == 64

    code, out = _run("profile", "show", "pen-fan", "--data-dir", str(data_dir), "--quiet")
    assert code == 0 and "Domains:" in out and "Writing" in out and "Keywords:" in out
    assert "Short-term interest (recent events): Writing" in out

    code, out = _run("profile", "show", "nobody", "--data-dir", str(data_dir), "--quiet")
    assert code == 0 and "empty profile" in out and "Note:" in out

    code, out = _run("profiles", "build", "--user", "pen-fan", "--data-dir", str(data_dir), "--quiet")
    assert code == 0 and "Built 1 of 1" in out


def test_unknown_user_is_reported(data_dir: Path) -> None:
    code, out = _run("profile", "show", "who", "--data-dir", str(data_dir), "--quiet")
    assert code == 1 and "No user 'who'" in out


def test_bad_shard_is_a_usage_error(data_dir: Path) -> None:
    code, out = _run("profiles", "build", "--shard", "3/2", "--data-dir", str(data_dir), "--quiet")
    assert code == 2 and "0 <= i < n" in out
