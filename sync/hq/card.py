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
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import segno

from booth import assets

if TYPE_CHECKING:
    from fpdf import FPDF

    from sync.protocol.permit import Permit

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
_LEADING = {"latin": 1.22, "thai": 1.5, "khmer": 1.6}

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


@lru_cache(maxsize=65536)  # table cells repeat (dates, codes, names): reports reuse the split
def runs(text: str) -> tuple[tuple[str, str], ...]:
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
    return tuple((s, t.replace(NBSP, " ")) for s, t in out)


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

    def _piece_width(self, script: str, st: Style, piece: str) -> float:
        self._font(script, st)
        return self.pdf.get_string_width(piece)

    def _put(self, script: str, x: float, baseline: float, w: float, fs: float, piece: str) -> None:
        # fpdf2 puts the baseline at y + h/2 + 0.3*font_size; with h = font_size:
        self.pdf.set_xy(x, baseline - 0.8 * fs)
        self.pdf.cell(w, fs, piece)

    def width(self, text: str, st: Style) -> float:
        return sum(self._piece_width(script, st, piece) for script, piece in runs(text))

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
            w = self._piece_width(script, st, piece)
            self._font(script, st)
            self._put(script, x, baseline, w, fs, piece)
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
        for sep, token in _tokens(text, hyphens):
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
                        text, lambda i, s=s: width_of(i, s), s,
                        hyphens=hyphens, split_words=split_words,
                    )  # fmt: skip
                    if lines is not None and len(lines) <= n:
                        return s, lines
        small = st.at(min_pt)
        lines = self.wrap(text, lambda i: width_of(i, small), small) or [text]
        if len(lines) > max_lines:
            rest = " ".join(lines[max_lines - 1 :])
            lines = lines[: max_lines - 1] + [self.clip(rest, width_of(max_lines - 1, small), small)]
        return small, lines


def _tokens(text: str, hyphens: bool = True) -> list[tuple[str, str]]:
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


# --- the card --------------------------------------------------------------------------


