"""The gRPC side of the lite server: ``weaviate.v1.Weaviate`` and ``grpc.health.v1.Health``.

Uses the protobuf stubs shipped inside weaviate-client, so the wire format is exactly what the
client speaks. Logical errors are status UNKNOWN (never UNAVAILABLE, which the client retries
for about a minute, §1.2); batch errors are per object, by request index (§2.4).
"""

from __future__ import annotations

import logging
import time
import uuid as uuid_mod
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import numpy as np
from weaviate.proto.v1 import (
    aggregate_pb2,
    base_pb2,
    batch_delete_pb2,
    batch_pb2,
    health_weaviate_pb2,
    search_get_pb2,
    weaviate_pb2_grpc,
)

from weaviate_recsys.lite.api_errors import ApiError
from weaviate_recsys.lite.auth import UNAUTHENTICATED_MESSAGE, ApiKeys
from weaviate_recsys.lite.collection import Collection, Record
from weaviate_recsys.lite.database import Database, IncomingObject
from weaviate_recsys.lite.limits import SearchTimeout, ServerLimits, search_deadline
from weaviate_recsys.lite.schema import PropertySpec
from weaviate_recsys.lite.search import Hit, SearchOutcome, run_search

__all__ = ["WeaviateService", "build_grpc_server", "MAX_MESSAGE_SIZE"]

log = logging.getLogger(__name__)

MAX_MESSAGE_SIZE = 104858000  # Weaviate's default grpcMaxMessageSize (§1.1)
_SINGLE_FP32 = base_pb2.Vectors.VECTOR_TYPE_SINGLE_FP32


# --- decoding batch objects (§2.4) -----------------------------------------------------------


def _struct_value(v: Any) -> Any:
    kind = v.WhichOneof("kind")
    if kind == "string_value" or kind == "number_value" or kind == "bool_value":
        return getattr(v, kind)
    if kind == "null_value" or kind is None:
        return None
    if kind == "struct_value":
        return {k: _struct_value(x) for k, x in v.struct_value.fields.items()}
    return [_struct_value(x) for x in v.list_value.values]


def _object_value(msg: Any) -> dict[str, Any]:
    """``ObjectPropertiesValue`` / ``BatchObject.Properties`` -> plain dict (only set fields visited)."""
    out: dict[str, Any] = {}
    for field, value in msg.ListFields():
        name = field.name
        if name == "non_ref_properties":
            for k, v in value.fields.items():
                out[k] = _struct_value(v)
        elif name == "number_array_properties":
            for p in value:
                out[p.prop_name] = (
                    np.frombuffer(p.values_bytes, dtype="<f8").tolist() if p.values_bytes else list(p.values)
                )
        elif name in ("int_array_properties", "text_array_properties", "boolean_array_properties"):
            for p in value:
                out[p.prop_name] = list(p.values)
        elif name == "object_properties":
            for p in value:
                out[p.prop_name] = _object_value(p.value)
        elif name == "object_array_properties":
            for p in value:
                out[p.prop_name] = [_object_value(v) for v in p.values]
        elif name == "empty_list_props":
            for n in value:
                out[n] = []
    return out


def decode_batch_object(obj: Any) -> IncomingObject:
    """Turn a ``BatchObject`` into an IncomingObject (vectors decoded with numpy.frombuffer)."""
    props = obj.properties
    if len(props.single_target_ref_props) or len(props.multi_target_ref_props):
        raise ApiError("cross-references are not supported by the lite server")
    vectors: dict[str, Any] = {}
    if obj.vector_bytes:
        vectors[""] = _frombuffer32(obj.vector_bytes)
    elif len(obj.vector):
        vectors[""] = list(obj.vector)
    for v in obj.vectors:
        if int(v.type) == base_pb2.Vectors.VECTOR_TYPE_MULTI_FP32:
            raise ApiError("multi-vector (ColBERT) embeddings are not supported by the lite server")
        vectors[v.name] = _frombuffer32(v.vector_bytes)
    return IncomingObject(
        collection=obj.collection,
        uuid=obj.uuid,
        properties=_object_value(props),
        vectors=vectors,
        tenant=obj.tenant,
    )


def _frombuffer32(data: bytes) -> np.ndarray:
    if len(data) % 4:
        raise ApiError("vector bytes length is not a multiple of 4 (float32 little-endian expected)")
    return np.frombuffer(data, dtype="<f4")


# --- encoding results (§2.7) ----------------------------------------------------------------


