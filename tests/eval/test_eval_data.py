"""Reading evaluation data: project fields, raw MovieLens columns, --map renames, bad input."""

from __future__ import annotations

import pytest

from weaviate_recsys.errors import EvaluationError
from weaviate_recsys.eval.data import PositivePolicy, read_eval_data


def test_raw_movielens_csvs_map_onto_items_positives_and_user_text(tmp_path) -> None:
    movies = tmp_path / "movies.csv"
    movies.write_text(
        'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n2,"Heat, The",(no genres listed)\n'
    )
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("userId,movieId,rating,timestamp\n7,1,4.5,100\n7,2,3.0,200\n7,3,5.0,300\n")
    tags = tmp_path / "tags.csv"
    tags.write_text("userId,movieId,tag,timestamp\n7,1,pixar,150\n")
    data = read_eval_data(movies, [ratings, tags])
    assert data.name == tmp_path.name
    assert [i.item_id for i in data.items] == ["1", "2"]
    assert data.items[0].categories == ("Adventure", "Animation") and data.items[1].categories == ()
    assert data.items[1].title == "Heat, The"
    # 4.5 is a positive, 3.0 is not, movie 3 is not in the catalog.
    assert [(x.item_id, x.kind, x.rating, x.timestamp) for x in data.interactions] == [("1", "rating", 4.5, 100.0)]
    assert data.skipped == {"unknown_item": 1, "not_positive": 1}
    assert [(t.user_id, t.text, t.item_id) for t in data.user_texts] == [("7", "pixar", "1")]
    every_rating = read_eval_data(movies, [ratings], policy=PositivePolicy(min_rating=None))
    assert len(every_rating.interactions) == 2


def test_map_renames_columns_in_every_file(tmp_path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text('{"sku": "a", "title": "Pen"}\n{"sku": "b"}\n')
    events = tmp_path / "events.csv"
    events.write_text("customer,sku,when\nc1,a,2024-01-02T00:00:00Z\nc1,b,2024-01-01T00:00:00Z\n")
    data = read_eval_data(items, [events], mapping={"item_id": "sku", "user_id": "customer", "timestamp": "when"})
    assert [x.item_id for x in data.interactions] == ["a", "b"]
    assert data.interactions[0].timestamp > data.interactions[1].timestamp


def test_bad_inputs_say_where_and_what_to_do(tmp_path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text('{"item_id": "a"}\n{not json\n')
    with pytest.raises(EvaluationError, match="items.jsonl:2: not valid JSON"):
        read_eval_data(items, [items])
    items.write_text('{"item_id": "a"}\n')
    events = tmp_path / "events.jsonl"
    events.write_text('{"user_id": "u", "item_id": "a", "timestamp": "yesterday"}\n')
    with pytest.raises(EvaluationError, match="neither Unix seconds nor ISO-8601"):
        read_eval_data(items, [events])
    with pytest.raises(EvaluationError, match="unknown format"):
        read_eval_data(tmp_path / "items.xml", [events])
