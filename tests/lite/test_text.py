"""Tokenizers and stopwords against docs/lite-server.md §3.2 / §3.3."""

import pytest

from weaviate_recsys.lite.text import EN_STOPWORDS, Stopwords, go_lower, tokenize, tokenize_many

SAMPLE = "Hello, World! C'est l'été: naïve_café 3.14 x²"


def test_word_example_of_spec():
    assert tokenize(SAMPLE, "word") == ["hello", "world", "c", "est", "l", "été", "naïve", "café", "3", "14", "x²"]


def test_lowercase_example_of_spec():
    assert tokenize(SAMPLE, "lowercase") == ["hello,", "world!", "c'est", "l'été:", "naïve_café", "3.14", "x²"]


def test_whitespace_example_of_spec():
    assert tokenize(SAMPLE, "whitespace") == ["Hello,", "World!", "C'est", "l'été:", "naïve_café", "3.14", "x²"]


def test_field_example_of_spec():
    assert tokenize(SAMPLE, "field") == [SAMPLE]
    assert tokenize("  \t Hello  World \n", "field") == ["Hello  World"]


def test_trigram_example_of_spec():
    assert tokenize("New-York ÉCOLE", "trigram") == "new ewy wyo yor ork rké kéc éco col ole".split()


def test_trigram_needs_three_runes():
    assert tokenize("ab", "trigram") == []
    assert tokenize("a-b-c", "trigram") == ["abc"]


def test_empty_values_give_no_tokens():
    for tokenization in ("word", "lowercase", "whitespace", "field", "trigram"):
        assert tokenize("", tokenization) == []
        assert tokenize("   ", tokenization) == []


def test_go_lowercasing_is_per_rune():
    # Go's strings.ToLower: U+0130 -> "i" (Python's full mapping gives two code points),
    # and capital sigma -> σ even at the end of a word (Python uses final ς).
    assert go_lower("İSTANBUL") == "istanbul"
    assert tokenize("ΟΔΟΣ", "word") == ["οδοσ"]
    assert tokenize("ΟΔΟΣ", "lowercase") == ["οδοσ"]


def test_go_whitespace_set():
    # \x1c-\x1f are whitespace for Python's str.split() but not for Go's unicode.IsSpace.
    assert tokenize("a\x1cb c", "whitespace") == ["a\x1cb", "c"]
    # NBSP and ideographic space are Go whitespace.
    assert tokenize("a\xa0b\u3000c", "whitespace") == ["a", "b", "c"]


def test_word_splits_on_marks_and_underscore():
    # combining marks are neither letter nor number, so they split (Go unicode.IsLetter)
    assert tokenize("e\u0301t\u00e9", "word") == ["e", "t\u00e9"]
    assert tokenize("snake_case x1", "word") == ["snake", "case", "x1"]


def test_unknown_tokenization_is_rejected():
    with pytest.raises(ValueError, match="unsupported tokenization"):
        tokenize("x", "gse")


def test_text_array_tokens_are_pooled():
    assert tokenize_many(["Hello world", "hello"], "word") == ["hello", "world", "hello"]
    assert tokenize_many(None, "word") == []


def test_en_preset_has_33_words():
    assert len(EN_STOPWORDS) == 33
    sw = Stopwords()
    for word in ("a", "the", "with", "will", "into", "such"):
        assert word in sw
    assert "hello" not in sw


def test_none_preset_is_empty():
    assert len(Stopwords("none")) == 0
    assert "the" not in Stopwords("none")


def test_additions_and_removals():
    sw = Stopwords("en", additions=["hello"], removals=["the"])
    assert "hello" in sw
    assert "the" not in sw
    assert "a" in sw
    assert "x" in Stopwords("none", additions=["x"])


def test_unknown_preset_is_rejected():
    with pytest.raises(ValueError, match="does not exist"):
        Stopwords("fr")
