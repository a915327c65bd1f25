"""HQ's online signer and the root statement, as files in ``<data>/keys``.

The server signs bundles and receipts with the *online signer* (``signer.pem``, encrypted like
HQ's other keys, or ``signer.uri`` naming a key in a PKCS#11 token) under a certificate the root
gave it (``signer.cert``); it hands booths the root's current statement (``statement.cose``).
None of this needs the root's private key: with the root offline (``booth-hq init
--offline-root``) both files come from a key ceremony (``sync.hq.ceremony``). A small site may
keep the root here (``root.pem``); then HQ certifies its signer and re-signs its statement
itself when they need it, and says so.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.hq.errors import HQError, NotInitialised
from sync.hq.paths import HQPaths
from sync.protocol import keys
from sync.protocol.errors import DocumentRefused
from sync.protocol.files import atomic_write
from sync.protocol.issuer import IssuerKey
from sync.protocol.signer_cert import PURPOSES, SignerCert, open_signer_cert, sign_signer_cert
from sync.protocol.statement import DEFAULT_SIGNER_DAYS, RootStatement, open_statement, sign_statement
from sync.protocol.times import DAY

log = logging.getLogger(__name__)
RENEW_BEFORE = 14 * DAY  # a local root certifies a new online signer this long before the old one expires
KeyLoader = Callable[[Path], Ed25519PrivateKey]


class OfflineRoot(HQError):
    """The root's private key is not on this machine: the step needs a key ceremony."""


@dataclass(frozen=True)
class OnlineSigner:
    key: Ed25519PrivateKey | keys.Signer
    cert_data: bytes
    cert: SignerCert


def write_root_public(paths: HQPaths, root: bytes) -> None:
    paths.keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    pub = {"public_key": root.hex(), "fingerprint": keys.fingerprint(root)}
    atomic_write(paths.root_public, json.dumps(pub, indent=1).encode() + b"\n")


def read_root_public(paths: HQPaths) -> bytes:
    try:
        return read_root_public_file(paths.root_public)
    except FileNotFoundError:
        raise NotInitialised(f"{paths.root} is not an HQ data dir; run `booth-hq init` first") from None


def read_root_public_file(path: Path) -> bytes:
    """A root's public key from its ``.pub`` JSON file (``FileNotFoundError`` when there is none)."""
    try:
        raw = bytes.fromhex(json.loads(path.read_text())["public_key"])
    except FileNotFoundError:
        raise
    except (ValueError, KeyError, TypeError, OSError):
        raise HQError(f"{path} is damaged; restore it from a backup") from None
    if len(raw) != 32:
        raise HQError(f"{path} is damaged; restore it from a backup")
    return raw


def certify(root: Ed25519PrivateKey | keys.Signer, public_key: bytes, *, now: int, days: int, name: str = "") -> bytes:
    """A certificate for the online signer ``public_key``, bundles and receipts, ``days`` from ``now``."""
    cert = SignerCert(keys.raw_public(root), public_key, PURPOSES, now, now + days * DAY, name)
    return sign_signer_cert(cert, root)


def signer_name(now: int) -> str:
    return "hq-online-" + dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y%m%dT%H%M%SZ")


