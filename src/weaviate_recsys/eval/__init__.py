"""Offline evaluation: chronological splits, metrics, baselines, Weaviate-backed methods and reports.

``run_evaluation(EvaluationConfig(...))`` is what ``weaviate-recsys eval`` runs; the pieces below it
(`split_data`, the `Method` interface and baselines, `evaluate`, `write_report`) can be used alone.
"""

from .data import EvalData, EvalInteraction, EvalItem, PositivePolicy, UserText, build_eval_data, read_eval_data
from .harness import EvaluationReport, MethodResult, evaluate, rank_lists, tune_on_validation
from .methods import (
    EASE,
    ContentVector,
    ContentVectorConfig,
    EASEConfig,
    ItemKNN,
    ItemKNNConfig,
    Method,
    MostPopular,
    MostPopularConfig,
    ScoringMethod,
)
from .metrics import METRIC_NAMES
from .registry import CONTRACT_METHODS, METHODS, MethodContext, MethodSpec, available_methods, register_method
from .report import markdown_report, markdown_table, write_report
from .runner import EvaluationConfig, run_evaluation
from .split import Split, SplitSpec, TrainingSet, split_data, validation_split
from .vectors import embed_items

__all__ = [
    "EvalData",
    "EvalItem",
    "EvalInteraction",
    "UserText",
    "PositivePolicy",
    "build_eval_data",
    "read_eval_data",
    "SplitSpec",
    "Split",
    "TrainingSet",
    "split_data",
    "validation_split",
    "METRIC_NAMES",
    "Method",
    "ScoringMethod",
    "MostPopular",
    "MostPopularConfig",
    "ItemKNN",
    "ItemKNNConfig",
    "EASE",
    "EASEConfig",
    "ContentVector",
    "ContentVectorConfig",
    "embed_items",
    "EvaluationReport",
    "MethodResult",
    "evaluate",
    "rank_lists",
    "tune_on_validation",
    "MethodSpec",
    "MethodContext",
    "METHODS",
    "CONTRACT_METHODS",
    "register_method",
    "available_methods",
    "markdown_table",
    "markdown_report",
    "write_report",
    "EvaluationConfig",
    "run_evaluation",
]
