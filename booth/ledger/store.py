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

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path

from booth.errors import LedgerBusy, LedgerError, LedgerFull, LedgerIOError, LedgerNotOurs, LedgerReadOnly
from booth.ledger import schema
from booth.ledger.state import MovementRow, PermitHistory, crossing_seq
from booth.ledger.verify import ChainRow
from sync.protocol.records import ENTRY, EXIT, FIELDS, Record, genesis_hash, sql_canonical

_INSERT = f"INSERT INTO records ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})"
_SELECT = f"SELECT {', '.join(FIELDS)} FROM records"
_LET_THROUGH = "(kind = 'override' OR kind = 'scan' AND verdict = 'valid')"  # people let in or out, as HQ counts them


@dataclass(frozen=True)
class Officer:
    name: str
    role: str
    pin_hash: str
    failed: int
    locked_until: int | None
    active: bool


@dataclass(frozen=True)
class SyncState:
    """What the sync client keeps in ``sync_state``; times are booth clock unless named hq."""

    acked_seq: int  # HQ holds every record up to here (proved by ``receipt``)
    acked_hash: str | None
    receipt: bytes | None  # HQ's signed receipt for acked_seq
    receipt_at: int | None  # the HQ time in that receipt
    hq_time_seen: int | None  # the newest HQ time from a signed receipt: a lower bound for the clock
    clock_skew: int | None  # HQ time minus booth time at the last measurement, seconds
    last_attempt: int | None
    last_success: int | None
    last_error: str | None


@dataclass(frozen=True)
class Acked:
    """HQ's signed word that it holds every record up to ``seq`` (hash ``hash``)."""

    seq: int
    hash: str
    receipt: bytes
    at: int  # the HQ time in the receipt


