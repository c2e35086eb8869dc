"""Commands that do not embed text start fast: they never import the embedding model, torch, NLTK,
scikit-learn or scipy (checked in a fresh interpreter, since this test process may have imported them already)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from weaviate_recsys import lite
from weaviate_recsys.loaders import HashingEmbedder

from _recommend_fixtures import build_all

PREFIX = "Imp"
HEAVY = ("torch", "sentence_transformers", "transformers", "nltk", "sklearn", "matplotlib", "scipy")

_SCRIPT = """
import json, sys
from click.testing import CliRunner
from weaviate_recsys.cli import main
codes = {}
for args in json.loads(sys.argv[1]):
    result = CliRunner().invoke(main, args)
    codes[" ".join(args[:2])] = [result.exit_code, result.output[-300:]]
heavy = [m for m in json.loads(sys.argv[2]) if m in sys.modules]
print(json.dumps({"codes": codes, "heavy": heavy}))
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("lite")
    client = lite.connect(data_dir=d)
    try:
        build_all(client, tmp_path_factory.mktemp("files"), PREFIX, HashingEmbedder(dim=16))
    finally:
        client.close()
    return d


def _heavy_modules_imported_by(commands: list[list[str]]) -> dict[str, Any]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(commands), json.dumps(HEAVY)],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"},
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_reading_commands_import_no_model_and_no_text_processing(data_dir: Path) -> None:
    common = ["--data-dir", str(data_dir), "--prefix", PREFIX, "-q"]
    commands = [
        ["recommend", "pen-fan", "-k", "3", *common],
        ["recommend", "stranger", "--cold-start", "-k", "3", *common],
        ["similar", "w1", "-k", "3", *common],
        ["audience", "w1", "-k", "3", *common],
        ["profile", "show", "pen-fan", *common],
        ["schema", "show", *common],
    ]
    report = _heavy_modules_imported_by(commands)
    assert {name: code for name, (code, _) in report["codes"].items()} == {
        "recommend pen-fan": 0,
        "recommend stranger": 0,
        "similar w1": 0,
        "audience w1": 0,
        "profile show": 0,
        "schema show": 0,
    }, report["codes"]
    assert report["heavy"] == []


def test_recommend_against_a_running_server_imports_only_what_it_runs(data_dir: Path) -> None:
    """``--url``: the Weaviate client and numpy, but no model, text processing or scipy (profiles are stored)."""
    with lite.start(data_dir=data_dir) as server:
        url = ["--url", server.url, "--grpc-port", str(server.grpc_port), "--prefix", PREFIX, "-q"]
        report = _heavy_modules_imported_by([["recommend", "pen-fan", "-k", "3", *url]])
    assert report["codes"]["recommend pen-fan"][0] == 0, report["codes"]
    assert report["heavy"] == []


def test_every_public_name_of_the_plugin_package_loads_on_first_use() -> None:
    import weaviate_recsys.plugin as plugin

    assert sorted(plugin.__all__) == sorted(plugin._DEFINED_IN)
    for name in plugin.__all__:
        assert getattr(plugin, name) is getattr(sys.modules[f"weaviate_recsys.plugin.{plugin._DEFINED_IN[name]}"], name)
    with pytest.raises(AttributeError):
        plugin.no_such_name  # noqa: B018
