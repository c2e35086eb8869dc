"""Like filters match in linear time, and a search past its deadline answers an error, not a stuck server."""

from __future__ import annotations

import re
import threading

import httpx
import pytest
import weaviate
from hypothesis import given, settings
from hypothesis import strategies as st
from weaviate.classes.config import DataType, Property, Tokenization
from weaviate.classes.query import Filter
from weaviate.exceptions import WeaviateQueryError

import weaviate_recsys.lite as lite
from weaviate_recsys.lite.filters import like_matcher
from weaviate_recsys.lite.limits import ServerLimits


def _reference(pattern: str, value: str) -> bool:
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, value, re.DOTALL) is not None


@settings(max_examples=400, deadline=None)
@given(st.text("ab*?", max_size=8), st.text("ab", max_size=10))
def test_like_matcher_agrees_with_the_glob_definition(pattern: str, value: str) -> None:
    assert bool(like_matcher(pattern)(value)) == _reference(pattern, value)


@pytest.mark.timeout(60)
def test_many_wildcards_over_a_long_value_answer_and_leave_the_server_ready(
    client: weaviate.WeaviateClient, name: str
) -> None:
    # A backtracking matcher needs ~n^3 steps here (n = 3,000): minutes with the server's lock and the GIL held.
    coll = client.collections.create(
        name, properties=[Property(name="brand", data_type=DataType.TEXT, tokenization=Tokenization.FIELD)]
    )
    coll.data.insert({"brand": "0" * 3000})
    url = client.lite_server.url  # type: ignore[attr-defined]
    ready: list[int] = []

    def poll_ready() -> None:
        ready.append(httpx.get(f"{url}/v1/.well-known/ready", timeout=30).status_code)

    poller = threading.Thread(target=poll_ready)
    poller.start()
    hits = coll.query.fetch_objects(filters=Filter.by_property("brand").like("*0*0*0*0*z")).objects
    poller.join()
    assert hits == [] and ready == [200]
    assert len(coll.query.fetch_objects(filters=Filter.by_property("brand").like("0*0?0*")).objects) == 1


def test_a_search_past_its_deadline_answers_an_error() -> None:
    with lite.start(limits=ServerLimits(search_timeout_s=0)) as server:
        c = weaviate.connect_to_local(
            host=server.host, port=server.http_port, grpc_port=server.grpc_port, skip_init_checks=True
        )
        try:
            coll = c.collections.create("Slow", properties=[Property(name="brand", data_type=DataType.TEXT)])
            coll.data.insert({"brand": "acme"})
            with pytest.raises(WeaviateQueryError, match="time limit"):
                coll.query.fetch_objects(filters=Filter.by_property("brand").like("a*"))
            assert c.is_ready()
            assert len(coll.query.fetch_objects().objects) == 1  # searches without a filter scan still answer
        finally:
            c.close()
