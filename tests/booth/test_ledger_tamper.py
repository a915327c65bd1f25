"""Tampering with the ledger file behind the app's back (sqlite3 module), then `audit verify`:
each edit is found and the first bad record named (docs/formats.md §2, docs/threat-model.md)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HOLDER, NOW

from booth.cli import main as booth_main
from booth.clock import FixedClock
from booth.ledger.verify import ChainReport
from booth.service import LEDGER_FILE, Booth
from sync.hq.facade import HQ
from sync.hq.holder_file import holder_from_json
from sync.protocol.records import FIELDS, Record
from sync.protocol.times import DAY

OFFICER_PIN, SUPERVISOR_PIN = "482913", "771204"
TRIGGERS = ("records_no_update", "records_no_delete", "records_chain")
INSERT = f"INSERT INTO records ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})"


@dataclass(frozen=True)
class Made:
    data_dir: Path
    records: int
    head_hash: str
    entry_seq: int  # a valid entry scan of Chantha, mid-chain


@pytest.fixture
def made(tmp_path: Path, hq: HQ, bundle_bytes: bytes) -> Made:
    """A booth with a realistic day: officers, logins, valid and rejected scans, an override."""

    def issue(**changes: object) -> str:
        return hq.issue(holder_from_json({**HOLDER, **changes}), office="KH-BTB-01", valid_days=365, now=NOW - DAY).text

    chantha, dara = issue(), issue(fn="Keo", gn="Dara", nn="កែវ ដារ៉ា", doc="N07654321")
    booth = Booth.init(tmp_path / "booth", booth_id="PHD-01", checkpoint="KH-PHD", clock=FixedClock(NOW))
    booth.install_bundle(bundle_bytes, pin=hq.root_fingerprint())
    booth.add_officer("Sok Dara", "officer", OFFICER_PIN)
    booth.add_officer("Chan Sophal", "supervisor", SUPERVISOR_PIN)
    officer = booth.login("Sok Dara", OFFICER_PIN)
    booth.clock.advance(60)
    entry = booth.scan(officer, chantha, direction="entry", channel="camera")
    assert entry.verdict.valid
    booth.scan(officer, dara, direction="entry", channel="camera")
    booth.scan(officer, "BP1:GGW", direction="entry", channel="wedge")
    twice = booth.scan(officer, dara, direction="entry", channel="camera")
    assert twice.record.reasons == "already_inside"
    booth.override(twice.record.seq, booth.login("Chan Sophal", SUPERVISOR_PIN), "left bag, came back in")
    booth.clock.advance(3600)
    booth.scan(officer, dara, direction="exit", channel="camera")
    booth.scan(officer, chantha, direction="exit", channel="manual")
    booth.scan(officer, chantha, direction="entry", channel="camera")
    report = booth.verify_chain()
    assert report.ok and report.records == 16
    booth.close()
    return Made(tmp_path / "booth", report.records, report.head_hash, entry.record.seq)


@contextmanager
def raw(made: Made, *, drop_triggers: bool = True) -> Iterator[sqlite3.Connection]:
    """The attacker's connection: plain sqlite3 on the ledger file, triggers dropped first."""
    con = sqlite3.connect(made.data_dir / LEDGER_FILE, isolation_level=None)
    if drop_triggers:
        for name in TRIGGERS:
            con.execute(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield con
    finally:
        con.close()


def verify(made: Made) -> ChainReport:
    booth = Booth(made.data_dir, clock=FixedClock(NOW))
    try:
        return booth.verify_chain()
    finally:
        booth.close()


def read(con: sqlite3.Connection, seq: int) -> Record:
    return Record(*con.execute(f"SELECT {', '.join(FIELDS)} FROM records WHERE seq = ?", (seq,)).fetchone())


def overwrite(con: sqlite3.Connection, seq: int, record: Record) -> None:
    """Put ``record``'s every column but seq into row ``seq``."""
    cols = [f for f in FIELDS if f != "seq"]
    con.execute(
        f"UPDATE records SET {', '.join(f + ' = ?' for f in cols)} WHERE seq = ?",
        (*(getattr(record, f) for f in cols), seq),
    )


def test_changed_holder_is_named_also_by_the_cli(made: Made) -> None:
    k = made.entry_seq
    with raw(made, drop_triggers=False) as con, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE records SET holder = 'SOK CHANTHY' WHERE seq = ?", (k,))
    assert verify(made).ok  # the triggers held

    with raw(made) as con:
        con.execute("UPDATE records SET holder = 'SOK CHANTHY' WHERE seq = ?", (k,))
    report = verify(made)
    assert (report.ok, report.bad_seq, report.problem) == (False, k, "changed")
    assert report.records == k - 1  # the chain is good up to the record before

    result = CliRunner().invoke(booth_main, ["--data-dir", str(made.data_dir), "audit", "verify"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["bad_seq"] == k
    assert result.stderr.startswith(f"error: ledger tampered: record {k} changed")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_deleted_record_is_missing(made: Made) -> None:
    k = made.entry_seq + 2
    with raw(made) as con:
        con.execute("DELETE FROM records WHERE seq = ?", (k,))
    report = verify(made)
    assert (report.bad_seq, report.problem) == (k, "missing")
    assert report.detail == f"records {k}..{k} are gone"


def test_deleted_record_with_the_rest_renumbered_is_missing(made: Made) -> None:
    k = made.entry_seq + 2
    with raw(made) as con:
        con.execute("DELETE FROM records WHERE seq = ?", (k,))
        con.execute("UPDATE records SET seq = seq - 1 WHERE seq > ?", (k,))
        assert con.execute("SELECT max(seq) FROM records").fetchone()[0] == made.records - 1
    report = verify(made)
    # The record now numbered k links to the hash of the deleted one, which is nowhere.
    assert (report.bad_seq, report.problem) == (k, "missing")
    assert "removed and the rest renumbered" in report.detail


@pytest.mark.parametrize("gap", [1, 4])
def test_swapped_records_are_reordered(made: Made, gap: int) -> None:
    i, j = made.entry_seq, made.entry_seq + gap
    with raw(made) as con:
        a, b = read(con, i), read(con, j)
        overwrite(con, i, b)
        overwrite(con, j, a)
    report = verify(made)
    # The record at i is chained after the one before j (found by hash): the first out of place.
    assert (report.bad_seq, report.problem) == (i, "reordered")
    assert report.detail == f"record {i} was chained after record {j - 1 if gap > 1 else j}"


def test_forged_record_with_a_made_up_link_is_reported(made: Made) -> None:
    n = made.records
    with raw(made, drop_triggers=False) as con:
        head = read(con, n)
        forged = replace(head, seq=n + 1, holder="SOMEONE ELSE").sealed("ab" * 32)  # self-consistent hash
        with pytest.raises(sqlite3.IntegrityError, match="does not extend the chain"):
            con.execute(INSERT, tuple(getattr(forged, f) for f in FIELDS))
        con.execute("DROP TRIGGER records_chain")
        con.execute(INSERT, tuple(getattr(forged, f) for f in FIELDS))
    report = verify(made)
    # Locally this cannot be told apart from "record n was rewritten and re-hashed": both leave
    # record n+1 pointing at a hash that is nowhere. The report names n and says both.
    assert (report.ok, report.bad_seq, report.problem) == (False, n, "changed")
    assert f"record {n + 1} was forged" in report.detail

    with raw(made) as con:
        con.execute("UPDATE records SET hash = ? WHERE seq = ?", ("cd" * 32, n + 1))  # nor its own hash right
    report = verify(made)
    assert (report.bad_seq, report.problem) == (n + 1, "missing")
    assert f"record {n + 1} was forged" in report.detail


def test_forged_record_chained_correctly_passes_locally(made: Made) -> None:
    n = made.records
    with raw(made, drop_triggers=False) as con:  # no trigger even needs dropping
        head = read(con, n)
        rejection = replace(read(con, made.entry_seq), verdict="rejected", reasons="watchlist", at=NOW + 7200)
        forged = replace(rejection, seq=n + 1).sealed(head.hash)
        con.execute(INSERT, tuple(getattr(forged, f) for f in FIELDS))
    report = verify(made)
    # A local check cannot catch a record added by someone who recomputes the chain: HQ can,
    # because the head it has acknowledged (made.head_hash) is no longer this booth's head.
    assert report.ok and report.records == n + 1
    assert report.head_hash == forged.hash != made.head_hash


def test_changed_and_rehashed_to_the_head_passes_locally(made: Made) -> None:
    k = made.entry_seq
    with raw(made, drop_triggers=False) as con:
        trigger_sql = [r[0] for r in con.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'")]
    with raw(made) as con:
        prev = read(con, k - 1).hash
        for seq in range(k, made.records + 1):
            record = read(con, seq)
            if seq == k:
                record = replace(record, holder="SOK CHANTHY")
            record = record.sealed(prev)
            overwrite(con, seq, record)
            prev = record.hash
    report = verify(made)
    assert not report.ok and report.problem == "triggers"  # the careless forger left them dropped
    with raw(made, drop_triggers=False) as con:
        for sql in trigger_sql:
            con.execute(sql)
    report = verify(made)
    # The careful forger: consistent locally; HQ's acknowledged head hash catches it.
    assert report.ok and report.records == made.records
    assert report.head_hash != made.head_hash


def test_edited_inside_table_is_a_state_problem(made: Made) -> None:
    with raw(made, drop_triggers=False) as con:
        assert con.execute("SELECT count(*) FROM inside").fetchone()[0] == 1
        con.execute("DELETE FROM inside")  # Chantha made to look gone: no trigger guards the derived tables
    report = verify(made)
    assert (report.ok, report.bad_seq, report.problem) == (False, None, "state")
    assert report.records == made.records and report.head_hash == made.head_hash

    result = CliRunner().invoke(booth_main, ["--data-dir", str(made.data_dir), "audit", "verify"])
    assert result.exit_code == 1 and "error: ledger tampered: the derived tables state" in result.stderr


def test_edited_usage_count_is_a_state_problem(made: Made) -> None:
    with raw(made, drop_triggers=False) as con:
        con.execute("UPDATE usage SET entries = entries - 1")
    assert verify(made).problem == "state"


def test_dropped_triggers_alone_are_reported(made: Made) -> None:
    with raw(made):
        pass  # the triggers are gone, nothing else touched
    report = verify(made)
    assert not report.ok and report.problem == "triggers" and "records_no_update" in report.detail
