"""The CLI's progress bar: library progress callbacks drawn on a terminal."""

from __future__ import annotations

import io

import pytest

from weaviate_recsys import cli


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_without_a_total_waits_for_one_instead_of_crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(cli.sys, "stderr", terminal)
    with cli.progress_bar(quiet=False, label="Loading") as progress:
        progress(3, None)
        progress(5, 10)
        progress(10, 10)
    assert "Loading" in terminal.getvalue()
