"""The README's pipeline through the CLI on the bundled sample, in every documented order of the optional steps.

`schema create`, `load users` and `behavior train` are optional: skipping any of them must not break a later
command. A hashing embedder stands in for the model (this is about the commands, not about embeddings).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from weaviate_recsys.cli import main
from weaviate_recsys.demo import sample_path
from weaviate_recsys.loaders import HashingEmbedder, embedding

SCHEMA = ["schema", "create"]
ITEMS = ["load", "items", str(sample_path("items"))]
USERS = ["load", "users", str(sample_path("users"))]
INTERACTIONS = ["load", "interactions", str(sample_path("interactions"))]
DOMAINS = ["domains", "train", "--cv", "2"]
BEHAVIOR = ["behavior", "train", "--dim", "16"]
PROFILES = ["profiles", "build"]
USE = [
    ["recommend", "u000", "-k", "3", "--format", "json"],
    ["similar", "EL0000", "-k", "3", "--format", "json"],
    ["audience", "EL0000", "-k", "3", "--format", "json"],
    ["profile", "show", "u000", "--format", "json"],
]

ORDERS = {
    "everything, as documented": [SCHEMA, ITEMS, USERS, INTERACTIONS, DOMAINS, BEHAVIOR, PROFILES, *USE],
    "no schema create, no users, no behaviour": [ITEMS, INTERACTIONS, DOMAINS, PROFILES, *USE],
    "no users, behaviour": [SCHEMA, ITEMS, INTERACTIONS, DOMAINS, BEHAVIOR, PROFILES, *USE],
    "users loaded after the profiles": [ITEMS, INTERACTIONS, DOMAINS, PROFILES, *USE, USERS, PROFILES, *USE],
}


@pytest.fixture(autouse=True)
def hashing_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "_cached_embedder", lambda *args, **kwargs: HashingEmbedder(dim=32))


def _run(data_dir: Path, args: list[str]) -> Result:
    return CliRunner().invoke(main, [*args, "--data-dir", str(data_dir), "--quiet"])


@pytest.mark.parametrize("order", list(ORDERS))
def test_every_step_of_the_pipeline_succeeds(order: str, tmp_path: Path) -> None:
    for step in ORDERS[order]:
        result = _run(tmp_path, step)
        assert result.exit_code == 0, f"{' '.join(step)}: {result.output}"
        if "--format" in step and step[0] != "profile":
            assert json.loads(result.output), f"{' '.join(step)} found nothing"


def test_domains_train_before_any_item_says_to_load_items(tmp_path: Path) -> None:
    result = _run(tmp_path, DOMAINS)
    assert result.exit_code == 1
    assert "load items" in result.output


def test_commands_run_before_training_say_what_to_run(tmp_path: Path) -> None:
    for step in (ITEMS, INTERACTIONS):
        assert _run(tmp_path, step).exit_code == 0
    audience = _run(tmp_path, ["audience", "EL0000"])
    assert audience.exit_code == 0 and "No interested users found" in audience.output
    for step in (["recommend", "u000"], ["profile", "show", "u000"]):
        result = _run(tmp_path, step)
        assert result.exit_code == 1
        assert "`weaviate-recsys domains train`, then `weaviate-recsys profiles build`" in result.output
    cold = _run(tmp_path, ["recommend", "u000", "--cold-start", "-k", "2", "--format", "json"])
    assert cold.exit_code == 0 and len(json.loads(cold.output)) == 2


def test_domains_train_says_what_its_accuracy_is_measured_on_and_gives_a_label_free_one(tmp_path: Path) -> None:
    assert _run(tmp_path, ITEMS).exit_code == 0
    result = _run(tmp_path, DOMAINS)
    assert result.exit_code == 0, result.output
    # The sample items' embedded text holds their category path: that accuracy is an optimistic bound ...
    assert "on stored content vectors, whose text holds the category labels" in result.output
    # ... and held-out items are classified again from their text without the labels.
    assert "Label-free (" in result.output and "without category labels" in result.output
    report = json.loads(_run(tmp_path, [*DOMAINS, "--format", "json"]).output)
    assert report["label_free_metrics"]["accuracy"] is not None
