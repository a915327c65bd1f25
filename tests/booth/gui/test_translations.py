"""Every visible string of the GUI has a Khmer and a Thai translation, and the shipped .qm files
are compiled from the shipped .ts files (scripts/i18n)."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
I18N = ROOT / "assets" / "i18n"
BIN = Path(sys.executable).parent


def _messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    out = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.find("name").text
        for message in context.iter("message"):
            out[(name, message.find("source").text)] = message.find("translation")
    return out


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    """What lupdate finds in the code today."""
    ts = tmp_path_factory.mktemp("i18n") / "fresh.ts"
    files = [str(p) for p in sorted((ROOT / "booth" / "gui").glob("*.py"))] + [str(ROOT / "booth" / "reasons.py")]
    subprocess.run([str(BIN / "pyside6-lupdate"), *files, "-ts", str(ts)], check=True, capture_output=True)
    return set(_messages(ts))


@pytest.mark.parametrize("language", ["km", "th"])
def test_every_string_is_translated(sources: set[tuple[str, str]], language: str) -> None:
    shipped = _messages(I18N / f"booth_{language}.ts")
    missing = sorted(s for s in sources if s not in shipped)
    unfinished = sorted(
        key
        for key in sources & shipped.keys()
        if shipped[key].get("type") == "unfinished" or not (shipped[key].text or "").strip()
    )
    assert not missing, f"run scripts/i18n and translate: {missing[:5]}"
    assert not unfinished, f"untranslated in booth_{language}.ts: {unfinished[:5]}"
    for key in sources:  # placeholders survive translation
        source, translation = key[1], shipped[key].text
        assert all(f"{{{i}}}" in translation for i in range(4) if f"{{{i}}}" in source), (language, source)


@pytest.mark.parametrize("language", ["km", "th"])
def test_shipped_qm_is_compiled_from_the_ts(tmp_path: Path, language: str) -> None:
    qm = tmp_path / "fresh.qm"
    subprocess.run(
        [str(BIN / "pyside6-lrelease"), str(I18N / f"booth_{language}.ts"), "-qm", str(qm)],
        check=True,
        capture_output=True,
    )
    assert qm.read_bytes() == (I18N / f"booth_{language}.qm").read_bytes(), "run scripts/i18n"
