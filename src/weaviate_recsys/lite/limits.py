"""What one request may cost the lite server: connection caps, timeouts, sizes and search deadlines.

A server shared on a network must stay ready whatever a single client sends: every limit here turns an
expensive or malformed request into a 4xx (REST) or a gRPC status instead of a stuck or crashed server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import BaseModel, ConfigDict, Field

from weaviate_recsys.lite.api_errors import ApiError

__all__ = ["ServerLimits", "SearchTimeout", "search_deadline", "check_deadline"]


class ServerLimits(BaseModel):
    """Per-server limits; the defaults suit one machine serving a few applications.

    Attributes:
        max_connections: concurrent HTTP connections; one more is answered 503 and closed at once.
        idle_timeout_s: an HTTP connection that sends nothing this long (idle keep-alive, or a request
            sent byte by byte) is closed.
        max_body_bytes: the largest REST request body (413 beyond it).
        max_json_depth: the deepest nesting of arrays/objects in a REST body (400 beyond it).
        search_timeout_s: a search (gRPC Search/Aggregate) running longer answers DEADLINE_EXCEEDED;
            a shorter client deadline wins.
        max_results: offset + limit of a query or listing (Weaviate's ``QUERY_MAXIMUM_RESULTS``).
        grpc_max_concurrent_rpcs: gRPC calls in progress at once; more answer RESOURCE_EXHAUSTED.
    """

    model_config = ConfigDict(frozen=True)

    max_connections: int = Field(default=256, ge=1)
    idle_timeout_s: float = Field(default=60.0, gt=0)
    max_body_bytes: int = Field(default=64 * 1024 * 1024, ge=1)
    max_json_depth: int = Field(default=64, ge=2)
    search_timeout_s: float = Field(default=60.0, ge=0)
    max_results: int = Field(default=10_000, ge=1)
    grpc_max_concurrent_rpcs: int = Field(default=256, ge=1)


class SearchTimeout(ApiError):
    """A search ran past its deadline; it is abandoned so that the server keeps answering others."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"the search ran longer than its time limit ({seconds:g} s) and was stopped; "
            "narrow the filter (e.g. fewer wildcards in Like) or raise the client's query timeout",
            504,
        )


_local = threading.local()


@contextmanager
def search_deadline(seconds: float) -> Iterator[None]:
    """Within the block, `check_deadline` raises `SearchTimeout` once ``seconds`` have passed (this thread)."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = (time.monotonic() + seconds, seconds)
    try:
        yield
    finally:
        _local.deadline = previous


def check_deadline() -> None:
    """Raise `SearchTimeout` if this thread's search deadline has passed; free when no deadline is set."""
    deadline = getattr(_local, "deadline", None)
    if deadline is not None and time.monotonic() >= deadline[0]:
        raise SearchTimeout(deadline[1])
