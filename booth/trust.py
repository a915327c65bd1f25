"""The booth's installed trust: the pinned HQ root and the current trust bundle.

Kept as two files in ``<data-dir>/trust/`` written atomically (temp file, fsync, rename), so a
power cut leaves either the old or the new bundle, never half of one.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from booth.errors import NoTrustBundle, TrustError
from sync.protocol.bundle import IssuerKey, TrustBundle, open_bundle
from sync.protocol.errors import DocumentRefused, KeyFileError, UnknownIssuer
from sync.protocol.files import atomic_write
from sync.protocol.keys import fingerprint, normalise_fingerprint
from sync.protocol.permit import SignedPermit
from sync.protocol.watchlist import WatchlistKey, load_watchlist_key, save_watchlist_key

log = logging.getLogger(__name__)


def check_permit_signature(signed: SignedPermit, bundle: TrustBundle) -> IssuerKey:
    """Find the issuer key by kid and verify; raise ``UnknownIssuer``/``BadSignature``."""
    issuer = bundle.issuer(signed.kid)
    if issuer is None:
        raise UnknownIssuer(f"no trusted issuer has key id {signed.kid.hex()}")
    signed.verify(issuer.verifier)
    return issuer


def fingerprints_match(a: str, b: str) -> bool:
    return hmac.compare_digest(normalise_fingerprint(a), normalise_fingerprint(b))


@dataclass(frozen=True)
class Installed:
    bundle: TrustBundle
    raw: bytes


def accept_bundle(
    data: bytes,
    *,
    pinned_root: bytes | None,
    current: TrustBundle | None,
    pin: str | None = None,
    high_water: int | None = None,
    now: int | None = None,
) -> TrustBundle:
    """Decide whether a booth may install ``data``; return the bundle or raise ``TrustError``.

    The root is judged, and the signature checked, before the bundle's payload is decoded. A
    bundle an online signer signed needs its certificate valid at ``now`` (the booth's clock)
    and not revoked by the root statement of the installed bundle, nor that statement rolled back."""
    bundle = _open(
        data,
        trust=root_check(pinned_root, current, pin),
        known=trusted_roots(pinned_root, current),
        held=current.statement if current is not None else None,
        now=now,
    )
    if fresher_statement(bundle, current):
        return bundle  # the root spoke since: versions start again (a revoked signer's far-ahead one is undone)
    if current is not None and bundle.version <= current.version:
        raise TrustError(
            f"bundle version {bundle.version} is not newer than the installed {current.version} (rollback refused)"
        )
    if high_water is not None and bundle.version < high_water:
        raise TrustError(
            f"bundle version {bundle.version} is older than version {high_water} this booth used "
            "before (rollback refused)"
        )
    return bundle


def fresher_statement(bundle: TrustBundle, current: TrustBundle | None) -> bool:
    """Whether ``bundle`` carries a newer root statement, of the same root, than ``current``.

    Such a bundle is installed whatever its version: the root has spoken since (a ceremony), so
    a bundle an online signer signed with a far-ahead version before the root revoked it cannot
    keep a booth from HQ's bundles. Statements only come from the root; a thief cannot make one."""
    held = current.statement if current is not None else None
    return (
        bundle.statement is not None
        and held is not None
        and bundle.statement.root_public_key == held.root_public_key
        and bundle.statement.serial > held.serial
    )


def trusted_roots(pinned_root: bytes | None, current: TrustBundle | None) -> tuple[bytes, ...]:
    """The roots a booth trusts: the pinned one and the next one its installed bundle announced."""
    announced = current.next_root_public_key if current is not None else None
    return tuple(root for root in (pinned_root, announced) if root is not None)


def root_check(pinned_root: bytes | None, current: TrustBundle | None, pin: str | None) -> Callable[[bytes], None]:
    """Raise ``TrustError`` for a root the booth does not trust (called before a bundle is decoded)."""

    def check(root: bytes) -> None:
        if pinned_root is None:
            if pin is None:
                raise TrustError("first install needs --pin FINGERPRINT (shown by booth-hq init)")
            if not fingerprints_match(pin, fingerprint(root)):
                raise TrustError(f"bundle root {fingerprint(root)} does not match the fingerprint given with --pin")
        elif not any(hmac.compare_digest(root, trusted) for trusted in trusted_roots(pinned_root, current)):
            raise TrustError("bundle is signed by a root this booth does not trust")

    return check


def _open(data: bytes, **options: Any) -> TrustBundle:
    """The bundle in ``data``, its signature checked; any refusal is the booth's ``TrustError``."""
    try:
        return open_bundle(data, **options)
    except DocumentRefused as exc:
        raise TrustError(str(exc)) from None


def _identity(path: Path) -> tuple[int, int, int] | None:
    """Inode, size and modification time of ``path``; None when it does not exist."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


class TrustStore:
    """Files under ``<data-dir>/trust``: ``root.json`` (the pin) and ``bundle.cose``; and HQ's
    secret watchlist key, ``<data-dir>/keys/watchlist.key``, beside the booth's own key."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "trust"
        self.watchlist_key_file = data_dir / "keys" / "watchlist.key"
        # (identities of the bundle and pin files, the bundle checked against that pin)
        self._checked: tuple[tuple[object, object], TrustBundle] | None = None
        self._key: tuple[object, WatchlistKey | None] | None = None  # (the key file's identity, its key)

    @property
    def _root_file(self) -> Path:
        return self.dir / "root.json"

    @property
    def _bundle_file(self) -> Path:
        return self.dir / "bundle.cose"

    def pinned_root(self) -> bytes | None:
        try:
            return bytes.fromhex(json.loads(self._root_file.read_text())["public_key"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            raise TrustError(f"{self._root_file} is damaged; re-enrol this booth") from None

    def current(self) -> TrustBundle | None:
        """The installed bundle, checked against the pin; parsed and checked again only when
        either file changed (every record asks, through the booth's checkpoint)."""
        bundle_id = _identity(self._bundle_file)
        if bundle_id is None:
            return None
        identity = (bundle_id, _identity(self._root_file))  # a replaced file is a new inode
        if self._checked is not None and self._checked[0] == identity:
            return self._checked[1]
        pinned = self.pinned_root()
        # Its own file, checked at install: one from before the root header is still read.
        bundle = _open(self._bundle_file.read_bytes(), known=trusted_roots(pinned, None), own_file=True)
        # The pin is written before the bundle, so after a power cut mid-rotation the old
        # bundle may still be here: it is fine exactly when it announced the pinned root.
        if pinned is None or not (
            hmac.compare_digest(bundle.root_public_key, pinned) or bundle.next_root_public_key == pinned
        ):
            raise TrustError("installed bundle is not signed by the pinned root; reinstall it")
        self._checked = (identity, bundle)
        return bundle

    def require(self) -> TrustBundle:
        bundle = self.current()
        if bundle is None:
            raise NoTrustBundle("no trust bundle installed: run `booth bundle install FILE --pin FINGERPRINT`")
        return bundle

    def install(
        self, data: bytes, *, pin: str | None = None, high_water: int | None = None, now: int | None = None
    ) -> TrustBundle:
        """Install ``data`` if the booth accepts it (``accept_bundle``); ``now``: the booth clock, else the system."""
        now = int(time.time()) if now is None else now
        bundle = accept_bundle(
            data, pinned_root=self.pinned_root(), current=self.current(), pin=pin, high_water=high_water, now=now
        )
        if self.pinned_root() != bundle.root_public_key:
            self.pin_root(bundle.root_public_key)
        atomic_write(self._bundle_file, data)
        return bundle

    def pin_root(self, root: bytes) -> None:
        """Trust ``root`` from now on (enrolment, or a rotation the installed bundle announced)."""
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        pin = {"public_key": root.hex(), "fingerprint": fingerprint(root)}
        atomic_write(self._root_file, json.dumps(pin, indent=1).encode())

    def watchlist_key(self) -> WatchlistKey | None:
        """HQ's watchlist key, read again only when the file changed; None when this booth has none
        or its file is unusable (then every verdict says ``watchlist_unreadable``)."""
        identity = _identity(self.watchlist_key_file)
        if self._key is None or self._key[0] != identity:
            try:
                key = load_watchlist_key(self.watchlist_key_file)
            except KeyFileError as exc:
                log.warning("watchlist key unusable: %s", exc)
                key = None
            self._key = (identity, key)
        return self._key[1]

    def save_watchlist_key(self, key: WatchlistKey) -> bool:
        """Keep ``key`` (from enrolment or HQ's bundle answer); return whether it was new."""
        if self.watchlist_key() == key:
            return False
        save_watchlist_key(key, self.watchlist_key_file)
        return True
