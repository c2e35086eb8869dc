"""The README's command reference is generated from --help, and every command documents itself."""

from pathlib import Path

from weaviate_recsys.cli_reference import command_reference, iter_commands

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_command_has_help_text() -> None:
    undocumented = [" ".join(path) for path, cmd in iter_commands() if not (cmd.help or "").strip()]
    assert undocumented == []


def test_readme_reference_is_current() -> None:
    assert command_reference() in README.read_text(encoding="utf-8"), (
        "README.md's command reference is stale: run `python -m weaviate_recsys.cli_reference --write README.md`"
    )
