"""The REST side of the lite server (``/v1/...``), on the standard library's threading HTTP server.

Covers the calls weaviate-client 4.x makes over REST: the connect handshake (§1.1), schema
(§2.1-2.2), single-object writes (§2.3), ``/v1/nodes`` for dynamic batching (§1.4). Error bodies
are ``{"error":[{"message":...}]}`` with Weaviate's status codes (§7).
"""

from __future__ import annotations

import bisect
import json
import logging
import re
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

from weaviate_recsys.lite.api_errors import ApiError, NotFound, Unprocessable
from weaviate_recsys.lite.auth import UNAUTHENTICATED_MESSAGE, ApiKeys
from weaviate_recsys.lite.collection import Collection, Record
from weaviate_recsys.lite.database import Database, IncomingObject
from weaviate_recsys.lite.grpc_api import MAX_MESSAGE_SIZE
from weaviate_recsys.lite.limits import ServerLimits
from weaviate_recsys.lite.values import canonical_uuid

__all__ = ["build_http_server", "SERVER_VERSION", "MAX_BODY_BYTES"]

log = logging.getLogger(__name__)

SERVER_VERSION = "1.36.5"  # §1.3: >= 1.36.0 and < 1.36.6 (client sends an explicit alpha)
MAX_BODY_BYTES = ServerLimits().max_body_bytes
_DRAIN_CHUNK = 1 << 16


class _Reply(Exception):
    def __init__(self, status: int, body: Any = None) -> None:
        self.status = status
        self.body = body


def _object_json(coll: Collection, rec: Record, with_vector: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "class": coll.name,
        "id": rec.uuid,
        "properties": rec.props,
        "creationTimeUnix": rec.created,
        "lastUpdateTimeUnix": rec.updated,
    }
    if with_vector:
        stored = coll.vectors_of(rec)
        if coll.spec.legacy_vector:
            vec = stored.pop("default", None)
            if vec is not None:
                out["vector"] = np.asarray(vec, dtype=np.float32).tolist()
        if not coll.spec.legacy_vector or len(coll.spec.vectors) > 1:  # named vectors, maybe beside the legacy one
            out["vectors"] = {k: np.asarray(v, dtype=np.float32).tolist() for k, v in stored.items()}
    return out


