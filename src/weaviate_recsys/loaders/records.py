"""The three input record types, validated with pydantic.

Input files are loose (CSV gives strings, JSON gives whatever the exporter wrote), so the models coerce what
is unambiguous (``"4.5"`` -> 4.5, Unix seconds -> datetime, ``"a|b"`` -> ``["a", "b"]``) and reject the rest
with a reason a person can act on. Validation needs a few settings (maximum text length, declared kinds,
domain level and rule, the catalog's label counts); pass them with
``model_validate(data, context=record_context(settings))``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

from ..schema.dates import MAX_DATE, MIN_DATE, check_date_in_range
from ..settings import DEFAULT_KIND_WEIGHTS, DomainRule, Settings
from .item_domain import choose_domain, drop_placeholders

__all__ = [
    "BUILTIN_KINDS",
    "RecordKind",
    "ItemRecord",
    "UserRecord",
    "InteractionRecord",
    "RECORD_MODELS",
    "record_context",
    "allowed_kinds",
    "parse_timestamp",
    "split_labels",
]

#: Interaction kinds every load accepts; declare others with ``settings.extra_kinds`` (``--extra-kind``).
BUILTIN_KINDS: tuple[str, ...] = (
    "view",
    "click",
    "cart",
    "purchase",
    "rating",
    "review",
    "comment",
    "like",
    "dislike",
)

RecordKind = Literal["items", "users", "interactions"]

#: Timestamps above this many Unix seconds (year 5138) are almost surely milliseconds.
_MAX_UNIX_SECONDS = 1e11

#: The largest ``seq``: every whole number up to it survives the trip through a float exactly.
MAX_SEQ = 2**53 - 1


def allowed_kinds(settings: Settings) -> frozenset[str]:
    """Built-in kinds, declared extra kinds, and any kind that has a weight in ``settings.kind_weights``."""
    return (
        frozenset(BUILTIN_KINDS)
        | {k.strip().lower() for k in settings.extra_kinds}
        | {k.lower() for k in settings.kind_weights}
        | set(DEFAULT_KIND_WEIGHTS)
    )


def record_context(settings: Settings, label_counts: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The validation context the record models read (pass as ``context=`` to ``model_validate``).

    ``label_counts`` are the catalog's label counts (``item_domain.label_counts``) the ``rarest`` and
    ``commonest`` domain rules pick by; without them an item with several flat labels gets the first one.
    """
    return {
        "max_text_length": settings.max_text_length,
        "kinds": allowed_kinds(settings),
        "domain_level": settings.domain_level,
        "domain_rule": settings.domain_rule,
        "label_counts": label_counts,
    }


_SURROGATE = re.compile("[\ud800-\udfff]")


def _ctx(info: ValidationInfo, key: str, default: Any) -> Any:
    return (info.context or {}).get(key, default)


def _check_length(value: str, info: ValidationInfo) -> str:
    """Text the store can hold: not too long, valid Unicode (no lone surrogate, which UTF-8 cannot encode), no NUL."""
    limit = _ctx(info, "max_text_length", 100_000)
    if len(value) > limit:
        raise ValueError(
            f"text is {len(value):,} characters, longer than the limit of {limit:,} "
            "(raise WEAVIATE_RECSYS_MAX_TEXT_LENGTH to accept it)"
        )
    if not value.isascii():
        bad = _SURROGATE.search(value)
        if bad is not None:
            raise ValueError(
                f"text holds a lone surrogate {bad.group()!r} at character {bad.start() + 1}, which is not valid "
                "Unicode (a broken \\uXXXX escape in the JSON?)"
            )
    if "\x00" in value:
        raise ValueError(
            f"text holds a NUL character at character {value.index(chr(0)) + 1} (a binary or UTF-16 file?)"
        )
    return value


