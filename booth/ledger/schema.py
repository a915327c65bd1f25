"""Opening the ledger file: identity checks, PRAGMAs, versioned migrations.

A file that is not ours, or was written by a newer Booth, is refused before anything is
written to it. Migrations run in one transaction each and bump ``PRAGMA user_version``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from booth.errors import LedgerNotOurs, LedgerReadOnly, LedgerTooNew
from sync.protocol.errors import UnsafePath
from sync.protocol.files import sqlite_read_only

APPLICATION_ID = 0x424F4F54  # "BOOT": marks the file as a Booth ledger
BUSY_TIMEOUT_MS = 5000
# Pages of WAL before SQLite checkpoints on its own, in the middle of a write. The booth
# checkpoints when idle (Ledger.fold_wal); this is only the backstop (~40 MB).
WAL_AUTOCHECKPOINT = 10_000

MIGRATIONS: list[str] = [
    # 1: the first schema. The records columns are records.FIELDS, in that order.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE records (
        seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, at INTEGER NOT NULL, mono_ns INTEGER NOT NULL,
        boot_id TEXT NOT NULL, booth_id TEXT NOT NULL, checkpoint TEXT NOT NULL,
        officer TEXT, shift_id INTEGER, action TEXT, direction TEXT, channel TEXT,
        verdict TEXT, reasons TEXT, permit_no TEXT, kid TEXT, signature_sha256 TEXT,
        holder TEXT, native_name TEXT, nationality TEXT, document TEXT, expires INTEGER,
        stay_days INTEGER, bundle_version INTEGER, ref_seq INTEGER, supervisor TEXT, note TEXT,
        prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
    CHECK (kind IN ('scan', 'override', 'audit')),
    CHECK (length(hash) = 64 AND length(prev_hash) = 64)
    );
    CREATE INDEX records_permit ON records (permit_no, seq) WHERE permit_no IS NOT NULL;
    CREATE INDEX records_at ON records (at);
    CREATE INDEX records_ref ON records (ref_seq) WHERE ref_seq IS NOT NULL;
    CREATE TRIGGER records_no_update BEFORE UPDATE ON records
        BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;
    CREATE TRIGGER records_no_delete BEFORE DELETE ON records
        BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;
    CREATE TRIGGER records_chain BEFORE INSERT ON records
        WHEN NEW.seq != coalesce((SELECT max(seq) FROM records), 0) + 1
          OR NEW.prev_hash != coalesce((SELECT hash FROM records ORDER BY seq DESC LIMIT 1),
                                       (SELECT value FROM meta WHERE key = 'genesis'))
        BEGIN SELECT RAISE(ABORT, 'record does not extend the chain'); END;

    -- derived from the records, kept in the same transaction; `audit verify` replays and compares
    CREATE TABLE inside (
        permit_no TEXT PRIMARY KEY, entry_seq INTEGER NOT NULL, entered_at INTEGER NOT NULL,
        stay_days INTEGER, holder TEXT, nationality TEXT);
    CREATE TABLE usage (permit_no TEXT PRIMARY KEY, entries INTEGER NOT NULL);

    CREATE TABLE officers (
        name TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('officer', 'supervisor')),
        pin_hash TEXT NOT NULL, failed INTEGER NOT NULL DEFAULT 0, locked_until INTEGER,
        created_at INTEGER NOT NULL, active INTEGER NOT NULL DEFAULT 1);
    CREATE TABLE shifts (
        id INTEGER PRIMARY KEY, officer TEXT NOT NULL REFERENCES officers (name),
        opened_at INTEGER NOT NULL, closed_at INTEGER);
    CREATE UNIQUE INDEX shifts_one_open ON shifts (officer) WHERE closed_at IS NULL;

    CREATE TABLE sync_state (
        id INTEGER PRIMARY KEY CHECK (id = 1), acked_seq INTEGER NOT NULL DEFAULT 0,
        acked_hash TEXT, last_success INTEGER, last_error TEXT);
    INSERT INTO sync_state (id) VALUES (1);
    """,
    # 2: what the sync client keeps besides the acknowledged seq: HQ's last receipt (the proof
    # that HQ holds every record up to acked_seq), the newest HQ time from a signed receipt
    # (a lower bound for the booth clock), the measured clock skew, and the last attempt.
    """
    ALTER TABLE sync_state ADD COLUMN receipt BLOB;
    ALTER TABLE sync_state ADD COLUMN receipt_at INTEGER;
    ALTER TABLE sync_state ADD COLUMN hq_time_seen INTEGER;
    ALTER TABLE sync_state ADD COLUMN clock_skew INTEGER;
    ALTER TABLE sync_state ADD COLUMN last_attempt INTEGER;
    """,
    # 3: the highest trust-bundle version this booth ever used, found fast (a bundle file swapped
    # for an older one behind the app's back is refused at load).
    """
    CREATE INDEX records_bundle ON records (bundle_version) WHERE bundle_version IS NOT NULL;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
READABLE_FROM = 2  # schema 3 only adds an index: a read-only reader does without it


def connect(path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, create: bool = False) -> sqlite3.Connection:
    """Open (or, with ``create``, make) a ledger; refuse foreign or newer files untouched."""
    if not create and not path.exists():
        raise LedgerNotOurs(f"no ledger at {path}; run `booth init` first")
    if path.exists():
        if not create and path.stat().st_size == 0:
            raise LedgerNotOurs(f"{path} is empty (its creation was interrupted); remove it and run `booth init` again")
        _check_identity(path)
    con = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout_ms / 1000, check_same_thread=False)
    con.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}")
    con.execute("PRAGMA foreign_keys=ON")
    migrate(con)
    return con


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Open a ledger for reading only: a seized disk, an archive, a read-only mount.

    Nothing is written, not even the WAL's index: with its ``-wal`` file present SQLite reads
    through it (``mode=ro``); where that cannot work on a read-only medium and no ``-wal`` file
    holds records, the file is read as it is (``immutable``). A ledger whose ``-wal`` cannot be
    read that way is refused with what to do (copy the folder somewhere writable)."""
    if not path.exists():
        raise LedgerNotOurs(f"no ledger at {path}")
    _check_identity(path)
    try:
        con = sqlite_read_only(path, "SELECT count(*) FROM meta")
    except UnsafePath as exc:
        raise LedgerReadOnly(str(exc)) from None
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version < READABLE_FROM:
        con.close()
        raise LedgerNotOurs(f"{path} is of an older Booth (schema {version}): open it writable once to upgrade it")
    return con


