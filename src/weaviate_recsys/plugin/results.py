"""What the recommender returns: plain pydantic models that need neither numpy nor the Weaviate client, so a
client of the recommendation service (`weaviate_recsys.service_client`) reads the same objects cheaply."""

from __future__ import annotations

from pydantic import BaseModel

from .reasons import Reasons

__all__ = ["AudienceMember", "Recommendation"]


class Recommendation(BaseModel):
    """One recommended item.

    Attributes:
        item_id: the application's item id.
        title: the item's title.
        score: the fused score the list is ordered by (comparable within one list; see `plugin.recommend`).
        domain: the item's domain.
        reasons: why it is recommended; always set (``parts`` only when asked to explain).
    """

    item_id: str
    title: str | None = None
    score: float
    domain: str | None = None
    reasons: Reasons


class AudienceMember(BaseModel):
    """A user interested in an item (see `Recommender.audience`).

    Attributes:
        user_id: the user.
        score: interest weight in the item's domain x similarity of their interest vector to the item.
        domain: the interest that matched (the item's domain), None when matched on the overall interest.
        weight: the user's weight for that domain (1 for the overall interest).
        similarity: cosine similarity of the interest vector and the item's content vector.
    """

    user_id: str
    score: float
    domain: str | None = None
    weight: float
    similarity: float
