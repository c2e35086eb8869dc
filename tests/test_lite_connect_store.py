"""`lite.connect()` in Python and the CLI keep their data in different places, and say so."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from weaviate_recsys import lite
from weaviate_recsys.cli import main


def test_connect_documents_the_temporary_default_and_how_to_open_the_cli_store() -> None:
    doc = lite.connect.__doc__ or ""
    assert "deleted on close" in doc and "./.weaviate-recsys" in doc
    assert 'connect(data_dir=".weaviate-recsys")' in doc


def test_connect_with_the_cli_data_dir_sees_what_the_cli_created(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "create", "--data-dir", str(tmp_path), "--prefix", "Shared", "-q"])
    assert result.exit_code == 0, result.output
    with lite.connect(data_dir=tmp_path) as client:
        assert client.collections.exists("SharedItem")
    with lite.connect() as client:  # no folder: a fresh temporary store
        assert not client.collections.exists("SharedItem")
