"""Hostile input against a lite server in its own process: every class of bad input gets a 4xx (or a
per-object batch error), the server stays up, nothing bad is stored, and the data directory reopens.
Then a soak: filtered hybrid readers and a writer side by side, with latency, errors and server memory.

Part 1, server cases: one request per class of bad input (dates the store cannot hold, NaN vectors,
wrong dimensions, wrong property types, invalid UUIDs, bad JSON, huge bodies, deep nesting, negative
limits, ...). Each row reports the HTTP status (or the batch/gRPC outcome), the status Weaviate gives
("4xx" where any client error will do),
and whether the server's ready endpoint still answers afterwards. After the cases the server is
stopped, restarted on the same data, and the stored objects are counted: only the good ones are there.

Part 2, loader cases: when ``benchmarks/robustness_cases.py`` exists, each of its ``LOADER_CASES`` is
loaded as items and each of its ``INTERACTION_CASES`` as interactions (hashing embedder, no model download) into the same server, reporting rows written
and rejected, and that the server is still alive.

Part 3, soak (``--soak SECONDS``, default 180; 0 skips it): ``--readers`` threads run filtered hybrid
queries while one writer upserts batches, reporting p50/p99 latency per role, error counts, and the
server process's RSS at start and end.

Usage: python benchmarks/bench_robustness.py [--soak 180] [--readers 3] [--out FILE]
Quick smoke run: python benchmarks/bench_robustness.py --soak 10
Prints one JSON object (also written to --out).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

HERE = Path(__file__).resolve().parent
DIM = 8
COLLECTION = "Robust"
GOOD = 200  # objects stored before the cases run
_BIG = 10 * 1024 * 1024


def _client(server: Any) -> Any:
    from weaviate_recsys.lite import client_for

    return client_for(server)


def _url(server: Any) -> str:
    return f"http://{server.host}:{server.http_port}"


def _alive(server: Any) -> bool:
    try:
        return httpx.get(f"{_url(server)}/v1/.well-known/ready", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def _rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _create(client: Any) -> None:
    from weaviate.classes.config import Configure, DataType, Property
    from weaviate.classes.data import DataObject

    coll = client.collections.create(
        COLLECTION,
        properties=[
            Property(name="title", data_type=DataType.TEXT),
            Property(name="n", data_type=DataType.INT),
            Property(name="x", data_type=DataType.NUMBER),
            Property(name="at", data_type=DataType.DATE),
            Property(name="seen", data_type=DataType.DATE_ARRAY),
            Property(name="tags", data_type=DataType.TEXT_ARRAY),
            Property(name="ok", data_type=DataType.BOOL),
            Property(name="ref", data_type=DataType.UUID),
            Property(
                name="meta",
                data_type=DataType.OBJECT,
                nested_properties=[Property(name="note", data_type=DataType.TEXT)],
            ),
        ],
        vector_config=[Configure.Vectors.self_provided(name="v")],
    )
    rng = np.random.default_rng(0)
    words = ["laser", "printer", "toner", "paper", "ink", "desk", "lamp", "chair", "pen", "stapler"]
    result = coll.data.insert_many(
        [
            DataObject(
                properties={
                    "title": " ".join(rng.choice(words, 4)),
                    "n": i,
                    "x": float(i) / 3,
                    "ok": bool(i % 2),
                    "at": f"20{10 + i % 15:02d}-01-01T00:00:00Z",
                    "tags": [words[i % 10]],
                },
                uuid=uuid.UUID(int=i + 1),
                vector={"v": rng.standard_normal(DIM).tolist()},
            )
            for i in range(GOOD)
        ]
    )
    if result.errors:
        raise RuntimeError(f"setup failed: {result.errors}")


def _post(server: Any, body: bytes | dict[str, Any], path: str = "/v1/objects", method: str = "POST") -> int:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    r = httpx.request(
        method, f"{_url(server)}{path}", content=content, headers={"content-type": "application/json"}, timeout=120
    )
    return r.status_code


def _obj(props: dict[str, Any] | None = None, vector: list[float] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"class": COLLECTION, "properties": props or {}, **extra}
    if vector is not None:
        body["vectors"] = {"v": vector}
    return body


def _raw_obj(props_json: str) -> bytes:
    return f'{{"class": "{COLLECTION}", "properties": {props_json}}}'.encode()


def _raw_vector_obj(first: str) -> bytes:
    """An object whose vector starts with a JSON literal Python's encoder would not write (NaN, Infinity)."""
    values = ", ".join([first] + ["1"] * (DIM - 1))
    return f'{{"class": "{COLLECTION}", "properties": {{}}, "vectors": {{"v": [{values}]}}}}'.encode()


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"note": "x"}
    for _ in range(depth):
        value = {"inner": value}
    return value


