"""A small catalog for the interest-model integration tests (lite server, real weaviate-client)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from weaviate_recsys.loaders import HashingEmbedder, load_interactions, load_items, load_users
from weaviate_recsys.schema import register_schema
from weaviate_recsys.settings import Settings

EMB = HashingEmbedder(dim=64)

ITEMS = [
    {
        "item_id": "w1",
        "title": "Blue gel pens 12 pack",
        "description": "Smooth gel pens for writing",
        "domain": "Writing",
    },
    {"item_id": "w2", "title": "Black gel pens fine point", "description": "Gel pens, fine point", "domain": "Writing"},
    {
        "item_id": "w3",
        "title": "Fountain pen with ink",
        "description": "Classic fountain pen and ink",
        "domain": "Writing",
    },
    {
        "item_id": "w4",
        "title": "Gel pens assorted colors",
        "description": "Gel pens in many colors",
    },  # domain predicted
    {"item_id": "l1", "title": "Laser printer monochrome", "description": "Fast laser printer", "domain": "Printers"},
    {
        "item_id": "l2",
        "title": "Color laser printer",
        "description": "Laser printer for color prints",
        "domain": "Printers",
    },
    {"item_id": "l3", "title": "Toner cartridge for laser printer", "description": "Black toner", "domain": "Printers"},
    {"item_id": "l4", "title": "Wireless laser printer", "description": "Laser printer with wifi"},  # domain predicted
    {"item_id": "p1", "title": "Spiral notebook paper", "description": "Ruled notebook paper", "domain": "Paper"},
    {"item_id": "p2", "title": "Printer paper ream", "description": "Copy paper, 500 sheets", "domain": "Paper"},
    {
        "item_id": "p3",
        "title": "Dotted journal notebook",
        "description": "Notebook with dotted paper",
        "domain": "Paper",
    },
]

USERS = [
    {"user_id": "pen-fan", "name": "Pen fan"},
    {"user_id": "printer-fan"},
    {"user_id": "stated-only", "stated_interests": "I want a laser printer and toner"},
    {"user_id": "nobody"},
]

INTERACTIONS = [
    {"user_id": "pen-fan", "item_id": "w1", "kind": "purchase", "seq": 0},
    {"user_id": "pen-fan", "item_id": "w2", "kind": "purchase", "seq": 1},
    {"user_id": "pen-fan", "item_id": "w3", "kind": "view", "seq": 2},
    {"user_id": "pen-fan", "item_id": "l1", "kind": "dislike", "seq": 3},
    {"user_id": "printer-fan", "item_id": "l1", "kind": "purchase", "seq": 0},
    {"user_id": "printer-fan", "item_id": "l3", "kind": "cart", "seq": 1},
    {"user_id": "printer-fan", "item_id": "p2", "kind": "purchase", "seq": 2},
    {"user_id": "printer-fan", "item_id": "ghost-item", "kind": "purchase", "seq": 3},
    {"user_id": "events-only", "item_id": "p1", "kind": "purchase", "seq": 0},
    {"user_id": "events-only", "item_id": "p3", "kind": "rating", "rating": 5, "seq": 1},
    {"user_id": "events-only", "kind": "comment", "text": "love dotted notebook paper", "seq": 2},
]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def load_fixture(
    client: Any,
    tmp: Path,
    prefix: str,
    items: list[dict[str, Any]] | None = None,
    users: list[dict[str, Any]] | None = None,
    interactions: list[dict[str, Any]] | None = None,
) -> Settings:
    """Register the schema under ``prefix`` and load the data through the loaders."""
    settings = Settings(prefix=prefix, data_dir=tmp)
    register_schema(client, prefix=prefix)
    assert load_items(client, [write_jsonl(tmp / f"{prefix}-items.jsonl", items or ITEMS)], settings, EMB).rejected == 0
    assert load_users(client, [write_jsonl(tmp / f"{prefix}-users.jsonl", users or USERS)], settings, EMB).rejected == 0
    res = load_interactions(
        client, [write_jsonl(tmp / f"{prefix}-inter.jsonl", interactions or INTERACTIONS)], settings, EMB
    )
    assert res.rejected == 0, res.errors
    return settings
