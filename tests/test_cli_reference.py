"""The command reference (docs/cli.md) is generated from --help, and every command documents itself."""

import subprocess
import sys
from pathlib import Path

import pytest

from weaviate_recsys.cli_reference import (
    BEGIN,
    END,
    REFERENCE,
    command_reference,
    iter_commands,
    update_reference,
)

ROOT = Path(__file__).resolve().parents[1]
CLI_DOC = ROOT / "docs" / "cli.md"


def test_every_command_has_help_text() -> None:
    undocumented = [" ".join(path) for path, cmd in iter_commands() if not (cmd.help or "").strip()]
    assert undocumented == []


def test_the_reference_lives_in_docs_cli_md() -> None:
    assert REFERENCE == CLI_DOC
    assert BEGIN not in (ROOT / "README.md").read_text(encoding="utf-8")


def test_docs_cli_reference_is_current() -> None:
    assert command_reference() in CLI_DOC.read_text(encoding="utf-8"), (
        "docs/cli.md is stale: run `python -m weaviate_recsys.cli_reference --write`"
    )


def test_write_refreshes_only_the_generated_section(tmp_path: Path) -> None:
    doc = tmp_path / "cli.md"
    doc.write_text(f"# Intro kept\n\n{BEGIN}\nstale\n{END}\n\nOutro kept\n", encoding="utf-8")
    assert update_reference(doc) is True
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Intro kept\n\n") and text.endswith("\n\nOutro kept\n")
    assert command_reference() in text
    assert update_reference(doc) is False


def test_write_refuses_a_file_without_markers(tmp_path: Path) -> None:
    doc = tmp_path / "README.md"
    doc.write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="docs/cli.md"):
        update_reference(doc)


def test_write_command_line_takes_an_explicit_file(tmp_path: Path) -> None:
    doc = tmp_path / "cli.md"
    doc.write_text(f"{BEGIN}\n{END}\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "weaviate_recsys.cli_reference", "--write", str(doc)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "updated"
    assert command_reference() in doc.read_text(encoding="utf-8")
