"""Nothing reaches the store that the in-memory indexes cannot hold: dates outside 64-bit
nanoseconds, text that is not UTF-8, object values nested without bound are refused with a 422
(a per-object error in a batch), and the data directory still opens afterwards."""

from __future__ import annotations

import uuid

import httpx
import pytest
import weaviate
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter
from weaviate.exceptions import UnexpectedStatusCodeError

import weaviate_recsys.lite as lite
from weaviate_recsys.lite.api_errors import Unprocessable
from weaviate_recsys.lite.values import coerce_properties
from weaviate_recsys.schema.dates import MAX_DATE, MIN_DATE, date_in_range, nanos_in_range

KEPT = uuid.UUID(int=1)


def _events(c: weaviate.WeaviateClient):
    coll = c.collections.create(
        "Event",
        properties=[
            Property(name="at", data_type=DataType.DATE),
            Property(name="seen", data_type=DataType.DATE_ARRAY),
            Property(name="title", data_type=DataType.TEXT),
            Property(
                name="meta",
                data_type=DataType.OBJECT,
                nested_properties=[Property(name="note", data_type=DataType.TEXT)],
            ),
        ],
        vector_config=Configure.Vectors.self_provided(),
    )
    coll.data.insert({"at": "2020-01-01T00:00:00Z", "title": "kept"}, uuid=KEPT, vector=[1.0, 0.0])
    return coll


def _assert_reopens_with_only_kept(data) -> None:
    with lite.start(data) as server, lite.client_for(server) as c:
        coll = c.collections.get("Event")
        assert [o.uuid for o in coll.query.fetch_objects(limit=10).objects] == [KEPT]
        assert coll.query.fetch_object_by_id(KEPT).properties["title"] == "kept"


