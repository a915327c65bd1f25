"""The trust bundle (HQ -> booth): one COSE_Sign1 over deterministic CBOR, signed by the HQ root.

The payload carries the root's own public key so a file is self-describing; a booth trusts
it only if that key is the one it pinned (or the pinned bundle's announced ``next_root``).
The protected header names the content type, so a bundle signature can never be replayed
as a permit or batch signature and vice versa.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.protocol.errors import DocumentRefused
from sync.protocol.keys import kid_of, public_from_raw
from sync.protocol.signed import open_document, sign_document, tuplify

CONTENT_TYPE = "application/vnd.booth.trust-bundle+cbor"
FORMAT = 1
MAX_BUNDLE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class IssuerKey:
    kid: bytes
    public_key: bytes  # raw Ed25519, 32 bytes
    office: str  # the `iss` its permits must carry
    country: str  # KH | TH
    not_before: int  # the key may sign permits issued in [not_before, not_after)
    not_after: int | None
    checkpoints: tuple[str, ...]  # checkpoints it may issue for; empty = any
    name: str = ""

    @cached_property
    def verifier(self) -> Ed25519PublicKey:
        """The key object, made once per bundle load rather than once per scan."""
        return public_from_raw(self.public_key)


@dataclass(frozen=True)
class Checkpoint:
    code: str
    country: str
    name_en: str
    name_km: str = ""
    name_th: str = ""


@dataclass(frozen=True)
class Revocation:
    """Names a permit number, or the SHA-256 (hex) of one printed copy's signature."""

    permit_no: str | None = None
    signature_sha256: str | None = None
    reason: str = ""
    revoked_at: int = 0


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
class BoothEntry:
    booth_id: str
    checkpoint: str
    public_key: bytes


@dataclass(frozen=True)
class OfficerEntry:
    name: str
    role: str  # officer | supervisor
    checkpoint: str | None = None


@dataclass(frozen=True)
class TrustBundle:
    version: int
    issued_at: int
    expires_at: int
    hq_time: int
    max_offline_age: int  # seconds after issued_at before verdicts carry trust_stale
    root_public_key: bytes
    issuers: tuple[IssuerKey, ...] = ()
    checkpoints: tuple[Checkpoint, ...] = ()
    revocations: tuple[Revocation, ...] = ()
    watchlist: tuple[WatchEntry, ...] = ()
    booths: tuple[BoothEntry, ...] = ()
    officers: tuple[OfficerEntry, ...] = ()
    next_root_public_key: bytes | None = None
    _by_kid: dict[bytes, IssuerKey] = field(default_factory=dict, init=False, repr=False, compare=False)
    _revoked: set[str] = field(default_factory=set, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_kid.update((i.kid, i) for i in self.issuers)
        for r in self.revocations:
            self._revoked.update(x for x in (r.permit_no, r.signature_sha256) if x)

    def issuer(self, kid: bytes) -> IssuerKey | None:
        return self._by_kid.get(kid)

    def is_revoked(self, permit_no: str, signature_sha256: str) -> bool:
        return permit_no in self._revoked or signature_sha256 in self._revoked

    def watch_hits(self, permit_no: str, document: str, nationality: str) -> list[WatchEntry]:
        return [w for w in self.watchlist if w.matches(permit_no, document, nationality)]

    def stale_at(self) -> int:
        """The moment past which verdicts carry ``trust_stale``."""
        return self.issued_at + self.max_offline_age

    def checkpoint(self, code: str) -> Checkpoint | None:
        return next((c for c in self.checkpoints if c.code == code), None)


_PARTS: dict[str, type] = {
    "issuers": IssuerKey,
    "checkpoints": Checkpoint,
    "revocations": Revocation,
    "watchlist": WatchEntry,
    "booths": BoothEntry,
    "officers": OfficerEntry,
}


def sign_bundle(bundle: TrustBundle, root: Ed25519PrivateKey) -> bytes:
    return sign_document(_to_cbor(bundle), root, bundle.root_public_key, content_type=CONTENT_TYPE,
                         what="trust bundle")  # fmt: skip


def open_bundle(data: bytes) -> TrustBundle:
    """Parse a bundle and check it is signed by the root key it names.

    Whether that root is *trusted* is the booth's decision (``booth.trust``).
    """
    return open_document(data, content_type=CONTENT_TYPE, what="trust bundle", max_bytes=MAX_BUNDLE_BYTES,
                         parse=_from_cbor, root_of=lambda b: b.root_public_key)  # fmt: skip


def _to_cbor(bundle: TrustBundle) -> dict[str, Any]:
    out = {k: v for k, v in asdict(bundle).items() if not k.startswith("_")}
    out["format"] = FORMAT
    for name in _PARTS:
        out[name] = [{k: list(v) if isinstance(v, tuple) else v for k, v in item.items()} for item in out[name]]
    return out


def _from_cbor(raw: Any) -> TrustBundle:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise DocumentRefused("trust bundle format is not supported")
    try:
        fields = {k: v for k, v in raw.items() if k != "format"}
        for name, cls in _PARTS.items():
            fields[name] = tuple(cls(**tuplify(item)) for item in fields.get(name, ()))
        bundle = TrustBundle(**fields)
    except TypeError as exc:
        raise DocumentRefused(f"trust bundle has unexpected contents: {exc}") from None
    _check_types(bundle)
    return bundle


def _check_types(b: TrustBundle) -> None:
    ints = (b.version, b.issued_at, b.expires_at, b.hq_time, b.max_offline_age)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ints):
        raise DocumentRefused("trust bundle times and version must be integers")
    for issuer in b.issuers:
        if not isinstance(issuer.public_key, bytes) or len(issuer.public_key) != 32:
            raise DocumentRefused(f"issuer {issuer.office!r} has a malformed public key")
        if issuer.kid != kid_of(issuer.public_key):
            raise DocumentRefused(f"issuer {issuer.office!r} key id does not match its key")
