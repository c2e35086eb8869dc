"""Tokenizing, stop words, stemming with surface forms, and collocation phrases."""

from __future__ import annotations

from weaviate_recsys.plugin.text_processing import TextAnalyzer, find_phrases, load_stopwords, most_common_surface


def test_shipped_stopwords_are_loaded_as_package_data() -> None:
    words = load_stopwords()
    assert {"the", "and", "of", "with"} <= words
    assert "printer" not in words


def test_tokens_drop_stopwords_numbers_and_punctuation() -> None:
    a = TextAnalyzer()
    assert a.tokens("The Laser-Printer, 500 pages; and 2 toners!") == ["laser", "printer", "pages", "toners"]


def test_html_entities_and_tags_are_decoded() -> None:
    a = TextAnalyzer()
    assert a.tokens("AT&amp;T <b>cordless</b> phone") == ["cordless", "phone"]


def test_stems_match_plural_and_singular() -> None:
    a = TextAnalyzer()
    terms = dict(a.terms("printers"))
    assert list(terms) == [a.stem("printer")]


def test_known_phrases_are_emitted_but_never_across_stopwords_or_clauses() -> None:
    a = TextAnalyzer()
    ph = {a.stem("laser") + " " + a.stem("printer")}
    found = [s for t, s in a.terms("A laser printer. Laser, printer. Laser and printer", ph) if " " in t]
    assert found == ["laser printer"]


def test_find_phrases_finds_collocations_in_a_corpus() -> None:
    a = TextAnalyzer()
    docs = [
        "gel pens in blue",
        "black gel pens",
        "gel pens value pack",
        "laser printer toner",
        "fast laser printer",
        "color laser printer",
        "blue paper",
        "black toner",
        "value paper",
    ] * 3
    phrases = find_phrases(a, docs, min_count=3)
    assert "gel pen" in phrases and "laser printer" in phrases
    assert "blue black" not in phrases


def test_model_numbers_are_not_phrases() -> None:
    a = TextAnalyzer()
    phrases = find_phrases(a, ["model cs6114 cordless phone"] * 10, min_count=3, min_score=0)
    assert list(phrases) == [a.stem("cordless") + " " + a.stem("phone")]


def test_non_english_text_never_fails_and_keeps_words() -> None:
    a = TextAnalyzer()
    assert a.tokens("très bon stylo") == ["très", "bon", "stylo"]
    assert a.tokens("打印机") == ["打印", "印机"]  # unspaced scripts: character bigrams
    assert a.tokens("Привет мир") == ["привет", "мир"]
    assert a.tokens("") == [] and a.tokens(None) == []


def test_most_common_surface_breaks_ties_alphabetically() -> None:
    from collections import Counter

    assert most_common_surface(Counter({"printers": 2, "printer": 2, "printing": 1})) == "printer"
