"""The booth's ledger: an append-only, hash-chained SQLite file.

It speaks plain ``sqlite3``: the writes need exact transaction control (``BEGIN IMMEDIATE``,
one fsync per record) and the CLI starts 100 ms faster without sqlite-utils' import and
plugin loading (bench/ledger.py); sqlite-utils serves the HQ registry and the exports.

``append`` is the only way a record gets in: it seals the record onto the chain head and
updates the derived tables in one ``BEGIN IMMEDIATE`` transaction; it returns only after the
commit is on disk (WAL, ``synchronous=FULL``). Every SQLite failure leaves as one specific
``LedgerError`` with a sentence an officer can act on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from booth.errors import LedgerBusy, LedgerError, LedgerFull, LedgerNotOurs, LedgerReadOnly
from booth.ledger import schema
from booth.ledger.records import ENTRY, EXIT, FIELDS, Record, genesis_hash, sql_canonical
from booth.ledger.state import MovementRow, PermitHistory, crossing_seq
from booth.ledger.verify import ChainRow

_INSERT = f"INSERT INTO records ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})"
_SELECT = f"SELECT {', '.join(FIELDS)} FROM records"


@dataclass(frozen=True)
class Officer:
    name: str
    role: str
    pin_hash: str
    failed: int
    locked_until: int | None
    active: bool


class Ledger:
    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con
        meta = dict(con.execute("SELECT key, value FROM meta"))
        if "booth_id" not in meta:
            raise LedgerNotOurs("the ledger has no booth identity; it was not made by `booth init`")
        self.booth_id: str = meta["booth_id"]
        self.checkpoint: str = meta["checkpoint"]
        self.genesis: str = meta["genesis"]

    # -- opening
    @classmethod
    def open(cls, path: Path, *, busy_timeout_ms: int = schema.BUSY_TIMEOUT_MS) -> Ledger:
        try:
            return cls(schema.connect(path, busy_timeout_ms=busy_timeout_ms))
        except sqlite3.Error as exc:
            raise translate(exc) from None

    @classmethod
    def create(cls, path: Path, *, booth_id: str, checkpoint: str) -> Ledger:
        if path.exists() and path.stat().st_size > 0:
            raise LedgerError(f"{path} already exists; a booth is never initialised twice")
        try:
            con = schema.connect(path, create=True)
            meta = {"booth_id": booth_id, "checkpoint": checkpoint, "genesis": genesis_hash(booth_id)}
            con.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
        except sqlite3.Error as exc:
            raise translate(exc) from None
        return cls(con)

    def close(self) -> None:
        self.con.close()

    # -- writing
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any failure rolls back and becomes a ``LedgerError``."""
        try:
            self.con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise translate(exc) from None
        try:
            yield
            self.con.execute("COMMIT")
        except BaseException as exc:
            if self.con.in_transaction:
                self.con.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise translate(exc) from None
            raise

    def append(self, record: Record) -> Record:
        """Seal ``record`` onto the chain and commit it durably; return it with seq and hash."""
        with self.transaction():
            return self.append_in_transaction(record)

    def append_in_transaction(self, record: Record) -> Record:
        seq, prev = self.head()
        sealed = replace(record, seq=seq + 1, booth_id=self.booth_id).sealed(prev)
        self.con.execute(_INSERT, tuple(getattr(sealed, f) for f in FIELDS))
        crossed = crossing_seq(sealed.kind, sealed.verdict, sealed.seq, sealed.ref_seq)
        scan = sealed if crossed == sealed.seq else self.record(crossed) if crossed else None
        if scan is not None and scan.permit_no is not None:
            self._move(scan, at=sealed.at)
        return sealed

    def _move(self, scan: Record, *, at: int) -> None:
        if scan.direction == ENTRY:
            self.con.execute(
                "INSERT OR REPLACE INTO inside (permit_no, entry_seq, entered_at, stay_days, holder, nationality)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (scan.permit_no, scan.seq, at, scan.stay_days, scan.holder, scan.nationality),
            )
            self.con.execute(
                "INSERT INTO usage (permit_no, entries) VALUES (?, 1)"
                " ON CONFLICT (permit_no) DO UPDATE SET entries = entries + 1",
                (scan.permit_no,),
            )
        elif scan.direction == EXIT:
            self.con.execute("DELETE FROM inside WHERE permit_no = ?", (scan.permit_no,))

    # -- reading
    def head(self) -> tuple[int, str]:
        row = self.con.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, self.genesis)

    def record(self, seq: int) -> Record | None:
        row = self.con.execute(f"{_SELECT} WHERE seq = ?", (seq,)).fetchone()
        return Record(*row) if row else None

    def records(self, first: int = 1, last: int | None = None, *, batch: int = 5000) -> Iterator[Record]:
        """Records in sequence order, read in batches (constant memory on a 10M-record ledger)."""
        last = last if last is not None else self.head()[0]
        while first <= last:
            rows = self.con.execute(
                f"{_SELECT} WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?", (first, last, batch)
            ).fetchall()
            if not rows:
                return
            yield from (Record(*row) for row in rows)
            first = rows[-1][0] + 1

    def chain_rows(self) -> Iterator[ChainRow]:
        """Every record as a ``ChainRow``, its canonical bytes made by SQLite."""
        yield from self.con.execute(
            f"SELECT seq, prev_hash, hash, CAST({sql_canonical()} AS BLOB), kind, verdict, direction, permit_no,"
            " ref_seq FROM records ORDER BY seq"
        )

    def checkpoint(self, *, min_pages: int = 256) -> None:
        """Fold the WAL into the database once it has grown; called when the booth is idle.

        Automatic checkpoints are pushed far out (``schema.WAL_AUTOCHECKPOINT``) so that the
        8-15 ms one costs does not land on an officer's scan (bench/ledger.py)."""
        if self._wal_pages() >= min_pages:
            self.con.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _wal_pages(self) -> int:
        path = self.con.execute("PRAGMA database_list").fetchone()[2]
        page = self.con.execute("PRAGMA page_size").fetchone()[0]
        try:
            return Path(path + "-wal").stat().st_size // page
        except OSError:
            return 0

    def movement_rows(self) -> Iterator[MovementRow]:
        yield from self.con.execute(
            "SELECT seq, kind, verdict, direction, permit_no, ref_seq FROM records WHERE kind != 'audit' ORDER BY seq"
        )

    def missing_triggers(self) -> list[str]:
        """The append-only triggers that someone dropped (they must all be there)."""
        present = {r[0] for r in self.con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        return sorted({"records_no_update", "records_no_delete", "records_chain"} - present)

    def seq_of_hash(self, digest: str) -> int | None:
        row = self.con.execute("SELECT seq FROM records WHERE hash = ?", (digest,)).fetchone()
        return row[0] if row else None

    def count(self) -> int:
        return self.head()[0]

    def last_event_at(self) -> int | None:
        row = self.con.execute("SELECT max(at) FROM records").fetchone()
        return row[0]

    def history(self, permit_no: str) -> PermitHistory:
        inside = self.con.execute("SELECT entered_at FROM inside WHERE permit_no = ?", (permit_no,)).fetchone()
        used = self.con.execute("SELECT entries FROM usage WHERE permit_no = ?", (permit_no,)).fetchone()
        return PermitHistory(inside is not None, inside[0] if inside else None, used[0] if used else 0)

    def overrides_of(self, seq: int) -> list[Record]:
        rows = self.con.execute(f"{_SELECT} WHERE ref_seq = ? AND kind = 'override'", (seq,)).fetchall()
        return [Record(*row) for row in rows]

    def inside_count(self) -> int:
        return self.con.execute("SELECT count(*) FROM inside").fetchone()[0]

    def inside_rows(self) -> list[tuple[str, int, int]]:
        return self.con.execute("SELECT permit_no, entry_seq, entered_at FROM inside ORDER BY permit_no").fetchall()

    def usage_rows(self) -> list[tuple[str, int]]:
        return self.con.execute("SELECT permit_no, entries FROM usage ORDER BY permit_no").fetchall()

    def summary(self, start: int | None = None, end: int | None = None, *, officer: str | None = None,
                shift_id: int | None = None) -> dict[str, int]:
        """Counts of scans, entries, exits, rejections and overrides for ``start <= at < end``,
        optionally one officer or one shift: one indexed pass."""
        clauses, args = ["1"], []
        for clause, value in (("at >= ?", start), ("at < ?", end), ("officer = ?", officer),
                              ("shift_id = ?", shift_id)):  # fmt: skip
            if value is not None:
                clauses.append(clause)
                args.append(value)
        row = self.con.execute(
            "SELECT"
            " count(*) FILTER (WHERE kind = 'scan'),"
            " count(*) FILTER (WHERE kind = 'scan' AND verdict = 'valid' AND direction = 'entry'),"
            " count(*) FILTER (WHERE kind = 'scan' AND verdict = 'valid' AND direction = 'exit'),"
            " count(*) FILTER (WHERE kind = 'scan' AND verdict = 'rejected'),"
            " count(*) FILTER (WHERE kind = 'override')"
            f" FROM records WHERE {' AND '.join(clauses)}",
            args,
        ).fetchone()
        return dict(zip(("scans", "entries", "exits", "rejections", "overrides"), row, strict=True))

    def recent(self, limit: int = 50, search: str | None = None) -> list[Record]:
        """Newest scans and overrides first; ``search`` matches a name or permit number."""
        where = "kind != 'audit'"
        args: list[object] = []
        if search:
            pattern = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            like = "LIKE ? ESCAPE '\\'"
            where += f" AND (holder {like} OR native_name {like} OR permit_no {like})"
            args += [pattern] * 3
        rows = self.con.execute(f"{_SELECT} WHERE {where} ORDER BY seq DESC LIMIT ?", (*args, limit)).fetchall()
        return [Record(*row) for row in rows]

    # -- officers and shifts
    def officer(self, name: str) -> Officer | None:
        row = self.con.execute(
            "SELECT name, role, pin_hash, failed, locked_until, active FROM officers WHERE name = ?", (name,)
        ).fetchone()
        return Officer(*row[:5], bool(row[5])) if row else None

    def officers(self) -> list[Officer]:
        rows = self.con.execute(
            "SELECT name, role, pin_hash, failed, locked_until, active FROM officers ORDER BY name"
        ).fetchall()
        return [Officer(*row[:5], bool(row[5])) for row in rows]

    def add_officer(self, name: str, role: str, pin_hash: str, at: int) -> None:
        """Inside a transaction: the caller appends the audit record in the same one."""
        if self.officer(name) is not None:
            raise LedgerError(f"officer {name!r} already exists")
        self.con.execute(
            "INSERT INTO officers (name, role, pin_hash, created_at) VALUES (?, ?, ?, ?)", (name, role, pin_hash, at)
        )

    def set_lock(self, name: str, failed: int, locked_until: int | None) -> None:
        self.con.execute(
            "UPDATE officers SET failed = ?, locked_until = ? WHERE name = ?", (failed, locked_until, name)
        )

    def open_shift(self, officer: str, at: int) -> int:
        return self.con.execute("INSERT INTO shifts (officer, opened_at) VALUES (?, ?)", (officer, at)).lastrowid

    def close_shift(self, shift_id: int, at: int) -> None:
        self.con.execute("UPDATE shifts SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (at, shift_id))

    def open_shift_id(self, officer: str) -> int | None:
        row = self.con.execute("SELECT id FROM shifts WHERE officer = ? AND closed_at IS NULL", (officer,)).fetchone()
        return row[0] if row else None

    # -- sync state (filled by the sync client)
    def acked_seq(self) -> int:
        return self.con.execute("SELECT acked_seq FROM sync_state WHERE id = 1").fetchone()[0]


def translate(exc: sqlite3.Error) -> LedgerError:
    """One clear sentence per way SQLite can fail; nothing was written."""
    code = getattr(exc, "sqlite_errorcode", None)
    base = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    if base == sqlite3.SQLITE_FULL or "full" in text:
        return LedgerFull("the disk is full: the scan was NOT recorded (nothing was written). Call the supervisor.")
    if base == sqlite3.SQLITE_READONLY or "readonly" in text:
        return LedgerReadOnly("the ledger's disk is read-only: the scan was NOT recorded. Call the supervisor.")
    if base in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in text:
        return LedgerBusy("the ledger is busy in another program: the scan was NOT recorded. Try again.")
    if base in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return LedgerNotOurs(f"the ledger file is damaged ({text}); keep it as evidence and call HQ")
    if base == sqlite3.SQLITE_IOERR:
        return LedgerError(f"disk error ({text}): the scan was NOT recorded. Check the disk.")
    return LedgerError(f"the ledger refused the write ({text}): nothing was recorded")