_SYNC_FIELDS = tuple(f.name for f in fields(SyncState))


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
    def open(cls, path: Path, *, busy_timeout_ms: int = schema.BUSY_TIMEOUT_MS, read_only: bool = False) -> Ledger:
        """Open the ledger; ``read_only`` writes nothing at all (an auditor's copy, a seized disk)."""
        try:
            if read_only:
                return cls(schema.connect_read_only(path))
            return cls(schema.connect(path, busy_timeout_ms=busy_timeout_ms))
        except sqlite3.Error as exc:
            raise translate(exc) from None

    @classmethod
    def create(cls, path: Path, *, booth_id: str, checkpoint: str) -> Ledger:
        if path.exists() and path.stat().st_size > 0:
            raise LedgerError(f"{path} already exists; a booth is never initialised twice")
        try:
            # made 0600 before SQLite opens it: its -wal and -shm files take the same mode
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600))
        except FileExistsError:
            os.chmod(path, 0o600)  # an empty file left by an earlier attempt
        except OSError as exc:
            raise LedgerError(f"cannot create {path}: {exc.strerror}") from None
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
        self._insert(sealed)
        return sealed

    def restore(self, records: list[Record], audit: Record, acked: Acked) -> Record:
        """Take back records HQ holds (a booth restored from a backup): each inserted verbatim
        (same seq, fields and hash, every hash recomputed here) onto the head with the derived
        tables, then ``audit`` sealed on top and the acked seq moved to ``acked``: one
        transaction, so a failure anywhere leaves the ledger as it was. Returns the audit record."""
        with self.transaction():
            for record in records:
                self._insert_verbatim(record)
            sealed = self.append_in_transaction(audit)
            self._set_acked(acked)
        return sealed

    def replace_tail(self, keep: int, records: list[Record], audit: Record, acked: Acked) -> Record:
        """A booth that forked after a restore: its own records after ``keep`` leave the chain
        (the caller kept a copy), HQ's ``records`` take their place, ``audit`` goes on top and
        the acked seq moves, in one transaction; the derived tables are rebuilt. The only
        deletion the ledger ever makes: its trigger is lifted and put back inside the transaction."""
        with self.transaction():
            (trigger,) = self.con.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'records_no_delete'"
            ).fetchone()
            self.con.execute("DROP TRIGGER records_no_delete")
            self.con.execute("DELETE FROM records WHERE seq > ?", (keep,))
            self.con.execute(trigger)
            self._rebuild_derived()
            for record in records:
                self._insert_verbatim(record)
            sealed = self.append_in_transaction(audit)
            self._set_acked(acked)
        return sealed

    def _rebuild_derived(self) -> None:
        """Who is inside and the entry counts, replayed from the records (inside a transaction)."""
        self.con.execute("DELETE FROM inside")
        self.con.execute("DELETE FROM usage")
        for record in self._scans_and_overrides():
            crossed = crossing_seq(record.kind, record.verdict, record.seq, record.ref_seq)
            scan = record if crossed == record.seq else self.record(crossed) if crossed else None
            if scan is not None and scan.permit_no is not None:
                self._move(scan, at=record.at)

    def _scans_and_overrides(self) -> Iterator[Record]:
        """Scans and overrides in sequence order, streamed (a cursor of its own)."""
        yield from (Record(*row) for row in self.con.cursor().execute(f"{_SELECT} WHERE kind != 'audit' ORDER BY seq"))

    def _set_acked(self, acked: Acked) -> None:
        self.con.execute(
            "UPDATE sync_state SET acked_seq = ?, acked_hash = ?, receipt = ?, receipt_at = ?,"
            " hq_time_seen = max(coalesce(hq_time_seen, 0), ?) WHERE id = 1",
            (acked.seq, acked.hash, acked.receipt, acked.at, acked.at),
        )

    def _insert_verbatim(self, record: Record) -> None:
        """``record`` exactly as sealed elsewhere, if it extends the head with its own hash."""
        seq, prev = self.head()
        fits = record.seq == seq + 1 and record.prev_hash == prev and record.booth_id == self.booth_id
        if not fits or record.sealed(prev) != record:
            raise LedgerError(f"record {record.seq} does not extend this ledger's chain at {seq}: nothing was restored")
        self._insert(record)

    def _insert(self, sealed: Record) -> None:
        """Insert a sealed record and update the derived tables (inside a transaction)."""
        self.con.execute(_INSERT, tuple(getattr(sealed, f) for f in FIELDS))
        crossed = crossing_seq(sealed.kind, sealed.verdict, sealed.seq, sealed.ref_seq)
        scan = sealed if crossed == sealed.seq else self.record(crossed) if crossed else None
        if scan is not None and scan.permit_no is not None:
            self._move(scan, at=sealed.at)

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

    def fold_wal(self, *, min_pages: int = 256) -> None:
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

    def summary(
        self,
        start: int | None = None,
        end: int | None = None,
        *,
        officer: str | None = None,
        shift_id: int | None = None,
    ) -> dict[str, int]:
        """Counts of scans, entries, exits, rejections and overrides for ``start <= at < end``,
        optionally one officer or one shift: one indexed pass. Entries and exits are people let
        through: valid scans and overrides (as HQ's report counts them)."""
        clauses, args = ["1"], []
        for clause, value in (
            ("at >= ?", start),
            ("at < ?", end),
            ("officer = ?", officer),
            ("shift_id = ?", shift_id),
        ):
            if value is not None:
                clauses.append(clause)
                args.append(value)
        row = self.con.execute(
            "SELECT"
            " count(*) FILTER (WHERE kind = 'scan'),"
            f" count(*) FILTER (WHERE {_LET_THROUGH} AND direction = 'entry'),"
            f" count(*) FILTER (WHERE {_LET_THROUGH} AND direction = 'exit'),"
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

    def set_active(self, name: str, active: bool) -> None:
        """Enable or disable an officer (inside a transaction, with its audit record)."""
        self.con.execute("UPDATE officers SET active = ? WHERE name = ?", (int(active), name))

    def set_pin_hash(self, name: str, pin_hash: str) -> None:
        """A new PIN; clears the failure count and the lock-out (inside a transaction)."""
        self.con.execute(
            "UPDATE officers SET pin_hash = ?, failed = 0, locked_until = NULL WHERE name = ?", (pin_hash, name)
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

    def sync_state(self) -> SyncState:
        row = self.con.execute(f"SELECT {', '.join(_SYNC_FIELDS)} FROM sync_state WHERE id = 1").fetchone()
        return SyncState(*row)

    def bundle_high_water(self) -> int | None:
        """The highest trust-bundle version any record names (installs and scans alike), counted
        from the last ``bundle_reset`` (a bundle with a newer root statement restarted the versions)."""
        row = self.con.execute(
            "SELECT max(bundle_version) FROM records WHERE bundle_version IS NOT NULL AND seq >= "
            "coalesce((SELECT max(seq) FROM records WHERE action = 'bundle_reset'), 0)"
        ).fetchone()
        return row[0]

    def hq_time_seen(self) -> int | None:
        return self.con.execute("SELECT hq_time_seen FROM sync_state WHERE id = 1").fetchone()[0]

    def set_acked(
        self, seq: int, digest: str, receipt: bytes | None, *, receipt_at: int | None, at: int, backwards: bool = False
    ) -> bool:
        """Record HQ's (verified) acknowledgement durably; return whether it changed the acked seq.

        The acked seq only grows, unless ``backwards`` (HQ said, in a signed receipt, that it
        holds less than we thought: the records after it are sent again)."""
        with self.transaction():
            current = self.acked_seq()
            moved = seq > current or (backwards and seq != current)
            if moved:
                self.con.execute(
                    "UPDATE sync_state SET acked_seq = ?, acked_hash = ?, receipt = ?, receipt_at = ? WHERE id = 1",
                    (seq, digest, receipt, receipt_at),
                )
            self.con.execute(
                "UPDATE sync_state SET last_success = ?, last_attempt = ?, last_error = NULL,"
                " hq_time_seen = max(coalesce(hq_time_seen, 0), coalesce(?, 0)) WHERE id = 1",
                (at, at, receipt_at),
            )
        return moved

    def note_sync(self, *, at: int, error: str | None = None) -> None:
        """Record a sync attempt and its error (None: it worked)."""
        with self.transaction():
            self.con.execute(
                "UPDATE sync_state SET last_attempt = ?, last_error = ?,"
                " last_success = CASE WHEN ? IS NULL THEN ? ELSE last_success END WHERE id = 1",
                (at, error, error, at),
            )

    def set_clock_skew(self, skew: int) -> None:
        """HQ's clock minus the booth's, as last measured (seconds)."""
        with self.transaction():
            self.con.execute("UPDATE sync_state SET clock_skew = ? WHERE id = 1", (skew,))

    # -- reports and exports (read-only; booth.report)
    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One consistent read (a WAL snapshot) for a report or an export; writers go on meanwhile."""
        try:
            self.con.execute("BEGIN DEFERRED")
            self.con.execute("SELECT 1 FROM meta LIMIT 1").fetchone()  # the read snapshot starts here
        except sqlite3.Error as exc:
            raise translate(exc) from None
        try:
            yield
        finally:
            if self.con.in_transaction:
                self.con.execute("COMMIT")

    def shift(self, shift_id: int) -> ShiftRow | None:
        row = self.con.execute(
            "SELECT id, officer, opened_at, closed_at FROM shifts WHERE id = ?", (shift_id,)
        ).fetchone()
        return ShiftRow(*row) if row else None

    def shifts(self, *, officer: str | None = None, open_only: bool = False, limit: int = 200) -> list[ShiftRow]:
        """Newest shifts first."""
        where, args = ["1"], []
        if officer is not None:
            where.append("officer = ?")
            args.append(officer)
        if open_only:
            where.append("closed_at IS NULL")
        rows = self.con.execute(
            f"SELECT id, officer, opened_at, closed_at FROM shifts WHERE {' AND '.join(where)}"
            " ORDER BY id DESC LIMIT ?",
            (*args, limit),
        ).fetchall()
        return [ShiftRow(*row) for row in rows]

    def selection(
        self,
        *,
        start: int | None = None,
        end: int | None = None,
        officer: str | None = None,
        shift_id: int | None = None,
    ) -> Selection:
        """The scans and overrides a report covers: ``start <= at < end``, one officer (scans they
        made, overrides of their scans), one shift (its scans, and the overrides of them).

        The records are walked by sequence number (the primary key) between bounds found on the
        ``records_at`` index, so a one-day report on a 10M-record ledger reads about one day."""
        first, last = 1, self.head()[0]
        if start is not None or end is not None:
            bounds, args = [], []
            if start is not None:
                bounds.append("at >= ?")
                args.append(start)
            if end is not None:
                bounds.append("at < ?")
                args.append(end)
            lo, hi = self.con.execute(
                f"SELECT min(seq), max(seq) FROM records WHERE {' AND '.join(bounds)}", args
            ).fetchone()
            first, last = (lo, hi) if lo is not None else (1, 0)
        if shift_id is not None:
            shift = self.shift(shift_id)
            # every record of a shift comes after its opening (whose own time is opened_at)
            lo = (
                self.con.execute("SELECT min(seq) FROM records WHERE at >= ?", (shift.opened_at,)).fetchone()[0]
                if shift
                else None
            )
            first = max(first, lo) if lo is not None else last + 1
        clauses = ["seq BETWEEN ? AND ?", "kind != 'audit'"]
        args: list[object] = [first, last]
        if start is not None:
            clauses.append("+at >= ?")  # '+': walk the seq range, not the at index (no sort needed)
            args.append(start)
        if end is not None:
            clauses.append("+at < ?")
            args.append(end)
        if officer is not None:
            clauses.append("officer = ?")
            args.append(officer)
        if shift_id is not None:
            clauses.append(
                "(shift_id = ? OR (kind = 'override' AND ref_seq IN"
                " (SELECT seq FROM records WHERE seq BETWEEN ? AND ? AND shift_id = ?)))"
            )
            args += [shift_id, first, last, shift_id]
        return Selection(" AND ".join(clauses), tuple(args), first, last)

    def report_groups(self, sel: Selection) -> list[tuple]:
        """(kind, verdict, direction, channel, nationality, reasons, hour since the epoch, count,
        first seq, last seq) of the selection: everything a report counts, in one pass."""
        return self.con.execute(
            "SELECT kind, verdict, direction, channel, nationality, reasons, at / 3600 AS hour, count(*),"
            " min(seq), max(seq)"
            f" FROM records WHERE {sel.where} GROUP BY kind, verdict, direction, channel, nationality, reasons, hour",
            sel.args,
        ).fetchall()

    def selected(
        self,
        sel: Selection,
        *,
        kind: str | None = None,
        search: str | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[Record]:
        """The selection's records in sequence order, streamed (constant memory); ``search``
        matches a name (Latin or native) or a permit number."""
        where, args = sel.where, list(sel.args)
        if kind is not None:
            where += " AND kind = ?"
            args.append(kind)
        if search:
            pattern = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            like = "LIKE ? ESCAPE '\\'"
            where += f" AND (holder {like} OR native_name {like} OR permit_no {like})"
            args += [pattern] * 3
        order = "DESC" if newest_first else ""
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        for row in self.con.execute(f"{_SELECT} WHERE {where} ORDER BY seq {order}{tail}", args):
            yield Record(*row)

    def csv_rows(self, sel: Selection, *, utc_offset: int) -> sqlite3.Cursor:
        """The selection as (seq, one CSV line as UTF-8 bytes), each line made whole by SQLite's
        ``printf`` (a million rows: no Python object per cell). The line: the local time
        (``utc_offset`` seconds east of UTC) as 'YYYY-MM-DD HH:MM:SS', then every field of
        ``FIELDS``: numbers bare, text always quoted (``"%w"`` doubles inner quotes, RFC 4180),
        null as an empty cell (``""`` for text). Text a spreadsheet would run as a formula
        (starting = + - @, tab or CR) or that starts with an apostrophe gets one apostrophe in
        front (the reader takes exactly one off again)."""
        formats, args = ["%s"], [f"strftime('%Y-%m-%d %H:%M:%S', at + {int(utc_offset)}, 'unixepoch')"]
        for name in FIELDS:
            if name in _INT_FIELDS:
                formats.append("%s")
                args.append(name)
            else:
                formats.append('"%w"')
                args.append(f"ifnull(iif(unicode({name}) IN (61, 43, 45, 64, 39, 9, 13), '''' || {name}, {name}), '')")
        line = f"printf('{','.join(formats)}', {', '.join(args)})"
        return self.con.execute(
            f"SELECT seq, CAST({line} AS BLOB) FROM records WHERE {sel.where} ORDER BY seq", sel.args
        )

    def json_rows(self, sel: Selection) -> sqlite3.Cursor:
        """The selection as (seq, compact JSON object of the record's ``FIELDS``), made by SQLite."""
        pairs = ", ".join(f"'{name}', {name}" for name in FIELDS)
        return self.con.execute(
            f"SELECT seq, json_object({pairs}) FROM records WHERE {sel.where} ORDER BY seq", sel.args
        )

    def movements_before(self, end: int) -> Iterator[tuple]:
        """(seq, kind, verdict, direction, permit_no, ref_seq, at) of every scan and override
        recorded before ``end``, in sequence order: to replay who was inside then."""
        yield from self.con.execute(
            "SELECT seq, kind, verdict, direction, permit_no, ref_seq, at FROM records"
            " WHERE kind != 'audit' AND +at < ? ORDER BY seq",
            (end,),
        )

    def records_by_seq(self, seqs: list[int]) -> dict[int, Record]:
        out: dict[int, Record] = {}
        for i in range(0, len(seqs), 500):
            chunk = seqs[i : i + 500]
            rows = self.con.execute(f"{_SELECT} WHERE seq IN ({', '.join('?' * len(chunk))})", chunk).fetchall()
            out.update((row[0], Record(*row)) for row in rows)
        return out

    def shift_audit(self, shift_id: int, action: str) -> list[Record]:
        """The audit records of one shift with this action (e.g. its ``shift_close``)."""
        shift = self.shift(shift_id)
        if shift is None:
            return []
        rows = self.con.execute(
            f"{_SELECT} WHERE seq >= coalesce((SELECT min(seq) FROM records WHERE at >= ?), 0)"
            " AND kind = 'audit' AND action = ? AND shift_id = ? ORDER BY seq",
            (shift.opened_at, action, shift_id),
        ).fetchall()
        return [Record(*row) for row in rows]


@dataclass(frozen=True)
class ShiftRow:
    id: int
    officer: str
    opened_at: int
    closed_at: int | None


@dataclass(frozen=True)
class Selection:
    """A WHERE clause over ``records`` (and its arguments) with the sequence range it walks."""

    where: str
    args: tuple
    first: int
    last: int


_INT_FIELDS = frozenset(f.name for f in fields(Record) if str(f.type).startswith("int"))


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
        return LedgerIOError(f"disk error ({text}): the scan was NOT recorded. Check the disk.")
    return LedgerError(f"the ledger refused the write ({text}): nothing was recorded")
