"""Text recommendations keep every part of a request: "stake ada with a hardware wallet" must bring staking
items and hardware-wallet items, not only the part the text's vector and domain lean to (real client, lite
server, a small constructed catalog)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from weaviate_recsys.loaders import HashingEmbedder, load_items
from weaviate_recsys.plugin import Recommender, train_domains
from weaviate_recsys.plugin.text_query import aspects_of
from weaviate_recsys.schema import register_schema
from weaviate_recsys.settings import Settings

from _weaviate_for_tests import connect_for_tests

EMB = HashingEmbedder(dim=64)

STAKING = {
    "s1": "Stake ADA in a stake pool and earn rewards",
    "s2": "How to stake ADA: choosing a stake pool",
    "s3": "Stake pool saturation and your ADA rewards",
    "s4": "Staking ADA rewards explained, epoch by epoch",
    "s5": "Stake ADA from a mobile app",
    "s6": "Redelegate your ADA stake to another pool",
}
WALLETS = {
    "h1": "Hardware wallet setup: Ledger Nano S",
    "h2": "Trezor hardware wallet firmware update",
    "h3": "Recover a hardware wallet from its seed phrase",
}
BOTH = {"b1": "Stake ADA from a Ledger hardware wallet"}
OTHER = {
    "x1": "Buy ADA on an exchange",
    "x2": "Exchange fees compared",
    "x3": "Tax on crypto trading gains",
}


def _items() -> list[dict[str, Any]]:
    rows = []
    for group, domain in ((STAKING, "Staking"), (BOTH, "Staking"), (WALLETS, "Wallets"), (OTHER, "Exchanges")):
        rows += [{"item_id": i, "title": t, "description": t, "domain": domain} for i, t in group.items()]
    return rows


@pytest.fixture(scope="module")
def rec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recommender]:
    tmp = tmp_path_factory.mktemp("aspects")
    with connect_for_tests() as client:
        settings = Settings(prefix="Asp", data_dir=tmp)
        register_schema(client, prefix="Asp")
        path = tmp / "items.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in _items()))
        assert load_items(client, [path], settings, EMB).rejected == 0
        train_domains(client, settings)
        yield Recommender(client, settings, embedder=EMB)


REQUEST = "how do I stake ada with a hardware wallet"


def test_the_parts_of_a_request_are_its_runs_of_content_words() -> None:
    assert aspects_of(REQUEST) == ["stake ada", "hardware wallet"]
    assert aspects_of("I want a laser printer and toner") == ["laser printer", "toner"]
    assert aspects_of("laser printer toner") == ["laser printer toner"]
    assert aspects_of("") == []


def test_a_two_part_request_brings_items_of_both_parts(rec: Recommender) -> None:
    out = rec.recommend_for_text(REQUEST, 5)
    ids = [r.item_id for r in out]
    assert "b1" in ids  # the item that serves both parts
    assert set(ids) & set(STAKING), ids
    assert set(ids) & set(WALLETS), ids  # the part the text's vector and domain do not lean to


def test_every_part_is_in_the_keyword_leg_and_has_a_query_of_its_own(rec: Recommender) -> None:
    plan = rec.plan_for_text(REQUEST, 5)
    hybrid = [q for q in plan.queries if q.kind == "hybrid"]
    per_part = {q.query: q for q in hybrid if q.domain is None}
    assert set(per_part) == {"stake ada", "hardware wallet"}
    assert all(plan.quotas[q.name] >= 1 for q in per_part.values())
    for q in hybrid:
        assert q.query is not None and "hardware wallet" in q.query and "stake ada" in q.query or q.domain is None


def test_a_one_part_request_gets_no_extra_queries(rec: Recommender) -> None:
    plan = rec.plan_for_text("hardware wallet firmware", 3)
    assert all(q.domain is not None for q in plan.queries if q.kind == "hybrid")


def test_parts_stay_within_the_domains_the_application_named(rec: Recommender) -> None:
    out = rec.recommend_for_text(REQUEST, 4, domains=["Wallets"])
    assert out and {r.domain for r in out} == {"Wallets"}
