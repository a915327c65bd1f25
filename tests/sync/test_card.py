"""Permit card rendering: real PNG/PDF files, decoded back with zxing-cpp (nothing mocked)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import segno
import zxingcpp
from PIL import Image

from booth import assets
from sync.hq import card
from sync.hq.card import CARD_H, CARD_W, CardError, card_pdf, qr_png
from sync.protocol.permit import Permit

QR_TEXT = "BP1:" + "ABC123" * 80  # 484 alphanumeric characters
MM_TO_PT = 72 / 25.4
PDFTOPPM = shutil.which("pdftoppm")
PDFTOTEXT = shutil.which("pdftotext")

needs_pdftoppm = pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm (poppler-utils) not installed")
needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) not installed")


def make(**changes: object) -> Permit:
    fields: dict[str, object] = dict(
        number="KH-BTB-2026-004217", issuer="KH-BTB-01", not_before=1_767_225_600,
        expires=1_798_761_599, issued_at=1_767_225_600, kind="multi", family_name="SOK",
        given_names="CHANTHA", native_name="សុខ ចន្ថា", dob="1990-04-17", sex="M",
        nationality="KHM", document="N0123456", residence="Poipet, Banteay Meanchey",
        checkpoints=("KH-PHD", "KH-STB"), zone="Aranyaprathet district", stay_days=7,
    )  # fmt: skip
    fields.update(changes)
    return Permit(**fields)  # type: ignore[arg-type]


def small_jpeg() -> bytes:
    im = Image.new("RGB", (48, 64), (200, 210, 225))
    im.paste((150, 110, 90), (14, 10, 34, 34))
    im.paste((40, 60, 110), (8, 40, 40, 64))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=60)
    data = buf.getvalue()
    assert len(data) < 2048
    return data


def decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image)]


def render_page(pdf: Path, out_stem: Path, dpi: int = 300) -> Image.Image:
    subprocess.run([PDFTOPPM, "-png", "-r", str(dpi), "-singlefile", str(pdf), str(out_stem)], check=True)
    return Image.open(out_stem.with_suffix(".png"))


# --- QR PNG -----------------------------------------------------------------------------


def test_png_decodes_to_exact_text_at_level_q(tmp_path: Path) -> None:
    path = tmp_path / "qr.png"
    version = qr_png(QR_TEXT, path)
    # 484 alphanumeric characters: v16-Q holds 450, v17-Q holds 504
    assert version == 17
    results = zxingcpp.read_barcodes(Image.open(path))
    assert [r.text for r in results] == [QR_TEXT]
    assert results[0].ec_level == "Q"
    assert results[0].extra.get("Version") == "17"


@pytest.mark.parametrize(("length", "version"), [(16, 1), (17, 2), (29, 2), (30, 3), (2420, 40)])
def test_png_version_follows_the_level_q_alphanumeric_capacity(tmp_path: Path, length: int, version: int) -> None:
    text = ("BP1:" + "7" * length)[:length]
    assert qr_png(text, tmp_path / "qr.png", scale=2) == version


def test_png_has_a_four_module_quiet_zone(tmp_path: Path) -> None:
    path = tmp_path / "qr.png"
    version = qr_png(QR_TEXT, path, scale=3)
    modules = 17 + 4 * version
    with Image.open(path) as im:
        assert im.size == ((modules + 8) * 3, (modules + 8) * 3)
        gray = im.convert("L")
        border = [gray.getpixel((x, y)) for x in range(12) for y in range(gray.height)]
        assert min(border) == 255  # 4 modules x 3 px, all white


def test_text_outside_the_alphanumeric_set_is_a_card_error(tmp_path: Path) -> None:
    with pytest.raises(CardError, match="alphanumeric"):
        qr_png("bp1:lower case", tmp_path / "qr.png")


def test_qr_is_level_q_without_boost() -> None:
    # a short text would be boosted to H by segno's default; docs/formats.md says Q
    qr = card.make_qr("BP1:ABC")
    assert qr.error == "Q"
    assert segno.make_qr("BP1:ABC", error="q").error == "H"


# --- PDF card ---------------------------------------------------------------------------


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


def test_bundled_fonts_are_present() -> None:
    assert assets.missing_fonts() == []
    assert assets.font_path(assets.KHMER_REGULAR).name == "NotoSansKhmer-Regular.ttf"
    assert (assets.FONTS_DIR / "LICENSE-OFL.txt").is_file()
    with pytest.raises(ValueError):
        assets.font_path("../secret.ttf")


# --- text fitting -----------------------------------------------------------------------


def test_script_runs_pick_the_right_font() -> None:
    assert list(card.runs("SOK · សុខ ចន្ថា · สมชาย")) == [
        ("latin", "SOK · "),
        ("khmer", "សុខ ចន្ថា "),
        ("latin", "· "),
        ("thai", "สมชาย"),
    ]
    assert list(card.runs("᧠᧡")) == [("khmer", "᧠᧡")]  # Khmer symbols block


def test_long_text_is_wrapped_within_its_width_without_splitting_clusters() -> None:
    pen = card._Pen(card._new_pdf())
    text = "ព្រះរាជាណាចក្រកម្ពុជាស្រ្តីក្សត្រស្ត្រីល្អ"  # no spaces: must break between clusters
    st, lines = pen.fit(text, 20.0, card.Style(8.5), 6.0, max_lines=3)
    assert "".join(lines) == text
    for line in lines:
        assert pen.width(line, st) <= 20.0 + 1e-6
        assert not line.startswith(tuple("\u17b6\u17c1\u17d2\u17bb"))  # no orphaned vowel/coeng
        assert not line.endswith("\u17d2")


def test_hopelessly_long_text_is_clipped_with_an_ellipsis() -> None:
    pen = card._Pen(card._new_pdf())
    st, lines = pen.fit("WORD " * 60, 30.0, card.Style(8.0), 6.0, max_lines=2)
    assert st.pt == 6.0 and len(lines) == 2
    assert lines[-1].endswith("…")
    assert all(pen.width(line, st) <= 30.0 + 1e-6 for line in lines)
