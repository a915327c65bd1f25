"""The ledger when the world misbehaves: full disk, another program holding the lock,
read-only media, files that are not ours. Each is one LedgerError with one clear line, and
nothing is half-written or touched (docs/formats.md §2)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HOLDER, NOW

from booth.cli import main as booth_main
from booth.clock import FixedClock
from booth.errors import LedgerBusy, LedgerError, LedgerFull, LedgerNotOurs, LedgerReadOnly, LedgerTooNew
from booth.ledger.store import Ledger
from booth.service import LEDGER_FILE, Booth, Session
from sync.hq.facade import HQ
from sync.hq.holder_file import holder_from_json
from sync.protocol.records import Record
from sync.protocol.times import DAY

PIN = "482913"


@pytest.fixture
def booth(tmp_path: Path, hq: HQ, bundle_bytes: bytes) -> Booth:
    booth = Booth.init(tmp_path / "booth", booth_id="PHD-01", checkpoint="KH-PHD", clock=FixedClock(NOW))
    booth.install_bundle(bundle_bytes, pin=hq.root_fingerprint())
    booth.add_officer("Sok Dara", "officer", PIN)
    yield booth
    booth.close()


@pytest.fixture
def permit(hq: HQ) -> str:
    return hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=365, now=NOW - DAY).text


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def closed_copy(booth: Booth, name: str) -> Path:
    """A copy of the booth's data dir, taken with the ledger closed (WAL checkpointed)."""
    booth.close()
    copy = booth.data_dir.parent / name
    shutil.copytree(booth.data_dir, copy)
    assert not (copy / f"{LEDGER_FILE}-wal").exists()
    return copy


def scan_in_out(booth: Booth, session: Session, permit: str, i: int) -> Record:
    return booth.scan(session, permit, direction=("entry", "exit")[i % 2], channel="camera").record


# -- disk full


def test_disk_full_is_one_clear_error_and_nothing_half_written(booth: Booth, permit: str) -> None:
    session = booth.login("Sok Dara", PIN)
    for i in range(4):
        scan_in_out(booth, session, permit, i)
    con = booth.ledger.con
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from now on

    with pytest.raises(LedgerFull) as caught:
        for i in range(4, 1000):
            count, records = booth.ledger.count(), list(booth.ledger.records())
            inside, usage = booth.ledger.inside_rows(), booth.ledger.usage_rows()
            scan_in_out(booth, session, permit, i)
    message = str(caught.value)
    assert "\n" not in message and "full" in message and "NOT recorded" in message
    assert booth.ledger.count() == count and list(booth.ledger.records()) == records
    assert (booth.ledger.inside_rows(), booth.ledger.usage_rows()) == (inside, usage)
    assert not con.in_transaction
    assert booth.verify_chain().ok

    con.execute("PRAGMA max_page_count = 1000000")  # space freed
    again = scan_in_out(booth, session, permit, i)
    assert again.seq == count + 1 and again.prev_hash == records[-1].hash
    assert booth.verify_chain().ok


# -- another program holds the lock


def test_locked_ledger_is_busy_then_works(booth: Booth, permit: str) -> None:
    booth.close()
    short = Booth(booth.data_dir, clock=FixedClock(NOW), busy_timeout_ms=200)
    session = short.login("Sok Dara", PIN)
    count = short.ledger.count()
    other = sqlite3.connect(booth.data_dir / LEDGER_FILE, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    started = time.monotonic()
    with pytest.raises(LedgerBusy, match="busy in another program") as caught:
        short.scan(session, permit, direction="entry", channel="camera")
    assert time.monotonic() - started < 3  # the short timeout, not the default 5 s
    assert "\n" not in str(caught.value)
    other.execute("ROLLBACK")
    other.close()
    assert short.ledger.count() == count
    assert short.scan(session, permit, direction="entry", channel="camera").record.seq == count + 1
    assert short.verify_chain().ok
    short.close()


# -- read-only media


def test_read_only_media_is_ledger_read_only(booth: Booth) -> None:
    # We run as root, so chmod does not stop writes; a read-only SQLite connection stands in
    # for a read-only medium (the Booth API has no read-only mode of its own).
    path = booth.data_dir / LEDGER_FILE
    booth.close()
    before = sha256(path)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    ledger = Ledger(con)
    count = ledger.count()
    record = Record(
        seq=0, kind="audit", at=NOW, mono_ns=1, boot_id="b", booth_id="", checkpoint="KH-PHD", action="login"
    )
    with pytest.raises(LedgerReadOnly, match="read-only") as caught:
        ledger.append(record)
    assert "\n" not in str(caught.value)
    assert ledger.count() == count and not con.in_transaction
    con.close()
    assert sha256(path) == before


# -- files that are not ours (or not for us)


def test_ledger_from_a_newer_booth_is_refused_untouched(booth: Booth) -> None:
    copy = closed_copy(booth, "newer")
    con = sqlite3.connect(copy / LEDGER_FILE)
    con.execute("PRAGMA user_version = 99")
    con.close()
    before, files = sha256(copy / LEDGER_FILE), sorted(copy.iterdir())
    with pytest.raises(LedgerTooNew, match="newer Booth.*schema 99"):
        Booth(copy)
    with pytest.raises(LedgerTooNew):
        Ledger.open(copy / LEDGER_FILE)
    assert sha256(copy / LEDGER_FILE) == before and sorted(copy.iterdir()) == files


def test_foreign_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "photos.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO photos (name) VALUES ('angkor.jpg')")
    con.commit()
    con.close()
    before = sha256(path)
    with pytest.raises(LedgerNotOurs, match="SQLite database but not a Booth ledger"):
        Ledger.open(path)
    assert sha256(path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["photos.db"]


def test_text_file_is_not_ours(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("crossings: 12\n" * 20)
    before = sha256(path)
    with pytest.raises(LedgerNotOurs, match="not an SQLite database"):
        Ledger.open(path)
    assert sha256(path) == before


def test_missing_ledger_is_not_ours(tmp_path: Path) -> None:
    with pytest.raises(LedgerNotOurs, match="booth init"):
        Ledger.open(tmp_path / "nothing.db")
    assert not (tmp_path / "nothing.db").exists()


def test_truncated_ledger_is_a_ledger_error(booth: Booth, permit: str) -> None:
    session = booth.login("Sok Dara", PIN)
    for i in range(20):
        scan_in_out(booth, session, permit, i)
    copy = closed_copy(booth, "truncated")
    data = (copy / LEDGER_FILE).read_bytes()
    (copy / LEDGER_FILE).write_bytes(data[:1000])
    with pytest.raises(LedgerError) as caught:  # one of ours, never a raw sqlite3.Error
        Booth(copy).verify_chain()
    assert "\n" not in str(caught.value)


def test_cli_scan_on_a_foreign_ledger_prints_one_line(booth: Booth, permit: str) -> None:
    data_dir = booth.data_dir
    booth.close()
    for suffix in ("", "-wal", "-shm"):
        (data_dir / f"{LEDGER_FILE}{suffix}").unlink(missing_ok=True)
    con = sqlite3.connect(data_dir / LEDGER_FILE)
    con.execute("CREATE TABLE t (x)")
    con.close()
    result = CliRunner().invoke(
        booth_main,
        ["--data-dir", str(data_dir), "scan", "--officer", "Sok Dara", "--direction", "entry", permit],
        env={"BOOTH_PIN": PIN},
    )
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "not a Booth ledger" in result.stderr and "Traceback" not in result.stderr
