"""`make demo` runs `weaviate-recsys demo`: the whole pipeline on the bundled sample, real model, lite server."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from weaviate_recsys.cli import main


@pytest.mark.slow
def test_demo_loads_builds_and_recommends_with_reasons(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["demo", "--data-dir", str(tmp_path / "data"), "-k", "3", "--quiet"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Loaded items: 255 read, 255 written, 0 unchanged, 0 rejected" in out
    assert "Loaded interactions: 910 read, 910 written" in out
    assert "Behaviour vectors: " in out and " of 255 items" in out
    assert "User u000" in out and "User newcomer" in out
    # The brand-new user only wrote about sourdough and a stand mixer: cold start serves Kitchen items.
    newcomer = out.split("User newcomer", 1)[1].split("Anonymous visitor", 1)[0]
    assert "macro interests: Kitchen" in newcomer
    assert "Stand Mixer" in newcomer

    again = runner.invoke(main, ["demo", "--data-dir", str(tmp_path / "data"), "-k", "3", "--quiet"])
    assert again.exit_code == 0, again.output
    assert "Loaded items: 255 read, 0 written, 255 unchanged, 0 rejected" in again.output
