"""The plugin's collections: contracts as data, registration, and object identities."""

from .contracts import (
    ALL_CONTRACTS,
    BEHAVIOR_VECTOR,
    CONTENT_VECTOR,
    INTERACTION,
    INTEREST_VECTOR,
    ITEM,
    USER,
    CollectionContract,
    PropertySpec,
    VectorSpec,
    collection_name,
    contract_for,
)
from .identity import interaction_uuid, item_uuid, text_hash, user_uuid
from .registration import (
    CollectionDescription,
    PropertyDescription,
    SchemaReport,
    describe_schema,
    drop_schema,
    register_schema,
    stored_vector_dimension,
)

__all__ = [
    "ALL_CONTRACTS",
    "CONTENT_VECTOR",
    "BEHAVIOR_VECTOR",
    "INTEREST_VECTOR",
    "ITEM",
    "USER",
    "INTERACTION",
    "CollectionContract",
    "PropertySpec",
    "VectorSpec",
    "collection_name",
    "contract_for",
    "item_uuid",
    "user_uuid",
    "interaction_uuid",
    "text_hash",
    "SchemaReport",
    "CollectionDescription",
    "PropertyDescription",
    "register_schema",
    "describe_schema",
    "drop_schema",
    "stored_vector_dimension",
]
