"""Reading items, interactions and user text for an offline evaluation.

A deliberately small mapping layer: it understands the project's own field names (as in the data sets'
README) and the raw MovieLens CSVs (``movieId``, ``userId``, ``genres``, ``tag``). The project's loaders
own reading in general; this module only turns files into the three lists an evaluation needs, so it can
later be replaced by the loaders' ``read_records`` without touching the rest of ``weaviate_recsys.eval``.

Which interactions count as *positives* (the events that are split and predicted) is an explicit
policy (`PositivePolicy`): rows with a rating below ``min_rating`` and rows of text-only kinds (a
MovieLens tag) are not positives; their text becomes the user's text, available to methods only when
it was written before the user's test period.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..errors import EvaluationError
from ..loaders.item_domain import choose_domain, drop_placeholders, is_placeholder, label_counts
from ..loaders.records import split_labels
from ..settings import DomainRule

__all__ = [
    "EvalItem",
    "EvalInteraction",
    "UserText",
    "EvalData",
    "PositivePolicy",
    "read_rows",
    "read_eval_data",
    "build_eval_data",
    "item_domains",
]

#: Raw column names of other data sets, mapped onto the project's field names.
COLUMN_ALIASES: dict[str, str] = {
    "movieId": "item_id",
    "userId": "user_id",
    "genres": "categories",
    "tag": "text",
    "asin": "item_id",
    "reviewerID": "user_id",
}

#: Kinds whose rows carry user text but are not a sign of interest in the item by themselves.
TEXT_ONLY_KINDS = frozenset({"tag", "comment", "query", "post"})

#: Kinds that signal disinterest; never positives.
NEGATIVE_KINDS = frozenset({"dislike"})


@dataclass(frozen=True)
class EvalItem:
    """One catalog item with the fields the evaluation's methods use.

    ``labels_are_path``: the categories are a path, root first (a JSON list, ``"A > B"``), not a flat set of
    labels (``"A|B"``, as MovieLens genres); it decides how the item's domain is read (``loaders.item_domain``).
    """

    item_id: str
    title: str = ""
    description: str = ""
    brand: str = ""
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    labels_are_path: bool = True

    def domains(
        self, level: int = 1, rule: DomainRule = "first", counts: Mapping[str, int] | None = None
    ) -> tuple[str | None, str | None]:
        """``(domain, subdomain)`` as a load into Weaviate derives them (``loaders.item_domain.choose_domain``)."""
        return choose_domain(self.categories, self.labels_are_path, level, rule, counts)

    def domain(self, level: int = 1, rule: DomainRule = "first", counts: Mapping[str, int] | None = None) -> str | None:
        """The item's domain: the category at ``level`` of a path (1: the root; None if shallower), or the label
        of a flat set that ``rule`` picks by the catalog's label ``counts``."""
        return self.domains(level, rule, counts)[0]


def item_domains(
    items: Sequence[EvalItem], level: int = 1, rule: DomainRule = "first"
) -> list[tuple[str | None, str | None]]:
    """Each item's ``(domain, subdomain)``, with the label counts of ``items`` as the catalog's."""
    counts = label_counts(item.categories for item in items if not item.labels_are_path)
    return [item.domains(level, rule, counts) for item in items]


@dataclass(frozen=True)
class EvalInteraction:
    """One positive event. ``order`` is the row's position in its input, the last tie-breaker in time."""

    user_id: str
    item_id: str
    order: int
    timestamp: float | None = None
    seq: int | None = None
    kind: str = "purchase"
    rating: float | None = None


@dataclass(frozen=True)
class UserText:
    """Text a user wrote (a tag, a review, stated interests); ``timestamp``/``seq`` None: timeless."""

    user_id: str
    text: str
    order: int
    item_id: str | None = None
    timestamp: float | None = None
    seq: int | None = None


@dataclass
class EvalData:
    """Everything an evaluation reads: the catalog, positive interactions, and user text."""

    name: str
    items: list[EvalItem]
    interactions: list[EvalInteraction]
    user_texts: list[UserText] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def item_index(self) -> dict[str, int]:
        return {item.item_id: n for n, item in enumerate(self.items)}


class PositivePolicy(BaseModel):
    """Which interaction rows are positives.

    Attributes:
        min_rating: rows with a rating below this are not positives (rows without a rating always are);
            None keeps every rating.
        text_only_kinds: kinds whose rows only contribute user text.
    """

    min_rating: float | None = Field(default=4.0)
    text_only_kinds: frozenset[str] = TEXT_ONLY_KINDS

    def is_positive(self, kind: str, rating: float | None) -> bool:
        if kind in self.text_only_kinds or kind in NEGATIVE_KINDS:
            return False
        return rating is None or self.min_rating is None or rating >= self.min_rating