def _set_value(target: Any, data_type: str, value: Any, nested: list[dict[str, Any]] | None) -> None:
    if value is None:
        target.null_value = 0
        return
    base = data_type.removesuffix("[]")
    if data_type.endswith("[]"):
        lv = target.list_value
        if base == "text":
            lv.text_values.SetInParent()
            lv.text_values.values.extend(value)
        elif base == "int":
            lv.int_values.values = np.asarray(value, dtype="<i8").tobytes()
        elif base == "number":
            lv.number_values.values = np.asarray(value, dtype="<f8").tobytes()
        elif base == "boolean":
            lv.bool_values.SetInParent()
            lv.bool_values.values.extend(value)
        elif base == "date":
            lv.date_values.SetInParent()
            lv.date_values.values.extend(value)
        elif base == "uuid":
            lv.uuid_values.SetInParent()
            lv.uuid_values.values.extend(value)
        elif base == "object":
            lv.object_values.SetInParent()
            for item in value:
                _fill_object(lv.object_values.values.add(), item, nested)
        return
    if base == "text":
        target.text_value = value
    elif base == "int":
        target.int_value = int(value)
    elif base == "number":
        target.number_value = float(value)
    elif base == "boolean":
        target.bool_value = bool(value)
    elif base == "date":
        target.date_value = value
    elif base == "uuid":
        target.uuid_value = value
    elif base == "object":
        target.object_value.SetInParent()
        _fill_object(target.object_value, value, nested)


def _infer_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return (_infer_type(value[0]) + "[]") if value else "text[]"
    return "text"


def _fill_object(msg: Any, value: dict[str, Any], nested: list[dict[str, Any]] | None) -> None:
    specs = {n["name"]: n for n in nested or []}
    for k, v in value.items():
        spec = specs.get(k)
        data_type = spec["dataType"][0] if spec else _infer_type(v)
        if spec and spec["dataType"][0] == "int" and isinstance(v, float):
            v = int(v)
        _set_value(msg.fields[k], data_type, v, spec.get("nestedProperties") if spec else None)


_Selection = dict[str, "_Selection | None"]


def _nested_selection(req: Any) -> _Selection:
    """An ``ObjectPropertiesRequest`` (``QueryNested``) as {field: its own selection, None = whole}."""
    out: _Selection = dict.fromkeys(req.primitive_properties)
    out.update({o.prop_name: _nested_selection(o) for o in req.object_properties})
    return out