def _text(value: Any, info: ValidationInfo) -> str | None:
    """Optional text: empty means absent; numbers are ids written without quotes."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"expected text, got {type(value).__name__}")
    text = str(value).strip()
    return _check_length(text, info) if text else None


def _required_id(value: Any, info: ValidationInfo) -> str:
    text = _text(value, info)
    if text is None:
        raise ValueError("is empty: every row needs one (map another column to it with --map FIELD=COLUMN)")
    return text


def split_labels(value: Any) -> tuple[list[str], bool]:
    """Labels from a list or a string, and whether they form a path from the root.

    ``"A > B > C"`` and JSON lists are paths (root first); ``"A|B|C"`` is a flat set of labels (as MovieLens
    genres), ``"A"`` a single label.
    """
    if value is None or value == "":
        return [], False
    if isinstance(value, str):
        if ">" in value:
            return [p.strip() for p in value.split(">") if p.strip()], True
        return [p.strip() for p in value.split("|") if p.strip()], False
    if isinstance(value, (list, tuple)):
        labels: list[str] = []
        for element in value:
            if isinstance(element, bool) or not isinstance(element, (str, int, float)):
                raise ValueError(f"expected a list of text, found a {type(element).__name__} element")
            text = str(element).strip()
            if text:
                labels.append(text)
        return labels, True
    raise ValueError(f"expected a list or a '|'- or '>'-separated string, got {type(value).__name__}")


def _labels(value: Any, info: ValidationInfo) -> list[str]:
    labels, _ = split_labels(value)
    for label in labels:
        _check_length(label, info)
    return labels


def _tags(value: Any, info: ValidationInfo) -> list[str]:
    if isinstance(value, str):
        sep = "|" if "|" in value else ","
        value = [t for t in value.split(sep)]
    return _labels(value, info)


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(f"expected a number, got {_short(value)}") from None
    if not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError("expected a number, got a whole number too large for a float") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {_short(value)}")
    return number


def parse_timestamp(value: Any) -> datetime | None:
    """A timezone-aware UTC datetime from ISO-8601 text or Unix seconds (number or numeric string).

    Naive ISO times are taken as UTC. A date alone means midnight UTC. A time the store cannot hold (outside
    ``schema.dates.MIN_DATE .. MAX_DATE``) is refused here, so it never reaches Weaviate.

    Raises:
        ValueError: not a time, or a time out of the store's range.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("expected an ISO-8601 time or Unix seconds, got a boolean")
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)) or (isinstance(value, str) and _is_number(value)):
        try:
            seconds = float(value)
        except OverflowError:
            seconds = math.inf
        if not math.isfinite(seconds):
            raise ValueError(f"expected Unix seconds, got {_short(value)}")
        if abs(seconds) > _MAX_UNIX_SECONDS:
            raise ValueError(f"{_short(value)} is too large for Unix seconds (milliseconds? divide by 1000)")
        try:
            moment = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(
                f"{_short(value)} Unix seconds is outside the range of times the store can hold "
                f"({MIN_DATE:%Y-%m-%d} .. {MAX_DATE:%Y-%m-%d} UTC)"
            ) from None
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"expected an ISO-8601 time or Unix seconds, got {_short(value)}") from None
    else:
        raise ValueError(f"expected an ISO-8601 time or Unix seconds, got {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    check_date_in_range(moment)  # before the conversion: a year-1 time with an offset overflows it
    return moment.astimezone(UTC)


def _short(value: Any, limit: int = 80) -> str:
    """``repr`` of a value for a message, cut to ``limit`` characters (a rejected value may be huge)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"a whole number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "...'" + f" ({len(text):,} characters)"


def _is_number(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return True


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    def properties(self) -> dict[str, Any]:
        """The Weaviate properties this record sets (absent values left out)."""
        return {k: v for k, v in self.model_dump().items() if v is not None and v != []}


class ItemRecord(_Record):
    """A catalog item. ``domain`` falls back to ``categories`` at the settings' ``domain_level``."""

    item_id: str
    title: str | None = None
    description: str | None = None
    domain: str | None = None
    subdomain: str | None = None
    categories: list[str] = []
    tags: list[str] = []
    brand: str | None = None
    popularity: float | None = None
    created_at: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _domain_from_categories(cls, data: Any, info: ValidationInfo) -> Any:
        # A path gives the label at the domain level (and the subdomain below it); a flat set of labels
        # (a '|'-separated string) the label the domain rule picks, and no subdomain (see item_domain).
        if not isinstance(data, dict) or data.get("domain") not in (None, ""):
            return data
        try:
            labels, is_path = split_labels(data.get("categories"))
        except ValueError:
            return data  # the categories validator reports it
        counts = _ctx(info, "label_counts", None)
        rule: DomainRule = _ctx(info, "domain_rule", "first") if counts is not None else "first"
        domain, subdomain = choose_domain(labels, is_path, _ctx(info, "domain_level", 1), rule, counts)
        if domain is not None:
            data = {**data, "domain": domain}
            if subdomain is not None and data.get("subdomain") in (None, ""):
                data["subdomain"] = subdomain
        return data

    _item_id = field_validator("item_id", mode="before")(_required_id)
    _texts = field_validator("title", "description", "domain", "subdomain", "brand", mode="before")(_text)

    @field_validator("categories", mode="before")
    @classmethod
    def _categories(cls, value: Any, info: ValidationInfo) -> list[str]:
        # A placeholder such as "(no genres listed)" in a flat set is no label; a path keeps its levels.
        labels = _labels(value, info)
        return labels if split_labels(value)[1] else drop_placeholders(labels)

    _tag_list = field_validator("tags", mode="before")(_tags)

    @field_validator("popularity", mode="before")
    @classmethod
    def _popularity(cls, value: Any) -> float | None:
        return _number(value)

    @field_validator("created_at", mode="before")
    @classmethod
    def _created_at(cls, value: Any) -> datetime | None:
        return parse_timestamp(value)


class UserRecord(_Record):
    """A user. ``stated_interests`` is what the user wrote about themselves (used for cold start)."""

    user_id: str
    name: str | None = None
    stated_interests: str | None = None

    _user_id = field_validator("user_id", mode="before")(_required_id)
    _texts = field_validator("name", "stated_interests", mode="before")(_text)


class InteractionRecord(_Record):
    """One event or piece of user content. Needs an ``item_id`` or a ``text`` (a search has no item)."""

    user_id: str
    item_id: str | None = None
    kind: str
    rating: float | None = None
    text: str | None = None
    timestamp: datetime | None = None
    seq: int | None = None

    _user_id = field_validator("user_id", mode="before")(_required_id)
    _texts = field_validator("item_id", "text", mode="before")(_text)

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any, info: ValidationInfo) -> str:
        kind = _required_id(value, info).lower()
        kinds = _ctx(info, "kinds", frozenset(BUILTIN_KINDS))
        if kind not in kinds:
            raise ValueError(
                f"unknown kind {kind!r}: use one of {', '.join(sorted(kinds))}, or declare it with "
                f"--extra-kind {kind} (WEAVIATE_RECSYS_EXTRA_KINDS)"
            )
        return kind

    @field_validator("rating", mode="before")
    @classmethod
    def _rating(cls, value: Any) -> float | None:
        return _number(value)

    @field_validator("timestamp", mode="before")
    @classmethod
    def _timestamp(cls, value: Any) -> datetime | None:
        return parse_timestamp(value)

    @field_validator("seq", mode="before")
    @classmethod
    def _seq(cls, value: Any) -> int | None:
        number = _number(value)
        if number is None:
            return None
        if not number.is_integer() or not 0 <= number <= MAX_SEQ:
            raise ValueError(f"expected a whole number from 0 to {MAX_SEQ}, got {_short(value)}")
        return int(number)

    @model_validator(mode="after")
    def _needs_item_or_text(self) -> InteractionRecord:
        if self.item_id is None and self.text is None:
            raise ValueError("item_id: is empty; an interaction needs an item_id, or a text (a search, a post)")
        return self


RECORD_MODELS: dict[str, type[_Record]] = {
    "items": ItemRecord,
    "users": UserRecord,
    "interactions": InteractionRecord,
}
