"""The trust bundle (HQ -> booth): one COSE_Sign1 over deterministic CBOR, signed by the HQ root.

The payload carries the root's own public key so a file is self-describing; a booth trusts
it only if that key is the one it pinned (or the pinned bundle's announced ``next_root``).
The protected header names the content type, so a bundle signature can never be replayed
as a permit or batch signature and vice versa.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol import cbor, cose
from sync.protocol.errors import DocumentRefused, MessageError
from sync.protocol.issuer import IssuerKey, check_issuers, is_int
from sync.protocol.keys import Signer
from sync.protocol.signed import RootCheck, open_document, sign_document, tuplify
from sync.protocol.signer_cert import HDR_SIGNER_CERT, SignerCert, SignerRules, open_certified, sign_certified
from sync.protocol.statement import RootStatement, open_statement
from sync.protocol.times import DAY
from sync.protocol.watchlist import WATCH_MAC_BYTES, WATCHLIST_KID_BYTES, SealedWatch, WatchEntry, WatchlistKey

__all__ = ["IssuerKey", "SealedWatch", "WatchEntry", "WatchlistKey"]  # types the bundle's readers need

CONTENT_TYPE = "application/vnd.booth.trust-bundle+cbor"
# 2: policy, used-up single-entry permits, compromised keys, genuine permits, hard expiry;
# 3: the watchlist sealed (keyed hashes, sync.protocol.watchlist), never plain numbers;
# 4: signed by a certified online signer, not the root; issuers and the next root come from
#    the root statement it carries (sync.protocol.statement), the bundle may only mark them compromised.
FORMAT = 4
READABLE_FORMATS = (1, 2, 3, 4)
SEALED_WATCHLIST_FROM = 3
CERTIFIED_FROM = 4
# The bilateral border pass: valid at most 2 years, stays of at most 7 days (HQ may say otherwise).
DEFAULT_MAX_VALIDITY_DAYS = 730
DEFAULT_MAX_STAY_DAYS = 7
# A format-1 bundle's expires_at was never enforced (it equals the stale mark): such a bundle
# stops being trusted this long after it was issued.
V1_HARD_LIMIT = 30 * 86_400
MAX_BUNDLE_BYTES = 64 * 1024 * 1024
# A format-4 bundle is trusted at most this long after it was issued, and is issued while its
# signer's certificate runs: a stolen online key cannot make a bundle that outlives its
# certificate by more than this.
MAX_CERTIFIED_LIFETIME_DAYS = 90


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
    statement: RootStatement | None = None  # format 4: the root's word, issuers and next root taken from it
    signer: SignerCert | None = None  # format 4: the online signer that signed this bundle
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


ROOT_SIGNED_FORMAT = 3  # the last format a root signs itself


def sign_bundle(bundle: TrustBundle, root: Ed25519PrivateKey) -> bytes:
    """A format-3 bundle signed by the root itself (before online signers; still read)."""
    if bundle.watchlist:
        raise ValueError(f"a format-{ROOT_SIGNED_FORMAT} bundle carries the watchlist sealed only (seal_watchlist)")
    payload = {**_to_cbor(bundle), "format": ROOT_SIGNED_FORMAT}
    return sign_document(payload, root, bundle.root_public_key, content_type=CONTENT_TYPE, what="trust bundle")


def sign_certified_bundle(
    bundle: TrustBundle, signer: Ed25519PrivateKey | Signer, cert_data: bytes, statement_data: bytes
) -> bytes:
    """A format-4 bundle: signed by an online signer (its certificate in the header), carrying the
    root statement whole. Issuers the statement does not certify never reach a booth; the
    bundle adds only when an issuer was found compromised."""
    if bundle.watchlist:
        raise ValueError(f"a format-{FORMAT} bundle carries the watchlist sealed only (seal_watchlist)")
    statement = open_statement(statement_data)
    if statement.root_public_key != bundle.root_public_key:
        raise DocumentRefused("the root statement is not by this bundle's root")
    payload = _to_cbor(bundle)
    for name in ("issuers", "next_root_public_key"):
        del payload[name]
    payload["root_statement"] = statement_data
    payload["compromised"] = [[i.kid, i.compromised_at] for i in bundle.issuers if i.compromised_at is not None]
    return sign_certified(cbor.dumps_cbor(payload), signer, cert_data, content_type=CONTENT_TYPE)


def open_bundle(
    data: bytes,
    *,
    trust: RootCheck | None = None,
    known: Collection[bytes] = (),
    own_file: bool = False,
    held: RootStatement | None = None,
    now: int | None = None,
) -> TrustBundle:
    """Check a bundle's signature, then parse it: a format-4 one by its online signer's
    certificate (root judged by ``trust``, signer by ``held``, the newest root statement the
    reader holds, and by ``now``); an older one by the root in its protected header, or, from
    before that header, by a ``known`` root with its key id (the old way: the reader's ``own_file``).

    Whether that root is *trusted* is the booth's decision (``booth.trust``), passed as ``trust``."""
    if _is_certified(data):
        return _open_certified(data, trust=trust, held=held, now=now)
    bundle = open_document(
        data,
        content_type=CONTENT_TYPE,
        what="trust bundle",
        max_bytes=MAX_BUNDLE_BYTES,
        parse=_from_root_signed,
        root_of=lambda b: b.root_public_key,
        trust=trust,
        known=known,
        own_file=own_file,
    )
    if held is not None:  # judged after the root: a stranger's bundle is refused as such
        raise DocumentRefused(
            f"trust bundle format {bundle.format} is signed by the root itself, older than the installed "
            "format-4 bundle (rollback refused)"
        )
    return bundle


def _from_root_signed(raw: Any) -> TrustBundle:
    if isinstance(raw, dict) and is_int(raw.get("format")) and raw["format"] >= CERTIFIED_FROM:
        raise DocumentRefused(f"trust bundle format {raw['format']} must be signed by a certified online signer")
    return _from_cbor(raw)


def _is_certified(data: bytes) -> bool:
    try:
        return len(data) <= MAX_BUNDLE_BYTES and HDR_SIGNER_CERT in cose.parse_envelope(data, "trust bundle").headers
    except MessageError:
        return False  # the full reader says what is wrong


def _open_certified(
    data: bytes, *, trust: RootCheck | None, held: RootStatement | None, now: int | None
) -> TrustBundle:
    rules = held.signer_rules() if held is not None else SignerRules()
    cert, signed = open_certified(
        data,
        content_type=CONTENT_TYPE,
        what="trust bundle",
        max_bytes=MAX_BUNDLE_BYTES,
        purpose="bundle",
        trust=trust or (lambda _root: None),
        rules=rules,
        now=now,
    )
    try:
        raw = cbor.loads_cbor(signed.payload, "trust bundle")
    except MessageError as exc:
        raise DocumentRefused(f"trust bundle is damaged: {exc.detail}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or not isinstance(raw.get("root_statement"), bytes):
        raise DocumentRefused(f"trust bundle signed by an online signer must be format {FORMAT}: update Booth")
    statement = _statement_of(raw.pop("root_statement"), cert, held, now)
    compromised = _compromised(raw.pop("compromised", []))
    raw["issuers"] = [
        {**asdict(i), "compromised_at": _earliest(i.compromised_at, compromised.get(i.kid))} for i in statement.issuers
    ]
    raw["next_root_public_key"] = statement.next_root_public_key
    bundle = _from_cbor(raw)
    if bundle.root_public_key != cert.root_public_key:
        raise DocumentRefused("trust bundle names a different root key than its signer's certificate")
    _check_lifetime(bundle, cert)
    object.__setattr__(bundle, "statement", statement)
    object.__setattr__(bundle, "signer", cert)
    return bundle


def _check_lifetime(bundle: TrustBundle, cert: SignerCert) -> None:
    if bundle.issued_at >= cert.not_after:
        raise DocumentRefused("trust bundle claims to be issued after its online signer's certificate ended")
    if bundle.expires_at - bundle.issued_at > MAX_CERTIFIED_LIFETIME_DAYS * DAY:
        raise DocumentRefused(f"trust bundle would be trusted more than {MAX_CERTIFIED_LIFETIME_DAYS} days")


def _statement_of(data: bytes, cert: SignerCert, held: RootStatement | None, now: int | None) -> RootStatement:
    """The bundle's root statement: by the signer's root, not older than the one held, and
    itself not revoking or outlawing the signer."""

    def same_root(root: bytes) -> None:
        if root != cert.root_public_key:
            raise DocumentRefused("trust bundle's root statement is by another root than its signer's")

    statement = open_statement(data, trust=same_root)
    if held is not None and held.root_public_key == statement.root_public_key and statement.serial < held.serial:
        raise DocumentRefused(
            f"trust bundle carries root statement {statement.serial}, older than the {held.serial} "
            "this booth holds (rollback refused)"
        )
    statement.signer_rules().judge(cert, "bundle", now)
    return statement


def _compromised(raw: Any) -> dict[bytes, int]:
    if not isinstance(raw, list) or not all(
        isinstance(e, list) and len(e) == 2 and isinstance(e[0], bytes) and is_int(e[1]) for e in raw
    ):
        raise DocumentRefused("trust bundle's compromised issuers are malformed")
    return {kid: at for kid, at in raw}


def _earliest(a: int | None, b: int | None) -> int | None:
    return min((x for x in (a, b) if x is not None), default=None)


def _to_cbor(bundle: TrustBundle) -> dict[str, Any]:
    out = {k: v for k, v in asdict(bundle).items() if not k.startswith("_") and k not in ("statement", "signer")}
    out["format"] = FORMAT
    for name in _PARTS:
        out[name] = [{k: list(v) if isinstance(v, tuple) else v for k, v in item.items()} for item in out[name]]
    out["used_up"], out["genuine"] = list(bundle.used_up), list(bundle.genuine)
    del out["watchlist"]  # the sign functions refused a plain one: formats 3 and 4 carry only the sealed list
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
        if "statement" in fields or "signer" in fields:  # set by the reader, from signed documents only
            raise TypeError("unexpected keys 'statement' or 'signer'")
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
    check_issuers(b.issuers, "trust bundle")


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
