"""API-key authentication for the lite server, as Weaviate's ``AUTHENTICATION_APIKEY_*`` does it.

Clients send ``Authorization: Bearer <key>`` (REST) or ``authorization: Bearer <key>`` metadata (gRPC),
which is what ``weaviate.connect_to_local(auth_credentials=Auth.api_key(key))`` sends. The readiness and
liveness probes (``/v1/.well-known/*``) and the gRPC health check stay open, as in Weaviate
(``adapters/handlers/rest/embedded_spec.go``: ``security: []`` on the well-known paths).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable

__all__ = ["ApiKeys", "parse_allowed_keys", "is_loopback_host", "UNAUTHENTICATED_MESSAGE"]

UNAUTHENTICATED_MESSAGE = (
    "unauthenticated: send a valid API key as 'Authorization: Bearer <key>' "
    "(weaviate-client: auth_credentials=Auth.api_key(key))"
)


def parse_allowed_keys(value: str | None) -> list[str]:
    """Keys from Weaviate's comma-separated ``AUTHENTICATION_APIKEY_ALLOWED_KEYS`` (blanks dropped)."""
    return [k.strip() for k in (value or "").split(",") if k.strip()]


class ApiKeys:
    """The keys a server accepts; with none, every request is allowed (anonymous access)."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._keys = [k.encode() for k in dict.fromkeys(keys) if k]

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def accepts(self, authorization: str | None) -> bool:
        """Whether an ``Authorization`` header value carries an allowed key (always true when disabled)."""
        if not self._keys:
            return True
        if not authorization:
            return False
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        given = token.strip().encode()
        # compare with every key, in constant time per key, so timing does not reveal a prefix
        return any([hmac.compare_digest(given, k) for k in self._keys])  # noqa: C419 - compare with all

    def __repr__(self) -> str:  # never the keys themselves
        return f"ApiKeys({len(self._keys)} key(s))"


def is_loopback_host(host: str) -> bool:
    """Whether binding ``host`` keeps the server private to this machine (``localhost``, 127.0.0.0/8, ::1)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
