"""Multi-script text: script runs, the bundled fonts, line metrics, and fitting text in a box.

Every piece of text is split into script runs (Khmer, Thai, Latin) and each run is set in
the matching bundled Noto font (``booth.assets``). A ``Typesetter`` measures in millimetres
and lays text out: line height and ascent per script, greedy wrapping that never splits a
grapheme cluster (a Khmer coeng stays with its subscript), cutting with an ellipsis, and
``fit``: shrink, then wrap, then (as a last resort) cut — never overflow. How a run is
measured and drawn is the engine's: ``PdfPen`` (fpdf2 with HarfBuzz shaping, for the printed
card and the report) here, ``booth.card.raster.RasterPen`` (Pillow with raqm) for pixels.

Imports no Qt; fpdf2 only when a PDF is made.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from booth import assets
from booth.errors import CardError

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = [
    "PT",
    "SCRIPTS",
    "FONT_FILES",
    "FAMILY",
    "LEADING",
    "LANGUAGE",
    "COENG",
    "ELLIPSIS",
    "NBSP",
    "Style",
    "Typesetter",
    "PdfPen",
    "WidthFn",
    "script_of",
    "runs",
    "breakable",
    "tokens",
    "font_file",
    "missing_fonts",
    "add_fonts",
]

PT = 25.4 / 72  # mm per point

SCRIPTS = ("latin", "khmer", "thai")
# the bundled font of each (script, bold)
FONT_FILES: dict[tuple[str, bool], str] = {
    ("latin", False): assets.LATIN_REGULAR,
    ("latin", True): assets.LATIN_BOLD,
    ("khmer", False): assets.KHMER_REGULAR,
    ("khmer", True): assets.KHMER_BOLD,
    ("thai", False): assets.THAI_REGULAR,
    ("thai", True): assets.THAI_BOLD,
}
# the family each script's fonts are registered under with fpdf2
FAMILY = {"latin": "BoothLatin", "khmer": "BoothKhmer", "thai": "BoothThai"}
# the language HarfBuzz/raqm shapes a run in
LANGUAGE: dict[str, str | None] = {"latin": None, "khmer": "km", "thai": "th"}
# line height as a multiple of the font size: Khmer stacks subscripts below and vowels
# above the base, Thai stacks vowels and tone marks, Latin needs the least
LEADING = {"latin": 1.22, "thai": 1.5, "khmer": 1.6}

INK = (0, 0, 0)
COENG = "\u17d2"
ELLIPSIS = "…"
NBSP = "\u00a0"

WidthFn = Callable[[int], float]


# --- fonts --------------------------------------------------------------------------------


def font_file(script: str, bold: bool = False) -> Path:
    """The bundled font file for ``script`` (``latin``, ``khmer``, ``thai``)."""
    return assets.font_path(FONT_FILES[(script, bold)])


def missing_fonts() -> list[str]:
    """The bundled text fonts that are absent (an empty list when all are there)."""
    return assets.missing_fonts(tuple(FONT_FILES.values()))


def add_fonts(pdf: FPDF) -> None:
    """Register the bundled fonts with ``pdf`` (one family per script) and turn on HarfBuzz
    shaping. Raises CardError when a font is missing or unreadable, or shaping is unavailable."""
    missing = missing_fonts()
    if missing:
        raise CardError(f"fonts missing from {assets.FONTS_DIR}: {', '.join(missing)}")
    try:
        for (script, bold), name in FONT_FILES.items():
            pdf.add_font(FAMILY[script], "B" if bold else "", str(assets.font_path(name)))
    except Exception as exc:  # fpdf2 and fontTools raise their own types
        raise CardError(f"cannot load the fonts: {exc}") from None
    try:
        pdf.set_text_shaping(True)
    except Exception as exc:
        raise CardError(f"text shaping unavailable (uharfbuzz needed for Khmer and Thai): {exc}") from None


# --- script runs, breaks ------------------------------------------------------------------


def script_of(ch: str) -> str | None:
    """``khmer``, ``thai``, ``latin``, or None for characters that take their neighbours'
    script (spaces, joiners, combining marks outside the Khmer/Thai blocks)."""
    cp = ord(ch)
    if 0x1780 <= cp <= 0x17FF or 0x19E0 <= cp <= 0x19FF:
        return "khmer"
    if 0x0E00 <= cp <= 0x0E7F:
        return "thai"
    if ch.isspace() or unicodedata.category(ch) in ("Cf", "Mn", "Mc", "Me"):
        return None
    return "latin"


@lru_cache(maxsize=65536)  # table cells repeat (dates, codes, names): reports reuse the split
def runs(text: str) -> tuple[tuple[str, str], ...]:
    """Split ``text`` into ``(script, piece)`` runs; neutral characters join the run before
    them (or the first run, at the start). A no-break space comes out as a space."""
    out: list[list[str]] = []
    pending = ""
    for ch in text:
        s = script_of(ch)
        if s is None:
            if out:
                out[-1][1] += ch
            else:
                pending += ch
            continue
        if out and out[-1][0] == s:
            out[-1][1] += ch
        else:
            out.append([s, ch])
    if pending:
        if out:
            out[0][1] = pending + out[0][1]
        else:
            out.append(["latin", pending])
    return tuple((s, t.replace(NBSP, " ")) for s, t in out)


def breakable(text: str, i: int) -> bool:
    """May a line break fall before ``text[i]`` without splitting a grapheme cluster?"""
    if i <= 0 or i >= len(text):
        return False
    if text[i - 1] in (COENG, "\u200d") or text[i] in ("\u200c", "\u200d"):
        return False
    return unicodedata.category(text[i]) not in ("Mn", "Mc", "Me")


def tokens(text: str, hyphens: bool = True) -> list[tuple[str, str]]:
    """``(separator, piece)`` pairs: words split at spaces, and (if ``hyphens``) after
    inner hyphens. A no-break space (U+00A0) keeps its neighbours together."""
    out: list[tuple[str, str]] = []
    for word in text.split(" "):
        if not word:
            continue
        parts = [p for p in re.split(r"(?<=[^\s-]-)(?=[^-])", word) if p] if hyphens else [word]
        for j, part in enumerate(parts):
            out.append((" " if (j == 0 and out) else "", part))
    return out


# --- measuring and fitting ------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """Font size (points), weight and colour (RGB) of a piece of text."""

    pt: float
    bold: bool = False
    color: tuple[int, int, int] = INK

    def at(self, pt: float) -> Style:
        return Style(pt, self.bold, self.color)


class Typesetter:
    """Measures multi-script text in millimetres and fits it into boxes. An engine supplies
    ``measure_piece`` (the advance width of one single-script run); widths are cached."""

    def __init__(self) -> None:
        self._widths: dict[tuple[str, bool, float, str], float] = {}

    def measure_piece(self, script: str, st: Style, piece: str) -> float:
        """The width (mm) of ``piece``, all in ``script``, set in ``st``."""
        raise NotImplementedError

    def piece_width(self, script: str, st: Style, piece: str) -> float:
        """``measure_piece``, cached: texts repeat (table cells, fitting a size after another)."""
        key = (script, st.bold, st.pt, piece)
        w = self._widths.get(key)
        if w is None:
            w = self._widths[key] = self.measure_piece(script, st, piece)
        return w

    def width(self, text: str, st: Style) -> float:
        return sum(self.piece_width(script, st, piece) for script, piece in runs(text))

    @staticmethod
    def leading(text: str, st: Style) -> float:
        """Line height (mm) for ``text`` set in ``st``: tallest script on the line wins."""
        k = max((LEADING[s] for s, _ in runs(text)), default=LEADING["latin"])
        return st.pt * PT * k

    @staticmethod
    def ascent(text: str, st: Style) -> float:
        """Distance from a line's top to its baseline (mm)."""
        k = max((LEADING[s] for s, _ in runs(text)), default=LEADING["latin"])
        # Latin: cap height ~0.72 em plus a little air; Khmer/Thai marks need more
        return st.pt * PT * (0.92 if k <= 1.3 else 0.6 * k + 0.1)

    def split_long(self, word: str, width: float, st: Style) -> list[str]:
        """Break one word wider than ``width`` at grapheme-cluster boundaries."""
        pieces, start = [], 0
        while start < len(word):
            best = start + 1
            while best < len(word) and not breakable(word, best):
                best += 1  # at least one whole cluster per piece
            probe = best
            while probe < len(word):
                nxt = probe + 1
                while nxt < len(word) and not breakable(word, nxt):
                    nxt += 1
                if self.width(word[start:nxt], st) > width:
                    break
                best = probe = nxt
            pieces.append(word[start:best])
            start = best
        return pieces

    def wrap(
        self,
        text: str,
        widths: WidthFn,
        st: Style,
        *,
        hyphens: bool = True,
        split_words: bool = True,
    ) -> list[str] | None:
        """Greedy line breaking at spaces and after hyphens; ``widths(i)`` is the width
        of line ``i``. A word too wide for a line is broken between clusters, or, when
        ``split_words`` is false, the text is reported as not fitting (None)."""
        lines: list[str] = []
        cur = ""
        for sep, token in tokens(text, hyphens):
            cand = f"{cur}{sep}{token}" if cur else token
            if self.width(cand, st) <= widths(len(lines)):
                cur = cand
                continue
            if cur:
                lines.append(cur)
            if self.width(token, st) <= widths(len(lines)):
                cur = token
                continue
            if not split_words:
                return None
            cur = ""
            rest = token
            while rest:
                head = self.split_long(rest, widths(len(lines)), st)[0]
                rest = rest[len(head) :]
                if rest:
                    lines.append(head)
                else:
                    cur = head
        if cur or not lines:
            lines.append(cur)
        return lines

    def clip(self, text: str, width: float, st: Style) -> str:
        """``text`` cut (at a cluster boundary) with an ellipsis so that it fits."""
        if self.width(text, st) <= width:
            return text
        cut = len(text)
        while cut > 0:
            cut -= 1
            while cut > 0 and not breakable(text, cut):
                cut -= 1
            cand = text[:cut].rstrip() + ELLIPSIS
            if self.width(cand, st) <= width:
                return cand
        return ELLIPSIS

    def fit(
        self,
        text: str,
        width: float | Callable[[int, Style], float],
        st: Style,
        min_pt: float,
        max_lines: int = 1,
        one_line_floor: float = 0.85,
    ) -> tuple[Style, list[str]]:
        """The largest size (>= ``min_pt``) at which ``text`` fits in ``max_lines`` lines.

        ``width`` is a number, or a function of (line index, style) for blocks whose lines
        run beside and then below the photo. Preference order: breaking at spaces only,
        then also after hyphens, then inside words (between grapheme clusters); within
        each, one line shrunk to ``one_line_floor`` of the size, then more lines shrinking down to
        ``min_pt``. Last resort: the final line is cut with an ellipsis.
        """
        text = re.sub(r"[ \t\r\n]+", " ", text).strip()
        width_of = width if callable(width) else (lambda i, s, w=width: w)
        sizes = []
        pt = st.pt
        while pt >= min_pt - 1e-9:
            sizes.append(round(pt, 2))
            pt -= 0.25
        for hyphens, split_words in ((False, False), (True, False), (True, True)):
            for n in range(1, max_lines + 1):
                floor = min_pt if n == max_lines else max(min_pt, st.pt * one_line_floor)
                for pt in sizes:
                    if pt < floor - 1e-9:
                        break
                    s = st.at(pt)
                    lines = self.wrap(
                        text,
                        lambda i, s=s: width_of(i, s),
                        s,
                        hyphens=hyphens,
                        split_words=split_words,
                    )
                    if lines is not None and len(lines) <= n:
                        return s, lines
        small = st.at(min_pt)
        lines = self.wrap(text, lambda i: width_of(i, small), small) or [text]
        if len(lines) > max_lines:
            rest = " ".join(lines[max_lines - 1 :])
            lines = lines[: max_lines - 1] + [self.clip(rest, width_of(max_lines - 1, small), small)]
        return small, lines


