"""Create, check, describe and drop the plugin's collections through weaviate-client v4.

``register_schema`` is safe to run at any time: it creates what is missing, adds properties (and named
vectors, where the server allows it) that an older version did not have, and refuses a collection that
conflicts with the contract instead of writing data into it that queries would then misread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import weaviate
from pydantic import BaseModel, Field
from weaviate.classes.config import Configure, Property, Tokenization
from weaviate.exceptions import WeaviateBaseError, WeaviateQueryError

from ..errors import ConnectionFailed, RecsysError, SchemaConflict
from .contracts import ALL_CONTRACTS, CollectionContract, PropertySpec, VectorSpec, collection_name

__all__ = [
    "SchemaReport",
    "PropertyDescription",
    "CollectionDescription",
    "register_schema",
    "describe_schema",
    "drop_schema",
    "stored_vector_dimension",
]

#: How many objects we look at to learn the dimension of an existing vector index.
_DIMENSION_SCAN_LIMIT = 1000


class SchemaReport(BaseModel):
    """What ``register_schema`` did."""

    created: list[str] = Field(default_factory=list, description="Collections created.")
    properties_added: dict[str, list[str]] = Field(default_factory=dict, description="Collection -> properties.")
    vectors_added: dict[str, list[str]] = Field(default_factory=dict, description="Collection -> named vectors.")
    unchanged: list[str] = Field(default_factory=list, description="Collections that already matched.")


class PropertyDescription(BaseModel):
    name: str
    data_type: str
    tokenization: str | None = None
    description: str | None = None


class CollectionDescription(BaseModel):
    """One collection as the server has it (``exists=False``: only the contract's name)."""

    stem: str
    name: str
    exists: bool
    object_count: int | None = None
    properties: list[PropertyDescription] = Field(default_factory=list)
    vectors: dict[str, str] = Field(default_factory=dict, description="Named vector -> distance metric.")
    missing_properties: list[str] = Field(default_factory=list, description="In the contract, not on the server.")


def _vector_config(spec: VectorSpec) -> Any:
    return Configure.Vectors.self_provided(
        name=spec.name, vector_index_config=Configure.VectorIndex.hnsw(distance_metric=spec.distance)
    )


def _property(spec: PropertySpec) -> Property:
    return Property(
        name=spec.name, data_type=spec.data_type, tokenization=spec.tokenization, description=spec.description or None
    )


def _enum_value(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def _existing_config(client: weaviate.WeaviateClient, name: str) -> Any | None:
    try:
        if not client.collections.exists(name):
            return None
        return client.collections.get(name).config.get()
    except WeaviateBaseError as e:
        raise ConnectionFailed(f"Could not read the schema of {name}: {e}. Check that Weaviate is reachable.") from e


def _property_conflicts(name: str, contract: CollectionContract, config: Any) -> tuple[list[str], list[PropertySpec]]:
    existing = {p.name: p for p in config.properties}
    conflicts: list[str] = []
    missing: list[PropertySpec] = []
    for spec in contract.properties:
        # Weaviate lower-cases the first letter of property names.
        prop = existing.get(spec.name) or existing.get(spec.name[:1].lower() + spec.name[1:])
        if prop is None:
            missing.append(spec)
            continue
        if _enum_value(prop.data_type) != _enum_value(spec.data_type):
            conflicts.append(
                f"{name}.{spec.name} is {_enum_value(prop.data_type)} on the server, the contract needs "
                f"{_enum_value(spec.data_type)}"
            )
        elif spec.effective_tokenization is not None:
            have = _enum_value(prop.tokenization) or Tokenization.WORD.value
            want = _enum_value(spec.effective_tokenization)
            if have != want:
                conflicts.append(f"{name}.{spec.name} has tokenization {have} on the server, the contract needs {want}")
    return conflicts, missing


def stored_vector_dimension(
    client: weaviate.WeaviateClient, name: str, vector: str, probe_dim: int | None = None
) -> int | None:
    """The dimension of the vectors already stored under a named vector, or None when none is stored.

    Weaviate fixes a vector index's dimension with the first vector written and does not report it in the
    schema, so we read it from the data: a ``near_vector`` probe of ``probe_dim`` (cheap; a dimension
    mismatch fails it), then a scan of up to 1,000 objects.
    """
    collection = client.collections.get(name)
    if probe_dim:
        probe = np.full(probe_dim, 1.0 / np.sqrt(probe_dim), dtype=np.float32).tolist()
        try:
            res = collection.query.near_vector(probe, target_vector=vector, limit=1, include_vector=[vector])
            for obj in res.objects:
                got = (obj.vector or {}).get(vector)
                if got:
                    return len(got)
            return None
        except WeaviateQueryError:
            pass  # a mismatch (or a server that cannot probe): find the stored dimension below
    seen = 0
    # the client passes a list of vector names through to fetch_objects; its iterator overloads only say bool
    for obj in collection.iterator(include_vector=[vector]):  # type: ignore[call-overload]
        got = (obj.vector or {}).get(vector)
        if got:
            return len(got)
        seen += 1
        if seen >= _DIMENSION_SCAN_LIMIT:
            break
    return None


def register_schema(
    client: weaviate.WeaviateClient,
    prefix: str = "",
    contracts: Sequence[CollectionContract] | None = None,
    vector_dims: Mapping[str, Mapping[str, int]] | None = None,
) -> SchemaReport:
    """Create the collections that are missing and bring existing ones up to the contract.

    Idempotent. Nothing is changed when any collection conflicts: all conflicts are checked first.

    Args:
        client: a connected weaviate-client.
        prefix: collection name prefix (settings.prefix).
        contracts: the collections to register; default ``ALL_CONTRACTS``.
        vector_dims: expected dimensions, ``{"Item": {"content": 384}}``; an existing vector index holding
            vectors of another dimension is a conflict (the embedding model changed).

    Returns:
        What was created or added.

    Raises:
        SchemaConflict: a property has another type or tokenization, a vector another metric or dimension.
    """
    contracts = list(ALL_CONTRACTS if contracts is None else contracts)
    vector_dims = vector_dims or {}
    report = SchemaReport()
    conflicts: list[str] = []
    plans: list[tuple[CollectionContract, str, Any, list[PropertySpec], list[VectorSpec]]] = []
    for contract in contracts:
        name = collection_name(contract.stem, prefix)
        config = _existing_config(client, name)
        if config is None:
            plans.append((contract, name, None, [], []))
            continue
        prop_conflicts, missing_props = _property_conflicts(name, contract, config)
        conflicts.extend(prop_conflicts)
        vectors = config.vector_config or {}
        missing_vectors: list[VectorSpec] = []
        if not vectors and contract.vectors:
            conflicts.append(f"{name} has no named vectors (a legacy single-vector collection)")
        for spec in contract.vectors if vectors else ():
            have = vectors.get(spec.name)
            if have is None:
                missing_vectors.append(spec)
                continue
            metric = _enum_value(getattr(have.vector_index_config, "distance_metric", None))
            if metric is not None and metric != _enum_value(spec.distance):
                conflicts.append(
                    f"{name} vector '{spec.name}' uses distance {metric}, the contract needs {_enum_value(spec.distance)}"
                )
            want_dim = vector_dims.get(contract.stem, {}).get(spec.name)
            if want_dim:
                have_dim = stored_vector_dimension(client, name, spec.name, probe_dim=want_dim)
                if have_dim is not None and have_dim != want_dim:
                    conflicts.append(
                        f"{name} vector '{spec.name}' holds {have_dim}-dimensional vectors, the embedding model "
                        f"produces {want_dim}"
                    )
        plans.append((contract, name, config, missing_props, missing_vectors))
    if conflicts:
        raise SchemaConflict(
            "The existing schema conflicts with weaviate-recsys: "
            + "; ".join(conflicts)
            + ". Use another --prefix for a separate catalog, or drop the conflicting collections with "
            "`weaviate-recsys schema drop --yes` (this deletes their objects) and run `schema create`; "
            "for a dimension conflict, load with the model the collection was built with (--model)."
        )
    for contract, name, config, missing_props, missing_vectors in plans:
        if config is None:
            _create(client, name, contract)
            report.created.append(name)
            continue
        collection = client.collections.get(name)
        for pspec in missing_props:
            try:
                collection.config.add_property(_property(pspec))
            except WeaviateBaseError as e:
                raise SchemaConflict(
                    f"Could not add property {pspec.name!r} to {name}: {e}. Add it by hand, or drop the collection "
                    "(`weaviate-recsys schema drop --yes`, deletes its objects) and run `schema create`."
                ) from e
            report.properties_added.setdefault(name, []).append(pspec.name)
        for vspec in missing_vectors:
            try:
                collection.config.add_vector(vector_config=_vector_config(vspec))
            except (WeaviateBaseError, NotImplementedError) as e:
                raise SchemaConflict(
                    f"{name} lacks the named vector '{vspec.name}' and the server could not add it ({e}); adding "
                    "named vectors needs Weaviate >= 1.31. Drop the collection (`weaviate-recsys schema drop --yes`, "
                    "deletes its objects) and run `schema create`."
                ) from e
            report.vectors_added.setdefault(name, []).append(vspec.name)
        if not missing_props and not missing_vectors:
            report.unchanged.append(name)
    return report


def _create(client: weaviate.WeaviateClient, name: str, contract: CollectionContract) -> None:
    try:
        client.collections.create(
            name=name,
            description=contract.description,
            properties=[_property(p) for p in contract.properties],
            vector_config=[_vector_config(v) for v in contract.vectors],
            inverted_index_config=Configure.inverted_index(index_null_state=True, index_timestamps=True),
        )
    except WeaviateBaseError as e:
        if client.collections.exists(name):
            # Another process created it between our check and our create; check it like any other.
            return
        raise RecsysError(f"Could not create collection {name}: {e}. Check the Weaviate server log.") from e


def describe_schema(
    client: weaviate.WeaviateClient, prefix: str = "", contracts: Sequence[CollectionContract] | None = None
) -> list[CollectionDescription]:
    """The plugin's collections as stored on the server, with object counts."""
    out: list[CollectionDescription] = []
    for contract in ALL_CONTRACTS if contracts is None else contracts:
        name = collection_name(contract.stem, prefix)
        config = _existing_config(client, name)
        if config is None:
            out.append(
                CollectionDescription(
                    stem=contract.stem, name=name, exists=False, missing_properties=contract.property_names
                )
            )
            continue
        count = client.collections.get(name).aggregate.over_all(total_count=True).total_count
        props = [
            PropertyDescription(
                name=p.name,
                data_type=_enum_value(p.data_type) or "",
                tokenization=_enum_value(p.tokenization),
                description=p.description,
            )
            for p in config.properties
        ]
        have = {p.name for p in config.properties}
        vectors = {
            vname: _enum_value(getattr(v.vector_index_config, "distance_metric", None)) or "?"
            for vname, v in (config.vector_config or {}).items()
        }
        out.append(
            CollectionDescription(
                stem=contract.stem,
                name=name,
                exists=True,
                object_count=count,
                properties=props,
                vectors=vectors,
                missing_properties=[p for p in contract.property_names if p not in have],
            )
        )
    return out


def drop_schema(
    client: weaviate.WeaviateClient, prefix: str = "", contracts: Sequence[CollectionContract] | None = None
) -> list[str]:
    """Delete the plugin's collections (and all their objects). Returns the names that existed."""
    dropped: list[str] = []
    for contract in ALL_CONTRACTS if contracts is None else contracts:
        name = collection_name(contract.stem, prefix)
        if client.collections.exists(name):
            client.collections.delete(name)
            dropped.append(name)
    return dropped