def _day(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d")


def _new_pdf() -> FPDF:
    missing = assets.missing_fonts(tuple(_FILES.values()))
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
    try:
        for (script, style), name in _FILES.items():
            pdf.add_font(_FAMILY[script], style, str(assets.font_path(name)))
    except Exception as exc:
        raise CardError(f"cannot load card fonts: {exc}") from None
    try:
        pdf.set_text_shaping(True)
    except Exception as exc:
        raise CardError(f"text shaping unavailable (uharfbuzz needed for Khmer and Thai): {exc}") from None
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

    # fields, as "LABEL value" rows
    cps = [
        f"{c}{NBSP}{checkpoint_names[c]}" if checkpoint_names and checkpoint_names.get(c) else c
        for c in permit.checkpoints
    ]
    issuer = f"{permit.issuer} · {office_name}" if office_name else permit.issuer
    kind = {"single": "single entry", "multi": "multiple entry"}.get(permit.kind, permit.kind)
    days = "day" if permit.stay_days == 1 else "days"
    rows: list[list[_Field]] = [
        [_Field("Born", permit.dob), _Field("Sex", permit.sex), _Field("Nat", permit.nationality)],
        [_Field("Permit", permit.number, strong=True, max_lines=2)],
        [_Field("From", _day(permit.not_before)), _Field("Until", _day(permit.expires), True)],
        [_Field("Issued by", issuer, max_lines=2)],
        [_Field("Checkpoints", ", ".join(cps), max_lines=3)],
        [_Field("Zone", permit.zone, max_lines=2)],
        [_Field("Stay", f"max {permit.stay_days} {days} · {kind}", max_lines=2)],
    ]
    # when it all cannot fit: checkpoint codes without their names, then the issuer
    # code without the office name
    cp_codes = _Field("Checkpoints", ", ".join(permit.checkpoints), max_lines=3)
    variants = [rows]
    if cps != list(permit.checkpoints):
        variants.append([r if r[0].label != "Checkpoints" else [cp_codes] for r in variants[-1]])
    if office_name:
        variants.append([r if r[0].label != "Issued by" else [_Field("Issued by", permit.issuer)]
                         for r in variants[-1]])  # fmt: skip
    names = [permit.family_name.upper(), permit.given_names.upper(), permit.native_name or ""]
    box = _Column(col, col_w, names_w, top + 0.6, photo_bottom, CARD_H - m)
    # everything at full size if it fits, else all of it a little smaller (not below
    # ~5.8 pt for values), else less of it
    chosen = None
    for rows in variants:
        for scale in (1.0, 0.95, 0.9, 0.85):
            if _column(pen, box, names, rows, scale, draw=False) <= box.bottom:
                chosen = rows, scale
                break
        if chosen:
            break
    rows, scale = chosen or (variants[-1], 0.85)
    _column(pen, box, names, rows, scale, draw=True)

    try:
        pdf.output(str(path))
    except OSError as exc:
        raise CardError(f"cannot write {path}: {exc}") from None


@dataclass(frozen=True)
class _Column:
    x: float
    width: float
    names_width: float  # beside the photo
    top: float
    photo_bottom: float
    bottom: float


def _column(
    pen: _Pen, box: _Column, names: list[str], rows: list[list[_Field]], scale: float,
    *, draw: bool,
) -> float:  # fmt: skip
    """Lay out (and if ``draw``, draw) names then fields at ``scale``; return the end y."""
    y = box.top
    family, given, native = names
    family_st = Style(9.5 * scale, True)
    for k, (text, st, min_pt, max_lines) in enumerate(
        [
            (family, Style(9.5 * scale, True), 5.5 * scale, 3),
            (given, Style(8.0 * scale, True), 5.0 * scale, 3),
            (native, Style(8.5 * scale, False), 5.5 * scale, 2),
        ]
    ):
        if not text.strip():
            continue
        if k == 1:  # given names never larger than the family name
            st = st.at(min(st.pt, family_st.pt))

        def width_at(i: int, s: Style, y0: float = y, text: str = text) -> float:
            below = y0 + i * pen.leading(text, s) >= box.photo_bottom - 0.2
            return box.width if below else box.names_width

        fst, lines = pen.fit(text, width_at, st, min_pt, max_lines)
        if k == 0:
            family_st = fst
        for line in lines:  # uniform spacing within a block, as width_at assumed
            if draw:
                pen.draw(box.x, y + pen.ascent(text, fst), line, fst)
            y += pen.leading(text, fst)
    y = max(y, box.photo_bottom) + 0.9 * scale
    return _fields(pen, rows, box.x, box.width, y, scale, draw=draw, bottom=box.bottom)


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
) -> float:  # fmt: skip
    """Lay out (and optionally draw) the field rows from ``y``; return the bottom y.

    A row of several short pairs stays on one line, squeezed down to 85 % if need be,
    or else gets a line per pair; a long value wraps with a hanging indent."""
    gap_label = 0.8  # mm between label and value
    gap_pair = 2.0  # mm between two pairs on one line

    def styles(k: float, strong: bool = False) -> tuple[Style, Style]:
        return Style(5.2 * shrink * k, True, MUTED), Style(6.8 * shrink * k, strong, INK)

    def pair_w(f: _Field, k: float = 1.0) -> float:
        lab, val = styles(k, f.strong)
        return pen.width(f.label.upper(), lab) + gap_label + pen.width(f.value, val)

    def row_w(row: list[_Field], k: float) -> float:
        return sum(pair_w(f, k) for f in row) + gap_pair * (len(row) - 1)

    def line(group: list[_Field], k: float) -> None:
        nonlocal y
        vals = [styles(k, f.strong)[1] for f in group]
        line_h = max(pen.leading(f.value, v) for f, v in zip(group, vals, strict=True))
        asc = max(pen.ascent(f.value, v) for f, v in zip(group, vals, strict=True))
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
        if row_w(row, 1.0) <= width:
            line(row, 1.0)
            continue
        if len(row) > 1:
            squeeze = [k / 100 for k in range(99, 84, -1)]
            k = next((k for k in squeeze if row_w(row, k) <= width), None)
            if k is not None:
                line(row, k)
                continue
        for f in row:
            if pair_w(f) <= width:
                line([f], 1.0)
                continue
            # a long value: hanging indent after the label, shrink, wrap, then clip
            lab, val = styles(1.0, f.strong)
            lw = pen.width(f.label.upper(), lab) + gap_label
            vst, lines = pen.fit(f.value, width - lw, val, val.pt * 0.85, f.max_lines, 0.96)
            # same pitch and baseline as an unshrunk row, so rows stay evenly spaced
            lh = pen.leading(f.value, val)
            for i, text in enumerate(lines):
                base = y + pen.ascent(f.value, val)
                if draw and y + lh <= bottom + 0.6:
                    if i == 0:
                        pen.draw(x0, base, f.label.upper(), lab)
                    pen.draw(x0 + lw, base, text, vst)
                y += lh
    return y
