"""Collection (class) definitions: validation, Weaviate's defaults, and the class JSON it returns.

The stored class JSON is what ``GET /v1/schema/{Name}`` returns, so it must hold every key that
``collection.config.get()`` reads (docs/lite-server.md §2.1).
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from weaviate_recsys.lite.api_errors import Unprocessable

__all__ = [
    "PropertySpec",
    "VectorSpec",
    "ClassSpec",
    "normalize_class",
    "normalize_property",
    "merge_class_update",
    "SCALAR_TYPES",
    "ARRAY_TYPES",
]

SCALAR_TYPES = ("text", "int", "number", "boolean", "date", "uuid", "object")
ARRAY_TYPES = ("text[]", "int[]", "number[]", "boolean[]", "date[]", "uuid[]", "object[]")
_UNSUPPORTED_TYPES = ("geoCoordinates", "phoneNumber", "blob", "blobHash", "string", "string[]")
TOKENIZATIONS = ("word", "lowercase", "whitespace", "field", "trigram")
DISTANCES = ("cosine", "dot", "l2-squared", "hamming", "manhattan")
INDEX_TYPES = ("hnsw", "flat", "dynamic")

_CLASS_NAME = re.compile(r"^[A-Z][_0-9A-Za-z]{0,254}$")
_PROP_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,230}$")
_VECTOR_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,230}$")

# W:entities/vectorindex/hnsw/config.go#L24-131 (defaults of a fresh HNSW index).
_PQ_OFF = {
    "enabled": False,
    "bitCompression": False,
    "segments": 0,
    "centroids": 256,
    "trainingLimit": 100000,
    "encoder": {"type": "kmeans", "distribution": "log-normal"},
}
_HNSW_DEFAULTS: dict[str, Any] = {
    "skip": False,
    "cleanupIntervalSeconds": 300,
    "maxConnections": 32,
    "efConstruction": 128,
    "ef": -1,
    "dynamicEfMin": 100,
    "dynamicEfMax": 500,
    "dynamicEfFactor": 8,
    "vectorCacheMaxObjects": 1000000000000,
    "flatSearchCutoff": 40000,
    "distance": "cosine",
    "pq": _PQ_OFF,
    "bq": {"enabled": False},
    "sq": {"enabled": False, "trainingLimit": 100000, "rescoreLimit": 20},
    "rq": {"enabled": False, "bits": 8, "rescoreLimit": 20},
    "filterStrategy": "acorn",
    "multivector": {
        "enabled": False,
        "aggregation": "maxSim",
        "muvera": {"enabled": False, "ksim": 4, "dprojections": 16, "repetitions": 10},
    },
}
_FLAT_DEFAULTS: dict[str, Any] = {
    "distance": "cosine",
    "vectorCacheMaxObjects": 1000000000000,
    "pq": _PQ_OFF,
    "bq": {"enabled": False, "rescoreLimit": -1, "cache": False},
    "sq": {"enabled": False, "rescoreLimit": -1, "cache": False},
    "rq": {"enabled": False, "bits": 8, "rescoreLimit": -1, "cache": False},
    "multivector": {"enabled": False, "aggregation": "maxSim"},
}
_SHARDING = {
    "virtualPerPhysical": 128,
    "desiredCount": 1,
    "actualCount": 1,
    "desiredVirtualCount": 128,
    "actualVirtualCount": 128,
    "key": "_id",
    "strategy": "hash",
    "function": "murmur3",
}
_REPLICATION = {"factor": 1, "asyncEnabled": False, "deletionStrategy": "NoAutomatedResolution"}
_MULTI_TENANCY = {"enabled": False, "autoTenantCreation": False, "autoTenantActivation": False}


@dataclass(frozen=True)
class PropertySpec:
    """One top-level property as the server uses it."""

    name: str
    data_type: str
    tokenization: str | None
    filterable: bool
    searchable: bool
    range_filters: bool

    # cached: asked per value on every write (cached_property fills __dict__, frozen or not)
    @functools.cached_property
    def is_array(self) -> bool:
        return self.data_type.endswith("[]")

    @functools.cached_property
    def base_type(self) -> str:
        return self.data_type[:-2] if self.is_array else self.data_type

    @functools.cached_property
    def is_text(self) -> bool:
        return self.base_type == "text"


@dataclass(frozen=True)
class VectorSpec:
    """One vector index: a named vector, or the legacy unnamed one (``legacy=True``, key "default")."""

    name: str
    distance: str
    index_type: str
    legacy: bool = False


@dataclass
class ClassSpec:
    """A parsed class JSON: the stored JSON plus the pieces the server needs at hand."""

    json: dict[str, Any]
    properties: dict[str, PropertySpec] = field(default_factory=dict)
    vectors: dict[str, VectorSpec] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.json["class"])

    @property
    def legacy_vector(self) -> bool:
        return any(v.legacy for v in self.vectors.values())

    @property
    def inverted(self) -> dict[str, Any]:
        return self.json["invertedIndexConfig"]

    def bm25_params(self) -> tuple[float, float]:
        """k1 and b as float32 values widened to float64 (§3.1)."""
        bm25 = self.inverted["bm25"]
        return float(np.float32(bm25["k1"])), float(np.float32(bm25["b"]))

    def stopword_config(self) -> tuple[str, list[str], list[str]]:
        sw = self.inverted["stopwords"]
        return sw["preset"], list(sw.get("additions") or []), list(sw.get("removals") or [])

    @classmethod
    def from_json(cls, class_json: dict[str, Any]) -> ClassSpec:
        spec = cls(json=class_json)
        for p in class_json.get("properties") or []:
            data_type = p["dataType"][0]
            spec.properties[p["name"]] = PropertySpec(
                name=p["name"],
                data_type=data_type,
                tokenization=p.get("tokenization"),
                filterable=bool(p.get("indexFilterable", True)),
                searchable=bool(p.get("indexSearchable", False)),
                range_filters=bool(p.get("indexRangeFilters", False)),
            )
        for name, vc in (class_json.get("vectorConfig") or {}).items():
            spec.vectors[name] = VectorSpec(
                name=name,
                distance=vc["vectorIndexConfig"]["distance"],
                index_type=vc["vectorIndexType"],
            )
        if class_json.get("vectorIndexConfig"):  # the legacy vector, alone or next to added named vectors
            spec.vectors["default"] = VectorSpec(
                name="default",
                distance=class_json["vectorIndexConfig"]["distance"],
                index_type=class_json.get("vectorIndexType", "hnsw"),
                legacy=True,
            )
        return spec


def capitalize_class_name(name: str) -> str:
    """Weaviate upper-cases the first letter of class names (§2.1)."""
    return name[:1].upper() + name[1:] if name else name


def lower_first(name: str) -> str:
    """Weaviate lower-cases the first letter of property names (§2.1)."""
    return name[:1].lower() + name[1:] if name else name


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _check_distance(distance: Any) -> str:
    if distance not in DISTANCES:
        raise Unprocessable(
            f"vector index config: invalid distance metric {distance!r}; use one of {', '.join(DISTANCES)}"
        )
    return str(distance)


def _vector_index_config(index_type: str, given: dict[str, Any] | None) -> dict[str, Any]:
    given = dict(given or {})
    if index_type not in INDEX_TYPES:
        raise Unprocessable(
            f"vector index type {index_type!r} is not supported by the lite server; "
            f"use one of {', '.join(INDEX_TYPES)} (all are searched exactly)"
        )
    distance = _check_distance(given.get("distance", "cosine"))
    mv = given.get("multivector")
    if isinstance(mv, dict) and mv.get("enabled"):
        raise Unprocessable("multi-vector (ColBERT) indexes are not supported by the lite server")
    if index_type == "hnsw":
        return _deep_merge(_HNSW_DEFAULTS, given)
    if index_type == "flat":
        return _deep_merge(_FLAT_DEFAULTS, given)
    hnsw = _deep_merge(_HNSW_DEFAULTS, {**given.get("hnsw", {}), "distance": distance})
    flat = _deep_merge(_FLAT_DEFAULTS, {**given.get("flat", {}), "distance": distance})
    out = {"distance": distance, "threshold": given.get("threshold", 10000), "hnsw": hnsw, "flat": flat}
    return out


def _vectorizer(given: Any, where: str) -> dict[str, Any]:
    if given in (None, "none", {}) or given == {"none": {}} or given == {"none": None}:
        return {"none": {}}
    name = next(iter(given)) if isinstance(given, dict) else str(given)
    raise Unprocessable(
        f"{where}: vectorizer {name!r} is not available: the lite server has no modules; "
        "provide vectors yourself (Configure.Vectors.self_provided())"
    )


def normalize_property(prop: dict[str, Any], class_name: str) -> dict[str, Any]:
    """Validate one property definition and fill in Weaviate's defaults (§2.1)."""
    if not isinstance(prop, dict):
        raise Unprocessable("property must be a JSON object")
    name = prop.get("name")
    if not isinstance(name, str) or not _PROP_NAME.match(name):
        raise Unprocessable(
            f"'{name}' is not a valid property name. Property names in Weaviate are restricted to "
            "valid GraphQL names, which must be “/[_A-Za-z][_0-9A-Za-z]{0,230}/”."
        )
    name = lower_first(name)
    data_types = prop.get("dataType")
    if not isinstance(data_types, list) or len(data_types) != 1 or not isinstance(data_types[0], str):
        raise Unprocessable(f"property '{name}': dataType must be a list with exactly one type")
    data_type = data_types[0]
    if data_type in _UNSUPPORTED_TYPES or (data_type[:1].isupper() and data_type not in ()):
        raise Unprocessable(
            f"property '{name}': data type {data_type!r} is not supported by the lite server "
            "(supported: text, int, number, boolean, date, uuid, object and their arrays)"
        )
    if data_type not in SCALAR_TYPES and data_type not in ARRAY_TYPES:
        raise Unprocessable(f"property '{name}': invalid data type {data_type!r}")
    base = data_type.removesuffix("[]")
    out: dict[str, Any] = {"name": name, "dataType": [data_type]}
    if prop.get("description") is not None:
        out["description"] = prop["description"]
    tokenization = prop.get("tokenization")
    if base == "text":
        tokenization = tokenization or "word"
        if tokenization not in TOKENIZATIONS:
            raise Unprocessable(
                f"property '{name}': tokenization {tokenization!r} is not supported; "
                f"use one of {', '.join(TOKENIZATIONS)}"
            )
    elif tokenization:
        raise Unprocessable(f"Tokenization is not allowed for data type '{data_type}' (property '{name}')")
    searchable_default = base == "text"
    searchable = prop.get("indexSearchable")
    if searchable is None:
        searchable = searchable_default
    if searchable and base != "text":
        raise Unprocessable(
            f"`indexSearchable` is allowed only for text/text[] data types. "
            f"For other data types set false or leave empty (property '{name}')"
        )
    filterable = prop.get("indexFilterable")
    out["indexFilterable"] = True if filterable is None else bool(filterable)
    out["indexSearchable"] = bool(searchable)
    out["indexRangeFilters"] = bool(prop.get("indexRangeFilters") or False)
    if tokenization:
        out["tokenization"] = tokenization
    if prop.get("moduleConfig"):
        out["moduleConfig"] = prop["moduleConfig"]
    if prop.get("textAnalyzer"):
        out["textAnalyzer"] = prop["textAnalyzer"]
    if base == "object":
        nested = prop.get("nestedProperties")
        if not isinstance(nested, list) or not nested:
            raise Unprocessable(
                f"property '{name}': at least one nested property is required for data type object/object[]"
            )
        out["nestedProperties"] = [_normalize_nested(n, name) for n in nested]
    return out


