"""Every filter operator through the real client (docs/lite-server.md §5)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import weaviate
from weaviate.classes.config import Configure, DataType, Property, Tokenization
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter
from weaviate.exceptions import WeaviateDeleteManyError, WeaviateQueryError


def _d(day: int) -> dt.datetime:
    return dt.datetime(2024, 1, day, tzinfo=dt.UTC)


ROWS = {
    "a": {
        "title": "Hello World",
        "code": "AB-1",
        "tags": ["red", "blue sky"],
        "n": 1,
        "ns": [1, 2],
        "x": 1.5,
        "xs": [0.5],
        "ok": True,
        "when": _d(1),
        "ref": uuid.UUID(int=1),
    },
    "b": {
        "title": "hello there",
        "code": "ab-1",
        "tags": ["green"],
        "n": 2,
        "ns": [3],
        "x": 2.5,
        "xs": [1.5, 2.5],
        "ok": False,
        "when": _d(2),
        "ref": uuid.UUID(int=2),
    },
    "c": {
        "title": "World news",
        "code": "CD-2",
        "tags": [],
        "n": 3,
        "ns": [],
        "x": -1.0,
        "xs": [],
        "ok": True,
        "when": _d(3),
    },
    "d": {"title": "", "n": 4},
    "e": {},
}
IDS = {k: uuid.UUID(int=1000 + i) for i, k in enumerate(ROWS)}


@pytest.fixture(scope="module")
def coll(client: weaviate.WeaviateClient):
    c = client.collections.create(
        "FilterMatrix",
        properties=[
            Property(name="title", data_type=DataType.TEXT),
            Property(name="code", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
            Property(name="tags", data_type=DataType.TEXT_ARRAY),
            Property(name="n", data_type=DataType.INT),
            Property(name="ns", data_type=DataType.INT_ARRAY),
            Property(name="x", data_type=DataType.NUMBER),
            Property(name="xs", data_type=DataType.NUMBER_ARRAY),
            Property(name="ok", data_type=DataType.BOOL),
            Property(name="when", data_type=DataType.DATE),
            Property(name="ref", data_type=DataType.UUID),
            Property(name="nofilter", data_type=DataType.INT, index_filterable=False),
        ],
        inverted_index_config=Configure.inverted_index(
            index_null_state=True, index_property_length=True, index_timestamps=True
        ),
    )
    res = c.data.insert_many([DataObject(properties=p, uuid=IDS[k]) for k, p in ROWS.items()])
    assert not res.errors
    return c


def keys(coll, f) -> list[str]:
    rev = {v: k for k, v in IDS.items()}
    return sorted(rev[o.uuid] for o in coll.query.fetch_objects(filters=f, limit=100).objects)


P = Filter.by_property

CASES = [
    # text, word tokenization: AND over tokens, case-insensitive, order-free (§5.2)
    (P("title").equal("hello"), ["a", "b"]),
    (P("title").equal("WORLD hello"), ["a"]),
    (P("title").not_equal("hello"), ["c", "d", "e"]),
    (P("title").not_equal("hello world"), ["d", "e"]),  # none of the tokens
    (P("title").like("hel*"), ["a", "b"]),
    (P("title").like("w?rld"), ["a", "c"]),
    (P("title").greater_than("news"), ["a", "b", "c"]),  # tokens "there"/"world" > "news"
    (P("title").contains_any(["news", "hello"]), ["a", "b", "c"]),
    (P("title").contains_all(["hello", "world"]), ["a"]),
    (P("title").contains_none(["hello"]), ["c", "d", "e"]),
    # field tokenization: exact, case-sensitive
    (P("code").equal("AB-1"), ["a"]),
    (P("code").equal("ab-1"), ["b"]),
    (P("code").like("*-1"), ["a", "b"]),
    # text[]: any element
    (P("tags").equal("sky"), ["a"]),
    (P("tags").contains_any(["green", "red"]), ["a", "b"]),
    (P("tags").contains_all(["red", "blue"]), ["a"]),
    # int / int[]
    (P("n").equal(2), ["b"]),
    (P("n").not_equal(2), ["a", "c", "d", "e"]),
    (P("n").greater_than(2), ["c", "d"]),
    (P("n").greater_or_equal(2), ["b", "c", "d"]),
    (P("n").less_than(2), ["a"]),
    (P("n").less_or_equal(2), ["a", "b"]),
    (P("n").contains_any([1, 4]), ["a", "d"]),
    (P("n").equal(2.0), ["b"]),
    (P("ns").equal(3), ["b"]),
    (P("ns").greater_than(1), ["a", "b"]),
    (P("ns").contains_all([1, 2]), ["a"]),
    (P("ns").contains_none([1, 3]), ["c", "d", "e"]),
    # number / number[]
    (P("x").greater_than(1.5), ["b"]),
    (P("x").less_or_equal(1), ["c"]),
    (P("x").equal(2.5), ["b"]),
    (P("x").greater_than(1), ["a", "b"]),  # int on a number property
    (P("xs").greater_than(2.0), ["b"]),
    (P("xs").contains_any([0.5, 9.0]), ["a"]),
    # boolean
    (P("ok").equal(True), ["a", "c"]),
    (P("ok").not_equal(True), ["b", "d", "e"]),
    (P("ok").contains_any([False]), ["b"]),
    # date
    (P("when").greater_than(_d(1)), ["b", "c"]),
    (P("when").equal(_d(2)), ["b"]),
    (P("when").less_or_equal(_d(2)), ["a", "b"]),
    # uuid property
    (P("ref").equal(uuid.UUID(int=2)), ["b"]),
    (P("ref").contains_any([uuid.UUID(int=1), uuid.UUID(int=2)]), ["a", "b"]),
    # IsNull: absent, null, "" and [] are null (§5.2)
    (P("title").is_none(True), ["d", "e"]),
    (P("tags").is_none(True), ["c", "d", "e"]),
    (P("n").is_none(False), ["a", "b", "c", "d"]),
    # length
    (Filter.by_property("title", length=True).equal(0), ["d", "e"]),
    (Filter.by_property("tags", length=True).greater_than(1), ["a"]),
    # id
    (Filter.by_id().equal(IDS["c"]), ["c"]),
    (Filter.by_id().contains_any([IDS["a"], IDS["e"]]), ["a", "e"]),
    (Filter.by_id().not_equal(IDS["a"]), ["b", "c", "d", "e"]),
    # logic
    (P("n").greater_than(1) & P("ok").equal(True), ["c"]),
    (P("n").equal(1) | P("n").equal(4), ["a", "d"]),
    (Filter.not_(P("n").less_than(3)), ["c", "d", "e"]),
    (Filter.all_of([P("title").equal("hello"), Filter.any_of([P("n").equal(1), P("x").equal(2.5)])]), ["a", "b"]),
]


@pytest.mark.parametrize("f, expected", CASES, ids=[str(i) for i in range(len(CASES))])
def test_filter_operator(coll, f, expected) -> None:
    assert keys(coll, f) == expected


def test_timestamp_filters(coll) -> None:
    now = dt.datetime.now(dt.UTC)
    assert keys(coll, Filter.by_creation_time().less_than(now + dt.timedelta(minutes=1))) == sorted(ROWS)
    assert keys(coll, Filter.by_update_time().greater_than(now + dt.timedelta(minutes=1))) == []


@pytest.mark.parametrize(
    "f, message",
    [
        (P("nope").equal("x"), "no such prop with name 'nope'"),
        (P("n").equal("x"), "data type filter cannot use"),
        (P("n").equal(1.5), "filtering for integer, but received a floating point number"),
        (P("title").equal("the of"), "only stopwords provided"),
        (P("nofilter").equal(1), "requires inverted index"),
    ],
)
def test_filter_errors(coll, f, message) -> None:
    with pytest.raises(WeaviateQueryError, match="invalid 'where' filter") as e:
        coll.query.fetch_objects(filters=f)
    assert message in str(e.value)


def test_index_prerequisites(client: weaviate.WeaviateClient, name: str) -> None:
    c = client.collections.create(name, properties=[Property(name="t", data_type=DataType.TEXT)])
    with pytest.raises(WeaviateQueryError, match="Nullstate must be indexed"):
        c.query.fetch_objects(filters=P("t").is_none(True))
    with pytest.raises(WeaviateQueryError, match="Timestamps must be indexed"):
        c.query.fetch_objects(filters=Filter.by_creation_time().less_than(dt.datetime.now(dt.UTC)))
    with pytest.raises(WeaviateQueryError, match="Property length must be indexed"):
        c.query.fetch_objects(filters=Filter.by_property("t", length=True).equal(1))


def test_delete_many_with_filter(client: weaviate.WeaviateClient, name: str) -> None:
    c = client.collections.create(name, properties=[Property(name="n", data_type=DataType.INT)])
    c.data.insert_many([{"n": i} for i in range(10)])
    dry = c.data.delete_many(where=P("n").less_than(4), dry_run=True, verbose=True)
    assert dry.matches == 4 and dry.successful == 4 and len(dry.objects) == 4
    assert c.aggregate.over_all(total_count=True).total_count == 10
    res = c.data.delete_many(where=P("n").less_than(4))
    assert res.matches == 4 and res.failed == 0
    assert sorted(o.properties["n"] for o in c.query.fetch_objects(limit=20).objects) == list(range(4, 10))
    with pytest.raises(WeaviateDeleteManyError, match="no such prop"):
        c.data.delete_many(where=P("zz").equal(1))


def test_a_filter_asked_before_a_write_sees_the_write(client: weaviate.WeaviateClient, name: str) -> None:
    """Filter results are reused between queries only until the collection changes."""
    c = client.collections.create(
        name,
        properties=[Property(name="n", data_type=DataType.INT), Property(name="t", data_type=DataType.TEXT)],
        inverted_index_config=Configure.inverted_index(index_null_state=True),
    )
    a, b = uuid.UUID(int=1), uuid.UUID(int=2)
    c.data.insert({"n": 1, "t": "red"}, uuid=a)

    def found(f) -> list[uuid.UUID]:
        return sorted(o.uuid for o in c.query.fetch_objects(filters=f, limit=10).objects)

    ones, red, no_t = P("n").equal(1), P("t").equal("red"), P("t").is_none(True)
    assert (found(ones), found(red), found(no_t)) == ([a], [a], [])
    c.data.insert({"n": 1}, uuid=b)  # a new object
    assert (found(ones), found(red), found(no_t)) == ([a, b], [a], [b])
    c.data.replace(uuid=b, properties={"n": 2, "t": "red"})  # a changed object
    assert (found(ones), found(red), found(no_t)) == ([a], [a, b], [])
    c.data.delete_by_id(a)  # a deleted object
    assert (found(ones), found(red), found(no_t)) == ([], [b], [])
