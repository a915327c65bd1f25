"""Signed exports on a real ledger: CSV and JSON read back to the very records, the PDF read
back with poppler (pdftotext, pdftoppm), any changed byte fails the check, and a missing or
full folder gives one clear message and leaves nothing behind."""

from __future__ import annotations

import csv
import errno
import json
import shutil
import subprocess
import threading
import tracemalloc
from pathlib import Path

import pytest
from PIL import Image
from test_report_world import (  # noqa: F401 - the fixtures world and world_template
    DAY_END,
    DAY_START,
    KHMER,
    SUPERVISOR,
    THAI,
    TZ,
    World,
    expected,
    selected,
    world_fixture,
    world_template_fixture,
)

from booth.ledger.store import _INSERT
from booth.report import staging
from booth.report.csv_json import read_csv, read_json
from booth.report.model import ReportFilter
from booth.report.signature import ExportInvalid, signature_path, verify
from booth.report.signed_export import check_records
from booth.report.staging import ExportCancelled, ExportError
from booth.service import Session
from sync.protocol import keys
from sync.protocol.records import AUDIT, FIELDS, SCAN, Record

DAY = ReportFilter(DAY_START, DAY_END)
SUP = Session(SUPERVISOR, "supervisor", None)


def export(w: World, fmt: str, folder: Path, flt: ReportFilter = DAY, name: str | None = None):
    folder.mkdir(exist_ok=True)
    return w.booth.export(flt, fmt, folder / (name or f"day.{fmt}"), session=SUP, tz=TZ)


def public_pem(w: World, path: Path) -> Path:
    keys.save_public(keys.load_private(w.booth.data_dir / "keys" / "booth.pem"), path)
    return path


# -- the formats


def test_csv_reads_back_to_the_same_records_and_suits_a_spreadsheet(world: World, tmp_path: Path) -> None:
    want = selected(world.records(), DAY)
    result = export(world, "csv", tmp_path / "usb")
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel and LibreOffice open it as UTF-8
    assert raw.count(b"\r\n") == len(want) + 1 and b"\n" not in raw.replace(b"\r\n", b"")
    assert list(read_csv(result.path)) == want
    with open(result.path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:3] == ["time (UTC+07:00)", "seq", "kind"] and len(rows) == len(want)
    assert rows[0]["time (UTC+07:00)"] == "2026-09-22 06:01:37" and rows[0]["native_name"] == KHMER[0][2]
    names = {row["native_name"] for row in rows}
    assert {KHMER[0][2], THAI[0][2], THAI[1][2]} <= names
    m = result.manifest
    assert (m.records, m.first_seq, m.last_seq) == (len(want), want[0].seq, want[-1].seq)


def test_json_reads_back_to_the_same_records_with_the_report(world: World, tmp_path: Path) -> None:
    records = world.records()
    want = selected(records, DAY)
    result = export(world, "json", tmp_path / "usb")
    with open(result.path, encoding="utf-8") as f:
        data = json.load(f)
    assert data["format"] == "booth-export" and data["count"] == len(want)
    assert [Record(**r) for r in data["records"]] == want
    assert list(read_json(result.path)) == want
    totals, counted = data["report"]["totals"], expected(records, DAY, DAY_END)
    assert {k: totals[k] for k in ("scans", "entries", "exits", "rejections", "overrides")} == {
        k: counted[k] for k in ("scans", "entries", "exits", "rejections", "overrides")
    }
    assert data["report"]["rejections_by_reason"] == counted["rejections_by_reason"]
    assert [o["supervisor"] for o in data["report"]["overrides"]] == [SUPERVISOR, SUPERVISOR]


def _squash(text: str) -> str:
    """pdftotext puts a space inside some Khmer clusters (it orders glyphs by position: a pre-base
    vowel is drawn before its consonant); the PNG shows they are set right, so compare without spaces."""
    return "".join(text.split())


