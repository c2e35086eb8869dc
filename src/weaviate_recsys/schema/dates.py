"""The range of times the store can hold, shared by the loaders and the lite server.

Weaviate keeps a date property as 64-bit nanoseconds since the Unix epoch (Go's ``time.Time.UnixNano`` in its
filterable index, ``adapters/repos/db/inverted``), so a time outside roughly 1677-09-21 .. 2262-04-11 UTC
cannot be indexed. Checking at the boundary turns such a value into a clear per-row error instead of an
overflow deep inside the store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["MAX_DATE", "MAX_NANOS", "MIN_DATE", "MIN_NANOS", "check_date_in_range", "nanos_in_range"]

#: The smallest and largest nanoseconds since the epoch a signed 64-bit integer holds.
MIN_NANOS = -(2**63)
MAX_NANOS = 2**63 - 1

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: The earliest and latest UTC times (at microsecond precision, inside the nanosecond range) the store holds:
#: 1677-09-21T00:12:43.145225Z and 2262-04-11T23:47:16.854775Z.
MIN_DATE = _EPOCH + timedelta(microseconds=-(-MIN_NANOS // 1000))
MAX_DATE = _EPOCH + timedelta(microseconds=MAX_NANOS // 1000)


def nanos_in_range(nanos: int) -> bool:
    """True when nanoseconds since the epoch fit the store's 64-bit representation."""
    return MIN_NANOS <= nanos <= MAX_NANOS


def check_date_in_range(moment: datetime) -> datetime:
    """Return ``moment`` (naive means UTC) if the store can hold it.

    Raises:
        ValueError: the time is before ``MIN_DATE`` or after ``MAX_DATE``; the message names the range.
    """
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    try:
        inside = MIN_DATE <= aware <= MAX_DATE
    except OverflowError:  # an offset that moves a year-1 or year-9999 time past datetime's own range
        inside = False
    if not inside:
        raise ValueError(
            f"{moment.isoformat()} is outside the range of times the store can hold "
            f"({MIN_DATE:%Y-%m-%d} .. {MAX_DATE:%Y-%m-%d} UTC)"
        )
    return moment
