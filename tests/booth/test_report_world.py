"""A booth day for the report and export tests (no tests here; its fixtures ``world`` and
``world_template`` are imported by test_report*.py and test_export*.py): real HQ permits,
real scans through ``Booth.scan`` on a real ledger, a fixed clock walked through the day.

The day is 2026-09-22 in Phnom Penh (UTC+7). Three officers; Khmer and Thai holders; valid
entries and exits, rejections (expired, wrong checkpoint, already inside, unreadable),
warnings (not inside), two supervisor overrides, a closed shift, someone who stayed past a
one-day permit, scans on every input channel, and scans the day before and after (which a
report of the day must leave out).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import NOW

from booth.clock import FixedClock
from booth.reasons import WARNINGS
from booth.report.model import ReportFilter
from booth.service import Booth, Session
from sync.hq.facade import HQ
from sync.hq.holder_file import holder_from_json
from sync.protocol.records import ENTRY, EXIT, OVERRIDE, SCAN, Record
from sync.protocol.times import DAY

TZ = ZoneInfo("Asia/Phnom_Penh")
DAY_START = int(dt.datetime(2026, 9, 22, tzinfo=TZ).timestamp())
DAY_END = DAY_START + DAY
OFFICER, OFFICER_PIN = "Sok Dara", "482913"
OFFICER2, OFFICER2_PIN = "Somchai Jaidee", "560271"
SUPERVISOR, SUPERVISOR_PIN = "Chan Sophal", "771204"

KHMER = [
    ("SOK", "CHANTHA", "សុខ ចន្ថា"),
    ("CHAN", "DARA", "ចាន់ ដារ៉ា"),
    ("HENG", "SOPHEAP", "ហេង សុភាព"),
    ("KIM", "SOVANN", "គឹម សុវណ្ណ"),
    ("PICH", "VANNAK", "ពេជ្រ វណ្ណៈ"),
    ("TOUCH", "SAMBATH", "ទូច សម្បត្តិ"),
]
THAI = [("SRISUK", "SOMCHAI", "สมชาย ศรีสุข"), ("WONGSA", "MALEE", "มาลี วงศา"), ("CHAIYAPHUM", "PRASERT", "ประเสริฐ ชัยภูมิ")]
BASE = {
    "dob": "1988-04-12",
    "sx": "F",
    "res": "Kamrieng, Battambang",
    "cp": ["KH-PHD", "KH-STB"],
    "zn": "Sa Kaeo province",
    "stay": 7,
}


@dataclass
class World:
    booth: Booth
    clock: FixedClock
    hq: HQ
    permits: dict[str, str] = field(default_factory=dict)  # label -> QR text
    first_shift: int = 0

    def at(self, hour: float) -> None:
        """Move the clock to ``hour`` (local) of the report day."""
        self.clock.at = DAY_START + int(hour * 3600)

    def records(self) -> list[Record]:
        return list(self.booth.ledger.records())


def issue(hq: HQ, family: str, given: str, native: str, nat: str, number: int, **changes: object) -> str:
    raw = {**BASE, "fn": family, "gn": given, "nn": native, "nat": nat, "doc": f"N{number:08d}", **changes}
    now = changes.pop("issued", NOW - DAY)  # type: ignore[arg-type]
    raw.pop("issued", None)
    days = raw.pop("valid_days", 365)
    return hq.issue(holder_from_json(raw), office="KH-BTB-01", valid_days=days, now=now).text


def make_world(tmp_path: Path, hq: HQ, bundle_bytes: bytes) -> World:
    clock = FixedClock(NOW)
    booth = Booth.init(tmp_path / "booth", booth_id="PHD-01", checkpoint="KH-PHD", clock=clock)
    booth.install_bundle(bundle_bytes, pin=hq.root_fingerprint())
    for name, role, pin in (
        (OFFICER, "officer", OFFICER_PIN),
        (OFFICER2, "officer", OFFICER2_PIN),
        (SUPERVISOR, "supervisor", SUPERVISOR_PIN),
    ):
        booth.add_officer(name, role, pin)
    w = World(booth, clock, hq)
    for i, (family, given, native) in enumerate(KHMER):
        w.permits[f"km{i}"] = issue(hq, family, given, native, "KHM", i)
    for i, (family, given, native) in enumerate(THAI):
        w.permits[f"th{i}"] = issue(hq, family, given, native, "THA", 100 + i, sx="M")
    w.permits["short"] = issue(hq, "MEAS", "SOKHA", "មាស សុខា", "KHM", 200, stay=1)
    w.permits["expired"] = issue(hq, "KEO", "SOPHAL", "កែវ សុផល", "KHM", 300, issued=NOW - 30 * DAY, valid_days=2)
    w.permits["elsewhere"] = issue(hq, "LY", "SOPHANNA", "លី សុផាន់ណា", "KHM", 400, cp=["KH-STB"])
    _walk(w)
    return w


def _walk(w: World) -> None:
    b, p = w.booth, w.permits

    def scan(session: Session, label: str, direction: str, channel: str = "camera") -> Record:
        w.clock.advance(97)
        return b.scan(session, p.get(label, label), direction=direction, channel=channel).record

    # the day before (2026-09-21, 21:13 local): the one-day permit enters and never leaves
    late = b.login(OFFICER2, OFFICER2_PIN)
    scan(late, "short", ENTRY)
    scan(late, "km5", ENTRY, "wedge")
    b.close_shift(late)

    # the day: Sok's first shift from 06:00
    w.at(6)
    sok = b.login(OFFICER, OFFICER_PIN)
    w.first_shift = sok.shift_id
    for label in ("km0", "km1", "km2", "th0"):
        scan(sok, label, ENTRY)
    scan(sok, "km3", ENTRY, "wedge")
    w.at(7.5)
    scan(sok, "km0", ENTRY)  # already inside: rejected
    rejected = scan(sok, "expired", ENTRY, "manual")  # expired: rejected
    w.clock.advance(60)
    b.override_with_pin(
        rejected.seq, SUPERVISOR, SUPERVISOR_PIN, "HQ confirmed renewal by phone", shift_id=sok.shift_id
    )
    scan(sok, "elsewhere", ENTRY)  # wrong checkpoint
    scan(sok, "BP1:NOT-A-PERMIT", ENTRY, "manual")  # unreadable
    w.at(9)
    scan(sok, "km1", EXIT)
    scan(sok, "th1", EXIT, "cli")  # never entered: valid, with the not_inside warning
    scan(sok, "km5", EXIT)
    w.at(11)
    w.booth.close_shift_by_id(sok.shift_id, by=Session(SUPERVISOR, "supervisor", None))

    # Somchai from 12:00, then Sok again from 14:00
    w.at(12)
    som = b.login(OFFICER2, OFFICER2_PIN)
    for label in ("th1", "th2", "km4"):
        scan(som, label, ENTRY, "wedge")
    w.at(13.2)
    scan(som, "km2", EXIT)
    rejected = scan(som, "th1", ENTRY)  # already inside: rejected
    w.clock.advance(30)
    b.override_with_pin(rejected.seq, SUPERVISOR, SUPERVISOR_PIN, "Exit scan missed at lane 2, CCTV checked")
    w.at(14)
    sok = b.login(OFFICER, OFFICER_PIN)
    scan(sok, "th0", EXIT)
    scan(sok, "km0", EXIT, "manual")
    w.at(17.75)
    scan(sok, "km1", ENTRY)
    scan(sok, "expired", EXIT)  # the holder let in on the override leaves; the permit is still expired

    # the day after (02:00 on 2026-09-23)
    w.at(26)
    scan(sok, "th2", EXIT)
    w.at(30)


# -- the figures, computed here from the ledger's records alone ----------------------------------


def selected(records: list[Record], flt: ReportFilter) -> list[Record]:
    """The scans and overrides a filter covers, by the definition in booth.report.model."""
    scans = {r.seq: r for r in records if r.kind == SCAN}
    out = []
    for r in records:
        if r.kind not in (SCAN, OVERRIDE):
            continue
        if flt.start is not None and r.at < flt.start or flt.end is not None and r.at >= flt.end:
            continue
        if flt.officer is not None and r.officer != flt.officer:
            continue
        if flt.shift_id is not None:
            ref = scans.get(r.ref_seq) if r.kind == OVERRIDE else None
            if r.shift_id != flt.shift_id and not (ref is not None and ref.shift_id == flt.shift_id):
                continue
        out.append(r)
    return out


def expected(records: list[Record], flt: ReportFilter, end: int | None) -> dict:
    """The report's figures; ``end``: who is inside after the records before it (None: all)."""
    chosen = selected(records, flt)
    scans = [r for r in chosen if r.kind == SCAN]
    warnings = {str(w) for w in WARNINGS}
    stops: Counter[str] = Counter()
    warned: Counter[str] = Counter()
    for r in scans:
        for code in r.reason_list():
            if code in warnings:
                warned[code] += 1
            elif r.verdict == "rejected":
                stops[code] += 1
    hours = [[0, 0] for _ in range(24)]
    for r in scans:
        hours[dt.datetime.fromtimestamp(r.at, TZ).hour][0 if r.verdict == "valid" else 1] += 1
    # who is inside at the end: walk every record before it
    by_seq = {r.seq: r for r in records}
    inside: dict[str, Record] = {}
    for r in records:
        if end is not None and r.at >= end:
            continue
        scan = r if (r.kind == SCAN and r.verdict == "valid") else by_seq.get(r.ref_seq) if r.kind == OVERRIDE else None
        if scan is None or scan.permit_no is None:
            continue
        if scan.direction == ENTRY:
            inside[scan.permit_no] = scan
        else:
            inside.pop(scan.permit_no, None)
    people = {
        p: s
        for p, s in inside.items()
        if (flt.officer is None or s.officer == flt.officer) and (flt.shift_id is None or s.shift_id == flt.shift_id)
    }
    let_through = [r for r in chosen if r.kind == OVERRIDE or r.kind == SCAN and r.verdict == "valid"]
    return {
        "scans": len(scans),
        "entries": sum(r.direction == ENTRY for r in let_through),  # overrides count, as at HQ
        "exits": sum(r.direction == EXIT for r in let_through),
        "rejections": sum(r.verdict == "rejected" for r in scans),
        "overrides": sum(r.kind == OVERRIDE for r in chosen),
        "rejections_by_reason": dict(stops),
        "warnings_by_reason": dict(warned),
        "per_hour": [tuple(h) for h in hours],
        "by_nationality": dict(Counter(r.nationality or "unknown" for r in scans)),
        "by_channel": dict(Counter(r.channel for r in scans)),
        "inside": sorted(people),
        "records": [r.seq for r in chosen],
    }


