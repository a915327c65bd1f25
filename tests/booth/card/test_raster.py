"""The card in pixels (booth.card.raster): the printed card's layout, shaped by raqm."""

from __future__ import annotations

import numpy as np
import pytest
from card_helpers import make, small_jpeg
from PIL import Image, ImageDraw, ImageFont, features

from booth.card.layout import CARD_H, CARD_W, CardContent, card_layout
from booth.card.pdf import new_card_pdf
from booth.card.raster import RasterPen, draw_face, pil_font

PX_MM = 12


def _ink(font: ImageFont.FreeTypeFont, text: str, language: str | None) -> np.ndarray:
    im = Image.new("L", (200, 100), 0)
    ImageDraw.Draw(im).text((40, 70), text, font=font, fill=255, anchor="ls", language=language)
    return np.array(im)


def test_khmer_and_thai_are_shaped_with_raqm() -> None:
    assert features.check("raqm"), "Pillow without raqm cannot shape Khmer"
    # shaping changes the glyphs: Khmer coeng + RO becomes the subscript RO drawn around the
    # base (unshaped: a visible coeng mark and a full-size RO beside it); a Thai tone mark
    # sits above the vowel instead of on it
    for script, word, lang, share in (("khmer", "ស្រី", "km", 0.3), ("thai", "ที่", "th", 0.05)):
        font = pil_font(script, False, 40)
        assert font.layout_engine == ImageFont.Layout.RAQM
        basic = ImageFont.truetype(font.path, 40, layout_engine=ImageFont.Layout.BASIC)
        shaped, unshaped = _ink(font, word, lang), _ink(basic, word, None)
        ink = int((shaped > 128).sum())
        moved = int((np.abs(shaped.astype(int) - unshaped) > 128).sum())
        assert ink > 100 and moved > share * ink, (script, ink, moved)


@pytest.mark.parametrize("photo", [None, small_jpeg()], ids=["plain", "photo"])
def test_pixels_and_print_share_one_layout(photo: bytes | None) -> None:
    from booth.card.typeset import PdfPen

    content = CardContent.from_permit(make(photo=photo), office_name="Banteay Meanchey permit office")
    size = (48, 64) if photo else None
    printed = card_layout(content, 85, PdfPen(new_card_pdf()), photo_size=size)
    drawn = card_layout(content, 85, RasterPen(PX_MM), photo_size=size)
    assert drawn.qr == printed.qr and drawn.photo == printed.photo
    assert [t.text for t in drawn.texts] == [t.text for t in printed.texts]
    for a, b in zip(drawn.texts, printed.texts, strict=True):
        assert a.style == b.style
        assert (a.x, a.baseline) == pytest.approx((b.x, b.baseline), abs=0.05)  # mm


def test_draw_face_draws_inside_the_card() -> None:
    pen = RasterPen(PX_MM)
    content = CardContent.from_permit(make(photo=small_jpeg()))
    layout = card_layout(content, 85, pen, photo_size=(48, 64))
    im = Image.new("RGB", (round(CARD_W * PX_MM), round(CARD_H * PX_MM)), (255, 255, 255))
    draw_face(im, layout, pen, small_jpeg())
    ink = np.array(im.convert("L")) < 128
    ys, xs = np.nonzero(ink)
    assert ink.sum() > 2000
    assert xs.min() >= 3 * PX_MM - 1 and xs.max() <= (CARD_W - 3) * PX_MM + 1  # within the margins
    assert not ink[round(layout.qr.y * PX_MM) + 20, round(layout.qr.x * PX_MM) + 20]  # the QR is the caller's