class PdfPen(Typesetter):
    """Measures and draws multi-script text on an fpdf2 page (fonts from ``add_fonts``),
    positioned by baseline; every run shaped by HarfBuzz.

    ``fast_latin`` (long tables, e.g. the report): Latin runs are measured from the font's
    advance widths and drawn with plain ``text`` (Latin needs no shaping pass, and fpdf2's
    shaped path costs ~0.5 ms a call); Khmer and Thai runs are still shaped."""

    def __init__(self, pdf: FPDF, *, fast_latin: bool = False) -> None:
        super().__init__()
        self.pdf = pdf
        self.fast_latin = fast_latin

    def set_font(self, script: str, st: Style) -> None:
        self.pdf.set_font(FAMILY[script], "B" if st.bold else "", st.pt)

    def measure_piece(self, script: str, st: Style, piece: str) -> float:
        self.set_font(script, st)
        pdf = self.pdf
        if self.fast_latin and script == "latin":
            return pdf.current_font.get_text_width(piece, pdf.font_size_pt, None)[1] / pdf.k
        return pdf.get_string_width(piece)

    def draw(self, x: float, baseline: float, text: str, st: Style) -> float:
        """Draw ``text`` with its baseline at ``baseline``; return the width used."""
        pdf = self.pdf
        pdf.set_text_color(*st.color)
        fs = st.pt * PT
        x0 = x
        for script, piece in runs(text):
            w = self.piece_width(script, st, piece)
            self.set_font(script, st)
            if self.fast_latin and script == "latin":
                pdf.text(x, baseline, piece)
            else:
                # fpdf2 puts the baseline at y + h/2 + 0.3*font_size; with h = font_size:
                pdf.set_xy(x, baseline - 0.8 * fs)
                pdf.cell(w, fs, piece)
            x += w
        return x - x0
