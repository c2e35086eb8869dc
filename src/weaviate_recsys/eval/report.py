"""Writing an `EvaluationReport`: ``report.json`` (the stable contract), ``details.json`` (everything:
slice sizes, runtimes, tuning, NDCG by history length), ``report.md`` and PNG plots.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .harness import EvaluationReport
from .metrics import METRIC_NAMES

__all__ = ["markdown_table", "markdown_report", "write_report", "plot_metrics", "plot_ndcg_by_history"]

_SLICES = (("overall", "Overall"), ("cold_users", "Cold users"), ("cold_items", "Cold items"))


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.4f}" if abs(value) < 1 else f"{value:.3f}"


def markdown_table(report: EvaluationReport, slice_name: str = "overall", k: int | None = None) -> str:
    """One Markdown table: a row per method, a column per metric at cut-off ``k`` (default: the smallest)."""
    k = k or report.k[0]
    columns = [f"{name}@{k}" for name in METRIC_NAMES]
    lines = ["| method | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for name, result in report.methods.items():
        values = getattr(result, slice_name)
        lines.append(f"| {name} | " + " | ".join(_fmt(values.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def markdown_report(report: EvaluationReport, command: str | None = None) -> str:
    """The full Markdown report: tables per slice and cut-off, runtimes and tuning."""
    out = [f"# Evaluation: {report.dataset}", ""]
    out.append(
        f"Split `{report.split}`; {report.items} items, {report.training_interactions} training and "
        f"{report.test_interactions} test interactions; {report.users.get('overall', 0)} users evaluated "
        f"({report.users.get('cold_users', 0)} cold users, {report.users.get('cold_items', 0)} with a cold test item). "
        "Full ranking over the catalog minus each user's training items."
    )
    if command:
        out += ["", "Produced by:", "", f"```\n{command}\n```"]
    if report.notes:
        out += ["", *(f"Note: {note}" for note in report.notes)]
    for slice_name, title in _SLICES:
        for k in report.k:
            out += [
                "",
                f"## {title} @{k} ({report.users.get(slice_name, 0)} users)",
                "",
                markdown_table(report, slice_name, k),
            ]
    out += ["", "## Runtimes", "", "| method | fit s | recommend s | dropped items |", "|---|---:|---:|---:|"]
    for name, result in report.methods.items():
        out.append(f"| {name} | {result.fit_s:.2f} | {result.recommend_s:.2f} | {result.filtered} |")
    if report.tuning:
        out += ["", "## Tuned on the validation split", "", "```json", json.dumps(report.tuning, indent=2), "```"]
    if report.by_history:
        names = list(report.methods)
        out += ["", f"## NDCG@{report.k[0]} by training-history length", ""]
        out.append("| history | users | " + " | ".join(names) + " |")
        out.append("|---|---:|" + "---:|" * len(names))
        for bucket in report.by_history:
            out.append(
                f"| {bucket.label} | {bucket.users} | " + " | ".join(_fmt(bucket.ndcg.get(n)) for n in names) + " |"
            )
    return "\n".join(out) + "\n"


def plot_metrics(report: EvaluationReport, path: Path) -> None:
    """A bar chart per metric (at the smallest k), one bar per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = report.k[0]
    names = list(report.methods)
    fig, axes = plt.subplots(2, 4, figsize=(16, 7))
    for ax, metric in zip(axes.flat, METRIC_NAMES):
        values = [report.methods[n].overall.get(f"{metric}@{k}") for n in names]
        ax.bar(range(len(names)), [v if v is not None else 0.0 for v in values], color="tab:blue")
        ax.set_title(f"{metric}@{k}")
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    axes.flat[-1].axis("off")
    fig.suptitle(f"{report.dataset} ({report.split}): metrics by method")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_ndcg_by_history(report: EvaluationReport, path: Path) -> None:
    """NDCG at the smallest k per training-history bucket, a line per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    buckets = [b for b in report.by_history if b.users > 0]
    fig, ax = plt.subplots(figsize=(8, 5))
    for name in report.methods:
        ax.plot(
            [f"{b.label}\n(n={b.users})" for b in buckets],
            [v if (v := b.ndcg.get(name)) is not None else float("nan") for b in buckets],
            marker="o",
            label=name,
        )
    ax.set_xlabel("training interactions per user")
    ax.set_ylabel(f"NDCG@{report.k[0]}")
    ax.set_title(f"{report.dataset} ({report.split}): NDCG by user history length")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(report: EvaluationReport, directory: str | Path, command: str | None = None) -> list[Path]:
    """Write report.json, details.json, report.md, metrics.png and ndcg_by_history.png; returns the paths written.

    The plots need matplotlib (the ``eval`` extra). Without it, or when drawing fails, the plots are skipped
    with a note in ``report.notes`` (and in report.md): an evaluation that ran is never lost to its plots.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    plots = {"metrics.png": plot_metrics, "ndcg_by_history.png": plot_ndcg_by_history}
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        report.notes.append(
            "Plots skipped: matplotlib is not installed "
            "(`pip install 'weaviate-recsys[eval]'` to get metrics.png and ndcg_by_history.png)."
        )
        plots = {}
    for name, plot in plots.items():
        try:
            plot(report, directory / name)
        except Exception as e:  # noqa: BLE001 - matplotlib raises many types (backends, fonts); the numbers matter more
            report.notes.append(f"Plot {name} skipped: {type(e).__name__}: {e}")
        else:
            written.append(directory / name)
    files = {
        "report.json": json.dumps(report.contract(), indent=2) + "\n",
        "details.json": report.model_dump_json(indent=2) + "\n",
        "report.md": markdown_report(report, command),
    }
    for name, text in files.items():
        (directory / name).write_text(text)
    return [*(directory / name for name in files), *written]
