"""HQ's registry (SQLite via sqlite-utils): checkpoints, issuers (retired, compromised),
revocations, watchlist, issued permits (and those re-listed as genuine), the issuing policy per
country, and the trust-bundle version counter.

Every statement is parameterised; every write is one transaction.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from sync.hq.errors import HQError, UnknownRecord
from sync.protocol.bundle import Checkpoint, CountryPolicy, IssuerKey, Revocation, WatchEntry
from sync.protocol.files import sqlite_read_only

SCHEMA_VERSION = 6
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (
    code TEXT PRIMARY KEY, country TEXT NOT NULL,
    name_en TEXT NOT NULL, name_km TEXT NOT NULL DEFAULT '', name_th TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS issuers (
    office TEXT PRIMARY KEY, kid TEXT NOT NULL UNIQUE, public_key TEXT NOT NULL,
    country TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
    not_before INTEGER NOT NULL, not_after INTEGER, checkpoints TEXT NOT NULL DEFAULT '[]',
    key_here INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS revocations (
    id INTEGER PRIMARY KEY, permit_no TEXT, signature_sha256 TEXT,
    reason TEXT NOT NULL DEFAULT '', revoked_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS watchlist (
    id INTEGER PRIMARY KEY, permit_no TEXT, document TEXT, nationality TEXT,
    reason TEXT NOT NULL DEFAULT '', added_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS permits (
    number TEXT PRIMARY KEY, office TEXT NOT NULL, family_name TEXT NOT NULL,
    given_names TEXT NOT NULL, document TEXT NOT NULL, nationality TEXT NOT NULL,
    not_before INTEGER NOT NULL, expires INTEGER NOT NULL, issued_at INTEGER NOT NULL,
    signature_sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS serials (  -- office: the permit-number prefix
    office TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL,
    PRIMARY KEY (office, year));
"""
DOCUMENT_KEY = "REPLACE(REPLACE(UPPER(document), ' ', ''), '-', '')"  # how register searches compare documents
# Schema version -> the statements that bring the previous version up to it.
_MIGRATIONS = {
    # Partner HQs (bilateral recognition): the last accepted signed partner list per country,
    # kept whole so every bundle build re-verifies it; the root is pinned on first import.
    2: """
CREATE TABLE IF NOT EXISTS partners (
    country TEXT PRIMARY KEY, root_public_key TEXT NOT NULL, version INTEGER NOT NULL,
    issued_at INTEGER NOT NULL, imported_at INTEGER NOT NULL, data BLOB NOT NULL);
""",
    # Issue 14: a stolen issuer key (compromised_at), the permits re-listed as genuine under it,
    # the permit kind (single-entry permits used once go into the bundle's used_up; NULL: issued
    # before HQ kept it), and the issuing policy per country (no row: the defaults). The tables of
    # version 1 are made first if missing (a registry of version 1 that never held any).
    3: _SCHEMA
    + """
ALTER TABLE issuers ADD COLUMN compromised_at INTEGER;
ALTER TABLE permits ADD COLUMN kind TEXT;
CREATE INDEX IF NOT EXISTS permits_kind ON permits (kind, expires);
CREATE INDEX IF NOT EXISTS permits_signature ON permits (signature_sha256);
CREATE TABLE IF NOT EXISTS genuine (
    permit_no TEXT PRIMARY KEY, reason TEXT NOT NULL DEFAULT '', added_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS policy (
    country TEXT PRIMARY KEY, max_validity_days INTEGER NOT NULL, max_stay_days INTEGER NOT NULL,
    set_at INTEGER NOT NULL);
""",
    # Issue 16: mistakes undone, not deleted. A checkpoint is closed (from a date, with a reason)
    # rather than removed; a revocation is lifted (when, why) and stays listed; every printed copy
    # of a permit is kept with its signature's hash (a lost card is re-printed as a new copy, and
    # the old copy revoked alone). Copies of permits issued before this version are backfilled.
    4: """
ALTER TABLE checkpoints ADD COLUMN closed_at INTEGER;
ALTER TABLE checkpoints ADD COLUMN closed_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE revocations ADD COLUMN lifted_at INTEGER;
ALTER TABLE revocations ADD COLUMN lift_reason TEXT NOT NULL DEFAULT '';
CREATE TABLE IF NOT EXISTS permit_copies (
    signature_sha256 TEXT PRIMARY KEY, number TEXT NOT NULL, copy INTEGER NOT NULL,
    issued_at INTEGER NOT NULL, not_before INTEGER NOT NULL, expires INTEGER NOT NULL,
    UNIQUE (number, copy));
INSERT OR IGNORE INTO permit_copies (signature_sha256, number, copy, issued_at, not_before, expires)
    SELECT signature_sha256, number, 1, issued_at, not_before, expires FROM permits;
""",
    # Issue 16: a watchlist entry is removed (when, why), not deleted: it stays listed.
    5: """
ALTER TABLE watchlist ADD COLUMN removed_at INTEGER;
ALTER TABLE watchlist ADD COLUMN remove_reason TEXT NOT NULL DEFAULT '';
""",
    # Issue 18: HQ's permit register, searched by number, name (Latin or native script) and
    # document, and counted per office per day. Permits issued before this version keep '' for
    # the native name and date of birth (HQ did not keep them). The document is indexed as it is
    # compared: upper case, without spaces or dashes (``DOCUMENT_KEY``).
    6: f"""
ALTER TABLE permits ADD COLUMN native_name TEXT NOT NULL DEFAULT '';
ALTER TABLE permits ADD COLUMN dob TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS permits_document ON permits ({DOCUMENT_KEY});
CREATE INDEX IF NOT EXISTS permits_issued ON permits (issued_at);
CREATE INDEX IF NOT EXISTS permit_copies_issued ON permit_copies (issued_at);
CREATE INDEX IF NOT EXISTS permits_dob ON permits (dob, expires);
CREATE TABLE IF NOT EXISTS duplicate_decisions (
    id INTEGER PRIMARY KEY, permit_no TEXT NOT NULL, matched TEXT NOT NULL, reasons TEXT NOT NULL,
    decision TEXT NOT NULL, decided_at INTEGER NOT NULL);
""",
}


