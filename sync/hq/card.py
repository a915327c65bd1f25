"""Printable permit cards: the QR as PNG, and an ID-1 (85.60 x 53.98 mm) PDF card.

The QR follows DESIGN.md: alphanumeric mode, ECC level Q, no error-level boost (so the
printed level is exactly Q), quiet zone of 4 modules. The card is drawn with fpdf2 and
HarfBuzz text shaping (uharfbuzz), so Khmer subscripts/vowels and Thai marks are placed by
the font's own rules. Every piece of text is split into script runs (Khmer, Thai, Latin)
and each run is set in the matching bundled Noto font; text that does not fit its box is
shrunk, then wrapped, then (as a last resort) cut with an ellipsis — never left to
overflow. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import segno

from booth import assets

if TYPE_CHECKING:
    from fpdf import FPDF

    from booth.permit import Permit

__all__ = ["CardError", "CARD_W", "CARD_H", "qr_png", "card_pdf", "make_qr"]

CARD_W = 85.60  # mm, ISO/IEC 7810 ID-1
CARD_H = 53.98
QUIET = 4  # modules of quiet zone around the QR
PT = 25.4 / 72  # mm per point

TITLE = "BORDER PERMIT · លិខិតអនុញ្ញាតឆ្លងដែន · ใบอนุญาตผ่านแดน"

# families registered with fpdf2, by script
_FAMILY = {"latin": "BoothLatin", "khmer": "BoothKhmer", "thai": "BoothThai"}
_FILES = {
    ("latin", ""): assets.LATIN_REGULAR, ("latin", "B"): assets.LATIN_BOLD,
    ("khmer", ""): assets.KHMER_REGULAR, ("khmer", "B"): assets.KHMER_BOLD,
    ("thai", ""): assets.THAI_REGULAR, ("thai", "B"): assets.THAI_BOLD,
}  # fmt: skip
# line height as a multiple of the font size: Khmer stacks subscripts below and vowels
# above the base, Thai stacks vowels and tone marks, Latin needs the least
_LEADING = {"latin": 1.22, "thai": 1.55, "khmer": 1.75}

INK = (0, 0, 0)
ACCENT = (22, 52, 96)
MUTED = (95, 95, 95)
RULE = (160, 160, 160)
COENG = "\u17d2"
ELLIPSIS = "…"
NBSP = "\u00a0"

WidthFn = Callable[[int], float]


class CardError(Exception):
    """The card cannot be made (fonts missing, shaping engine absent, bad QR text, bad photo)."""


# --- QR ------------------------------------------------------------------------------


def make_qr(text: str) -> segno.QRCode:
    """The permit QR exactly as DESIGN.md prints it: alphanumeric, level Q, no boost."""
    try:
        return segno.make_qr(text, error="q", mode="alphanumeric", boost_error=False)
    except (ValueError, segno.DataOverflowError) as exc:
        raise CardError(f"cannot encode the permit text as an alphanumeric QR: {exc}") from None


def qr_png(text: str, path: Path, scale: int = 8) -> int:
    """Write the permit QR as a PNG (quiet zone 4 modules); return the QR version."""
    qr = make_qr(text)
    qr.save(str(path), kind="png", scale=scale, border=QUIET)
    return int(qr.version)


# --- text: script runs, measuring, wrapping ------------------------------------------


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


def runs(text: str) -> list[tuple[str, str]]:
    """Split ``text`` into ``(script, piece)`` runs; neutral characters join the run before
    them (or the first run, at the start)."""
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
    return [(s, t.replace(NBSP, " ")) for s, t in out]


def _breakable(text: str, i: int) -> bool:
    """May a line break fall before ``text[i]`` without splitting a grapheme cluster?"""
    if i <= 0 or i >= len(text):
        return False
    if text[i - 1] in (COENG, "\u200d") or text[i] in ("\u200c", "\u200d"):
        return False
    return unicodedata.category(text[i]) not in ("Mn", "Mc", "Me")


@dataclass(frozen=True)
class Style:
    pt: float
    bold: bool = False
    color: tuple[int, int, int] = INK

    def at(self, pt: float) -> Style:
        return Style(pt, self.bold, self.color)


class _Pen:
    """Measures and draws multi-script text on an fpdf2 page, positioned by baseline."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf

    def _font(self, script: str, st: Style) -> None:
        self.pdf.set_font(_FAMILY[script], "B" if st.bold else "", st.pt)

    def width(self, text: str, st: Style) -> float:
        total = 0.0
        for script, piece in runs(text):
            self._font(script, st)
            total += self.pdf.get_string_width(piece)
        return total

    @staticmethod
    def leading(text: str, st: Style) -> float:
        """Line height (mm) for ``text`` set in ``st``: tallest script on the line wins."""
        k = max((_LEADING[s] for s, _ in runs(text)), default=_LEADING["latin"])
        return st.pt * PT * k

    @staticmethod
    def ascent(text: str, st: Style) -> float:
        """Distance from a line's top to its baseline (mm)."""
        k = max((_LEADING[s] for s, _ in runs(text)), default=_LEADING["latin"])
        # Latin: cap height ~0.72 em plus a little air; Khmer/Thai marks need more
        return st.pt * PT * (0.92 if k <= 1.3 else 0.6 * k + 0.1)

    def draw(self, x: float, baseline: float, text: str, st: Style) -> float:
        """Draw ``text`` with its baseline at ``baseline``; return the width used."""
        pdf = self.pdf
        pdf.set_text_color(*st.color)
        fs = st.pt * PT
        x0 = x
        for script, piece in runs(text):
            self._font(script, st)
            w = pdf.get_string_width(piece)
            # fpdf2 puts the baseline at y + h/2 + 0.3*font_size; with h = font_size:
            pdf.set_xy(x, baseline - 0.8 * fs)
            pdf.cell(w, fs, piece)
            x += w
        return x - x0

    # wrapping ---------------------------------------------------------------------

    def _split_long(self, word: str, width: float, st: Style) -> list[str]:
        """Break one word wider than ``width`` at grapheme-cluster boundaries."""
        pieces, start = [], 0
        while start < len(word):
            best = start + 1
            while best < len(word) and not _breakable(word, best):
                best += 1  # at least one whole cluster per piece
            probe = best
            while probe < len(word):
                nxt = probe + 1
                while nxt < len(word) and not _breakable(word, nxt):
                    nxt += 1
                if self.width(word[start:nxt], st) > width:
                    break
                best = probe = nxt
            pieces.append(word[start:best])
            start = best
        return pieces

    def wrap(
        self, text: str, widths: WidthFn, st: Style, *, split_words: bool = True
    ) -> list[str] | None:
        """Greedy line breaking at spaces and after hyphens; ``widths(i)`` is the width
        of line ``i``. A word too wide for a line is broken between clusters, or, when
        ``split_words`` is false, the text is reported as not fitting (None)."""
        lines: list[str] = []
        cur = ""
        for sep, token in _tokens(text):
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
                head = self._split_long(rest, widths(len(lines)), st)[0]
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
            while cut > 0 and not _breakable(text, cut):
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
    ) -> tuple[Style, list[str]]:
        """The largest size (>= ``min_pt``) at which ``text`` fits in ``max_lines`` lines.

        ``width`` is a number, or a function of (line index, style) for blocks whose lines
        run beside and then below the photo. Preference order: one line shrunk to ~85 %
        of the size; then more lines, shrinking down to ``min_pt``, breaking only at
        spaces and hyphens; then breaking inside words (between grapheme clusters);
        last, the final line is cut with an ellipsis.
        """
        text = re.sub(r"[ \t\r\n]+", " ", text).strip()
        width_of = width if callable(width) else (lambda i, s, w=width: w)
        sizes = []
        pt = st.pt
        while pt >= min_pt - 1e-9:
            sizes.append(round(pt, 2))
            pt -= 0.25
        for split_words in (False, True):
            for n in range(1, max_lines + 1):
                floor = min_pt if n == max_lines else max(min_pt, st.pt * 0.85)
                for pt in sizes:
                    if pt < floor - 1e-9:
                        break
                    s = st.at(pt)
                    lines = self.wrap(text, lambda i, s=s: width_of(i, s), s, split_words=split_words)
                    if lines is not None and len(lines) <= n:
                        return s, lines
        small = st.at(min_pt)
        lines = self.wrap(text, lambda i: width_of(i, small), small) or [text]
        if len(lines) > max_lines:
            rest = " ".join(lines[max_lines - 1 :])
            lines = lines[: max_lines - 1] + [self.clip(rest, width_of(max_lines - 1, small), small)]
        return small, lines


