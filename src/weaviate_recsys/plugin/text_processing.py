"""Turning free text into matchable terms: tokens, stems, and bigram phrases.

Only NLTK's data-free parts are used (the NLTK corpora are not installed where this runs): the
``SnowballStemmer`` and ``BigramCollocationFinder``; tokens come from one fixed regular expression. The stop-word list ships
with the package (``weaviate_recsys/data/stopwords_en.txt``).

Terms are identified by their stem ("printer" and "printers" match), but shown to people in the surface
form seen most often, so keywords read as words, not stems. Phrases ("laser printer", "gel pens") are
bigrams of stems that the collocation finder judged significant on the fitted corpus.

Non-English text never fails: letters of any script are word characters; scripts written without spaces
(Chinese, Japanese, Thai) are split into overlapping character bigrams, and stemming leaves non-English
words as they are.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources

# NLTK is imported where it is used: importing it costs about a second of CPU, which commands that only read
# stored profiles (recommend, profile show) should not pay.

__all__ = ["load_stopwords", "TextAnalyzer", "find_phrases", "most_common_surface", "PHRASE_SEPARATOR"]

#: Joins the two stems of a phrase term ("laser printer"): a space, so a phrase reads as text.
PHRASE_SEPARATOR = " "

# Phrase candidates never cross these: a bigram across a sentence or clause break is not a phrase.
_BREAK_CHARS = frozenset('.!?;:,()[]{}|/\\"\u3002\uff0c\uff01\uff1f\u3001\n\r\t')
# Words (letters/digits of any script, with an inner apostrophe), or a clause break; other punctuation is dropped.
_TOKEN_PATTERN = r"[^\W_]+(?:['\u2019][^\W_]+)*|[.!?;:,()\[\]{}|/\\\"\u3002\uff0c\uff01\uff1f\u3001\n\r\t]| - "
_TAGS = re.compile(r"<[^>]{0,200}>")
# Scripts written without spaces between words: CJK ideographs, kana, Hangul syllables, Thai, Lao, Khmer.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u0e00-\u0eff\u1780-\u17ff]")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_HAS_DIGIT = re.compile(r"\d")
# Roman numerals up to 39 ("ii", "iii", "xiv"): sequel and volume numbers in titles, not interests.
_ROMAN = re.compile(r"x{0,3}(?:ix|iv|v?i{0,3})")


#: The tokenizer: what NLTK's ``RegexpTokenizer(_TOKEN_PATTERN).tokenize`` returns (``findall`` of the pattern),
#: compiled with the standard ``re`` engine. NLTK compiles caller patterns through its ReDoS guard (a timeout
#: around every match), which made tokenizing a catalog four times slower; our one pattern is fixed and has no
#: nested quantifiers that could backtrack catastrophically, so the guard buys nothing here.
_TOKENIZE = re.compile(_TOKEN_PATTERN, re.UNICODE | re.MULTILINE | re.DOTALL).findall


@lru_cache(maxsize=1)
def load_stopwords() -> frozenset[str]:
    """The shipped English stop-word list (lower case)."""
    text = resources.files("weaviate_recsys").joinpath("data/stopwords_en.txt").read_text(encoding="utf-8")
    words = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line:
            words.add(line)
    return frozenset(words)


class TextAnalyzer:
    """Tokenize, drop stop words, stem; remembers nothing between calls except a stem cache.

    Args:
        extra_stopwords: words to drop besides the shipped list (e.g. catalog boilerplate).
        min_token_length: shorter tokens are dropped (single letters are noise in product text).
    """

    def __init__(self, extra_stopwords: Iterable[str] = (), min_token_length: int = 2) -> None:
        self.stopwords = load_stopwords() | {w.lower() for w in extra_stopwords}
        self.min_token_length = min_token_length
        from nltk.stem.snowball import SnowballStemmer

        self._stemmer = SnowballStemmer("english")
        self._stems: dict[str, str] = {}
        self._kinds: dict[str, tuple[str | None, ...]] = {}

    def stem(self, token: str) -> str:
        """Snowball stem of a lower-case token (cached; non-Latin tokens are returned unchanged)."""
        s = self._stems.get(token)
        if s is None:
            s = token if _UNSPACED.search(token) else self._stemmer.stem(token)
            if len(self._stems) < 500_000:
                self._stems[token] = s
        return s

    def _classify(self, raw: str) -> tuple[str | None, ...]:
        """What one raw token contributes: kept tokens, ``None`` for a dropped one (cached per token)."""
        out = self._kinds.get(raw)
        if out is not None:
            return out
        tok = raw.replace("\u2019", "'")
        if tok.endswith("'s"):
            tok = tok[:-2]
        if _UNSPACED.search(tok):
            res: tuple[str | None, ...] = tuple(_char_bigrams(tok))
        else:
            # contractions: "don't" -> "don" (a stop word) + "t" (too short)
            pieces = tok.split("'") if "'" in tok else [tok]
            res = tuple(p if self._keeps(p) else None for p in pieces)
        if len(self._kinds) < 500_000:
            self._kinds[raw] = res
        return res

    def _keeps(self, token: str) -> bool:
        """Whether a lower-case token can be a term: long enough, no stop word, not a number or numeral.

        Tokens with digits are kept only when they are mostly letters ("mp3", "usb3"): quantities, sizes and
        model numbers ("1m", "10x", "5250dnhl") name no interest. Roman numerals ("ii", "xiv") are sequel
        and volume numbers.
        """
        if len(token) < self.min_token_length or token in self.stopwords or not _HAS_LETTER.search(token):
            return False
        if _ROMAN.fullmatch(token):
            return False
        if _HAS_DIGIT.search(token):
            digits = sum(c.isdigit() for c in token)
            return digits == 1 and len(token) - digits >= 2
        return True

    def segments(self, text: str | None) -> Iterator[list[str | None]]:
        """Lower-case kept tokens per clause; stop words leave a gap (``None``) so phrases never span them."""
        if not text:
            return
        if "&" in text or "<" in text:
            text = html.unescape(_TAGS.sub(" ", text))
        out: list[str | None] = []
        kept = False
        for raw in _TOKENIZE(text.lower()):
            if raw[0] in _BREAK_CHARS or raw == " - ":
                if kept:
                    yield out
                out, kept = [], False
                continue
            for t in self._classify(raw):
                out.append(t)
                kept = kept or t is not None
        if kept:
            yield out

    def tokens(self, text: str | None) -> list[str]:
        """Kept surface tokens in order (stop words, numbers and short tokens removed)."""
        return [t for seg in self.segments(text) for t in seg if t is not None]

    def terms(self, text: str | None, phrases: frozenset[str] | set[str] = frozenset()) -> Iterator[tuple[str, str]]:
        """``(term, surface)`` pairs: every kept token's stem, plus each known phrase found in the text.

        Args:
            text: any text (HTML entities and tags are tolerated).
            phrases: phrase terms (two stems joined by `PHRASE_SEPARATOR`) to recognise, usually the ones
                `find_phrases` returned on the fitted corpus.
        """
        for seg in self.segments(text):
            prev_stem: str | None = None
            prev_tok: str | None = None
            for tok in seg:
                if tok is None:
                    prev_stem = prev_tok = None
                    continue
                st = self.stem(tok)
                yield st, tok
                if prev_stem is not None and phrases:
                    ph = prev_stem + PHRASE_SEPARATOR + st
                    if ph in phrases:
                        yield ph, prev_tok + PHRASE_SEPARATOR + tok  # type: ignore[operator]
                prev_stem, prev_tok = st, tok

    def stem_segments(self, text: str | None) -> Iterator[list[str | None]]:
        """Per clause, the stems of kept tokens with ``None`` where a stop word was (for phrase finding)."""
        for seg in self.segments(text):
            yield [None if t is None else self.stem(t) for t in seg]


def _char_bigrams(run: str) -> list[str]:
    """Overlapping character bigrams of an unspaced-script run (a common, dictionary-free CJK tokenization)."""
    if len(run) <= 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def find_phrases(
    analyzer: TextAnalyzer,
    texts: Iterable[str | None],
    min_count: int = 3,
    min_score: float = 10.83,
    max_phrases: int = 5000,
) -> dict[str, int]:
    """Significant bigrams of stems in a corpus, by Dunning's log-likelihood ratio.

    The default threshold 10.83 is the chi-squared critical value at p = 0.001 with one degree of freedom,
    so a kept phrase co-occurs far more often than its words' frequencies predict.

    Args:
        analyzer: the analyzer whose stems the phrases are made of.
        texts: the corpus (documents).
        min_count: a phrase must occur at least this often.
        min_score: minimum log-likelihood ratio.
        max_phrases: keep at most this many, best first.

    Returns:
        ``{phrase term: count}`` (phrase term = two stems joined by `PHRASE_SEPARATOR`).
    """
    docs: list[list[str | None]] = []
    for text in texts:
        for seg in analyzer.stem_segments(text):
            docs.append(seg)
    if not docs:
        return {}
    from nltk.collocations import BigramAssocMeasures, BigramCollocationFinder

    finder = BigramCollocationFinder.from_documents(docs)
    finder.apply_freq_filter(min_count)
    # Model numbers and markup ("5250dnhl 5280dwmfc", "1px solid") collocate strongly but are no phrases.
    finder.apply_ngram_filter(lambda a, b: a is None or b is None or a == b or _HAS_DIGIT.search(a + b) is not None)
    if not finder.ngram_fd:
        return {}
    scored = finder.score_ngrams(BigramAssocMeasures.likelihood_ratio)
    out: dict[str, int] = {}
    for (a, b), score in scored:
        if score < min_score:
            break
        out[a + PHRASE_SEPARATOR + b] = int(finder.ngram_fd[(a, b)])
        if len(out) >= max_phrases:
            break
    return out


def most_common_surface(counter: Counter[str]) -> str:
    """The surface form seen most often (ties: alphabetically first, so results are reproducible)."""
    return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]
