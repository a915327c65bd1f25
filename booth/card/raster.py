"""The card's face in pixels (Pillow, text shaped by raqm): what the simulated camera shows.

``RasterPen`` measures with the same fonts and metrics as the printed card (widths taken at a
large size and scaled, so they follow the fonts' design like the PDF's, not the hinting of a
small size) and draws at ``px_mm`` pixels per millimetre; ``draw_face`` draws a
``booth.card.layout.CardLayout`` — title, rule, photo, names and fields — on an image. The QR
is left to the caller, who knows how its print should look (``layout.qr`` says where).
Imports no Qt.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import TYPE_CHECKING

from booth.card.layout import CardLayout
from booth.card.typeset import LANGUAGE, PT, Style, Typesetter, font_file, runs

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

__all__ = ["RasterPen", "pil_font", "draw_face", "photo_size"]

MEASURE_PX = 1000  # font size at which widths are measured (then scaled)


@lru_cache(maxsize=128)
def pil_font(script: str, bold: bool, size: float) -> ImageFont.FreeTypeFont:
    """The bundled font for ``script`` at ``size`` pixels, laid out by raqm (HarfBuzz) when
    Pillow has it (without raqm, Khmer would be misshaped)."""
    from PIL import ImageFont

    path = str(font_file(script, bold))
    try:
        return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)
    except (OSError, ImportError, KeyError):  # no raqm: basic layout
        return ImageFont.truetype(path, size)


class RasterPen(Typesetter):
    """Measures text in millimetres and draws it on a Pillow image at ``px_mm`` px/mm."""

    def __init__(self, px_mm: float) -> None:
        super().__init__()
        self.px_mm = px_mm

    def measure_piece(self, script: str, st: Style, piece: str) -> float:
        font = pil_font(script, st.bold, MEASURE_PX)
        return font.getlength(piece, language=LANGUAGE[script]) * st.pt * PT / MEASURE_PX

    def font_px(self, st: Style) -> float:
        """The font size of ``st`` in pixels."""
        return round(st.pt * PT * self.px_mm, 2)

    def draw(self, draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str, st: Style) -> float:
        """Draw ``text`` with its baseline at ``baseline`` (mm); return the width used (mm)."""
        x0 = x
        size = self.font_px(st)
        for script, piece in runs(text):
            font = pil_font(script, st.bold, size)
            draw.text(
                (x * self.px_mm, baseline * self.px_mm),
                piece,
                font=font,
                fill=st.color,
                anchor="ls",
                language=LANGUAGE[script],
            )
            x += self.piece_width(script, st, piece)
        return x - x0


def photo_size(photo: bytes | None) -> tuple[int, int] | None:
    """The photo's size in pixels; None when there is none or it cannot be read."""
    if not photo:
        return None
    from PIL import Image

    try:
        with Image.open(io.BytesIO(photo)) as im:
            return im.size
    except Exception:  # Pillow raises many types for a bad image
        return None


def draw_face(image: Image.Image, layout: CardLayout, pen: RasterPen, photo: bytes | None = None) -> None:
    """Draw everything of ``layout`` but the QR on ``image`` (RGB, the card's size at
    ``pen.px_mm``). A photo that cannot be read is left off."""
    from PIL import Image, ImageDraw

    px = pen.px_mm
    draw = ImageDraw.Draw(image)
    title = layout.title
    pen.draw(draw, title.x, title.baseline, title.text, title.style)
    rule = layout.rule
    draw.line(
        (rule.x0 * px, rule.y * px, rule.x1 * px, rule.y * px), fill=rule.color, width=max(1, round(rule.width * px))
    )
    p = layout.photo
    if p is not None and photo:
        box = (round(p.x * px), round(p.y * px), round((p.x + p.w) * px), round((p.y + p.h) * px))
        try:
            with Image.open(io.BytesIO(photo)) as im:
                pic = im.convert("RGB").resize((box[2] - box[0], box[3] - box[1]), Image.Resampling.BICUBIC)
            image.paste(pic, box[:2])
            draw.rectangle(box, outline=p.color, width=max(1, round(p.border * px)))
        except Exception:  # a bad photo is left off the card
            pass
    for t in layout.texts:
        pen.draw(draw, t.x, t.baseline, t.text, t.style)