@pytest.mark.parametrize("date", ["1500-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "1677-09-21T00:00:00Z"])
def test_insert_with_a_date_outside_the_storable_range_is_refused(tmp_path, date: str) -> None:
    data = tmp_path / "store"
    with lite.start(data) as server, lite.client_for(server) as c:
        coll = _events(c)
        with pytest.raises(UnexpectedStatusCodeError) as e:
            coll.data.insert({"at": date})
        assert e.value.status_code == 422
        assert "requires a date between 1677-09-21T00:12:44Z and 2262-04-11T23:47:16Z" in e.value.message
        assert date in e.value.message
    _assert_reopens_with_only_kept(data)


def test_a_batch_refuses_only_its_objects_with_unstorable_dates(tmp_path) -> None:
    data = tmp_path / "store"
    good = uuid.UUID(int=2)
    with lite.start(data) as server, lite.client_for(server) as c:
        coll = _events(c)
        result = coll.data.insert_many(
            [
                {"at": "2999-01-01T00:00:00Z"},
                DataObject(properties={"at": "2001-02-03T04:05:06Z"}, uuid=good),
                {"seen": ["2000-01-01T00:00:00Z", "1500-06-01T00:00:00+02:00"]},
            ]
        )
        assert sorted(result.errors) == [0, 2]
        assert all("requires a date between" in err.message for err in result.errors.values())
        assert result.errors[2].message.endswith("the given value is '1500-06-01T00:00:00+02:00'")
    with lite.start(data) as server, lite.client_for(server) as c:
        coll = c.collections.get("Event")
        assert {o.uuid for o in coll.query.fetch_objects(limit=10).objects} == {KEPT, good}


def test_updates_with_unstorable_values_change_nothing(tmp_path) -> None:
    data = tmp_path / "store"
    with lite.start(data) as server, lite.client_for(server) as c:
        coll = _events(c)
        for call in (coll.data.update, coll.data.replace):
            with pytest.raises(UnexpectedStatusCodeError) as e:
                call(KEPT, properties={"at": "1000-01-01T00:00:00Z", "title": "changed"})
            assert e.value.status_code == 422 and "requires a date between" in e.value.message
        assert coll.query.fetch_object_by_id(KEPT).properties["title"] == "kept"
    _assert_reopens_with_only_kept(data)


def test_dates_at_the_edges_of_the_range_are_stored_and_filtered(tmp_path) -> None:
    data = tmp_path / "store"
    early, late = uuid.UUID(int=3), uuid.UUID(int=4)
    with lite.start(data) as server, lite.client_for(server) as c:
        coll = _events(c)
        coll.data.insert({"at": "1677-09-22T00:00:00Z"}, uuid=early)
        coll.data.insert({"at": "2262-04-10T00:00:00Z"}, uuid=late)
    with lite.start(data) as server, lite.client_for(server) as c:
        coll = c.collections.get("Event")
        after_2100 = coll.query.fetch_objects(filters=Filter.by_property("at").greater_than("2100-01-01T00:00:00Z"))
        assert [o.uuid for o in after_2100.objects] == [late]
        before_1900 = coll.query.fetch_objects(filters=Filter.by_property("at").less_than("1900-01-01T00:00:00Z"))
        assert [o.uuid for o in before_1900.objects] == [early]


def test_text_with_an_unpaired_surrogate_is_refused(tmp_path) -> None:
    data = tmp_path / "store"
    with lite.start(data) as server, lite.client_for(server) as c:
        _events(c)
        for props in ('{"title": "bad \\ud800 text"}', '{"meta": {"note": "\\udfff"}}'):
            body = '{"class": "Event", "properties": ' + props + "}"
            r = httpx.post(
                f"{server.url}/v1/objects", content=body.encode(), headers={"content-type": "application/json"}
            )
            assert r.status_code == 422, r.text
            assert "unpaired surrogate" in r.json()["error"][0]["message"]
    _assert_reopens_with_only_kept(data)


def test_object_values_nested_without_bound_are_refused(tmp_path) -> None:
    """REST refuses the whole body past its nesting limit, and the store refuses an object value nested
    deeper than it can write back; nothing of it is stored."""
    data = tmp_path / "store"
    deep: dict = {"note": "x"}
    for _ in range(100):
        deep = {"inner": deep}
    with lite.start(data) as server, lite.client_for(server) as c:
        coll = _events(c)
        r = httpx.post(f"{server.url}/v1/objects", json={"class": "Event", "properties": {"meta": deep}})
        assert r.status_code == 400, r.text
        assert "nested deeper than" in r.json()["message"]
        # past the body limit (gRPC's own message nesting limit is lower still), the store's value check
        # is the last line: it refuses an object value deeper than the store writes back
        assert server.db is not None
        with pytest.raises(Unprocessable, match="nested deeper than"):
            coerce_properties(server.db.collection("Event").spec, {"meta": deep}, via_grpc=True)
        assert coll.aggregate.over_all(total_count=True).total_count == 1
    _assert_reopens_with_only_kept(data)


def test_the_shared_date_range_is_the_int64_nanosecond_range() -> None:
    assert nanos_in_range(2**63 - 1) and nanos_in_range(-(2**63))
    assert not nanos_in_range(2**63) and not nanos_in_range(-(2**63) - 1)
    assert date_in_range(MIN_DATE) and date_in_range(MAX_DATE)
    assert MIN_DATE.year == 1677 and MAX_DATE.year == 2262


def test_numbers_beyond_their_type_are_refused(tmp_path) -> None:
    data = tmp_path / "store"
    with lite.start(data) as server, lite.client_for(server) as c:
        c.collections.create(
            "Measure",
            properties=[Property(name="x", data_type=DataType.NUMBER), Property(name="k", data_type=DataType.INT)],
        )
        for body in (
            '{"x": 1%s}' % ("0" * 400),
            '{"x": NaN}',
            '{"x": Infinity}',
            '{"k": 9223372036854775808}',
            '{"k": 1e400}',
        ):
            content = b'{"class": "Measure", "properties": %s}' % body.encode()
            r = httpx.post(f"{server.url}/v1/objects", content=content, headers={"content-type": "application/json"})
            assert r.status_code == 422, (body, r.text)
    with lite.start(data) as server, lite.client_for(server) as c:
        assert len(c.collections.get("Measure").query.fetch_objects().objects) == 0