@pytest.fixture(scope="session", name="world_template")
def world_template_fixture(tmp_path_factory: pytest.TempPathFactory) -> World:
    """One world per test run (PIN hashing and real scans take seconds); tests get a copy."""
    from sync.protocol.bundle import Checkpoint

    base = tmp_path_factory.mktemp("report-world")
    hq = HQ(base / "hq")
    hq.init()
    hq.add_checkpoint(Checkpoint("KH-PHD", "KH", "Phnom Dei", "ភ្នំដី", "พนมดี"))
    hq.add_checkpoint(Checkpoint("KH-STB", "KH", "Stung But", "ស្ទឹងបត់", "สตึงบต"))
    hq.add_issuer("KH-BTB-01", name="Battambang permit office", not_before=NOW - 365 * DAY)
    w = make_world(base, hq, hq.build_bundle(now=NOW)[1])
    w.booth.close()
    hq.close()
    return w


@pytest.fixture(name="world")
def world_fixture(tmp_path: Path, world_template: World) -> World:
    """A fresh copy of the day's booth, its clock where the day's story left it."""
    shutil.copytree(world_template.booth.data_dir, tmp_path / "booth")
    clock = FixedClock(world_template.clock.at, world_template.clock.mono)
    w = World(
        Booth(tmp_path / "booth", clock=clock),
        clock,
        world_template.hq,
        dict(world_template.permits),
        world_template.first_shift,
    )
    yield w
    w.booth.close()
