"""Load the bundled fonts: the booth machines have no Khmer or Thai font of their own."""

from __future__ import annotations

import logging

from booth import assets
from booth.gui.qt import QFont, QFontDatabase

log = logging.getLogger(__name__)
# Latin first, then the scripts; Qt falls back along this list glyph by glyph.
FAMILIES = ["Noto Sans", "Noto Sans Khmer", "Noto Sans Thai"]


def load_fonts() -> list[str]:
    """Register every TTF in assets/fonts; return the family names Qt now knows."""
    families: list[str] = []
    for path in sorted(assets.FONTS_DIR.glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.error("could not load font %s", path)
            continue
        families += QFontDatabase.applicationFontFamilies(font_id)
    return sorted(set(families))


def ui_font(point_size: float = 11, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(FAMILIES)
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font
