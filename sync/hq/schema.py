"""Every table and index of HQ's sync database (SQLAlchemy Core), and the migrations that make them.

One schema for SQLite and PostgreSQL. Times are integer epoch seconds (UTC); hashes and public
keys are lowercase hex text; the raw signed batches kept as fork evidence and the receipts are
bytes. (The registry, ``hq.db``, is another database: SQLite only, ``sync.hq.registry``.)

Versions. ``MIGRATIONS`` is the ordered list of steps from an empty database; each step is
applied once, in its own transaction with the others of the same open, and recorded in
``schema_version`` (version, what, applied_at); ``meta.schema_version`` repeats the newest, so
an older Booth that knows only that row refuses the database instead of using it. ``migrate``
runs at every open (``SyncStore``): nothing to do is a read and no write; a database newer than
this code is refused untouched (``SchemaTooNew``). Concurrent opens are serialised: SQLite's
``BEGIN IMMEDIATE`` (the store's engine), a transaction-scoped advisory lock on PostgreSQL.

Databases made before versioned migrations say ``meta.schema_version = '1'`` and hold step 1's
tables; what step 2 makes was then made on first use (the staff tables) or by ``create_all``
at each open, so step 2 creates only what is missing. From step 3 on, a step may assume
exactly the schema of the step before. A step names tables of ``metadata`` as they are now:
when a later step changes a table, the steps before it must keep a copy of its old definition
(the tests migrate an empty database and compare the result with ``metadata``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.schema import CreateIndex, CreateTable

from sync.hq.errors import SchemaTooNew
from sync.protocol.records import FIELDS, Record

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

booths = Table(
    "booths",
    metadata,
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
)

_INT_FIELDS = {"seq", "at", "mono_ns", "shift_id", "expires", "stay_days", "bundle_version", "ref_seq"}
_TYPES = {f: BigInteger for f in _INT_FIELDS} | {"prev_hash": String(64), "hash": String(64), "booth_id": String(64)}
_NOT_NULL = {f.name for f in fields(Record) if f.default is MISSING or f.default is not None}

records = Table(
    "records",
    metadata,
    *(Column(f, _TYPES.get(f, Text), nullable=f not in _NOT_NULL) for f in FIELDS),
    Column("received_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("booth_id", "seq"),
    Index("records_permit_no", "permit_no"),
    Index("records_at", "at"),
)

receipts = Table(
    "receipts",
    metadata,
    Column("booth_id", String(64), nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("receipt", LargeBinary, nullable=False),
    Column("at", BigInteger, nullable=False),
    PrimaryKeyConstraint("booth_id", "last_seq"),
)

forks = Table(
    "forks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("booth_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),  # where the offered chain leaves HQ's (0: the genesis)
    Column("stored_hash", String(64), nullable=False),
    Column("offered_hash", String(64), nullable=False),
    Column("wire", LargeBinary, nullable=False),  # the evidence as received: the signed batch, or request header (head)
    Column("wire_sha256", String(64), nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Index("forks_booth_wire", "booth_id", "wire_sha256", unique=True),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("booth_id", String(64)),
    Column("seq", BigInteger),
    Column("detail", Text, nullable=False),
    Column("raised_at", BigInteger, nullable=False),
    Column("acknowledged", Boolean, nullable=False, default=False),
    Index("alerts_kind", "kind", "booth_id", "seq"),  # analytics: is this alert already raised?
)

booth_moves = Table(  # a booth reassigned to another checkpoint (step 3): who, when, from which bundle on
    "booth_moves",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("booth_id", String(64), nullable=False),
    Column("previous", String(64), nullable=False),
    Column("checkpoint", String(64), nullable=False),
    Column("from_version", BigInteger, nullable=False),  # the first bundle version listing it there
    Column("moved_at", BigInteger, nullable=False),
    Column("moved_by", Text, nullable=False),
    Index("booth_moves_booth", "booth_id", "from_version"),
)

booth_suspensions = Table(  # a booth's sync stopped by HQ after a fork (step 4), until staff resume it
    "booth_suspensions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("booth_id", String(64), nullable=False),
    Column("suspended_at", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("resumed_at", BigInteger),
    Column("resumed_by", Text),
    Column("note", Text),
    # step 7: staff resumed it as restored from a backup (``booth resume --restored``): HQ held its
    # records up to here; until it sends records past them its heads are not judged (it takes them back)
    Column("restored_seq", BigInteger),
    Index("booth_suspensions_booth", "booth_id", "resumed_at"),
)

request_nonces = Table(  # step 5: nonces of booth-signed requests, kept for the time window (replays refused)
    "request_nonces",
    metadata,
    Column("booth_id", String(64), nullable=False),
    Column("nonce", String(32), nullable=False),  # hex of the 16 random bytes
    Column("t", BigInteger, nullable=False),  # the request's signed time: pruned once out of the window
    PrimaryKeyConstraint("booth_id", "nonce"),
    Index("request_nonces_t", "t"),
)

booth_heads = Table(  # step 5: ledger heads a booth signed before HQ got those records (fork evidence)
    "booth_heads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("booth_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("at", BigInteger, nullable=False),  # HQ time heard
    Column("evidence", LargeBinary, nullable=False),  # the signed request header (COSE_Sign1) that told it
    Index("booth_heads_booth_seq", "booth_id", "seq"),
)

# Added after the first release (step 2 of the migrations):
records_officer = Index("records_officer", records.c.checkpoint, records.c.officer)  # analytics: per officer
# the dashboard's officer page (an officer's latest records) and the outlier rules' evidence, in time order
records_officer_at = Index("records_officer_at", records.c.checkpoint, records.c.officer, records.c.at)

# -- derived state (sync.hq.analytics.derived_state): kept up to date by ``analyse``, rebuilt from
# ``records`` by ``analyse(..., full=True)``; nothing else writes it.

analysis_watermarks = Table(
    "analysis_watermarks",
    metadata,
    Column("booth_id", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),  # the booth's records 1..seq are in the derived tables
)

permit_state = Table(
    "permit_state",
    metadata,
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
)

officer_stats = Table(
    "officer_stats",
    metadata,
    Column("checkpoint", Text, nullable=False),
    Column("officer", Text, nullable=False),
    Column("scans", BigInteger, nullable=False),
    Column("overrides", BigInteger, nullable=False),
    Column("manual", BigInteger, nullable=False),  # scans of permits typed in by hand
    Column("odd_hours", BigInteger, nullable=False),  # scans between 00:00 and 04:00 local time
    Column("last_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("checkpoint", "officer"),
)

clock_skew_seen = Table(  # the clock_skew rule raises once per booth and boot, on its first record ahead
    "clock_skew_seen",
    metadata,
    Column("booth_id", String(64), nullable=False),
    Column("boot_id", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    PrimaryKeyConstraint("booth_id", "boot_id"),
)

analysis_revocations = Table(  # HQ's revocations as the last analyse saw them: changed ones are checked in full
    "analysis_revocations",
    metadata,
    Column("permit_no", Text, primary_key=True),
    Column("revoked_at", BigInteger, nullable=False),
)

analysis_single = Table(  # step 3: HQ's single-entry permits as the last analyse saw them (like revocations)
    "analysis_single",
    metadata,
    Column("permit_no", Text, primary_key=True),
)

# -- the dashboard's staff (sync.hq.dashboard.staff)

staff = Table(
    "staff",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("failed", Integer, nullable=False, default=0),
    Column("locked_until", BigInteger),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
    Column("language", String(8), nullable=False, server_default="en"),  # step 6: the dashboard's language
)

_staff_v2 = Table(  # staff as step 2 made it (before step 6's language), in a metadata of its own
    "staff",
    MetaData(),
    *(
        Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
        for c in staff.columns
        if c.name != "language"
    ),
)

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True),  # SHA-256 of the cookie's token, never the token
    Column("username", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_used", BigInteger, nullable=False),
)

alert_acks = Table(  # who acknowledged an alert on the dashboard, when, with what note
    "alert_acks",
    metadata,
    Column("alert_id", Integer, primary_key=True),
    Column("username", String(64), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("note", Text, nullable=False, default=""),
)

# -- versions

schema_version = Table(  # one row per migration step applied
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("what", Text, nullable=False),
    Column("applied_at", BigInteger, nullable=False),
)


@dataclass(frozen=True)
class Migration:
    version: int
    what: str
    apply: Callable[[Connection], None]


def _create(*tables: Table, indexes: tuple[str, ...] = ()) -> Callable[[Connection], None]:
    """Create ``tables`` (without their indexes) and the named indexes, each unless it exists."""

    def apply(conn: Connection) -> None:
        for table in tables:
            conn.execute(CreateTable(table, if_not_exists=True))
        for name in indexes:
            conn.execute(CreateIndex(_index(name), if_not_exists=True))

    return apply


def _add_column(table: Table, name: str) -> Callable[[Connection], None]:
    """Add the column ``name`` of ``table`` (as ``metadata`` defines it, with its server default)."""

    def apply(conn: Connection) -> None:
        column = table.c[name]
        kind = column.type.compile(dialect=conn.dialect)
        default = f" DEFAULT '{column.server_default.arg}'" if column.server_default is not None else ""
        null = "" if column.nullable else " NOT NULL"
        conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}{default}{null}"))

    return apply


def _index(name: str) -> Index:
    return next(i for table in metadata.tables.values() for i in table.indexes if i.name == name)


def _add_column(table: Table, name: str) -> Callable[[Connection], None]:
    """Add a nullable column of ``table`` as it is now, unless it exists."""

    def apply(conn: Connection) -> None:
        if name in {c["name"] for c in inspect(conn).get_columns(table.name)}:
            return
        column = table.c[name]
        kind = column.type.compile(dialect=conn.dialect)
        conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}"))

    return apply


# booth_suspensions as step 4 made it (step 7 adds restored_seq)
_booth_suspensions_4 = Table(
    "booth_suspensions",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("booth_id", String(64), nullable=False),
    Column("suspended_at", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("resumed_at", BigInteger),
    Column("resumed_by", Text),
    Column("note", Text),
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "the sync store: booths, records, receipts, fork evidence, alerts",
        _create(
            meta,
            booths,
            records,
            receipts,
            forks,
            alerts,
            indexes=("records_permit_no", "records_at", "forks_booth_wire"),
        ),
    ),
    Migration(
        2,
        "what was made on first use before versions: the analytics' indexes and derived state, "
        "the dashboard's staff accounts, sessions and acknowledgements",
        _create(
            analysis_watermarks,
            permit_state,
            officer_stats,
            clock_skew_seen,
            analysis_revocations,
            _staff_v2,
            staff_sessions,
            alert_acks,
            schema_version,
            indexes=(
                "alerts_kind",
                "records_officer",
                "records_officer_at",
                "permit_state_inside",
                "permit_state_at",
                "permit_state_overstay",
            ),
        ),
    ),
    Migration(
        3,
        "booths moved between checkpoints (who, when, from which bundle version); the single-entry "
        "permits the last analyse saw",
        _create(booth_moves, analysis_single, indexes=("booth_moves_booth",)),
    ),
    Migration(
        4,
        "a booth's sync suspended after a fork until HQ staff resume it (who, when, why)",
        _create(_booth_suspensions_4, indexes=("booth_suspensions_booth",)),
    ),
    Migration(
        5,
        "booth-signed requests: nonces seen within the time window; ledger heads heard before their records",
        _create(request_nonces, booth_heads, indexes=("request_nonces_t", "booth_heads_booth_seq")),
    ),
    Migration(
        6,
        "each staff member's dashboard language (en, km or th)",
        _add_column(staff, "language"),
    ),
    Migration(
        7,
        "a booth resumed as restored from a backup: the sequence HQ held when staff decided",
        _add_column(booth_suspensions, "restored_seq"),
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
_PG_LOCK = 0x424F4F54_48510001  # pg_advisory_xact_lock key: "BOOTHQ" migrations


def version_of(conn: Connection) -> int:
    """The database's schema version (0: empty); reads only. The higher of the newest step in
    ``schema_version`` and ``meta.schema_version`` (all there was before that table)."""
    tables = set(inspect(conn).get_table_names())
    found = 0
    if schema_version.name in tables:
        found = conn.execute(select(func.max(schema_version.c.version))).scalar() or 0
    if meta.name in tables:
        value = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
        found = max(found, int(value) if value is not None else 0)
    return int(found)


def migrate(engine: Engine, *, now: int | None = None) -> int:
    """Bring the database to ``SCHEMA_VERSION``; return the version it had. Refuses a newer one untouched."""
    with engine.connect() as conn:
        found = _check(version_of(conn))
    if found == SCHEMA_VERSION:
        return found
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        found = _check(version_of(conn))  # again, now that this open is the only one migrating
        at = int(time.time()) if now is None else now
        for step in MIGRATIONS[found:]:
            step.apply(conn)
        known = set(conn.execute(select(schema_version.c.version)).scalars())
        if found and 1 not in known:
            conn.execute(
                insert(schema_version).values(
                    version=1, what=MIGRATIONS[0].what + " (found, made before versioned migrations)", applied_at=at
                )
            )
        for step in MIGRATIONS[found:]:
            conn.execute(insert(schema_version).values(version=step.version, what=step.what, applied_at=at))
        _set_meta_version(conn)
    return found


def _check(version: int) -> int:
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"the sync database was written by a newer Booth (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); it was left untouched: upgrade Booth HQ first"
        )
    return version


def _set_meta_version(conn: Connection) -> None:
    value = str(SCHEMA_VERSION)
    done = conn.execute(update(meta).where(meta.c.key == "schema_version").values(value=value))
    if done.rowcount == 0:
        conn.execute(insert(meta).values(key="schema_version", value=value))
