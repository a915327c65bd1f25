"""The permit QR (booth.card.qr): real PNG files, decoded back with zxing-cpp (nothing mocked)."""

from __future__ import annotations

from pathlib import Path

import pytest
import segno
import zxingcpp
from card_helpers import QR_TEXT
from PIL import Image

from booth.card.qr import make_qr, qr_png
from booth.errors import BoothError, CardError


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
    assert issubclass(CardError, BoothError)  # in the booth's error tree


def test_qr_is_level_q_without_boost() -> None:
    # a short text would be boosted to H by segno's default; docs/formats.md says Q
    qr = make_qr("BP1:ABC")
    assert qr.error == "Q"
    assert segno.make_qr("BP1:ABC", error="q").error == "H"
