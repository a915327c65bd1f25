"""The watchlist, plain at HQ and sealed in the bundle: keyed hashes a booth with the key can match.

A trust bundle travels widely (any booth, a USB stick, HQ's ``/v1/bundle``), so from bundle
format 3 it carries no readable permit or document number: each watchlist entry becomes
HMAC-SHA256 under HQ's secret watchlist key of its permit number, and of its document number
with its nationality (or "any nationality"). A booth holding the key computes the same three
hashes for the permit it scans and looks them up; without the key the hashes say nothing, and a
guess cannot be checked offline.

Each hashed value is framed as a one-letter domain tag followed by its parts, each part
length-prefixed, so no permit number can hash like a document, nor one (nationality, document)
pair like another. Hashes are cut to 16 bytes: with a few thousand entries the chance that some
scan ever matches an entry it should not is below 2^-100, and the bundle stays half the size.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sync.protocol.errors import KeyFileError
from sync.protocol.files import atomic_write

WATCHLIST_KEY_BYTES = 32
WATCHLIST_KID_BYTES = 8
WATCH_MAC_BYTES = 16
# Domain tags: a permit number, a document with its nationality, a document of any nationality.
TAG_PERMIT, TAG_DOCUMENT, TAG_ANY_NATIONALITY = b"P", b"D", b"A"


@dataclass(frozen=True)
class WatchEntry:
    """Matches a permit number, or an identity document number (with nationality if given)."""

    permit_no: str | None = None
    document: str | None = None
    nationality: str | None = None
    reason: str = ""

    def matches(self, permit_no: str, document: str, nationality: str) -> bool:
        if self.permit_no and self.permit_no == permit_no:
            return True
        return bool(self.document) and self.document == document and self.nationality in (None, nationality)


@dataclass(frozen=True)
class SealedWatch:
    """One watchlist entry as a bundle carries it: the keyed hashes of what ``WatchEntry`` names."""

    permit: bytes | None = None  # WATCH_MAC_BYTES, or None when the entry names no permit
    document: bytes | None = None  # of (nationality, document), or of the document for any nationality


@dataclass(frozen=True)
class WatchlistKey:
    """HQ's secret watchlist key; booths get it at enrolment and with every bundle they fetch."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes) or len(self.secret) != WATCHLIST_KEY_BYTES:
            raise ValueError(f"a watchlist key is {WATCHLIST_KEY_BYTES} bytes")

    @classmethod
    def generate(cls) -> WatchlistKey:
        return cls(secrets.token_bytes(WATCHLIST_KEY_BYTES))

    @classmethod
    def from_hex(cls, text: str) -> WatchlistKey:
        """The key from its hex form (the key file, the HTTP header); ``ValueError`` if malformed."""
        return cls(bytes.fromhex(text.strip()))

    def hex(self) -> str:
        return self.secret.hex()

    @cached_property
    def kid(self) -> bytes:
        """The key id a bundle names: it tells a booth whether its key is the one used."""
        return watchlist_kid(self.secret)

    @cached_property
    def _keyed(self) -> hmac.HMAC:
        """HMAC state with the key already absorbed: each hash copies it (half the cost per scan)."""
        return hmac.new(self.secret, digestmod=hashlib.sha256)

    def mac(self, tag: bytes, *parts: str) -> bytes:
        h = self._keyed.copy()
        h.update(frame(tag, *parts))
        return h.digest()[:WATCH_MAC_BYTES]

    def probes(self, permit_no: str, document: str, nationality: str) -> tuple[bytes, bytes, bytes]:
        """The hashes a scanned permit can match: its number, its document with and without nationality."""
        return (
            self.mac(TAG_PERMIT, permit_no),
            self.mac(TAG_DOCUMENT, nationality, document),
            self.mac(TAG_ANY_NATIONALITY, document),
        )

    def seal(self, entry: WatchEntry) -> SealedWatch | None:
        """``entry`` as hashes, exactly as ``WatchEntry.matches`` reads it; None if it matches nothing."""
        permit = self.mac(TAG_PERMIT, entry.permit_no) if entry.permit_no else None
        document = None
        if entry.document:
            document = (
                self.mac(TAG_ANY_NATIONALITY, entry.document)
                if entry.nationality is None
                else self.mac(TAG_DOCUMENT, entry.nationality, entry.document)
            )
        return SealedWatch(permit, document) if permit or document else None


def watchlist_kid(secret: bytes) -> bytes:
    """First 8 bytes of SHA-256 over a domain label and the key (never the key itself)."""
    return hashlib.sha256(b"booth-watchlist-key\x00" + secret).digest()[:WATCHLIST_KID_BYTES]


def frame(tag: bytes, *parts: str) -> bytes:
    """``tag`` then each part as UTF-8 with its length (4 bytes, big-endian) before it: injective."""
    out = bytearray(tag)
    for part in parts:
        data = part.encode()
        out += len(data).to_bytes(4, "big") + data
    return bytes(out)


def seal_watchlist(entries: tuple[WatchEntry, ...] | list[WatchEntry], key: WatchlistKey) -> tuple[SealedWatch, ...]:
    """The bundle's watchlist: each entry sealed, duplicates dropped, in hash order (not HQ's order
    of adding them, which would tell when someone was listed)."""
    sealed = {s for s in (key.seal(e) for e in entries) if s is not None}
    return tuple(sorted(sealed, key=lambda s: (s.permit or b"", s.document or b"")))


def save_watchlist_key(key: WatchlistKey, path: Path) -> None:
    """Write the key as hex, mode 0600 in a 0700 folder, whole or not at all (it may replace an older key)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    atomic_write(path, (key.hex() + "\n").encode(), mode=0o600)


def make_watchlist_key(path: Path) -> WatchlistKey:
    """A new key in ``path`` unless one is there already, then that one: two first uses agree."""
    fresh = path.with_name(f".{path.name}.{secrets.token_hex(8)}.new")
    save_watchlist_key(WatchlistKey.generate(), fresh)
    try:
        os.link(fresh, path)  # never replaces: the first key made is the key
    except FileExistsError:
        pass
    finally:
        fresh.unlink()
    key = load_watchlist_key(path)
    if key is None:
        raise KeyFileError(f"{path} vanished while it was made")
    return key


def load_watchlist_key(path: Path) -> WatchlistKey | None:
    """The key in ``path``, None when there is none; a file others may read, or a damaged one, is refused."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"key file {path} is readable by others (mode {stat.S_IMODE(mode):04o}); run: chmod 600 {path}"
        )
    try:
        return WatchlistKey.from_hex(path.read_text())
    except (ValueError, UnicodeDecodeError):
        raise KeyFileError(f"{path} is not a watchlist key ({WATCHLIST_KEY_BYTES * 2} hex digits)") from None
