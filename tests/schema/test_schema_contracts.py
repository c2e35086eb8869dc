"""The collection contracts and object identities (pure; no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from weaviate.classes.config import DataType, Tokenization

from weaviate_recsys.schema import (
    ALL_CONTRACTS,
    INTERACTION,
    ITEM,
    USER,
    PropertySpec,
    collection_name,
    contract_for,
    interaction_uuid,
    item_uuid,
    user_uuid,
)


def test_collection_name_adds_prefix_and_capitalises_like_weaviate():
    assert collection_name("Item") == "Item"
    assert collection_name("Item", "Shop") == "ShopItem"
    assert collection_name("Item", "shop") == "ShopItem"


def test_core_contracts_are_registered_in_order():
    assert ALL_CONTRACTS[:3] == [ITEM, USER, INTERACTION]
    assert contract_for("User") is USER


def test_ids_and_labels_use_field_tokenization():
    for contract, name in [
        (ITEM, "item_id"),
        (ITEM, "domain"),
        (ITEM, "categories"),
        (ITEM, "brand"),
        (USER, "user_id"),
        (USER, "domains"),
        (INTERACTION, "kind"),
        (INTERACTION, "item_id"),
    ]:
        assert contract.get_property(name).tokenization == Tokenization.FIELD, name


def test_issue_property_types():
    assert ITEM.get_property("categories").data_type == DataType.TEXT_ARRAY
    assert ITEM.get_property("popularity").data_type == DataType.NUMBER
    assert ITEM.get_property("created_at").data_type == DataType.DATE
    assert USER.get_property("domain_weights").data_type == DataType.NUMBER_ARRAY
    assert USER.get_property("event_count").data_type == DataType.INT
    assert INTERACTION.get_property("seq").data_type == DataType.INT
    assert INTERACTION.get_property("timestamp").data_type == DataType.DATE
    assert [v.name for v in ITEM.vectors] == ["content", "behavior"]
    assert [v.name for v in USER.vectors] == ["interest", "recent_interest", "behavior"]
    assert [v.name for v in INTERACTION.vectors] == ["text"]
    for contract in (ITEM, USER, INTERACTION):
        assert "content_hash" in contract.property_names


def test_tokenization_only_on_text():
    with pytest.raises(ValueError, match="tokenization applies to text"):
        PropertySpec("n", DataType.INT, Tokenization.FIELD)


def test_uuids_are_stable_and_distinct_per_collection():
    assert item_uuid("42") == item_uuid("42")
    assert item_uuid("42") != user_uuid("42")
    assert item_uuid("42") != item_uuid("43")


def test_interaction_uuid_normalises_the_timestamp_and_prefers_it_over_seq():
    utc = datetime(2020, 1, 1, 12, tzinfo=UTC)
    plus_one = datetime(2020, 1, 1, 13, tzinfo=timezone(timedelta(hours=1)))
    assert interaction_uuid("u", "i", "view", utc) == interaction_uuid("u", "i", "view", plus_one)
    assert interaction_uuid("u", "i", "view", utc, seq=3) == interaction_uuid("u", "i", "view", utc, seq=4)


def test_interaction_uuid_depends_on_each_part():
    base = interaction_uuid("u", "i", "view", seq=1, text="hi")
    assert base != interaction_uuid("v", "i", "view", seq=1, text="hi")
    assert base != interaction_uuid("u", "j", "view", seq=1, text="hi")
    assert base != interaction_uuid("u", "i", "click", seq=1, text="hi")
    assert base != interaction_uuid("u", "i", "view", seq=2, text="hi")
    assert base != interaction_uuid("u", "i", "view", seq=1, text="hello")
    # seq 0 and "no seq" are different events
    assert interaction_uuid("u", "i", "view", seq=0) != interaction_uuid("u", "i", "view")
