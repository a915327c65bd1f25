"""The PDF report: header, summary, reasons, a chart of scans per hour, sync state, the
overrides, the overstays and who is still inside.

Why fpdf2 (with uharfbuzz shaping) and not Qt's QPdfWriter: exports run from the command
line and from the core (no Qt import, no QGuiApplication, no display), fpdf2 and uharfbuzz
are already dependencies (permit cards, ``booth.card``), it embeds subsets of the bundled
Noto fonts, and with shaping it places Khmer subscripts and Thai marks by the fonts' own
rules. The script runs, fonts and text fitting are the permit card's (``booth.card.typeset``);
its pen in fast-Latin mode draws Latin runs without the shaping pass (plain ``text``: 25x
faster, and Latin needs no shaping) and Khmer/Thai runs with it, which keeps a busy day's
report well under a second.

The PDF is a summary: the long lists (every scan) are the CSV and JSON exports. Its list of
overrides is complete; the lists of overstays and of people inside stop at ``LIST_MAX`` rows
(their totals are in the summary, every one of them in the JSON export's report).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from booth import assets
from booth.card.typeset import PT, PdfPen, Style, add_fonts, missing_fonts
from booth.errors import CardError
from booth.reasons import ENGLISH, Reason
from booth.report.model import Person, Report, head_line, local_time, offset_label
from booth.report.staging import ExportError

if TYPE_CHECKING:
    from fpdf import FPDF

LIST_MAX = 300  # rows of the overstay and inside lists; the JSON export has them all
PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT, TOP, BOTTOM = 14.0, 196.0, 14.0, 282.0
WIDTH = RIGHT - LEFT
INK = (20, 20, 20)
MUTED = (100, 100, 100)
ACCENT = (22, 52, 96)
VALID = (38, 110, 190)
REJECTED = (196, 52, 40)
GRID = (215, 215, 215)
STRIPE = (244, 246, 249)
TILE = (236, 241, 248)
WARN = (160, 90, 0)


def render(report: Report, *, title: str | None = None, file_name: str | None = None) -> bytes:
    """The report as PDF bytes."""
    doc = _Doc(report, title or ("Shift report" if report.shift else "Crossing report"))
    doc.header()
    doc.tiles()
    doc.breakdowns()
    doc.chart()
    doc.sync()
    doc.overrides()
    doc.people("Overstays", report.overstays, empty="No one inside has overstayed.", limit=LIST_MAX)
    doc.people(
        f"Still inside at {local_time(report.inside_as_of, report.tz)}",
        report.inside,
        empty="No one is inside.",
        limit=LIST_MAX,
    )
    doc.footers(file_name)
    try:
        return bytes(doc.pdf.output())
    except Exception as exc:  # fpdf2 raises its own types; the supervisor needs one sentence
        raise ExportError(f"the PDF could not be made: {exc}") from None


def _setup() -> tuple[FPDF, PdfPen]:
    """An A4 document with the bundled fonts, and the pen that sets text on it: the card's
    (``booth.card.typeset``) in its fast-Latin mode, for long tables."""
    missing = missing_fonts()
    if missing:
        raise ExportError(f"report fonts missing from {assets.FONTS_DIR}: {', '.join(missing)}")
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0
    pdf.set_creator("Booth")
    try:
        add_fonts(pdf)
    except CardError as exc:
        raise ExportError(f"cannot load the report fonts or text shaping (uharfbuzz): {exc}") from None
    return pdf, PdfPen(pdf, fast_latin=True)


@dataclass
class _Col:
    title: str
    width: float
    align: str = "L"


class _Doc:
    def __init__(self, report: Report, title: str) -> None:
        self.r = report
        self.title = title
        self.pdf, self.pen = _setup()
        self.pdf.set_title(f"{title} · {report.booth_id} · {report.checkpoint}")
        self.pdf.set_author(f"Booth {report.booth_id}")
        self.pdf.add_page()
        self.y = TOP
        self.tz = report.tz

    # -- primitives
    def st(self, pt: float, bold: bool = False, color: tuple[int, int, int] = INK) -> Style:
        return Style(pt, bold, color)

    def line_h(self, text: str, st: Style) -> float:
        return self.pen.leading(text or "A", st)

    def text(self, x: float, top: float, text: str, st: Style, width: float | None = None, align: str = "L") -> float:
        """Draw ``text`` with its line's top at ``top`` (cut with an ellipsis to ``width``)."""
        if not text:
            return 0.0
        if width is not None:
            text = self.pen.clip(text, width, st)
        w = self.pen.width(text, st) if align != "L" else 0.0
        if align == "R" and width is not None:
            x += width - w
        elif align == "C" and width is not None:
            x += (width - w) / 2
        return self.pen.draw(x, top + self.pen.ascent("A", st) + 0.15 * st.pt * PT, text, st)

    def new_page(self) -> None:
        self.pdf.add_page()
        self.y = TOP

    def need(self, height: float) -> bool:
        """Make room for ``height``; True if a new page was started."""
        if self.y + height > BOTTOM:
            self.new_page()
            return True
        return False

    def heading(self, text: str, note: str = "", keep: float = 24.0) -> None:
        """A section title; ``keep``: room wanted below it (a title never ends a page alone)."""
        st = self.st(11.5, True, ACCENT)
        self.need(self.line_h(text, st) + 6 + keep)
        self.y += 3.5
        w = self.text(LEFT, self.y, text, st)
        if note:
            self.text(LEFT + w + 3, self.y + 1.1, note, self.st(8, False, MUTED), RIGHT - LEFT - w - 3)
        self.y += self.line_h(text, st) + 0.6
        self.rule(self.y)
        self.y += 1.6

    def rule(self, y: float, color: tuple[int, int, int] = GRID, width: float = 0.25) -> None:
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(width)
        self.pdf.line(LEFT, y, RIGHT, y)

    def fill(self, x: float, y: float, w: float, h: float, color: tuple[int, int, int]) -> None:
        self.pdf.set_fill_color(*color)
        self.pdf.rect(x, y, w, h, style="F")

    # -- sections
    def header(self) -> None:
        r, tz = self.r, self.tz
        title = self.st(18, True, ACCENT)
        self.text(LEFT, self.y, self.title, title)
        self.text(LEFT, self.y + 1.5, f"Booth {r.booth_id}", self.st(12, True), WIDTH, "R")
        self.y += self.line_h(self.title, title) + 1
        names = [
            n for n in (r.checkpoint_names.get("en"), r.checkpoint_names.get("km"), r.checkpoint_names.get("th")) if n
        ]
        place = " · ".join([f"Checkpoint {r.checkpoint}", *names])
        big = self.st(11)
        self.text(LEFT, self.y, place, big, WIDTH)
        self.y += self.line_h(place, big) + 0.8
        start, end = r.period
        rows = [
            (
                "Period",
                f"{local_time(start, tz) if start is not None else 'first record'} – "
                f"{local_time(end, tz) if end is not None else 'now'}  ({offset_label(tz)})",
            )
        ]
        if r.shift:
            closed = local_time(r.shift.closed_at, tz) if r.shift.closed_at else "still open"
            rows.append(
                (
                    "Shift",
                    f"#{r.shift.id} of {r.shift.officer}: opened {local_time(r.shift.opened_at, tz)}, closed {closed}",
                )
            )
        rows.append(("Officer", r.officer or "all officers"))
        span = f"#{r.first_seq:,} – #{r.last_seq:,}" if r.first_seq is not None else "none"
        rows.append(
            ("Records", f"{r.records:,} scans and overrides ({span}); ledger head #{r.head_seq:,} {r.head_hash[:16]}…")
        )
        rows.append(("Made", f"{local_time(r.generated_at, tz, '%Y-%m-%d %H:%M:%S')}"))
        label, value = self.st(8.5, True, MUTED), self.st(9.5)
        for key, text in rows:
            self.text(LEFT, self.y + 0.5, key.upper(), label)
            self.text(LEFT + 22, self.y, text, value, WIDTH - 22)
            self.y += self.line_h(text, value)
        self.y += 1.5
        self.rule(self.y, ACCENT, 0.5)
        self.y += 3

    def tiles(self) -> None:
        r = self.r
        items = [
            ("Scans", r.scans, ""),
            ("Entries", r.entries, f"{r.entries_by_override} of them by override" if r.entries_by_override else ""),
            ("Exits", r.exits, f"{r.exits_by_override} of them by override" if r.exits_by_override else ""),
            ("Rejections", r.rejections, ""),
            ("Overrides", r.overrides, ""),
            ("Still inside", len(r.inside), ""),
            ("Overstays", len(r.overstays), ""),
        ]
        gap = 2.0
        w = (WIDTH - gap * (len(items) - 1)) / len(items)
        h = 19.0
        for i, (label, value, note) in enumerate(items):
            x = LEFT + i * (w + gap)
            self.fill(x, self.y, w, h, TILE)
            self.text(x, self.y + 1.6, label.upper(), self.st(7, True, MUTED), w, "C")
            colour = REJECTED if label in ("Rejections", "Overstays") and value else ACCENT
            self.text(x, self.y + 5.4, f"{value:,}", self.st(17, True, colour), w, "C")
            if note:
                self.text(x, self.y + 13.8, note, self.st(6.5, False, MUTED), w, "C")
        self.y += h + 2

    def breakdowns(self) -> None:
        r = self.r
        left_w, gap = 104.0, 6.0
        right_x, right_w = LEFT + left_w + gap, WIDTH - left_w - gap
        top = self.y
        lines = max(len(r.rejections_by_reason) + len(r.warnings_by_reason), 1)
        self.heading("Rejections by reason", f"{r.rejections:,} rejected scans", 4.6 * max(lines, 8))
        start = self.y
        st, small = self.st(8.5), self.st(7.5, False, MUTED)
        y = start
        if not r.rejections_by_reason:
            self.text(LEFT, y, "No rejections.", small)
            y += 5
        for code, n in r.rejections_by_reason.items():
            self.text(LEFT, y, code, self.st(8.5, True), 30)
            self.text(LEFT + 30, y + 0.4, _reason_text(code), small, left_w - 30 - 14)
            self.text(LEFT + left_w - 14, y, f"{n:,}", st, 14, "R")
            y += 4.6
        for code, n in r.warnings_by_reason.items():
            self.text(LEFT, y, code, self.st(8.5, True, WARN), 30)
            self.text(LEFT + 30, y + 0.4, "warning: " + _reason_text(code), small, left_w - 30 - 14)
            self.text(LEFT + left_w - 14, y, f"{n:,}", st, 14, "R")
            y += 4.6
        # right column, beside: nationality and channel
        ry = start
        for name, data in (("By nationality", r.by_nationality), ("By input channel", r.by_channel)):
            self.text(right_x, ry, name, self.st(8.5, True, ACCENT))
            ry += 4.8
            for key, n in list(data.items())[:8] or [("none", 0)]:
                self.text(right_x, ry, key, st, right_w - 16)
                self.text(right_x + right_w - 16, ry, f"{n:,}", st, 16, "R")
                ry += 4.4
            ry += 2
        self.y = max(y, ry, top) + 1

    def chart(self) -> None:
        r = self.r
        height = 58.0
        self.heading("Scans per hour", f"local time, {offset_label(self.tz)}; valid and rejected", height + 6)
        axis_w = 11.0
        x0, y0 = LEFT + axis_w, self.y + 3
        w, h = WIDTH - axis_w, height - 10
        totals = [v + j for v, j in r.per_hour]
        peak = max(totals, default=0)
        step = _nice_step(peak / 4 if peak else 1)
        top = max(step * math.ceil(peak / step), step)
        label = self.st(6.5, False, MUTED)
        for k in range(int(round(top / step)) + 1):
            value = k * step
            y = y0 + h - h * value / top
            self.pdf.set_draw_color(*GRID)
            self.pdf.set_line_width(0.2)
            self.pdf.line(x0, y, x0 + w, y)
            self.text(LEFT, y - 1.6, f"{value:,.0f}", label, axis_w - 1.5, "R")
        slot = w / 24
        bar = slot * 0.68
        for hour, (valid, rejected) in enumerate(r.per_hour):
            x = x0 + hour * slot + (slot - bar) / 2
            hv, hr = h * valid / top, h * rejected / top
            if valid:
                self.fill(x, y0 + h - hv, bar, hv, VALID)
            if rejected:
                self.fill(x, y0 + h - hv - hr, bar, hr, REJECTED)
            if valid + rejected:
                self.text(
                    x - 2, y0 + h - hv - hr - 3.3, f"{valid + rejected:,}", self.st(5.5, False, INK), bar + 4, "C"
                )
            self.text(x - 1, y0 + h + 0.8, f"{hour:02d}", label, bar + 2, "C")
        self.pdf.set_draw_color(*MUTED)
        self.pdf.set_line_width(0.3)
        self.pdf.line(x0, y0 + h, x0 + w, y0 + h)
        ly = y0 + h + 5.2
        for i, (name, colour) in enumerate((("valid", VALID), ("rejected", REJECTED))):
            lx = x0 + i * 24
            self.fill(lx, ly + 0.9, 3, 2.4, colour)
            self.text(lx + 4, ly, name, self.st(7.5))
        self.text(x0, ly, f"peak {peak:,} scans in one hour", self.st(7.5, False, MUTED), w, "R")
        self.y = ly + 5

    def sync(self) -> None:
        s = self.r.sync
        if s is None:
            return
        when = "at the shift's close" if s.as_of == "shift close" else "when this report was made"
        last = local_time(s.last_success, self.tz) if s.last_success else "never"
        text = (
            f"Sync with HQ ({when}): HQ acknowledged records up to #{s.acked_seq:,} of #{s.head_seq:,}; "
            f"{s.pending:,} waiting to be sent. Last successful sync: {last}."
        )
        st = self.st(8.5, False, REJECTED if s.pending else INK)
        self.heading("Sync state")
        for line in self.pen.wrap(text, lambda _i: WIDTH, st) or [text]:
            self.need(5)
            self.text(LEFT, self.y, line, st)
            self.y += self.line_h(line, st)

    def overrides(self) -> None:
        r = self.r
        self.heading("Overrides", f"{len(r.override_list):,} — each a supervisor's decision, with their reason")
        if not r.override_list:
            self.text(LEFT, self.y, "No overrides.", self.st(8.5, False, MUTED))
            self.y += 6
            return
        cols = [
            _Col("Time", 23),
            _Col("Scan", 13),
            _Col("Holder", 46),
            _Col("Permit", 33),
            _Col("Rejected for", 27),
            _Col("Officer / supervisor", 40),
        ]
        reason_st = self.st(7.8, False, INK)
        rows = []
        for o in r.override_list:
            holder = [o.holder or "unknown holder"] + ([o.native_name] if o.native_name else [])
            reason = f"Reason: {o.reason or '-'}"
            lines = self.pen.wrap(reason, lambda _i: WIDTH - 38, reason_st) or [reason]
            rows.append(
                (
                    [
                        [local_time(o.at, self.tz, "%d %b %H:%M")],
                        [f"#{o.ref_seq}"],
                        holder,
                        [o.permit_no or "-"],
                        [", ".join(o.rejected_for) or "-"],
                        [o.officer or "-", "sup. " + (o.supervisor or "-")],
                    ],
                    lines,
                )
            )
        self.table(cols, rows, reason_st)

    def people(self, title: str, people: list[Person], *, empty: str, limit: int | None) -> None:
        shown = people if limit is None else people[:limit]
        note = f"{len(people):,}" + (
            f", the first {limit:,} listed (all are in the JSON export)"
            if limit is not None and len(people) > limit
            else ""
        )
        self.heading(title, note)
        if not people:
            self.text(LEFT, self.y, empty, self.st(8.5, False, MUTED))
            self.y += 6
            return
        cols = [
            _Col("Holder", 52),
            _Col("Permit", 36),
            _Col("Nat.", 12),
            _Col("Entered", 26),
            _Col("Stay", 14, "R"),
            _Col("Over by", 16, "R"),
            _Col("Let in by", 26),
        ]
        rows = []
        for p in shown:
            holder = [p.holder or "unknown holder"] + ([p.native_name] if p.native_name else [])
            rows.append(
                (
                    [
                        holder,
                        [p.permit_no],
                        [p.nationality or "-"],
                        [local_time(p.entered_at, self.tz)],
                        [f"{p.stay_days} d" if p.stay_days is not None else "-"],
                        [f"{p.days_over:g} d" if p.days_over is not None else ""],
                        [p.officer or "-"],
                    ],
                    [],
                )
            )
        self.table(cols, rows, None)

    def table(self, cols: list[_Col], rows: list[tuple[list[list[str]], list[str]]], extra_st) -> None:
        """Rows of cells (each a list of lines), and optional full-width lines under each row."""
        head_st, cell_st = self.st(7, True, MUTED), self.st(8.3)

        def header() -> None:
            x = LEFT
            for c in cols:
                self.text(x + 0.8, self.y, c.title.upper(), head_st, c.width - 1.6, c.align)
                x += c.width
            self.y += 4.2
            self.rule(self.y - 0.4, MUTED, 0.2)

        header()
        for i, (cells, extra) in enumerate(rows):
            heights = [sum(self.line_h(t, cell_st) for t in lines) for lines in cells]
            extra_h = sum(self.line_h(t, extra_st) for t in extra) if extra else 0.0
            row_h = max(heights) + extra_h + 1.2
            if self.need(row_h):
                header()
            if i % 2:
                self.fill(LEFT, self.y - 0.3, WIDTH, row_h, STRIPE)
            x = LEFT
            for c, lines in zip(cols, cells, strict=True):
                y = self.y + 0.3
                for j, line in enumerate(lines):
                    st = cell_st if j == 0 else self.st(8.3, False, INK)
                    self.text(x + 0.8, y, line, st, c.width - 1.6, c.align)
                    y += self.line_h(line, st)
                x += c.width
            y = self.y + max(heights) + 0.3
            for line in extra:
                self.text(LEFT + cols[0].width + 0.8, y, line, extra_st)
                y += self.line_h(line, extra_st)
            self.y += row_h

    def footers(self, file_name: str | None) -> None:
        pdf, r = self.pdf, self.r
        total = pdf.page
        st = self.st(7, False, MUTED)
        left = f"Booth {r.booth_id} · {r.checkpoint} · {self.title} made {local_time(r.generated_at, self.tz)}"
        if file_name:
            left += f" · {file_name} (signed: {file_name}.sig)"
        for page in range(1, total + 1):
            pdf.page = page
            # fpdf2 tracks font, colours and line width document-wide, not per page: after going
            # back to a page, make it write them again (a fill colour unlike the text colour
            # makes text() set its own colour)
            pdf.current_font_is_set_on_page = False
            pdf.set_draw_color(1, 2, 3)
            pdf.set_line_width(0.001)
            pdf.set_fill_color(1, 2, 3)
            pdf.set_fill_color(255, 255, 255)
            self.pdf.set_draw_color(*GRID)
            self.pdf.set_line_width(0.2)
            self.pdf.line(LEFT, BOTTOM + 3, RIGHT, BOTTOM + 3)
            self.text(LEFT, BOTTOM + 4, left, st, WIDTH - 25)
            self.text(LEFT, BOTTOM + 4, f"page {page} of {total}", st, WIDTH, "R")
            self.text(LEFT, BOTTOM + 7.5, head_line(r.head_seq, r.head_hash), st, WIDTH)  # for the signature
        pdf.page = total


def _reason_text(code: str) -> str:
    try:
        return ENGLISH[Reason(code)]
    except ValueError:
        return ""


def _nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at least ``raw``."""
    if raw <= 1:
        return 1
    power = 10 ** math.floor(math.log10(raw))
    for k in (1, 2, 5, 10):
        if k * power >= raw:
            return k * power
    return 10 * power
