"""The one exception hierarchy of weaviate-recsys.

Every message says what went wrong and what to do next, so the CLI can print it as-is.
"""

from __future__ import annotations

__all__ = [
    "RecsysError",
    "ConfigurationError",
    "ConnectionFailed",
    "WeaviateRejected",
    "SchemaConflict",
    "SchemaMissing",
    "LoadError",
    "RowError",
    "ModelNotTrained",
    "UnknownUser",
    "UnknownItem",
    "EvaluationError",
    "is_unreachable",
]


class RecsysError(Exception):
    """Base class: anything the library raises on purpose."""


class ConfigurationError(RecsysError):
    """A setting or argument is invalid (the CLI maps this to a usage error, exit 2)."""


class ConnectionFailed(RecsysError):
    """Weaviate could not be reached, refused the connection, or went away during a request."""


class WeaviateRejected(RecsysError):
    """Weaviate answered but refused the request: an object or query it considers invalid, or a collection it
    does not have. Unlike `ConnectionFailed`, retrying the same request will not help; the message says what
    Weaviate objected to."""


class SchemaConflict(RecsysError):
    """An existing collection differs from the contract in a way that cannot be fixed by adding to it."""


class SchemaMissing(RecsysError):
    """A collection the operation needs does not exist yet (run `weaviate-recsys schema create`)."""


class LoadError(RecsysError):
    """A load could not run at all (unreadable file, unknown format), as opposed to a bad row."""


class RowError(RecsysError):
    """One input row is invalid; carries where it came from so the user can fix the file.

    Args:
        file: the input's name (``-`` for stdin).
        line: 1-based line number in that file (CSV: the physical line of the record).
        field: the offending field, or None when the whole row is bad.
        reason: what is wrong, in words.
    """

    def __init__(self, file: str, line: int, field: str | None, reason: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
        where = f"{file}:{line}" + (f" field '{field}'" if field else "")
        super().__init__(f"{where}: {reason}")


class ModelNotTrained(RecsysError):
    """A component needs a trained model that is not stored in Weaviate yet."""


class UnknownUser(RecsysError):
    """The user id is not in the User collection and has no interactions."""


class UnknownItem(RecsysError):
    """The item id is not in the Item collection."""


class EvaluationError(RecsysError):
    """The offline evaluation cannot run on the given data."""


#: gRPC status codes of a call that failed because the server went away or did not answer in time.
_UNREACHABLE_STATUS = ("StatusCode.UNAVAILABLE", "StatusCode.DEADLINE_EXCEEDED", "StatusCode.CANCELLED")


def is_unreachable(error: BaseException) -> bool:
    """Whether a weaviate-client error means Weaviate was not there (`ConnectionFailed`: retry once it runs),
    rather than an answer that refused the request (`WeaviateRejected`: the message says what to fix)."""
    from weaviate.exceptions import (  # here: errors stay importable without the Weaviate client
        WeaviateClosedClientError,
        WeaviateConnectionError,
        WeaviateGRPCUnavailableError,
        WeaviateRetryError,
        WeaviateTimeoutError,
    )

    unreachable = (
        WeaviateConnectionError,
        WeaviateTimeoutError,
        WeaviateClosedClientError,
        WeaviateGRPCUnavailableError,
        WeaviateRetryError,
    )
    return isinstance(error, unreachable) or any(code in str(error) for code in _UNREACHABLE_STATUS)
