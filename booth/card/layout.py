"""The permit card's face, defined once: an ID-1 card (85.60 x 53.98 mm) with the title across
the top, a rule under it, the QR on the left, the photo top right, then the holder's names
and the fields ("LABEL value" rows) in the column beside the QR.

``card_layout`` places every piece in millimetres from the top-left corner (text by baseline)
and fits every text to its box with a ``booth.card.typeset.Typesetter``; the renderers only
draw what it returns: ``booth.card.pdf`` (the printed card, fpdf2) and ``booth.card.raster``
(pixels, for the simulated camera). A field that cannot fit is shrunk, wrapped, and as a last
resort cut with an ellipsis; when the whole column cannot fit, checkpoint names and then the
office name are left out, then everything is set a little smaller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from booth.card.qr import QUIET
from booth.card.typeset import NBSP, PT, Style, Typesetter

if TYPE_CHECKING:
    from sync.protocol.permit import Permit

__all__ = [
    "CARD_W",
    "CARD_H",
    "MARGIN",
    "TITLE",
    "INK",
    "ACCENT",
    "MUTED",
    "RULE",
    "PHOTO_MAX",
    "Field",
    "CardContent",
    "TextLine",
    "Rule",
    "QrPlace",
    "PhotoPlace",
    "Header",
    "CardLayout",
    "card_header",
    "qr_place",
    "card_layout",
]

CARD_W = 85.60  # mm, ISO/IEC 7810 ID-1
CARD_H = 53.98
MARGIN = 3.0  # mm: nothing printed closer to the edges (the QR's dark modules included)
TITLE = "BORDER PERMIT · លិខិតអនុញ្ញាតឆ្លងដែន · ใบอนุญาตผ่านแดน"

INK = (0, 0, 0)
ACCENT = (22, 52, 96)
MUTED = (95, 95, 95)
RULE = (160, 160, 160)

TITLE_STYLE = Style(7.4, True, ACCENT)
TITLE_MIN_PT = 5.0
RULE_WIDTH = 0.15  # mm
QR_MODULE_MAX = 0.75  # mm
TEXT_COLUMN_MIN = 45.0  # mm from the left edge: where the text column starts at the latest
PHOTO_MAX = (11.5, 15.0)  # mm, width and height
PHOTO_BORDER = 0.12  # mm
PHOTO_GAP = 1.2  # mm between the names and the photo
LABEL_GAP = 0.8  # mm between a field's label and its value
PAIR_GAP = 2.0  # mm between two fields on one line


# --- what is printed ----------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One "LABEL value" pair; ``max_lines``: how many lines a long value may wrap onto."""

    label: str
    value: str
    strong: bool = False
    max_lines: int = 1


