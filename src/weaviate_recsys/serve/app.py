"""The recommendation service: the library's recommender, profiles and interactions over HTTP (FastAPI).

The service keeps no state but caches: every replica connects to the same Weaviate (``settings.url``) and
answers the same. What it caches, per process: the connection, the embedding model (loaded on the first
request that embeds text), and each user's profile and recent history for ``settings.serve_cache_seconds``
(an interaction posted to a replica refreshes that user on that replica at once; other replicas see it when
their copy expires).

Errors are JSON (`ErrorResponse`) with the library's message: 404 for an unknown user or item, 422 for bad
parameters or bodies, 401 for a missing or wrong API key, 409 when the collections or the interest model
are missing, 503 when Weaviate cannot be reached.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import weaviate
from cachetools import TTLCache
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from weaviate.exceptions import WeaviateBaseError

from ..connection import describe_target
from ..errors import (
    ConfigurationError,
    ConnectionFailed,
    ModelNotTrained,
    RecsysError,
    SchemaMissing,
    UnknownItem,
    UnknownUser,
)
from ..plugin.history import read_history
from ..plugin.recommend import Recommender, UserSnapshot
from ..settings import Settings
from .models import (
    MAX_K,
    Audience,
    ErrorBody,
    ErrorResponse,
    Health,
    InteractionIn,
    InteractionStored,
    ProfileOut,
    RecommendationList,
    SimilarItems,
    TextRecommendationRequest,
)

__all__ = ["ServiceState", "create_app"]

#: How long after a request found Weaviate unreachable the next requests check it before running.
_RECHECK_SECONDS = 30.0
#: Users whose snapshots one process keeps at most (about 120 KB each: the profile's vectors are lists of
#: floats). Expired snapshots are dropped as new ones come in, so a process holds the users it served within
#: ``serve_cache_seconds``; past this many, the least recently used go first.
MAX_CACHED_USERS = 2_000


class ApiError(Exception):
    """An error answered with ``status`` and a JSON `ErrorResponse`."""

    def __init__(self, status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.headers = headers


class _LazyEmbedder:
    """The embedding model, loaded once per process by the first request that embeds text."""

    def __init__(self, settings: Settings, embedder: Any = None) -> None:
        self._settings = settings
        self._embedder = embedder
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._embedder is not None

    def get(self) -> Any:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    from ..loaders import get_embedder

                    self._embedder = get_embedder(self._settings)
        return self._embedder

    def __getattr__(self, name: str) -> Any:  # name, dim, embed_batch, ...: the model's own
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.get(), name)


class ServiceState:
    """What one service process holds: settings, the Weaviate connection, the recommender and the caches.

    Args:
        settings: connection, recommender and service settings.
        client: an open client to use (the caller closes it); default: connect like the CLI does
            (`connection.open_client`) on the first request that needs Weaviate, and again after a failure.
        embedder: the embedding model; default: `get_embedder(settings)`, loaded on first use.
        clock: monotonic seconds for the per-user cache (tests pass their own).
    """

    def __init__(
        self,
        settings: Settings,
        client: weaviate.WeaviateClient | None = None,
        embedder: Any = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.embedder = _LazyEmbedder(settings, embedder)
        self._client = client
        self._given_client = client is not None
        self._stack = ExitStack()
        self._lock = threading.Lock()
        self._recommender: Recommender | None = None
        self._users: TTLCache[str, UserSnapshot] | None = None
        if settings.serve_cache_seconds > 0:
            self._users = TTLCache(MAX_CACHED_USERS, settings.serve_cache_seconds, timer=clock)
        self._users_lock = threading.Lock()
        #: When a request last found Weaviate unreachable (monotonic seconds).
        self.failed_at = float("-inf")
        self._keys = [k.get_secret_value().encode() for k in settings.serve_api_keys if k.get_secret_value()]

    # --- connection -------------------------------------------------------------------------------

    def client(self) -> weaviate.WeaviateClient:
        """The connected client, connecting now if needed.

        Raises:
            ConnectionFailed: Weaviate cannot be reached.
        """
        if self._client is not None:
            return self._client
        with self._lock:
            if self._client is None:
                from ..connection import open_client

                self._client = self._stack.enter_context(open_client(self.settings))
            return self._client

    def recommender(self) -> Recommender:
        client = self.client()
        if self._recommender is None or self._recommender.client is not client:
            with self._lock:
                if self._recommender is None or self._recommender.client is not client:
                    self._recommender = Recommender(
                        client,
                        self.settings,
                        embedder=self.embedder,
                        item_cache_seconds=self.settings.serve_item_cache_seconds,
                        max_workers=self.settings.serve_query_threads,
                    )
        return self._recommender

    def reachable(self) -> bool:
        """Whether Weaviate answers now (the readiness probe; also tells a 503 from a 500)."""
        try:
            return bool(self.client().is_ready())
        except Exception:  # noqa: BLE001 - any failure to connect or answer means "not reachable"
            return False

    def close(self) -> None:
        if self._recommender is not None:
            self._recommender.close()
        self._stack.close()
        if not self._given_client:
            self._client = None

    # --- auth -------------------------------------------------------------------------------------

    @property
    def auth_enabled(self) -> bool:
        return bool(self._keys)

    def check_key(self, credentials: HTTPAuthorizationCredentials | None) -> None:
        """Accept the request when no keys are configured, or when it carries one of them as a Bearer token.

        Raises:
            ApiError: 401, with a ``WWW-Authenticate: Bearer`` header.
        """
        if not self._keys:
            return
        headers = {"WWW-Authenticate": "Bearer"}
        if credentials is None or not credentials.credentials:
            raise ApiError(
                401, "Unauthorized", "Missing API key: send the header 'Authorization: Bearer <key>'.", headers
            )
        given = credentials.credentials.encode()
        if not any(hmac.compare_digest(given, key) for key in self._keys):
            raise ApiError(
                401, "Unauthorized", "Wrong API key: send one of the keys the service was started with.", headers
            )

    # --- per-user cache ---------------------------------------------------------------------------

    def user(self, user_id: str) -> UserSnapshot:
        """The user's snapshot (profile, seen and liked items), reused for ``serve_cache_seconds``."""
        users = self._users
        if users is None:
            return self.recommender().read_user(user_id)
        with self._users_lock:
            hit = users.get(user_id)
        if hit is not None:
            return hit
        snapshot = self.recommender().read_user(user_id)
        with self._users_lock:
            users[user_id] = snapshot  # also drops the snapshots that have expired
        return snapshot

    def forget(self, user_id: str) -> None:
        if self._users is not None:
            with self._users_lock:
                self._users.pop(user_id, None)

    def cached_users(self) -> list[str]:
        """The users whose snapshots this process holds now (unexpired), least recently used first."""
        if self._users is None:
            return []
        with self._users_lock:
            self._users.expire()
            return list(self._users)


