"""Which Weaviate the tests talk to: a fresh embedded lite server, or the instance named by the environment.

By default every `connect_for_tests()` starts an embedded lite server of its own. Set
``WEAVIATE_RECSYS_TEST_URL`` (with ``WEAVIATE_RECSYS_TEST_GRPC_PORT`` and ``WEAVIATE_RECSYS_TEST_API_KEY`` when
needed) to run the same tests against another Weaviate instead. That instance must be dedicated to the tests:
each `connect_for_tests()` deletes every collection on it first, so a test module starts from an empty Weaviate
as it does with a fresh lite server. Tests marked ``lite_only`` are skipped then (see docs/testing.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import weaviate
from pydantic import SecretStr

import weaviate_recsys.lite as lite
from weaviate_recsys.connection import open_client
from weaviate_recsys.settings import Settings

#: The dedicated Weaviate the tests use instead of the embedded lite server (None: the lite server).
TEST_URL = os.environ.get("WEAVIATE_RECSYS_TEST_URL") or None


def external_settings() -> Settings:
    """Connection settings for the instance at ``WEAVIATE_RECSYS_TEST_URL``."""
    api_key = os.environ.get("WEAVIATE_RECSYS_TEST_API_KEY")
    return Settings(
        url=TEST_URL,
        grpc_port=int(os.environ.get("WEAVIATE_RECSYS_TEST_GRPC_PORT") or 50051),
        api_key=SecretStr(api_key) if api_key else None,
    )


@contextmanager
def connect_for_tests() -> Iterator[weaviate.WeaviateClient]:
    """A client on an empty Weaviate: a new embedded lite server, or the emptied test instance; closed on exit."""
    if TEST_URL is None:
        with lite.connect() as client:
            yield client
        return
    with open_client(external_settings()) as client:
        client.collections.delete_all()
        yield client
