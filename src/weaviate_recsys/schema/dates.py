"""The range of dates the plugin stores: what 64-bit nanoseconds since the Unix epoch can hold.

Weaviate compares dates at nanosecond precision, and the lite server keeps every date property as
signed 64-bit nanoseconds, so a date outside 1677-09-21T00:12:43.145224192Z ..
2262-04-11T23:47:16.854775807Z cannot be indexed. The loaders and the lite server both refuse such
dates at their boundary with the same wording, before anything is written. No dependencies: any
layer may import this module.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

__all__ = [
    "MAX_DATE",
    "MAX_DATE_NANOS",
    "MIN_DATE",
    "MIN_DATE_NANOS",
    "DATE_RANGE_TEXT",
    "date_in_range",
    "nanos_in_range",
]

MIN_DATE_NANOS = -(2**63)
MAX_DATE_NANOS = 2**63 - 1

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# datetime keeps microseconds: the bounds rounded inwards to a whole microsecond
MIN_DATE = _EPOCH + timedelta(microseconds=-(-MIN_DATE_NANOS // 1000))
MAX_DATE = _EPOCH + timedelta(microseconds=MAX_DATE_NANOS // 1000)

DATE_RANGE_TEXT = "1677-09-21T00:12:44Z and 2262-04-11T23:47:16Z"


def nanos_in_range(nanos: int) -> bool:
    """True when ``nanos`` (since the Unix epoch) fits a signed 64-bit integer."""
    return MIN_DATE_NANOS <= nanos <= MAX_DATE_NANOS


def date_in_range(value: datetime) -> bool:
    """True when an aware (or UTC-naive) datetime lies within the storable range."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return MIN_DATE <= value <= MAX_DATE
