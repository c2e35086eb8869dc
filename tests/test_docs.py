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
    headings = re.findall(r"^#+ §(\d+(?:\.\d+)*) ", LITE_DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
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
    offenders = [
        where
        for where, line in _lines("README.md", "CHANGELOG.md", "docs", "src", "tests", "benchmarks")
        if "WEAVIATE_SEMANTICS" in line
    ]
    assert offenders == []


def test_docs_and_library_name_no_path_outside_the_repository() -> None:
    # Benchmarks and a few tests look for public data sets beside the repository; the docs and the library
    # never point there.
    outside = re.compile(r"\.\./shared|/work/")
    offenders = [where for where, line in _lines("README.md", "CHANGELOG.md", "docs", "src") if outside.search(line)]
    assert offenders == []


# Wording that tells the project's own history instead of describing the product.
HISTORY = re.compile(
    r"\b(this|that|earlier|latest|previous|last|next|an earlier|one) sessions?\b|\bsessions? before\b"
    r"|\bsession \d+\b|\bissue \d+\b|\bissue's\b|\bthe issue\b|\bthis issue\b|\bour issue\b",
    flags=re.IGNORECASE,
)


def test_docs_code_and_tests_do_not_tell_the_projects_history() -> None:
    offenders = [
        f"{where}: {line.strip()[:100]}"
        for where, line in _lines("README.md", "CHANGELOG.md", "docs", "src", "tests", "benchmarks")
        if HISTORY.search(line)
    ]
    assert offenders == []


def test_history_pattern_catches_history_but_not_http_sessions() -> None:
    for wording in (
        "measured in this session",
        "an earlier session",
        "the latest session's runs",
        "see issue 7",
        "the issue's target",
        "(session 6, validation split)",
    ):
        assert HISTORY.search(wording), wording
    for wording in (
        "requests.Session() keeps the HTTP session open",
        "anonymous sessions get cold start",
        "Issues are tracked on GitHub",
    ):
        assert not HISTORY.search(wording), wording


def _anchors(doc: Path) -> set[str]:
    """GitHub's heading anchors: lower-cased, punctuation other than '-' and '_' dropped, spaces as '-'."""
    headings = re.findall(r"^#+ (.+)$", doc.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower().replace("`", "")).replace(" ", "-") for h in headings}


def test_readme_is_a_short_guide_with_contents() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 20_000
    contents = text.split("## Contents\n", 1)[1].split("\n## ", 1)[0]
    assert len(re.findall(r"\]\(#", contents)) >= 5


def test_links_between_docs_point_at_existing_files_and_headings() -> None:
    broken = []
    for doc in _files("README.md", "CHANGELOG.md", "docs"):
        for target, anchor in re.findall(r"\]\(([^)#:\s]*)(?:#([^)\s]+))?\)", doc.read_text(encoding="utf-8")):
            linked = (doc.parent / target) if target else doc
            if not linked.exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{doc.relative_to(ROOT)} -> {target}#{anchor}")
    assert broken == []
