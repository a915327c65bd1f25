"""The printed permit card: the layout of ``booth.card.layout`` drawn as a one-page ID-1 PDF
with fpdf2 and HarfBuzz shaping (uharfbuzz), so Khmer subscripts/vowels and Thai marks are
placed by the fonts' own rules. The QR is ``booth.card.qr``'s (also re-exported here, as the
things an issuing office prints: ``card_pdf``, ``qr_png``, ``make_qr``). Imports no Qt.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from booth import assets
from booth.card.layout import CARD_H, CARD_W, CardContent, CardLayout, card_layout
from booth.card.qr import make_qr, qr_png
from booth.card.typeset import PdfPen, add_fonts, missing_fonts
from booth.errors import CardError

if TYPE_CHECKING:
    import segno
    from fpdf import FPDF

    from sync.protocol.permit import Permit

__all__ = ["CardError", "CARD_W", "CARD_H", "card_pdf", "draw_card", "new_card_pdf", "make_qr", "qr_png"]


def new_card_pdf() -> FPDF:
    """An empty ID-1 page with the bundled fonts and text shaping (CardError if unavailable)."""
    missing = missing_fonts()
    if missing:
        raise CardError(f"card fonts missing from {assets.FONTS_DIR}: {', '.join(missing)}")
    try:
        from fpdf import FPDF
    except ImportError as exc:  # pragma: no cover - fpdf2 is a dependency
        raise CardError(f"fpdf2 is not installed: {exc}") from None
    pdf = FPDF(orientation="L", unit="mm", format=(CARD_H, CARD_W))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0
    pdf.set_creator("Booth")
    pdf.set_title("Border permit")
    add_fonts(pdf)
    pdf.add_page()
    return pdf


def card_pdf(
    permit: Permit,
    qr_text: str,
    path: Path,
    *,
    office_name: str = "",
    checkpoint_names: Mapping[str, str] | None = None,
) -> None:
    """Write a one-page ID-1 PDF card for ``permit`` with ``qr_text`` as its QR."""
    qr = make_qr(qr_text)
    pdf = new_card_pdf()
    pen = PdfPen(pdf)
    photo_size = None
    if permit.photo:
        try:
            from PIL import Image

            with Image.open(io.BytesIO(permit.photo)) as im:
                photo_size = im.size
        except Exception as exc:
            raise CardError(f"the permit photo is not a readable image: {exc}") from None
    content = CardContent.from_permit(permit, office_name=office_name, checkpoint_names=checkpoint_names)
    layout = card_layout(content, qr.symbol_size(border=0)[0], pen, photo_size=photo_size)
    draw_card(pen, layout, qr, permit.photo)
    try:
        pdf.output(str(path))
    except OSError as exc:
        raise CardError(f"cannot write {path}: {exc}") from None


def draw_card(pen: PdfPen, layout: CardLayout, qr: segno.QRCode, photo: bytes | None) -> None:
    """Draw ``layout`` on the current page of ``pen``'s PDF."""
    pdf = pen.pdf
    title = layout.title
    pen.draw(title.x, title.baseline, title.text, title.style)
    rule = layout.rule
    pdf.set_draw_color(*rule.color)
    pdf.set_line_width(rule.width)
    pdf.line(rule.x0, rule.y, rule.x1, rule.y)
    _draw_qr(pdf, qr, layout.qr.x, layout.qr.y, layout.qr.module)
    if layout.photo and photo:
        p = layout.photo
        try:
            pdf.image(io.BytesIO(photo), x=p.x, y=p.y, w=p.w, h=p.h)
        except Exception as exc:
            raise CardError(f"cannot place the permit photo: {exc}") from None
        pdf.set_draw_color(*p.color)
        pdf.set_line_width(p.border)
        pdf.rect(p.x, p.y, p.w, p.h)
    for t in layout.texts:
        pen.draw(t.x, t.baseline, t.text, t.style)


def _draw_qr(pdf: FPDF, qr: segno.QRCode, x: float, y: float, module: float) -> None:
    """Dark modules as one filled path (runs merged per row): crisp, no seams."""
    from fpdf.drawing import DeviceRGB
    from fpdf.enums import PathPaintRule

    with pdf.new_path(paint_rule=PathPaintRule.FILL_NONZERO) as path:
        path.style.fill_color = DeviceRGB(0, 0, 0)
        path.style.stroke_color = None
        for r, row in enumerate(qr.matrix):
            c, n = 0, len(row)
            while c < n:
                if not row[c] & 1:
                    c += 1
                    continue
                start = c
                while c < n and row[c] & 1:
                    c += 1
                path.rectangle(x + start * module, y + r * module, (c - start) * module, module)
