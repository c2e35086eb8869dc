"""Object UUIDs and content hashes are stable: the fast paths give exactly what earlier loads stored."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import weaviate.util

from weaviate_recsys.loaders.writer import _json_default, content_hash
from weaviate_recsys.schema.identity import generate_uuid5, interaction_uuid, item_uuid, text_hash, user_uuid


def test_uuid5_matches_the_clients_helper() -> None:
    names = ["", "1", "B00IJHZL6Y", "Ünïcødé ✓", "a" * 500, '["u1","i1","view","s",3,""]', "tab\there"]
    for name in names:
        for namespace in ("", "Item", "User", "Interaction", "UserInterest"):
            assert generate_uuid5(name, namespace) == weaviate.util.generate_uuid5(name, namespace)
    assert item_uuid("B00IJHZL6Y") == weaviate.util.generate_uuid5("B00IJHZL6Y", "Item")
    assert user_uuid("A1") == weaviate.util.generate_uuid5("A1", "User")


def test_interaction_uuid_is_the_documented_key() -> None:
    when = datetime(2020, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    cases = [
        (("u1", "i1", "view"), {"seq": 3}, ["s", 3]),
        (("u1", None, "review"), {"text": "Grand café"}, ["s", None]),
        (("ü", "i2", "rating"), {"timestamp": when}, ["t", "2020-01-01T00:00:00+00:00"]),
    ]
    for (user, item, kind), extra, tail in cases:
        key = json.dumps([user, item or "", kind, *tail, text_hash(extra.get("text"))], separators=(",", ":"))
        assert interaction_uuid(user, item, kind, **extra) == weaviate.util.generate_uuid5(key, "Interaction")


def test_content_hash_is_sorted_json_of_properties_and_model() -> None:
    props = {
        "user_id": "u1",
        "kind": "view",
        "timestamp": datetime(2021, 5, 4, tzinfo=UTC),
        "text": "naïve",
        "rating": 4.0,
        "tags": ["a", "b"],
    }
    payload = json.dumps({"p": props, "m": "minilm"}, sort_keys=True, default=_json_default, ensure_ascii=False)
    assert content_hash(props, "minilm") == hashlib.sha256(payload.encode("utf-8")).hexdigest()
