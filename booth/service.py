"""The booth's operations: what the command line and the GUI both call.

Each operation is one short function over the ledger, the trust store and the rules; no
caller touches SQL or the chain. Times come from one injected ``Clock``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from threading import Event

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from booth import rules
from booth.clock import Clock, SystemClock, boot_id
from booth.errors import (
    BoothError,
    ConfigError,
    LockedOut,
    NotSupervisor,
    OfficerDisabled,
    OfficerRefused,
    OverrideRefused,
    PinPolicyError,
    TrustError,
    UnknownOfficer,
    WrongPin,
)
from booth.ledger.state import Replay
from booth.ledger.store import Acked, Ledger, Officer, ShiftRow
from booth.ledger.verify import ChainReport, verify_chain
from booth.pins import FOREVER, after_failure, check_policy, hash_pin, pin_matches
from booth.reasons import Reason
from booth.report.model import Report, ReportFilter, build_report, sync_note
from booth.report.model import zone as report_zone
from booth.report.signature import ExportInvalid, Manifest
from booth.report.signature import verify as verify_signature
from booth.report.signed_export import ExportResult, check_records
from booth.report.signed_export import export as write_export
from booth.settings import BoothSettings, load_settings, save_settings
from booth.trust import TrustStore, fresher_statement
from sync.protocol import keys
from sync.protocol.bundle import TrustBundle
from sync.protocol.files import atomic_write
from sync.protocol.records import AUDIT, CHANNELS, ENTRY, EXIT, OVERRIDE, SCAN, Record
from sync.protocol.times import iso
from sync.protocol.watchlist import WatchlistKey

log = logging.getLogger(__name__)
LEDGER_FILE = "ledger.db"
KEY_PEM = "keys/booth.pem"  # the booth's own key, 0600 (docs/threat-model.md)
KEY_URI = "keys/booth.uri"  # or: the pkcs11: URI of its key in a token (booth init --key-token)
ROLES = ("officer", "supervisor")
MIN_OVERRIDE_REASON = 5
RESTORE_ACTION = "restore"  # audit: records taken back from HQ after the booth was restored from a backup
# A permit the booth could not trust at all (not ours, forged, damaged, a stolen key): letting
# its holder through takes two supervisors, and HQ raises an alert on every such override.
TWO_SUPERVISORS = frozenset(
    {Reason.UNREADABLE, Reason.UNKNOWN_ISSUER, Reason.BAD_SIGNATURE, Reason.BAD_FORMAT, Reason.ISSUER_REVOKED}
)


@dataclass(frozen=True)
class Session:
    """An officer who has logged in, and the shift their records belong to."""

    officer: str
    role: str
    shift_id: int | None  # None for a supervisor who only authorises (an override), not on shift


@dataclass(frozen=True)
class ScanOutcome:
    verdict: rules.Verdict
    record: Record

    def to_json(self) -> dict:
        return {
            **self.verdict.to_json(),
            "seq": self.record.seq,
            "hash": self.record.hash,
            "direction": self.record.direction,
        }


class Booth:
    def __init__(
        self, data_dir: Path, *, clock: Clock | None = None, busy_timeout_ms: int | None = None, read_only: bool = False
    ) -> None:
        """Open the booth in ``data_dir``; ``read_only`` (the read commands) writes nothing there."""
        settings = load_settings(data_dir)
        if settings is None:
            raise ConfigError(f"{data_dir} is not a booth; run `booth init --booth-id ID --checkpoint CODE`")
        self.data_dir = data_dir
        self.settings: BoothSettings = settings
        self.clock: Clock = clock or SystemClock()
        kwargs = {"busy_timeout_ms": busy_timeout_ms} if busy_timeout_ms is not None else {}
        self.ledger = Ledger.open(data_dir / LEDGER_FILE, read_only=read_only, **kwargs)
        self.trust = TrustStore(data_dir)
        self._boot = boot_id()
        if (bound := self._bound_checkpoint()) and bound != settings.checkpoint:
            self.settings = replace(settings, checkpoint=bound)  # HQ's word; the file is only a cache

    @classmethod
    def init(
        cls,
        data_dir: Path,
        *,
        booth_id: str,
        checkpoint: str,
        clock: Clock | None = None,
        key_token: str | None = None,
    ) -> Booth:
        """Make a new booth: settings, ledger, and the booth's signing key (a 0600 PEM file, or made
        in the PKCS#11 token ``key_token`` names, never leaving it). Never overwrites."""
        cls.refuse_existing(data_dir)
        if not booth_id.strip() or not checkpoint.strip():
            raise ConfigError("booth id and checkpoint must not be empty")
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(data_dir, 0o700)  # whatever mode the folder had: it holds the key and the ledger
        if key_token is not None:
            from booth import token  # python-pkcs11 only on booths that use a token

            token.keygen(key_token)
            (data_dir / "keys").mkdir(mode=0o700, exist_ok=True)
            atomic_write(data_dir / KEY_URI, key_token.encode() + b"\n")
        else:
            keys.save_private(keys.generate(), data_dir / KEY_PEM)
        Ledger.create(data_dir / LEDGER_FILE, booth_id=booth_id, checkpoint=checkpoint).close()
        save_settings(data_dir, BoothSettings(booth_id=booth_id, checkpoint=checkpoint))
        booth = cls(data_dir, clock=clock)
        booth.audit("booth_init", note=f"booth {booth_id} at {checkpoint}")
        return booth

    def signing_key(self) -> Ed25519PrivateKey | keys.Signer:
        """The booth's own key: ``keys/booth.pem``, or the token key ``keys/booth.uri`` names."""
        uri = self.data_dir / KEY_URI
        if uri.exists():
            from booth.token import TokenSigner  # python-pkcs11 only on booths that use a token

            return TokenSigner(uri.read_text().strip())
        return keys.load_private(self.data_dir / KEY_PEM)

    @staticmethod
    def refuse_existing(data_dir: Path) -> None:
        """Raise ``ConfigError`` when ``data_dir`` already holds a booth (it is never overwritten)."""
        if load_settings(data_dir) is not None or (data_dir / LEDGER_FILE).exists():
            raise ConfigError(f"{data_dir} is already a booth; it was left untouched")

    def close(self) -> None:
        self.ledger.close()

    # -- records
    def _new(self, kind: str, **fields: object) -> Record:
        return Record(
            seq=0,
            kind=kind,
            at=self.clock.now(),
            mono_ns=self.clock.monotonic_ns(),
            boot_id=self._boot,
            booth_id=self.ledger.booth_id,
            checkpoint=self.checkpoint,
            **fields,
        )

    def audit(
        self,
        action: str,
        *,
        session: Session | None = None,
        officer: str | None = None,
        note: str | None = None,
        bundle_version: int | None = None,
    ) -> Record:
        """Append an audit event (login, export, bundle install, ...) to the chain."""
        record = self._audit_record(action, session=session, officer=officer, note=note, bundle_version=bundle_version)
        return self.ledger.append(record)

    def restore_records(self, records: list[Record], acked: Acked, *, note: str) -> Record:
        """Take back HQ's copy of records this (restored) ledger lacks, verbatim, and audit it on
        top with ``note``, in one transaction; the acked seq moves to HQ's receipt."""
        return self.ledger.restore(records, self._audit_record(RESTORE_ACTION, note=note), acked)

    def replace_tail(self, keep: int, records: list[Record], acked: Acked, *, by: Session, note: str) -> Record:
        """After a restore the booth forked: its records after ``keep`` (copied aside by the
        caller) give way to HQ's ``records``, a supervisor's decision audited on top with ``note``."""
        who = self._supervisor(by, "replace the booth's records with HQ's")
        return self.ledger.replace_tail(
            keep, records, self._audit_record(RESTORE_ACTION, officer=who, note=note), acked
        )

    def _audit_record(
        self,
        action: str,
        *,
        session: Session | None = None,
        officer: str | None = None,
        note: str | None = None,
        bundle_version: int | None = None,
    ) -> Record:
        return self._new(
            AUDIT,
            action=action,
            officer=session.officer if session else officer,
            shift_id=session.shift_id if session else None,
            note=note,
            bundle_version=bundle_version,
        )

    # -- officers
    def add_officer(self, name: str, role: str, pin: str, *, by: Session | None = None) -> None:
        """Add an officer. Once the booth has a supervisor (``booth init`` makes the first), only a
        supervisor's session (``by``) may add anyone: no one makes themselves a supervisor."""
        if role not in ROLES:
            raise ConfigError(f"role must be one of {', '.join(ROLES)}")
        if not name.strip():
            raise ConfigError("an officer needs a name")
        who = self._supervisor_or_setup(by, "add an officer")
        check_policy(pin)
        pin_hash = hash_pin(pin)  # slow on purpose: outside the write transaction
        with self.ledger.transaction():
            self.ledger.add_officer(name, role, pin_hash, self.clock.now())
            self.ledger.append_in_transaction(self._audit_record("officer_add", note=f"{name} ({role}) by {who}"))

    def unlock(self, name: str, *, by: Session | None = None) -> None:
        self._officer(name)
        who = self._supervisor_or_setup(by, "unlock an officer")
        with self.ledger.transaction():
            self.ledger.set_lock(name, 0, None)
            self.ledger.append_in_transaction(self._audit_record("officer_unlock", officer=name, note=f"by {who}"))

    def disable_officer(self, name: str, *, by: Session) -> None:
        """A supervisor disables an officer: they can no longer log in or authorise anything (their
        records stay theirs). The last enabled supervisor cannot be disabled: someone must be left
        who can enable others. Audited."""
        who = self._supervisor(by, "disable an officer")
        with self.ledger.transaction():
            officer = self._officer(name, enabled_only=False)
            if not officer.active:
                raise OfficerRefused(f"{name} is already disabled")
            supervisors = [o.name for o in self.ledger.officers() if o.role == "supervisor" and o.active]
            if supervisors == [name]:
                raise OfficerRefused(
                    f"{name} is the last enabled supervisor of this booth: add or enable another supervisor first"
                )
            self.ledger.set_active(name, False)
            self.ledger.append_in_transaction(self._audit_record("officer_disable", officer=name, note=f"by {who}"))

    def enable_officer(self, name: str, *, by: Session) -> None:
        """A supervisor enables a disabled officer again (their PIN lock-out, if any, stays). Audited."""
        who = self._supervisor(by, "enable an officer")
        with self.ledger.transaction():
            if self._officer(name, enabled_only=False).active:
                raise OfficerRefused(f"{name} is not disabled")
            self.ledger.set_active(name, True)
            self.ledger.append_in_transaction(self._audit_record("officer_enable", officer=name, note=f"by {who}"))

    def change_pin(self, name: str, old_pin: str, new_pin: str) -> None:
        """An officer changes their own PIN: the old one must be right (a wrong one counts towards
        the lock-out like any other), the new one must meet the policy and differ. Audited."""
        check_policy(new_pin)  # before the old PIN is tried: a refused new PIN costs no attempt
        self.authenticate(name, old_pin)
        if new_pin == old_pin:
            raise PinPolicyError("the new PIN is the old one: choose another")
        pin_hash = hash_pin(new_pin)  # slow on purpose: outside the write transaction
        with self.ledger.transaction():
            self._officer(name)  # still there and enabled
            self.ledger.set_pin_hash(name, pin_hash)
            self.ledger.append_in_transaction(self._audit_record("pin_change", officer=name, note="by themselves"))

    def _supervisor(self, by: Session | None, action: str) -> str:
        """Who acts: a supervisor's session, always (no set-up exception)."""
        if by is None:
            raise NotSupervisor(f"only a supervisor may {action}: give a supervisor's name and PIN")
        return self._supervisor_or_setup(by, action)

    def _supervisor_or_setup(self, by: Session | None, action: str) -> str:
        """Who acts: a supervisor's session, or "setup" while the booth has no supervisor yet."""
        if by is not None:
            if by.role != "supervisor":
                raise NotSupervisor(f"{by.officer} is not a supervisor: only a supervisor may {action}")
            return by.officer
        if any(o.role == "supervisor" and o.active for o in self.ledger.officers()):
            raise NotSupervisor(f"only a supervisor may {action}: give a supervisor's name and PIN")
        return "setup"

    def _officer(self, name: str, *, enabled_only: bool = True) -> Officer:
        officer = self.ledger.officer(name)
        if officer is None:
            raise UnknownOfficer(f"no officer named {name!r} at this booth")
        if enabled_only and not officer.active:
            raise OfficerDisabled(f"{name} is disabled at this booth: a supervisor can enable them again")
        return officer

    def authenticate(self, name: str, pin: str) -> Officer:
        """Check a PIN, enforcing and updating the lock-out; every failure is audited.

        The failure is counted *before* the (slow) hash is computed, in one write transaction
        that also checks the lock: parallel guesses each pay a failure, none slips past the
        count. A right PIN then clears the count."""
        now = self.clock.now()
        with self.ledger.transaction():
            officer = self._officer(name)
            if officer.locked_until is not None and now < officer.locked_until:
                raise LockedOut(_locked_message(name, officer.locked_until, now), officer.locked_until)
            lock = after_failure(officer.failed, now)
            self.ledger.set_lock(name, lock.failed, lock.locked_until)
        if pin_matches(pin, officer.pin_hash):
            with self.ledger.transaction():
                self.ledger.set_lock(name, 0, None)
            return officer
        with self.ledger.transaction():
            self.ledger.append_in_transaction(
                self._audit_record("pin_failed", officer=name, note=f"failure {lock.failed}")
            )
        if lock.locked_until is not None:
            raise LockedOut(_locked_message(name, lock.locked_until, now), lock.locked_until)
        raise WrongPin(f"wrong PIN for {name}")

    def authorise(self, name: str, pin: str) -> Session:
        """A session for one act (an override, adding an officer), without opening a shift."""
        officer = self.authenticate(name, pin)
        return Session(officer.name, self.role_of(officer), None)

    def role_of(self, officer: Officer) -> str:
        """The role an officer acts in: a supervisor of the ledger supervises only if the trust
        bundle names no supervisors for this checkpoint, or names them."""
        if officer.role != "supervisor":
            return officer.role
        try:
            bundle = self.trust.current()
        except TrustError:
            return "officer"  # a damaged trust store grants nothing
        listed = (
            {o.name for o in bundle.officers if o.role == "supervisor" and o.checkpoint in (None, self.checkpoint)}
            if bundle
            else set()
        )
        return "supervisor" if not listed or officer.name in listed else "officer"

    def login(self, name: str, pin: str) -> Session:
        """Authenticate; open the officer's shift if none is open; audit the login."""
        officer = self.authenticate(name, pin)
        with self.ledger.transaction():
            shift = self.ledger.open_shift_id(name)
            if shift is None:
                shift = self.ledger.open_shift(name, self.clock.now())
                self.ledger.append_in_transaction(self._audit_record("shift_open", officer=name, note=f"shift {shift}"))
            session = Session(name, self.role_of(officer), shift)
            self.ledger.append_in_transaction(self._audit_record("login", session=session))
        return session

    def logout(self, session: Session) -> None:
        self.audit("logout", session=session)

    def close_shift(self, session: Session) -> None:
        with self.ledger.transaction():
            self.ledger.close_shift(session.shift_id, self.clock.now())
            self.ledger.append_in_transaction(self._audit_record("shift_close", session=session))

    # -- scanning
    def context(self, direction: str | None = None) -> rules.Context:
        # The clock cannot be earlier than the newest record, nor than the HQ time of the last
        # signed sync receipt (less the tolerance the bundle's HQ time gets: booths drift).
        hq_seen = self.ledger.hq_time_seen()
        floors = [t for t in (self.ledger.last_event_at(), hq_seen and hq_seen - rules.CLOCK_TOLERANCE) if t]
        return rules.Context(
            checkpoint=self.checkpoint,
            now=self.clock.now(),
            bundle=self.bundle(),
            last_event_at=max(floors, default=None),
            direction=direction,
            watch_key=self.trust.watchlist_key(),
        )

    def scan(self, session: Session, text: str, *, direction: str, channel: str) -> ScanOutcome:
        """Judge a scanned text and record it, whatever the verdict; return once it is on disk."""
        if direction not in (ENTRY, EXIT):
            raise ConfigError("direction must be entry or exit")
        if channel not in CHANNELS:
            raise ConfigError(f"channel must be one of {', '.join(CHANNELS)}")
        with self.ledger.transaction():  # judged and recorded atomically: no race on "inside"
            verdict = rules.check(text, self.context(direction), lookup=self.ledger.history)
            record = self.ledger.append_in_transaction(
                _scan_record(
                    self._new(
                        SCAN,
                        officer=session.officer,
                        shift_id=session.shift_id,
                        direction=direction,
                        channel=channel,
                    ),
                    verdict,
                )
            )
        return ScanOutcome(verdict, record)

    def override(self, seq: int, supervisor: Session, reason: str, *, second: Session | None = None) -> Record:
        """A supervisor lets a rejected scan through, in writing; the override is itself a record.

        A scan the booth could not trust (``TWO_SUPERVISORS``) needs a ``second``, different
        supervisor; both names go into the record's ``supervisor`` field as ``"A & B"``."""
        for person in (supervisor, second):
            if person is not None and person.role != "supervisor":
                raise NotSupervisor(f"{person.officer} is not a supervisor")
        if second is not None and second.officer == supervisor.officer:
            raise OverrideRefused("the second supervisor must be another person")
        if len(reason.strip()) < MIN_OVERRIDE_REASON:
            raise OverrideRefused("write the reason for the override (a few words at least)")
        with self.ledger.transaction():
            target = self.ledger.record(seq)
            if target is None:
                raise OverrideRefused(f"there is no record {seq} in this booth's ledger")
            if target.kind != SCAN:
                raise OverrideRefused(
                    f"record {seq} is a{'n' if target.kind[0] in 'ao' else ''} {target.kind} record, not a scan"
                )
            if target.verdict != "rejected":
                raise OverrideRefused(f"scan {seq} was not rejected; there is nothing to override")
            if self.ledger.overrides_of(seq):
                raise OverrideRefused(f"scan {seq} was already overridden")
            if needs_two_supervisors(target) and second is None:
                raise OverrideRefused(
                    f"scan {seq} was refused as untrustworthy ({target.reasons}): letting the "
                    "holder through needs a second supervisor"
                )
            names = supervisor.officer if second is None else f"{supervisor.officer} & {second.officer}"
            return self.ledger.append_in_transaction(
                self._new(
                    OVERRIDE,
                    officer=target.officer,
                    shift_id=supervisor.shift_id,
                    supervisor=names,
                    ref_seq=seq,
                    note=reason.strip(),
                    direction=target.direction,
                    permit_no=target.permit_no,
                    holder=target.holder,
                    reasons=target.reasons,
                )
            )

    def change_settings(self, settings: BoothSettings, *, session: Session) -> None:
        """Supervisors only; the change is an audit record."""
        if session.role != "supervisor":
            raise NotSupervisor("only a supervisor may change the booth's settings")
        changed = {k: v for k, v in vars(settings).items() if getattr(self.settings, k) != v}
        if not changed:
            return
        bound = self._bound_checkpoint()
        if bound is not None and settings.checkpoint != bound:
            raise ConfigError(
                f"HQ has placed this booth at {bound}: the checkpoint changes only by HQ "
                "(`booth-hq booth move`) and the next trust bundle"
            )
        save_settings(self.data_dir, settings)
        self.settings = settings
        self.audit("settings_change", session=session, note=", ".join(f"{k}={v}" for k, v in sorted(changed.items())))

    def override_with_pin(
        self,
        seq: int,
        supervisor: str,
        pin: str,
        reason: str,
        *,
        shift_id: int | None = None,
        second: tuple[str, str] | None = None,
    ) -> Record:
        """The supervisor (and ``second``: name, PIN) authorise at the booth with their PINs, without
        opening a shift of their own."""
        first = self.authorise(supervisor, pin)
        other = self.authorise(*second) if second is not None else None
        return self.override(seq, Session(first.officer, first.role, shift_id), reason, second=other)

    # -- trust
    def install_bundle(self, data: bytes, *, pin: str | None = None, watch_key: WatchlistKey | None = None) -> None:
        """Install a bundle; ``watch_key`` (HQ's answer beside it) is kept only if the bundle names it."""
        previous, floor = self.trust.current(), self.ledger.bundle_high_water()
        bundle = self.trust.install(data, pin=pin, high_water=floor, now=self.clock.now())
        action, note = "bundle_install", f"version {bundle.version}"
        if fresher_statement(bundle, previous) and floor is not None and bundle.version <= floor:
            # the root's newer statement restarts the versions: the ledger says so, and counts from here
            action = "bundle_reset"
            note += f" with root statement {bundle.statement.serial if bundle.statement else 0}; before: {floor}"
        if watch_key is not None:
            if watch_key.kid != bundle.watchlist_key_id:
                log.warning("the watchlist key sent with bundle %d is not the one it names; ignored", bundle.version)
            elif self.trust.save_watchlist_key(watch_key):
                note += f"; watchlist key {watch_key.kid.hex()}"
        self.audit(action, note=note, bundle_version=bundle.version)

    def install_watchlist_key(self, key: WatchlistKey, *, note: str = "") -> bool:
        """Keep HQ's watchlist key (enrolment, or entered for a booth fed by sticks); return whether it was new."""
        if not self.trust.save_watchlist_key(key):
            return False
        self.audit("watchlist_key", note=" ".join(filter(None, (f"key {key.kid.hex()}", note))))
        return True

    def bundle(self) -> TrustBundle:
        """The installed trust bundle, refused if older than one this booth used before."""
        bundle = self.trust.require()
        floor = self.ledger.bundle_high_water()
        if floor is not None and bundle.version < floor:
            raise TrustError(
                f"the installed trust bundle is version {bundle.version}, older than version {floor} "
                "this booth used before: the file was replaced; install the newest bundle"
            )
        return bundle

    @property
    def checkpoint(self) -> str:
        """Where this booth stands: HQ's word in the trust bundle when it names the booth, else its settings."""
        return self._bound_checkpoint() or self.settings.checkpoint

    def _bound_checkpoint(self) -> str | None:
        try:
            bundle = self.trust.current()
        except TrustError:
            return None
        entry = bundle.booth(self.ledger.booth_id) if bundle else None
        return entry.checkpoint if entry else None

    # -- checks and status
    def verify_chain(self) -> ChainReport:
        """Walk the chain; then check the derived 'inside' and usage tables agree with it."""
        state = Replay()
        report = verify_chain(self.ledger.chain_rows(), self.ledger.genesis, self.ledger.seq_of_hash, state)
        if not report.ok:
            return report
        if dropped := self.ledger.missing_triggers():
            return ChainReport(
                False,
                report.records,
                report.head_hash,
                None,
                "triggers",
                f"append-only triggers were dropped: {', '.join(dropped)}",
            )
        inside = {permit: seq for permit, seq, _ in self.ledger.inside_rows()}
        if inside != state.inside or dict(self.ledger.usage_rows()) != state.usage:
            return ChainReport(
                False,
                report.records,
                report.head_hash,
                None,
                "state",
                "the 'inside' or usage tables disagree with the chain",
            )
        return report

    def idle(self) -> None:
        """Housekeeping when no one is scanning: fold the ledger's WAL into the database."""
        self.ledger.fold_wal()

    def recent(self, limit: int = 50, search: str | None = None) -> list[Record]:
        return self.ledger.recent(limit, search)

    def shift_counters(self, session: Session) -> dict[str, int]:
        """This shift's entries, exits, rejections and overrides, and everyone inside now."""
        return {**self.ledger.summary(shift_id=session.shift_id), "inside": self.ledger.inside_count()}

    def officer_names(self) -> list[str]:
        return [o.name for o in self.ledger.officers() if o.active]

    def status(self) -> dict:
        bundle = self.trust.current()
        now = self.clock.now()
        seq, head = self.ledger.head()
        context = (
            rules.Context(
                self.checkpoint,
                now,
                bundle,
                last_event_at=self.ledger.last_event_at(),
                watch_key=self.trust.watchlist_key(),
            )
            if bundle
            else None
        )
        booth_reasons = rules.environment_reasons(context) if context else ()
        return {
            "booth": self.ledger.booth_id,
            "checkpoint": self.checkpoint,
            "records": seq,
            "head_hash": head,
            "inside": self.ledger.inside_count(),
            "bundle_version": bundle.version if bundle else None,
            "bundle_age_days": round((now - bundle.issued_at) / 86400, 2) if bundle else None,
            "bundle_max_days": round(bundle.max_offline_age / 86400, 2) if bundle else None,
            "trust_stale": Reason.TRUST_STALE in booth_reasons,
            "trust_expired": Reason.TRUST_EXPIRED in booth_reasons,
            "watchlist_unreadable": Reason.WATCHLIST_UNREADABLE in booth_reasons,
            "clock_suspect": Reason.CLOCK_SUSPECT in booth_reasons,
            "pending_sync": seq - self.ledger.acked_seq(),
            "clock": iso(now),
            **self._sync_status(),
        }

    def _sync_status(self) -> dict:
        sync = self.ledger.sync_state()
        return {
            "hq_url": self.settings.hq_url,
            "last_sync": iso(sync.last_success) if sync.last_success else None,
            "sync_error": sync.last_error,
            "clock_skew": sync.clock_skew,  # the error is cleared on success
        }

    # -- reports, exports, shift closing (booth.report)
    @contextmanager
    def _reading(self) -> Iterator[Ledger]:
        """A ledger connection of its own: reports and exports may run on another thread than the
        scans (the GUI's supervisor view does), and a long export never holds up a scan."""
        ledger = Ledger.open(self.data_dir / LEDGER_FILE)
        try:
            yield ledger
        finally:
            ledger.close()

    def checkpoint_names(self) -> dict[str, str]:
        """This checkpoint's names from the trust bundle: ``{"en": ..., "km": ..., "th": ...}``."""
        try:
            bundle = self.trust.current()
        except BoothError:
            return {}
        for c in bundle.checkpoints if bundle else ():
            if c.code == self.checkpoint:
                return {k: v for k, v in (("en", c.name_en), ("km", c.name_km), ("th", c.name_th)) if v}
        return {}

    def shifts(self, *, officer: str | None = None, open_only: bool = False, limit: int = 200) -> list[ShiftRow]:
        """Newest shifts first (own connection: safe from any thread)."""
        with self._reading() as ledger:
            return ledger.shifts(officer=officer, open_only=open_only, limit=limit)

    def report(self, flt: ReportFilter, *, tz: dt.tzinfo | None = None) -> Report:
        """The shift/day/period report (own connection: safe from any thread)."""
        with self._reading() as ledger:
            return build_report(
                ledger, flt, now=self.clock.now(), tz=tz or report_zone(), checkpoint_names=self.checkpoint_names()
            )

    def report_records(self, flt: ReportFilter, *, search: str | None = None, limit: int = 500) -> list[Record]:
        """The report's scans and overrides, newest first; ``search``: a name or permit number."""
        with self._reading() as ledger, ledger.snapshot():
            sel = ledger.selection(**flt.where())
            return list(ledger.selected(sel, search=search, limit=limit, newest_first=True))

    def export(
        self,
        flt: ReportFilter,
        fmt: str,
        out: Path,
        *,
        session: Session | None = None,
        by: str | None = None,
        tz: dt.tzinfo | None = None,
        progress: Callable[[int, int], None] | None = None,
        cancel: Event | None = None,
    ) -> ExportResult:
        """Write a signed export (``out`` and ``out.sig``) and its ``export`` audit record.

        ``session``: the supervisor exporting from the GUI; ``by``: who, when there is no
        session (the command line names the OS user). Runs on its own connection."""
        if session is not None and session.role != "supervisor":
            raise NotSupervisor("only a supervisor may export the booth's records")
        key = self.signing_key()
        who = session.officer if session is not None else by
        with self._reading() as ledger:

            def audit(m: Manifest) -> None:
                span = f"#{m.first_seq}-#{m.last_seq}" if m.first_seq is not None else "none"
                wanted = ", ".join(f"{k}={v}" for k, v in m.filter.to_json().items() if v is not None) or "all"
                note = (
                    f"{m.format} export {m.file_name}: {m.records} records ({span}), head #{m.head_seq}, "
                    f"sha256 {m.sha256[:16]}, filter {wanted}, to {out.parent}, by {who or 'unknown'}"
                )
                ledger.append(self._audit_record("export", session=session, note=note))

            return write_export(
                ledger,
                flt,
                fmt,
                out,
                key=key,
                now=self.clock.now(),
                tz=tz or report_zone(),
                by=who,
                checkpoint_names=self.checkpoint_names(),
                progress=progress,
                cancel=cancel,
                before_commit=audit,
            )

    def verify_export(self, path: Path, *, records: bool = False, sig_path: Path | None = None) -> Manifest:
        """Check an export against its signature with this booth's own key, and that this
        booth's ledger holds the chain head it covers; ``records``: also every row's hash
        against the ledger (CSV and JSON)."""
        public = keys.public_from_raw(keys.raw_public(self.signing_key()))
        manifest = verify_signature(path, public, sig_path=sig_path)
        if manifest.booth_id != self.ledger.booth_id:
            raise ExportInvalid(f"the export is of booth {manifest.booth_id}, not this one ({self.ledger.booth_id})")
        if self.ledger.seq_of_hash(manifest.head_hash) != manifest.head_seq:
            raise ExportInvalid(f"this ledger does not hold the chain head the export covers (#{manifest.head_seq})")
        if records and manifest.format in ("csv", "json"):

            def ledger_hash(seq: int) -> str | None:
                record = self.ledger.record(seq)
                return record.hash if record else None

            check_records(path, manifest, ledger_hash=ledger_hash)
        return manifest

    def close_shift_by_name(self, officer: str, pin: str, *, supervisor: str | None = None) -> ShiftRow:
        """Close ``officer``'s open shift with their own PIN, or with ``supervisor``'s PIN."""
        actor = self.authorise(supervisor or officer, pin)
        if supervisor is not None and actor.role != "supervisor":
            raise NotSupervisor(f"{supervisor} is not a supervisor: only {officer} or a supervisor may close the shift")
        shift_id = self.ledger.open_shift_id(self._officer(officer).name)
        if shift_id is None:
            raise BoothError(f"{officer} has no open shift")
        return self.close_shift_by_id(shift_id, by=actor)

    def close_shift_by_id(self, shift_id: int, *, by: Session) -> ShiftRow:
        """Close a shift: its own officer may, or a supervisor. The ``shift_close`` audit record
        notes who closed it and the sync state then (HQ's acknowledged seq, the head seq), which
        the shift's report shows."""
        shift = self.ledger.shift(shift_id)
        if shift is None:
            raise BoothError(f"there is no shift {shift_id} at this booth")
        if by.officer != shift.officer and by.role != "supervisor":
            raise NotSupervisor(f"only {shift.officer} or a supervisor may close shift {shift_id}")
        if shift.closed_at is not None:
            raise BoothError(f"shift {shift_id} of {shift.officer} is already closed")
        with self.ledger.transaction():
            self.ledger.close_shift(shift_id, self.clock.now())
            note = f"shift {shift_id} closed by {by.officer}; {sync_note(self.ledger)}"
            owner = Session(shift.officer, "officer", shift_id)
            self.ledger.append_in_transaction(self._audit_record("shift_close", session=owner, note=note))
        return self.ledger.shift(shift_id)


def _scan_record(base: Record, verdict: rules.Verdict) -> Record:
    p = verdict.permit
    return replace(
        base,
        verdict=verdict.verdict,
        reasons=" ".join(r.value for r in verdict.reasons) or None,
        kid=verdict.kid.hex() if verdict.kid else None,
        signature_sha256=verdict.signature_sha256,
        bundle_version=verdict.bundle_version,
        permit_no=p.number if p else None,
        holder=f"{p.family_name} {p.given_names}".strip() if p else None,
        native_name=p.native_name if p else None,
        nationality=p.nationality if p else None,
        document=p.document if p else None,
        expires=p.expires if p else None,
        stay_days=p.stay_days if p else None,
    )


def _locked_message(name: str, until: int, now: int) -> str:
    if until == FOREVER:
        return f"{name} is locked after too many wrong PINs; a supervisor must unlock"
    return f"{name} is locked for {until - now} more seconds after wrong PINs"


def needs_two_supervisors(scan: Record) -> bool:
    """Whether letting this rejected scan's holder through takes two supervisors."""
    return any(reason in TWO_SUPERVISORS for reason in scan.reason_list())
