"""The ledger file itself: sealing, the hash chain, the triggers, the canonical bytes HQ
recomputes, and the derived tables (docs/formats.md §2). Real SQLite files only."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

import pytest
from conftest import NOW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booth.errors import LedgerError
from booth.ledger.state import replay
from booth.ledger.store import Ledger
from booth.ledger.verify import verify_chain
from sync.protocol.records import FIELDS, HASHED_FIELDS, Record, chain_hash, genesis_hash, sql_canonical

INSERT = f"INSERT INTO records ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})"


def new_ledger(path: Path, booth_id: str = "PHD-01", checkpoint: str = "KH-PHD") -> Ledger:
    return Ledger.create(path, booth_id=booth_id, checkpoint=checkpoint)


def rec(kind: str = "audit", **fields: object) -> Record:
    base: dict[str, object] = dict(
        seq=0, kind=kind, at=NOW, mono_ns=1, boot_id="boot-1", booth_id="", checkpoint="KH-PHD"
    )
    return Record(**{**base, **fields})  # type: ignore[arg-type]


def scan(permit_no: str | None, verdict: str, direction: str, **fields: object) -> Record:
    defaults = dict(channel="cli", officer="Sok Dara", shift_id=1, holder="SOK CHANTHA", stay_days=7)
    return rec("scan", permit_no=permit_no, verdict=verdict, direction=direction, **{**defaults, **fields})


def rows(path: Path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT * FROM records ORDER BY seq").fetchall()
    finally:
        con.close()


def chain_ok(ledger: Ledger) -> bool:
    return verify_chain(ledger.chain_rows(), ledger.genesis, ledger.seq_of_hash).ok


# -- create / open


def test_create_then_open_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    ledger = new_ledger(path, booth_id="PHD-01", checkpoint="KH-PHD")
    written = [ledger.append(rec(action="booth_init")), ledger.append(scan("KH-1", "valid", "entry"))]
    ledger.close()

    again = Ledger.open(path)
    assert (again.booth_id, again.checkpoint, again.genesis) == ("PHD-01", "KH-PHD", genesis_hash("PHD-01"))
    assert list(again.records()) == written
    assert again.head() == (2, written[-1].hash)
    assert again.inside_rows() == [("KH-1", 2, NOW)]
    again.close()


def test_create_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    new_ledger(path).close()
    before = path.read_bytes()
    with pytest.raises(LedgerError, match="already exists"):
        new_ledger(path, booth_id="OTHER")
    assert path.read_bytes() == before
    assert Ledger.open(path).booth_id == "PHD-01"


def test_create_over_an_empty_file_from_an_interrupted_init(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    path.touch()
    assert new_ledger(path).append(rec()).seq == 1


def test_genesis_hash_binds_the_booth_id(tmp_path: Path) -> None:
    a, b = new_ledger(tmp_path / "a.db", "PHD-01"), new_ledger(tmp_path / "b.db", "PHD-02")
    assert a.genesis == genesis_hash("PHD-01") != genesis_hash("PHD-02") == b.genesis
    first_a, first_b = a.append(rec(action="booth_init")), b.append(rec(action="booth_init"))
    assert first_a.prev_hash == a.genesis and first_b.prev_hash == b.genesis
    assert first_a.booth_id == "PHD-01" and first_b.booth_id == "PHD-02"  # the ledger's, not the caller's
    assert first_a.hash != first_b.hash
    # Booth B's record cannot be passed off as booth A's: A's chain does not start where it points.
    assert first_b.prev_hash != a.genesis


# -- sealing


def test_append_seals_seq_links_and_hashes(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path / "ledger.db")
    prev = ledger.genesis
    sealed = []
    for i, record in enumerate(
        [
            rec(action="booth_init"),
            scan("KH-1", "valid", "entry"),
            scan(None, "rejected", "entry", reasons="unreadable"),
            rec(action="login", officer="Sok Dara"),
        ],
        start=1,
    ):
        r = ledger.append(record)
        assert (r.seq, r.prev_hash) == (i, prev)
        assert r.hash == chain_hash(prev, r.canonical())
        assert ledger.record(i) == r
        assert ledger.head() == (i, r.hash)
        prev = r.hash
        sealed.append(r)
    assert list(ledger.records(batch=3)) == sealed  # batched reads see every record once
    assert list(ledger.records(2, 3)) == sealed[1:3]
    assert ledger.count() == 4 and ledger.seq_of_hash(sealed[2].hash) == 3 and ledger.seq_of_hash("00" * 32) is None
    assert chain_ok(ledger)


def test_canonical_bytes_are_the_documented_json(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path / "ledger.db")
    r = ledger.append(scan("KH-1", "valid", "entry", native_name="សុខ ចន្ថា", note="a\tb\nc\x00d"))
    assert r.note == "a b c d"  # control characters made spaces before sealing
    values = [getattr(r, f) for f in HASHED_FIELDS]
    assert r.canonical() == json.dumps([1, *values], ensure_ascii=False, separators=(",", ":")).encode()
    assert r.canonical().startswith(b'[1,1,"scan",') and "សុខ ចន្ថា".encode() in r.canonical()
    assert ledger.record(1) == r


# -- triggers


def test_update_and_delete_are_refused_and_change_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    ledger = new_ledger(path)
    for _ in range(3):
        ledger.append(scan("KH-1", "rejected", "entry", reasons="expired"))
    before = rows(path)
    con = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE records SET holder = 'SOMEONE ELSE' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE records SET verdict = 'valid'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM records WHERE seq = 3")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM records")
    con.close()
    assert rows(path) == before
    assert chain_ok(ledger)


def test_raw_insert_must_extend_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    ledger = new_ledger(path)
    ledger.append(rec(action="booth_init"))
    head = ledger.append(rec(action="login"))
    before = rows(path)
    con = sqlite3.connect(path, isolation_level=None)

    def insert(r: Record) -> None:
        con.execute(INSERT, tuple(getattr(r, f) for f in FIELDS))

    forged = rec(action="forged", booth_id="PHD-01")
    for seq, prev in [
        (2, head.prev_hash),
        (4, head.hash),
        (1, ledger.genesis),
        (3, head.prev_hash),
        (3, ledger.genesis),
        (3, "ab" * 32),
    ]:
        with pytest.raises(sqlite3.IntegrityError, match="does not extend the chain"):
            insert(Record(**{**forged.__dict__, "seq": seq}).sealed(prev))
    assert rows(path) == before

    # The trigger checks the link only; a well-linked record with a wrong hash gets in but
    # `audit verify` names it.
    bad = Record(**{**forged.__dict__, "seq": 3}).sealed(head.hash)
    insert(Record(**{**bad.__dict__, "hash": "cd" * 32}))
    con.close()
    report = verify_chain(ledger.chain_rows(), ledger.genesis, ledger.seq_of_hash)
    assert (report.ok, report.bad_seq, report.problem) == (False, 3, "changed")


# -- canonical equality: Python's bytes == SQLite's json_array (HQ relies on it)

LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
CONTROL_AND_JSON = "\x00\x01\x1f\x7f\x80\x85\xa0\u2028\u2029\ufeff\ufffd\"\\/'`{}[],:"
ODD = [*CONTROL_AND_JSON, *"ក្ស ៗ៛ภาษาไทย๏\U0001f600\U0010ffff", *LONE_SURROGATES]
texts = st.text(st.one_of(st.characters(exclude_categories=()), st.sampled_from(ODD)), max_size=40)
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
INT_FIELDS = {"at", "mono_ns", "shift_id", "expires", "stay_days", "bundle_version", "ref_seq"}
REQUIRED = {"seq", "kind", "at", "mono_ns", "boot_id", "booth_id", "checkpoint", "prev_hash", "hash"}


@st.composite
def any_record(draw: st.DrawFn) -> Record:
    values: dict[str, object] = {"seq": 0, "kind": draw(st.sampled_from(["scan", "override", "audit"]))}
    for f in FIELDS:
        if f in values or f in ("prev_hash", "hash"):
            continue
        value = ints if f in INT_FIELDS else texts
        values[f] = draw(value if f in REQUIRED else st.none() | value)
    return Record(**values)  # type: ignore[arg-type]


def test_python_canonical_bytes_equal_sqlite_json_array(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path / "ledger.db", booth_id='ប៉ោយប៉ែត-01 "Poipet"', checkpoint="KH-PPT")
    query = f"SELECT {sql_canonical()} FROM records WHERE seq = ?"

    @settings(max_examples=300, deadline=None)
    @given(any_record())
    def check(record: Record) -> None:
        sealed = ledger.append(record)
        (text,) = ledger.con.execute(query, (sealed.seq,)).fetchone()
        assert text.encode("utf-8") == sealed.canonical()
        assert sealed.hash == chain_hash(sealed.prev_hash, text.encode("utf-8"))
        assert ledger.record(sealed.seq) == sealed

    check()
    assert chain_ok(ledger)


# -- chain property: any sequence of appends verifies and replays to the derived tables

PERMITS = ["KH-BTB-2026-000001", "KH-BTB-2026-000002", "KH-BTB-2026-000003"]
step = st.one_of(
    st.tuples(
        st.just("scan"),
        st.sampled_from([*PERMITS, None]),
        st.sampled_from(["valid", "rejected"]),
        st.sampled_from(["entry", "exit"]),
    ),
    st.tuples(st.just("override"), st.integers(min_value=0, max_value=1000)),
    st.tuples(st.just("audit"), st.sampled_from(["login", "logout", "pin_failed", "export", "shift_open"])),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(step, max_size=25))
def test_any_sequence_of_appends_verifies_and_replays(tmp_path: Path, steps: list[tuple]) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        ledger = new_ledger(Path(folder) / "ledger.db")
        rejected: list[Record] = []  # rejected scans not yet overridden (Booth.override's rule)
        at = NOW
        for s in steps:
            at += 60
            if s[0] == "scan":
                _, permit_no, verdict, direction = s
                r = ledger.append(
                    scan(permit_no, verdict, direction, at=at, reasons=None if verdict == "valid" else "already_inside")
                )
                if verdict == "rejected":
                    rejected.append(r)
            elif s[0] == "override" and rejected:
                target = rejected.pop(s[1] % len(rejected))
                ledger.append(
                    rec(
                        "override",
                        at=at,
                        ref_seq=target.seq,
                        supervisor="Chan Sophal",
                        note="HQ said so",
                        officer=target.officer,
                        direction=target.direction,
                        permit_no=target.permit_no,
                        holder=target.holder,
                        reasons=target.reasons,
                    )
                )
            else:
                ledger.append(rec(at=at, action=s[-1] if s[0] == "audit" else "noop"))
        assert chain_ok(ledger)
        inside, usage = replay(ledger.movement_rows())
        assert inside == {p: seq for p, seq, _ in ledger.inside_rows()}
        assert usage == dict(ledger.usage_rows())
        ledger.close()


# -- summary


def test_summary_counts_by_window_and_officer(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path / "ledger.db")
    shift1, shift2 = NOW, NOW + 8 * 3600
    ledger.append(rec(at=shift1, action="login", officer="Sok Dara"))
    ledger.append(scan("P1", "valid", "entry", at=shift1 + 10))
    ledger.append(scan("P2", "valid", "entry", at=shift1 + 20))
    ledger.append(scan("P1", "valid", "exit", at=shift1 + 30))
    bad = ledger.append(scan("P1", "rejected", "exit", at=shift1 + 40, reasons="not_inside expired"))
    ledger.append(
        rec(
            "override",
            at=shift1 + 50,
            ref_seq=bad.seq,
            officer="Sok Dara",
            supervisor="Chan Sophal",
            direction="exit",
            permit_no="P1",
            note="checked by phone",
        )
    )
    ledger.append(rec(at=shift2, action="login", officer="Keo Vanna"))
    ledger.append(scan("P3", "valid", "entry", at=shift2 + 5, officer="Keo Vanna", shift_id=2))
    ledger.append(scan(None, "rejected", "entry", at=shift2 + 6, officer="Keo Vanna", shift_id=2, reasons="unreadable"))
    ledger.append(scan("P2", "valid", "exit", at=shift2 + 7, officer="Sok Dara"))

    def zeros(**counts: int) -> dict[str, int]:
        return {"scans": 0, "entries": 0, "exits": 0, "rejections": 0, "overrides": 0, **counts}

    # the override let P1 out: an exit, as HQ counts it
    assert ledger.summary(shift1, shift2) == zeros(scans=4, entries=2, exits=2, rejections=1, overrides=1)
    assert ledger.summary(shift2, shift2 + 3600) == zeros(scans=3, entries=1, exits=1, rejections=1)
    assert ledger.summary(shift1, shift2 + 3600) == zeros(scans=7, entries=3, exits=3, rejections=2, overrides=1)
    assert ledger.summary(shift1, shift2 + 3600, officer="Keo Vanna") == zeros(scans=2, entries=1, rejections=1)
    assert ledger.summary(shift1, shift2 + 3600, officer="Sok Dara") == zeros(
        scans=5, entries=2, exits=3, rejections=1, overrides=1
    )
    assert ledger.summary(shift1 + 20, shift1 + 40) == zeros(scans=2, entries=1, exits=1)  # start in, end out
    assert ledger.summary(shift1, shift2, officer="Nobody") == zeros()
    assert ledger.summary(NOW - 3600, NOW) == zeros()
    assert ledger.summary(shift1, shift2 + 3600, shift_id=2) == zeros(scans=2, entries=1, rejections=1)


def test_fold_wal_moves_the_wal_into_the_database(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path / "ledger.db")
    for i in range(300):
        ledger.append(rec(action="login", note=f"n{i}"))
    assert ledger._wal_pages() > 100
    db = tmp_path / "ledger.db"
    size = db.stat().st_size
    ledger.fold_wal(min_pages=10**6)  # not grown enough: left alone
    assert db.stat().st_size == size
    before = ledger.head()
    ledger.fold_wal(min_pages=1)
    assert db.stat().st_size > size  # the pages are in the database file now
    assert ledger.head() == before and chain_ok(ledger) and ledger.checkpoint == "KH-PHD"
