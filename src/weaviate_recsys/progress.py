"""The progress callback that long-running library calls accept (the CLI draws it as a bar)."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress"]

#: ``progress(done, total)``, called as work advances; ``total`` is None until it is known.
Progress = Callable[[int, int | None], None]
