"""Shift reports: the figures a supervisor hands HQ for a shift, a day or a period.

A report covers the scans and overrides that a ``ReportFilter`` selects (see
``Ledger.selection``): a time range, optionally one officer, optionally one shift. Its
figures, as defined here and nowhere else:

- ``scans``: scan records; ``entries`` / ``exits``: people let in / out, as HQ's report and
  dashboard count them: scans with verdict ``valid`` in that direction plus overrides in that
  direction (of them ``entries_by_override`` / ``exits_by_override``); ``rejections``: scans
  with verdict ``rejected`` (overridden ones included); ``overrides``: override records (each
  listed with supervisor and reason).
- ``rejections_by_reason``: rejected scans per stop reason (a scan with two stop reasons
  counts under both); ``warnings_by_reason``: scans of any verdict per warning reason.
- ``per_hour``: scans per local hour of the day (0-23), valid and rejected; over several
  days the hours add up. ``by_nationality`` and ``by_channel``: scans per value.
- ``inside``: who was inside at the end of the period (for a closed shift, its close; now,
  if that is earlier), whoever let them in, unless the report is for one officer or shift:
  then the people that officer or shift let in. ``overstays``: those of them past their
  permit's stay.
- ``sync``: HQ's last acknowledged sequence at the shift's close (recorded in its
  ``shift_close`` audit record), else as the report is made.

Times are shown at one fixed UTC offset, the zone's offset at the start of the period
(Cambodia and Thailand keep UTC+7 all year), and every output says which. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from booth.errors import ConfigError
from booth.ledger.state import Replay, crossing_seq
from booth.ledger.store import Ledger, ShiftRow
from booth.reasons import WARNINGS
from sync.protocol.export_signature import ExportFilter
from sync.protocol.records import ENTRY, EXIT, OVERRIDE, SCAN

DAY = 86_400
UNKNOWN = "unknown"
_WARNING_CODES = frozenset(str(r) for r in WARNINGS)
_SYNC_NOTE = re.compile(r"acked_seq=(\d+) head_seq=(\d+)")


# -- what a report covers -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ReportFilter(ExportFilter):
    """``start <= at < end`` (epoch seconds; None: open), one officer, one shift: the filter an
    export's signature carries (``sync.protocol.export_signature.ExportFilter``, equal to it with
    the same values), with what the booth does with it (the ledger query, a file name)."""

    def where(self) -> dict:
        return {"start": self.start, "end": self.end, "officer": self.officer, "shift_id": self.shift_id}

    def slug(self, zone: dt.tzinfo) -> str:
        """A short, file-name-safe description: ``2026-09-21``, ``2026-09-01_2026-09-30``,
        ``shift-12``, with ``_<officer>`` when one is chosen."""
        parts = []
        if self.shift_id is not None:
            parts.append(f"shift-{self.shift_id}")
        if self.start is not None or self.end is not None:
            first = _day(self.start, zone) if self.start is not None else "start"
            last = _day(self.end - 1, zone) if self.end is not None else "now"
            parts.append(first if first == last else f"{first}_{last}")
        if self.officer:
            parts.append(re.sub(r"[^A-Za-z0-9.-]+", "-", self.officer).strip("-") or "officer")
        return "_".join(parts) or "all"


def zone(name: str | None = None) -> dt.tzinfo:
    """An IANA zone by name (``Asia/Phnom_Penh``), or the machine's local zone."""
    if not name:
        return dt.datetime.now().astimezone().tzinfo or dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r} (use a name such as Asia/Phnom_Penh)") from None


def fixed_offset(tz: dt.tzinfo, at: int | None) -> dt.timezone:
    """The zone's UTC offset at ``at`` (or now) as a fixed zone: one offset for a whole report."""
    moment = dt.datetime.fromtimestamp(at if at is not None else dt.datetime.now(dt.UTC).timestamp(), dt.UTC)
    offset = moment.astimezone(tz).utcoffset() or dt.timedelta(0)
    return dt.timezone(offset)


def offset_label(tz: dt.timezone) -> str:
    seconds = int(tz.utcoffset(None).total_seconds())
    sign = "+" if seconds >= 0 else "-"
    return f"UTC{sign}{abs(seconds) // 3600:02d}:{abs(seconds) % 3600 // 60:02d}"