class Registry:
    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        if read_only:
            self._open_read_only(path)
            return
        self.db = Database(sqlite3.connect(path, isolation_level=None))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=5000")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HQError(f"{path} was written by a newer Booth (schema {version}); upgrade first")
        if version == 0:
            self.db.conn.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}PRAGMA user_version=1;COMMIT;")
            version = 1
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self.db.conn.executescript(f"BEGIN IMMEDIATE;{_MIGRATIONS[target]}PRAGMA user_version={target};COMMIT;")

    def _open_read_only(self, path: Path) -> None:
        """A registry on a read-only folder (an archive, a seized disk): read, never written."""
        if not path.exists():
            raise HQError(f"no registry at {path}")
        self.db = Database(sqlite_read_only(path, "SELECT count(*) FROM meta"))
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            self.db.conn.close()
            raise HQError(
                f"{path} is registry schema {version}, this Booth reads {SCHEMA_VERSION}: "
                "open a writable copy once to upgrade it"
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; a nested one joins the outer (so a step and its caller commit together)."""
        if self.db.conn.in_transaction:
            yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.conn.close()

    # -- meta
    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])

    def next_bundle_version(self) -> int:
        with self.transaction():
            version = int(self.meta("bundle_version") or 0) + 1
            self.set_meta("bundle_version", str(version))
        return version

    # -- checkpoints
    def add_checkpoint(self, cp: Checkpoint) -> None:
        self.db["checkpoints"].upsert(
            {
                "code": cp.code,
                "country": cp.country,
                "name_en": cp.name_en,
                "name_km": cp.name_km,
                "name_th": cp.name_th,
            },
            pk="code",
        )

    def checkpoints(self) -> list[Checkpoint]:
        return [_checkpoint(row) for row in self.db["checkpoints"].rows_where(order_by="code")]

    def checkpoint_rows(self) -> list[dict]:
        """Every checkpoint with its closing (``closed_at``, ``closed_reason``), for people."""
        return list(self.db["checkpoints"].rows_where(order_by="code"))

    def checkpoint(self, code: str) -> Checkpoint:
        return _checkpoint(self._checkpoint_row(code))

    def _checkpoint_row(self, code: str) -> dict:
        rows = list(self.db["checkpoints"].rows_where("code = ?", [code]))
        if not rows:
            raise UnknownRecord(f"no checkpoint {code!r}; add it with `booth-hq checkpoint add`")
        return rows[0]

    def closed_at(self, code: str) -> int | None:
        """When the checkpoint closes (or closed); None while it is open."""
        closed: int | None = self._checkpoint_row(code)["closed_at"]
        return closed

    def set_closed(self, code: str, at: int | None, reason: str) -> None:
        self._checkpoint_row(code)  # must exist
        self.db.execute("UPDATE checkpoints SET closed_at = ?, closed_reason = ? WHERE code = ?", [at, reason, code])

    # -- issuers
    def add_issuer(self, issuer: IssuerKey, *, key_here: bool) -> None:
        if list(self.db["issuers"].rows_where("office = ?", [issuer.office])):
            raise HQError(f"issuer {issuer.office!r} already exists")
        self.db["issuers"].insert(
            {
                "office": issuer.office,
                "kid": issuer.kid.hex(),
                "public_key": issuer.public_key.hex(),
                "country": issuer.country,
                "name": issuer.name,
                "not_before": issuer.not_before,
                "not_after": issuer.not_after,
                "checkpoints": json.dumps(list(issuer.checkpoints)),
                "key_here": int(key_here),
            }
        )

    def issuers(self) -> list[IssuerKey]:
        return [_issuer(row) for row in self.db["issuers"].rows_where(order_by="office")]

    def issuer(self, office: str) -> tuple[IssuerKey, bool]:
        rows = list(self.db["issuers"].rows_where("office = ?", [office]))
        if not rows:
            raise UnknownRecord(f"no issuer {office!r}; add it with `booth-hq issuer add`")
        return _issuer(rows[0]), bool(rows[0]["key_here"])

    def set_issuer_window(self, office: str, *, not_after: int | None, compromised_at: int | None) -> None:
        self.issuer(office)  # must exist
        self.db.execute(
            "UPDATE issuers SET not_after = ?, compromised_at = ? WHERE office = ?", [not_after, compromised_at, office]
        )

    # -- policy
    def policy(self, country: str) -> CountryPolicy:
        """The caps on what ``country``'s offices may issue (the defaults when HQ never set them)."""
        row = self.db.execute(
            "SELECT max_validity_days, max_stay_days FROM policy WHERE country = ?", [country]
        ).fetchone()
        return CountryPolicy(country, *row) if row else CountryPolicy(country)

    def set_policy(self, policy: CountryPolicy, at: int) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO policy (country, max_validity_days, max_stay_days, set_at) VALUES (?, ?, ?, ?)",
            [policy.country, policy.max_validity_days, policy.max_stay_days, at],
        )

    # -- permits re-listed as genuine under a compromised key
    def add_genuine(self, permit_no: str, reason: str, at: int) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO genuine (permit_no, reason, added_at) VALUES (?, ?, ?)", [permit_no, reason, at]
        )

    def remove_genuine(self, permit_no: str) -> bool:
        return self.db.execute("DELETE FROM genuine WHERE permit_no = ?", [permit_no]).rowcount > 0

    def genuine(self) -> list[dict]:
        return list(self.db["genuine"].rows_where(order_by="permit_no"))

    # -- revocations and watchlist
    def revoke(self, rev: Revocation) -> None:
        self.db["revocations"].insert(
            {
                "permit_no": rev.permit_no,
                "signature_sha256": rev.signature_sha256,
                "reason": rev.reason,
                "revoked_at": rev.revoked_at,
            }
        )

    def revocations(self) -> list[Revocation]:
        """The revocations in force (lifted ones stay in the table, listed by ``revocation_rows``)."""
        cols = "permit_no, signature_sha256, reason, revoked_at"
        query = f"SELECT {cols} FROM revocations WHERE lifted_at IS NULL ORDER BY id"
        return [Revocation(*row) for row in self.db.execute(query)]

    def revocation_rows(self, *, lifted: bool = True) -> list[dict]:
        where = None if lifted else "lifted_at IS NULL"
        return list(self.db["revocations"].rows_where(where, order_by="id"))

    def lift_revocation(self, rev_id: int, at: int, reason: str) -> dict:
        rows = list(self.db["revocations"].rows_where("id = ?", [rev_id]))
        if not rows:
            raise UnknownRecord(f"no revocation {rev_id}; see `booth-hq revocation list`")
        if rows[0]["lifted_at"] is not None:
            raise HQError(f"revocation {rev_id} was already lifted")
        self.db.execute("UPDATE revocations SET lifted_at = ?, lift_reason = ? WHERE id = ?", [at, reason, rev_id])
        return {**rows[0], "lifted_at": at, "lift_reason": reason}

    def watch(self, entry: WatchEntry, added_at: int) -> None:
        self.db["watchlist"].insert(
            {
                "permit_no": entry.permit_no,
                "document": entry.document,
                "nationality": entry.nationality,
                "reason": entry.reason,
                "added_at": added_at,
            }
        )

    def watchlist(self) -> list[WatchEntry]:
        """The entries in force (removed ones stay in the table, listed by ``watchlist_rows``)."""
        cols = "permit_no, document, nationality, reason"
        query = f"SELECT {cols} FROM watchlist WHERE removed_at IS NULL ORDER BY id"
        return [WatchEntry(*row) for row in self.db.execute(query)]

    def watchlist_rows(self, *, removed: bool = True) -> list[dict]:
        return list(self.db["watchlist"].rows_where(None if removed else "removed_at IS NULL", order_by="id"))

    def remove_watch(self, entry_id: int, at: int, reason: str) -> dict:
        rows = list(self.db["watchlist"].rows_where("id = ?", [entry_id]))
        if not rows:
            raise UnknownRecord(f"no watchlist entry {entry_id}; see `booth-hq watchlist list`")
        if rows[0]["removed_at"] is not None:
            raise HQError(f"watchlist entry {entry_id} was already removed")
        self.db.execute("UPDATE watchlist SET removed_at = ?, remove_reason = ? WHERE id = ?", [at, reason, entry_id])
        return {**rows[0], "removed_at": at, "remove_reason": reason}

    # -- partner HQs
    def partner(self, country: str) -> dict | None:
        rows = list(self.db["partners"].rows_where("country = ?", [country]))
        return rows[0] if rows else None

    def partners(self) -> list[dict]:
        return list(self.db["partners"].rows_where(order_by="country"))

    def save_partner(self, row: dict) -> None:
        self.db["partners"].upsert(row, pk="country")

    # -- permits issued here
    def next_serial(self, prefix: str, year: int) -> int:
        with self.transaction():
            self.db.execute(
                "INSERT INTO serials (office, year, last) VALUES (?, ?, 1) "
                "ON CONFLICT (office, year) DO UPDATE SET last = last + 1",
                [prefix, year],
            )
            (last,) = self.db.execute(
                "SELECT last FROM serials WHERE office = ? AND year = ?", [prefix, year]
            ).fetchone()
        return last

    def record_permit(self, row: dict, *, new_copy: bool = False) -> int:
        """Record a permit issued here, or (``new_copy``) another printed copy of one; return the copy number."""
        with self.transaction():
            existing = self.permit(row["number"])
            if existing is not None and not new_copy:
                raise HQError(
                    f"permit {row['number']} was already issued; to print another copy of it, "
                    "pass --new-copy (then revoke the lost copy with `booth-hq revoke-copy`)"
                )
            if existing is None and new_copy:
                raise UnknownRecord(f"no permit {row['number']} was issued here; there is nothing to copy")
            same = self.db.execute(
                "SELECT copy FROM permit_copies WHERE signature_sha256 = ?", [row["signature_sha256"]]
            ).fetchone()
            if same is not None:  # Ed25519 is deterministic: the same data at the same moment is the same card
                raise HQError(f"this would be copy {same[0]} of {row['number']} again (same data, same issuing time)")
            if existing is None:
                self.db["permits"].insert(row)
            else:  # the newest copy's dates and signature stand for the permit
                keep = ("not_before", "expires", "issued_at", "signature_sha256")
                self.db["permits"].update(row["number"], {k: row[k] for k in keep})
            copy = 1 + (
                self.db.execute("SELECT MAX(copy) FROM permit_copies WHERE number = ?", [row["number"]]).fetchone()[0]
                or 0
            )
            self.db["permit_copies"].insert(
                {
                    "signature_sha256": row["signature_sha256"],
                    "number": row["number"],
                    "copy": copy,
                    "issued_at": row["issued_at"],
                    "not_before": row["not_before"],
                    "expires": row["expires"],
                }
            )
        return copy

    def permit(self, number: str) -> dict | None:
        rows = list(self.db["permits"].rows_where("number = ?", [number]))
        return rows[0] if rows else None

    def permit_copies(self, number: str) -> list[dict]:
        return list(self.db["permit_copies"].rows_where("number = ?", [number], order_by="copy"))

    def permits(self, *, office: str | None = None, name: str | None = None, limit: int = 1000) -> list[dict]:
        """Permits issued here, newest first; ``name`` matches family or given names (any case, a part)."""
        clauses, args = [], []
        if office:
            clauses.append("office = ?")
            args.append(office)
        if name:
            clauses.append("(family_name || ' ' || given_names) LIKE ? ESCAPE '\\'")
            args.append("%" + _like(name.upper()) + "%")
        where = " AND ".join(clauses) or None
        return list(self.db["permits"].rows_where(where, args, order_by="issued_at DESC, number DESC", limit=limit))

    def search_permits(self, q: str, limit: int) -> list[dict]:
        """Permits issued here that ``q`` names, newest first: a permit number (or its start), a
        document number (upper case, spaces and dashes ignored), or a holder's name, Latin (any
        case) or native script (NFC), a part of it. Each row has its count of printed ``copies``."""
        q = unicodedata.normalize("NFC", " ".join(q.split()))
        if not q:
            return []
        latin = "%" + _like(q.upper()) + "%"
        where = (
            f"number LIKE ? ESCAPE '\\' OR {DOCUMENT_KEY} = ? OR (family_name || ' ' || given_names) LIKE ? "
            "ESCAPE '\\' OR (given_names || ' ' || family_name) LIKE ? ESCAPE '\\' OR instr(native_name, ?) > 0"
        )
        args = [_like(q.upper()) + "%", document_key(q) or None, latin, latin, q, limit]
        query = (
            "SELECT *, (SELECT COUNT(*) FROM permit_copies c WHERE c.number = p.number) AS copies "
            f"FROM permits p WHERE {where} ORDER BY issued_at DESC, number DESC LIMIT ?"
        )
        cursor = self.db.execute(query, args)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def live_near(self, dob: str, document: str, *, now: int) -> list[dict]:
        """Permits still valid at ``now`` whose holder was born within a year of ``dob`` or holds
        the same document: where a duplicate of an applicant would be (``HQ.likely_duplicates``)."""
        year = int(dob[:4])
        query = (
            f"SELECT * FROM permits WHERE expires > ? AND ((dob >= ? AND dob < ?) OR {DOCUMENT_KEY} = ?) "
            "ORDER BY number"
        )
        cursor = self.db.execute(query, [now, f"{year - 1:04d}", f"{year + 2:04d}", document_key(document) or None])
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def record_duplicate_decision(
        self, permit_no: str, matched: list[str], reasons: list[str], decision: str, at: int
    ) -> None:
        """Keep why a permit was issued although it looked like a holder's second live permit."""
        self.db["duplicate_decisions"].insert(
            {
                "permit_no": permit_no,
                "matched": " ".join(matched),
                "reasons": " ".join(reasons),
                "decision": decision,
                "decided_at": at,
            }
        )

    def duplicate_decisions(self) -> list[dict]:
        return list(self.db["duplicate_decisions"].rows_where(order_by="decided_at"))

    def issuance_counts(self, since: int, until: int, tz_offset: int = 7 * 3600) -> list[dict]:
        """Per local day (UTC + ``tz_offset``) and office, the permits first issued in [since, until)
        (``issued``) and the further copies printed (``reprinted``); newest day first."""
        query = (
            "SELECT date(c.issued_at + ?, 'unixepoch') AS day, p.office AS office, "
            "SUM(c.copy = 1) AS issued, SUM(c.copy > 1) AS reprinted "
            "FROM permit_copies c JOIN permits p ON p.number = c.number "
            "WHERE c.issued_at >= ? AND c.issued_at < ? GROUP BY day, office ORDER BY day DESC, office"
        )
        cursor = self.db.execute(query, [tz_offset, since, until])
        return [dict(zip(("day", "office", "issued", "reprinted"), row, strict=True)) for row in cursor]

    def single_entry_permits(self, *, valid_at: int | None = None) -> list[str]:
        """Numbers of the single-entry permits issued here (still valid at ``valid_at``, if given)."""
        where, args = "kind = 'single'", []
        if valid_at is not None:
            where, args = "kind = 'single' AND expires > ?", [valid_at]
        return [n for (n,) in self.db.execute(f"SELECT number FROM permits WHERE {where} ORDER BY number", args)]

    def registered_signatures(self, signatures: set[str]) -> set[str]:
        """Those of ``signatures`` (SHA-256 hex of a printed copy's signature) HQ registered."""
        found: set[str] = set()
        wanted = sorted(signatures)
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            query = (
                f"SELECT signature_sha256 FROM permit_copies WHERE signature_sha256 IN ({','.join('?' * len(chunk))})"
            )
            found.update(row[0] for row in self.db.execute(query, chunk))
        return found

    def permit_with_signature(self, signature_sha256: str) -> str | None:
        """The number of the permit issued here whose signature has this SHA-256, if any."""
        query = "SELECT number FROM permit_copies WHERE signature_sha256 = ?"  # any printed copy, not only the newest
        row = self.db.execute(query, [signature_sha256]).fetchone()
        return row[0] if row else None


def document_key(text: str) -> str:
    """A document number as register searches compare it: upper case, no spaces or dashes."""
    return text.upper().replace(" ", "").replace("-", "")


def _like(text: str) -> str:
    """``text`` matched literally by ``LIKE ... ESCAPE '\\'``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _checkpoint(row: dict) -> Checkpoint:
    return Checkpoint(row["code"], row["country"], row["name_en"], row["name_km"], row["name_th"])


def _issuer(row: dict) -> IssuerKey:
    return IssuerKey(
        kid=bytes.fromhex(row["kid"]),
        public_key=bytes.fromhex(row["public_key"]),
        office=row["office"],
        country=row["country"],
        not_before=row["not_before"],
        not_after=row["not_after"],
        checkpoints=tuple(json.loads(row["checkpoints"])),
        name=row["name"],
        compromised_at=row.get("compromised_at"),
    )
