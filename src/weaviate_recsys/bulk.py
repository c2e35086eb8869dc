"""Process-level settings for bulk jobs (loads, profile builds, server start-up)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["collector_paused", "frozen_heap"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection while a bounded phase builds long-lived objects (a server loading its store).

    Every collection would walk the objects built so far again (measured: lite start-up with 100k objects
    5.6-5.8 s -> 3.7-4.3 s). Usable as a decorator; the collector's previous state is restored.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the objects that exist now out of the cyclic collector's scans while a bulk job runs.

    A process that has loaded the embedding model holds hundreds of thousands of long-lived objects, and
    every full collection during a load walks all of them again (measured: interactions load 4,217 ->
    4,817 rows/s). Garbage made during the job is still collected; on exit the objects go back to the
    oldest generation, so nothing is kept alive longer than it would have been. Usable as a decorator.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