def parse_bound(text: str, tz: dt.tzinfo, *, end: bool) -> int:
    """``YYYY-MM-DD`` is a whole local day (as an end bound: up to the next midnight, so
    ``--to`` includes its day); an ISO date-time is that instant (naive: local time)."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = dt.date.fromisoformat(text) + dt.timedelta(days=1 if end else 0)
            return int(dt.datetime.combine(day, dt.time(), tz).timestamp())
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"{text!r} is not a date (2026-09-21) or an ISO time (2026-09-21T08:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return int(moment.timestamp())


def period(date_from: str | None, date_to: str | None, tz: dt.tzinfo) -> tuple[int | None, int | None]:
    start = parse_bound(date_from, tz, end=False) if date_from else None
    end = parse_bound(date_to, tz, end=True) if date_to else None
    if start is not None and end is not None and end <= start:
        raise ConfigError("the period ends before it starts: check --from and --to")
    return start, end


def day_filter(day: dt.date, tz: dt.tzinfo, officer: str | None = None) -> ReportFilter:
    text = day.isoformat()
    return ReportFilter(parse_bound(text, tz, end=False), parse_bound(text, tz, end=True), officer)


def _day(epoch: int, tz: dt.tzinfo) -> str:
    return dt.datetime.fromtimestamp(epoch, tz).strftime("%Y-%m-%d")


def local_time(epoch: int | None, tz: dt.tzinfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return dt.datetime.fromtimestamp(epoch, tz).strftime(fmt) if epoch is not None else ""


# -- the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftInfo:
    id: int
    officer: str
    opened_at: int
    closed_at: int | None

    @classmethod
    def of(cls, row: ShiftRow) -> ShiftInfo:
        return cls(row.id, row.officer, row.opened_at, row.closed_at)


@dataclass(frozen=True)
class OverrideLine:
    seq: int
    at: int
    ref_seq: int | None
    officer: str | None  # who made the rejected scan
    supervisor: str | None
    reason: str | None  # the supervisor's written reason
    direction: str | None
    permit_no: str | None
    holder: str | None
    native_name: str | None
    nationality: str | None
    rejected_for: list[str]


@dataclass(frozen=True)
class Person:
    """Someone inside at the report's end."""

    permit_no: str
    holder: str | None
    native_name: str | None
    nationality: str | None
    entry_seq: int
    entered_at: int
    stay_days: int | None
    officer: str | None
    days_over: float | None  # past the permit's stay, in days; None when within it


@dataclass(frozen=True)
class SyncInfo:
    acked_seq: int
    head_seq: int
    pending: int
    last_success: int | None
    as_of: str  # "shift close" or "report"


@dataclass
class Report:
    booth_id: str
    checkpoint: str
    filter: ReportFilter
    utc_offset: int  # seconds east of UTC for every time shown
    generated_at: int
    head_seq: int
    head_hash: str
    shift: ShiftInfo | None = None
    checkpoint_names: dict[str, str] = field(default_factory=dict)  # en, km, th
    first_seq: int | None = None
    last_seq: int | None = None
    records: int = 0
    scans: int = 0
    entries: int = 0
    exits: int = 0
    rejections: int = 0
    overrides: int = 0
    entries_by_override: int = 0
    exits_by_override: int = 0
    rejections_by_reason: dict[str, int] = field(default_factory=dict)
    warnings_by_reason: dict[str, int] = field(default_factory=dict)
    per_hour: list[tuple[int, int]] = field(default_factory=lambda: [(0, 0)] * 24)  # (valid, rejected)
    by_nationality: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    override_list: list[OverrideLine] = field(default_factory=list)
    inside_as_of: int = 0
    inside: list[Person] = field(default_factory=list)
    sync: SyncInfo | None = None

    @property
    def tz(self) -> dt.timezone:
        return dt.timezone(dt.timedelta(seconds=self.utc_offset))

    @property
    def overstays(self) -> list[Person]:
        return [p for p in self.inside if p.days_over is not None]

    @property
    def officer(self) -> str | None:
        return self.filter.officer or (self.shift.officer if self.shift else None)

    @property
    def period(self) -> tuple[int | None, int | None]:
        """The period shown: the filter's, else the shift's (open shifts run to now)."""
        start, end = self.filter.start, self.filter.end
        if self.shift is not None:
            start = start if start is not None else self.shift.opened_at
            end = end if end is not None else (self.shift.closed_at or self.generated_at)
        return start, end

    def totals(self) -> dict[str, int]:
        return {
            "scans": self.scans,
            "entries": self.entries,
            "exits": self.exits,
            "rejections": self.rejections,
            "overrides": self.overrides,
            "entries_by_override": self.entries_by_override,
            "exits_by_override": self.exits_by_override,
            "inside": len(self.inside),
            "overstays": len(self.overstays),
        }

    def to_json(self) -> dict:
        start, end = self.period
        return {
            "booth": self.booth_id,
            "checkpoint": self.checkpoint,
            "checkpoint_names": self.checkpoint_names,
            "filter": self.filter.to_json(),
            "period": {"from": start, "to": end},
            "utc_offset": offset_label(self.tz),
            "generated_at": self.generated_at,
            "shift": asdict(self.shift) if self.shift else None,
            "officer": self.officer,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "records": self.records,
            "totals": self.totals(),
            "rejections_by_reason": self.rejections_by_reason,
            "warnings_by_reason": self.warnings_by_reason,
            "per_hour": [{"hour": h, "valid": v, "rejected": r} for h, (v, r) in enumerate(self.per_hour)],
            "by_nationality": self.by_nationality,
            "by_channel": self.by_channel,
            "overrides": [asdict(o) for o in self.override_list],
            "inside_as_of": self.inside_as_of,
            "inside": [asdict(p) for p in self.inside],
            "overstays": [p.permit_no for p in self.overstays],
            "sync": asdict(self.sync) if self.sync else None,
        }