def _incoming(body: Any, collection: str | None = None, uid: str | None = None) -> IncomingObject:
    if not isinstance(body, dict):
        raise Unprocessable("invalid object: the body must be a JSON object")
    vectors: dict[str, Any] = {}
    if body.get("vector") is not None:
        vectors[""] = body["vector"]
    given = body.get("vectors")
    if given is not None:
        if not isinstance(given, dict):
            raise Unprocessable("invalid object: vectors must be a JSON object of named vectors")
        for name, v in given.items():
            if isinstance(v, list) and v and isinstance(v[0], list):
                raise Unprocessable("invalid object: multi-vector embeddings are not supported by the lite server")
            vectors[name] = v
    cls = collection or body.get("class") or ""
    if collection and body.get("class") and str(body["class"]).lower() != collection.lower():
        raise Unprocessable("invalid object: the class in the body does not match the one in the path")
    oid = uid if uid is not None else body.get("id")
    if uid is not None and body.get("id") and str(body["id"]).lower() != uid.lower():
        raise Unprocessable("invalid object: the id in the body does not match the one in the path")
    return IncomingObject(
        collection=str(cls),
        uuid=oid,
        properties=body.get("properties"),
        vectors=vectors,
        tenant=str(body.get("tenant") or ""),
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, each reply waits for the client's delayed ACK
    # (~40 ms per REST call).
    disable_nagle_algorithm = True
    server_version = "weaviate-recsys-lite"
    db: Database  # set on the subclass by build_http_server
    meta: dict[str, Any]
    keys: ApiKeys
    limits: ServerLimits
    _body_pending = False  # the current request's body has not been read yet

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from stdlib
        log.debug("%s " + format, self.address_string(), *args)

    # --- plumbing ------------------------------------------------------------------------

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors (malformed request line, unknown method) as JSON, like every other reply;
        an unknown method is 405, as Weaviate answers it, not the standard library's 501."""
        if code == 501:
            code, message = 405, f"method {self.command} is not allowed"
        self.close_connection = True  # the request could not be parsed: its body cannot be found either
        if self.request_version == "HTTP/0.9":  # unparsable request line: still answer with a status line
            self.request_version = "HTTP/1.1"
        self._body_pending = False
        try:
            self._send(code, {"code": code, "message": message or explain or "bad request"})
        except OSError:
            pass

    def _send(self, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self._discard_body()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    def _body_length(self) -> int | None:
        """The declared body length; None when it cannot be known (chunked, malformed)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        return length if length >= 0 else None

    def _discard_body(self) -> None:
        """Read an unread request body before answering, so its bytes are not taken for the next request on
        this keep-alive connection; a body too large (or of unknown length) closes the connection instead."""
        if not self._body_pending:
            return
        self._body_pending = False
        length = self._body_length()
        if length is None or length > self.limits.max_body_bytes:
            self.close_connection = True
            return
        while length > 0:
            chunk = self.rfile.read(min(length, _DRAIN_CHUNK))
            if not chunk:
                self.close_connection = True
                return
            length -= len(chunk)

    def _body(self) -> Any:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raise _Reply(411, {"code": 411, "message": "chunked request bodies are not supported; send Content-Length"})
        length = self._body_length()
        if length is None:
            raise _Reply(400, {"code": 400, "message": "invalid Content-Length header"})
        limit = self.limits.max_body_bytes
        if length > limit:
            raise _Reply(413, {"error": [{"message": f"request body too large: {length} bytes; the limit is {limit}"}]})
        self._body_pending = False
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:
            self.close_connection = True
            raise _Reply(400, {"code": 400, "message": "the request body ended before its Content-Length"})
        if not raw:
            return None
        too_deep = False
        try:
            body = json.loads(raw)
        except RecursionError:
            body, too_deep = None, True
        except (ValueError, UnicodeDecodeError) as e:
            raise _Reply(400, {"code": 400, "message": f'parsing body body from "" failed, because {e}'}) from None
        if too_deep or _too_deep(body, self.limits.max_json_depth):
            raise _Reply(
                400,
                {
                    "code": 400,
                    "message": 'parsing body body from "" failed, because the JSON is '
                    f"nested deeper than {self.limits.max_json_depth} levels",
                },
            )
        return body

    def _handle(self) -> None:
        self._body_pending = True
        try:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            path = parts.path.rstrip("/") or "/"
            if not path.startswith("/v1/.well-known/") and not self.keys.accepts(self.headers.get("Authorization")):
                raise _Reply(401, {"code": 401, "message": UNAUTHENTICATED_MESSAGE})
            status, body = self._route(self.command, path, query)
            self._send(status, body)
        except _Reply as r:
            self._send(r.status, r.body)
        except RecursionError:
            self._send(400, {"error": [{"message": "the request is nested too deeply"}]})
        except TimeoutError:
            self.close_connection = True
        except ApiError as e:
            if isinstance(e, NotFound) and self.command in ("HEAD", "PUT", "PATCH", "DELETE", "GET"):
                self._send(404)
            else:
                self._send(e.status, {"error": [{"message": e.message}]})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # noqa: BLE001 - keep serving whatever happens
            log.exception("lite REST handler failed")
            self._send(500, {"error": [{"message": f"internal error in the lite server: {type(e).__name__}: {e}"}]})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle  # noqa: N815

    # --- routes --------------------------------------------------------------------------

    def _route(self, method: str, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        if not path.startswith("/v1"):
            raise _Reply(404, {"code": 404, "message": f"path {path} was not found"})
        path = path[3:] or "/"
        if path == "/.well-known/openid-configuration":
            raise _Reply(404, {"code": 404, "message": "OIDC is not configured"})  # §1.1: no auth
        if path in ("/.well-known/ready", "/.well-known/live"):
            return 200, None
        if path == "/meta" and method == "GET":
            return 200, self.meta
        if path == "/" and method == "GET":
            return 200, {"links": [{"href": "/v1/meta", "name": "Meta information about this instance/cluster"}]}
        if path == "/nodes" or path.startswith("/nodes/"):
            return 200, self._nodes(query)
        if path == "/graphql" or path.startswith("/graphql/"):
            raise Unprocessable("GraphQL is not supported by the lite server; use the gRPC API (weaviate-client v4)")
        m = re.fullmatch(r"/schema(?:/([^/]+))?(?:/(properties|shards|tenants)(?:/([^/]+))?)?", path)
        if m:
            return self._schema(method, m.group(1), m.group(2))
        m = re.fullmatch(r"/objects(?:/([^/]+))?(?:/([^/]+))?(?:/(references)(?:/.*)?)?", path)
        if m:
            return self._objects(method, m.group(1), m.group(2), m.group(3), query)
        if path.startswith("/batch"):
            raise Unprocessable("REST batching is not supported by the lite server; the v4 client batches over gRPC")
        if path.startswith(("/backups", "/replication", "/cluster", "/users", "/authz", "/classifications")):
            raise _Reply(501, {"error": [{"message": f"{path.split('/')[1]} is not supported by the lite server"}]})
        raise _Reply(404, {"code": 404, "message": f"path /v1{path} was not found"})

    def _nodes(self, query: dict[str, list[str]]) -> dict[str, Any]:
        with self.db.lock:
            shards: list[dict[str, Any]] = [
                {
                    "name": "lite",
                    "class": c.name,
                    "objectCount": len(c),
                    "vectorIndexingStatus": "READY",
                    "vectorQueueLength": 0,
                    "compressed": False,
                    "loaded": True,
                }
                for c in self.db.collections.values()
            ]
        total = sum(s["objectCount"] for s in shards)
        node: dict[str, Any] = {
            "name": "lite",
            "status": "HEALTHY",
            "version": SERVER_VERSION,
            "gitHash": "lite",
            "stats": {"shardCount": len(shards), "objectCount": total},
            "batchStats": {"queueLength": 0, "ratePerSecond": 0},
        }
        if query.get("output", ["minimal"])[0] == "verbose":
            node["shards"] = shards
        return {"nodes": [node]}

    def _schema(self, method: str, name: str | None, sub: str | None) -> tuple[int, Any]:
        db = self.db
        if name is None:
            if method == "GET":
                return 200, {"classes": db.list_classes()}
            if method == "POST":
                return 200, db.create_class(self._body())
            raise _Reply(405, {"code": 405, "message": f"method {method} is not allowed"})
        if sub is None:
            if method in ("GET", "HEAD"):
                return 200, db.get_class(name)
            if method == "DELETE":
                db.delete_class(name)
                return 200, None
            if method == "PUT":
                return 200, db.update_class(name, self._body())
            raise _Reply(405, {"code": 405, "message": f"method {method} is not allowed"})
        if sub == "properties" and method == "POST":
            return 200, db.add_property(name, self._body())
        if sub == "shards" and method == "GET":
            with db.lock:
                coll = db.find(name)
                if coll is None:
                    raise NotFound()
                return 200, [{"name": "lite", "status": "READY", "vectorQueueSize": 0}]
        if sub == "shards" and method == "PUT":
            body = self._body()
            with db.lock:
                if db.find(name) is None:
                    raise NotFound()
            status = body.get("status") if isinstance(body, dict) else None
            if status != "READY":  # the one shard is always READY
                raise Unprocessable(
                    f"shard status {status!r} is not supported by the lite server: its one shard is always READY"
                )
            return 200, {"status": "READY"}
        if sub == "tenants":
            raise Unprocessable("multi-tenancy is not supported by the lite server")
        raise _Reply(405, {"code": 405, "message": f"method {method} is not allowed"})

    def _objects(
        self, method: str, a: str | None, b: str | None, refs: str | None, query: dict[str, list[str]]
    ) -> tuple[int, Any]:
        db = self.db
        if refs:
            raise Unprocessable("cross-references are not supported by the lite server")
        if query.get("tenant"):
            raise Unprocessable("multi-tenancy is not supported by the lite server (tenant given)")
        with_vector = "vector" in ",".join(query.get("include", []))
        if a is None:
            if method == "POST":
                body = self._body()
                rec = db.insert_object(_incoming(body))
                with db.lock:
                    coll = db.collection(body["class"])
                    return 200, _object_json(coll, rec, True)
            if method == "GET":
                return 200, self._list(query, with_vector)
            raise _Reply(405, {"code": 405, "message": f"method {method} is not allowed"})
        if b is None:
            if a == "validate" and method == "POST":
                body = self._body()
                with db.lock:
                    inc = _incoming(body)
                    target = db.find(inc.collection)
                    if target is None:
                        raise Unprocessable(f'invalid object: class "{inc.collection}" not found in schema')
                    db._wrap(lambda: db._prepare(target, inc, via_grpc=False, pending_dims={}))
                return 200, None
            # deprecated class-less form /v1/objects/{id}
            uid = _uuid_or_404(a)
            with db.lock:
                for coll in db.collections.values():
                    if coll.get(uid) is not None:
                        return self._object_call(method, coll.name, uid, with_vector)
            raise NotFound()
        return self._object_call(method, a, b, with_vector)

    def _object_call(self, method: str, cls: str, uid: str, with_vector: bool) -> tuple[int, Any]:
        db = self.db
        uid = _uuid_or_404(uid)
        if method in ("GET", "HEAD"):
            coll, rec = db.get_object(cls, uid)
            if method == "HEAD":
                return 204, None
            with db.lock:
                return 200, _object_json(coll, rec, with_vector)
        if method == "DELETE":
            db.delete_object(cls, uid)
            return 204, None
        if method == "PUT":
            rec = db.replace_object(_incoming(self._body(), cls, uid))
            with db.lock:
                return 200, _object_json(db.collection(cls), rec, True)
        if method == "PATCH":
            body = self._body()
            if body is None:
                raise Unprocessable("invalid object: empty body")
            db.merge_object(_incoming(body, cls, uid))
            return 204, None
        raise _Reply(405, {"code": 405, "message": f"method {method} is not allowed"})

    def _list(self, query: dict[str, list[str]], with_vector: bool) -> dict[str, Any]:
        cls = (query.get("class") or [""])[0]
        try:
            limit = int((query.get("limit") or ["25"])[0])
            offset = int((query.get("offset") or ["0"])[0])
        except ValueError:
            raise Unprocessable("limit and offset must be integers") from None
        if limit < 0 or offset < 0:
            raise Unprocessable(f"limit ({limit}) and offset ({offset}) must not be negative")
        if offset + limit > self.limits.max_results:
            raise Unprocessable(
                f"query maximum results exceeded: offset ({offset}) + limit ({limit}) must not exceed "
                f"{self.limits.max_results}"
            )
        after = (query.get("after") or [""])[0]
        db = self.db
        with db.lock:
            colls = [db.collection(cls)] if cls else list(db.collections.values())
            out = []
            for coll in colls:
                uuids = coll.sorted_uuids()
                if after:
                    uuids = uuids[bisect.bisect_right(uuids, after.lower()) :]
                for u in uuids:
                    out.append(_object_json(coll, coll.records[u], with_vector))
            page = out[offset : offset + limit]
            return {"objects": page, "totalResults": len(page)}


def _uuid_or_404(value: str) -> str:
    try:
        return canonical_uuid(value)
    except ValueError:
        raise NotFound() from None


def _too_deep(value: Any, max_depth: int) -> bool:
    """Whether arrays/objects nest deeper than ``max_depth`` (iterative: a deep body cannot overflow the stack)."""
    if not isinstance(value, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > max_depth:
                    return True
                stack.append((child, depth + 1))
    return False


_BUSY = json.dumps({"error": [{"message": "the lite server has too many open connections; retry later"}]}).encode()


class _Server(ThreadingHTTPServer):
    """One thread per connection, at most ``limits.max_connections`` of them; more are answered 503."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128
    limits: ServerLimits

    def server_activate(self) -> None:
        self._slots = threading.BoundedSemaphore(self.limits.max_connections)
        super().server_activate()

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._refuse(request)
            return
        try:
            threading.Thread(
                target=self.process_request_thread,
                args=(request, client_address),
                name=f"lite-http-{self.server_address[1]}",
                daemon=True,
            ).start()
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _refuse(self, request: Any) -> None:
        try:
            request.settimeout(1.0)
            request.sendall(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {len(_BUSY)}\r\nRetry-After: 1\r\n\r\n".encode()
                + _BUSY
            )
        except OSError:
            pass
        self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("lite REST connection error from %s", client_address, exc_info=True)


def build_http_server(
    db: Database, host: str, port: int, *, limits: ServerLimits | None = None, api_keys: ApiKeys | None = None
) -> ThreadingHTTPServer:
    """A bound (not yet serving) HTTP server; ``server.server_address[1]`` is the port.

    Args:
        limits: connection cap, idle timeout, body size and nesting (defaults: `ServerLimits()`).
        api_keys: keys a request must carry (``Authorization: Bearer``); None or empty: open.
    """
    limits = limits or ServerLimits()
    meta = {
        "hostname": "http://[::]:8080",
        "version": SERVER_VERSION,
        "modules": {},
        "grpcMaxMessageSize": MAX_MESSAGE_SIZE,
    }
    handler: Callable[..., Any] = type(
        "LiteHandler",
        (_Handler,),
        {
            "db": db,
            "meta": meta,
            "keys": api_keys or ApiKeys(),
            "limits": limits,
            # a socket timeout per read: idle keep-alive connections and requests trickled in byte by byte
            # end, and handle_one_request closes the connection
            "timeout": limits.idle_timeout_s,
        },
    )
    attrs: dict[str, Any] = {"limits": limits}
    if ":" in host:
        attrs["address_family"] = socket.AF_INET6
    server_cls = type("LiteHTTPServer", (_Server,), attrs)
    return server_cls((host, port), handler)