def _normalize_nested(prop: dict[str, Any], parent: str) -> dict[str, Any]:
    if not isinstance(prop, dict) or not isinstance(prop.get("name"), str):
        raise Unprocessable(f"property '{parent}': nested property needs a name")
    data_types = prop.get("dataType")
    if not isinstance(data_types, list) or len(data_types) != 1:
        raise Unprocessable(f"property '{parent}.{prop['name']}': dataType must be a one-element list")
    data_type = data_types[0]
    if data_type not in SCALAR_TYPES and data_type not in ARRAY_TYPES:
        raise Unprocessable(f"property '{parent}.{prop['name']}': unsupported data type {data_type!r}")
    base = data_type.removesuffix("[]")
    out: dict[str, Any] = {"name": prop["name"], "dataType": [data_type]}
    if prop.get("description") is not None:
        out["description"] = prop["description"]
    out["indexFilterable"] = bool(prop.get("indexFilterable", True))
    searchable = prop.get("indexSearchable")
    out["indexSearchable"] = bool(base == "text" if searchable is None else searchable)
    out["indexRangeFilters"] = bool(prop.get("indexRangeFilters") or False)
    if base == "text":
        out["tokenization"] = prop.get("tokenization") or "word"
    if base == "object":
        out["nestedProperties"] = [
            _normalize_nested(n, f"{parent}.{prop['name']}") for n in prop.get("nestedProperties") or []
        ]
    return out


