"""The project's multi-granularity recommender as an evaluation `Method` (an adapter, not a model).

``fit`` runs what an application runs on the training part already loaded into the evaluation's
collections (``load_catalog(..., interactions=True)``): ``train_domains``, ``train_behavior``, then
``build_profiles``.
``recommend`` calls ``Recommender.recommend`` per user; the recommender excludes the items the user
interacted with, which in these collections are exactly the training items.

Ablations are the same recommender with one part switched off through its settings (for example
``alpha=1`` drops the keyword leg); they reuse the profiles the full method built on the same training part,
since profiles do not depend on how queries are run. For the same reason they share each user's
`UserSnapshot` (profile and seen items, read once per user and training set), so an ablation sends only its
own queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import ModelNotTrained
from ..settings import Settings
from .methods import Method
from .split import TrainingSet
from .weaviate_methods import LoadedCatalog, map_users

__all__ = ["MultiGranularity"]


class MultiGranularity(Method):
    """``multi-granularity``: domains, keywords and interest vectors from ``weaviate_recsys.plugin``."""

    name = "multi-granularity"

    def __init__(
        self,
        client: Any,
        catalog: LoadedCatalog,
        settings: Settings | None = None,
        embedder: Any = None,
        *,
        name: str = "multi-granularity",
        overrides: dict[str, Any] | None = None,
        fitted: dict[int, Any] | None = None,
        snapshots: dict[Any, dict[str, Any]] | None = None,
        workers: int = 4,
    ) -> None:
        """Args:
        name: the report name (an ablation's name).
        overrides: settings that switch a part off (e.g. ``{"alpha": 1.0}``).
        fitted: shared between the full method and its ablations: training sets whose domains and
            profiles are already built in these collections, so they are not built again.
        snapshots: shared like ``fitted``: users' `UserSnapshot`s per training set and snapshot scope.
        workers: users served concurrently (the client is thread-safe; the server works meanwhile).
        """
        self.client = client
        self.catalog = catalog
        self.name = name
        self.settings = (settings or Settings()).model_copy(update={"prefix": catalog.prefix, **(overrides or {})})
        self.embedder = embedder
        self.fit_reports: dict[str, Any] = {}
        self._fitted = fitted if fitted is not None else {}
        self._snapshots = snapshots if snapshots is not None else {}
        self._user_snapshots: dict[str, Any] = {}
        self._recommender: Any = None
        self.workers = workers

    def fit(self, training: TrainingSet) -> MultiGranularity:
        from ..plugin import Recommender, build_profiles, train_domains
        from ..plugin.behavior import train_behavior

        if id(training) in self._fitted:
            self.fit_reports = {"reused": True, **self._fitted[id(training)]}
        else:
            self.fit_reports["domains"] = train_domains(self.client, self.settings, embedder=self.embedder).model_dump(
                mode="json"
            )
            # Behaviour vectors come before profiles: a user's behaviour vector is the mean of their items'.
            # It reads the Interaction collection, which holds the training part only.
            self.fit_reports["behavior"] = train_behavior(self.client, self.settings).model_dump(mode="json")
            self.fit_reports["profiles"] = build_profiles(
                self.client, settings=self.settings, embedder=self.embedder
            ).model_dump(mode="json")
            self._fitted[id(training)] = dict(self.fit_reports)
        self._recommender = Recommender(self.client, self.settings, embedder=self.embedder)
        self._user_snapshots = self._snapshots.setdefault((id(training), self._recommender.snapshot_scope), {})
        return self

    def recommend(self, users: Sequence[str], k: int) -> list[list[str]]:
        if self._recommender is None:
            raise ModelNotTrained(f"{self.name}: call fit() on a training set before recommend().")
        rec = self._recommender
        snapshots = self._user_snapshots

        def one(user: str) -> list[str]:
            snapshot = snapshots.get(user)
            if snapshot is None:
                snapshot = snapshots[user] = rec.read_user(user)
            return [r.item_id for r in rec.recommend(user, k, explain=False, cold_start=True, snapshot=snapshot)]

        return map_users(one, users, self.workers)

    def close(self) -> None:
        if self._recommender is not None:
            self._recommender.close()
            self._recommender = None
