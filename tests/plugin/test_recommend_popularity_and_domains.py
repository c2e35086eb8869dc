"""Popularity without a `popularity` column, and domains given in the wrong case or not in the catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from weaviate_recsys import lite
from weaviate_recsys.cli import main
from weaviate_recsys.errors import ConfigurationError
from weaviate_recsys.loaders import HashingEmbedder, load_interactions, load_items
from weaviate_recsys.plugin import Recommender
from weaviate_recsys.plugin.reasons import describe
from weaviate_recsys.settings import Settings

EMBEDDER = HashingEmbedder(dim=16)
FILMS = [{"item_id": f"f{n}", "title": f"Film number {n}", "domain": "Drama" if n < 6 else "Western"} for n in range(9)]


def _event(user: int, item: str, day: int, kind: str = "view") -> dict[str, object]:
    return {
        "user_id": f"u{user}",
        "item_id": item,
        "kind": kind,
        "timestamp": f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}T12:00:00Z",
    }


# f1: three old views. f2: two recent views (within the half-life of the latest event). f3: one recent view.
# f4: five dislikes (not popular). Nobody used f0 or f5.
EVENTS = [
    _event(1, "f1", 0),
    _event(2, "f1", 1),
    _event(3, "f1", 2),
    _event(1, "f2", 200),
    _event(2, "f2", 201),
    _event(3, "f3", 202),
    *[_event(u, "f4", 203, "dislike") for u in range(5)],
]


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Catalogs without popularity values: `Films` with interactions, `Bare` without any."""
    d = tmp_path_factory.mktemp("lite")
    files = tmp_path_factory.mktemp("files")
    client = lite.connect(data_dir=d)
    try:
        films = Settings(prefix="Films", data_dir=d)
        load_items(client, [_write(files / "films.jsonl", FILMS)], films, EMBEDDER)
        load_interactions(client, [_write(files / "events.jsonl", EVENTS)], films, EMBEDDER)
        load_items(client, [files / "films.jsonl"], Settings(prefix="Bare", data_dir=d), EMBEDDER)
    finally:
        client.close()
    return d


@pytest.fixture()
def store(data_dir: Path):  # type: ignore[no-untyped-def]
    """A client on the catalogs (one per test: the CLI test opens the same data directory itself)."""
    client = lite.connect(data_dir=data_dir)
    try:
        yield client
    finally:
        client.close()


def test_cold_start_without_a_popularity_column_ranks_by_recent_interactions(store) -> None:  # type: ignore[no-untyped-def]
    rec = Recommender(store, Settings(prefix="Films", half_life_days=30), embedder=EMBEDDER)
    recs = rec.recommend("newbie", k=3, cold_start=True, domains=["Drama"])
    # f2 (2 recent) counts 4, f1 (3 old) counts 3, f3 (1 recent) counts 2; f4's dislikes count nothing.
    assert [r.item_id for r in recs] == ["f2", "f1", "f3"]
    assert {r.reasons.popularity_basis for r in recs} == {"interactions"}
    assert [r.reasons.popularity for r in recs] == [4.0, 3.0, 2.0]
    assert describe(recs[0].reasons) == "popular in Drama (by interactions)"


def test_without_popularity_and_interactions_the_reason_says_so(store) -> None:  # type: ignore[no-untyped-def]
    recs = Recommender(store, Settings(prefix="Bare"), embedder=EMBEDDER).recommend("newbie", k=2, cold_start=True)
    assert len(recs) == 2
    assert {r.reasons.popularity_basis for r in recs} == {"none"}
    assert describe(recs[0].reasons) == f"no popularity data, from {recs[0].domain}"


def test_a_domain_in_the_wrong_case_is_the_catalogs_domain(store) -> None:  # type: ignore[no-untyped-def]
    rec = Recommender(store, Settings(prefix="Films"), embedder=EMBEDDER)
    recs = rec.recommend("newbie", k=2, cold_start=True, domains=["western"])
    assert recs and {r.domain for r in recs} == {"Western"}


def test_an_unknown_domain_is_an_error_that_lists_the_known_ones(store) -> None:  # type: ignore[no-untyped-def]
    rec = Recommender(store, Settings(prefix="Films"), embedder=EMBEDDER)
    with pytest.raises(
        ConfigurationError, match="Domain 'Comedy' is not a domain of the catalog. Known domains: Drama, Western"
    ):
        rec.recommend("newbie", k=2, cold_start=True, domains=["Comedy"])


def test_cli_unknown_domain_is_a_usage_error_and_json_says_which_basis(data_dir: Path) -> None:
    base = ["--data-dir", str(data_dir), "--prefix", "Films", "-q"]
    bad = CliRunner().invoke(main, ["recommend", "newbie", "--cold-start", "--domain", "westerns", *base])
    assert bad.exit_code == 2
    assert "Known domains: Drama, Western" in bad.output
    good = CliRunner().invoke(
        main, ["recommend", "newbie", "--cold-start", "--domain", "western", "--format", "json", *base]
    )
    assert good.exit_code == 0, good.output
    data = json.loads(good.stdout)
    assert data and {r["domain"] for r in data} == {"Western"}
    # The catalog has interactions, just none with a western: ranked by interactions, each saying it has none.
    assert {(r["reasons"]["popularity_basis"], r["reasons"]["popularity"]) for r in data} == {("interactions", 0.0)}
    table = CliRunner().invoke(main, ["recommend", "newbie", "--cold-start", "--domain", "Western", "-k", "1", *base])
    assert "no interactions yet, from Western" in table.output


def test_popular_by_interactions_then_the_items_nobody_used(store) -> None:  # type: ignore[no-untyped-def]
    rec = Recommender(store, Settings(prefix="Films", half_life_days=30), embedder=EMBEDDER)
    recs = rec.recommend("newbie", k=6, cold_start=True, domains=["Drama"])
    assert [r.item_id for r in recs[:3]] == ["f2", "f1", "f3"]
    assert {r.item_id for r in recs[3:]} == {"f0", "f4", "f5"}
    assert [r.reasons.popularity for r in recs[3:]] == [0.0, 0.0, 0.0]


def test_popular_items_past_the_excluded_most_popular_ones(tmp_path: Path) -> None:
    """Popularity is read in chunks of the most popular ids: excluding more of them than one chunk holds
    still gives the next most popular items, in order."""
    items = [{"item_id": f"i{n:03d}", "title": f"Item {n}", "domain": "Tools"} for n in range(160)]
    # Item n is used by 160 - n users: i000 is the most popular, i159 the least.
    events = [
        {"user_id": f"u{u}", "item_id": f"i{n:03d}", "kind": "view", "timestamp": "2026-01-01T00:00:00Z"}
        for n in range(160)
        for u in range(160 - n)
    ]
    client = lite.connect(data_dir=tmp_path / "lite")
    try:
        settings = Settings(prefix="Many", data_dir=tmp_path / "lite")
        load_items(client, [_write(tmp_path / "items.jsonl", items)], settings, EMBEDDER)
        load_interactions(client, [_write(tmp_path / "events.jsonl", events)], settings, EMBEDDER)
        rec = Recommender(client, settings, embedder=EMBEDDER)
        excluded = [f"i{n:03d}" for n in range(130)]
        recs = rec.recommend("newbie", k=5, cold_start=True, exclude=excluded)
        assert [r.item_id for r in recs] == ["i130", "i131", "i132", "i133", "i134"]
    finally:
        client.close()