def _check_identity(path: Path) -> None:
    try:
        with open(path, "rb") as f:
            header = f.read(100)
    except OSError as exc:
        raise LedgerNotOurs(f"cannot read {path}: {exc.strerror}") from None
    if not header:
        return  # an empty file: a ledger whose creation was interrupted
    if not header.startswith(b"SQLite format 3\x00") or len(header) < 100:
        raise LedgerNotOurs(f"{path} is not a Booth ledger (not an SQLite database)")
    app_id = int.from_bytes(header[68:72], "big")
    version = int.from_bytes(header[60:64], "big")
    pages = int.from_bytes(header[28:32], "big")
    if app_id == 0 and version == 0 and pages <= 1:
        return  # created but not yet migrated (interrupted): nothing in it to protect
    if app_id != APPLICATION_ID:
        raise LedgerNotOurs(f"{path} is an SQLite database but not a Booth ledger; it was left untouched")
    if version > SCHEMA_VERSION:
        raise LedgerTooNew(
            f"{path} was written by a newer Booth (schema {version}, this one knows {SCHEMA_VERSION}); "
            "it was left untouched: install the newer Booth"
        )


def migrate(con: sqlite3.Connection) -> None:
    version = con.execute("PRAGMA user_version").fetchone()[0]
    for number in range(version, SCHEMA_VERSION):
        script = MIGRATIONS[number]
        con.executescript(
            f"BEGIN IMMEDIATE;{script};PRAGMA application_id={APPLICATION_ID};PRAGMA user_version={number + 1};COMMIT;"
        )
