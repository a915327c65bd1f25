"""The tables of HQ's sync store (SQLAlchemy Core): one schema for SQLite and PostgreSQL.

Times are integer epoch seconds (UTC); hashes and public keys are lowercase hex text; the
raw signed batches kept as fork evidence and the receipts are bytes.
"""

from __future__ import annotations

from dataclasses import MISSING, fields

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from sync.protocol.records import FIELDS, Record

SCHEMA_VERSION = 1
metadata = MetaData()

meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)  # fmt: skip

booths = Table(
    "booths", metadata,
    Column("booth_id", String(64), primary_key=True),
    Column("checkpoint", String(64), nullable=False),
    Column("public_key", String(64)),  # hex of the raw Ed25519 key; NULL until enrolled
    Column("token_hash", String(64), nullable=False),  # SHA-256 of the one-time enrolment token
    Column("token_used", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
    Column("enrolled_at", BigInteger),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("revoked_at", BigInteger),
    Column("last_seen", BigInteger),
    Column("acked_seq", BigInteger, nullable=False, default=0),  # records 1..acked_seq are stored
    Column("head_hash", String(64)),  # hash of record acked_seq
)  # fmt: skip

_INT_FIELDS = {"seq", "at", "mono_ns", "shift_id", "expires", "stay_days", "bundle_version", "ref_seq"}
_TYPES = {f: BigInteger for f in _INT_FIELDS} | {"prev_hash": String(64), "hash": String(64),
                                                  "booth_id": String(64)}  # fmt: skip
_NOT_NULL = {f.name for f in fields(Record) if f.default is MISSING or f.default is not None}

records = Table(
    "records", metadata,
    *(Column(f, _TYPES.get(f, Text), nullable=f not in _NOT_NULL) for f in FIELDS),
    Column("received_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("booth_id", "seq"),
    Index("records_permit_no", "permit_no"),
    Index("records_at", "at"),
)  # fmt: skip

receipts = Table(
    "receipts", metadata,
    Column("booth_id", String(64), nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("receipt", LargeBinary, nullable=False),
    Column("at", BigInteger, nullable=False),
    PrimaryKeyConstraint("booth_id", "last_seq"),
)  # fmt: skip

forks = Table(
    "forks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("booth_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),  # where the offered chain leaves HQ's (0: the genesis)
    Column("stored_hash", String(64), nullable=False),
    Column("offered_hash", String(64), nullable=False),
    Column("wire", LargeBinary, nullable=False),  # the signed batch exactly as received: the evidence
    Column("wire_sha256", String(64), nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Index("forks_booth_wire", "booth_id", "wire_sha256", unique=True),
)  # fmt: skip

alerts = Table(
    "alerts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("booth_id", String(64)),
    Column("seq", BigInteger),
    Column("detail", Text, nullable=False),
    Column("raised_at", BigInteger, nullable=False),
    Column("acknowledged", Boolean, nullable=False, default=False),
    Index("alerts_kind", "kind", "booth_id", "seq"),  # analytics: is this alert already raised?
)  # fmt: skip

# Added after the first release: ``create_all`` makes them for new databases only, so
# ``sync.hq.analytics`` creates them (checkfirst) on older ones.
records_officer = Index("records_officer", records.c.checkpoint, records.c.officer)  # analytics: per officer
# the dashboard's officer page (an officer's latest records) and the outlier rules' evidence, in time order
records_officer_at = Index("records_officer_at", records.c.checkpoint, records.c.officer, records.c.at)

# -- derived state (sync.hq.derived): kept up to date by ``analytics.analyse``, rebuilt from
# ``records`` by ``analyse(..., full=True)``; nothing else writes it.

analysis_watermarks = Table(
    "analysis_watermarks", metadata,
    Column("booth_id", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),  # the booth's records 1..seq are in the derived tables
)  # fmt: skip

permit_state = Table(
    "permit_state", metadata,
    Column("permit_no", Text, primary_key=True),
    Column("at", BigInteger, nullable=False),  # the permit's last crossing...
    Column("booth_id", String(64), nullable=False),  # ...the record (first by booth_id, seq if several share `at`)
    Column("seq", BigInteger, nullable=False),
    Column("checkpoint", Text, nullable=False),
    Column("direction", Text, nullable=False),
    Column("stay_days", BigInteger),
    Column("ties", Integer, nullable=False),  # crossings at `at`
    Column("inside", Boolean, nullable=False),  # crossings at `at` are all entries
    Column("due_at", BigInteger),  # inside with a stay: when it ends
    Column("overstay_due", BigInteger),  # due_at until the overstay rule has judged this state
    Index("permit_state_inside", "inside", "checkpoint"),  # people inside per checkpoint
    Index("permit_state_at", "at"),  # the report: permits that crossed after a period's end
    Index("permit_state_overstay", "overstay_due"),  # the overstay rule: a range query
)  # fmt: skip

officer_stats = Table(
    "officer_stats", metadata,
    Column("checkpoint", Text, nullable=False),
    Column("officer", Text, nullable=False),
    Column("scans", BigInteger, nullable=False),
    Column("overrides", BigInteger, nullable=False),
    Column("manual", BigInteger, nullable=False),  # scans of permits typed in by hand
    Column("odd_hours", BigInteger, nullable=False),  # scans between 00:00 and 04:00 local time
    Column("last_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("checkpoint", "officer"),
)  # fmt: skip

clock_skew_seen = Table(  # the clock_skew rule raises once per booth and boot, on its first record ahead
    "clock_skew_seen", metadata,
    Column("booth_id", String(64), nullable=False),
    Column("boot_id", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    PrimaryKeyConstraint("booth_id", "boot_id"),
)  # fmt: skip

analysis_revocations = Table(  # HQ's revocations as the last analyse saw them: changed ones are checked in full
    "analysis_revocations", metadata,
    Column("permit_no", Text, primary_key=True),
    Column("revoked_at", BigInteger, nullable=False),
)  # fmt: skip