def _day(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class CardContent:
    """The texts on a permit card. Empty fields (and rows) are left off the card."""

    family_name: str = ""
    given_names: str = ""
    native_name: str = ""
    dob: str = ""
    sex: str = ""
    nationality: str = ""
    number: str = ""
    not_before: int | None = None
    expires: int | None = None
    issuer: str = ""
    office_name: str = ""
    checkpoints: tuple[tuple[str, str], ...] = ()  # (code, name; "" when not known)
    zone: str = ""
    stay_days: int | None = None
    kind: str = ""

    @classmethod
    def from_permit(
        cls, permit: Permit, *, office_name: str = "", checkpoint_names: Mapping[str, str] | None = None
    ) -> CardContent:
        names = checkpoint_names or {}
        return cls(
            family_name=permit.family_name,
            given_names=permit.given_names,
            native_name=permit.native_name or "",
            dob=permit.dob,
            sex=permit.sex,
            nationality=permit.nationality,
            number=permit.number,
            not_before=permit.not_before,
            expires=permit.expires,
            issuer=permit.issuer,
            office_name=office_name,
            checkpoints=tuple((c, names.get(c) or "") for c in permit.checkpoints),
            zone=permit.zone,
            stay_days=permit.stay_days,
            kind=permit.kind,
        )

    @property
    def names(self) -> tuple[str, str, str]:
        """Family name and given names (upper case), native name."""
        return self.family_name.upper(), self.given_names.upper(), self.native_name

    def field_rows(self) -> list[list[list[Field]]]:
        """The field rows, then the fallbacks for when they cannot all fit: checkpoint codes
        without their names, then also the issuer code without the office name."""
        cps = [f"{c}{NBSP}{n}" if n else c for c, n in self.checkpoints]
        codes = [c for c, _ in self.checkpoints]
        issuer = f"{self.issuer} · {self.office_name}" if self.office_name else self.issuer
        kind = {"single": "single entry", "multi": "multiple entry"}.get(self.kind, self.kind)
        stay = ""
        if self.stay_days is not None:
            stay = f"max {self.stay_days} {'day' if self.stay_days == 1 else 'days'} · {kind}"
        rows: list[list[Field]] = [
            [Field("Born", self.dob), Field("Sex", self.sex), Field("Nat", self.nationality)],
            [Field("Permit", self.number, strong=True, max_lines=2)],
            [
                Field("From", _day(self.not_before) if self.not_before is not None else ""),
                Field("Until", _day(self.expires) if self.expires is not None else "", True),
            ],
            [Field("Issued by", issuer, max_lines=2)],
            [Field("Checkpoints", ", ".join(cps), max_lines=3)],
            [Field("Zone", self.zone, max_lines=2)],
            [Field("Stay", stay, max_lines=2)],
        ]
        variants = [rows]
        if cps != codes:
            cp_codes = Field("Checkpoints", ", ".join(codes), max_lines=3)
            variants.append([r if r[0].label != "Checkpoints" else [cp_codes] for r in variants[-1]])
        if self.office_name:
            variants.append(
                [r if r[0].label != "Issued by" else [Field("Issued by", self.issuer)] for r in variants[-1]]
            )
        return variants


# --- where it is printed --------------------------------------------------------------------


@dataclass(frozen=True)
class TextLine:
    """One line of text, its baseline at ``baseline`` (mm), starting at ``x``."""

    x: float
    baseline: float
    text: str
    style: Style


@dataclass(frozen=True)
class Rule:
    """A horizontal line from ``x0`` to ``x1`` at ``y``."""

    x0: float
    x1: float
    y: float
    color: tuple[int, int, int] = RULE
    width: float = RULE_WIDTH


@dataclass(frozen=True)
class QrPlace:
    """The QR's dark modules: top-left corner, module size (mm) and modules a side; the
    quiet zone (``QUIET`` modules) around it is kept clear."""

    x: float
    y: float
    module: float
    modules: int

    @property
    def side(self) -> float:
        return self.modules * self.module


@dataclass(frozen=True)
class PhotoPlace:
    """The photo's box (mm) and the border drawn around it."""

    x: float
    y: float
    w: float
    h: float
    border: float = PHOTO_BORDER
    color: tuple[int, int, int] = RULE


@dataclass(frozen=True)
class Header:
    """The title line and the rule under it; ``top``: where what follows begins."""

    title: TextLine
    rule: Rule
    top: float


@dataclass(frozen=True)
class CardLayout:
    """Everything on the card's face, in millimetres."""

    title: TextLine
    rule: Rule
    qr: QrPlace
    photo: PhotoPlace | None
    texts: tuple[TextLine, ...]  # the names and the fields, in reading order


def card_header(pen: Typesetter) -> Header:
    """The title, centred on one line across the top, and the rule under it."""
    m = MARGIN
    st, lines = pen.fit(TITLE, CARD_W - 2 * m, TITLE_STYLE, TITLE_MIN_PT, 1)
    base = m - 0.6 + pen.ascent(TITLE, st)
    tw = pen.width(lines[0], st)
    rule_y = base + st.pt * PT * 0.62
    return Header(TextLine((CARD_W - tw) / 2, base, lines[0], st), Rule(m, CARD_W - m, rule_y), rule_y + 0.25)


def qr_place(header: Header, modules: int) -> QrPlace:
    """The QR of ``modules`` a side under ``header``: its dark modules at least ``MARGIN``
    from the card's edges, its quiet zone clear of the rule."""
    module = min((CARD_H - MARGIN - header.top) / (modules + QUIET), QR_MODULE_MAX)
    return QrPlace(MARGIN, header.top + QUIET * module, module, modules)


def card_layout(
    content: CardContent, qr_modules: int, pen: Typesetter, *, photo_size: tuple[int, int] | None = None
) -> CardLayout:
    """The card's face for ``content`` with a QR of ``qr_modules`` modules a side (without
    its quiet zone) and, if ``photo_size`` (pixels) is given, the photo; texts are measured
    and fitted with ``pen``."""
    header = card_header(pen)
    top, right = header.top, CARD_W - MARGIN
    qr = qr_place(header, qr_modules)
    col = max(qr.x + qr.side + QUIET * qr.module, TEXT_COLUMN_MIN) + 0.4  # past the quiet zone
    col_w = right - col

    photo = None
    photo_bottom = top + 0.6
    names_w = col_w
    if photo_size:
        iw, ih = photo_size
        scale = min(PHOTO_MAX[0] / iw, PHOTO_MAX[1] / ih)
        pw, ph = iw * scale, ih * scale
        photo = PhotoPlace(right - pw, top + 0.6, pw, ph)
        photo_bottom = photo.y + ph
        names_w = col_w - pw - PHOTO_GAP

    box = _Column(col, col_w, names_w, top + 0.6, photo_bottom, CARD_H - MARGIN)
    variants = content.field_rows()
    # everything at full size if it fits, else all of it a little smaller (not below
    # ~5.8 pt for values), else less of it
    chosen = None
    for rows in variants:
        for scale in (1.0, 0.95, 0.9, 0.85):
            if _column(pen, box, content.names, rows, scale, None) <= box.bottom:
                chosen = rows, scale
                break
        if chosen:
            break
    rows, scale = chosen or (variants[-1], 0.85)
    texts: list[TextLine] = []
    _column(pen, box, content.names, rows, scale, texts)
    return CardLayout(header.title, header.rule, qr, photo, tuple(texts))


@dataclass(frozen=True)
class _Column:
    x: float
    width: float
    names_width: float  # beside the photo
    top: float
    photo_bottom: float
    bottom: float


def _column(
    pen: Typesetter,
    box: _Column,
    names: tuple[str, str, str],
    rows: list[list[Field]],
    scale: float,
    out: list[TextLine] | None,
) -> float:
    """Lay out names then fields at ``scale`` (into ``out``, if given); return the end y."""
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
            if out is not None:
                out.append(TextLine(box.x, y + pen.ascent(text, fst), line, fst))
            y += pen.leading(text, fst)
    y = max(y, box.photo_bottom) + 0.9 * scale
    return _fields(pen, rows, box.x, box.width, y, scale, out, bottom=box.bottom)


def _fields(
    pen: Typesetter,
    rows: list[list[Field]],
    x0: float,
    width: float,
    y: float,
    shrink: float,
    out: list[TextLine] | None,
    *,
    bottom: float = CARD_H,
) -> float:
    """Lay out the field rows from ``y`` (into ``out``, if given); return the bottom y.

    A row of several short pairs stays on one line, squeezed down to 85 % if need be,
    or else gets a line per pair; a long value wraps with a hanging indent. A line below
    ``bottom`` is left out."""

    def styles(k: float, strong: bool = False) -> tuple[Style, Style]:
        return Style(5.2 * shrink * k, True, MUTED), Style(6.8 * shrink * k, strong, INK)

    def pair_w(f: Field, k: float = 1.0) -> float:
        lab, val = styles(k, f.strong)
        return pen.width(f.label.upper(), lab) + LABEL_GAP + pen.width(f.value, val)

    def row_w(row: list[Field], k: float) -> float:
        return sum(pair_w(f, k) for f in row) + PAIR_GAP * (len(row) - 1)

    def line(group: list[Field], k: float) -> None:
        nonlocal y
        vals = [styles(k, f.strong)[1] for f in group]
        line_h = max(pen.leading(f.value, v) for f, v in zip(group, vals, strict=True))
        asc = max(pen.ascent(f.value, v) for f, v in zip(group, vals, strict=True))
        if out is not None and y + line_h <= bottom + 0.6:
            x = x0
            for f in group:
                lab, val = styles(k, f.strong)
                out.append(TextLine(x, y + asc, f.label.upper(), lab))
                x += pen.width(f.label.upper(), lab) + LABEL_GAP
                out.append(TextLine(x, y + asc, f.value, val))
                x += pen.width(f.value, val) + PAIR_GAP
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
            lw = pen.width(f.label.upper(), lab) + LABEL_GAP
            vst, lines = pen.fit(f.value, width - lw, val, val.pt * 0.85, f.max_lines, 0.96)
            # same pitch and baseline as an unshrunk row, so rows stay evenly spaced
            lh = pen.leading(f.value, val)
            for i, text in enumerate(lines):
                base = y + pen.ascent(f.value, val)
                if out is not None and y + lh <= bottom + 0.6:
                    if i == 0:
                        out.append(TextLine(x0, base, f.label.upper(), lab))
                    out.append(TextLine(x0 + lw, base, text, vst))
                y += lh
    return y