def _error(
    status: int,
    kind: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(status=status, type=kind, message=message, details=details))
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers)


def _validation_message(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors:
        loc = [str(x) for x in err.get("loc", ()) if x not in ("query", "path", "body")]
        where = ".".join(loc) or "request"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(parts) + "."


def _status_of(e: RecsysError) -> int:
    if isinstance(e, (UnknownUser, UnknownItem)):
        return 404
    if isinstance(e, ConfigurationError):
        return 422
    if isinstance(e, ConnectionFailed):
        return 503
    if isinstance(e, (SchemaMissing, ModelNotTrained)):
        return 409
    return 500


_OPENAPI_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong API key."},
    404: {"model": ErrorResponse, "description": "Unknown user or item."},
    422: {"model": ErrorResponse, "description": "Bad parameters or body."},
    503: {"model": ErrorResponse, "description": "Weaviate cannot be reached."},
}


_BEARER = HTTPBearer(auto_error=False, description="One of the service's API keys (`--serve-api-key`).")


def _static_dir() -> Path:
    return Path(str(resources.files("weaviate_recsys") / "serve" / "static"))


def create_app(
    settings: Settings | None = None, *, client: weaviate.WeaviateClient | None = None, embedder: Any = None
) -> FastAPI:
    """The service as an ASGI app (run it with uvicorn, or `weaviate-recsys serve`).

    Args:
        settings: connection, recommender and service settings (API keys, cache time); default: environment.
        client: an open client to serve from (the caller keeps it open and closes it); default: connect to
            ``settings.url`` (or the embedded lite server) on the first request.
        embedder: the embedding model for text; default: `get_embedder(settings)`, loaded on first use.
    """
    state = ServiceState(settings if settings is not None else Settings(), client=client, embedder=embedder)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="weaviate-recsys",
        summary="Recommendations with reasons from multi-granularity interest profiles stored in Weaviate.",
        version=_version(),
        lifespan=lifespan,
    )
    app.state.recsys = state

    async def require_key(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]) -> None:
        # async: a constant-time comparison needs no worker thread (a sync dependency would take one per request)
        state.check_key(credentials)

    def unreachable(e: Exception) -> ApiError:
        state.failed_at = time.monotonic()
        return ApiError(503, "ConnectionFailed", f"Weaviate cannot be reached: {e}")

    @contextmanager
    def weaviate_errors() -> Iterator[None]:
        """Library errors keep their message; a failure with Weaviate down becomes a 503.

        The client retries a lost connection for up to a minute; after one request found Weaviate gone, the
        next ones check it first (one quick request while it is up) and answer 503 at once while it is away.
        """
        if time.monotonic() - state.failed_at < _RECHECK_SECONDS and not state.reachable():
            raise unreachable(
                ConnectionFailed(
                    f"the {describe_target(state.settings)} did not answer the last requests; check that it is running"
                )
            )
        try:
            yield
        except ApiError:
            raise
        except RecsysError as e:
            status = _status_of(e)
            if status == 503 or (status == 500 and not state.reachable()):
                raise unreachable(e) from e
            raise ApiError(status, type(e).__name__, str(e)) from e
        except WeaviateBaseError as e:
            if not state.reachable():
                raise unreachable(e) from e
            raise ApiError(500, "WeaviateError", f"Weaviate answered with an error: {e}") from e
        except Exception as e:
            # Transport errors the client does not wrap (gRPC, HTTP): a 503 when Weaviate is down, else a 500.
            if not state.reachable():
                raise unreachable(e) from e
            raise

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.kind, exc.message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in dict(e).items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return _error(422, "ValidationError", _validation_message(errors), details=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = "NotFound" if exc.status_code == 404 else "HTTPError"
        return _error(exc.status_code, kind, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _error(500, "InternalError", "The service failed on this request; the service log has the details.")

    api = [Depends(require_key)]

    # --- health -----------------------------------------------------------------------------------

    @app.get("/healthz", response_model=Health, tags=["health"], summary="Liveness: the process answers.")
    def healthz() -> Health:
        return Health(status="ok")

    @app.get(
        "/readyz",
        response_model=Health,
        tags=["health"],
        summary="Readiness: Weaviate is reachable.",
        responses={503: {"model": Health}},
    )
    def readyz() -> Any:
        if state.reachable():
            return Health(status="ready")
        state.failed_at = time.monotonic()  # the next requests check before waiting on the client's retries
        return JSONResponse(
            Health(status="unavailable", detail="Weaviate cannot be reached.").model_dump(), status_code=503
        )

    # --- users ------------------------------------------------------------------------------------

    @app.get(
        "/users/{user_id}/recommendations",
        response_model=RecommendationList,
        tags=["users"],
        dependencies=api,
        responses=_OPENAPI_ERRORS,
    )
    def user_recommendations(
        user_id: str,
        k: Annotated[int, Query(ge=1, le=MAX_K, description="How many items.")] = 10,
        domain: Annotated[list[str] | None, Query(description="Only these domains (repeatable).")] = None,
        diversity: Annotated[float | None, Query(ge=0, le=1, description="MMR diversity 0..1.")] = None,
        exclude: Annotated[list[str] | None, Query(description="Item ids never to return (repeatable).")] = None,
        cold_start: Annotated[bool, Query(description="Serve an unknown user popular items instead of a 404.")] = False,
    ) -> RecommendationList:
        """The user's top ``k`` items, each with the reasons a person reads."""
        with weaviate_errors():
            items = state.recommender().recommend(
                user_id,
                k,
                domains=domain or None,
                diversity=diversity,
                exclude=exclude or (),
                cold_start=cold_start,
                snapshot=state.user(user_id),
            )
        return RecommendationList(user_id=user_id, k=k, items=items)

    @app.get(
        "/users/{user_id}/profile",
        response_model=ProfileOut,
        tags=["users"],
        dependencies=api,
        responses=_OPENAPI_ERRORS,
    )
    def user_profile(
        user_id: str,
        history: Annotated[int, Query(ge=0, le=MAX_K, description="How many recent interactions to list.")] = 20,
    ) -> ProfileOut:
        """The user's domains with weights, keywords, counts and recent interactions (no vectors)."""
        with weaviate_errors():
            snapshot = state.user(user_id)
            if snapshot.profile is None:
                raise UnknownUser(
                    f"No user {user_id!r}: it has no User object and no interactions. Load it with "
                    "`weaviate-recsys load users` or post an interaction first."
                )
            recent = read_history(state.client(), user_id, state.settings, limit=history)
        return ProfileOut.from_profile(snapshot.profile, recent)

    # --- interactions and text --------------------------------------------------------------------

    @app.post(
        "/interactions",
        response_model=InteractionStored,
        status_code=201,
        tags=["interactions"],
        dependencies=api,
        responses=_OPENAPI_ERRORS,
    )
    def post_interaction(interaction: InteractionIn) -> InteractionStored:
        """Store one interaction and rebuild that user's profile (only theirs)."""
        from ..plugin import record

        with weaviate_errors():
            data = interaction.model_dump(exclude_none=True)
            embedder = state.embedder if interaction.text else None
            profile = record(state.client(), data, state.settings, embedder=embedder)
            state.forget(interaction.user_id)
            recent = read_history(state.client(), interaction.user_id, state.settings, limit=20)
        return InteractionStored(profile=ProfileOut.from_profile(profile, recent))

    @app.post(
        "/recommendations/text",
        response_model=RecommendationList,
        tags=["recommendations"],
        dependencies=api,
        responses=_OPENAPI_ERRORS,
    )
    def text_recommendations(body: TextRecommendationRequest) -> RecommendationList:
        """Recommendations for free text (classified, keyword-extracted and embedded like a user's own text)."""
        with weaviate_errors():
            items = state.recommender().recommend_for_text(
                body.text, body.k, domains=body.domains or None, diversity=body.diversity, exclude=body.exclude
            )
        return RecommendationList(k=body.k, items=items)

    # --- items ------------------------------------------------------------------------------------

    @app.get(
        "/items/{item_id}/similar",
        response_model=SimilarItems,
        tags=["items"],
        dependencies=api,
        responses=_OPENAPI_ERRORS,
    )
    def similar_items(
        item_id: str,
        k: Annotated[int, Query(ge=1, le=MAX_K, description="How many items.")] = 10,
        diversity: Annotated[float, Query(ge=0, le=1, description="MMR diversity 0..1.")] = 0.0,
    ) -> SimilarItems:
        """Items similar to this one: by behaviour and content vectors where it has a behaviour vector, else by
        content; each item's ``reasons.found_by`` says which."""
        with weaviate_errors():
            items = state.recommender().similar_items(item_id, k, diversity=diversity)
        return SimilarItems(item_id=item_id, k=k, items=items)

    @app.get(
        "/items/{item_id}/audience",
        response_model=Audience,
        tags=["items"],
        dependencies=api,
        responses=_OPENAPI_ERRORS,
    )
    def item_audience(
        item_id: str,
        k: Annotated[int, Query(ge=1, le=MAX_K, description="How many users.")] = 10,
    ) -> Audience:
        """The users most interested in this item: their weight for its domain x interest similarity."""
        with weaviate_errors():
            users = state.recommender().audience(item_id, k)
        return Audience(item_id=item_id, k=k, users=users)

    # --- the page ---------------------------------------------------------------------------------

    static = _static_dir()
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(static / "index.html")

    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("weaviate-recsys")
    except PackageNotFoundError:
        return "0"