def _tokens(text: str) -> list[tuple[str, str]]:
    """``(separator, piece)`` pairs: words split at spaces, and after inner hyphens.
    A no-break space (U+00A0) keeps its neighbours together."""
    out: list[tuple[str, str]] = []
    for word in text.split(" "):
        if not word:
            continue
        parts = [p for p in re.split(r"(?<=[^\s-]-)(?=[^-])", word) if p]
        for j, part in enumerate(parts):
            out.append((" " if (j == 0 and out) else "", part))
    return out


# --- the card --------------------------------------------------------------------------


def _day(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%d")


def _new_pdf() -> FPDF:
    missing = assets.missing_fonts(tuple(_FILES.values()))
    if missing:
        raise CardError(
            f"card fonts missing from {assets.FONTS_DIR}: {', '.join(missing)}"
        )
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
    try:
        for (script, style), name in _FILES.items():
            pdf.add_font(_FAMILY[script], style, str(assets.font_path(name)))
    except Exception as exc:
        raise CardError(f"cannot load card fonts: {exc}") from None
    try:
        pdf.set_text_shaping(True)
    except Exception as exc:
        raise CardError(
            f"text shaping unavailable (uharfbuzz needed for Khmer and Thai): {exc}"
        ) from None
    pdf.add_page()
    return pdf


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


@dataclass
class _Field:
    label: str
    value: str
    strong: bool = False
    max_lines: int = 1


def card_pdf(
    permit: Permit,
    qr_text: str,
    path: Path,
    *,
    office_name: str = "",
    checkpoint_names: dict[str, str] | None = None,
) -> None:
    """Write a one-page ID-1 PDF card for ``permit`` with ``qr_text`` as its QR."""
    qr = make_qr(qr_text)
    pdf = _new_pdf()
    pen = _Pen(pdf)

    m = 3.0  # margin
    right = CARD_W - m

    # title, one line across the top
    title_st, title_lines = pen.fit(TITLE, CARD_W - 2 * m, Style(7.4, True, ACCENT), 5.0, 1)
    title_base = m - 0.6 + pen.ascent(TITLE, title_st)
    tw = pen.width(title_lines[0], title_st)
    pen.draw((CARD_W - tw) / 2, title_base, title_lines[0], title_st)
    rule_y = title_base + title_st.pt * PT * 0.62
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.15)
    pdf.line(m, rule_y, right, rule_y)

    # QR: dark modules at least `m` from the card edges, quiet zone clear of the rule
    n = qr.symbol_size(border=0)[0]
    top = rule_y + 0.25
    module = min((CARD_H - m - top) / (n + QUIET), 0.75)
    side = n * module
    qx, qy = m, top + QUIET * module
    _draw_qr(pdf, qr, qx, qy, module)
    col = max(qx + side + QUIET * module, 45.0) + 0.4  # text column starts past the quiet zone
    col_w = right - col

    # photo, top right of the column
    photo_bottom = top + 0.6
    names_w = col_w
    if permit.photo:
        pw_max, ph_max = 11.5, 15.0
        try:
            from PIL import Image

            with Image.open(io.BytesIO(permit.photo)) as im:
                iw, ih = im.size
        except Exception as exc:
            raise CardError(f"the permit photo is not a readable image: {exc}") from None
        scale = min(pw_max / iw, ph_max / ih)
        pw, ph = iw * scale, ih * scale
        px, py = right - pw, top + 0.6
        try:
            pdf.image(io.BytesIO(permit.photo), x=px, y=py, w=pw, h=ph)
        except Exception as exc:
            raise CardError(f"cannot place the permit photo: {exc}") from None
        pdf.set_line_width(0.12)
        pdf.rect(px, py, pw, ph)
        photo_bottom = py + ph
        names_w = col_w - pw - 1.2

    # names: lines beside the photo are narrower than those below it
    y = top + 0.6
    blocks: list[tuple[str, Style, float, int]] = [
        (permit.family_name.upper(), Style(9.5, True), 6.0, 2),
        (permit.given_names.upper(), Style(8.0, True), 5.5, 3),
    ]
    if permit.native_name:
        blocks.append((permit.native_name, Style(8.5, False), 6.0, 2))
    for text, st, min_pt, max_lines in blocks:
        if not text.strip():
            continue

        def width_at(i: int, s: Style, y0: float = y, text: str = text) -> float:
            return names_w if y0 + i * pen.leading(text, s) < photo_bottom - 0.2 else col_w

        fst, lines = pen.fit(text, width_at, st, min_pt, max_lines)
        for line in lines:  # uniform spacing within a block, as width_at assumed
            pen.draw(col, y + pen.ascent(text, fst), line, fst)
            y += pen.leading(text, fst)
    y = max(y, photo_bottom) + 0.9

    # fields: "LABEL value" lines
    cps = [
        f"{c} {checkpoint_names[c]}" if checkpoint_names and checkpoint_names.get(c) else c
        for c in permit.checkpoints
    ]
    issuer = f"{permit.issuer} · {office_name}" if office_name else permit.issuer
    kind = {"single": "single entry", "multi": "multiple entry"}.get(permit.kind, permit.kind)
    days = "day" if permit.stay_days == 1 else "days"
    rows: list[list[_Field]] = [
        [_Field("Born", permit.dob), _Field("Sex", permit.sex), _Field("Nat", permit.nationality)],
        [_Field("Permit", permit.number, strong=True)],
        [_Field("From", _day(permit.not_before)), _Field("Until", _day(permit.expires), True)],
        [_Field("Issued by", issuer, max_lines=2)],
        [_Field("Checkpoints", ", ".join(cps), max_lines=3)],
        [_Field("Zone", permit.zone, max_lines=2)],
        [_Field("Stay", f"max {permit.stay_days} {days} · {kind}")],
    ]
    bottom = CARD_H - m
    for shrink in (1.0, 0.94, 0.88, 0.82, 0.76, 0.7):
        end = _fields(pen, rows, col, col_w, y, shrink, draw=False)
        if end <= bottom:
            break
    _fields(pen, rows, col, col_w, y, shrink, draw=True, bottom=bottom)

    try:
        pdf.output(str(path))
    except OSError as exc:
        raise CardError(f"cannot write {path}: {exc}") from None


