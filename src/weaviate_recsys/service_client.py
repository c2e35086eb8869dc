"""A client of the recommendation service (`weaviate-recsys serve`): the library's `Recommendation` and
`AudienceMember` objects, asked for over HTTP instead of computed from Weaviate.

It imports neither the Weaviate client nor numpy (only the standard library's HTTP client, which starts in a
fraction of the time httpx with its async back-ends does), so a command that asks a running service answers
quickly; docs/serving.md has the timings. Errors the service answers become the library's own errors with the
service's message (`UnknownUser`, `UnknownItem`, `ConfigurationError`, `ConnectionFailed`, ...), so a caller
handles both paths alike.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

from .connection import redact_url
from .errors import (
    ConfigurationError,
    ConnectionFailed,
    ModelNotTrained,
    RecsysError,
    SchemaConflict,
    SchemaMissing,
    UnknownItem,
    UnknownUser,
    WeaviateRejected,
)
from .plugin.results import AudienceMember, Recommendation
from .settings import Settings

__all__ = ["ServiceClient"]

#: Seconds to wait for an answer: the service's first request connects to Weaviate, later ones take milliseconds.
DEFAULT_TIMEOUT = 60.0

#: The library errors the service answers by name (`ErrorBody.type`), raised again here with its message.
_ERRORS_BY_NAME: dict[str, type[RecsysError]] = {
    cls.__name__: cls
    for cls in (
        ConfigurationError,
        ConnectionFailed,
        ModelNotTrained,
        SchemaConflict,
        SchemaMissing,
        UnknownItem,
        UnknownUser,
        WeaviateRejected,
    )
}


class ServiceClient:
    """Ask a running recommendation service for recommendations, similar items and audiences.

    Args:
        url: the service's base URL (``http://host:8000``).
        api_key: sent as ``Authorization: Bearer <key>`` when the service requires one; None: no header.
        timeout: seconds to wait for each answer.
    """

    def __init__(self, url: str, api_key: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> ServiceClient:
        """The client for ``settings.service_url``, sending the first of ``settings.serve_api_keys``.

        Raises:
            ConfigurationError: ``service_url`` is not set.
        """
        if not settings.service_url:
            raise ConfigurationError(
                "No recommendation service URL: set WEAVIATE_RECSYS_SERVICE_URL (http://host:8000)."
            )
        key = next((k.get_secret_value() for k in settings.serve_api_keys if k.get_secret_value()), None)
        return cls(settings.service_url, api_key=key)

    def recommend(
        self,
        user_id: str,
        k: int = 10,
        *,
        domains: list[str] | None = None,
        diversity: float | None = None,
        exclude: list[str] | tuple[str, ...] = (),
        cold_start: bool = False,
    ) -> list[Recommendation]:
        """The user's top ``k`` items, as `Recommender.recommend` gives them (``GET /users/{id}/recommendations``).

        Raises:
            UnknownUser: the service knows no such user (and ``cold_start`` is off).
            ConfigurationError: the service refused the parameters (422) or the API key (401).
            ConnectionFailed: the service, or the Weaviate behind it, cannot be reached.
        """
        params: dict[str, Any] = {"k": k, "domain": domains or [], "exclude": list(exclude)}
        if diversity is not None:
            params["diversity"] = diversity
        if cold_start:
            params["cold_start"] = "true"
        body = self._get(f"/users/{quote(user_id, safe='')}/recommendations", params)
        return [Recommendation.model_validate(item) for item in body["items"]]

    def similar_items(self, item_id: str, k: int = 10, *, diversity: float = 0.0) -> list[Recommendation]:
        """Items nearest to ``item_id`` by content (``GET /items/{id}/similar``).

        Raises:
            UnknownItem: the service knows no such item.
        """
        body = self._get(f"/items/{quote(item_id, safe='')}/similar", {"k": k, "diversity": diversity})
        return [Recommendation.model_validate(item) for item in body["items"]]

    def audience(self, item_id: str, k: int = 10) -> list[AudienceMember]:
        """The users most interested in ``item_id`` (``GET /items/{id}/audience``).

        Raises:
            UnknownItem: the service knows no such item.
        """
        body = self._get(f"/items/{quote(item_id, safe='')}/audience", {"k": k})
        return [AudienceMember.model_validate(user) for user in body["users"]]

    # --- HTTP -------------------------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.url}{path}?{urlencode(params, doseq=True)}"
        headers = {"Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        try:
            with urlopen(Request(url, headers=headers), timeout=self.timeout) as response:
                return dict(json.loads(response.read()))
        except HTTPError as e:
            raise self._error(e.code, e.read()) from e
        except (URLError, OSError) as e:  # refused, unknown host, reset, timed out (socket.timeout is an OSError)
            reason = e.reason if isinstance(e, URLError) else e
            if isinstance(reason, TimeoutError):
                reason = f"no answer within {self.timeout:g} s"
            raise ConnectionFailed(
                f"Could not reach the recommendation service at {redact_url(self.url)}: {reason}. Check that "
                "`weaviate-recsys serve` runs there, or unset the service URL (WEAVIATE_RECSYS_SERVICE_URL) to "
                "query Weaviate directly."
            ) from e
        except ValueError as e:  # an answer that is not JSON: not the recommendation service
            raise RecsysError(
                f"{redact_url(self.url)} answered something that is not the recommendation service's JSON ({e}); "
                "check the service URL."
            ) from e

    def _error(self, status: int, raw: bytes) -> RecsysError:
        """The library error for the service's error answer (`ErrorResponse`), keeping its message."""
        try:
            error = json.loads(raw)["error"]
            kind, message = str(error["type"]), str(error["message"])
        except (ValueError, KeyError, TypeError):
            text = raw.decode("utf-8", "replace").strip()[:200]
            return RecsysError(
                f"{redact_url(self.url)} answered HTTP {status} ({text or 'no body'}), not the recommendation "
                "service's error format; check the service URL."
            )
        if status == 401:
            return ConfigurationError(
                f"{message} The service requires an API key: set WEAVIATE_RECSYS_SERVE_API_KEYS (or the "
                "command's --serve-api-key) to one of its keys."
            )
        if kind == "NotFound":  # a route the service does not have, not an unknown user or item
            return ConfigurationError(
                f"{redact_url(self.url)} has no such endpoint ({message}): is it a weaviate-recsys service?"
            )
        if status == 422:
            return ConfigurationError(message)
        known = _ERRORS_BY_NAME.get(kind)
        if known is not None:
            return known(message)
        if status == 503:
            return ConnectionFailed(message)
        return RecsysError(f"The recommendation service failed (HTTP {status}): {message}")