def _inverted_config(given: dict[str, Any] | None) -> dict[str, Any]:
    given = dict(given or {})
    bm25 = dict(given.get("bm25") or {})
    stopwords = dict(given.get("stopwords") or {})
    preset = stopwords.get("preset") or "en"
    if preset not in ("en", "none"):
        raise Unprocessable(f"stopwordPreset {preset!r} is not a valid preset; use 'en' or 'none'")
    for key in ("additions", "removals"):
        value = stopwords.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise Unprocessable(f"invertedIndexConfig.stopwords.{key} must be a list of strings")
    k1 = bm25.get("k1", 1.2)
    b = bm25.get("b", 0.75)
    if not isinstance(k1, (int, float)) or not isinstance(b, (int, float)) or k1 < 0 or not 0 <= b <= 1:
        raise Unprocessable("invertedIndexConfig.bm25: k1 must be >= 0 and b within [0, 1]")
    out = {
        "bm25": {"b": float(b), "k1": float(k1)},
        "cleanupIntervalSeconds": int(given.get("cleanupIntervalSeconds", 60)),
        "stopwords": {
            "preset": preset,
            "additions": stopwords.get("additions"),
            "removals": stopwords.get("removals"),
        },
        "indexTimestamps": bool(given.get("indexTimestamps", False)),
        "indexNullState": bool(given.get("indexNullState", False)),
        "indexPropertyLength": bool(given.get("indexPropertyLength", False)),
        "usingBlockMaxWAND": bool(given.get("usingBlockMaxWAND", True)),
    }
    if given.get("stopwordPresets"):
        out["stopwordPresets"] = given["stopwordPresets"]
    return out