def build_report(
    ledger: Ledger, flt: ReportFilter, *, now: int, tz: dt.tzinfo, checkpoint_names: dict[str, str] | None = None
) -> Report:
    """The report of ``flt`` from one consistent snapshot of ``ledger``."""
    with ledger.snapshot():
        return collect(ledger, flt, now=now, tz=tz, checkpoint_names=checkpoint_names)


def collect(
    ledger: Ledger, flt: ReportFilter, *, now: int, tz: dt.tzinfo, checkpoint_names: dict[str, str] | None = None
) -> Report:
    """``build_report`` for a caller that already holds a ``Ledger.snapshot``."""
    shift = shift_of(ledger, flt)
    offset = report_offset(flt, shift, tz)
    head_seq, head_hash = ledger.head()
    report = Report(
        ledger.booth_id,
        ledger.checkpoint,
        flt,
        int(offset.utcoffset(None).total_seconds()),
        now,
        head_seq,
        head_hash,
        shift,
        dict(checkpoint_names or {}),
    )
    sel = ledger.selection(**flt.where())
    _count(report, ledger.report_groups(sel), offset)
    report.override_list = _overrides(ledger, sel)
    end = flt.end if flt.end is not None else (shift.closed_at if shift else None)
    as_of = min(end, now) if end is not None else now
    report.inside_as_of = as_of
    report.inside = _inside(ledger, flt, end, as_of)
    report.sync = _sync(ledger, shift, head_seq)
    return report


def shift_of(ledger: Ledger, flt: ReportFilter) -> ShiftInfo | None:
    if flt.shift_id is None:
        return None
    row = ledger.shift(flt.shift_id)
    if row is None:
        raise ConfigError(f"there is no shift {flt.shift_id} at this booth (see `booth shift list`)")
    return ShiftInfo.of(row)


def report_offset(flt: ReportFilter, shift: ShiftInfo | None, tz: dt.tzinfo) -> dt.timezone:
    """The one UTC offset a report (or export) shows its times at: the zone's at its start."""
    start = flt.start if flt.start is not None else (shift.opened_at if shift else None)
    return fixed_offset(tz, start)


def _count(report: Report, groups: list[tuple], tz: dt.timezone) -> None:
    stops: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    nations: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    hours = [[0, 0] for _ in range(24)]
    for kind, verdict, direction, channel, nationality, reasons, hour, n, first, last in groups:
        report.records += n
        report.first_seq = first if report.first_seq is None else min(report.first_seq, first)
        report.last_seq = last if report.last_seq is None else max(report.last_seq, last)
        if kind == OVERRIDE:
            report.overrides += n
            report.entries_by_override += n if direction == ENTRY else 0
            report.exits_by_override += n if direction == EXIT else 0
            report.entries += n if direction == ENTRY else 0  # let in: an entry, as HQ counts it
            report.exits += n if direction == EXIT else 0
            continue
        if kind != SCAN:
            continue
        report.scans += n
        valid = verdict == "valid"
        if valid:
            report.entries += n if direction == ENTRY else 0
            report.exits += n if direction == EXIT else 0
        else:
            report.rejections += n
        codes = reasons.split() if reasons else []
        for code in codes:
            if code in _WARNING_CODES:
                warnings[code] += n
            elif not valid:
                stops[code] += n
        nations[nationality or UNKNOWN] += n
        channels[channel or UNKNOWN] += n
        local = dt.datetime.fromtimestamp(hour * 3600, tz).hour
        hours[local][0 if valid else 1] += n
    report.rejections_by_reason = dict(stops.most_common())
    report.warnings_by_reason = dict(warnings.most_common())
    report.by_nationality = dict(nations.most_common())
    report.by_channel = dict(channels.most_common())
    report.per_hour = [(v, r) for v, r in hours]


