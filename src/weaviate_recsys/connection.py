"""The one place that opens connections to Weaviate."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlparse, urlsplit, urlunsplit

from .errors import ConnectionFailed
from .settings import Settings

if TYPE_CHECKING:
    import weaviate

__all__ = ["open_client", "describe_target", "redact_url", "redact_secrets"]


def redact_url(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``, for messages (``http://***@host:8080``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub(r"\1***@", url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


_USERINFO = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*@")


def redact_secrets(text: str, *secrets: str | None) -> str:
    """``text`` with URL credentials and each given secret (e.g. the API key) masked."""
    text = _USERINFO.sub(r"\1***@", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def describe_target(settings: Settings) -> str:
    """Where a client from `open_client` will point, for the user (never shows secrets)."""
    if settings.url:
        return f"Weaviate at {redact_url(settings.url)} (gRPC port {settings.grpc_port})"
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
    import weaviate  # here, so redact_url and describe_target stay cheap for a client of the service
    from weaviate.classes.init import AdditionalConfig, Timeout

    if settings.url:
        parsed = urlparse(settings.url)
        secure = parsed.scheme == "https"
        host = parsed.hostname or "localhost"
        port = parsed.port or (443 if secure else 8080)
        auth = weaviate.classes.init.Auth.api_key(settings.api_key.get_secret_value()) if settings.api_key else None
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
            key = settings.api_key.get_secret_value() if settings.api_key else None
            detail = " ".join(str(e).split())
            detail += "" if detail.endswith((".", "?", "!")) else "."
            raise ConnectionFailed(
                redact_secrets(
                    f"Could not connect to Weaviate at {redact_url(settings.url)} (gRPC port {settings.grpc_port}): "
                    f"{detail} Check that it is running; "
                    + _URL_ADVICE.get(
                        url_source or "",
                        "the URL came from the settings' url (a keyword argument, or "
                        "WEAVIATE_URL in the environment): leave it unset to use the embedded lite server",
                    )
                    + ".",
                    key,
                    parsed.password,
                )
            ) from e
    else:
        from . import lite

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        client = lite.connect(data_dir=settings.data_dir)
    try:
        yield client
    finally:
        client.close()