def _fields(
    pen: _Pen,
    rows: list[list[_Field]],
    x0: float,
    width: float,
    y: float,
    shrink: float,
    *,
    draw: bool,
    bottom: float = CARD_H,
) -> float:
    """Lay out (and optionally draw) the field rows from ``y``; return the bottom y.

    A row of several short pairs stays on one line, squeezed down to 85 % if need be,
    or else gets a line per pair; a long value wraps with a hanging indent."""
    gap_label = 0.8  # mm between label and value
    gap_pair = 2.0  # mm between two pairs on one line

    def styles(k: float, strong: bool = False) -> tuple[Style, Style]:
        return Style(5.0 * shrink * k, True, MUTED), Style(6.8 * shrink * k, strong, INK)

    def pair_w(f: _Field, k: float = 1.0) -> float:
        lab, val = styles(k, f.strong)
        return pen.width(f.label.upper(), lab) + gap_label + pen.width(f.value, val)

    def line(group: list[_Field], k: float) -> None:
        nonlocal y
        vals = [styles(k, f.strong)[1] for f in group]
        line_h = max(pen.leading(f.value, v) for f, v in zip(group, vals))
        asc = max(pen.ascent(f.value, v) for f, v in zip(group, vals))
        if draw and y + line_h <= bottom + 0.6:
            x = x0
            for f in group:
                lab, val = styles(k, f.strong)
                x += pen.draw(x, y + asc, f.label.upper(), lab) + gap_label
                x += pen.draw(x, y + asc, f.value, val) + gap_pair
        y += line_h

    for row in rows:
        row = [f for f in row if f.value]
        if not row:
            continue
        total = sum(pair_w(f) for f in row) + gap_pair * (len(row) - 1)
        if total <= width:
            line(row, 1.0)
            continue
        if len(row) > 1:
            k = width / total
            if k >= 0.85 and sum(pair_w(f, k) for f in row) + gap_pair * (len(row) - 1) <= width:
                line(row, k)
                continue
        for f in row:
            if pair_w(f) <= width:
                line([f], 1.0)
                continue
            # a long value: hanging indent after the label, shrink, wrap, then clip
            lab, val = styles(1.0, f.strong)
            lw = pen.width(f.label.upper(), lab) + gap_label
            vst, lines = pen.fit(f.value, width - lw, val, val.pt * 0.8, f.max_lines)
            lh = max(pen.leading(f.value, vst), pen.leading("X", val))
            for i, text in enumerate(lines):
                base = y + pen.ascent(f.value, vst)
                if draw and y + lh <= bottom + 0.6:
                    if i == 0:
                        pen.draw(x0, base, f.label.upper(), lab)
                    pen.draw(x0 + lw, base, text, vst)
                y += lh
    return y