def _batch_one_bad(server: Any) -> str:
    """A gRPC batch of three with one out-of-range date: the others must be stored."""
    from weaviate.classes.data import DataObject

    with _client(server) as c:
        result = c.collections.get(COLLECTION).data.insert_many(
            [
                DataObject(properties={"n": 1}, uuid=uuid.UUID(int=10_001), vector={"v": [0.1] * DIM}),
                DataObject(properties={"at": "2999-01-01T00:00:00Z"}, vector={"v": [0.1] * DIM}),
                DataObject(properties={"n": 2}, uuid=uuid.UUID(int=10_002), vector={"v": [0.2] * DIM}),
            ]
        )
    return f"batch: {len(result.errors)} of 3 rejected (index {sorted(result.errors)})"


def _grpc_query(server: Any, run: Callable[[Any], Any]) -> str:
    with _client(server) as c:
        try:
            run(c.collections.get(COLLECTION))
        except Exception as e:  # noqa: BLE001 - the outcome is what we report
            text = str(e)
            return "error: " + (text[:160] + "..." if len(text) > 160 else text)
    return "ok"


def _old_date_filter(coll: Any) -> Any:
    from weaviate.classes.query import Filter

    return coll.query.fetch_objects(
        filters=Filter.by_property("at").greater_than(datetime(1500, 1, 1, tzinfo=UTC)), limit=3
    )


def _nan_near_vector(coll: Any) -> Any:
    return coll.query.near_vector([float("nan")] * DIM, limit=3)


def _wrong_dim_near_vector(coll: Any) -> Any:
    return coll.query.near_vector([0.1] * (DIM + 1), limit=3)


