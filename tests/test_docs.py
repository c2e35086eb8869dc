"""The documentation stays consistent with the code that cites it and speaks only of the product."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LITE_DOC = ROOT / "docs" / "lite-server.md"
SECTION = re.compile(r"§(\d+(?:\.\d+)*)")


def _files(*parts: str, suffixes: tuple[str, ...] = (".py", ".md")) -> list[Path]:
    out: list[Path] = []
    for part in parts:
        path = ROOT / part
        if path.is_file():
            out.append(path)
        else:
            out.extend(p for p in sorted(path.rglob("*")) if p.suffix in suffixes and "__pycache__" not in p.parts)
    return out


def _doc_sections() -> set[str]:
    headings = re.findall(r"^#+ §(\d+(?:\.\d+)*) ", LITE_DOC.read_text(encoding="utf-8"), flags=re.M)
    return set(headings)


def test_every_section_the_code_cites_is_a_heading_of_the_lite_server_doc() -> None:
    sections = _doc_sections()
    missing = {
        f"§{number} ({path.relative_to(ROOT)})"
        for path in _files("src", "tests", "docs")
        if path != LITE_DOC
        for number in SECTION.findall(path.read_text(encoding="utf-8"))
        if number not in sections
    }
    assert not missing, f"cited sections missing from docs/lite-server.md: {sorted(missing)}"


def test_lite_server_doc_covers_its_own_section_numbers() -> None:
    # A section the doc refers to in its own text must exist too (e.g. "see §4.5").
    sections = _doc_sections()
    cited = set(SECTION.findall(LITE_DOC.read_text(encoding="utf-8")))
    assert cited <= sections, sorted(cited - sections)


def _lines(*parts: str) -> list[tuple[str, str]]:
    return [
        (f"{path.relative_to(ROOT)}:{n}", line)
        for path in _files(*parts)
        if path != Path(__file__).resolve()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
    ]


def test_no_file_cites_the_outside_spec() -> None:
    offenders = [where for where, line in _lines("README.md", "CHANGELOG.md", "docs", "src", "tests", "benchmarks")
                 if "WEAVIATE_SEMANTICS" in line]
    assert offenders == []


def test_docs_and_library_name_no_path_outside_the_repository() -> None:
    # Benchmarks and a few tests look for public data sets beside the repository; the docs and the library
    # never point there.
    outside = re.compile(r"\.\./shared|/work/")
    offenders = [where for where, line in _lines("README.md", "CHANGELOG.md", "docs", "src") if outside.search(line)]
    assert offenders == []
