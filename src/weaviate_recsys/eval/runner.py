"""One call that runs a whole evaluation from files: what ``weaviate-recsys eval`` and the benchmark use.

Read the files, split, carve validation, embed the catalog, build the chosen methods (tuning on
validation), load the catalog into Weaviate when a method needs it (a fresh embedded lite server, or
``settings.url`` with an evaluation-only collection prefix), evaluate, and write the report.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..progress import Progress
from ..settings import Settings
from .data import PositivePolicy, item_domains, read_eval_data
from .harness import EvaluationReport, evaluate
from .registry import MethodContext, resolve_methods
from .report import write_report
from .split import SplitSpec, split_data, validation_split
from .vectors import TextEmbedder, embed_items

__all__ = ["EvaluationConfig", "run_evaluation", "EVAL_PREFIX"]

#: Collections an evaluation creates get this prefix (after the settings' prefix), so a run against a
#: real cluster never touches the application's own collections.
EVAL_PREFIX = "Eval"


class EvaluationConfig(BaseModel):
    """What to evaluate and how.

    Attributes:
        items: the catalog file; interactions: one or more interaction files; users: optional users file.
        ks: cut-offs. split: ``leave-last:N`` or ``time:F``. methods: names (None: all available).
        min_rating: rows with a lower rating are not positives (None: every rating counts).
        domain_level: category level used as the macro domain when loading items into Weaviate and for
            subtopic recall (an item with a flat set of labels gets the label ``settings.domain_rule`` picks,
            for both).
        cold_user_max: users with at most this many training items form the cold-user slice.
        on_validation: evaluate on the validation split carved from the training part (for choosing models and
            settings; the held-out test part is never read).
        report_dir: where to write the report (None: nothing written).
        vector_cache_dir: keep item vectors between runs (experiments only; None: embed every run).
        dataset: the name in the report (default: the items file's folder).
        mapping: ``{field: column}`` for input columns with other names.
    """

    model_config = ConfigDict(extra="forbid")
    items: Path
    interactions: list[Path] = Field(min_length=1)
    users: Path | None = None
    ks: list[int] = Field(default_factory=lambda: [10, 20], min_length=1)
    split: str = "leave-last:1"
    methods: list[str] | None = None
    min_rating: float | None = 4.0
    domain_level: int = Field(default=1, ge=1)
    cold_user_max: int = Field(default=3, ge=0)
    on_validation: bool = False
    report_dir: Path | None = None
    vector_cache_dir: Path | None = None
    dataset: str | None = None
    mapping: dict[str, str] = Field(default_factory=dict)

    @field_validator("ks")
    @classmethod
    def _positive_ks(cls, ks: list[int]) -> list[int]:
        if any(k < 1 for k in ks):
            raise ValueError("every k must be >= 1")
        return sorted(set(ks))

    @field_validator("split")
    @classmethod
    def _valid_split(cls, split: str) -> str:
        return str(SplitSpec.parse(split))


@contextlib.contextmanager
def _weaviate(settings: Settings) -> Iterator[Any]:
    """A client for the evaluation: ``settings.url`` if set, else a fresh lite server in a temporary directory.

    The lite server runs in a child process: the evaluation's queries and the server's work then use both
    cores (in one process they would share one interpreter lock).
    """
    from ..connection import open_client

    if settings.url:
        with open_client(settings) as client:
            yield client
        return
    from .. import lite

    with tempfile.TemporaryDirectory(prefix="weaviate-recsys-eval-") as tmp:
        with lite.connect(Path(tmp) / "lite", in_process=False) as client:
            yield client


def run_evaluation(
    config: EvaluationConfig,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    embedder: TextEmbedder | None = None,
    command: str | None = None,
) -> EvaluationReport:
    """Run the evaluation ``config`` describes; write the report when ``config.report_dir`` is set.

    Args:
        config: files, split, cut-offs and methods.
        settings: connection and model settings (default: from the environment).
        progress: ``(users done, total)`` over every method's users.
        embedder: the content embedder (default: the project's, all-MiniLM-L6-v2).
        command: the command line, recorded in the Markdown report.

    Raises:
        ConfigurationError: an unknown or unavailable method, or a bad split.
        EvaluationError: the data cannot be evaluated (no positives, no user with enough history).
    """
    started = time.perf_counter()
    settings = settings or Settings()
    specs = resolve_methods(config.methods)
    data = read_eval_data(
        config.items,
        config.interactions,
        config.users,
        policy=PositivePolicy(min_rating=config.min_rating),
        name=config.dataset,
        mapping=config.mapping,
    )
    split = split_data(data, config.split)
    if config.on_validation:
        split = validation_split(split)
    timings: dict[str, float] = {"read_and_split_s": round(time.perf_counter() - started, 3)}
    # Embedding the catalog is the slowest step of a small run: only methods that use vectors pay for it.
    vectors = None
    if any(spec.needs_vectors for spec in specs):
        t0 = time.perf_counter()
        vectors = embed_items(data.items, embedder, cache_dir=config.vector_cache_dir, settings=settings)
        timings["embed_s"] = round(time.perf_counter() - t0, 3)
    ctx = MethodContext(data=data, split=split, settings=settings, item_vectors=vectors)
    with contextlib.ExitStack() as stack:
        if any(spec.needs_weaviate for spec in specs):
            from .weaviate_methods import load_catalog

            t0 = time.perf_counter()
            ctx.client = stack.enter_context(_weaviate(settings))
            ctx.catalog = load_catalog(
                ctx.client,
                data,
                split,
                ctx.vectors(),
                prefix=settings.prefix + EVAL_PREFIX,
                domain_level=config.domain_level,
                domain_rule=settings.domain_rule,
                interactions=any(spec.needs_interactions for spec in specs),
            )
            timings["weaviate_load_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        methods = [spec.build(ctx) for spec in specs]
        timings["build_and_tune_s"] = round(time.perf_counter() - t0, 3)
        report = evaluate(
            split,
            methods,
            config.ks,
            dataset=data.name,
            item_vectors=vectors,
            item_domains=[d for d, _ in item_domains(data.items, config.domain_level, settings.domain_rule)],
            cold_user_max=config.cold_user_max,
            progress=progress,
            tuning=ctx.tuning,
        )
    report.tuning["timings"] = {**timings, "evaluate_s": report.seconds}
    if vectors is None:
        report.notes.append(
            "diversity@k is not reported: it compares item content vectors, and no selected method "
            "needs them (add a vector method such as content-vector to compute them)."
        )
    report.seconds = round(time.perf_counter() - started, 3)
    if config.report_dir is not None:
        write_report(report, config.report_dir, command)
    return report