def _overrides(ledger: Ledger, sel) -> list[OverrideLine]:
    overrides = list(ledger.selected(sel, kind=OVERRIDE))
    scans = ledger.records_by_seq(sorted({o.ref_seq for o in overrides if o.ref_seq is not None}))
    out = []
    for o in overrides:
        scan = scans.get(o.ref_seq) if o.ref_seq is not None else None
        out.append(
            OverrideLine(
                o.seq,
                o.at,
                o.ref_seq,
                o.officer,
                o.supervisor,
                o.note,
                o.direction,
                o.permit_no,
                o.holder,
                scan.native_name if scan else None,
                scan.nationality if scan else None,
                o.reason_list(),
            )
        )
    return out


def _inside(ledger: Ledger, flt: ReportFilter, end: int | None, as_of: int) -> list[Person]:
    """Who was inside after the records before ``end`` (None: all of them): the live 'inside'
    table when no record is that late, else a replay of the records before it (the same rule,
    ``booth.ledger.state``). Overstays are counted at ``as_of``."""
    last = ledger.last_event_at()
    if end is None or last is None or last < end:
        entries = {permit: (seq, at) for permit, seq, at in ledger.inside_rows()}
    else:
        state, entered = Replay(), {}
        for seq, kind, verdict, direction, permit_no, ref_seq, at in ledger.movements_before(end):
            state.add(seq, kind, verdict, direction, permit_no, ref_seq)
            crossed = crossing_seq(kind, verdict, seq, ref_seq)
            if crossed is not None and direction == ENTRY and state.inside.get(permit_no) == crossed:
                entered[permit_no] = at
        entries = {permit: (seq, entered.get(permit, 0)) for permit, seq in state.inside.items()}
    scans = ledger.records_by_seq(sorted(seq for seq, _ in entries.values()))
    people = []
    for permit, (seq, entered_at) in sorted(entries.items()):
        scan = scans.get(seq)
        if scan is None:
            continue
        if flt.officer is not None and scan.officer != flt.officer:
            continue
        if flt.shift_id is not None and scan.shift_id != flt.shift_id:
            continue
        over = None
        if scan.stay_days is not None:
            late = as_of - (entered_at + scan.stay_days * DAY)
            over = round(late / DAY, 1) if late > 0 else None
        people.append(
            Person(
                permit,
                scan.holder,
                scan.native_name,
                scan.nationality,
                seq,
                entered_at,
                scan.stay_days,
                scan.officer,
                over,
            )
        )
    people.sort(key=lambda p: (p.days_over is None, -(p.days_over or 0), p.entered_at, p.permit_no))
    return people


def _sync(ledger: Ledger, shift: ShiftInfo | None, head_seq: int) -> SyncInfo:
    state = ledger.sync_state()
    if shift is not None and shift.closed_at is not None:
        for record in reversed(ledger.shift_audit(shift.id, "shift_close")):
            match = _SYNC_NOTE.search(record.note or "")
            if match:
                acked, head = int(match[1]), int(match[2])
                return SyncInfo(acked, head, head - acked, state.last_success, "shift close")
    return SyncInfo(state.acked_seq, head_seq, head_seq - state.acked_seq, state.last_success, "report")


def sync_note(ledger: Ledger) -> str:
    """What a ``shift_close`` audit record keeps of the sync state (read back by reports)."""
    return f"acked_seq={ledger.acked_seq()} head_seq={ledger.head()[0]}"


def head_line(seq: int, digest: str) -> str:
    """The ledger head as printed under an export or a shift close, for a supervisor to sign:
    HQ can later check it against the records it gets (docs/threat-model.md)."""
    return f"Ledger head: seq {seq}, hash {digest[:16]}…"
