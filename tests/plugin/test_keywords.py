"""TF-IDF keyword extraction: fitting, weighting documents, persistence."""

from __future__ import annotations

import numpy as np
import pytest

from weaviate_recsys.errors import ModelNotTrained
from weaviate_recsys.plugin.keywords import KeywordExtractor, KeywordExtractorConfig

CORPUS = [
    "Blue gel pens, smooth writing",
    "Black gel pens with fine point",
    "Gel pens assorted colors",
    "Fountain pen and bottled ink",
    "Monochrome laser printer for the office",
    "Color laser printer with duplex",
    "Toner cartridge for laser printer",
    "Printer paper, 500 sheets",
    "Spiral notebook, college ruled paper",
    "Office stapler",
]


@pytest.fixture(scope="module")
def extractor() -> KeywordExtractor:
    return KeywordExtractor(KeywordExtractorConfig(phrase_min_count=2, top_k=5)).fit(CORPUS)


def test_fit_learns_phrases_and_surface_forms(extractor: KeywordExtractor) -> None:
    shown = set(extractor.surfaces_)
    assert "gel pens" in shown and "laser printer" in shown
    assert "pens" in shown  # the surface form seen most often, not the stem "pen"


def test_rare_terms_weigh_more_than_common_ones(extractor: KeywordExtractor) -> None:
    kws = dict(extractor.transform("printer office stapler"))
    assert kws["stapler"] > kws["printer"]


def test_a_phrase_takes_its_words_occurrences() -> None:
    ex = KeywordExtractor(KeywordExtractorConfig(phrase_min_count=2, top_k=10)).fit(CORPUS)
    kws = dict(ex.transform("Color laser printer with duplex"))
    assert "laser printer" in kws
    assert "laser" not in kws and "printer" not in kws  # only ever inside the phrase here


def test_a_phrase_word_with_independent_occurrences_stays_a_keyword() -> None:
    ex = KeywordExtractor(KeywordExtractorConfig(phrase_min_count=2, top_k=10)).fit(CORPUS)
    kws = dict(ex.transform("laser printer; printer stand, printer cable"))
    assert "laser printer" in kws and "printer" in kws  # twice outside the phrase
    assert "laser" not in kws


def test_words_of_wanting_and_praise_are_not_keywords(extractor: KeywordExtractor) -> None:
    kws = dict(extractor.transform("Excellent gel pens, exactly what I wanted. Love them, great, would recommend"))
    assert "gel pens" in kws
    assert not {"excellent", "exactly", "wanted", "love", "great", "recommend"} & set(kws)


def test_transform_respects_top_k_and_orders_by_weight(extractor: KeywordExtractor) -> None:
    kws = extractor.transform(CORPUS[0] + " " + CORPUS[4], top_k=3)
    assert len(kws) == 3
    assert [w for _, w in kws] == sorted((w for _, w in kws), reverse=True)


def test_negative_documents_subtract_and_never_become_keywords(extractor: KeywordExtractor) -> None:
    kws = dict(extractor.transform([("gel pens blue", 1.0), ("laser printer toner", -1.0)]))
    assert "gel pens" in kws
    assert not {"laser printer", "toner", "printer"} & set(kws)


def test_unknown_words_give_no_keywords_rather_than_an_error(extractor: KeywordExtractor) -> None:
    assert extractor.transform("zzzz qqqq") == []


def test_unfitted_extractor_says_what_to_do() -> None:
    with pytest.raises(ModelNotTrained, match="domains train"):
        KeywordExtractor().transform("gel pens")


def test_round_trip_through_plain_data_gives_the_same_keywords(extractor: KeywordExtractor) -> None:
    import json

    again = KeywordExtractor.from_dict(json.loads(json.dumps(extractor.to_dict())))
    doc = "smooth gel pens and a color laser printer"
    assert again.transform(doc) == extractor.transform(doc)


def test_term_matrix_rows_are_unit_length(extractor: KeywordExtractor) -> None:
    m = extractor.term_matrix(CORPUS + [""])
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    assert np.allclose(norms[:-1], 1.0) and norms[-1] == 0.0
