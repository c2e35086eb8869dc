"""compute_profiles on in-memory data: macro, micro, semantic, per domain, and the edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from weaviate_recsys.plugin.domains import DomainClassifier
from weaviate_recsys.plugin.keywords import KeywordExtractor
from weaviate_recsys.plugin.profile_model import CatalogView, InterestModel, UserEvidence, compute_profiles
from weaviate_recsys.settings import Settings

DIM = 4
ITEMS = {  # id: (domain, text, vector axis or None)
    "pen1": ("Writing", "blue gel pens smooth", 0),
    "pen2": ("Writing", "black gel pens fine point", 0),
    "pen3": ("Writing", "fountain pen ink", 0),
    "prn1": ("Printers", "laser printer monochrome", 1),
    "prn2": ("Printers", "color laser printer", 1),
    "pap1": ("Paper", "spiral notebook paper", 2),
    "bare": ("Paper", "", None),  # an item without text or vector
}
NAMES = ["Paper", "Printers", "Writing"]


def _vec(axis: int | None) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    if axis is not None:
        v[axis] = 1.0
    return v


@pytest.fixture(scope="module")
def model_and_catalog() -> tuple[InterestModel, CatalogView]:
    texts = [t for _, t, _ in ITEMS.values()]
    ex = KeywordExtractor().fit(texts + ["gel pens", "laser printer"])
    X = np.array([_vec(a) for _, _, a in ITEMS.values() if a is not None])
    y = [d for d, _, a in ITEMS.values() if a is not None]
    clf = DomainClassifier().fit(X, y, evaluate=False)
    model = InterestModel(extractor=ex, classifier=clf, domain_names=NAMES, version="t")
    ids = list(ITEMS)
    cat = CatalogView(
        item_ids=ids,
        domain_index=np.array([NAMES.index(ITEMS[i][0]) for i in ids]),
        vectors=np.array([_vec(ITEMS[i][2]) for i in ids]),
        has_vector=np.array([ITEMS[i][2] is not None for i in ids]),
        terms=ex.term_matrix([ITEMS[i][1] for i in ids]),
    )
    return model, cat


def _evidence(
    cat: CatalogView,
    users: list[str],
    events: list[dict],
    stated: dict[str, str] | None = None,
    settings: Settings | None = None,
) -> UserEvidence:
    settings = settings or Settings()
    n = len(events)
    tv = np.zeros((n, DIM), dtype=np.float32)
    has_tv = np.zeros(n, dtype=bool)
    for j, e in enumerate(events):
        if e.get("text_axis") is not None:
            tv[j] = _vec(e["text_axis"])
            has_tv[j] = True
    stated = stated or {}
    st = [stated.get(u) for u in users]
    sv = np.zeros((len(users), DIM), dtype=np.float32)
    for i, u in enumerate(users):
        if u in stated:
            sv[i] = _vec(1)
    return UserEvidence(
        user_ids=users,
        user=np.array([users.index(e["user"]) for e in events], dtype=np.int64),
        item=np.array([cat.index.get(e.get("item"), -1) if e.get("item") else -1 for e in events], dtype=np.int64),
        unknown=np.array([bool(e.get("item")) and e["item"] not in cat.index for e in events], dtype=bool),
        kind_weight=np.array([settings.kind_weights[e.get("kind", "purchase")] for e in events]),
        rating=np.array([e.get("rating", np.nan) for e in events], dtype=float),
        timestamp=np.array([e.get("ts", np.nan) for e in events], dtype=float),
        seq=np.array([e.get("seq", np.nan) for e in events], dtype=float),
        text=[e.get("text") for e in events],
        text_vectors=tv,
        has_text_vector=has_tv,
        stated=st,
        stated_vectors=sv,
        has_stated_vector=np.array([u in stated for u in users]),
    )


def test_a_pen_buyer_gets_writing_first_with_pen_keywords_and_a_pen_vector(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    ev = _evidence(
        cat,
        ["u"],
        [
            {"user": "u", "item": "pen1", "seq": 0},
            {"user": "u", "item": "pen2", "seq": 1},
            {"user": "u", "item": "prn1", "kind": "view", "seq": 2},
        ],
    )
    b = compute_profiles(model, cat, ev, Settings())
    assert b.domains[0][0][0] == "Writing"
    assert [d for d, _ in b.domains[0]] == ["Writing", "Printers"]
    assert "gel pens" in dict(b.keywords[0])
    assert "laser printer" not in dict(b.domain_keywords[0]["Writing"])
    assert np.argmax(b.interest[0]) == 0 and b.has_interest[0]
    assert np.argmax(b.domain_vectors[0]["Printers"]) == 1
    assert b.counts[0].by_domain == {"Writing": 2, "Printers": 1}
    assert b.status(0) == "complete" and b.notes[0] == []


def test_recency_makes_the_latest_domain_win_the_short_term_interest(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    events = [{"user": "u", "item": "pen1", "seq": 0}, {"user": "u", "item": "pen2", "seq": 1}] + [
        {"user": "u", "item": "prn1", "seq": 30}
    ]
    b = compute_profiles(model, cat, _evidence(cat, ["u"], events), Settings(half_life_steps=2))
    assert b.recent_domains[0][0][0] == "Printers"
    b2 = compute_profiles(model, cat, _evidence(cat, ["u"], events), Settings(half_life_steps=1000))
    assert b2.recent_domains[0][0][0] == "Writing"


def test_the_long_term_half_life_decides_the_long_term_domains(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    events = [{"user": "u", "item": "pen1", "seq": 0}, {"user": "u", "item": "pen2", "seq": 1}] + [
        {"user": "u", "item": "prn1", "seq": 30}
    ]
    slow = compute_profiles(model, cat, _evidence(cat, ["u"], events), Settings(long_term_half_life_steps=1000))
    assert slow.domains[0][0][0] == "Writing"
    fast = compute_profiles(model, cat, _evidence(cat, ["u"], events), Settings(long_term_half_life_steps=2))
    assert fast.domains[0][0][0] == "Printers"


def test_many_old_paper_events_and_two_recent_ink_events_give_paper_long_term_and_ink_short_term() -> None:
    catalog_items = {f"paper{i}": ("Paper", "copy paper ream letter", 0) for i in range(12)}
    catalog_items |= {"ink1": ("Ink", "black ink cartridge", 1), "ink2": ("Ink", "color ink cartridge", 1)}
    names = ["Ink", "Paper"]
    ids = list(catalog_items)
    ex = KeywordExtractor().fit([t for _, t, _ in catalog_items.values()])
    model = InterestModel(extractor=ex, classifier=None, domain_names=names, version="t")
    cat = CatalogView(
        item_ids=ids,
        domain_index=np.array([names.index(catalog_items[i][0]) for i in ids]),
        vectors=np.array([_vec(catalog_items[i][2]) for i in ids]),
        has_vector=np.ones(len(ids), dtype=bool),
        terms=ex.term_matrix([catalog_items[i][1] for i in ids]),
    )
    day = 86_400.0
    events = [{"user": "u", "item": f"paper{i}", "ts": i * day} for i in range(12)]
    events += [{"user": "u", "item": "ink1", "ts": 1000 * day}, {"user": "u", "item": "ink2", "ts": 1001 * day}]
    b = compute_profiles(model, cat, _evidence(cat, ["u"], events), Settings())
    profile = b.profile(0)
    assert profile.domains[0][0] == "Paper"
    assert np.argmax(profile.interest_vector) == 0  # type: ignore[arg-type]
    assert profile.short_term is not None
    assert profile.short_term.domains[0][0] == "Ink"
    assert np.argmax(profile.short_term.interest_vector) == 1  # type: ignore[arg-type]
    assert {"ink", "cartridge"} <= set(dict(profile.short_term.keywords))


def test_dislikes_and_low_ratings_count_against_a_domain(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    ev = _evidence(
        cat,
        ["u", "r"],
        [
            {"user": "u", "item": "pen1", "seq": 0},
            {"user": "u", "item": "prn1", "kind": "dislike", "seq": 1},
            {"user": "r", "item": "pen1", "kind": "rating", "rating": 5, "seq": 0},
            {"user": "r", "item": "pen2", "kind": "rating", "rating": 5, "seq": 1},
            {"user": "r", "item": "prn1", "kind": "rating", "rating": 1, "seq": 2},
        ],
    )
    b = compute_profiles(model, cat, ev, Settings())
    assert [d for d, _ in b.domains[0]] == ["Writing"]
    assert [d for d, _ in b.domains[1]] == ["Writing"]
    assert b.counts[0].negative_events == 1


def test_own_text_is_classified_and_blended_with_settings_weights(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    ev = _evidence(
        cat,
        ["u"],
        [
            {"user": "u", "item": "pen1", "seq": 0},
            {"user": "u", "kind": "comment", "text": "want a laser printer", "text_axis": 1, "seq": 1},
        ],
    )
    heavy_text = compute_profiles(model, cat, ev, Settings(macro_behavior_weight=0.2, macro_text_weight=0.8))
    heavy_beh = compute_profiles(model, cat, ev, Settings(macro_behavior_weight=0.9, macro_text_weight=0.1))
    assert heavy_text.domains[0][0][0] == "Printers"
    assert heavy_beh.domains[0][0][0] == "Writing"
    assert "laser printer" in dict(heavy_text.keywords[0])


def test_stated_interests_alone_give_a_profile(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    ev = _evidence(cat, ["new"], [], stated={"new": "I print a lot: laser printer please"})
    b = compute_profiles(model, cat, ev, Settings())
    assert b.domains[0][0][0] == "Printers"
    assert "laser printer" in dict(b.keywords[0])
    assert b.has_interest[0] and b.counts[0].events == 0 and b.counts[0].stated_interests


def test_a_user_with_nothing_gets_an_empty_profile_that_says_why(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    b = compute_profiles(model, cat, _evidence(cat, ["ghost"], []), Settings())
    assert b.status(0) == "empty"
    assert "No interactions and no stated interests" in b.notes[0][0]


def test_unknown_items_are_counted_and_explained_not_fatal(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    ev = _evidence(
        cat,
        ["u", "v"],
        [
            {"user": "u", "item": "nope", "seq": 0},
            {"user": "v", "item": "nope", "seq": 0},
            {"user": "v", "item": "pen3", "seq": 1},
        ],
    )
    b = compute_profiles(model, cat, ev, Settings())
    assert b.status(0) == "empty" and "not in the catalog" in b.notes[0][0]
    assert b.counts[1].unknown_item_events == 1 and b.domains[1][0][0] == "Writing"


def test_items_without_text_or_vector_still_give_domains(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    b = compute_profiles(model, cat, _evidence(cat, ["u"], [{"user": "u", "item": "bare", "seq": 0}]), Settings())
    assert b.domains[0] == [("Paper", 1.0)]
    assert b.status(0) == "partial"
    assert any("No keywords" in n for n in b.notes[0]) and any("No interest vector" in n for n in b.notes[0])


def test_ten_thousand_interactions_for_one_user(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    ids = list(ITEMS)
    events = [{"user": "big", "item": ids[i % len(ids)], "seq": i} for i in range(10_000)]
    b = compute_profiles(model, cat, _evidence(cat, ["big"], events), Settings())
    assert b.counts[0].events == 10_000
    assert b.domains[0] and b.keywords[0] and b.has_interest[0]


def test_non_english_text_gives_keywords_without_failing(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    ex = KeywordExtractor().fit(["très bon stylo", "stylo plume encre", "打印机 墨盒", "打印机 纸"])
    m2 = InterestModel(extractor=ex, classifier=model.classifier, domain_names=NAMES, version="fr")
    cat2 = CatalogView(
        item_ids=cat.item_ids,
        domain_index=cat.domain_index,
        vectors=cat.vectors,
        has_vector=cat.has_vector,
        terms=ex.term_matrix([""] * len(cat.item_ids)),
    )
    ev = _evidence(
        cat2, ["fr"], [{"user": "fr", "kind": "comment", "text": "un très bon stylo plume", "text_axis": 0, "seq": 0}]
    )
    b = compute_profiles(m2, cat2, ev, Settings())
    assert "stylo" in dict(b.keywords[0]) and b.domains[0][0][0] == "Writing"


def test_one_domain_catalog(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    clf = DomainClassifier().fit(cat.vectors[cat.has_vector], ["Office"] * int(cat.has_vector.sum()))
    m1 = InterestModel(extractor=model.extractor, classifier=clf, domain_names=["Office"], version="one")
    cat1 = CatalogView(
        item_ids=cat.item_ids,
        domain_index=np.zeros(len(cat.item_ids), dtype=np.int64),
        vectors=cat.vectors,
        has_vector=cat.has_vector,
        terms=cat.terms,
    )
    ev = _evidence(
        cat1,
        ["u"],
        [
            {"user": "u", "item": "pen1", "seq": 0},
            {"user": "u", "kind": "comment", "text": "gel pens", "text_axis": 0, "seq": 1},
        ],
    )
    b = compute_profiles(m1, cat1, ev, Settings())
    assert b.domains[0] == [("Office", 1.0)]


# --- keywords follow the event weights (kind, rating, recency, dislike) ------------------------------------
# On its own a printer document ("laser printer monochrome", two terms) gives "laser printer" a larger share
# than a pen document ("blue gel pens smooth", three terms) gives "gel pens"; both phrases have the same IDF.
# So pens can only lead when the events weigh them more.


def _keyword_weights(
    model: InterestModel, cat: CatalogView, events: list[dict], settings: Settings
) -> dict[str, float]:
    return dict(compute_profiles(model, cat, _evidence(cat, ["u"], events), settings).keywords[0])


def test_a_disliked_items_words_do_not_become_top_keywords(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    kw = _keyword_weights(
        model, cat, [{"user": "u", "item": "pen1"}, {"user": "u", "item": "prn1", "kind": "dislike"}], Settings()
    )
    assert "gel pens" in kw
    assert "laser printer" not in kw and "monochrome" not in kw


def test_what_a_user_bought_outweighs_what_they_only_viewed(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    kw = _keyword_weights(
        model, cat, [{"user": "u", "item": "pen1"}, {"user": "u", "item": "prn1", "kind": "view"}], Settings()
    )
    assert kw["gel pens"] > kw["laser printer"]


def test_the_higher_rated_items_words_lead_the_keywords(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog

    def rated(pen: float, printer: float) -> dict[str, float]:
        return _keyword_weights(
            model,
            cat,
            [
                {"user": "u", "item": "pen1", "kind": "rating", "rating": pen},
                {"user": "u", "item": "prn1", "kind": "rating", "rating": printer},
                {"user": "u", "item": "pap1", "kind": "rating", "rating": 1},
            ],
            Settings(),
        )

    pens_loved = rated(pen=5, printer=4)
    assert pens_loved["gel pens"] > pens_loved["laser printer"]
    printer_loved = rated(pen=4, printer=5)
    assert printer_loved["laser printer"] > printer_loved["gel pens"]


def test_the_more_recent_items_words_lead_the_keywords(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    settings = Settings(half_life_steps=2, long_term_half_life_steps=2)
    pens_recent = _keyword_weights(
        model, cat, [{"user": "u", "item": "prn1", "seq": 0}, {"user": "u", "item": "pen1", "seq": 10}], settings
    )
    assert pens_recent["gel pens"] > pens_recent.get("laser printer", 0.0)
    printer_recent = _keyword_weights(
        model, cat, [{"user": "u", "item": "pen1", "seq": 0}, {"user": "u", "item": "prn1", "seq": 10}], settings
    )
    assert printer_recent["laser printer"] > printer_recent.get("gel pens", 0.0)


def test_a_user_who_rates_everything_the_same_gets_a_profile(model_and_catalog) -> None:  # type: ignore[no-untyped-def]
    model, cat = model_and_catalog
    ev = _evidence(
        cat,
        ["u"],
        [
            {"user": "u", "item": "pen1", "kind": "rating", "rating": 4},
            {"user": "u", "item": "pen2", "kind": "rating", "rating": 4},
        ],
    )
    b = compute_profiles(model, cat, ev, Settings())
    assert [d for d, _ in b.domains[0]] == ["Writing"]
    assert "gel pens" in dict(b.keywords[0]) and b.has_interest[0]
    assert np.all(np.isfinite(b.interest[0]))
