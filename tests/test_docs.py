"""The documentation against the code: docs/formats.md's constants, record fields and reason codes
are the code's, and every link in README.md and docs/ stays inside the repository."""

from __future__ import annotations

import ast
import importlib
import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FORMATS = DOCS / "formats.md"
PAGES = ("README.md", "formats.md", "threat-model.md", "operations.md", "architecture.md")

_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
_INDENTED = re.compile(r"^(?: {4}|\t).*$", re.M)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def prose(text: str) -> str:
    """The text without code blocks and inline code, where links are not links."""
    text = _FENCE.sub("", text)
    text = _INDENTED.sub("", text)
    return _CODE.sub("", text)


def links(path: Path) -> list[str]:
    return _LINK.findall(prose(path.read_text(encoding="utf-8")))


def table(text: str, first_header: str) -> list[list[str]]:
    """Rows (cells stripped) of the Markdown table whose first header cell is ``first_header``."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and cells[0] == first_header:
            rows = []
            for row in lines[i + 2 :]:
                if not row.lstrip().startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip().strip("|").split("|")])
            return rows
    raise AssertionError(f"no table with first column {first_header!r}")


def unquote(cell: str) -> str:
    assert cell.startswith("`") and cell.endswith("`"), f"{cell!r} should be in backticks"
    return cell[1:-1]


def resolve(dotted: str) -> object:
    """``package.module.NAME`` -> the object, importing the longest module prefix."""
    module_name, _, attr = dotted.rpartition(".")
    module = importlib.import_module(module_name)
    assert hasattr(module, attr), f"{module_name} has no {attr}"
    return getattr(module, attr)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = _CODE.sub(lambda m: m.group(0)[1:-1], heading).strip().lower()
    kept = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)}


# -- formats.md against the code


def constant_rows() -> list[tuple[str, str]]:
    return [(unquote(name), unquote(value)) for name, value, *_ in table(FORMATS.read_text(), "constant")]


def test_the_constants_table_is_not_empty() -> None:
    names = [name for name, _ in constant_rows()]
    assert len(names) >= 30 and len(set(names)) == len(names)


@pytest.mark.parametrize(("name", "value"), [pytest.param(n, v, id=n) for n, v in constant_rows()])
def test_constant_matches_the_code(name: str, value: str) -> None:
    assert resolve(name) == ast.literal_eval(value), f"docs/formats.md says {name} = {value}"


def test_record_fields_are_the_code_s_in_order() -> None:
    rows = table(FORMATS.read_text(), "#")
    assert [int(n) for n, *_ in rows] == list(range(1, len(rows) + 1))
    assert tuple(unquote(r[1]) for r in rows) == resolve("sync.protocol.records.FIELDS")


def test_genesis_example() -> None:
    text = FORMATS.read_text()
    booth_id, digest = re.search(r"for booth `([^`]+)` it is\s+`([0-9a-f]{64})`", text).groups()
    assert resolve("sync.protocol.records.genesis_hash")(booth_id) == digest


def test_reason_codes_are_the_code_s() -> None:
    reasons = importlib.import_module("booth.reasons")
    rows = table(FORMATS.read_text(), "reason")
    documented = {unquote(code): kind for code, kind, *_ in rows}
    assert [unquote(code) for code, *_ in rows] == [r.value for r in reasons.Reason], "same codes, same order"
    assert {c for c, kind in documented.items() if kind == "warning"} == {r.value for r in reasons.WARNINGS}
    assert set(documented.values()) == {"stop", "warning"}


# -- links


def test_docs_pages_exist_and_are_all_indexed() -> None:
    assert sorted(p.name for p in DOCS.glob("*.md")) == sorted(PAGES)
    indexed = {Path(link.split("#")[0]).name for link in links(DOCS / "README.md")}
    assert set(PAGES) - {"README.md"} <= indexed
    assert "docs/README.md" in links(ROOT / "README.md")


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve_inside_the_repo(path: Path) -> None:
    bad = []
    for link in links(path):
        if re.match(r"https?://", link):
            continue
        if link.startswith("mailto:"):
            continue
        target, _, fragment = link.partition("#")
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith(("/", "~", "\\")):
            bad.append(f"{link}: not a relative link")
            continue
        file = (path.parent / target).resolve() if target else path
        if not file.is_relative_to(ROOT):
            bad.append(f"{link}: points outside the repository")
        elif not file.exists():
            bad.append(f"{link}: no such file")
        elif fragment and file.suffix == ".md" and fragment not in anchors(file):
            bad.append(f"{link}: no heading #{fragment} in {file.relative_to(ROOT)}")
    assert not bad, f"{path.relative_to(ROOT)}: " + "; ".join(bad)


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_nothing_refers_to_files_beside_the_repo(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "../shared" not in text and "/work/" not in text
