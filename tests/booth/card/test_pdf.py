"""The printed permit card (booth.card.pdf): real PDF files, rendered with pdftoppm and
decoded back with zxing-cpp (nothing mocked)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from card_helpers import QR_TEXT, decode, make, small_jpeg
from PIL import Image

from booth import assets
from booth.card.pdf import CARD_H, CARD_W, CardError, card_pdf
from sync.protocol.permit import Permit

MM_TO_PT = 72 / 25.4
PDFTOPPM = shutil.which("pdftoppm")
PDFTOTEXT = shutil.which("pdftotext")

needs_pdftoppm = pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm (poppler-utils) not installed")
needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) not installed")


def render_page(pdf: Path, out_stem: Path, dpi: int = 300) -> Image.Image:
    subprocess.run([PDFTOPPM, "-png", "-r", str(dpi), "-singlefile", str(pdf), str(out_stem)], check=True)
    return Image.open(out_stem.with_suffix(".png"))


@pytest.fixture
def khmer_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "card.pdf"
    card_pdf(make(), QR_TEXT, path, office_name="Banteay Meanchey permit office")
    return path


def test_pdf_is_one_id1_page(khmer_pdf: Path) -> None:
    data = khmer_pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert len(boxes) == 1, boxes
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) == 1
    x0, y0, x1, y1 = (float(v) for v in boxes[0])
    assert (x0, y0) == (0, 0)
    assert x1 == pytest.approx(CARD_W * MM_TO_PT, abs=0.05)  # 85.60 mm = 242.65 pt
    assert y1 == pytest.approx(CARD_H * MM_TO_PT, abs=0.05)  # 53.98 mm = 153.01 pt


def test_pdf_embeds_the_khmer_thai_and_latin_fonts(khmer_pdf: Path) -> None:
    data = khmer_pdf.read_bytes()
    names = set(re.findall(rb"/FontName\s*/[A-Z]{6}\+([A-Za-z-]+)", data))
    assert {b"NotoSansKhmer", b"NotoSans", b"NotoSansBold", b"NotoSansThaiBold"} <= names
    assert b"/FontFile2" in data  # embedded TrueType, not just referenced


@needs_pdftoppm
def test_pdf_qr_decodes_from_a_300_dpi_render(khmer_pdf: Path, tmp_path: Path) -> None:
    page = render_page(khmer_pdf, tmp_path / "page")
    # 85.60 x 53.98 mm at 300 dpi
    assert page.size == pytest.approx((1011, 637), abs=2)
    assert decode(page) == [QR_TEXT]


@needs_pdftoppm
@pytest.mark.parametrize(
    "permit",
    [
        make(family_name="JAIDEE", given_names="SOMCHAI", native_name="สมชาย ใจดี", nationality="THA"),
        make(photo=small_jpeg()),
        make(
            family_name="VONGSAVATHDY-PRASERTSRIWATTANAKUL",
            given_names="CHANTHAVONG SOMPHONE MARIE-CLAIRE",
            native_name="ព្រះរាជាណាចក្រកម្ពុជា ស្រ្តី ក្សត្រ ស្ត្រីល្អ",
            checkpoints=("KH-PHD", "KH-STB", "KH-OSM", "KH-CHM", "KH-PSR"),
            zone="Aranyaprathet, Khlong Luek market and Rong Kluea market area",
            photo=small_jpeg(),
        ),
    ],
    ids=["thai", "photo", "long"],
)
def test_other_cards_render_and_scan(permit: Permit, tmp_path: Path) -> None:
    path = tmp_path / "card.pdf"
    names = {"KH-PHD": "Phnom Dei", "KH-STB": "ស្ទឹងបត់", "KH-OSM": "O'Smach"}
    card_pdf(permit, QR_TEXT, path, office_name="Permit office", checkpoint_names=names)
    data = path.read_bytes()
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) == 1
    if permit.photo:
        assert b"/DCTDecode" in data  # the JPEG goes in as is
    assert decode(render_page(path, tmp_path / "page")) == [QR_TEXT]


@needs_pdftotext
def test_pdf_text_is_extractable(khmer_pdf: Path) -> None:
    text = subprocess.run([PDFTOTEXT, str(khmer_pdf), "-"], capture_output=True, check=True, text=True).stdout
    for expected in ("SOK", "CHANTHA", "KH-BTB-2026-004217", "1990-04-17", "2026-01-01", "2026-12-31", "KH-STB"):
        assert expected in text
    assert "សុខចន្ថា" in text.replace(" ", "")  # shaped Khmer maps back to its characters


def test_missing_fonts_are_a_card_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assets, "FONTS_DIR", tmp_path / "no-fonts")
    with pytest.raises(CardError, match="fonts missing"):
        card_pdf(make(), QR_TEXT, tmp_path / "card.pdf")
    assert not (tmp_path / "card.pdf").exists()


def test_unreadable_photo_is_a_card_error(tmp_path: Path) -> None:
    with pytest.raises(CardError, match="photo"):
        card_pdf(make(photo=b"not a jpeg"), QR_TEXT, tmp_path / "card.pdf")
