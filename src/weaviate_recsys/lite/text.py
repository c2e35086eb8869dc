"""Weaviate's tokenizers and stopword sets, emulated in Python.

Implements docs/lite-server.md §3.2 (tokenizers) and §3.3 (stopwords). The same functions serve
BM25 indexing, BM25 queries and text filters, so every place tokenizes a value identically.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "TOKENIZATIONS",
    "EN_STOPWORDS",
    "STOPWORD_PRESETS",
    "Stopwords",
    "go_lower",
    "tokenize",
    "tokenize_many",
]

TOKENIZATIONS = ("word", "lowercase", "whitespace", "field", "trigram")

# §3.2: "letter or number" is Unicode L* or N*. In Python's `re`, `[^\W_]` is exactly
# str.isalnum(), which equals category L*/N* for every code point (checked over the whole
# Unicode range of the running interpreter).
_WORD_RE = re.compile(r"[^\W_]+")

# §3.2: Go's unicode.IsSpace (Unicode White_Space). Python's str.isspace() also accepts
# \x1c-\x1f, which Go does not, so the set is spelled out.
_GO_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACE_SPLIT_RE = re.compile(f"[{_GO_SPACE}]+")
_TRIM_RE = re.compile(f"^[{_GO_SPACE}]+|[{_GO_SPACE}]+$")

# §3.2: Go lowercases rune by rune (simple case mapping). Python's str.lower() uses the full
# mapping for U+0130 (two code points) and a context rule for final sigma; pre-map both.
_GO_LOWER_FIX = {0x130: "i", 0x3A3: "\u03c3"}


def go_lower(text: str) -> str:
    """Lowercase like Go's strings.ToLower (simple per-rune mapping)."""
    if text.isascii():
        return text.lower()
    return text.translate(_GO_LOWER_FIX).lower()


def tokenize(text: str, tokenization: str) -> list[str]:
    """Split one text value into tokens the way Weaviate does (§3.2).

    Args:
        text: the value (one element of a text[] property is tokenized on its own).
        tokenization: word, lowercase, whitespace, field or trigram.

    Returns:
        Tokens in order, duplicates kept (they count towards the BM25 length, §3.4).

    Raises:
        ValueError: for a tokenization the lite server does not support.
    """
    if tokenization == "word":
        return _WORD_RE.findall(go_lower(text))
    if tokenization == "lowercase":
        return [t for t in _SPACE_SPLIT_RE.split(go_lower(text)) if t]
    if tokenization == "whitespace":
        return [t for t in _SPACE_SPLIT_RE.split(text) if t]
    if tokenization == "field":
        trimmed = _TRIM_RE.sub("", text)
        # The analyzer drops an empty trimmed value, so it yields no token (§3.4: no postings).
        return [trimmed] if trimmed else []
    if tokenization == "trigram":
        joined = go_lower("".join(_WORD_RE.findall(text)))
        return [joined[i : i + 3] for i in range(len(joined) - 2)]
    raise ValueError(f"unsupported tokenization {tokenization!r}; the lite server supports {', '.join(TOKENIZATIONS)}")


def tokenize_many(value: str | Iterable[str] | None, tokenization: str) -> list[str]:
    """Tokens of a text or text[] value; for text[] the elements' tokens are pooled (§3.4)."""
    if value is None:
        return []
    if isinstance(value, str):
        return tokenize(value, tokenization)
    tokens: list[str] = []
    for element in value:
        if isinstance(element, str):
            tokens.extend(tokenize(element, tokenization))
    return tokens


# §3.3, W:adapters/repos/db/inverted/stopwords/presets.go
EN_STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with".split()
)
STOPWORD_PRESETS: dict[str, frozenset[str]] = {"en": EN_STOPWORDS, "none": frozenset()}


class Stopwords:
    """The effective stopword set: preset ∪ additions − removals (§3.3).

    Matching is exact on already-lowercased tokens. Stopwords are only ever dropped from
    queries on `word` properties; indexing keeps them (§3.3).
    """

    __slots__ = ("preset", "additions", "removals", "_words")

    def __init__(
        self, preset: str = "en", additions: list[str] | None = None, removals: list[str] | None = None
    ) -> None:
        if preset not in STOPWORD_PRESETS:
            raise ValueError(f"stopwordPreset '{preset}' does not exist; use one of: en, none")
        self.preset = preset
        self.additions = list(additions or [])
        self.removals = list(removals or [])
        self._words = (STOPWORD_PRESETS[preset] | set(self.additions)) - set(self.removals)

    def __contains__(self, token: object) -> bool:
        return token in self._words

    def __len__(self) -> int:
        return len(self._words)

    def __repr__(self) -> str:
        return f"Stopwords(preset={self.preset!r}, additions={self.additions!r}, removals={self.removals!r})"
