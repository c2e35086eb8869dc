"""Which of an item's category labels is its domain.

A category *path* (a JSON list or ``"A > B > C"``, root first) has one label per level: the domain is the
label at ``domain_level`` and the subdomain the label below it. A flat *set* of labels (``"A|B|C"``, as
MovieLens genres) has no order that means anything (MovieLens lists genres alphabetically), so an item with
several labels needs a rule (`DomainRule`):

- ``first``: the first label listed (for MovieLens, the alphabetically first genre: Toy Story is Adventure);
- ``rarest``: the label the fewest catalog items carry, the most specific one (Toy Story is Animation);
- ``commonest``: the label the most catalog items carry (Toy Story is Comedy).

Ties go to the label listed first. ``rarest`` and ``commonest`` need the label counts of the whole catalog
(`label_counts`). A placeholder such as ``(no genres listed)`` is not a label: it is dropped from a flat set,
and at a path's domain level it leaves the item without a domain.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import get_args

from ..settings import DEFAULT_DOMAIN_RULE, DomainRule

__all__ = [
    "DomainRule",
    "DOMAIN_RULES",
    "DEFAULT_DOMAIN_RULE",
    "is_placeholder",
    "drop_placeholders",
    "label_counts",
    "choose_domain",
]

DOMAIN_RULES: tuple[str, ...] = get_args(DomainRule)

#: Label texts (lowercase, brackets removed) that say "no label" rather than name one.
_PLACEHOLDERS = frozenset(
    {"none", "n/a", "na", "null", "unknown", "uncategorized", "uncategorised", "no category", "no genre", "no genres"}
)
_NO_X_LISTED = re.compile(r"^no \w+( \w+)? (listed|given|specified)$")


def is_placeholder(label: str) -> bool:
    """True for a label that stands for "no label", such as MovieLens' ``(no genres listed)``."""
    text = label.strip().strip("()[]<>").strip().lower()
    return not text or text in _PLACEHOLDERS or bool(_NO_X_LISTED.match(text))


def drop_placeholders(labels: Iterable[str]) -> list[str]:
    """The labels that name something (placeholders left out), in order."""
    return [label for label in labels if not is_placeholder(label)]


def label_counts(label_sets: Iterable[Sequence[str]]) -> Counter[str]:
    """How many items carry each label (a label counts once per item; placeholders are not counted)."""
    counts: Counter[str] = Counter()
    for labels in label_sets:
        counts.update(set(drop_placeholders(labels)))
    return counts


def choose_domain(
    labels: Sequence[str],
    is_path: bool,
    level: int = 1,
    rule: DomainRule = DEFAULT_DOMAIN_RULE,
    counts: Mapping[str, int] | None = None,
) -> tuple[str | None, str | None]:
    """``(domain, subdomain)`` of an item with these category labels (None where it has none).

    Args:
        labels: the item's labels, as read (a path root first, or a flat set).
        is_path: the labels are a path (the level matters, the rule does not).
        level: the path level that is the domain (1: the root).
        rule: how one label of a flat set is picked.
        counts: labels' item counts over the catalog (`label_counts`); needed by ``rarest`` and ``commonest``.

    Raises:
        ValueError: an unknown rule, or a rule that needs counts without them.
    """
    if rule not in DOMAIN_RULES:
        raise ValueError(f"unknown domain rule {rule!r}: choose one of {', '.join(DOMAIN_RULES)}")
    if is_path:
        if len(labels) < level or is_placeholder(labels[level - 1]):
            return None, None
        below = labels[level] if len(labels) > level and not is_placeholder(labels[level]) else None
        return labels[level - 1], below
    named = drop_placeholders(labels)
    if not named:
        return None, None
    if rule == "first" or len(named) == 1:
        return named[0], None
    if counts is None:
        raise ValueError(f"the domain rule {rule!r} needs the catalog's label counts")
    sign = 1 if rule == "rarest" else -1
    # min() keeps the first of equal keys: ties go to the label listed first.
    return min(named, key=lambda label: sign * counts.get(label, 0)), None
