"""The trust bundle (HQ -> booth): one COSE_Sign1 over deterministic CBOR, signed by the HQ root.

The payload carries the root's own public key so a file is self-describing; a booth trusts
it only if that key is the one it pinned (or the pinned bundle's announced ``next_root``).
The protected header names the content type, so a bundle signature can never be replayed
as a permit or batch signature and vice versa.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.protocol.errors import DocumentRefused
from sync.protocol.keys import kid_of, public_from_raw
from sync.protocol.signed import RootCheck, open_document, sign_document, tuplify
from sync.protocol.watchlist import WATCH_MAC_BYTES, WATCHLIST_KID_BYTES, SealedWatch, WatchEntry, WatchlistKey

__all__ = ["SealedWatch", "WatchEntry", "WatchlistKey"]  # the watchlist's types, for the bundle's readers

CONTENT_TYPE = "application/vnd.booth.trust-bundle+cbor"
# 2: policy, used-up single-entry permits, compromised keys, genuine permits, hard expiry;
# 3: the watchlist sealed (keyed hashes, sync.protocol.watchlist), never plain numbers.
FORMAT = 3
READABLE_FORMATS = (1, 2, 3)
SEALED_WATCHLIST_FROM = 3
# The bilateral border pass: valid at most 2 years, stays of at most 7 days (HQ may say otherwise).
DEFAULT_MAX_VALIDITY_DAYS = 730
DEFAULT_MAX_STAY_DAYS = 7
# A format-1 bundle's expires_at was never enforced (it equals the stale mark): such a bundle
# stops being trusted this long after it was issued.
V1_HARD_LIMIT = 30 * 86_400
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
    compromised_at: int | None = None  # the key was stolen: every permit under it is refused

    @cached_property
    def verifier(self) -> Ed25519PublicKey:
        """The key object, made once per bundle load rather than once per scan."""
        return public_from_raw(self.public_key)


@dataclass(frozen=True)
class CountryPolicy:
    """Caps on what an issuing country's offices may issue; booths refuse permits beyond them."""

    country: str
    max_validity_days: int = DEFAULT_MAX_VALIDITY_DAYS
    max_stay_days: int = DEFAULT_MAX_STAY_DAYS


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
    watchlist: tuple[WatchEntry, ...] = ()  # plain entries: formats 1 and 2 only
    booths: tuple[BoothEntry, ...] = ()
    officers: tuple[OfficerEntry, ...] = ()
    next_root_public_key: bytes | None = None
    policy: tuple[CountryPolicy, ...] = ()
    used_up: tuple[str, ...] = ()  # single-entry permits already used at some booth (HQ's word)
    genuine: tuple[str, ...] = ()  # permits HQ re-lists as genuine under a compromised key
    sealed_watchlist: tuple[SealedWatch, ...] = ()  # format 3: the watchlist as keyed hashes
    watchlist_key_id: bytes | None = None  # the key those hashes were made with
    format: int = FORMAT
    _by_kid: dict[bytes, IssuerKey] = field(default_factory=dict, init=False, repr=False, compare=False)
    _revoked: set[str] = field(default_factory=set, init=False, repr=False, compare=False)
    _used_up: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)
    _genuine: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)
    _sealed: dict[bytes, list[SealedWatch]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for s in self.sealed_watchlist:
            for mac in (s.permit, s.document):
                if mac:
                    self._sealed.setdefault(mac, []).append(s)
        object.__setattr__(self, "_used_up", frozenset(self.used_up))
        object.__setattr__(self, "_genuine", frozenset(self.genuine))
        self._by_kid.update((i.kid, i) for i in self.issuers)
        for r in self.revocations:
            self._revoked.update(x for x in (r.permit_no, r.signature_sha256) if x)

    def issuer(self, kid: bytes) -> IssuerKey | None:
        return self._by_kid.get(kid)

    def is_revoked(self, permit_no: str, signature_sha256: str) -> bool:
        return permit_no in self._revoked or signature_sha256 in self._revoked

    def watch_readable(self, key: WatchlistKey | None) -> bool:
        """Whether ``key`` can check this bundle's watchlist: nothing sealed, or sealed with that key."""
        return not self.sealed_watchlist or (key is not None and key.kid == self.watchlist_key_id)

    def watch_hits(
        self, permit_no: str, document: str, nationality: str, key: WatchlistKey | None = None
    ) -> list[WatchEntry | SealedWatch]:
        """The entries a permit matches: plain ones by value, sealed ones by ``key``'s hashes (if it fits)."""
        hits: list[WatchEntry | SealedWatch] = [
            w for w in self.watchlist if w.matches(permit_no, document, nationality)
        ]
        if self._sealed and key is not None and key.kid == self.watchlist_key_id:
            for mac in key.probes(permit_no, document, nationality):
                hits += self._sealed.get(mac, ())
        return list(dict.fromkeys(hits))

    def stale_at(self) -> int:
        """The moment past which verdicts carry ``trust_stale``."""
        return self.issued_at + self.max_offline_age

    def checkpoint(self, code: str) -> Checkpoint | None:
        return next((c for c in self.checkpoints if c.code == code), None)

    def hard_expiry(self) -> int:
        """The moment past which the booth stops trusting this bundle at all (``trust_expired``)."""
        return self.expires_at if self.format >= 2 else self.issued_at + V1_HARD_LIMIT

    def policy_for(self, country: str) -> CountryPolicy:
        return next((p for p in self.policy if p.country == country), CountryPolicy(country))

    def booth(self, booth_id: str) -> BoothEntry | None:
        return next((b for b in self.booths if b.booth_id == booth_id), None)

    def is_used_up(self, permit_no: str) -> bool:
        return permit_no in self._used_up

    def is_genuine(self, permit_no: str) -> bool:
        return permit_no in self._genuine


_PARTS: dict[str, type] = {
    "issuers": IssuerKey,
    "checkpoints": Checkpoint,
    "revocations": Revocation,
    "watchlist": WatchEntry,
    "sealed_watchlist": SealedWatch,
    "booths": BoothEntry,
    "officers": OfficerEntry,
    "policy": CountryPolicy,
}


def sign_bundle(bundle: TrustBundle, root: Ed25519PrivateKey) -> bytes:
    if bundle.watchlist:
        raise ValueError(f"a format-{FORMAT} bundle carries the watchlist sealed only (seal_watchlist)")
    return sign_document(_to_cbor(bundle), root, bundle.root_public_key, content_type=CONTENT_TYPE, what="trust bundle")


def open_bundle(
    data: bytes, *, trust: RootCheck | None = None, known: Collection[bytes] = (), own_file: bool = False
) -> TrustBundle:
    """Check a bundle's signature, then parse it (``signed.open_document``): by the root in its
    protected header, refused unread by ``trust``; or, for one from before that header, by a
    ``known`` root with its key id (or the old way, from the reader's ``own_file``).

    Whether that root is *trusted* is the booth's decision (``booth.trust``), passed as ``trust``.
    """
    return open_document(
        data,
        content_type=CONTENT_TYPE,
        what="trust bundle",
        max_bytes=MAX_BUNDLE_BYTES,
        parse=_from_cbor,
        root_of=lambda b: b.root_public_key,
        trust=trust,
        known=known,
        own_file=own_file,
    )


def _to_cbor(bundle: TrustBundle) -> dict[str, Any]:
    out = {k: v for k, v in asdict(bundle).items() if not k.startswith("_")}
    out["format"] = FORMAT
    for name in _PARTS:
        out[name] = [{k: list(v) if isinstance(v, tuple) else v for k, v in item.items()} for item in out[name]]
    out["used_up"], out["genuine"] = list(bundle.used_up), list(bundle.genuine)
    del out["watchlist"]  # sign_bundle refused a plain one: format 3 carries only the sealed list
    return out


def _from_cbor(raw: Any) -> TrustBundle:
    if not isinstance(raw, dict) or raw.get("format") not in READABLE_FORMATS:
        found = raw.get("format") if isinstance(raw, dict) else None
        raise DocumentRefused(
            f"trust bundle format {found!r} is not one this booth reads "
            f"({', '.join(map(str, READABLE_FORMATS))}): update Booth"
        )
    try:
        fields = dict(raw)
        for name, cls in _PARTS.items():
            fields[name] = tuple(cls(**tuplify(item)) for item in fields.get(name, ()))
        for name in ("used_up", "genuine"):
            fields[name] = tuple(fields.get(name, ()))
        bundle = TrustBundle(**fields)
    except TypeError as exc:
        raise DocumentRefused(f"trust bundle has unexpected contents: {exc}") from None
    _check_types(bundle)
    return bundle


def _check_types(b: TrustBundle) -> None:
    ints = (b.version, b.issued_at, b.expires_at, b.hq_time, b.max_offline_age)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ints):
        raise DocumentRefused("trust bundle times and version must be integers")
    if not all(isinstance(n, str) for n in (*b.used_up, *b.genuine)):
        raise DocumentRefused("trust bundle permit lists must hold permit numbers")
    _check_watchlist(b)
    for cap in b.policy:
        if not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (cap.max_validity_days, cap.max_stay_days)
        ):
            raise DocumentRefused(f"trust bundle policy for {cap.country!r} is malformed")
    for issuer in b.issuers:
        if not isinstance(issuer.public_key, bytes) or len(issuer.public_key) != 32:
            raise DocumentRefused(f"issuer {issuer.office!r} has a malformed public key")
        if issuer.kid != kid_of(issuer.public_key):
            raise DocumentRefused(f"issuer {issuer.office!r} key id does not match its key")


def _check_watchlist(b: TrustBundle) -> None:
    """Format 3 holds no readable watchlist; sealed entries are hashes under a named key."""
    if b.format >= SEALED_WATCHLIST_FROM and b.watchlist:
        raise DocumentRefused(f"trust bundle format {b.format} must not carry a plain watchlist")
    if b.format < SEALED_WATCHLIST_FROM and (b.sealed_watchlist or b.watchlist_key_id is not None):
        raise DocumentRefused(f"trust bundle format {b.format} has no sealed watchlist")
    kid = b.watchlist_key_id
    if (kid is not None or b.sealed_watchlist) and not (isinstance(kid, bytes) and len(kid) == WATCHLIST_KID_BYTES):
        raise DocumentRefused("trust bundle's sealed watchlist names no well-formed key id")
    for s in b.sealed_watchlist:
        macs = [m for m in (s.permit, s.document) if m is not None]
        if not macs or not all(isinstance(m, bytes) and len(m) == WATCH_MAC_BYTES for m in macs):
            raise DocumentRefused("trust bundle's sealed watchlist holds a malformed entry")
