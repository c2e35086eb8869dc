"""Choosing a setting's value across data sets, and checking that the choice carries over.

A value tuned on one data set often fits that data set only. The rule here prefers a value that is good on
every data set: each value's score on a data set is divided by the best score any value reached there, and the
chosen value is the one whose worst such ratio is highest. Values within ``tolerance`` of that highest worst
ratio count as tied, and ties go to the value listed first, so list the current default first: a default then
moves only for a gain larger than the noise between nearly equal settings. The leave-one-out check asks what a
value tuned on one data set alone would have given on each other data set, as a share of the best there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel

__all__ = ["Selection", "LeaveOneOut", "select_across", "leave_one_out"]


class LeaveOneOut(BaseModel):
    """The value tuned on ``tuned_on`` alone, and its score on ``reported_on`` as a share of the best there."""

    tuned_on: str
    reported_on: str
    value: str
    relative: float


class Selection(BaseModel):
    """Scores relative to each data set's best, the best value per data set, and the cross-data-set choice."""

    relative: dict[str, dict[str, float]]
    best_per_dataset: dict[str, str]
    chosen: str
    chosen_worst_relative: float
    leave_one_out: list[LeaveOneOut]


def _relative(scores: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for value, per_dataset in scores.items():
        out[value] = {}
        for dataset, score in per_dataset.items():
            best = max(s[dataset] for s in scores.values())
            out[value][dataset] = score / best if best > 0 else 1.0
    return out


def select_across(scores: Mapping[str, Mapping[str, float]], tolerance: float = 0.0) -> Selection:
    """Choose among ``{value: {dataset: score}}`` (higher is better; every value scored on every data set);
    worst ratios within ``tolerance`` of the highest are ties, won by the value listed first."""
    if tolerance < 0:
        raise ValueError("tolerance must be >= 0")
    if not scores:
        raise ValueError("no values to choose from")
    values: Sequence[str] = list(scores)
    datasets = list(scores[values[0]])
    if any(set(scores[v]) != set(datasets) for v in values):
        raise ValueError("every value must be scored on the same data sets")
    relative = _relative(scores)
    best = {d: max(values, key=lambda v: (scores[v][d], -values.index(v))) for d in datasets}
    top = max(min(relative[v].values()) for v in values)
    chosen = next(v for v in values if min(relative[v].values()) >= top - tolerance)
    return Selection(
        relative=relative,
        best_per_dataset=best,
        chosen=chosen,
        chosen_worst_relative=min(relative[chosen].values()),
        leave_one_out=leave_one_out(scores),
    )


def leave_one_out(scores: Mapping[str, Mapping[str, float]]) -> list[LeaveOneOut]:
    """For each pair of data sets: the value best on the first alone, and how it does on the second."""
    values = list(scores)
    datasets = list(scores[values[0]]) if values else []
    relative = _relative(scores)
    out = []
    for tuned_on in datasets:
        value = max(values, key=lambda v: (scores[v][tuned_on], -values.index(v)))
        for reported_on in datasets:
            if reported_on != tuned_on:
                out.append(
                    LeaveOneOut(
                        tuned_on=tuned_on, reported_on=reported_on, value=value, relative=relative[value][reported_on]
                    )
                )
    return out