# (name, what Weaviate answers, the request)
SERVER_CASES: list[tuple[str, Any, Callable[[Any], Any]]] = [
    ("date_before_1677", 422, lambda s: _post(s, _obj({"at": "1500-01-01T00:00:00Z"}))),
    ("date_after_2262", 422, lambda s: _post(s, _obj({"at": "2999-01-01T00:00:00Z"}))),
    (
        "date_array_element_out_of_range",
        422,
        lambda s: _post(s, _obj({"seen": ["2000-01-01T00:00:00Z", "0001-01-01T00:00:00Z"]})),
    ),
    ("date_not_rfc3339", 422, lambda s: _post(s, _obj({"at": "yesterday"}))),
    ("date_impossible_day", 422, lambda s: _post(s, _obj({"at": "2021-02-30T00:00:00Z"}))),
    ("vector_nan", 422, lambda s: _post(s, _raw_vector_obj("NaN"))),
    ("vector_infinity", 422, lambda s: _post(s, _raw_vector_obj("Infinity"))),
    ("vector_beyond_float32", 422, lambda s: _post(s, _obj(vector=[1e39] + [1.0] * (DIM - 1)))),
    ("vector_wrong_dimension", 500, lambda s: _post(s, _obj(vector=[1.0] * (DIM + 3)))),
    ("vector_not_numbers", 422, lambda s: _post(s, _obj(vector=["a"] * DIM))),
    ("text_gets_number", 422, lambda s: _post(s, _obj({"title": 5}))),
    ("int_gets_fraction", 422, lambda s: _post(s, _obj({"n": 1.5}))),
    ("int_beyond_int64", 422, lambda s: _post(s, _raw_obj('{"n": 9223372036854775808}'))),
    ("number_nan", 422, lambda s: _post(s, _raw_obj('{"x": NaN}'))),
    ("number_beyond_float64", 422, lambda s: _post(s, _raw_obj('{"x": 1' + "0" * 400 + "}"))),
    ("bool_gets_string", 422, lambda s: _post(s, _obj({"ok": "yes"}))),
    ("uuid_property_invalid", 422, lambda s: _post(s, _obj({"ref": "not-a-uuid"}))),
    ("object_id_invalid", 422, lambda s: _post(s, _obj({}, id="not-a-uuid"))),
    # auto-schema is on by default, as in Weaviate: unknown properties and collections are created
    ("unknown_property", 200, lambda s: _post(s, _obj({"nope": 1}))),
    ("unknown_collection", 200, lambda s: _post(s, {"class": "Ghost", "properties": {}})),
    ("unknown_property_conflicting_type", 422, lambda s: _post(s, _obj({"nope": "text now"}))),
    ("text_unpaired_surrogate", 422, lambda s: _post(s, _raw_obj('{"title": "a\\ud800b"}'))),
    ("object_nested_100_levels", "4xx", lambda s: _post(s, _obj({"meta": _nested(100)}))),
    ("json_body_nested_100k_levels", "4xx", lambda s: _post(s, b"[" * 100_000 + b"]" * 100_000)),
    ("json_malformed", 400, lambda s: _post(s, b"{not json")),
    ("json_not_an_object", 422, lambda s: _post(s, b"[1, 2]")),
    ("body_not_utf8", 400, lambda s: _post(s, b'{"class": "\xff\xfe"}')),
    ("body_empty", 422, lambda s: _post(s, b"")),
    ("text_10_mib", 200, lambda s: _post(s, _obj({"title": "word " * (_BIG // 5)}))),
    ("duplicate_id", 422, lambda s: _post(s, _obj({}, id=str(uuid.UUID(int=1))))),
    (
        "patch_date_out_of_range",
        422,
        lambda s: _post(
            s, _obj({"at": "1500-01-01T00:00:00Z"}), f"/v1/objects/{COLLECTION}/{uuid.UUID(int=2)}", "PATCH"
        ),
    ),
    (
        "put_date_out_of_range",
        422,
        lambda s: _post(s, _obj({"at": "2999-01-01T00:00:00Z"}), f"/v1/objects/{COLLECTION}/{uuid.UUID(int=3)}", "PUT"),
    ),
    (
        "schema_unknown_data_type",
        422,
        lambda s: _post(s, {"class": "Broken", "properties": [{"name": "p", "dataType": ["nope"]}]}, "/v1/schema"),
    ),
    ("list_negative_limit", 422, lambda s: httpx.get(f"{_url(s)}/v1/objects", params={"limit": -1}).status_code),
    ("list_limit_not_a_number", 422, lambda s: httpx.get(f"{_url(s)}/v1/objects", params={"limit": "ten"}).status_code),
    ("get_invalid_uuid", 404, lambda s: httpx.get(f"{_url(s)}/v1/objects/{COLLECTION}/not-a-uuid").status_code),
    ("batch_one_bad_object", "batch: 1 of 3 rejected (index [1])", _batch_one_bad),
    ("filter_date_before_1677", "ok", lambda s: _grpc_query(s, _old_date_filter)),
    ("near_vector_nan", "error", lambda s: _grpc_query(s, _nan_near_vector)),
    ("near_vector_wrong_dimension", "error", lambda s: _grpc_query(s, _wrong_dim_near_vector)),
]


def _outcome_matches(outcome: Any, expected: Any) -> bool:
    if expected == "4xx":
        return isinstance(outcome, int) and 400 <= outcome < 500
    if isinstance(expected, str) and isinstance(outcome, str):
        return outcome.startswith(expected)
    return bool(outcome == expected)


def run_server_cases(server: Any) -> list[dict[str, Any]]:
    rows = []
    for name, expected, request in SERVER_CASES:
        try:
            outcome: Any = request(server)
        except Exception as e:  # noqa: BLE001 - a client-side failure is an outcome too
            outcome = f"client error: {type(e).__name__}: {str(e)[:160]}"
        rows.append(
            {
                "case": name,
                "outcome": outcome,
                "weaviate": expected,
                "as_weaviate": _outcome_matches(outcome, expected),
                "alive_after": _alive(server),
            }
        )
    return rows


def _loader_module() -> Any:
    """The loader helper's `benchmarks/robustness_cases.py`, when it is there."""
    path = HERE / "robustness_cases.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("robustness_cases", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_loader_cases(server: Any, workdir: Path) -> list[dict[str, Any]]:
    """Each loader case as items, then each interaction case as interactions: rows written and rejected, and
    how many of the case's good rows (one before and one after the bad input) did not reach the store."""
    module = _loader_module()
    if module is None:
        return []
    usage_errors = set(getattr(module, "USAGE_ERROR_CASES", ()))
    good_ids = list(getattr(module, "GOOD_IDS", ("good-before", "good-after")))
    from weaviate_recsys.loaders import HashingEmbedder, load_interactions, load_items

    rows = []
    kinds = [
        ("items", load_items, getattr(module, "LOADER_CASES", [])),
        ("interactions", load_interactions, getattr(module, "INTERACTION_CASES", [])),
    ]
    for kind, load, cases in kinds:
        for name, content, suffix in cases:
            source = workdir / f"{kind}-{name}{suffix}"
            source.write_bytes(content)
            row: dict[str, Any] = {"case": f"{kind}: {name}"}
            try:
                with _client(server) as c:
                    result = load(
                        c, [source], embedder=HashingEmbedder(64), rejects=str(workdir / f"{kind}-{name}.rejects.jsonl")
                    )
                # good rows already stored by an earlier case count as unchanged
                stored = result.written + result.unchanged
                good_rows = sum(gid.encode() in content for gid in good_ids)  # empty files hold none
                row.update(
                    written=result.written,
                    unchanged=result.unchanged,
                    rejected=result.rejected,
                    good_rows_lost=max(0, good_rows - stored),
                    first_error=result.errors[0].reason[:160] if result.errors else None,
                    error_names_line=all(e.line is not None for e in result.errors),
                )
            except Exception as e:  # noqa: BLE001 - a usage error refuses the whole file, a crash is a finding
                row["outcome"] = f"{type(e).__name__}: {str(e)[:160]}"
                row["refused_whole_file_as_designed"] = name in usage_errors
            row["alive_after"] = _alive(server)
            rows.append(row)
    return rows


def _percentiles(samples: list[float]) -> dict[str, float | None]:
    if not samples:
        return {"p50_ms": None, "p99_ms": None}
    arr = np.asarray(samples) * 1000.0
    return {"p50_ms": round(float(np.percentile(arr, 50)), 2), "p99_ms": round(float(np.percentile(arr, 99)), 2)}


def soak(server: Any, seconds: float, readers: int) -> dict[str, Any]:
    """Filtered hybrid readers and one upserting writer for ``seconds``."""
    from weaviate.classes.data import DataObject
    from weaviate.classes.query import Filter

    stop = time.monotonic() + seconds
    lat: dict[str, list[float]] = {"read": [], "write": []}
    errors: dict[str, list[str]] = {"read": [], "write": []}
    lock = threading.Lock()
    rss_start = _rss_mib(server.pid)

    def reader(seed: int) -> None:
        rng = np.random.default_rng(seed)
        with _client(server) as c:
            coll = c.collections.get(COLLECTION)
            while time.monotonic() < stop:
                t = time.perf_counter()
                try:
                    coll.query.hybrid(
                        "laser printer",
                        vector=rng.standard_normal(DIM).tolist(),
                        target_vector="v",
                        filters=Filter.by_property("n").less_than(int(rng.integers(10, GOOD))),
                        limit=10,
                    )
                    with lock:
                        lat["read"].append(time.perf_counter() - t)
                except Exception as e:  # noqa: BLE001
                    with lock:
                        errors["read"].append(f"{type(e).__name__}: {str(e)[:120]}")

    def writer() -> None:
        rng = np.random.default_rng(99)
        with _client(server) as c:
            coll = c.collections.get(COLLECTION)
            while time.monotonic() < stop:
                t = time.perf_counter()
                try:
                    result = coll.data.insert_many(
                        [
                            DataObject(
                                properties={"title": "laser printer soak", "n": int(i)},
                                uuid=uuid.UUID(int=20_000 + int(i)),
                                vector={"v": rng.standard_normal(DIM).tolist()},
                            )
                            for i in rng.integers(0, 5_000, 100)
                        ]
                    )
                    with lock:
                        lat["write"].append(time.perf_counter() - t)
                        errors["write"].extend(e.message[:120] for e in result.errors.values())
                except Exception as e:  # noqa: BLE001
                    with lock:
                        errors["write"].append(f"{type(e).__name__}: {str(e)[:120]}")

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(readers)] + [threading.Thread(target=writer)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return {
        "seconds": seconds,
        "readers": readers,
        "writers": 1,
        "filtered_hybrid": {
            "queries": len(lat["read"]),
            **_percentiles(lat["read"]),
            "errors": len(errors["read"]),
            "first_errors": errors["read"][:3],
        },
        "upsert_batches_of_100": {
            "batches": len(lat["write"]),
            **_percentiles(lat["write"]),
            "errors": len(errors["write"]),
            "first_errors": errors["write"][:3],
        },
        "server_rss_mib": {"start": rss_start, "end": _rss_mib(server.pid)},
        "alive_after": _alive(server),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--soak", type=float, default=180.0, help="soak seconds (0 skips the soak)")
    parser.add_argument("--readers", type=int, default=3, help="reader threads during the soak")
    parser.add_argument("--out", default=None, help="also write the JSON result here")
    args = parser.parse_args()

    import weaviate_recsys.lite as lite

    workdir = Path(tempfile.mkdtemp(prefix="bench-robustness-"))
    data = workdir / "store"
    result: dict[str, Any] = {}
    server = lite.spawn(data)
    try:
        with _client(server) as c:
            _create(c)
        result["server_cases"] = run_server_cases(server)
        result["loader_cases"] = run_loader_cases(server, workdir)
        with _client(server) as c:
            stored = c.collections.get(COLLECTION).aggregate.over_all(total_count=True).total_count
        server.stop()
        restarted = lite.spawn(data)  # the data directory must reopen after all of the above
        try:
            with _client(restarted) as c:
                after = c.collections.get(COLLECTION).aggregate.over_all(total_count=True).total_count
            result["restart"] = {"objects_before": stored, "objects_after": after, "alive": _alive(restarted)}
            if args.soak > 0:
                result["soak"] = soak(restarted, args.soak, args.readers)
        finally:
            restarted.stop()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    cases = result.get("server_cases", [])
    result["summary"] = {
        "server_cases": len(cases),
        "server_alive_after_every_case": all(r["alive_after"] for r in cases),
        "answered_as_weaviate": sum(r["as_weaviate"] for r in cases),
        "differ_from_weaviate": [r["case"] for r in cases if not r["as_weaviate"]],
        "loader_cases": len(result.get("loader_cases", [])),
        "bad_input_classes": len(cases) + len(result.get("loader_cases", [])),
        "good_rows_lost": sum(r.get("good_rows_lost", 0) for r in result.get("loader_cases", [])),
        "loader_errors_without_line": [
            r["case"] for r in result.get("loader_cases", []) if r.get("error_names_line") is False
        ],
        "loader_crashes": [
            r["case"]
            for r in result.get("loader_cases", [])
            if "outcome" in r and not r["refused_whole_file_as_designed"]
        ],
    }
    text = json.dumps(result, indent=2, default=str)
    if args.out:
        Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