def _select_nested(value: Any, selection: _Selection) -> Any:
    """Only the selected fields of an object (or of each object of an object[]) value."""
    if isinstance(value, list):
        return [_select_nested(v, selection) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for name, sub in selection.items():
        if name in value:
            v = value[name]
            out[name] = v if sub is None or v is None else _select_nested(v, sub)
    return out


class _ReplyBuilder:
    def __init__(self, coll: Collection, req: Any, outcome: SearchOutcome) -> None:
        self.coll = coll
        self.outcome = outcome
        md = req.metadata if req.HasField("metadata") else None
        # property -> the nested fields asked for (None: the whole value)
        self.selection: dict[str, _Selection | None] = {}
        if req.HasField("properties"):
            p = req.properties
            if p.return_all_nonref_properties:
                self.selection = dict.fromkeys(coll.spec.properties)
            self.selection.update(dict.fromkeys(p.non_ref_properties))
            self.selection.update({o.prop_name: _nested_selection(o) for o in p.object_properties})
            for name in self.selection:
                if name not in coll.spec.properties:
                    # W:entities/schema/errors.go: what Weaviate answers for a property the class lacks
                    raise ApiError(
                        f"no such prop with name '{name}' found in class '{coll.name}' in the schema. "
                        "Check your schema files for which properties in this class are available"
                    )
            self.props = [coll.spec.properties[n] for n in self.selection]
        else:
            self.props = list(coll.spec.properties.values())  # §2.5: unset = all non-ref properties
        self.nested = {p["name"]: p.get("nestedProperties") for p in coll.spec.json.get("properties", [])}
        self.want_vectors: list[str] | None = None
        if md is not None:
            if md.vector:
                self.want_vectors = list(coll.spec.vectors)  # §2.7: all named vectors
            elif len(md.vectors):
                self.want_vectors = list(md.vectors)
        # read once per reply rather than once per result: the metadata asked for, and how each selected
        # property is encoded
        self.wanted = (
            None
            if md is None
            else (
                md.creation_time_unix,
                md.last_update_time_unix,
                md.score,
                md.explain_score,
                md.distance,
                md.certainty,
                md.is_consistent,
            )
        )
        self.encodings = [
            (p.name, p.data_type, self.selection.get(p.name), self.nested.get(p.name)) for p in self.props
        ]

    def result(self, hit: Hit, out: Any) -> None:
        rec = hit.rec
        m = out.metadata
        m.id = rec.uuid
        m.id_as_bytes = bytes.fromhex(rec.uuid.replace("-", ""))
        if self.wanted is not None:
            created, updated, score, explain, distance, certainty, consistent = self.wanted
            if created:
                m.creation_time_unix = rec.created
                m.creation_time_unix_present = True
            if updated:
                m.last_update_time_unix = rec.updated
                m.last_update_time_unix_present = True
            if score:
                m.score = hit.score or 0.0
                m.score_present = True
            if explain:
                ex = hit.explain
                m.explain_score = (ex() if callable(ex) else ex) or ""
                m.explain_score_present = True
            if distance and hit.distance is not None:
                m.distance = hit.distance
                m.distance_present = True
            if certainty and hit.certainty is not None:
                m.certainty = hit.certainty
                m.certainty_present = True
            if consistent:
                m.is_consistent = True
                m.is_consistent_present = True
            if self.want_vectors:
                stored = self.coll.vectors_of(rec)
                for name in self.want_vectors:
                    vec = stored.get(name)
                    if vec is None:
                        continue
                    data = np.asarray(vec, dtype="<f4").tobytes()
                    # the client reads vector_bytes alone when set: beside named vectors "default" is one of them
                    if self.coll.spec.legacy_vector and name == "default" and len(self.coll.spec.vectors) == 1:
                        m.vector_bytes = data
                    else:
                        m.vectors.add(name=name, vector_bytes=data, type=_SINGLE_FP32)
        props = out.properties
        props.target_collection = self.coll.name
        fields = props.non_ref_props.fields
        values = rec.props
        for name, data_type, selected, nested in self.encodings:
            value = values.get(name)
            if selected is not None and value is not None:
                value = _select_nested(value, selected)
            _set_value(fields[name], data_type, value, nested)
        props.non_ref_props.SetInParent()


# --- the service ----------------------------------------------------------------------------


class WeaviateService(weaviate_pb2_grpc.WeaviateServicer):
    """Search, BatchObjects, BatchDelete, Aggregate (and BatchStream) over one Database."""

    def __init__(self, db: Database, limits: ServerLimits | None = None) -> None:
        self.db = db
        self.limits = limits or ServerLimits()

    def _deadline_s(self, context: grpc.ServicerContext) -> float:
        """The server's search time limit, or the client's deadline when that comes first."""
        remaining = context.time_remaining()
        limit = self.limits.search_timeout_s
        return limit if remaining is None else max(0.0, min(limit, remaining))

    def _abort(self, context: grpc.ServicerContext, e: Exception) -> None:
        if isinstance(e, SearchTimeout):
            context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, e.message)
        if isinstance(e, RecursionError):
            context.abort(grpc.StatusCode.UNKNOWN, "the request is nested too deeply")
        if isinstance(e, ApiError):
            context.abort(grpc.StatusCode.UNKNOWN, e.message)
        log.exception("lite gRPC handler failed")
        context.abort(grpc.StatusCode.UNKNOWN, f"internal error in the lite server: {type(e).__name__}: {e}")

    def Search(self, request: Any, context: grpc.ServicerContext) -> Any:
        started = time.perf_counter()
        try:
            with search_deadline(self._deadline_s(context)), self.db.lock:
                coll = self.db.find(request.collection)
                if coll is None:
                    raise ApiError(f"could not find class {request.collection} in schema")
                outcome = run_search(coll, request)
                reply = search_get_pb2.SearchReply()
                builder = _ReplyBuilder(coll, request, outcome)
                for hit in outcome.hits:
                    builder.result(hit, reply.results.add())
            reply.took = time.perf_counter() - started
            return reply
        except Exception as e:  # noqa: BLE001 - every failure becomes a Weaviate-shaped status
            self._abort(context, e)

    def BatchObjects(self, request: Any, context: grpc.ServicerContext) -> Any:
        started = time.perf_counter()
        try:
            errors: dict[int, str] = {}
            decoded: list[IncomingObject] = []
            positions: list[int] = []
            for i, obj in enumerate(request.objects):
                try:
                    decoded.append(decode_batch_object(obj))
                    positions.append(i)
                except ApiError as e:
                    errors[i] = e.message
            inner = self.db.batch_put(decoded)
            for j, msg in inner.items():
                errors[positions[j]] = msg
            reply = batch_pb2.BatchObjectsReply(took=time.perf_counter() - started)
            for i in sorted(errors):
                reply.errors.add(index=i, error=errors[i])
            return reply
        except Exception as e:  # noqa: BLE001
            self._abort(context, e)

    def BatchDelete(self, request: Any, context: grpc.ServicerContext) -> Any:
        started = time.perf_counter()
        try:
            if request.tenant:
                raise ApiError("multi-tenancy is not supported by the lite server (tenant given)")
            if not request.HasField("filters"):
                raise ApiError("batch delete needs a filter (where)")
            coll, uuids = self.db.batch_delete(
                request.collection, lambda c: c.filters.evaluate(request.filters), request.dry_run
            )
            reply = batch_delete_pb2.BatchDeleteReply(
                took=time.perf_counter() - started, failed=0, matches=len(uuids), successful=len(uuids)
            )
            if request.verbose:
                for u in uuids:
                    reply.objects.add(uuid=uuid_mod.UUID(u).bytes, successful=True)
            return reply
        except Exception as e:  # noqa: BLE001
            self._abort(context, e)

    def Aggregate(self, request: Any, context: grpc.ServicerContext) -> Any:
        started = time.perf_counter()
        try:
            with search_deadline(self._deadline_s(context)), self.db.lock:
                coll = self.db.find(request.collection)
                if coll is None:
                    raise ApiError(f"could not find class {request.collection} in schema")
                reply = _aggregate(coll, request)
            reply.took = time.perf_counter() - started
            return reply
        except Exception as e:  # noqa: BLE001
            self._abort(context, e)

    def BatchReferences(self, request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(grpc.StatusCode.UNKNOWN, "cross-references are not supported by the lite server")

    def TenantsGet(self, request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(grpc.StatusCode.UNKNOWN, "multi-tenancy is not supported by the lite server")

    def BatchStream(self, request_iterator: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
        """Server-side batching (``.stream()``, ``data.ingest()``): objects in, acks and results out.

        The client stops sending once a batch size (100) of objects is unacknowledged, so every data
        message is acknowledged as soon as it arrives (Weaviate's ``BatchStreamReply.Acks``), then answered
        with one result per object (by uuid) and per reference (by beacon).
        """
        try:
            for msg in request_iterator:
                which = msg.WhichOneof("message")
                if which == "start":
                    yield batch_pb2.BatchStreamReply(started=batch_pb2.BatchStreamReply.Started())
                elif which == "data":
                    objs = list(msg.data.objects.values)
                    refs = list(msg.data.references.values)
                    beacons = [_beacon(r) for r in refs]
                    yield batch_pb2.BatchStreamReply(
                        acks=batch_pb2.BatchStreamReply.Acks(uuids=[o.uuid for o in objs], beacons=beacons)
                    )
                    results = batch_pb2.BatchStreamReply.Results()
                    for beacon in beacons:
                        results.errors.add(error="cross-references are not supported by the lite server", beacon=beacon)
                    errors: dict[int, str] = {}
                    decoded, positions = [], []
                    for i, obj in enumerate(objs):
                        try:
                            decoded.append(decode_batch_object(obj))
                            positions.append(i)
                        except ApiError as e:
                            errors[i] = e.message
                    if decoded:
                        for j, m in self.db.batch_put(decoded).items():
                            errors[positions[j]] = m
                    for i, obj in enumerate(objs):
                        if i in errors:
                            results.errors.add(error=errors[i], uuid=obj.uuid)
                        else:
                            results.successes.add(uuid=obj.uuid)
                    if objs or refs:
                        yield batch_pb2.BatchStreamReply(results=results)
                elif which == "stop":
                    return
        except Exception as e:  # noqa: BLE001
            self._abort(context, e)


def _beacon(ref: Any) -> str:
    """How the client names a reference in acks and results (``BatchReference._to_beacon``)."""
    return f"weaviate://localhost/{ref.from_collection}/{ref.from_uuid}/{ref.name}"


def _aggregate(coll: Collection, req: Any) -> Any:
    for unsupported in ("hybrid", "near_vector", "near_object", "near_text", "near_image"):
        if req.HasField(unsupported):
            raise ApiError(f"aggregate with {unsupported} is not supported by the lite server")
    if req.tenant:
        raise ApiError("multi-tenancy is not supported by the lite server (tenant given)")
    mask = coll.filters.evaluate(req.filters) if req.HasField("filters") else coll.filters.all_alive()
    docs = np.flatnonzero(mask).tolist()
    recs = [r for r in (coll.by_doc[d] for d in docs) if r is not None]
    reply = aggregate_pb2.AggregateReply()
    if req.HasField("group_by"):
        prop = coll.spec.properties.get(req.group_by.property)
        if prop is None:
            raise ApiError(
                f"no such prop with name '{req.group_by.property}' found in class '{coll.name}' in the schema"
            )
        groups: dict[Any, list[Record]] = {}
        for r in recs:
            value = r.props.get(prop.name)
            if value is None:
                continue
            for v in value if isinstance(value, list) else [value]:
                key = tuple(v) if isinstance(v, list) else v
                groups.setdefault(key, []).append(r)
        ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))
        if req.limit > 0:
            ordered = ordered[: req.limit]
        reply.grouped_results.SetInParent()
        for key, members in ordered:
            g = reply.grouped_results.groups.add()
            g.grouped_by.path.append(prop.name)
            _set_grouped_by(g.grouped_by, prop, key)
            if req.objects_count:
                g.objects_count = len(members)
            _fill_aggregations(coll, req, members, g.aggregations)
        return reply
    reply.single_result.SetInParent()
    if req.objects_count:
        reply.single_result.objects_count = len(recs)
    _fill_aggregations(coll, req, recs, reply.single_result.aggregations)
    return reply


def _set_grouped_by(gb: Any, prop: PropertySpec, key: Any) -> None:
    base = prop.base_type
    if base in ("text", "date", "uuid"):
        gb.text = str(key)
    elif base == "int":
        gb.int = int(key)
    elif base == "number":
        gb.number = float(key)
    elif base == "boolean":
        gb.boolean = bool(key)
    else:
        raise ApiError(f"group by on {prop.data_type} property '{prop.name}' is not supported")


def _fill_aggregations(coll: Collection, req: Any, recs: list[Record], out: Any) -> None:
    """Per-property metrics (count, type, numeric summaries, top occurrences, boolean totals)."""
    if not len(req.aggregations):
        return
    out.SetInParent()
    for agg in req.aggregations:
        prop = coll.spec.properties.get(agg.property)
        if prop is None:
            raise ApiError(f"no such prop with name '{agg.property}' found in class '{coll.name}' in the schema")
        values: list[Any] = []
        for r in recs:
            v = r.props.get(prop.name)
            if v is None:
                continue
            values.extend(v if isinstance(v, list) else [v])
        a = out.aggregations.add(property=prop.name)
        which = agg.WhichOneof("aggregation")
        if which in ("int", "number"):
            arr = np.asarray(values, dtype=np.float64)
            target = a.int if which == "int" else a.number
            spec = getattr(agg, which)
            if spec.count:
                target.count = len(values)
            if spec.type:
                target.type = prop.data_type
            if len(arr):
                cast = int if which == "int" else float
                if spec.sum:
                    target.sum = cast(arr.sum())
                if spec.mean:
                    target.mean = float(arr.mean())
                if spec.median:
                    target.median = float(np.median(arr))
                if spec.maximum:
                    target.maximum = cast(arr.max())
                if spec.minimum:
                    target.minimum = cast(arr.min())
                if spec.mode:
                    uniq, counts = np.unique(arr, return_counts=True)
                    target.mode = cast(uniq[int(np.argmax(counts))])
        elif which == "text":
            # Weaviate answers a text aggregation with count, type and top occurrences whatever the flags say;
            # the client relies on it (it sends no flag for top-occurrence values, only for their counts)
            spec = agg.text
            a.text.count = len(values)
            a.text.type = prop.data_type
            occurrences: dict[str, int] = {}
            for v in values:
                occurrences[str(v)] = occurrences.get(str(v), 0) + 1
            top = sorted(occurrences.items(), key=lambda kv: (-kv[1], kv[0]))
            limit = spec.top_occurences_limit or 5
            a.text.top_occurences.SetInParent()
            for value, occurs in top[:limit]:
                a.text.top_occurences.items.add(value=value, occurs=occurs)
        elif which == "boolean":
            spec = agg.boolean
            t = sum(1 for v in values if v)
            f = len(values) - t
            if spec.count:
                a.boolean.count = len(values)
            if spec.type:
                a.boolean.type = prop.data_type
            if spec.total_true:
                a.boolean.total_true = t
            if spec.total_false:
                a.boolean.total_false = f
            if spec.percentage_true:
                a.boolean.percentage_true = t / len(values) if values else 0.0
            if spec.percentage_false:
                a.boolean.percentage_false = f / len(values) if values else 0.0
        elif which == "date":
            spec = agg.date
            ordered = sorted(values)
            if spec.count:
                a.date.count = len(values)
            if spec.type:
                a.date.type = prop.data_type
            if ordered:
                if spec.minimum:
                    a.date.minimum = ordered[0]
                if spec.maximum:
                    a.date.maximum = ordered[-1]
                if spec.median:
                    a.date.median = ordered[len(ordered) // 2]
                if spec.mode:
                    a.date.mode = max(set(ordered), key=ordered.count)
        else:
            raise ApiError(f"aggregation {which} on '{prop.name}' is not supported by the lite server")


# --- health + server ------------------------------------------------------------------------


def _health_check(request: Any, context: grpc.ServicerContext) -> Any:
    return health_weaviate_pb2.WeaviateHealthCheckResponse(
        status=health_weaviate_pb2.WeaviateHealthCheckResponse.SERVING
    )


class _ApiKeyInterceptor(grpc.ServerInterceptor):
    """Refuses calls without an allowed key (UNAUTHENTICATED, as Weaviate); the health check stays open."""

    def __init__(self, keys: ApiKeys) -> None:
        self.keys = keys

    def intercept_service(self, continuation: Any, details: Any) -> Any:
        handler = continuation(details)
        if handler is None or details.method.startswith("/grpc.health.v1.Health/"):
            return handler
        metadata = {k.lower(): v for k, v in (details.invocation_metadata or ())}
        value = metadata.get("authorization")
        if self.keys.accepts(value if isinstance(value, str) else None):
            return handler

        def deny(request: Any, context: grpc.ServicerContext) -> Any:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE)

        kind = {
            (False, False): grpc.unary_unary_rpc_method_handler,
            (False, True): grpc.unary_stream_rpc_method_handler,
            (True, False): grpc.stream_unary_rpc_method_handler,
            (True, True): grpc.stream_stream_rpc_method_handler,
        }[(bool(handler.request_streaming), bool(handler.response_streaming))]
        return kind(
            deny, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
        )


def build_grpc_server(
    db: Database,
    host: str,
    port: int,
    max_workers: int = 8,
    *,
    limits: ServerLimits | None = None,
    api_keys: ApiKeys | None = None,
) -> tuple[grpc.Server, int]:
    """A started-ready (not yet started) gRPC server bound to host:port; returns (server, port).

    Beyond ``limits.grpc_max_concurrent_rpcs`` calls in progress, more answer RESOURCE_EXHAUSTED at once;
    the server pings idle clients and drops connections that stop answering, so a vanished client does
    not hold a connection forever. No HTTP/2 ``max_concurrent_streams``: grpcio (1.78) does not release
    the stream of a request that fails to deserialize, so a cap there ends in REFUSED_STREAM for every
    later call on that connection.
    """
    limits = limits or ServerLimits()
    interceptors = [_ApiKeyInterceptor(api_keys)] if api_keys is not None and api_keys.enabled else []
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="lite-grpc"),
        interceptors=interceptors,
        maximum_concurrent_rpcs=limits.grpc_max_concurrent_rpcs,
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_SIZE),
            ("grpc.max_send_message_length", MAX_MESSAGE_SIZE),
            ("grpc.so_reuseport", 0),
            ("grpc.keepalive_time_ms", 60_000),
            ("grpc.keepalive_timeout_ms", 20_000),
            ("grpc.max_connection_idle_ms", int(max(limits.idle_timeout_s, 300.0) * 1000)),
            ("grpc.http2.max_ping_strikes", 2),
        ],
    )
    weaviate_pb2_grpc.add_WeaviateServicer_to_server(WeaviateService(db, limits), server)
    health = grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health",
        {
            "Check": grpc.unary_unary_rpc_method_handler(
                _health_check,
                request_deserializer=health_weaviate_pb2.WeaviateHealthCheckRequest.FromString,
                response_serializer=health_weaviate_pb2.WeaviateHealthCheckResponse.SerializeToString,
            )
        },
    )
    server.add_generic_rpc_handlers((health,))
    bound = server.add_insecure_port(f"{_grpc_host(host)}:{port}")
    if bound == 0:
        raise OSError(f"could not bind the gRPC port {host}:{port}")
    return server, bound


def _grpc_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
