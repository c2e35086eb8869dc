"""`fit_domain_model`: the interest model's computing on plain values, without Weaviate."""

from __future__ import annotations

import numpy as np
import pytest

from weaviate_recsys.errors import ConfigurationError
from weaviate_recsys.loaders import HashingEmbedder, item_text
from weaviate_recsys.plugin.training import fit_domain_model, label_free_text

EMB = HashingEmbedder(dim=256)
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike".split()
DOMAINS = ("Pens", "Paper", "Printers")


def _catalog(n_per: int = 30, seed: int = 0) -> list[dict]:
    """Items whose titles are random words shared by every domain: only the category label tells them apart."""
    rng = np.random.default_rng(seed)
    return [
        {"title": " ".join(rng.choice(WORDS, 3)), "categories": [domain], "domain": domain}
        for domain in DOMAINS
        for _ in range(n_per)
    ]


def _vectors(props: list[dict]) -> list[list[float]]:
    return EMB.embed_batch([item_text(p) for p in props]).tolist()


def test_label_free_text_leaves_the_category_labels_out() -> None:
    props = {"title": "Gel pen", "categories": ["Office", "Pens"], "brand": "Pilot", "description": "Blue ink"}
    assert "Pens" in item_text(props) and "Pens" not in label_free_text(props)
    assert "Gel pen" in label_free_text(props) and "Pilot" in label_free_text(props)


def test_accuracy_on_labelled_text_is_flattering_and_the_label_free_accuracy_says_so() -> None:
    props = _catalog()
    model = fit_domain_model(props, _vectors(props), embed_without_labels=EMB.embed_batch)
    stored = model.classifier.metrics_
    free = model.classifier.label_free_metrics_
    # The stored vectors embed "Pens" / "Paper" / "Printers": the label is in the input.
    assert stored.accuracy is not None and stored.accuracy > 0.9
    assert "category labels" in (stored.measured_on or "")
    # Without the label the titles carry no signal: about chance (1/3).
    assert free is not None and free.accuracy is not None and free.accuracy < 0.6
    assert free.evaluated_items == len(props) and "without category labels" in (free.measured_on or "")


def test_the_label_free_check_embeds_a_sample_of_at_most_label_free_items() -> None:
    from weaviate_recsys.plugin.domains import DomainClassifierConfig

    props = _catalog()
    seen: list[str] = []

    def embed(texts: list[str]) -> np.ndarray:
        seen.extend(texts)
        return EMB.embed_batch(texts)

    model = fit_domain_model(
        props,
        _vectors(props),
        classifier_config=DomainClassifierConfig(label_free_items=20),
        embed_without_labels=embed,
    )
    assert len(seen) == 20 and not any(d in t for t in seen for d in DOMAINS)
    assert model.classifier.label_free_metrics_ is not None
    assert model.classifier.label_free_metrics_.evaluated_items == 20


def test_without_labels_in_the_text_the_stored_accuracy_is_already_label_free() -> None:
    props = [{k: v for k, v in p.items() if k != "categories"} for p in _catalog()]
    calls: list[int] = []
    model = fit_domain_model(
        props, _vectors(props), embed_without_labels=lambda t: calls.append(1) or EMB.embed_batch(t)
    )
    assert model.classifier.label_free_metrics_ is None and not calls
    assert model.classifier.metrics_.measured_on == "stored content vectors"


def test_without_an_embedder_the_label_free_accuracy_says_it_was_not_measured() -> None:
    props = _catalog()
    free = fit_domain_model(props, _vectors(props)).classifier.label_free_metrics_
    assert free is not None and free.accuracy is None and "Not measured" in (free.note or "")


def test_items_without_a_domain_are_predicted_and_only_changed_items_are_written() -> None:
    props = _catalog(n_per=10)
    props.append({"title": "new item", "categories": ["Pens"]})  # no domain given
    vectors: list[list[float] | None] = [*_vectors(props)]
    props.append({"title": "no vector"})
    vectors.append(None)
    model = fit_domain_model(props, vectors)
    assert model.predicted[-2] and model.domain_of[-2] == "Pens" and model.probability[-2] is not None
    assert model.domain_of[-1] is None and not model.predicted[-1]
    changes = dict(model.item_properties(props))
    assert changes[len(props) - 2]["domain_predicted"] is True
    again = [{**p, **changes.get(n, {})} for n, p in enumerate(props)]
    assert model.item_properties(again) == []  # nothing changed a second time
    assert {s["name"] for s in model.summaries} == set(DOMAINS)


def test_discovered_domains_say_their_accuracy_measures_the_clusters() -> None:
    props = [{"title": p["title"] + " " + p["domain"].lower()} for p in _catalog()]
    model = fit_domain_model(props, _vectors(props), n_domains=3)
    assert model.discovered and "k-means" in (model.classifier.metrics_.measured_on or "")


def test_no_domain_and_no_vector_is_an_error_a_user_can_act_on() -> None:
    with pytest.raises(ConfigurationError, match="load items with text"):
        fit_domain_model([{"title": "x"}], [None])
