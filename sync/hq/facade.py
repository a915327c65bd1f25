"""``HQ``: the one object that stands for an HQ data folder (its keys, its registry, its sync store).

Root key and its rotation, checkpoints, issuers, revocations, the watchlist, trust bundles and
issuing permits all go through it. The ``booth-hq`` command line is a thin shell over ``HQ``;
so are the server's bundle rebuilds, the tests and the demo.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.hq import ceremony, validate
from sync.hq.bundle_file import save_latest
from sync.hq.ceremony import CeremonyAnswer, CeremonyRequest
from sync.hq.errors import HQError, InvalidInput, NotInitialised, UnknownRecord
from sync.hq.holder_file import Holder
from sync.hq.partner import partner_trust
from sync.hq.paths import HQPaths, safe_name
from sync.hq.registry import Registry
from sync.hq.signers import Signers, certifiable, certify, read_root_public_file, signer_name, write_root_public
from sync.protocol import keys
from sync.protocol import permit as permit_codec
from sync.protocol.bundle import (
    MAX_CERTIFIED_LIFETIME_DAYS,
    Checkpoint,
    CountryPolicy,
    IssuerKey,
    Revocation,
    TrustBundle,
    WatchEntry,
    open_bundle,
    sign_certified_bundle,
)
from sync.protocol.errors import KeyFileError
from sync.protocol.files import atomic_write
from sync.protocol.partner import COUNTRIES
from sync.protocol.permit import Permit
from sync.protocol.signer_cert import SignerCert
from sync.protocol.statement import DEFAULT_SIGNER_DAYS
from sync.protocol.times import DAY, iso
from sync.protocol.watchlist import WatchlistKey, load_watchlist_key, make_watchlist_key, seal_watchlist

if TYPE_CHECKING:
    from booth.office.duplicates import Match
    from sync.hq.analytics.rules import Issued
    from sync.hq.store import SyncStore

log = logging.getLogger(__name__)
DEFAULT_MAX_OFFLINE_DAYS = 7
DEFAULT_ISSUER_YEARS = 5
# bench/permit.py: up to version 25 at level Q, >= 95% of simulated webcam views of the
# printed card decode; beyond it the modules get too small for a booth camera.
MAX_QR_VERSION = 25
# A booth cut off this long refuses everyone (trust_expired) until it syncs: long enough to
# carry a bundle by road to the remotest booth, short enough that revocations reach it.
HARD_OFFLINE_DAYS = 30
# The passphrase of HQ's private key files: the bytes, or what asks for them (read from a file,
# typed at a prompt) when a key first needs it. None: keys are written in clear.
Passphrase = bytes | Callable[[], bytes] | None


@dataclass(frozen=True)
class IssuedPermit:
    permit: Permit
    text: str
    signature_sha256: str
    copy: int = 1  # which printed copy of the permit number this is
    card_files: tuple[Path, ...] = ()  # the QR PNG and card PDF, when printed while issuing


def _signer_summary(cert: SignerCert) -> dict[str, object]:
    return {
        "kid": cert.kid.hex(),
        "purposes": list(cert.purposes),
        "not_before": iso(cert.not_before),
        "not_after": iso(cert.not_after),
        "name": cert.name,
    }


class HQ:
    def __init__(
        self,
        data_dir: Path,
        database_url: str | None = None,
        *,
        sync_store: SyncStore | None = None,
        passphrase: Passphrase = None,
    ) -> None:
        self.paths = HQPaths(data_dir)
        self.passphrase_source: Passphrase = None  # asked only when an encrypted key is read or written
        self._passphrase: bytes | None = None
        self.use_passphrase(passphrase)
        self._registry: Registry | None = None
        self.database_url = database_url  # the sync store; None: SQLite in the data dir
        self._sync_store = sync_store
        self._own_sync_store = sync_store is None
        self.signers = Signers(self.paths, self.load_key, self._save_key)

    @property
    def read_only(self) -> bool:
        """The data folder cannot be written (an archive, a seized disk, a read-only mount): it is
        read without writing anything; commands that change it are refused (``ReadOnlyFolder``)."""
        return self.paths.root.is_dir() and not os.access(self.paths.root, os.W_OK)

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._require_init()
            self._registry = Registry(self.paths.database, read_only=self.read_only)
        return self._registry

    @property
    def sync_store(self) -> SyncStore:
        """Enrolled booths, their records and receipts (``sync.hq.store``), opened on first use."""
        if self._sync_store is None:
            from sync.hq.store import SyncStore  # SQLAlchemy only for the commands that need it

            self._require_init()
            self._sync_store = SyncStore.open(
                self.paths.root, self.database_url, read_only=self.read_only and self.database_url is None
            )
        return self._sync_store

    def close(self) -> None:
        if self._registry is not None:
            self._registry.close()
        if self._sync_store is not None and self._own_sync_store:
            self._sync_store.close()
            self._sync_store = None

    # -- private key files
    def use_passphrase(self, passphrase: Passphrase) -> None:
        """Read and write the key files under ``passphrase`` from now on (None: in clear)."""
        self.passphrase_source = passphrase
        self._passphrase = passphrase if isinstance(passphrase, bytes) else None

    def passphrase(self) -> bytes:
        """The passphrase of HQ's key files, asked for (file, prompt) on first need."""
        if self._passphrase is None:
            if not callable(self.passphrase_source):
                raise KeyFileError(f"{self.paths.root_key} is encrypted: give its passphrase ({keys.PASSPHRASE_HINT})")
            self._passphrase = self.passphrase_source()
        return self._passphrase

    @property
    def encrypted(self) -> bool:
        """Whether this HQ's private keys are encrypted: its root decides (or, with the root offline,
        the online signer), for every key written after it."""
        for path in (self.paths.root_key, self.paths.signer_key, self.paths.pending_signer_key):
            if path.exists():
                return keys.is_encrypted(path)
        return self._passphrase is not None

    def load_key(self, path: Path) -> Ed25519PrivateKey:
        """A private key file of this HQ; the passphrase is asked for only if the file is encrypted."""
        return keys.load_private(path, self.passphrase() if keys.is_encrypted(path) else None)

    def _save_key(self, key: Ed25519PrivateKey, path: Path) -> None:
        """Write a private key of this HQ, encrypted when its root is."""
        keys.save_private(key, path, self.passphrase() if self.encrypted else None)

    def _require_init(self) -> None:
        if not (self.paths.root_public.exists() or self.paths.root_key.exists()):
            raise NotInitialised(f"{self.paths.root} is not an HQ data dir; run `booth-hq init` first")

    # -- root
    def init(
        self,
        *,
        now: int | None = None,
        offline_root: Callable[[Ed25519PrivateKey], None] | None = None,
        root_token: keys.Signer | None = None,
    ) -> str:
        """Make the HQ root key, certify a first online signer and sign a first root statement;
        return the root's fingerprint. The root is kept here (encrypted if this HQ was given a
        passphrase) unless ``offline_root`` takes it away (``sync.hq.custody``) or the root is
        ``root_token``, a key in a PKCS#11 token: then this folder never holds it."""
        if self.paths.root_key.exists() or self.paths.root_public.exists():
            raise HQError(f"{self.paths.root} already has a root key (fingerprint {self.root_fingerprint()})")
        passphrase = self.passphrase() if self.passphrase_source is not None else None
        if passphrase is not None:
            keys.check_passphrase(passphrase)  # before any folder is made
        now = int(time.time()) if now is None else now
        root: Ed25519PrivateKey | keys.Signer = root_token or keys.generate()
        if offline_root is not None and isinstance(root, Ed25519PrivateKey):
            offline_root(root)  # the custodians' shares written, or nothing happens here
        self.paths.ensure()
        if offline_root is None and isinstance(root, Ed25519PrivateKey):
            keys.save_private(root, self.paths.root_key, passphrase)
        write_root_public(self.paths, keys.raw_public(root))
        signer = keys.generate()
        keys.save_private(signer, self.paths.signer_key, passphrase)
        cert = certify(root, keys.raw_public(signer), now=now, days=DEFAULT_SIGNER_DAYS, name=signer_name(now))
        atomic_write(self.paths.signer_cert, cert)
        self.signers.refresh_statement((), None, now=now, root=root)
        return keys.fingerprint(root)

    def root_key(self) -> Ed25519PrivateKey:
        """The root's private key, for what only the root may do here (partner lists, rotation)."""
        self._require_init()
        return self.signers.local_root("signing with the root")

    def root_fingerprint(self) -> str:
        return keys.fingerprint(self.signers.root_public())

    def root_summary(self) -> dict[str, object]:
        """The root's fingerprint, where it is kept, the announced next root, the online signer and
        the root statement, and the retired roots (for people; no passphrase needed)."""
        nxt = self.next_root_public_key(ask=False)
        statement = self.signers.statement()
        cert = self.signers.held_cert()
        return {
            "fingerprint": self.root_fingerprint(),
            "key_file": str(self.paths.root_key) if self.signers.root_is_here() else None,
            "root_kept": "here" if self.signers.root_is_here() else "offline",
            "next_root_fingerprint": keys.fingerprint(nxt) if nxt else None,
            "online_signer": None if cert is None else _signer_summary(cert),
            "statement_serial": statement.serial if statement else None,
            "awaiting_the_root": self.signers.pending(
                (*self.registry.issuers(), *partner_trust(self)[0]), self.next_root_public_key(ask=False)
            ),
            "retired": [
                {"file": name, "fingerprint": self._retired_fingerprint(self.paths.keys / name)}
                for name in sorted(
                    {p.stem + ".pem" for p in self.paths.keys.glob("retired-root-*") if p.suffix in (".pem", ".pub")}
                )
            ],
        }

    # -- key ceremonies (sync.hq.ceremony)
    def ceremony_request(
        self,
        *,
        now: int,
        new_signer: bool = True,
        revoke_current: bool = False,
        days: int = DEFAULT_SIGNER_DAYS,
        signer_token: str | None = None,
        announce_root: bytes | None = None,
        promote: bool = False,
    ) -> CeremonyRequest:
        """What to ask of the root now: the registry's issuing offices, revocations, and a new
        online signer (made here, waiting) unless ``new_signer`` is False. ``announce_root``: a
        next root (made offline, ``ceremony new-root``) for bundles to announce; ``promote``: ask
        the announced next root itself for its first statement and signer (a root rotation)."""
        self._require_init()
        held = self.signers.statement()
        partner_issuers, _ = partner_trust(self)
        issuers = certifiable((*self.registry.issuers(), *partner_issuers))
        revoked = list(held.revoked_signers) if held else []
        if revoke_current:
            current = self.signers.held_cert()
            if current is None:
                raise HQError("there is no online signer to revoke")
            revoked.append(current.kid)
        max_days = held.max_signer_days if held else DEFAULT_SIGNER_DAYS
        if new_signer and not 1 <= days <= max_days:
            raise InvalidInput(f"an online signer is certified for 1 to {max_days} days, not {days}")
        root, nxt = self.signers.root_public(), held.next_root_public_key if held else None
        if announce_root is not None:
            if announce_root == root:
                raise InvalidInput("the root to announce is HQ's root already")
            nxt = announce_root
        if promote:
            if nxt is None:
                raise HQError("no next root is announced: ask with --announce-root first, and ship the bundle")
            if not new_signer:
                raise InvalidInput("a new root needs its own online signer: leave out --no-new-signer")
            root, nxt, revoked = nxt, None, []  # the new root's own first statement
        return CeremonyRequest(
            root_public_key=root,
            made_at=now,
            serial=(held.serial + 1) if held and held.root_public_key == root else 1,
            issuers=issuers,
            revoked_signers=tuple(dict.fromkeys(revoked)),
            max_signer_days=max_days,
            next_root_public_key=nxt,
            signer_public_key=self.signers.make_pending(signer_token) if new_signer else None,
            signer_days=days if new_signer else 0,
        )

    def ceremony_install(self, answer: CeremonyAnswer, *, now: int) -> list[str]:
        """Put the root's answer in use: the statement, then the certified signer; an answer by
        the announced next root makes it HQ's root (the old one kept, retired). Lines for people."""
        self._require_init()
        lines = []
        if self.signers.promotes(answer.statement):
            if answer.signer_cert is None:
                raise HQError("an answer from the next root must certify an online signer for it")
            old = self.signers.promote(answer.statement, answer.signer_cert, now=now)
            self.paths.next_root_public.unlink(missing_ok=True)
            lines.append(f"root is now {self.root_fingerprint()} (was {keys.fingerprint(old)}, kept as retired)")
        statement = self.signers.install_statement(answer.statement)
        if statement.next_root_public_key is not None and not self.paths.next_root_key.exists():
            atomic_write(self.paths.next_root_public, statement.next_root_public_key.hex().encode() + b"\n")
        lines.append(f"root statement {statement.serial} installed ({len(statement.issuers)} issuer key(s))")
        if statement.next_root_public_key is not None:
            lines.append(f"bundles announce the next root {keys.fingerprint(statement.next_root_public_key)}")
        if answer.signer_cert is not None:
            cert = self.signers.install_signer(answer.signer_cert, now=now)
            lines.append(f"{cert.describe()} in use")
        return lines

    def ceremony_here(self, *, now: int, **asked: Any) -> list[str]:
        """With the root on this machine: ask, sign and install in one step (``ceremony_request``'s options)."""
        root = self.signers.local_root("a ceremony here")
        return self.ceremony_install(ceremony.sign(self.ceremony_request(now=now, **asked), root, now=now), now=now)

    def _retired_fingerprint(self, pem: Path) -> str | None:
        """A retired root's fingerprint: from the public half kept beside it, else its clear PEM."""
        try:
            return keys.fingerprint(read_root_public_file(pem.with_suffix(".pub")))
        except (FileNotFoundError, HQError):
            if not pem.exists() or keys.is_encrypted(pem):
                return None
            return keys.fingerprint(self.load_key(pem))

    def prepare_root_rotation(self) -> str:
        """Make the next root key; bundles announce it from now on. Returns its fingerprint."""
        self.signers.local_root("a root rotation")
        if self.paths.next_root_key.exists():
            raise HQError("a next root key already exists; promote it first")
        nxt = keys.generate()
        self._save_key(nxt, self.paths.next_root_key)
        atomic_write(self.paths.next_root_public, keys.raw_public(nxt).hex().encode() + b"\n")
        return keys.fingerprint(nxt)

    def promote_next_root(self, *, now: int) -> str:
        """Make the announced next root the root; the old one is kept, retired. Returns the new fingerprint.

        Booths follow only if they installed a bundle announcing it: promote after that bundle
        has reached every booth (``booth-hq stats`` will tell, with the sync issue).
        """
        nxt = self._next_root()
        if nxt is None:
            raise HQError("no next root key: run `booth-hq root rotate` and ship a bundle first")
        stamp = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        retired = self.paths.retired_root_key(stamp)
        self.signers.root_public()  # written from root.pem for a folder from before root.pub
        os.replace(self.paths.root_public, retired.with_suffix(".pub"))
        os.replace(self.paths.root_key, retired)
        os.replace(self.paths.next_root_key, self.paths.root_key)
        self.paths.next_root_public.unlink(missing_ok=True)
        write_root_public(self.paths, keys.raw_public(nxt))
        self.signers.certify_here(now=now)  # the online signer, certified again by the new root
        return keys.fingerprint(nxt)

    def next_root_public_key(self, *, ask: bool = True) -> bytes | None:
        """The raw public key of the announced next root (``root rotate``), or None; without
        ``ask``, never asks for a passphrase (read from ``next-root.pub``)."""
        if self.paths.next_root_public.exists():
            return bytes.fromhex(self.paths.next_root_public.read_text().strip())
        if not ask and self.encrypted:
            return None
        nxt = self._next_root()
        return keys.raw_public(nxt) if nxt is not None else None

    def _next_root(self) -> Ed25519PrivateKey | None:
        if not self.paths.next_root_key.exists():
            return None
        return self.load_key(self.paths.next_root_key)

    # -- checkpoints and issuers
    def add_checkpoint(self, cp: Checkpoint) -> None:
        """Add a checkpoint, or rename one (its code and country never change)."""
        cp = validate.checkpoint(cp)
        try:
            old = self.registry.checkpoint(cp.code)
        except UnknownRecord:
            old = None
        if old is not None and old.country != cp.country:
            raise InvalidInput(f"checkpoint {cp.code} is in {old.country}; its country cannot change")
        self.registry.add_checkpoint(cp)

    def close_checkpoint(self, code: str, *, at: int, reason: str) -> None:
        """From ``at`` on, no permit is issued for the checkpoint and no booth is placed there
        (its booths are revoked or moved by their own commands); it stays listed, and can reopen."""
        reason = validate.reason(reason)
        if (closed := self.registry.closed_at(code)) is not None:
            raise HQError(f"checkpoint {code} is already closed from {iso(closed)}")
        self.registry.set_closed(code, at, reason)

    def reopen_checkpoint(self, code: str) -> None:
        if self.registry.closed_at(code) is None:
            raise HQError(f"checkpoint {code} is not closed")
        self.registry.set_closed(code, None, "")

    def open_checkpoint(self, code: str, *, at: int) -> Checkpoint:
        """The checkpoint, which must exist and be open at ``at``."""
        cp = self.registry.checkpoint(code)
        closed = self.registry.closed_at(code)
        if closed is not None and closed <= at:
            raise InvalidInput(f"checkpoint {code} is closed since {iso(closed)} (`booth-hq checkpoint list`)")
        return cp

    def add_issuer(
        self,
        office: str,
        *,
        public_key: Ed25519PublicKey | None = None,
        name: str = "",
        country: str | None = None,
        checkpoints: tuple[str, ...] = (),
        not_before: int,
        not_after: int | None = None,
    ) -> IssuerKey:
        """Register an issuing office: make its key here, or take the public half of one kept offline.

        Everything is checked before anything is written; the registry row and the key file are
        written together (a failure writing the key leaves no keyless office behind)."""
        validate.office_code(office)
        name = validate.name(name, "the office name (--name)", required=False)
        country = validate.country(country or office.split("-")[0])
        if not office.startswith(country + "-"):
            raise InvalidInput(f"office code {office} does not start with its country {country}-")
        for code in checkpoints:
            self.open_checkpoint(code, at=not_before)
        if not_after is None:
            not_after = not_before + DEFAULT_ISSUER_YEARS * 365 * DAY
        validate.window(not_before, not_after, f"the key of {office}")
        private = keys.generate() if public_key is None else None
        raw = keys.raw_public(private or public_key)
        issuer = IssuerKey(keys.kid_of(raw), raw, office, country, not_before, not_after, tuple(checkpoints), name)
        with self.registry.transaction():
            self.registry.add_issuer(issuer, key_here=private is not None)
            if private is not None:
                self._save_key(private, self.paths.issuer_key(office))
        return issuer

    def retire_issuer(self, office: str, *, at: int) -> IssuerKey:
        """The office's key signs no permit issued from ``at`` on; permits issued before stay valid."""
        issuer, _ = self.registry.issuer(office)
        if at < issuer.not_before:
            raise HQError(f"{office}'s key starts at {iso(issuer.not_before)}; retire it after that")
        if issuer.not_after is not None and issuer.not_after <= at:
            raise HQError(f"{office}'s key already stops signing at {iso(issuer.not_after)}")
        self.registry.set_issuer_window(office, not_after=at, compromised_at=issuer.compromised_at)
        return self.registry.issuer(office)[0]

    def compromise_issuer(self, office: str, *, at: int) -> IssuerKey:
        """The office's key was stolen (reported at ``at``): booths refuse every permit it signed
        (``issuer_revoked``) but those re-listed with ``mark_genuine``; it signs nothing from ``at`` on."""
        issuer, _ = self.registry.issuer(office)
        if issuer.compromised_at is not None:
            raise HQError(f"{office}'s key was already reported compromised at {iso(issuer.compromised_at)}")
        not_after = at if issuer.not_after is None else min(issuer.not_after, max(at, issuer.not_before))
        self.registry.set_issuer_window(office, not_after=not_after, compromised_at=at)
        return self.registry.issuer(office)[0]

    def mark_genuine(self, permit_no: str, *, reason: str = "", at: int) -> bool:
        """Re-list a permit as genuine although its key was reported stolen; return whether its
        key is one of ours reported compromised (else the entry changes nothing at booths yet)."""
        if not permit_no.strip():
            raise HQError("name the permit number to re-list as genuine")
        self.registry.add_genuine(permit_no, reason, at)
        row = self.registry.permit(permit_no)
        return row is not None and self.registry.issuer(row["office"])[0].compromised_at is not None

    def unmark_genuine(self, permit_no: str) -> None:
        if not self.registry.remove_genuine(permit_no):
            raise HQError(f"{permit_no} is not re-listed as genuine")

    # -- booths
    def move_booth(self, booth_id: str, checkpoint: str, *, by: str, now: int) -> str:
        """Reassign a booth to another checkpoint; the next bundle lists it there. Returns the old one.

        Records the booth makes under bundles built from now on must carry the new checkpoint,
        those under earlier bundles the old one (``checkpoint_mismatch`` otherwise)."""
        self.open_checkpoint(checkpoint, at=now)  # must exist, and be open
        if not by.strip():
            raise HQError("say who moves the booth (--by NAME)")
        from_version = int(self.registry.meta("bundle_version") or 0) + 1
        return self.sync_store.move_booth(booth_id, checkpoint, from_version=from_version, by=by.strip(), now=now)

    # -- issuing policy
    def set_policy(
        self, country: str, *, max_validity_days: int | None = None, max_stay_days: int | None = None, at: int
    ) -> CountryPolicy:
        if country not in COUNTRIES:
            raise HQError(f"country must be one of {', '.join(COUNTRIES)}")
        old = self.registry.policy(country)
        new = CountryPolicy(
            country,
            old.max_validity_days if max_validity_days is None else max_validity_days,
            old.max_stay_days if max_stay_days is None else max_stay_days,
        )
        if new.max_validity_days < 1 or new.max_stay_days < 1:
            raise HQError("policy limits are whole days, at least 1")
        self.registry.set_policy(new, at)
        return new

    def policies(self) -> tuple[CountryPolicy, ...]:
        """The issuing policy of every country, as the bundle carries it."""
        return tuple(self.registry.policy(c) for c in COUNTRIES)

    # -- revocation and watchlist
    def revoke(
        self, *, permit_no: str | None = None, signature_sha256: str | None = None, reason: str = "", at: int
    ) -> bool:
        """Revoke a permit (or one printed copy); return whether HQ issued that permit itself."""
        if bool(permit_no) == bool(signature_sha256):
            raise InvalidInput("name either a permit number (all its copies) or one copy's signature hash")
        if permit_no:
            validate.permit_number(permit_no)
        if signature_sha256:
            signature_sha256 = validate.signature_hash(signature_sha256)
        self.registry.revoke(Revocation(permit_no, signature_sha256, reason.strip(), at))
        return permit_no is not None and self.registry.permit(permit_no) is not None

    def lift_revocation(self, rev_id: int, *, reason: str, at: int) -> dict:
        """Take back a revocation made by mistake; it stays listed, lifted, with why and when."""
        return self.registry.lift_revocation(rev_id, at, validate.reason(reason))

    def revoked_permits(self) -> dict[str, int]:
        """Permit number -> when HQ first revoked it (for the analytics' crossings after revocation)."""
        revoked: dict[str, int] = {}
        for r in self.registry.revocations():
            if r.permit_no:
                revoked[r.permit_no] = min(r.revoked_at, revoked.get(r.permit_no, r.revoked_at))
        return revoked

    def issued(self) -> Issued:
        """HQ's permit register for the analytics: its own offices' key ids, and a lookup of the
        printed copies it registered (the registry stays open while the analysis runs)."""
        from sync.hq.analytics.rules import Issued  # SQLAlchemy only for the commands that need it

        return Issued(frozenset(i.kid.hex() for i in self.registry.issuers()), self.registry.registered_signatures)

    def watch(self, entry: WatchEntry, *, at: int) -> None:
        """List a permit or a document. Booths match exactly, by hash: codes that permits always carry
        in upper case (permit number, nationality) are kept so; the document number only trimmed."""
        document = entry.document.strip() if entry.document else None
        entry = WatchEntry(_code(entry.permit_no), document or None, _code(entry.nationality), entry.reason.strip())
        if bool(entry.permit_no) == bool(entry.document):
            raise InvalidInput(
                "a watchlist entry names a permit number (--permit) or a document number (--document), one"
            )
        if entry.permit_no:
            validate.permit_number(entry.permit_no)
        if entry.document:
            validate.document_number(entry.document)
        if entry.nationality is not None:
            if entry.permit_no:
                raise InvalidInput("--nationality narrows a document match; a permit number needs none")
            validate.nationality(entry.nationality)
        validate.reason(entry.reason)
        self.registry.watch(entry, at)

    def unwatch(self, entry_id: int, *, reason: str, at: int) -> dict:
        """Take an entry off the watchlist; it stays listed, removed, with why and when."""
        return self.registry.remove_watch(entry_id, at, validate.reason(reason))

    def watchlist_key(self) -> WatchlistKey:
        """HQ's secret watchlist key (``keys/watchlist.key``), made on first need. Bundles carry the
        watchlist as hashes under it; enrolled booths get it, sticks and bundle files never do."""
        self._require_init()
        return load_watchlist_key(self.paths.watchlist_key) or make_watchlist_key(self.paths.watchlist_key)

    # -- trust bundle
    def build_bundle(
        self, *, now: int, max_offline_days: float = DEFAULT_MAX_OFFLINE_DAYS
    ) -> tuple[TrustBundle, bytes]:
        if not 0 < max_offline_days <= MAX_CERTIFIED_LIFETIME_DAYS:
            raise InvalidInput(f"a bundle's max offline age is up to {MAX_CERTIFIED_LIFETIME_DAYS} days")
        signer = self.signers.ensure(now=now)
        reg = self.registry
        max_age = round(max_offline_days * DAY)
        partner_issuers, partner_revocations = partner_trust(self)  # the partner HQ's offices, checked
        issuers = (*reg.issuers(), *partner_issuers)
        nxt = self.next_root_public_key()
        self.signers.refresh_statement(issuers, nxt, now=now)
        statement = self.signers.statement_data()
        if statement is None:
            raise HQError(f"{self.paths.keys} holds no root statement: hold a key ceremony")
        bundle = TrustBundle(
            version=reg.next_bundle_version(),
            issued_at=now,
            expires_at=now
            + max(
                HARD_OFFLINE_DAYS * DAY, max_age
            ),  # <= MAX_CERTIFIED_LIFETIME_DAYS  # past it, booths stop: trust_expired
            hq_time=now,
            max_offline_age=max_age,
            root_public_key=self.signers.root_public(),
            next_root_public_key=nxt,
            issuers=issuers,
            checkpoints=tuple(reg.checkpoints()),
            revocations=(*reg.revocations(), *partner_revocations),
            sealed_watchlist=seal_watchlist(reg.watchlist(), watch_key := self.watchlist_key()),
            watchlist_key_id=watch_key.kid,
            booths=tuple(self.sync_store.enrolled_booths()),
            policy=self.policies(),
            used_up=self.used_up_permits(now),
            genuine=tuple(g["permit_no"] for g in reg.genuine()),
        )
        data = sign_certified_bundle(bundle, signer.key, signer.cert_data, statement)
        bundle = open_bundle(data)  # what booths will see: issuers as the root statement has them
        save_latest(self.paths.root, bundle, data)  # what the server hands to booths
        return bundle, data

    def used_up_permits(self, now: int) -> tuple[str, ...]:
        """Single-entry permits issued here, still valid at ``now``, that some booth let in (a valid
        entry or an override): booths refuse another entry (``used_up``). Partner permits are not
        among them: HQ does not know their kind."""
        return self.sync_store.entered(self.registry.single_entry_permits(valid_at=now))

    def single_entry_permits(self) -> set[str]:
        """Every single-entry permit issued here (for the analytics' ``single_entry_reused``)."""
        return set(self.registry.single_entry_permits())

    # -- issuing
    def issue(
        self,
        holder: Holder,
        *,
        office: str,
        valid_days: int,
        now: int,
        key: Ed25519PrivateKey | keys.Signer | None = None,
        out_dir: Path | None = None,
        new_copy: bool = False,
    ) -> IssuedPermit:
        """Sign a permit for ``holder`` with the office's key, record it, return its QR text.

        With ``out_dir`` the card files are written before the permit is recorded, in the same
        transaction as its number: an error or Ctrl-C leaves neither a permit without its card nor
        a gap in the numbers. ``new_copy``: another printed copy of the permit ``holder.number``."""
        issuer, key = self._signing_key(office, key)
        self._check_issuing(issuer, holder, valid_days, now)
        with self.registry.transaction():
            number = holder.number or self._assign_number(office, now)
            permit = holder.permit(number, office, issued_at=now, valid_days=valid_days)
            text = permit_codec.encode(permit, key)
            self._check_printable(text)
            signed = permit_codec.decode(text)
            copy = self.registry.record_permit(_permit_row(permit, signed.signature_sha256), new_copy=new_copy)
            issued = IssuedPermit(permit, text, signed.signature_sha256, copy)
            if out_dir is not None:
                issued = replace(issued, card_files=self.print_card(issued, out_dir))
        log.info("issued permit %s (copy %d) by %s", number, copy, office)
        return issued

    def check_issuing(self, holder: Holder, *, office: str, valid_days: int, now: int) -> None:
        """What ``issue`` would refuse about this request (policy, office, checkpoints), refused now."""
        self._check_issuing(self.registry.issuer(office)[0], holder, valid_days, now)

    def likely_duplicates(self, holder: Holder, *, now: int) -> list[Match]:
        """Live permits whose holder is likely ``holder`` under another spelling, another name
        order, a typo in the birth date, or the same document (``booth.office.duplicates``)."""
        from booth.office.duplicates import Person, Register

        def person(row: dict) -> Person:
            names = (row["family_name"], row["given_names"], row["dob"], row["document"], row["nationality"])
            return Person(*names, native_name=row["native_name"], ref=row["number"])

        register = Register(person(r) for r in self.registry.live_near(holder.dob, holder.document, now=now))
        probe = Person(holder.family_name, holder.given_names, holder.dob, holder.document, holder.nationality,
                       native_name=holder.native_name or "")  # fmt: skip
        return register.likely(probe)

    def permit_record(self, number: str) -> dict[str, object]:
        """A permit issued here, its printed copies (each with its signature hash and whether it is
        revoked) and the revocations naming it, for people looking it up."""
        row = self.registry.permit(number)
        if row is None:
            raise UnknownRecord(f"no permit {number!r} was issued here (`booth-hq permit list --name ...`)")
        copies = self.registry.permit_copies(number)
        hashes = {c["signature_sha256"] for c in copies}
        revocations = [
            r for r in self.registry.revocation_rows() if r["permit_no"] == number or r["signature_sha256"] in hashes
        ]
        in_force = [r for r in revocations if r["lifted_at"] is None]
        whole = any(r["permit_no"] == number for r in in_force)
        revoked = {r["signature_sha256"] for r in in_force}
        copies = [{**c, "revoked": whole or c["signature_sha256"] in revoked} for c in copies]
        return {**row, "copies": copies, "revocations": revocations}

    def _signing_key(
        self, office: str, key: Ed25519PrivateKey | keys.Signer | None
    ) -> tuple[IssuerKey, Ed25519PrivateKey | keys.Signer]:
        """The office's registered key and what signs for it: ``key`` (a PEM's key, or a token's
        ``keys.Signer``) if given, else the key file kept here."""
        issuer, key_here = self.registry.issuer(office)
        if key is None:
            if not key_here:
                raise HQError(f"the private key of {office} is kept elsewhere; pass --key FILE.pem or --key pkcs11:URI")
            key = self.load_key(self.paths.issuer_key(office))
        if keys.raw_public(key) != issuer.public_key:
            raise HQError(f"that key is not the registered key of {office}")
        return issuer, key

    def _check_issuing(self, issuer: IssuerKey, holder: Holder, valid_days: int, now: int) -> None:
        """Everything a booth would hold against this permit, refused now instead (one line each)."""
        office = issuer.office
        if valid_days < 1:
            raise InvalidInput("a permit must be valid for at least one day")
        if issuer.compromised_at is not None:
            raise HQError(f"the key of {office} was reported compromised; it issues nothing more")
        if now < issuer.not_before:
            raise InvalidInput(f"the key of {office} signs from {iso(issuer.not_before)} on, not at {iso(now)} (--at)")
        if issuer.not_after is not None and now >= issuer.not_after:
            raise HQError(f"the key of {office} stopped signing at {iso(issuer.not_after)} (retired)")
        policy = self.registry.policy(issuer.country)
        if valid_days > policy.max_validity_days:
            raise HQError(
                f"{issuer.country} permits may be valid at most {policy.max_validity_days} days "
                f"(policy), not {valid_days}; see `booth-hq policy show`"
            )
        if holder.stay_days > policy.max_stay_days:
            raise HQError(
                f"{issuer.country} permits may allow stays of at most {policy.max_stay_days} days "
                f"(policy), not {holder.stay_days}; see `booth-hq policy show`"
            )
        for code in holder.checkpoints:
            self.open_checkpoint(code, at=now)
            if issuer.checkpoints and code not in issuer.checkpoints:
                raise InvalidInput(
                    f"{office} may issue permits for {', '.join(issuer.checkpoints)} only, not {code} (holder 'cp')"
                )
        if holder.dob > iso(now)[:10]:
            raise InvalidInput(
                f"the date of birth {holder.dob} is after the issuing date {iso(now)[:10]} (holder 'dob')"
            )
        if holder.number is not None:
            validate.permit_number(holder.number)

    @staticmethod
    def _check_printable(text: str) -> None:
        from booth.card.qr import make_qr

        version = make_qr(text).version
        if version > MAX_QR_VERSION:
            raise HQError(
                f"this permit needs QR version {version}; printed cards scan reliably only up to "
                f"{MAX_QR_VERSION}: shorten the residence/zone text or leave out the photo"
            )

    def print_card(self, issued: IssuedPermit, out_dir: Path) -> tuple[Path, Path]:
        """Write ``NUMBER.png`` (the QR) and ``NUMBER.pdf`` (the ID-1 card) into ``out_dir``
        (``NUMBER-copy2`` for a second copy); on any failure neither file is left behind."""
        from booth.card.pdf import card_pdf, qr_png  # fpdf2 and fonts only when printing

        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput(f"cannot make the card folder {out_dir}: {exc.strerror}") from None
        stem = safe_name(issued.permit.number) + (f"-copy{issued.copy}" if issued.copy > 1 else "")
        png, pdf = out_dir / f"{stem}.png", out_dir / f"{stem}.pdf"
        office = self.registry.issuer(issued.permit.issuer)[0].name
        names = {c.code: c.name_en for c in self.registry.checkpoints()}
        try:
            qr_png(issued.text, png)
            card_pdf(issued.permit, issued.text, pdf, office_name=office, checkpoint_names=names)
        except BaseException:
            for path in (png, pdf):
                path.unlink(missing_ok=True)
            raise
        return png, pdf

    def _assign_number(self, office: str, now: int) -> str:
        """``KH-BTB-01`` issuing in 2026 gives ``KH-BTB-2026-000001``, ``...-000002``, …"""
        year = dt.datetime.fromtimestamp(now, dt.UTC).year
        parts = office.split("-")
        prefix = "-".join(parts[:2]) if len(parts) >= 3 else office
        serial = self.registry.next_serial(prefix, year)  # per prefix: offices sharing one never collide
        return f"{prefix}-{year}-{serial:06d}"


def _permit_row(permit: Permit, signature_sha256: str) -> dict[str, object]:
    """The registry's row for a permit issued here."""
    return {
        "number": permit.number,
        "office": permit.issuer,
        "family_name": permit.family_name,
        "given_names": permit.given_names,
        "native_name": unicodedata.normalize("NFC", permit.native_name or ""),
        "dob": permit.dob,
        "document": permit.document,
        "nationality": permit.nationality,
        "not_before": permit.not_before,
        "expires": permit.expires,
        "issued_at": permit.issued_at,
        "signature_sha256": signature_sha256,
        "kind": permit.kind,
    }


def _code(text: str | None) -> str | None:
    """A permit number or nationality as permits carry it (upper case); None for nothing."""
    return (text.strip().upper() or None) if text is not None else None
