"""Where the bundled assets (fonts, sounds, icons, translations) live. Imports no Qt.

Fonts are the Noto static TTFs from Debian's ``fonts-noto-core`` (see
``assets/fonts/README.md``): Latin, Khmer and Thai, each Regular and Bold.
"""

from __future__ import annotations

import sys
from pathlib import Path


def _assets_dir() -> Path:
    """``assets/`` of a source checkout, else the copy a wheel installs under ``<prefix>/share/booth``."""
    checkout = Path(__file__).resolve().parent.parent / "assets"
    installed = Path(sys.prefix) / "share" / "booth" / "assets"
    return checkout if (checkout / "fonts").is_dir() or not installed.is_dir() else installed


ASSETS_DIR: Path = _assets_dir()
FONTS_DIR: Path = ASSETS_DIR / "fonts"

LATIN_REGULAR = "NotoSans-Regular.ttf"
LATIN_BOLD = "NotoSans-Bold.ttf"
KHMER_REGULAR = "NotoSansKhmer-Regular.ttf"
KHMER_BOLD = "NotoSansKhmer-Bold.ttf"
THAI_REGULAR = "NotoSansThai-Regular.ttf"
THAI_BOLD = "NotoSansThai-Bold.ttf"

ALL_FONTS: tuple[str, ...] = (
    LATIN_REGULAR,
    LATIN_BOLD,
    KHMER_REGULAR,
    KHMER_BOLD,
    THAI_REGULAR,
    THAI_BOLD,
)


def font_path(name: str) -> Path:
    """The path of bundled font file ``name`` (e.g. ``KHMER_REGULAR``); may not exist."""
    if not name or Path(name).name != name:
        raise ValueError(f"not a plain font file name: {name!r}")
    return FONTS_DIR / name


def missing_fonts(names: tuple[str, ...] = ALL_FONTS) -> list[str]:
    """The names among ``names`` whose files are absent (an empty list when all are there)."""
    return [n for n in names if not font_path(n).is_file()]
