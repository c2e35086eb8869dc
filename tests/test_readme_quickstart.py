"""The README's quick start runs as written, on the bundled sample, against the embedded lite server."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ITEM_ID = re.compile(r"\b[A-Z]{2}\d{4}\b")  # the sample catalog's item ids (EL0000, KI0012, ...)


def quick_start_blocks(language: str) -> list[str]:
    """The fenced ``language`` blocks of the README's "Quick start" section, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"^```{language}\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)


def _environment(tmp_path: Path) -> dict[str, str]:
    """Run with this interpreter and this checkout's code, whatever `python` and `weaviate-recsys` are on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shims = {
        "python": f'exec "{sys.executable}" "$@"\n',
        "weaviate-recsys": f'exec "{sys.executable}" -c "import sys; from weaviate_recsys.cli import main; '
        f'sys.argv[0] = \'weaviate-recsys\'; main()" "$@"\n',
    }
    for name, body in shims.items():
        shim = bin_dir / name
        shim.write_text("#!/bin/sh\n" + body, encoding="utf-8")
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    ours = ("WEAVIATE_URL", "WEAVIATE_API_KEY", "WEAVIATE_RECSYS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT / "src"),
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
    )
    return env


def test_quick_start_has_an_install_block_then_the_pipeline() -> None:
    install, pipeline = quick_start_blocks("bash")
    assert "make install" in install
    for step in (
        "load items",
        "load users",
        "load interactions",
        "domains train",
        "behavior train",
        "profiles build",
        "recommend",
    ):
        assert f"weaviate-recsys {step}" in pipeline, step


@pytest.mark.slow
def test_quick_start_shell_commands_run_on_the_bundled_sample(tmp_path: Path) -> None:
    _, pipeline = quick_start_blocks("bash")
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", pipeline],
        check=False,
        cwd=work,
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Item: read 255" in done.stdout + done.stderr
    assert (work / ".weaviate-recsys").is_dir()  # the CLI's default data directory
    # Ten recommendations and five similar items: catalog ids on stdout.
    assert len(set(ITEM_ID.findall(done.stdout))) >= 10, done.stdout[-3000:]


@pytest.mark.slow
def test_quick_start_python_runs_on_the_bundled_sample(tmp_path: Path) -> None:
    (code,) = quick_start_blocks("python")
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=tmp_path,
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 10 and all(ITEM_ID.match(line) for line in lines), done.stdout
