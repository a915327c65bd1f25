"""HQ's sync store: enrolled booths, their records, receipts, fork evidence and alerts.

SQLAlchemy Core over SQLite (the default, ``<data-dir>/hq-sync.db``) or PostgreSQL
(``postgresql+psycopg://...``). ``accept_batch`` is the heart of the sync contract; every
decision it takes about a booth happens in one transaction that holds that booth's row
(``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so two requests for
the same booth are decided one after the other, and the records' primary key backs this up.

Re-sending a batch HQ already holds returns the receipt HQ gave for a batch ending at the
same sequence, byte for byte. If the booth re-batched (HQ acknowledged 1..50 as one batch and
the booth now resends 1..20), HQ signs a receipt for the stored record 20, keeps it, and
returns that one from then on.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError

from sync.hq import chain_check, schema
from sync.hq.enrolment import check_booth_id, new_token, token_hash, token_matches, valid_booth_id
from sync.hq.errors import EnrolmentRefused, HQError, SchemaTooNew, SyncRefused, UnknownRecord
from sync.hq.schema import (
    alert_acks,
    alerts,
    booth_heads,
    booth_moves,
    booth_suspensions,
    booths,
    forks,
    receipts,
    records,
    request_nonces,
)
from sync.hq.signers import OnlineSigner
from sync.protocol.batch import Batch, BatchRefused, Receipt, open_batch, sign_receipt
from sync.protocol.bundle import BoothEntry
from sync.protocol.errors import KeyFileError
from sync.protocol.files import sqlite_read_only
from sync.protocol.keys import kid_of, public_from_raw
from sync.protocol.records import FIELDS, Record, genesis_hash
from sync.protocol.request_auth import WINDOW, SignedRequest

log = logging.getLogger(__name__)
# A fork stops the booth's sync until HQ staff look into it (``booth-hq booth resume``);
# its evidence is kept, but never more than this many batches per booth (each up to MAX_WIRE).
MAX_FORKS_KEPT = 3
SUSPENDED_DETAIL = "HQ suspended this booth's sync after a fork: HQ staff must look into it and resume it"
DATABASE_FILE = "hq-sync.db"
# Heads a booth signed before HQ got those records: the newest this many per booth are kept
# (one is enough to catch a rewrite below it; older ones only add evidence).
MAX_HEADS_KEPT = 500
KIDS_REREAD_S = 1.0  # a key id not known is looked up in the database at most this often
PRUNE_EVERY = 60  # seconds between two prunings of old request nonces (by each HQ process)
_INT64 = 2**63
T = TypeVar("T")


@dataclass(frozen=True)
class AcceptResult:
    status: str  # accepted | duplicate
    booth_id: str
    acked_seq: int  # the sequence the receipt acknowledges
    head_hash: str
    receipt: bytes
    stored: int  # records newly stored by this batch


@dataclass(frozen=True)
class BoothInfo:
    booth_id: str
    checkpoint: str
    public_key: bytes | None
    created_at: int
    enrolled_at: int | None
    revoked: bool
    revoked_at: int | None
    last_seen: int | None
    acked_seq: int
    head_hash: str | None

    @property
    def state(self) -> str:
        return "revoked" if self.revoked else "enrolled" if self.public_key else "waiting"

    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["public_key"] = self.public_key.hex() if self.public_key else None
        return {**out, "state": self.state}


@dataclass(frozen=True)
class Alert:
    id: int
    kind: str
    booth_id: str | None
    seq: int | None
    detail: str
    raised_at: int
    acknowledged: bool

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{Path(data_dir).resolve() / DATABASE_FILE}"


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves, below
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock first: no upgrade deadlocks

    return engine


def read_only_engine(path: Path) -> Engine:
    """An engine over a SQLite file opened read-only (``sync.protocol.files.sqlite_read_only``)."""
    if not path.exists():
        raise HQError(f"no sync database at {path}")
    return create_engine("sqlite://", creator=lambda: sqlite_read_only(path))


class SyncStore:
    def __init__(self, url: str, *, read_only: bool = False) -> None:
        """``read_only``: a SQLite file on a read-only folder, read and never written nor migrated."""
        self.url = url
        self._pruned_at = 0
        self._kids: dict[bytes, tuple[str, bytes]] = {}  # key id -> (booth id, public key): key_of_kid
        self._kids_read_at = float("-inf")
        if read_only and url.startswith("sqlite:///"):
            self.engine = read_only_engine(Path(url.removeprefix("sqlite:///")))
            self._check_version()
            return
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine = make_engine(url)
            self._migrate()
        except (ArgumentError, OperationalError, ImportError) as exc:
            raise HQError(f"cannot open the sync database {_safe_url(url)}: {str(exc).splitlines()[0]}") from None

    @classmethod
    def open(cls, data_dir: Path, url: str | None = None, *, read_only: bool = False) -> SyncStore:
        return cls(url or default_url(data_dir), read_only=read_only)

    def _check_version(self) -> None:
        with self.engine.connect() as conn:
            found = schema.version_of(conn)
        if found != schema.SCHEMA_VERSION:
            self.engine.dispose()
            raise HQError(
                f"the sync database is schema {found}, this Booth reads {schema.SCHEMA_VERSION}: "
                "open a writable copy once to upgrade it"
            )

    def close(self) -> None:
        self.engine.dispose()

    def _migrate(self) -> None:
        try:
            schema.migrate(self.engine)
        except SchemaTooNew:
            self.engine.dispose()
            raise

    def _retry_once(self, work: Callable[[], T]) -> T:
        """Run ``work`` (one transaction); if a concurrent writer won a key race, decide again."""
        try:
            return work()
        except IntegrityError:
            log.info("concurrent write detected; deciding again")
            return work()

    # -- booths
    def add_booth(self, booth_id: str, checkpoint: str, *, now: int) -> str:
        """Register a booth before enrolment; return its one-time token (HQ keeps only a hash)."""
        check_booth_id(booth_id)
        token = new_token()
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(booths).values(
                        booth_id=booth_id,
                        checkpoint=checkpoint,
                        token_hash=token_hash(token),
                        token_used=False,
                        created_at=now,
                        revoked=False,
                        acked_seq=0,
                    )
                )
        except IntegrityError:
            raise HQError(f"booth {booth_id} already exists; a replaced booth gets a new id") from None
        return token

    def enrol(self, booth_id: str, token: str, public_key: bytes, *, now: int) -> BoothInfo:
        """Pin the booth's public key, using up its token. Unknown booth, wrong token, or a used token
        with another key: EnrolmentRefused (the same token and key again is answered again)."""
        try:
            public_from_raw(public_key)
        except ValueError:
            raise KeyFileError("not an Ed25519 public key") from None
        if not valid_booth_id(booth_id):
            raise EnrolmentRefused("unknown booth or wrong token")
        with self.engine.begin() as conn:
            row = conn.execute(select(booths).where(booths.c.booth_id == booth_id).with_for_update()).one_or_none()
            if row is None or row.revoked or not token_matches(token, row.token_hash):
                raise EnrolmentRefused("unknown booth, wrong token, or a token already used")
            if row.token_used:
                # The same token with the same key again: the booth never got our answer (a dropped
                # connection). Answering again changes nothing and hands out nothing secret.
                if row.public_key != public_key.hex():
                    raise EnrolmentRefused("unknown booth, wrong token, or a token already used")
                log.info("booth %s enrolment repeated (same key)", booth_id)
                return _booth_info(row)
            conn.execute(
                update(booths)
                .where(booths.c.booth_id == booth_id)
                .values(public_key=public_key.hex(), token_used=True, enrolled_at=now, last_seen=now)
            )
        log.info("booth %s enrolled", booth_id)
        self._kids[kid_of(public_key)] = (booth_id, public_key)  # known at once to this process's calls
        return self.booth(booth_id)

    def reissue_token(self, booth_id: str) -> str:
        """A new one-time token for a booth not yet enrolled (the old one stops working)."""
        token = new_token()
        with self.engine.begin() as conn:
            row = conn.execute(select(booths).where(booths.c.booth_id == booth_id).with_for_update()).one_or_none()
            if row is None:
                raise UnknownRecord(f"no booth {booth_id!r}")
            if row.revoked or row.token_used:
                state = "revoked" if row.revoked else "already enrolled"
                raise HQError(f"booth {booth_id} is {state}; a new token is only for a booth still waiting to enrol")
            conn.execute(update(booths).where(booths.c.booth_id == booth_id).values(token_hash=token_hash(token)))
        log.info("booth %s enrolment token reissued", booth_id)
        return token

    def revoke_booth(self, booth_id: str, *, now: int) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(booths).where(booths.c.booth_id == booth_id).values(revoked=True, revoked_at=now)
            )
        if done.rowcount == 0:
            raise UnknownRecord(f"no booth {booth_id!r}")

    def booth(self, booth_id: str) -> BoothInfo:
        with self.engine.connect() as conn:
            row = conn.execute(select(booths).where(booths.c.booth_id == booth_id)).one_or_none()
        if row is None:
            raise UnknownRecord(f"no booth {booth_id!r}")
        return _booth_info(row)

    def booth_by_kid(self, kid: bytes) -> BoothInfo | None:
        """The enrolled (or revoked) booth whose key has this key id, read now (revoked or not)."""
        known = self.key_of_kid(kid)
        if known is None:
            return None
        try:
            return self.booth(known[0])
        except UnknownRecord:
            return None

    def key_of_kid(self, kid: bytes) -> tuple[str, bytes] | None:
        """The booth id and public key for a key id, from memory when known (every signed call
        asks): a booth's key never changes, a replaced booth gets a new id. Whether it is
        revoked is not remembered: ``hear`` and ``accept_batch`` read that in their transaction."""
        known = self._kids.get(kid)
        if known is None and time.monotonic() - self._kids_read_at >= KIDS_REREAD_S:
            # A miss re-reads the booths at most once a second: a flood of unknown key ids must
            # not cost a read of every booth each (a booth enrolled through this store is added
            # at once; one enrolled through another HQ process is seen within a second).
            self._kids = {kid_of(b.public_key): (b.booth_id, b.public_key) for b in self.booths() if b.public_key}
            self._kids_read_at = time.monotonic()
            known = self._kids.get(kid)
        return known

    def booths(self) -> list[BoothInfo]:
        with self.engine.connect() as conn:
            return [_booth_info(r) for r in conn.execute(select(booths).order_by(booths.c.booth_id))]

    def move_booth(self, booth_id: str, checkpoint: str, *, from_version: int, by: str, now: int) -> str:
        """Reassign a booth to ``checkpoint``: bundles from version ``from_version`` on list it there,
        and its records made under them must carry it (``checkpoint_mismatch``). Returns the old one."""
        with self.engine.begin() as conn:
            row = conn.execute(select(booths).where(booths.c.booth_id == booth_id).with_for_update()).one_or_none()
            if row is None:
                raise UnknownRecord(f"no booth {booth_id!r}")
            if row.checkpoint == checkpoint:
                raise HQError(f"booth {booth_id} is already at {checkpoint}")
            conn.execute(update(booths).where(booths.c.booth_id == booth_id).values(checkpoint=checkpoint))
            conn.execute(
                insert(booth_moves).values(
                    booth_id=booth_id,
                    previous=row.checkpoint,
                    checkpoint=checkpoint,
                    from_version=from_version,
                    moved_at=now,
                    moved_by=by,
                )
            )
        log.info("booth %s moved from %s to %s by %s", booth_id, row.checkpoint, checkpoint, by)
        return str(row.checkpoint)

    def moves(self, booth_id: str | None = None) -> list[dict[str, Any]]:
        query = select(booth_moves).order_by(booth_moves.c.id)
        if booth_id is not None:
            query = query.where(booth_moves.c.booth_id == booth_id)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def entered(self, permits: list[str]) -> tuple[str, ...]:
        """Those of ``permits`` with an entry on record (a valid entry scan or an override), sorted."""
        from sync.hq.analytics.derived_state import CROSSING, chunks

        found: set[str] = set()
        with self.engine.connect() as conn:
            for part in chunks(permits):
                query = (
                    select(records.c.permit_no)
                    .distinct()
                    .where(CROSSING, records.c.direction == "entry", records.c.permit_no.in_(part))
                )
                found.update(conn.execute(query).scalars())
        return tuple(sorted(found))

    def enrolled_booths(self) -> list[BoothEntry]:
        """The booths a trust bundle lists: enrolled and not revoked."""
        return [BoothEntry(b.booth_id, b.checkpoint, b.public_key) for b in self.booths() if b.state == "enrolled"]

    # -- batches
    def accept_batch(self, wire: bytes, now: int, signer: OnlineSigner) -> AcceptResult:
        """Check and store one signed batch; return its receipt, or raise ``BatchRefused``/``SyncRefused``.

        The sender is known before any work is done for it: the key id in the batch's protected
        header names the booth, and its signature is checked before the payload is decoded (and
        before the transaction, being the slow part); the booth's enrolment is checked again
        inside the transaction, with its row held.
        """
        found: list[BoothInfo] = []

        def sender(kid: bytes) -> tuple[str, Ed25519PublicKey]:
            """The booth whose key signed it, checked before its signature and payload are read."""
            info = self.booth_by_kid(kid)
            if info is None or info.public_key is None:
                raise SyncRefused("unenrolled", f"no enrolled booth has key id {kid.hex()}")
            if info.revoked:
                raise SyncRefused("revoked", f"booth {info.booth_id!r} was revoked")
            if self.suspension(info.booth_id) is not None:  # no decoding, no work for it
                raise SyncRefused("suspended", SUSPENDED_DETAIL)
            found.append(info)
            return info.booth_id, public_from_raw(info.public_key)

        batch = open_batch(wire, sender)  # inflated and parsed once
        info = found[0]
        _check_numbers(batch)
        outcome = self._retry_once(lambda: self._decide(batch, wire, info.public_key, now, signer))
        if isinstance(outcome, SyncRefused):
            raise outcome
        return outcome

    def _decide(
        self, batch: Batch, wire: bytes, public_key: bytes, now: int, signer: OnlineSigner
    ) -> AcceptResult | SyncRefused:
        booth_id = batch.booth_id
        with self.engine.begin() as conn:
            row = conn.execute(select(booths).where(booths.c.booth_id == booth_id).with_for_update()).one()
            if row.revoked:
                return SyncRefused("revoked", f"booth {booth_id!r} was revoked")
            if row.public_key != public_key.hex():
                return SyncRefused("unenrolled", f"booth {booth_id!r} changed keys meanwhile")
            if self._active_suspension(conn, booth_id) is not None:
                return SyncRefused("suspended", SUSPENDED_DETAIL)
            acked = row.acked_seq
            stored = self._hashes(conn, booth_id, chain_check.overlap(batch, acked))
            decision = chain_check.decide(batch, acked, stored)
            conn.execute(update(booths).where(booths.c.booth_id == booth_id).values(last_seen=now))
            if decision.kind == chain_check.GAP:
                return SyncRefused("gap", f"HQ holds records up to {acked}; send from {acked + 1}", acked)
            if decision.kind == chain_check.NEW:
                decision = self._against_heads(conn, batch, acked) or decision
            if decision.kind == chain_check.FORK:
                self._keep_fork(conn, batch.booth_id, decision, wire, _batch_fork_detail(batch, decision), now)
                return SyncRefused("fork", f"record {decision.seq} differs from the one HQ {decision.known}", acked)
            if decision.kind == chain_check.DUPLICATE:
                return self._old_receipt(conn, batch, stored[batch.last_seq], now, signer)
            return self._store_new(conn, batch, acked, now, signer)

    @staticmethod
    def _against_heads(conn: Connection, batch: Batch, acked: int) -> chain_check.Decision | None:
        """Fork rule 3: a new record at a sequence whose head the booth signed earlier, hashing differently."""
        query = select(booth_heads.c.seq, booth_heads.c.hash).where(
            booth_heads.c.booth_id == batch.booth_id, booth_heads.c.seq.between(acked + 1, batch.last_seq)
        )
        offered = {r.seq: r.hash for r in batch.records}
        for seq, digest in conn.execute(query.order_by(booth_heads.c.seq, booth_heads.c.id)):
            if offered[seq] != digest:
                return chain_check.Decision(chain_check.FORK, seq, digest, offered[seq], known="heard as its head")
        return None

    @staticmethod
    def _hashes(conn: Connection, booth_id: str, span: tuple[int, int] | None) -> dict[int, str]:
        if span is None:
            return {}
        query = select(records.c.seq, records.c.hash).where(
            records.c.booth_id == booth_id, records.c.seq.between(*span)
        )
        return {seq: h for seq, h in conn.execute(query)}

    def _store_new(self, conn: Connection, batch: Batch, acked: int, now: int, signer: OnlineSigner) -> AcceptResult:
        new = [r for r in batch.records if r.seq > acked]
        conn.execute(insert(records), [{**{f: getattr(r, f) for f in FIELDS}, "received_at": now} for r in new])
        conn.execute(
            update(booths)
            .where(booths.c.booth_id == batch.booth_id)
            .values(acked_seq=batch.last_seq, head_hash=batch.head_hash)
        )
        conn.execute(  # heads heard for these records all matched (_against_heads): no longer needed
            booth_heads.delete().where(booth_heads.c.booth_id == batch.booth_id, booth_heads.c.seq <= batch.last_seq)
        )
        receipt = self._new_receipt(conn, batch.booth_id, batch.last_seq, batch.head_hash, now, signer)
        log.info("booth %s: stored records %d..%d", batch.booth_id, acked + 1, batch.last_seq)
        return AcceptResult("accepted", batch.booth_id, batch.last_seq, batch.head_hash, receipt, len(new))

    def _old_receipt(self, conn: Connection, batch: Batch, head: str, now: int, signer: OnlineSigner) -> AcceptResult:
        query = select(receipts.c.receipt).where(
            receipts.c.booth_id == batch.booth_id, receipts.c.last_seq == batch.last_seq
        )
        receipt = conn.execute(query).scalar()
        if receipt is None:  # the booth batched differently this time: a receipt for the stored record
            receipt = self._new_receipt(conn, batch.booth_id, batch.last_seq, head, now, signer)
        return AcceptResult("duplicate", batch.booth_id, batch.last_seq, head, bytes(receipt), 0)

    @staticmethod
    def _new_receipt(conn: Connection, booth_id: str, seq: int, head: str, now: int, signer: OnlineSigner) -> bytes:
        receipt = sign_receipt(Receipt(booth_id, seq, head, now), signer.key, signer.cert_data)
        conn.execute(insert(receipts).values(booth_id=booth_id, last_seq=seq, head_hash=head, receipt=receipt, at=now))
        return receipt

    def _keep_fork(
        self, conn: Connection, booth_id: str, decision: chain_check.Decision, evidence: bytes, detail: str, now: int
    ) -> None:
        """Keep the signed evidence (a batch, or a request header with a head), raise an alert, and
        suspend the booth's sync until HQ staff resume it: once per distinct piece of evidence, and
        at most ``MAX_FORKS_KEPT`` per booth."""
        digest = hashlib.sha256(evidence).hexdigest()
        kept = conn.execute(select(forks.c.wire_sha256).where(forks.c.booth_id == booth_id)).scalars().all()
        if self._active_suspension(conn, booth_id) is None:
            conn.execute(
                insert(booth_suspensions).values(
                    booth_id=booth_id, suspended_at=now, reason=f"fork at record {decision.seq}"
                )
            )
        if digest in kept or len(kept) >= MAX_FORKS_KEPT:
            return
        conn.execute(
            insert(forks).values(
                booth_id=booth_id,
                seq=decision.seq,
                stored_hash=decision.stored_hash,
                offered_hash=decision.offered_hash,
                wire=evidence,
                wire_sha256=digest,
                received_at=now,
            )
        )
        conn.execute(
            insert(alerts).values(
                kind="fork", booth_id=booth_id, seq=decision.seq, detail=detail, raised_at=now, acknowledged=False
            )
        )
        log.warning("FORK: %s", detail)

    # -- signed requests: nonces and heads
    def hear(self, request: SignedRequest, evidence: bytes, now: int) -> None:
        """Record a verified request's nonce and the head it reports; raise ``SyncRefused``:
        ``replayed`` (nonce seen), ``revoked``/``unenrolled``, or ``fork`` (rules 1 and 2).

        One transaction holding the booth's row, like ``accept_batch``: the nonces' primary key
        makes two HQ processes on one database agree that a nonce is used once."""
        self._prune_nonces(now)
        try:
            outcome = self._hear(request, evidence, now)
        except IntegrityError:  # the same nonce, committed meanwhile by another request
            outcome = SyncRefused("replayed", "this signed request was already used")
        if outcome is not None:
            raise outcome

    def _hear(self, request: SignedRequest, evidence: bytes, now: int) -> SyncRefused | None:
        booth_id, head = request.booth_id, request.head
        with self.engine.begin() as conn:
            row = conn.execute(select(booths).where(booths.c.booth_id == booth_id).with_for_update()).one_or_none()
            if row is None or row.public_key is None or kid_of(bytes.fromhex(row.public_key)) != request.kid:
                return SyncRefused("unenrolled", f"booth {booth_id!r} has no enrolled key with this key id")
            if row.revoked:
                return SyncRefused("revoked", f"booth {booth_id!r} was revoked")
            # a used nonce fails the primary key (IntegrityError: ``hear`` answers "replayed")
            conn.execute(insert(request_nonces).values(booth_id=booth_id, nonce=request.nonce.hex(), t=request.t))
            conn.execute(update(booths).where(booths.c.booth_id == booth_id).values(last_seen=now))
            if self._restoring(conn, booth_id, row.acked_seq):
                return None  # resumed as restored from a backup: its head is judged again once it sends past HQ's
            fork = self._check_head(conn, booth_id, row.acked_seq, head.seq, head.hash, evidence, now)
            if fork is None or self._fork_known(conn, booth_id, fork):
                return None  # a fork already on record: the booth is suspended (or staff resumed it); reads go on
            detail = (
                f"booth {booth_id} signed head {head.seq} ({head.hash[:16]}) while HQ {fork.known} "
                f"{fork.stored_hash[:16]} at record {fork.seq}: its history was rewritten"
            )
            self._keep_fork(conn, booth_id, fork, evidence, detail, now)
        return SyncRefused("fork", f"head {head.seq} differs from the record HQ {fork.known}", row.acked_seq)

    @staticmethod
    def _decision_row(conn: Connection, booth_id: str, at: int) -> Any:
        """A suspension row standing for a restore decision taken while the booth was not suspended."""
        conn.execute(
            insert(booth_suspensions).values(
                booth_id=booth_id, suspended_at=at, reason="restored from a backup (no fork on record)"
            )
        )
        return SyncStore._active_suspension(conn, booth_id)

    @staticmethod
    def _restoring(conn: Connection, booth_id: str, acked: int) -> bool:
        """Staff resumed the booth as restored from a backup and it has sent nothing past what HQ held then."""
        query = (
            select(booth_suspensions.c.restored_seq)
            .where(booth_suspensions.c.booth_id == booth_id)
            .order_by(booth_suspensions.c.id.desc())
            .limit(1)
        )
        restored = conn.execute(query).scalar()
        return restored is not None and acked <= restored

    @staticmethod
    def _fork_known(conn: Connection, booth_id: str, fork: chain_check.Decision) -> bool:
        query = select(forks.c.id).where(
            forks.c.booth_id == booth_id, forks.c.seq == fork.seq, forks.c.offered_hash == fork.offered_hash
        )
        return conn.execute(query).first() is not None

    def _check_head(
        self, conn: Connection, booth_id: str, acked: int, seq: int, digest: str, evidence: bytes, now: int
    ) -> chain_check.Decision | None:
        """Fork rules 1 and 2 for a reported head; a new pending head is kept, a matching old one dropped."""
        if seq <= acked:  # rule 1: HQ holds that record
            stored = genesis_hash(booth_id) if seq == 0 else self._hashes(conn, booth_id, (seq, seq))[seq]
            if stored != digest:
                return chain_check.Decision(chain_check.FORK, seq, stored, digest, known="acknowledged")
            return None
        query = select(booth_heads.c.hash).where(booth_heads.c.booth_id == booth_id, booth_heads.c.seq == seq)
        heard = conn.execute(query.order_by(booth_heads.c.id)).scalars().all()
        for other in heard:  # rule 2: two signed heads at one sequence
            if other != digest:
                return chain_check.Decision(chain_check.FORK, seq, other, digest, known="heard as its head")
        if not heard:
            conn.execute(insert(booth_heads).values(booth_id=booth_id, seq=seq, hash=digest, at=now, evidence=evidence))
            self._trim_heads(conn, booth_id)
        return None

    @staticmethod
    def _trim_heads(conn: Connection, booth_id: str) -> None:
        """Keep the newest ``MAX_HEADS_KEPT`` pending heads of the booth."""
        oldest_kept = (
            select(booth_heads.c.id)
            .where(booth_heads.c.booth_id == booth_id)
            .order_by(booth_heads.c.id.desc())
            .offset(MAX_HEADS_KEPT - 1)
            .limit(1)
        )
        cut = conn.execute(oldest_kept).scalar()
        if cut is not None:
            conn.execute(booth_heads.delete().where(booth_heads.c.booth_id == booth_id, booth_heads.c.id < cut))

    def _prune_nonces(self, now: int) -> None:
        """Forget nonces whose time is out of the window (a replay of them is refused as stale)."""
        if now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        with self.engine.begin() as conn:
            conn.execute(request_nonces.delete().where(request_nonces.c.t < now - 2 * WINDOW))

    def heads(self, booth_id: str) -> list[dict[str, Any]]:
        """The heads the booth signed that HQ has no records for yet, oldest first."""
        query = select(booth_heads).where(booth_heads.c.booth_id == booth_id).order_by(booth_heads.c.id)
        with self.engine.connect() as conn:
            return [{**row._mapping, "evidence": bytes(row.evidence)} for row in conn.execute(query)]

    # -- suspensions
    @staticmethod
    def _active_suspension(conn: Connection, booth_id: str) -> Any:
        query = select(booth_suspensions).where(
            booth_suspensions.c.booth_id == booth_id, booth_suspensions.c.resumed_at.is_(None)
        )
        return conn.execute(query.order_by(booth_suspensions.c.id.desc()).limit(1)).first()

    def suspension(self, booth_id: str) -> dict[str, Any] | None:
        """The booth's open suspension (since when, why), or None when it may sync."""
        with self.engine.connect() as conn:
            row = self._active_suspension(conn, booth_id)
        return dict(row._mapping) if row is not None else None

    def resume(self, booth_id: str, *, by: str, note: str, at: int, restored: bool = False) -> None:
        """HQ staff decided, after a fork, that the booth may sync again: recorded with who, when, why.

        ``restored``: the fork came from a booth restored from a backup that recorded before
        taking back HQ's records; until it sends records past those HQ holds now, its signed
        heads are not judged, so it can take them back (``booth sync restore --replace-local-tail``)."""
        if not note.strip():
            raise HQError("write what was decided (--note): resuming a booth after a fork is on record")
        with self.engine.begin() as conn:
            row = self._active_suspension(conn, booth_id)
            acked = conn.execute(select(booths.c.acked_seq).where(booths.c.booth_id == booth_id)).scalar()
            if row is None and restored and acked is not None:
                # the booth found HQ's receipt contradicting it before it sent anything: no
                # suspension to end, but the decision is recorded the same way
                row = self._decision_row(conn, booth_id, at)
            if row is None:
                raise UnknownRecord(f"booth {booth_id!r} is not suspended")
            conn.execute(
                update(booth_suspensions)
                .where(booth_suspensions.c.id == row.id)
                .values(resumed_at=at, resumed_by=by, note=note.strip(), restored_seq=acked if restored else None)
            )
            # the heads heard before are what the fork was judged against (its evidence is in
            # ``forks``): staff decided, so the booth's records are judged from here on
            conn.execute(booth_heads.delete().where(booth_heads.c.booth_id == booth_id))
        log.warning("booth %s resumed by %s: %s", booth_id, by, note)

    # -- reading
    def latest_receipt(self, booth_id: str) -> bytes | None:
        if not valid_booth_id(booth_id):
            return None
        query = (
            select(receipts.c.receipt)
            .where(receipts.c.booth_id == booth_id)
            .order_by(receipts.c.last_seq.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            found = conn.execute(query).scalar()
        return bytes(found) if found is not None else None

    def records(self, booth_id: str, first: int = 1, last: int | None = None) -> Iterator[Record]:
        query = select(*(records.c[f] for f in FIELDS)).where(records.c.booth_id == booth_id, records.c.seq >= first)
        if last is not None:
            query = query.where(records.c.seq <= last)
        with self.engine.connect() as conn:
            for row in conn.execute(query.order_by(records.c.seq)):
                yield Record(**row._mapping)

    def forks(self, booth_id: str | None = None) -> list[dict[str, Any]]:
        query = select(forks).order_by(forks.c.id)
        if booth_id is not None:
            query = query.where(forks.c.booth_id == booth_id)
        with self.engine.connect() as conn:
            return [{**row._mapping, "wire": bytes(row.wire)} for row in conn.execute(query)]

    def alerts(self, *, include_acknowledged: bool = False) -> list[Alert]:
        query = select(alerts).order_by(alerts.c.id)
        if not include_acknowledged:
            query = query.where(alerts.c.acknowledged.is_(False))
        with self.engine.connect() as conn:
            return [Alert(**row._mapping) for row in conn.execute(query)]

    def acknowledge_alert(self, alert_id: int, *, by: str, at: int, note: str = "") -> bool:
        """Mark an alert acknowledged by ``by``, in one transaction with who, when and the note
        (the dashboard and ``booth-hq alerts --ack`` alike). False if it already was (the first
        acknowledgement stands); ``UnknownRecord`` if there is no such alert."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(alerts)
                .where(alerts.c.id == alert_id, alerts.c.acknowledged.is_(False))
                .values(acknowledged=True)
            )
            if done.rowcount == 0:
                if conn.execute(select(alerts.c.id).where(alerts.c.id == alert_id)).first() is None:
                    raise UnknownRecord(f"no alert {alert_id}")
                return False
            conn.execute(insert(alert_acks).values(alert_id=alert_id, username=by, at=at, note=note))
        return True

    def stats(self) -> list[dict[str, Any]]:
        """Per booth: state, last seen, acknowledged sequence, records, forks, open alerts."""
        counts = {}
        with self.engine.connect() as conn:
            for name, table, where in (
                ("records", records, None),
                ("forks", forks, None),
                ("open_alerts", alerts, alerts.c.acknowledged.is_(False)),
            ):
                query = select(table.c.booth_id, func.count()).group_by(table.c.booth_id)
                if where is not None:
                    query = query.where(where)
                counts[name] = dict(conn.execute(query).all())
            suspended = set(
                conn.execute(select(booth_suspensions.c.booth_id).where(booth_suspensions.c.resumed_at.is_(None)))
                .scalars()
                .all()
            )
        return [
            {
                "booth_id": b.booth_id,
                "checkpoint": b.checkpoint,
                "state": "suspended" if b.booth_id in suspended and b.state == "enrolled" else b.state,
                "last_seen": b.last_seen,
                "acked_seq": b.acked_seq,
                **{name: counts[name].get(b.booth_id, 0) for name in counts},
            }
            for b in self.booths()
        ]


def _booth_info(row: Any) -> BoothInfo:
    return BoothInfo(
        booth_id=row.booth_id,
        checkpoint=row.checkpoint,
        public_key=bytes.fromhex(row.public_key) if row.public_key else None,
        created_at=row.created_at,
        enrolled_at=row.enrolled_at,
        revoked=bool(row.revoked),
        revoked_at=row.revoked_at,
        last_seen=row.last_seen,
        acked_seq=row.acked_seq,
        head_hash=row.head_hash,
    )


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable URL)"


def _batch_fork_detail(batch: Batch, decision: chain_check.Decision) -> str:
    return (
        f"booth {batch.booth_id} sent a signed batch ({batch.first_seq}..{batch.last_seq}) whose "
        f"record {decision.seq} differs from the one HQ {decision.known}: its history was rewritten"
    )


def _check_numbers(batch: Batch) -> None:
    """Sequences start at 1 and every integer fits the database's 64 bits."""
    if isinstance(batch.first_seq, bool) or batch.first_seq < 1:
        raise BatchRefused("bad_format", "sequence numbers start at 1")
    for record in batch.records:
        for name in ("seq", "at", "mono_ns", "shift_id", "expires", "stay_days", "bundle_version", "ref_seq"):
            value = getattr(record, name)
            if value is not None and not -_INT64 <= value < _INT64:
                raise BatchRefused("bad_format", f"record {record.seq}: {name} is out of range")
