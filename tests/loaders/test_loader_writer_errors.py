"""The batch writer tells a refusal by Weaviate (`WeaviateRejected`: fix the request) from a Weaviate that is
not there (`ConnectionFailed`: retry once it runs), on a real lite server. Whether an error means "not there"
is `errors.is_unreachable`, shared with the plugin's storage (whose tests cover a stopped server)."""

from __future__ import annotations

import uuid

import pytest
from weaviate.classes.config import DataType, Property

from weaviate_recsys import lite
from weaviate_recsys.errors import WeaviateRejected
from weaviate_recsys.loaders import ObjectWriter


def test_a_refused_read_of_stored_hashes_is_a_rejection_with_weaviates_message() -> None:
    with lite.connect() as client:
        # A collection without the loader's content_hash property: Weaviate refuses a query that returns it.
        collection = client.collections.create("NoHash", properties=[Property(name="n", data_type=DataType.INT)])
        writer = ObjectWriter(collection)
        with pytest.raises(WeaviateRejected) as caught:
            writer.existing_hashes([str(uuid.uuid4())])
    message = str(caught.value)
    assert "no such prop with name 'content_hash'" in message
    assert "NoHash" in message
    assert "Check that Weaviate" not in message  # it answered: the connection is fine