def _named_vector(name: str, given: dict[str, Any]) -> dict[str, Any]:
    if not _VECTOR_NAME.match(name):
        raise Unprocessable(f"invalid named vector name {name!r}")
    if not isinstance(given, dict):
        raise Unprocessable(f"vectorConfig.{name} must be a JSON object")
    index_type = given.get("vectorIndexType") or "hnsw"
    out = {
        "vectorizer": _vectorizer(given.get("vectorizer"), f"vectorConfig.{name}"),
        "vectorIndexType": index_type,
        "vectorIndexConfig": _vector_index_config(index_type, given.get("vectorIndexConfig")),
    }
    return out


def normalize_class(body: Any) -> dict[str, Any]:
    """Validate a ``POST /v1/schema`` body and return the class JSON Weaviate would store.

    Raises:
        Unprocessable: for anything Weaviate rejects or the lite server does not support.
    """
    if not isinstance(body, dict):
        raise Unprocessable("class definition must be a JSON object")
    raw_name = body.get("class")
    if not isinstance(raw_name, str) or not raw_name:
        raise Unprocessable("class name is required")
    name = capitalize_class_name(raw_name)
    if not _CLASS_NAME.match(name):
        raise Unprocessable(f"'{raw_name}' is not a valid class name: class names must match /^[A-Z][_0-9A-Za-z]*$/")
    mt = body.get("multiTenancyConfig") or {}
    if mt.get("enabled"):
        raise Unprocessable("multi-tenancy is not supported by the lite server")
    rep = body.get("replicationConfig") or {}
    if int(rep.get("factor", 1) or 1) != 1:
        raise Unprocessable("the lite server is a single node: replication factor must be 1")
    _check_object_ttl(body)
    out: dict[str, Any] = {"class": name}
    if body.get("description") is not None:
        out["description"] = body["description"]
    out["invertedIndexConfig"] = _inverted_config(body.get("invertedIndexConfig"))
    out["multiTenancyConfig"] = dict(_MULTI_TENANCY)
    props: list[dict[str, Any]] = []
    seen: set[str] = set()
    for p in body.get("properties") or []:
        norm = normalize_property(p, name)
        if norm["name"].lower() in seen:
            raise Unprocessable(f"class '{name}' has duplicate property name '{norm['name']}'")
        seen.add(norm["name"].lower())
        props.append(norm)
    out["properties"] = props
    out["replicationConfig"] = _deep_merge(_REPLICATION, {k: v for k, v in rep.items() if k != "factor"})
    out["shardingConfig"] = dict(_SHARDING)
    if body.get("moduleConfig"):
        out["moduleConfig"] = body["moduleConfig"]
    vector_config = body.get("vectorConfig")
    if vector_config:
        if not isinstance(vector_config, dict):
            raise Unprocessable("vectorConfig must be a JSON object")
        out["vectorConfig"] = {n: _named_vector(n, vc) for n, vc in vector_config.items()}
    else:
        # §2.1: legacy defaults only apply without named vectors.
        out["vectorizer"] = "none"
        _vectorizer(body.get("vectorizer"), "class")
        index_type = body.get("vectorIndexType") or "hnsw"
        out["vectorIndexType"] = index_type
        out["vectorIndexConfig"] = _vector_index_config(index_type, body.get("vectorIndexConfig"))
    return out


