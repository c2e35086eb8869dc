"""The one place that opens connections to Weaviate."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import weaviate
from weaviate.classes.init import AdditionalConfig, Timeout

from .errors import ConnectionFailed
from .settings import Settings

__all__ = ["open_client", "describe_target"]


def describe_target(settings: Settings) -> str:
    """Where a client from `open_client` will point, for the user (never shows secrets)."""
    if settings.url:
        return f"Weaviate at {settings.url} (gRPC port {settings.grpc_port})"
    return f"embedded lite server, data in {settings.data_dir}"


#: How to stop using a URL, by where it came from (`open_client`'s ``url_source``).
_URL_ADVICE = {
    "option": "the URL came from the --url option: pass the right one, or leave --url out to use the embedded "
              "lite server",
    "environment": "the URL came from the environment (WEAVIATE_URL or WEAVIATE_RECSYS_URL): fix it, or unset it "
                   "to use the embedded lite server",
}


@contextmanager
def open_client(settings: Settings, url_source: str | None = None) -> Iterator[weaviate.WeaviateClient]:
    """Connect to ``settings.url``, or start the embedded lite server persisted under ``settings.data_dir``.

    The client (and an embedded server) is closed when the block exits.

    Args:
        settings: where to connect.
        url_source: where ``settings.url`` came from, ``"option"`` (the CLI's --url) or ``"environment"``,
            so a connection error says what to change; None: a setting passed in Python (or unknown).
    """
    if settings.url:
        parsed = urlparse(settings.url)
        secure = parsed.scheme == "https"
        host = parsed.hostname or "localhost"
        port = parsed.port or (443 if secure else 8080)
        auth = (
            weaviate.classes.init.Auth.api_key(settings.api_key.get_secret_value()) if settings.api_key else None
        )
        try:
            client = weaviate.connect_to_custom(
                http_host=host,
                http_port=port,
                http_secure=secure,
                grpc_host=host,
                grpc_port=settings.grpc_port,
                grpc_secure=secure,
                auth_credentials=auth,
                additional_config=AdditionalConfig(timeout=Timeout(init=10, query=120, insert=300)),
            )
        except Exception as e:  # the client raises several unrelated types on connect
            detail = " ".join(str(e).split())
            detail += "" if detail.endswith((".", "?", "!")) else "."
            raise ConnectionFailed(
                f"Could not connect to Weaviate at {settings.url} (gRPC port {settings.grpc_port}): {detail} "
                "Check that it is running; "
                + _URL_ADVICE.get(url_source or "", "the URL came from the settings' url (a keyword argument, or "
                                  "WEAVIATE_URL in the environment): leave it unset to use the embedded lite server")
                + "."
            ) from e
    else:
        from . import lite

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        client = lite.connect(data_dir=settings.data_dir)
    try:
        yield client
    finally:
        client.close()
