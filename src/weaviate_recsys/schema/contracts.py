"""The collections weaviate-recsys owns, as data.

These contracts are the plugin's public surface: applications query the collections directly with their own
hybrid queries, so names, types and tokenization are stable and documented in the README. Other parts of the
package extend ``ALL_CONTRACTS`` (the interest model adds ``Domain`` and ``UserInterest``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from weaviate.classes.config import DataType, Tokenization, VectorDistances

__all__ = [
    "PropertySpec",
    "VectorSpec",
    "CollectionContract",
    "ITEM",
    "USER",
    "INTERACTION",
    "ALL_CONTRACTS",
    "collection_name",
    "contract_for",
    "CONTENT_VECTOR",
    "BEHAVIOR_VECTOR",
    "INTEREST_VECTOR",
    "RECENT_INTEREST_VECTOR",
]

#: Item: the embedding of the item's text; the vector leg of recommendations searches it.
CONTENT_VECTOR = "content"
#: Item and User: co-interaction embeddings (`weaviate_recsys.plugin.behavior`).
BEHAVIOR_VECTOR = "behavior"
#: User and UserInterest: the (long-term) interest vector the interest model builds.
INTEREST_VECTOR = "interest"
#: User: the short-term interest vector (the user's last few events).
RECENT_INTEREST_VECTOR = "recent_interest"

_TEXT_TYPES = (DataType.TEXT, DataType.TEXT_ARRAY)


@dataclass(frozen=True)
class PropertySpec:
    """One property of a collection.

    Args:
        name: property name (lower camel/snake case, as Weaviate stores it).
        data_type: Weaviate data type.
        tokenization: for text and text[] only; ``field`` for ids and labels used in exact filters.
        description: what the property holds (shown by ``schema show`` and in the README).
    """

    name: str
    data_type: DataType
    tokenization: Tokenization | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if self.tokenization is not None and self.data_type not in _TEXT_TYPES:
            raise ValueError(f"property {self.name!r}: tokenization applies to text and text[] only")

    @property
    def effective_tokenization(self) -> Tokenization | None:
        """The tokenization Weaviate will report: text without one gets ``word`` (server default)."""
        if self.data_type in _TEXT_TYPES:
            return self.tokenization or Tokenization.WORD
        return None


@dataclass(frozen=True)
class VectorSpec:
    """A self-provided named vector. Its dimension is fixed by the embedding model, not by the contract."""

    name: str
    distance: VectorDistances = VectorDistances.COSINE
    description: str = ""


@dataclass(frozen=True)
class CollectionContract:
    """A collection: its name stem (the prefix is added at registration), properties and named vectors."""

    stem: str
    description: str
    properties: tuple[PropertySpec, ...]
    vectors: tuple[VectorSpec, ...] = field(default_factory=tuple)

    def get_property(self, name: str) -> PropertySpec:
        for prop in self.properties:
            if prop.name == name:
                return prop
        raise KeyError(f"{self.stem} has no property {name!r}")

    @property
    def property_names(self) -> list[str]:
        return [p.name for p in self.properties]


def collection_name(stem: str, prefix: str = "") -> str:
    """The collection name for a stem: ``prefix + stem`` ("Shop" + "Item" -> "ShopItem").

    Weaviate capitalises the first letter of class names, so we do it here too and the name we use in
    queries is the name the server reports.
    """
    name = f"{prefix}{stem}"
    return name[:1].upper() + name[1:]


_F = Tokenization.FIELD
_W = Tokenization.WORD

ITEM = CollectionContract(
    stem="Item",
    description="Catalog items (weaviate-recsys).",
    properties=(
        PropertySpec("item_id", DataType.TEXT, _F, "The caller's item id (unique)."),
        PropertySpec("title", DataType.TEXT, _W, "Item title."),
        PropertySpec("description", DataType.TEXT, _W, "Item description."),
        PropertySpec(
            "domain", DataType.TEXT, _F, "Macro domain label (from the record, categories or the classifier)."
        ),
        PropertySpec("subdomain", DataType.TEXT, _F, "Finer label below the domain, when known."),
        PropertySpec("domain_predicted", DataType.BOOL, None, "True when the domain comes from the classifier."),
        PropertySpec("domain_probability", DataType.NUMBER, None, "Classifier probability of a predicted domain."),
        PropertySpec("categories", DataType.TEXT_ARRAY, _F, "Category path (root first) or category labels."),
        PropertySpec("tags", DataType.TEXT_ARRAY, _W, "Free tags."),
        PropertySpec("keywords", DataType.TEXT_ARRAY, _W, "Keywords filled by the interest model."),
        PropertySpec("brand", DataType.TEXT, _F, "Brand or maker."),
        PropertySpec("popularity", DataType.NUMBER, None, "Popularity score from the input, if any."),
        PropertySpec("created_at", DataType.DATE, None, "When the item was created or published."),
        PropertySpec("content_hash", DataType.TEXT, _F, "Hash of the loaded fields and model; unchanged rows skip."),
        PropertySpec("embedder", DataType.TEXT, _F, "Model and backend that embedded `content` (docs/embedding.md)."),
        PropertySpec(
            "behavior_events",
            DataType.INT,
            None,
            "Interactions behind the `behavior` vector (null: none, the item is content-only).",
        ),
    ),
    vectors=(
        VectorSpec(CONTENT_VECTOR, description="Embedding of title, categories, brand, tags and description."),
        VectorSpec(BEHAVIOR_VECTOR, description="Co-interaction embedding (items with interactions only)."),
    ),
)

USER = CollectionContract(
    stem="User",
    description="Users and their interest profiles (weaviate-recsys).",
    properties=(
        PropertySpec("user_id", DataType.TEXT, _F, "The caller's user id (unique)."),
        PropertySpec("name", DataType.TEXT, _W, "Display name."),
        PropertySpec("stated_interests", DataType.TEXT, _W, "What the user wrote about themselves (cold start)."),
        PropertySpec("domains", DataType.TEXT_ARRAY, _F, "Profile: long-term domains ordered by weight."),
        PropertySpec("domain_weights", DataType.NUMBER_ARRAY, None, "Profile: weights of `domains`."),
        PropertySpec("keywords", DataType.TEXT_ARRAY, _W, "Profile: long-term keywords ordered by weight."),
        PropertySpec("keyword_weights", DataType.NUMBER_ARRAY, None, "Profile: weights of `keywords`."),
        PropertySpec("recent_domains", DataType.TEXT_ARRAY, _F, "Profile: short-term (recent) domains by weight."),
        PropertySpec("recent_domain_weights", DataType.NUMBER_ARRAY, None, "Profile: weights of `recent_domains`."),
        PropertySpec("recent_keywords", DataType.TEXT_ARRAY, _W, "Profile: short-term (recent) keywords by weight."),
        PropertySpec("recent_keyword_weights", DataType.NUMBER_ARRAY, None, "Profile: weights of `recent_keywords`."),
        PropertySpec("event_count", DataType.INT, None, "Profile: interactions the profile was built from."),
        PropertySpec("profile_updated_at", DataType.DATE, None, "Profile: when it was last built."),
        PropertySpec("content_hash", DataType.TEXT, _F, "Hash of the loaded fields; unchanged rows skip."),
    ),
    vectors=(
        VectorSpec(INTEREST_VECTOR, description="Profile: long-term interest vector (built by the interest model)."),
        VectorSpec(RECENT_INTEREST_VECTOR, description="Profile: short-term interest vector (the last few events)."),
        VectorSpec(BEHAVIOR_VECTOR, description="Recency-weighted mean behavior vector of the user's items."),
    ),
)

INTERACTION = CollectionContract(
    stem="Interaction",
    description="User-item interactions and user content (weaviate-recsys).",
    properties=(
        PropertySpec("user_id", DataType.TEXT, _F, "Who."),
        PropertySpec("item_id", DataType.TEXT, _F, "Which item; empty for content without an item (a search)."),
        PropertySpec(
            "kind",
            DataType.TEXT,
            _F,
            "view, click, cart, purchase, rating, review, comment, like, dislike, or a declared extra kind.",
        ),
        PropertySpec("rating", DataType.NUMBER, None, "Rating value, if any."),
        PropertySpec("text", DataType.TEXT, _W, "User content: review, comment, post or search query."),
        PropertySpec("timestamp", DataType.DATE, None, "When it happened."),
        PropertySpec("seq", DataType.INT, None, "Order within the user when there is no timestamp."),
        PropertySpec("content_hash", DataType.TEXT, _F, "Hash of the loaded fields and model; unchanged rows skip."),
        PropertySpec("embedder", DataType.TEXT, _F, "Model and backend that embedded `text` (docs/embedding.md)."),
    ),
    vectors=(VectorSpec("text", description="Embedding of `text` (rows with text only)."),),
)

# Domain and UserInterest: owned by the interest model (weaviate_recsys.plugin).
DOMAIN = CollectionContract(
    stem="Domain",
    description="Interest domains and the trained interest model (weaviate-recsys).",
    properties=(
        PropertySpec("name", DataType.TEXT, _F, "Domain name; for model objects the model's name."),
        PropertySpec("kind", DataType.TEXT, _F, "'domain' for a domain, 'model' for a stored model object."),
        PropertySpec("item_count", DataType.INT, None, "Items in the domain (given or predicted)."),
        PropertySpec("predicted_count", DataType.INT, None, "Of those, items whose domain was predicted."),
        PropertySpec("keywords", DataType.TEXT_ARRAY, _W, "Top terms of the domain, ordered by weight."),
        PropertySpec("keyword_weights", DataType.NUMBER_ARRAY, None, "Weights of `keywords`."),
        PropertySpec("parameters", DataType.TEXT_ARRAY, _F, "Model objects: the model as JSON, split in chunks."),
        PropertySpec("version", DataType.TEXT, _F, "Model version (changes on every training run)."),
        PropertySpec("trained_at", DataType.DATE, None, "When the model was trained."),
    ),
    vectors=(VectorSpec("centroid", description="Mean content vector of the domain's items (domains only)."),),
)

USER_INTEREST = CollectionContract(
    stem="UserInterest",
    description="One object per user and top domain: the user's interest within that domain (weaviate-recsys).",
    properties=(
        PropertySpec("user_id", DataType.TEXT, _F, "Whose interest."),
        PropertySpec("domain", DataType.TEXT, _F, "Which domain."),
        PropertySpec("weight", DataType.NUMBER, None, "The domain's weight in the user's macro profile."),
        PropertySpec("rank", DataType.INT, None, "0 for the user's top domain, 1 for the next, ..."),
        PropertySpec("keywords", DataType.TEXT_ARRAY, _W, "The user's keywords within the domain, by weight."),
        PropertySpec("keyword_weights", DataType.NUMBER_ARRAY, None, "Weights of `keywords`."),
        PropertySpec("event_count", DataType.INT, None, "The user's interactions with items of the domain."),
        PropertySpec("updated_at", DataType.DATE, None, "When it last changed."),
        PropertySpec(
            "profile_hash", DataType.TEXT, _F, "Hash of the other fields and the vector; unchanged rows skip."
        ),
    ),
    vectors=(VectorSpec(INTEREST_VECTOR, description="The user's interest vector within the domain."),),
)

#: Every collection ``register_schema`` creates by default. Other subpackages append their contracts here.
ALL_CONTRACTS: list[CollectionContract] = [ITEM, USER, INTERACTION, DOMAIN, USER_INTEREST]


def contract_for(stem: str, contracts: list[CollectionContract] | None = None) -> CollectionContract:
    """The contract with this stem (``Item``, ``User``, ...)."""
    for contract in contracts if contracts is not None else ALL_CONTRACTS:
        if contract.stem == stem:
            return contract
    raise KeyError(f"no collection contract named {stem!r}")
