"""Errors the lite server returns over the wire, shaped like Weaviate's (docs/lite-server.md §7).

These never reach library users directly: the REST layer turns them into
``{"error":[{"message":...}]}`` with the given HTTP status, the gRPC layer into status UNKNOWN
(never UNAVAILABLE, which the client retries for a minute, §1.2).
"""

from __future__ import annotations

__all__ = ["ApiError", "NotFound", "Unprocessable"]


class ApiError(Exception):
    """A request the server refuses; ``status`` is the HTTP status the REST layer uses."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NotFound(ApiError):
    """The collection or object does not exist (HTTP 404)."""

    def __init__(self, message: str = "not found") -> None:
        super().__init__(message, 404)


class Unprocessable(ApiError):
    """Validation failed (HTTP 422), the status Weaviate uses for invalid objects and schemas."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 422)