def _check_object_ttl(body: dict[str, Any]) -> None:
    ttl = body.get("objectTtlConfig")
    if isinstance(ttl, dict) and ttl.get("enabled", True) is not False and ttl:
        raise Unprocessable(
            "object TTL (objectTtlConfig) is not supported by the lite server: objects never expire; "
            "leave it unset and delete old objects with data.delete_many"
        )


_IMMUTABLE_INVERTED = ("indexTimestamps", "indexNullState", "indexPropertyLength")
_QUANTIZERS = ("pq", "bq", "sq", "rq")


def _immutable(name: str, old: Any, new: Any) -> Unprocessable:
    # the wording of Weaviate's immutable-field check (entities/vectorindex/*/config.go, usecases/schema)
    return Unprocessable(f'{name} is immutable: attempted change from "{old}" to "{new}"')


def _check_index_update(where: str, index_type: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Reject what Weaviate does not change on a live vector index.

    Weaviate: hnsw keeps efConstruction, maxConnections and its quantizer (one may be switched on once, not
    swapped for another); flat fixes whether each quantizer is on at creation; RQ's bits never change
    (adapters/repos/db/vector/hnsw/config_update.go, entities/vectorindex/flat/config.go).
    """
    if index_type == "dynamic":
        _check_index_update(f"{where}.hnsw", "hnsw", old.get("hnsw") or {}, new.get("hnsw") or {})
        _check_index_update(f"{where}.flat", "flat", old.get("flat") or {}, new.get("flat") or {})
        return
    if index_type == "hnsw":
        for key in ("efConstruction", "maxConnections"):
            if old.get(key) != new.get(key):
                raise _immutable(f"{where}: {key}", old.get(key), new.get(key))
    was = [q for q in _QUANTIZERS if (old.get(q) or {}).get("enabled")]
    now = [q for q in _QUANTIZERS if (new.get(q) or {}).get("enabled")]
    if len(now) > 1:
        raise Unprocessable(f"{where}: only one quantizer can be enabled, got {', '.join(now)}")
    if index_type == "flat":
        for q in _QUANTIZERS:
            if (q in was) != (q in now):
                raise _immutable(f"{where}: {q}", q in was, q in now)
    elif was and now and was != now:
        raise Unprocessable(f"{where}: cannot switch the quantizer from {was[0]} to {now[0]} on an existing index")
    old_bits, new_bits = (old.get("rq") or {}).get("bits"), (new.get("rq") or {}).get("bits")
    if "rq" in was and "rq" in now and old_bits != new_bits:
        raise _immutable(f"{where}: rq.bits", old_bits, new_bits)


def merge_class_update(current: dict[str, Any], body: Any) -> dict[str, Any]:
    """Apply a ``PUT /v1/schema/{Name}`` body: mutable settings change, immutable ones must not.

    Raises:
        Unprocessable: when the update changes something Weaviate treats as immutable.
    """
    if not isinstance(body, dict):
        raise Unprocessable("class definition must be a JSON object")
    new = copy.deepcopy(current)
    if "description" in body:
        new["description"] = body["description"]
    if body.get("invertedIndexConfig"):
        merged = _deep_merge(current["invertedIndexConfig"], body["invertedIndexConfig"])
        # additions/removals are replaced, not merged
        sw = body["invertedIndexConfig"].get("stopwords")
        if isinstance(sw, dict):
            merged["stopwords"] = {
                "preset": sw.get("preset") or current["invertedIndexConfig"]["stopwords"]["preset"],
                "additions": sw.get("additions"),
                "removals": sw.get("removals"),
            }
        new["invertedIndexConfig"] = _inverted_config(merged)
        for key in _IMMUTABLE_INVERTED:
            before, after = current["invertedIndexConfig"].get(key), new["invertedIndexConfig"].get(key)
            if before != after:
                raise _immutable(f"invertedIndexConfig.{key}", before, after)
    rep = body.get("replicationConfig")
    if isinstance(rep, dict) and int(rep.get("factor", 1) or 1) != 1:
        raise Unprocessable("the lite server is a single node: replication factor must be 1")
    if isinstance(rep, dict):  # async replication and the deletion strategy are stored as given
        new["replicationConfig"] = _deep_merge(
            current.get("replicationConfig") or _REPLICATION, {k: v for k, v in rep.items() if k != "factor"}
        )
        # asyncConfig is replaced as a whole; an empty one, or switching async replication off, removes it
        if rep.get("asyncConfig") and new["replicationConfig"].get("asyncEnabled"):
            new["replicationConfig"]["asyncConfig"] = copy.deepcopy(rep["asyncConfig"])
        elif "asyncConfig" in rep or not new["replicationConfig"].get("asyncEnabled"):
            new["replicationConfig"].pop("asyncConfig", None)
    if isinstance(body.get("multiTenancyConfig"), dict) and body["multiTenancyConfig"].get("enabled"):
        raise Unprocessable("multi-tenancy is not supported by the lite server")
    _check_object_ttl(body)
    # property descriptions may change; the property list itself may not (add_property adds)
    given_props = {p.get("name"): p for p in body.get("properties") or [] if isinstance(p, dict)}
    for p in new.get("properties", []):
        g = given_props.get(p["name"])
        if g is not None and g.get("description") is not None:
            p["description"] = g["description"]
    if isinstance(body.get("vectorConfig"), dict):
        for vname, vc in body["vectorConfig"].items():
            if vname not in new.get("vectorConfig", {}):
                if "vectorIndexConfig" in new and vname == "default":
                    raise Unprocessable(
                        f"collection {new['class']} has the legacy unnamed vector, which is called 'default': "
                        "choose another name for the new named vector"
                    )
                # Weaviate (>= 1.31) adds named vectors next to the legacy unnamed one too
                new.setdefault("vectorConfig", {})[vname] = _named_vector(vname, vc)
                continue
            old = new["vectorConfig"][vname]
            given_cfg = (vc or {}).get("vectorIndexConfig") or {}
            if "distance" in given_cfg and given_cfg["distance"] != old["vectorIndexConfig"]["distance"]:
                raise Unprocessable(f"vector {vname!r}: distance is immutable")
            merged = _deep_merge(old["vectorIndexConfig"], given_cfg)
            _check_index_update(f"vector {vname!r}", old["vectorIndexType"], old["vectorIndexConfig"], merged)
            old["vectorIndexConfig"] = merged
    if "vectorIndexConfig" in new and isinstance(body.get("vectorIndexConfig"), dict):
        given_cfg = body["vectorIndexConfig"]
        if "distance" in given_cfg and given_cfg["distance"] != new["vectorIndexConfig"]["distance"]:
            raise Unprocessable("vectorIndexConfig: distance is immutable")
        merged = _deep_merge(new["vectorIndexConfig"], given_cfg)
        _check_index_update("vectorIndexConfig", new.get("vectorIndexType", "hnsw"), new["vectorIndexConfig"], merged)
        new["vectorIndexConfig"] = merged
    if body.get("moduleConfig"):
        new["moduleConfig"] = body["moduleConfig"]
    return new
