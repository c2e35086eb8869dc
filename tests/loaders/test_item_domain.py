"""An item's domain from its category labels: a path's level, or the domain rule over a flat set of labels."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from weaviate_recsys.loaders import ItemRecord, load_items, read_records, record_context
from weaviate_recsys.loaders.item_domain import choose_domain, is_placeholder, label_counts
from weaviate_recsys.schema import collection_name, item_uuid
from weaviate_recsys.settings import Settings

TOY_STORY = ["Adventure", "Animation", "Children", "Comedy", "Fantasy"]
#: A small MovieLens-like catalog: Comedy and Adventure are common genres, Animation is rare.
MOVIES_CSV = (
    "movieId,title,genres\n"
    "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
    "2,Jumanji (1995),Adventure|Children|Fantasy\n"
    "3,Grumpier Old Men (1995),Comedy|Romance\n"
    "4,Father of the Bride Part II (1995),Comedy\n"
    "5,Heat (1995),Action|Crime|Thriller\n"
    "6,Sabrina (1995),Comedy|Romance\n"
    "7,Tom and Huck (1995),Adventure|Children\n"
    "8,Sudden Death (1995),Action\n"
    "9,Pirates (1995),Adventure|Comedy\n"
    "10,Some Film (2015),(no genres listed)\n"
)


def _movies(tmp_path: Path) -> Path:
    path = tmp_path / "movies.csv"
    path.write_text(MOVIES_CSV, encoding="utf-8")
    return path


COUNTS = label_counts(
    [line.split(",")[-1].split("|") for line in MOVIES_CSV.strip().splitlines()[1:]]  # genres column
)


def test_the_catalog_counts_each_label_once_per_item_and_not_placeholders() -> None:
    assert COUNTS["Comedy"] == 5 and COUNTS["Adventure"] == 4 and COUNTS["Animation"] == 1
    assert "(no genres listed)" not in COUNTS


def test_toy_story_is_comedy_by_default_not_its_alphabetically_first_genre() -> None:
    assert choose_domain(TOY_STORY, False, counts=COUNTS) == ("Comedy", None)
    assert choose_domain(TOY_STORY, False, rule="first") == ("Adventure", None)
    assert choose_domain(TOY_STORY, False, rule="rarest", counts=COUNTS) == ("Animation", None)


def test_ties_go_to_the_label_listed_first() -> None:
    assert choose_domain(["Romance", "Crime"], False, rule="rarest", counts={"Romance": 2, "Crime": 2}) == (
        "Romance",
        None,
    )


@pytest.mark.parametrize("label", ["(no genres listed)", "(none)", "N/A", "unknown", "[no category given]", " "])
def test_placeholders_are_not_labels(label: str) -> None:
    assert is_placeholder(label)
    assert choose_domain([label], False, counts=COUNTS) == (None, None)
    assert choose_domain([label, "Drama"], False, counts=COUNTS) == ("Drama", None)


@pytest.mark.parametrize("label", ["Drama", "Film-Noir", "No Country Music", "Other"])
def test_real_labels_are_not_placeholders(label: str) -> None:
    assert not is_placeholder(label)


def test_a_path_keeps_its_level_whatever_the_rule() -> None:
    path = ["Office Products", "Office Furniture", "Chairs"]
    for rule in ("first", "rarest", "commonest"):
        assert choose_domain(path, True, 2, rule, COUNTS) == ("Office Furniture", "Chairs")  # type: ignore[arg-type]
    assert choose_domain(["(none)", "Chairs"], True, 1, "rarest", COUNTS) == (None, None)


def test_a_rule_that_needs_counts_says_so_without_them() -> None:
    with pytest.raises(ValueError, match="label counts"):
        choose_domain(TOY_STORY, False, rule="rarest")


def test_the_record_applies_the_rule_with_the_catalog_counts() -> None:
    record = ItemRecord.model_validate(
        {"item_id": "1", "categories": "|".join(TOY_STORY)}, context=record_context(Settings(), COUNTS)
    )
    assert (record.domain, record.subdomain) == ("Comedy", None)
    settings = Settings(domain_rule="rarest")
    record = ItemRecord.model_validate(
        {"item_id": "1", "categories": "|".join(TOY_STORY)}, context=record_context(settings, COUNTS)
    )
    assert (record.domain, record.subdomain) == ("Animation", None)
    alone = ItemRecord.model_validate({"item_id": "1", "categories": "|".join(TOY_STORY)})
    assert alone.domain == "Adventure"  # validated alone, without the catalog: the first label


def test_no_genres_listed_is_no_domain_and_no_category() -> None:
    record = ItemRecord.model_validate(
        {"item_id": "10", "categories": "(no genres listed)"}, context=record_context(Settings(), COUNTS)
    )
    assert record.domain is None and record.categories == []


def test_reading_a_file_counts_its_labels_for_the_rule(tmp_path: Path) -> None:
    rarest = Settings(domain_rule="rarest")
    rows = list(
        read_records(
            _movies(tmp_path), "items", mapping={"item_id": "movieId", "categories": "genres"}, settings=rarest
        )
    )
    domains = {r.record.item_id: r.record.domain for r in rows if r.record is not None}
    assert domains["1"] == "Animation" and domains["3"] == "Romance" and domains["10"] is None
    first = Settings(domain_rule="first")
    rows = list(
        read_records(_movies(tmp_path), "items", mapping={"item_id": "movieId", "categories": "genres"}, settings=first)
    )
    assert {r.record.item_id: r.record.domain for r in rows if r.record is not None}["1"] == "Adventure"


def test_a_load_stores_the_domain_the_rule_picks_over_the_whole_load(client, settings, embedder, tmp_path):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"domain_rule": "rarest"})
    result = load_items(
        client, [_movies(tmp_path)], settings, embedder, mapping={"item_id": "movieId", "categories": "genres"}
    )
    assert (result.written, result.rejected) == (10, 0)
    items = client.collections.get(collection_name("Item", settings.prefix))
    toy = items.query.fetch_object_by_id(item_uuid("1")).properties
    assert toy["domain"] == "Animation" and toy.get("subdomain") is None
    none = items.query.fetch_object_by_id(item_uuid("10")).properties
    assert none.get("domain") is None and not none.get("categories")


def test_a_load_from_standard_input_says_the_rule_could_not_count(client, settings, embedder):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"domain_rule": "rarest"})
    stdin = io.BytesIO(b'{"item_id": "1", "title": "Toy Story", "categories": "Adventure|Animation"}\n')
    result = load_items(client, ["-"], settings, embedder, stdin=stdin, input_format="jsonl")
    assert result.written == 1
    assert any("standard input" in note and "rarest" in note for note in result.notes)
    items = client.collections.get(collection_name("Item", settings.prefix))
    assert items.query.fetch_object_by_id(item_uuid("1")).properties["domain"] == "Adventure"
