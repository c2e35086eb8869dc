"""A small catalog on the lite server, shared by the recommender's integration tests."""

from __future__ import annotations

import json
from pathlib import Path

from weaviate_recsys.loaders import HashingEmbedder, load_interactions, load_items, load_users
from weaviate_recsys.plugin import build_profiles, train_domains
from weaviate_recsys.schema import register_schema
from weaviate_recsys.settings import Settings

ITEMS = [
    # Writing
    {
        "item_id": "w1",
        "title": "Gel pen black 12-pack",
        "domain": "Writing",
        "tags": ["gel pen", "ink"],
        "popularity": 50,
    },
    {
        "item_id": "w2",
        "title": "Gel pen blue fine point",
        "domain": "Writing",
        "tags": ["gel pen", "fine"],
        "popularity": 40,
    },
    {
        "item_id": "w3",
        "title": "Fountain pen with ink cartridges",
        "domain": "Writing",
        "tags": ["fountain pen", "ink"],
        "popularity": 10,
    },
    {
        "item_id": "w4",
        "title": "Ballpoint pen value pack",
        "domain": "Writing",
        "tags": ["ballpoint"],
        "popularity": 90,
    },
    {
        "item_id": "w5",
        "title": "Highlighter marker set",
        "domain": "Writing",
        "tags": ["highlighter", "marker"],
        "popularity": 30,
    },
    {"item_id": "w6", "title": "Mechanical pencil 0.5 mm", "domain": "Writing", "tags": ["pencil"], "popularity": 20},
    # Paper
    {
        "item_id": "p1",
        "title": "Spiral notebook college ruled",
        "domain": "Paper",
        "tags": ["notebook", "ruled"],
        "popularity": 60,
    },
    {
        "item_id": "p2",
        "title": "Dotted journal notebook",
        "domain": "Paper",
        "tags": ["notebook", "journal"],
        "popularity": 25,
    },
    {"item_id": "p3", "title": "Sticky notes yellow", "domain": "Paper", "tags": ["sticky notes"], "popularity": 80},
    {"item_id": "p4", "title": "Printer paper ream", "domain": "Paper", "tags": ["printer paper"], "popularity": 70},
    # Desk
    {"item_id": "d1", "title": "Heavy duty stapler", "domain": "Desk", "tags": ["stapler"], "popularity": 35},
    {"item_id": "d2", "title": "Desk organizer tray", "domain": "Desk", "tags": ["organizer"], "popularity": 15},
    {"item_id": "d3", "title": "Tape dispenser", "domain": "Desk", "tags": ["tape"], "popularity": 5},
    # a domain with a single item
    {"item_id": "t1", "title": "Label maker", "domain": "Tech", "tags": ["label"], "popularity": 45},
]

USERS = [
    {"user_id": "pen-fan", "name": "Pen fan"},
    {"user_id": "paper-fan", "name": "Paper fan"},
    {"user_id": "newbie", "name": "New", "stated_interests": "I love gel pens and fountain pen ink"},
    {"user_id": "blank", "name": "Nothing known"},
]

INTERACTIONS = [
    # The pens are pen-fan's most recent interest (recency weighting is strong by default).
    {"user_id": "pen-fan", "item_id": "p2", "kind": "purchase", "seq": 0},
    {"user_id": "pen-fan", "item_id": "w1", "kind": "purchase", "seq": 1},
    {"user_id": "pen-fan", "item_id": "w3", "kind": "purchase", "seq": 2},
    {"user_id": "pen-fan", "item_id": "w2", "kind": "view", "seq": 3},
    {"user_id": "paper-fan", "item_id": "p1", "kind": "purchase", "seq": 0},
    {"user_id": "paper-fan", "item_id": "p2", "kind": "purchase", "seq": 1},
    {"user_id": "paper-fan", "item_id": "p3", "kind": "cart", "seq": 2},
    {"user_id": "paper-fan", "item_id": "p4", "kind": "purchase", "seq": 3},
    {"user_id": "paper-fan", "item_id": "d1", "kind": "view", "seq": 4},
]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def load_catalog(client, tmp: Path, prefix: str, embedder: HashingEmbedder, *, with_users: bool = True) -> Settings:  # type: ignore[no-untyped-def]
    """Register the schema under ``prefix`` and load the catalog (and users/interactions) with the loaders."""
    settings = Settings(prefix=prefix, data_dir=tmp)
    register_schema(client, prefix=prefix)
    res = load_items(client, [_write(tmp / "items.jsonl", ITEMS)], settings, embedder)
    assert res.rejected == 0, res.errors
    if with_users:
        assert load_users(client, [_write(tmp / "users.jsonl", USERS)], settings, embedder).rejected == 0
        assert (
            load_interactions(client, [_write(tmp / "interactions.jsonl", INTERACTIONS)], settings, embedder).rejected
            == 0
        )
    return settings


def build_all(client, tmp: Path, prefix: str, embedder: HashingEmbedder) -> Settings:  # type: ignore[no-untyped-def]
    """Load everything, train the interest model and build every profile."""
    settings = load_catalog(client, tmp, prefix, embedder)
    train_domains(client, settings)
    build_profiles(client, settings=settings, embedder=embedder)
    return settings
