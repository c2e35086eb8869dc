"""The range of times the store can hold, shared by the loaders and the lite server.

Weaviate keeps a date property as 64-bit nanoseconds since the Unix epoch (Go's ``time.Time.UnixNano`` in its
filterable index, ``adapters/repos/db/inverted``), and so does the lite server, so a time outside
1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.854775807Z cannot be indexed. The loaders and the lite
server both refuse such times at their boundary, before anything is written, instead of overflowing deep
inside the store. No dependencies: any layer may import this module.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = [
    "DATE_RANGE_TEXT",
    "MAX_DATE",
    "MAX_DATE_NANOS",
    "MIN_DATE",
    "MIN_DATE_NANOS",
    "check_date_in_range",
    "date_in_range",
    "nanos_in_range",
]

#: The smallest and largest nanoseconds since the epoch a signed 64-bit integer holds.
MIN_DATE_NANOS = -(2**63)
MAX_DATE_NANOS = 2**63 - 1

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: The earliest and latest UTC times (at microsecond precision, inside the nanosecond range) the store holds:
#: 1677-09-21T00:12:43.145225Z and 2262-04-11T23:47:16.854775Z.
MIN_DATE = _EPOCH + timedelta(microseconds=-(-MIN_DATE_NANOS // 1000))
MAX_DATE = _EPOCH + timedelta(microseconds=MAX_DATE_NANOS // 1000)

#: The range in error messages.
DATE_RANGE_TEXT = "1677-09-21T00:12:44Z and 2262-04-11T23:47:16Z"


def nanos_in_range(nanos: int) -> bool:
    """True when nanoseconds since the epoch fit the store's 64-bit representation."""
    return MIN_DATE_NANOS <= nanos <= MAX_DATE_NANOS


def date_in_range(value: datetime) -> bool:
    """True when an aware (or UTC-naive) datetime lies within the storable range."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        return MIN_DATE <= aware <= MAX_DATE
    except OverflowError:  # an offset that moves a year-1 or year-9999 time past datetime's own range
        return False


def check_date_in_range(moment: datetime) -> datetime:
    """Return ``moment`` (naive means UTC) if the store can hold it.

    Raises:
        ValueError: the time is before ``MIN_DATE`` or after ``MAX_DATE``; the message names the range.
    """
    if not date_in_range(moment):
        raise ValueError(
            f"{moment.isoformat()} is outside the range of times the store can hold "
            f"({MIN_DATE:%Y-%m-%d} .. {MAX_DATE:%Y-%m-%d} UTC)"
        )
    return moment
