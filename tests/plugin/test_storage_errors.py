"""Failures talking to Weaviate: a refused request is `WeaviateRejected`, an unreachable server `ConnectionFailed`."""

from __future__ import annotations

import pytest
import weaviate

from weaviate_recsys.errors import ConnectionFailed, RecsysError, WeaviateRejected
from weaviate_recsys.plugin.storage import fetch_where


def test_a_query_weaviate_refuses_is_a_rejection_not_a_connection_failure(client: weaviate.WeaviateClient) -> None:
    with pytest.raises(WeaviateRejected, match="Reading NoSuchCollection was refused by Weaviate") as caught:
        fetch_where(client, "NoSuchCollection", "user_id", ["u1"])
    assert not isinstance(caught.value, ConnectionFailed)
    assert isinstance(caught.value, RecsysError)