class Signers:
    """The online signer and the root statement of one HQ data folder."""

    def __init__(self, paths: HQPaths, load_key: KeyLoader, save_key: Callable[[Ed25519PrivateKey, Path], None]):
        self.paths = paths
        self.load_key = load_key
        self.save_key = save_key

    # -- the root
    def root_public(self) -> bytes:
        """The root's raw public key; for a folder from before ``root.pub``, written from ``root.pem``."""
        if not self.paths.root_public.exists() and self.paths.root_key.exists():
            write_root_public(self.paths, keys.raw_public(self.load_key(self.paths.root_key)))
        return read_root_public(self.paths)

    def root_is_here(self) -> bool:
        return self.paths.root_key.exists()

    def local_root(self, step: str) -> Ed25519PrivateKey:
        if not self.root_is_here():
            raise OfflineRoot(
                f"the root key is offline: {step} needs a key ceremony "
                "(booth-hq ceremony request, then ceremony sign on the offline machine, then ceremony install)"
            )
        return self.load_key(self.paths.root_key)

    # -- the statement
    def statement_data(self) -> bytes | None:
        try:
            return self.paths.statement.read_bytes()
        except FileNotFoundError:
            return None

    def statement(self) -> RootStatement | None:
        data = self.statement_data()
        return None if data is None else open_statement(data)  # HQ's own file, checked when installed

    def _ours(self, root: bytes) -> None:
        if root != self.root_public():
            raise DocumentRefused("signed by another root than HQ's")

    def pending(self, issuers: tuple[IssuerKey, ...], next_root: bytes | None) -> list[str]:
        """What HQ's registry holds that the root has not yet said (for people): one line each."""
        held = self.statement()
        wanted = certifiable(issuers)
        certified = set(held.issuers) if held else set()
        lines = [f"issuer {i.office} key {i.kid.hex()} awaits the root" for i in wanted if i not in certified]
        lines += [f"issuer {i.office} key {i.kid.hex()} is no longer registered" for i in certified - set(wanted)]
        if held is None or held.next_root_public_key != next_root:
            lines.append("the next root announcement awaits the root")
        return lines

    def refresh_statement(
        self,
        issuers: tuple[IssuerKey, ...],
        next_root: bytes | None,
        *,
        now: int,
        revoke: tuple[bytes, ...] = (),
        root: Ed25519PrivateKey | keys.Signer | None = None,
    ) -> RootStatement | None:
        """Sign a new statement when what the root should say changed and the root is at hand;
        return the statement held (None only before the first)."""
        held = self.statement()
        wanted = certifiable(issuers)
        root_raw = self.root_public() if root is None else keys.raw_public(root)
        revoked = tuple(dict.fromkeys((*(held.revoked_signers if held else ()), *revoke)))
        same = held is not None and held.root_public_key == root_raw
        if (
            same
            and held
            and (held.issuers, held.next_root_public_key, held.revoked_signers)
            == (
                wanted,
                next_root,
                revoked,
            )
        ):
            return held
        if root is None:
            if not self.root_is_here():
                if held is not None:
                    log.warning("the root statement is out of date; it waits for the next key ceremony")
                return held
            root = self.load_key(self.paths.root_key)
        statement = RootStatement(
            root_public_key=keys.raw_public(root),
            serial=(held.serial + 1) if same and held else 1,
            issued_at=now,
            issuers=wanted,
            revoked_signers=revoked,
            max_signer_days=held.max_signer_days if held else DEFAULT_SIGNER_DAYS,
            next_root_public_key=next_root,
        )
        self.install_statement(sign_statement(statement, root))
        return statement

    def promotes(self, data: bytes) -> bool:
        """Whether ``data`` is a statement by the next root HQ's statement announced (a rotation)."""
        held = self.statement()
        announced = held.next_root_public_key if held is not None else None
        return announced is not None and open_statement(data).root_public_key == announced

    def promote(self, statement_data: bytes, cert_data: bytes, *, now: int) -> bytes:
        """Make the announced next root HQ's root: its statement and signer certificate checked
        first (nothing changes if either is wrong); the old root's public half kept, retired."""
        held = self.statement()
        nxt = held.next_root_public_key if held is not None else None
        if nxt is None:
            raise HQError("HQ's statement announces no next root")

        def by_next(root: bytes) -> None:
            if root != nxt:
                raise DocumentRefused("signed by another root than the announced next root")

        open_statement(statement_data, trust=by_next)
        open_signer_cert(cert_data, trust=by_next)
        old = self.root_public()
        stamp = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        os.replace(self.paths.root_public, self.paths.retired_root_key(stamp).with_suffix(".pub"))
        write_root_public(self.paths, nxt)
        return old

    def install_statement(self, data: bytes) -> RootStatement:
        """Keep ``data`` as HQ's root statement: by HQ's root, and not older than the one held."""
        statement = open_statement(data, trust=self._ours)
        held = self.statement()
        if held is not None and held.root_public_key == statement.root_public_key and statement.serial < held.serial:
            raise HQError(f"root statement {statement.serial} is older than the {held.serial} installed")
        atomic_write(self.paths.statement, data)
        return statement

    # -- the online signer
    def current(self) -> OnlineSigner:
        """The online signer: its key and certificate, checked against each other and the root."""
        try:
            cert_data = self.paths.signer_cert.read_bytes()
        except FileNotFoundError:
            raise HQError(
                f"{self.paths.keys} has no online signer certificate: "
                "run `booth-hq ceremony request`, sign it at the root, then `booth-hq ceremony install`"
            ) from None
        cert = open_signer_cert(cert_data, trust=self._ours)
        key = self._signer_key(self.paths.signer_key, self.paths.signer_uri)
        if keys.raw_public(key) != cert.public_key:
            raise HQError(f"{self.paths.signer_cert} certifies another key than HQ's online signer")
        return OnlineSigner(key, cert_data, cert)

    def _signer_key(self, pem: Path, uri: Path) -> Ed25519PrivateKey | keys.Signer:
        if uri.exists():
            from booth.token import TokenSigner  # python-pkcs11 only where a token is used

            return TokenSigner(uri.read_text().strip())
        if not pem.exists():
            raise HQError(f"{self.paths.keys} has no online signer key ({pem.name} or {uri.name})")
        return self.load_key(pem)

    def certify_here(self, *, now: int, days: int = DEFAULT_SIGNER_DAYS) -> SignerCert:
        """With the root here: make a new online signer, certify it and put it in use."""
        root = self.local_root("certifying an online signer")
        key = keys.generate()
        cert_data = certify(root, keys.raw_public(key), now=now, days=days, name=signer_name(now))
        self._retire(now)
        self.save_key(key, self.paths.signer_key)
        atomic_write(self.paths.signer_cert, cert_data)
        return open_signer_cert(cert_data)

    def held_cert(self) -> SignerCert | None:
        try:
            return open_signer_cert(self.paths.signer_cert.read_bytes())  # checked when installed
        except FileNotFoundError:
            return None

    def _retire(self, now: int) -> None:
        """Move the signer in use aside (kept for the record, never used again)."""
        stamp = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        for path in (self.paths.signer_key, self.paths.signer_uri, self.paths.signer_cert):
            if path.exists():
                os.replace(path, self.paths.retired_signer(stamp, path.suffix))

    def ensure(self, *, now: int) -> OnlineSigner:
        """The online signer; with the root here, a first or a renewed one is made when needed."""
        root = self.root_public()  # NotInitialised first, for a folder that is no HQ
        cert = self.held_cert()
        expiring = cert is None or cert.not_after - now < RENEW_BEFORE or cert.root_public_key != root
        if expiring and self.root_is_here():
            self.certify_here(now=now)
            log.info("a new online signer was certified by the root on this machine")
        elif cert is not None and now >= cert.not_after:
            log.error(
                "HQ's online signer has expired (%s): booths refuse what it signs; hold a key ceremony", cert.describe()
            )
        elif cert is not None and cert.not_after - now < RENEW_BEFORE:
            log.warning("HQ's online signer expires soon (%s): hold a key ceremony", cert.describe())
        return self.current()

    def make_pending(self, token_uri: str | None = None) -> bytes:
        """A new online signer key waiting for the root's certificate (made once; asked again, the
        same); in a PKCS#11 token when ``token_uri`` names one. Returns its public key."""
        if self.paths.pending_signer_uri.exists() or self.paths.pending_signer_key.exists():
            return keys.raw_public(self._signer_key(self.paths.pending_signer_key, self.paths.pending_signer_uri))
        if token_uri is not None:
            from booth.token import keygen

            raw = keygen(token_uri)
            atomic_write(self.paths.pending_signer_uri, token_uri.encode() + b"\n")
            return raw
        key = keys.generate()
        self.save_key(key, self.paths.pending_signer_key)
        return keys.raw_public(key)

    def install_signer(self, cert_data: bytes, *, now: int) -> SignerCert:
        """Put a certificate from a ceremony in use with the pending key it certifies."""
        cert = open_signer_cert(cert_data, trust=self._ours)
        pending = self._signer_key(self.paths.pending_signer_key, self.paths.pending_signer_uri)
        if keys.raw_public(pending) != cert.public_key:
            raise HQError("this certificate is not for the online signer key waiting here (ceremony request)")
        if now >= cert.not_after:
            raise HQError(f"this certificate has expired ({cert.describe()})")
        self._retire(now)
        for src, dst in (
            (self.paths.pending_signer_key, self.paths.signer_key),
            (self.paths.pending_signer_uri, self.paths.signer_uri),
        ):
            if src.exists():
                os.replace(src, dst)
        atomic_write(self.paths.signer_cert, cert_data)
        return cert


def certifiable(issuers: tuple[IssuerKey, ...]) -> tuple[IssuerKey, ...]:
    """The issuers as the root statement lists them: by key id, without HQ's compromise marks
    (the bundle carries those, without a ceremony)."""
    return tuple(sorted((replace(i, compromised_at=None) for i in issuers), key=lambda i: i.kid))