def read_rows(path: str | Path, mapping: Mapping[str, str] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line, row)`` from a JSON Lines, CSV or TSV file, with raw columns renamed to our fields.

    ``mapping`` is ``{field: column}`` for columns with other names (``--map item_id=asin``); known raw
    names (MovieLens' ``movieId``, ``userId``, ``genres``, ``tag``) are renamed without it.

    Raises:
        EvaluationError: the file cannot be read or a JSON line is malformed.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".json", ".ndjson", ".csv", ".tsv"):
        raise EvaluationError(f"{path}: unknown format {suffix!r}; use .jsonl, .csv or .tsv files.")
    try:
        with path.open(encoding="utf-8", newline="") as f:
            if suffix in (".jsonl", ".json", ".ndjson"):
                for line_no, line in enumerate(f, start=1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as e:
                        raise EvaluationError(
                            f"{path}:{line_no}: not valid JSON ({e.msg}); fix or remove the line."
                        ) from e
                    yield line_no, _rename(row, mapping)
            else:
                reader = csv.DictReader(f, delimiter="\t" if suffix == ".tsv" else ",")
                for row in reader:
                    yield reader.line_num, _rename(row, mapping)
    except OSError as e:
        raise EvaluationError(f"Cannot read {path}: {e.strerror}. Check the path.") from e


def _rename(row: dict[str, Any], mapping: Mapping[str, str] | None = None) -> dict[str, Any]:
    if mapping:
        row = dict(row)
        for field_name, column in mapping.items():
            if column in row:
                row[field_name] = row.pop(column)
    return {COLUMN_ALIASES.get(k, k): v for k, v in row.items()}


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _list(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, list):
        parts = [str(v) for v in value]
    else:
        text = str(value)
        sep = "|" if "|" in text else (">" if ">" in text else None)
        parts = text.split(sep) if sep else [text]
    return tuple(p.strip() for p in parts if p.strip() and not is_placeholder(p))


def _categories(value: Any) -> tuple[tuple[str, ...], bool]:
    """The labels and whether they are a path (the loaders' ``split_labels``); placeholders leave a flat set."""
    labels, is_path = split_labels(value)
    return tuple(labels if is_path else drop_placeholders(labels)), is_path


def _timestamp(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError as e:
        raise ValueError(f"timestamp {text!r} is neither Unix seconds nor ISO-8601") from e


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def build_eval_data(
    name: str,
    item_rows: Iterable[dict[str, Any]],
    interaction_rows: Iterable[dict[str, Any]],
    user_rows: Iterable[dict[str, Any]] = (),
    policy: PositivePolicy | None = None,
) -> EvalData:
    """Turn already-read rows (project field names) into `EvalData`.

    Interactions whose item is not in the catalog are skipped and counted in ``EvalData.skipped``, never
    dropped silently.

    Raises:
        EvaluationError: a row lacks ``item_id``/``user_id`` or has an unreadable value.
    """
    policy = policy or PositivePolicy()
    items: list[EvalItem] = []
    seen: set[str] = set()
    for n, row in enumerate(item_rows):
        item_id = _text(row.get("item_id"))
        if not item_id:
            raise EvaluationError(f"item row {n + 1} has no item_id; every item needs one.")
        if item_id in seen:
            continue
        seen.add(item_id)
        try:
            categories, is_path = _categories(row.get("categories"))
        except ValueError as e:
            raise EvaluationError(f"item row {n + 1} ({item_id}): categories: {e}; fix the value.") from e
        items.append(
            EvalItem(
                item_id=item_id,
                title=_text(row.get("title")),
                description=_text(row.get("description")),
                brand=_text(row.get("brand")),
                categories=categories,
                tags=_list(row.get("tags")),
                labels_are_path=is_path,
            )
        )
    interactions: list[EvalInteraction] = []
    texts: list[UserText] = []
    skipped = {"unknown_item": 0, "not_positive": 0}
    for n, row in enumerate(interaction_rows):
        user_id = _text(row.get("user_id"))
        event_item: str | None = _text(row.get("item_id")) or None
        if not user_id:
            raise EvaluationError(f"interaction row {n + 1} has no user_id; every interaction needs one.")
        try:
            ts = _timestamp(row.get("timestamp"))
            seq = None if row.get("seq") in (None, "") else int(row["seq"])
            rating = _number(row.get("rating"))
        except ValueError as e:
            raise EvaluationError(f"interaction row {n + 1}: {e}; fix the value.") from e
        text = _text(row.get("text"))
        kind = _text(row.get("kind")) or ("rating" if rating is not None else ("tag" if text else "purchase"))
        if text:
            texts.append(UserText(user_id, text, n, event_item, ts, seq))
        if event_item is None:
            continue
        if event_item not in seen:
            skipped["unknown_item"] += 1
            continue
        if not policy.is_positive(kind, rating):
            if kind not in policy.text_only_kinds:
                skipped["not_positive"] += 1
            continue
        interactions.append(EvalInteraction(user_id, event_item, n, ts, seq, kind, rating))
    for n, row in enumerate(user_rows):
        user_id = _text(row.get("user_id"))
        stated = _text(row.get("stated_interests"))
        if user_id and stated:
            texts.append(UserText(user_id, stated, -1 - n))
    if not interactions:
        raise EvaluationError("No positive interactions to evaluate on; check the files and --min-rating.")
    return EvalData(name=name, items=items, interactions=interactions, user_texts=texts, skipped=skipped)


def read_eval_data(
    items: str | Path,
    interactions: Sequence[str | Path],
    users: str | Path | None = None,
    policy: PositivePolicy | None = None,
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> EvalData:
    """Read an evaluation data set from files (JSON Lines, CSV or TSV; raw MovieLens columns understood).

    Args:
        items: the catalog file.
        interactions: one or more interaction files (e.g. MovieLens ``ratings.csv`` and ``tags.csv``).
        users: optional users file; ``stated_interests`` becomes timeless user text.
        policy: which rows are positives (default: ratings >= 4, tags are text only).
        name: the data set's name in reports (default: the items file's folder name).
        mapping: ``{field: column}`` renames applied to every file.
    """
    items_path = Path(items)
    interaction_rows = (row for path in interactions for _, row in read_rows(path, mapping))
    user_rows = (row for _, row in read_rows(users, mapping)) if users else ()
    return build_eval_data(
        name or items_path.resolve().parent.name,
        (row for _, row in read_rows(items_path, mapping)),
        interaction_rows,
        user_rows,
        policy,
    )
