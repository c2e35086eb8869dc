"""weaviate-recsys: multi-granularity user-interest modelling and hybrid recommendations on Weaviate."""

from __future__ import annotations

from .errors import RecsysError
from .settings import Settings

__all__ = ["RecsysError", "Settings"]