def test_pdf_holds_the_names_and_totals_and_renders(world: World, tmp_path: Path) -> None:
    result = export(world, "pdf", tmp_path / "usb")
    report = world.booth.report(DAY, tz=TZ)
    text = subprocess.run(
        ["pdftotext", "-layout", str(result.path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = _squash(text)
    assert "Booth PHD-01" in text and "Checkpoint KH-PHD · Phnom Dei · ភ្នំដី · พนมดี" in text
    assert "2026-09-22 00:00 – 2026-09-23 00:00 (UTC+07:00)" in text
    for native in [
        *(n for _, _, n in KHMER if n in {p.native_name for p in report.inside}),
        "កែវ សុផល",
        "มาลี วงศา",
        "ประเสริฐ ชัยภูมิ",
        "មាស សុខា",
    ]:
        assert _squash(native) in flat, native
    for label in ("SCANS", "ENTRIES", "EXITS", "REJECTIONS", "OVERRIDES", "STILL INSIDE", "OVERSTAYS"):
        assert label in text
    tiles = text[text.index("SCANS") : text.index("Rejections by reason")].split()
    assert [t for t in tiles if t.isdigit()] == [
        "21",
        "11",
        "6",
        "6",
        "2",
        "7",
        "1",
        "2",
    ]  # 11 entries; "2 of them by override" below the tiles
    assert "HQ confirmed renewal by phone" in text and "Exit scan missed at lane 2, CCTV checked" in text
    assert "23 scans and overrides (#13 – #40)" in text and "peak 5 scans in one hour" in text
    assert "page 1 of 2" in text and "page 2 of 2" in text
    # the head signed in the .sig, on every page, for the supervisor's signature on paper
    assert text.count(f"Ledger head: seq {result.manifest.head_seq}, hash {result.manifest.head_hash[:16]}…") == 2
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(result.path), str(tmp_path / "page")], check=True)
    with Image.open(tmp_path / "page-1.png") as page:
        colours = {
            page.convert("RGB").getpixel((x, y)) for x in range(0, page.width, 3) for y in range(0, page.height, 3)
        }
    near = lambda c, ref: all(abs(a - b) < 40 for a, b in zip(c, ref, strict=True))  # noqa: E731
    assert any(near(c, (38, 110, 190)) for c in colours) and any(near(c, (196, 52, 40)) for c in colours)


def test_a_shift_pdf_and_an_empty_day(world: World, tmp_path: Path) -> None:
    shift = export(world, "pdf", tmp_path / "usb", ReportFilter(shift_id=world.first_shift), "shift.pdf")
    text = subprocess.run(["pdftotext", str(shift.path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Shift report" in text and "Sok Dara" in text and "at the shift's close" in text
    empty = export(
        world, "pdf", tmp_path / "usb", ReportFilter(DAY_END + 10 * 86400, DAY_END + 11 * 86400), "empty.pdf"
    )
    assert empty.manifest.records == 0 and empty.manifest.first_seq is None
    text = subprocess.run(["pdftotext", str(empty.path), "-"], capture_output=True, text=True, check=True).stdout
    assert "No overrides." in text and "No rejections." in text
    verify(empty.path, keys.load_private(world.booth.data_dir / "keys" / "booth.pem").public_key())


def test_text_a_spreadsheet_would_run_is_defused_and_read_back(world: World, tmp_path: Path) -> None:
    nasty = ['=HYPERLINK("http://evil","x")', "+1+2", "-3", "@SUM(A1)", "'quoted", "''twice"]
    b = world.booth
    for i, text in enumerate(nasty):
        b.ledger.append(
            b._new(
                SCAN,
                officer="Sok Dara",
                direction="entry",
                channel="manual",
                verdict="rejected",
                reasons="bad_format",
                holder=text,
                note=text,
                permit_no=f"X-{i}",
            )
        )
    flt = ReportFilter(world.clock.now() - 1, world.clock.now() + 1)
    result = export(world, "csv", tmp_path / "usb", flt, "nasty.csv")
    with open(result.path, encoding="utf-8-sig", newline="") as f:
        cells = [row[FIELDS.index("holder") + 1] for row in csv.reader(f)][1:]
    assert cells == ["'" + t for t in nasty]  # nothing a spreadsheet evaluates
    back = list(read_csv(result.path))
    assert [r.holder for r in back] == nasty and back == selected(world.records(), flt)
    assert check_records(result.path, result.manifest) == len(nasty)


# -- signatures


@pytest.mark.parametrize("fmt", ["csv", "json", "pdf"])
def test_a_changed_byte_fails_the_check(world: World, tmp_path: Path, fmt: str) -> None:
    result = export(world, fmt, tmp_path / "usb")
    public = keys.load_private(world.booth.data_dir / "keys" / "booth.pem").public_key()
    assert verify(result.path, public).sha256 == result.manifest.sha256
    assert world.booth.verify_export(result.path, records=True) == result.manifest
    data = bytearray(result.path.read_bytes())
    for where in (0, len(data) // 2, len(data) - 1):
        changed = bytearray(data)
        changed[where] ^= 0x01
        result.path.write_bytes(changed)
        with pytest.raises(ExportInvalid, match="changed after export"):
            verify(result.path, public)
    result.path.write_bytes(data + b" ")
    with pytest.raises(ExportInvalid, match="bytes, the signature covers"):
        world.booth.verify_export(result.path)
    result.path.write_bytes(data)
    sig = signature_path(result.path)
    good = sig.read_bytes()
    for where in (len(good) // 2, len(good) - 3):
        changed = bytearray(good)
        changed[where] ^= 0x01
        sig.write_bytes(changed)
        with pytest.raises(ExportInvalid):
            verify(result.path, public)
    sig.write_bytes(good)
    assert verify(result.path, public) == result.manifest


def test_a_signature_is_bound_to_its_file_and_its_booth(world: World, tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    day, officer = (
        export(world, "csv", usb),
        export(world, "csv", usb, ReportFilter(DAY_START, DAY_END, "Sok Dara"), "sok.csv"),
    )
    public = keys.load_private(world.booth.data_dir / "keys" / "booth.pem").public_key()
    with pytest.raises(ExportInvalid, match="this signature is for 'sok.csv'.*not for 'day\\.csv'"):
        verify(day.path, public, sig_path=signature_path(officer.path))
    with pytest.raises(ExportInvalid, match="another key"):
        verify(day.path, keys.generate().public_key())
    signature_path(day.path).unlink()
    with pytest.raises(ExportInvalid, match="no signature"):
        verify(day.path, public)
    with pytest.raises(ExportInvalid, match="not a Booth export signature"):
        verify(day.path, public, sig_path=day.path)
    # the manifest says what was covered: the filter, the records, the chain head
    m = officer.manifest
    assert m.filter == ReportFilter(DAY_START, DAY_END, "Sok Dara") and m.exported_by == SUPERVISOR
    assert m.booth_id == "PHD-01" and world.booth.ledger.seq_of_hash(m.head_hash) == m.head_seq


def test_hq_checks_an_export_with_the_public_key_and_its_own_records(world: World, tmp_path: Path) -> None:
    result = export(world, "json", tmp_path / "usb")
    hq_copy = {r.seq: r.hash for r in world.records()}  # what HQ holds after sync
    manifest = verify(result.path, keys.load_public(public_pem(world, tmp_path / "PHD-01.pem")))
    assert check_records(result.path, manifest, ledger_hash=hq_copy.get) == manifest.records
    assert hq_copy[manifest.head_seq] == manifest.head_hash
    # a booth that exported something other than what it sent HQ is caught record by record
    forged = dict(hq_copy)
    forged[manifest.last_seq] = "00" * 32
    with pytest.raises(ExportInvalid, match=f"record #{manifest.last_seq} is not the one the ledger holds"):
        check_records(result.path, manifest, ledger_hash=forged.get)


def test_a_row_edited_in_place_fails_its_own_hash(world: World, tmp_path: Path) -> None:
    result = export(world, "csv", tmp_path / "usb")
    text = result.path.read_text(encoding="utf-8")
    result.path.write_text(text.replace("KEO SOPHAL", "KEO SOPHAT", 1), encoding="utf-8")
    with pytest.raises(ExportInvalid, match="does not match its own hash"):
        check_records(result.path, result.manifest)


# -- audit, progress, cancelling, failures


def test_every_export_is_an_audit_record(world: World, tmp_path: Path) -> None:
    head = world.booth.ledger.head()[0]
    result = export(world, "pdf", tmp_path / "usb")
    last = world.booth.ledger.record(head + 1)
    assert last.kind == AUDIT and last.action == "export" and last.officer == SUPERVISOR
    assert "pdf export day.pdf: 23 records (#13-#40)" in last.note and result.manifest.sha256[:16] in last.note
    assert result.manifest.head_seq == head  # the export covers the chain up to just before its audit record
    world.booth.export(DAY, "csv", tmp_path / "usb" / "cli.csv", by="command line (root)", tz=TZ)
    assert "by command line (root)" in world.booth.ledger.record(head + 2).note
    assert world.booth.verify_chain().ok


def test_only_a_supervisor_exports_from_a_session(world: World, tmp_path: Path) -> None:
    from booth.errors import NotSupervisor

    usb = tmp_path / "usb"
    usb.mkdir()
    with pytest.raises(NotSupervisor):
        world.booth.export(DAY, "csv", usb / "x.csv", session=Session("Sok Dara", "officer", 1), tz=TZ)
    assert list(usb.iterdir()) == []


def test_progress_is_reported_and_cancel_leaves_nothing(world: World, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    export_ = world.booth.export
    usb = tmp_path / "usb"
    usb.mkdir()
    export_(DAY, "csv", usb / "a.csv", session=SUP, tz=TZ, progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1] and all(0 < d <= t for d, t in seen)
    stop = threading.Event()
    stop.set()
    head = world.booth.ledger.head()[0]
    for fmt in ("csv", "json"):
        with pytest.raises(ExportCancelled):
            export_(DAY, fmt, usb / f"b.{fmt}", session=SUP, tz=TZ, cancel=stop)
    assert sorted(p.name for p in usb.iterdir()) == ["a.csv", "a.csv.sig"]
    assert world.booth.ledger.head()[0] == head  # no audit record for an export that did not happen


def test_a_missing_folder_is_one_clear_message(world: World, tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    with pytest.raises(ExportError, match=r"the folder .*nope does not exist \(is the USB stick plugged in\?\)"):
        world.booth.export(DAY, "pdf", usb / "nope" / "day.pdf", session=SUP, tz=TZ)
    with pytest.raises(ExportError, match="is a folder"):
        world.booth.export(DAY, "pdf", usb, session=SUP, tz=TZ)
    assert list(usb.iterdir()) == []


@pytest.mark.parametrize("fail_after", [0, 3000, "signature"])
def test_a_full_disk_leaves_no_partial_file(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_after: int | str
) -> None:
    """The disk fills while writing (injected: any machine), at the start, midway, or at the .sig."""
    real_write = staging.HashingFile.write
    written: dict[int, int] = {}

    def filling(self: staging.HashingFile, data: bytes) -> int:
        written[id(self)] = written.get(id(self), 0) + len(data)
        if (
            fail_after == "signature"
            and len(written) == 2
            or fail_after != "signature"
            and written[id(self)] > int(fail_after)
        ):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(staging.HashingFile, "write", filling)
    usb = tmp_path / "usb"
    usb.mkdir()
    head = world.booth.ledger.head()[0]
    with pytest.raises(ExportError, match="is full: the export was not written"):
        world.booth.export(DAY, "csv", usb / "day.csv", session=SUP, tz=TZ)
    assert list(usb.iterdir()) == [] and world.booth.ledger.head()[0] == head


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A real 8 KiB filesystem (tmpfs): needs root and mount; skipped elsewhere."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if (
        shutil.which("mount") is None
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(mount)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a small tmpfs here (not root?)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@pytest.mark.parametrize("fmt", ["csv", "json", "pdf"])
def test_a_really_full_disk(world: World, tiny_disk: Path, fmt: str) -> None:
    with pytest.raises(ExportError, match=f"the disk holding {tiny_disk} is full"):
        world.booth.export(DAY, fmt, tiny_disk / f"day.{fmt}", session=SUP, tz=TZ)
    assert list(tiny_disk.iterdir()) == []
    small = ReportFilter(DAY_START + 6 * 3600, DAY_START + 6 * 3600 + 200)  # two records: it fits
    result = world.booth.export(small, "csv", tiny_disk / "small.csv", session=SUP, tz=TZ)
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["small.csv", "small.csv.sig"]
    assert world.booth.verify_export(result.path, records=True).records == 2


def test_a_large_csv_export_streams_in_constant_memory(world: World, tmp_path: Path) -> None:
    """The Python memory an export takes does not grow with its size: 5,000 and 25,000 records."""
    b, ledger = world.booth, world.booth.ledger
    seq, prev = ledger.head()
    base = b._new(
        SCAN,
        officer="Sok Dara",
        shift_id=99,
        direction="entry",
        channel="camera",
        verdict="valid",
        holder="SOK CHANTHA",
        native_name="សុខ ចន្ថា",
        nationality="KHM",
        stay_days=7,
    )
    at = world.clock.now() + 10
    rows = []
    for i in range(25_000):
        seq += 1
        record = Record(**{**base.to_json(), "seq": seq, "at": at + i, "permit_no": f"KH-BIG-{i:06d}"}).sealed(prev)
        prev = record.hash
        rows.append(tuple(getattr(record, f) for f in FIELDS))
    with ledger.transaction():
        ledger.con.executemany(_INSERT, rows)
    del rows
    peaks, sizes = [], []
    for n in (5_000, 25_000):
        tracemalloc.start()
        try:
            result = b.export(ReportFilter(at, at + n), "csv", tmp_path / f"big-{n}.csv", session=SUP, tz=TZ)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert result.manifest.records == n
        sizes.append(result.path.stat().st_size)
    assert sizes[1] > 8_000_000 and sizes[1] > 4.9 * sizes[0]
    assert peaks[1] < 1.2 * peaks[0] + 500_000 and peaks[1] < 10_000_000, f"peaks {peaks} for sizes {sizes}"
    assert b.verify_export(result.path).records == 25_000
