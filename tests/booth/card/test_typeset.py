"""Multi-script text (booth.card.typeset): script runs, the bundled fonts, fitting text."""

from __future__ import annotations

import pytest

from booth import assets
from booth.card.pdf import new_card_pdf
from booth.card.typeset import PdfPen, Style, runs


def test_bundled_fonts_are_present() -> None:
    assert assets.missing_fonts() == []
    assert assets.font_path(assets.KHMER_REGULAR).name == "NotoSansKhmer-Regular.ttf"
    assert (assets.FONTS_DIR / "LICENSE-OFL.txt").is_file()
    with pytest.raises(ValueError):
        assets.font_path("../secret.ttf")


def test_script_runs_pick_the_right_font() -> None:
    assert list(runs("SOK · សុខ ចន្ថា · สมชาย")) == [
        ("latin", "SOK · "),
        ("khmer", "សុខ ចន្ថា "),
        ("latin", "· "),
        ("thai", "สมชาย"),
    ]
    assert list(runs("᧠᧡")) == [("khmer", "᧠᧡")]  # Khmer symbols block


def test_long_text_is_wrapped_within_its_width_without_splitting_clusters() -> None:
    pen = PdfPen(new_card_pdf())
    text = "ព្រះរាជាណាចក្រកម្ពុជាស្រ្តីក្សត្រស្ត្រីល្អ"  # no spaces: must break between clusters
    st, lines = pen.fit(text, 20.0, Style(8.5), 6.0, max_lines=3)
    assert "".join(lines) == text
    for line in lines:
        assert pen.width(line, st) <= 20.0 + 1e-6
        assert not line.startswith(tuple("\u17b6\u17c1\u17d2\u17bb"))  # no orphaned vowel/coeng
        assert not line.endswith("\u17d2")


def test_hopelessly_long_text_is_clipped_with_an_ellipsis() -> None:
    pen = PdfPen(new_card_pdf())
    st, lines = pen.fit("WORD " * 60, 30.0, Style(8.0), 6.0, max_lines=2)
    assert st.pt == 6.0 and len(lines) == 2
    assert lines[-1].endswith("…")
    assert all(pen.width(line, st) <= 30.0 + 1e-6 for line in lines)


def test_fast_latin_measures_latin_like_the_shaped_path() -> None:
    shaped, fast = PdfPen(new_card_pdf()), PdfPen(new_card_pdf(), fast_latin=True)
    for text in ("KH-BTB-2026-004217", "SOK CHANTHA · សុខ ចន្ថា", "สมชาย ใจดี"):
        assert fast.width(text, Style(8.0)) == pytest.approx(shaped.width(text, Style(8.0)), rel=0.03)
