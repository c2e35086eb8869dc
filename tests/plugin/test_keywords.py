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


# --- what is never a keyword: title fragments, numbers, hedges --------------------------------------------

MOVIE_TITLES = [
    "Rocky II (1979)",
    "Rocky III (1982)",
    "The Godfather: Part II (1974)",
    "Star Wars: Episode IV - A New Hope (1977)",
    "Star Wars: Episode VI - Return of the Jedi (1983)",
    "La Haine (1995)",
    "La La Land (2016)",
    "Le Samourai (1967)",
    "Les Miserables (2012)",
    "Das Boot (1981)",
    "Dr. Strangelove (1964)",
    "Dr. No (1962)",
    "Straight Outta Compton (2015)",
    "Harry Potter and the Chamber of Secrets (2002)",
    "Harry Potter and the Goblet of Fire (2005)",
    "Kill Bill: Vol. 1 (2003)",
    "Kill Bill: Vol. 2 (2004)",
    "Superhero Movie (2008)",
    "Comic book superhero origins",
    "Dark comedy about a superhero",
]


def test_title_fragments_numerals_and_foreign_articles_are_never_keywords() -> None:
    ex = KeywordExtractor(KeywordExtractorConfig(phrase_min_count=2, top_k=50)).fit(MOVIE_TITLES)
    noise = {"ii", "iii", "iv", "vi", "la", "le", "les", "das", "de", "dr", "vol", "1979", "2"}
    assert not noise & set(ex.surfaces_)
    kws = {k for k, _ in ex.transform(" . ".join(MOVIE_TITLES))}
    assert not noise & kws
    assert {"rocky", "harry potter", "superhero"} <= kws


def test_quantities_and_model_numbers_are_not_terms_but_letter_words_with_a_digit_are() -> None:
    ex = KeywordExtractor(KeywordExtractorConfig(top_k=20)).fit(
        ["1m rows in 10x less time", "1m rows and mp3 files", "mp3 player 5250dnhl", "5250dnhl toner, 10x zoom"]
    )
    assert "mp3" in ex.surfaces_
    assert not {"1m", "10x", "5250dnhl"} & set(ex.surfaces_)


def test_hedges_are_not_keywords() -> None:
    ex = KeywordExtractor(KeywordExtractorConfig(top_k=20)).fit(
        [
            "Is it possible to post to twitter? Rather straightforward, actually.",
            "Possible bug: posting to twitter fails, probably a rate limit",
            "Rate limit reached, rather annoying",
        ]
    )
    kws = {k for k, _ in ex.transform(" ".join(["possible rather straightforward actually probably"] * 3))}
    assert kws == set()
    assert {"twitter", "rate", "limit"} <= set(ex.surfaces_)


def test_phrase_weight_ranks_a_phrase_above_the_single_words() -> None:
    plain = KeywordExtractor(KeywordExtractorConfig(phrase_min_count=2, top_k=10, phrase_weight=1.0)).fit(CORPUS)
    phrased = KeywordExtractor(KeywordExtractorConfig(phrase_min_count=2, top_k=10, phrase_weight=3.0)).fit(CORPUS)
    doc = "gel pens and a stapler"
    assert plain.transform(doc)[0][0] == "stapler"
    assert phrased.transform(doc)[0][0] == "gel pens"


def test_a_higher_idf_power_lets_catalog_wide_words_lose() -> None:
    corpus = [f"paper for printing, item {w}" for w in ("alpha", "beta", "gamma", "delta", "epsilon")] + [
        "glossy photo paper",
        "glossy photo prints",
    ]
    doc = "paper paper paper paper glossy"
    flat = KeywordExtractor(KeywordExtractorConfig(top_k=2, idf_power=0.0, max_df=1.0)).fit(corpus)
    steep = KeywordExtractor(KeywordExtractorConfig(top_k=2, idf_power=2.0, max_df=1.0)).fit(corpus)
    assert flat.transform(doc)[0][0] == "paper"
    assert steep.transform(doc)[0][0] == "glossy"
