"""The ``weaviate-recsys`` command: a thin click layer over the library.

Each command parses options, calls one library function and prints its result. Library errors become
messages with a suggested fix (exit 1); misuse is a usage error (exit 2). Set
``WEAVIATE_RECSYS_TRACEBACK=1`` to see the full traceback instead.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from pydantic import ValidationError

from .errors import ConfigurationError, RecsysError
from .settings import Settings, get_settings

__all__ = ["main"]


class RecsysGroup(click.Group):
    """Turns library errors into click errors, so users see one actionable line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except ConfigurationError as e:
            if ctx.meta.get("traceback"):
                raise
            raise click.UsageError(str(e)) from e
        except ValidationError as e:
            if ctx.meta.get("traceback"):
                raise
            raise click.UsageError(_validation_message(e)) from e
        except RecsysError as e:
            if ctx.meta.get("traceback"):
                raise
            raise click.ClickException(str(e)) from e


def _validation_message(e: ValidationError) -> str:
    parts = []
    for err in e.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    return "invalid setting: " + "; ".join(parts)


@click.group(cls=RecsysGroup)
@click.version_option(package_name="weaviate-recsys")
@click.option(
    "--traceback/--no-traceback",
    envvar="WEAVIATE_RECSYS_TRACEBACK",
    default=False,
    help="Show full tracebacks instead of short error messages.  [env var: WEAVIATE_RECSYS_TRACEBACK]",
)
@click.pass_context
def main(ctx: click.Context, traceback: bool) -> None:
    """Multi-granularity interest modelling and hybrid recommendations on Weaviate."""
    ctx.meta["traceback"] = traceback


# --- shared options --------------------------------------------------------------------------------


def connection_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add --url/--grpc-port/--api-key/--prefix/--data-dir and pass a ``settings`` argument instead."""

    @click.option("--url", default=None, help="Weaviate REST URL.  [env var: WEAVIATE_URL; default: embedded lite server]")
    @click.option("--grpc-port", type=int, default=None, help="Weaviate gRPC port (with --url).  [default: 50051]")
    @click.option("--api-key", default=None, help="Weaviate API key.  [env var: WEAVIATE_API_KEY]")
    @click.option("--prefix", default=None, help="Collection name prefix.  [env var: WEAVIATE_RECSYS_PREFIX]")
    @click.option(
        "--data-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Data directory of the embedded lite server (no --url).  "
        "[env var: WEAVIATE_RECSYS_DATA; default: ./.weaviate-recsys]",
    )
    @functools.wraps(f)
    def wrapper(*args: Any, url: str | None, grpc_port: int | None, api_key: str | None, prefix: str | None,
                data_dir: str | None, **kwargs: Any) -> Any:
        try:
            settings = get_settings(url=url, grpc_port=grpc_port, api_key=api_key, prefix=prefix, data_dir=data_dir)
        except ValidationError as e:
            raise click.UsageError(_validation_message(e)) from e
        return f(*args, settings=settings, **kwargs)

    return wrapper


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add --quiet and --format text|json."""
    f = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")(f)
    f = click.option(
        "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
        help="Human-readable text or machine-readable JSON.",
    )(f)
    return f


@contextmanager
def connected(settings: Settings, quiet: bool = False) -> Iterator[Any]:
    """Open the client for a command, announcing an embedded server on stderr."""
    from .connection import describe_target, open_client

    if not settings.url and not quiet:
        click.echo(f"Using the {describe_target(settings)}", err=True)
    with open_client(settings) as client:
        yield client


@contextmanager
def progress_bar(quiet: bool, label: str) -> Iterator[Callable[[int, int | None], None]]:
    """A callback ``(done, total)`` for library progress, drawn as a bar on a terminal."""
    if quiet or not sys.stderr.isatty():
        yield lambda done, total: None
        return
    state: dict[str, Any] = {"bar": None, "done": 0}

    def update(done: int, total: int | None) -> None:
        if state["bar"] is None:
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(done - state["done"])
        state["done"] = done

    try:
        yield update
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


# --- lite ------------------------------------------------------------------------------------------


@main.group()
def lite() -> None:
    """The embedded Weaviate-compatible server."""


# === commands are added below this line (one section per command group) ===========================
