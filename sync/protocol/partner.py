"""The partner list (HQ -> partner HQ): one COSE_Sign1 over deterministic CBOR, signed by the
exporting HQ's root.

Bilateral recognition: each country's HQ exports its own issuing offices (keys, offices,
validity, checkpoints) and its revocations; the partner HQ, having pinned our root, folds
them into the trust bundle its booths receive. Like a trust bundle, the payload carries the
signer's root public key so the file is self-describing; whether that root is *trusted* is the
importing HQ's decision (``sync.hq.partner``). Its own content type keeps a partner-list
signature from ever being taken for a bundle, batch or permit signature.

Format 2 adds ``next_root_public_key``: the exporter's next root, announced ahead of a root
rotation (as a bundle announces it to booths). A list announcing nothing is written as format 1,
byte for byte what older partners read; format 1 lists are still read.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol.bundle import IssuerKey, Revocation
from sync.protocol.errors import DocumentRefused
from sync.protocol.issuer import check_issuers, is_int
from sync.protocol.signed import RootCheck, open_document, sign_document, tuplify

CONTENT_TYPE = "application/vnd.booth.partner-list+cbor"
FORMAT = 2
READABLE_FORMATS = (1, 2)
MAX_PARTNER_LIST_BYTES = 16 * 1024 * 1024
COUNTRIES = ("KH", "TH")


@dataclass(frozen=True)
class PartnerList:
    version: int  # only grows, per exporting HQ
    issued_at: int
    country: str  # the exporting HQ's country; every issuer in the list carries it
    root_public_key: bytes  # the exporting HQ's root, raw Ed25519
    issuers: tuple[IssuerKey, ...] = ()
    revocations: tuple[Revocation, ...] = ()
    next_root_public_key: bytes | None = None  # format 2: the exporter's next root, announced


def sign_partner_list(plist: PartnerList, root: Ed25519PrivateKey) -> bytes:
    _check(plist)
    check_scope(plist)
    return sign_document(_to_cbor(plist), root, plist.root_public_key, content_type=CONTENT_TYPE, what="partner list")


def open_partner_list(
    data: bytes, *, trust: RootCheck | None = None, known: Collection[bytes] = (), own_file: bool = False
) -> PartnerList:
    """Check a partner list's signature, then parse it, as ``bundle.open_bundle`` does; whether
    its root is trusted is the importing HQ's decision, passed as ``trust``."""
    return open_document(
        data,
        content_type=CONTENT_TYPE,
        what="partner list",
        max_bytes=MAX_PARTNER_LIST_BYTES,
        parse=_from_cbor,
        root_of=lambda p: p.root_public_key,
        trust=trust,
        known=known,
        own_file=own_file,
    )


def _to_cbor(plist: PartnerList) -> dict[str, Any]:
    out = asdict(plist)
    out["format"] = FORMAT if plist.next_root_public_key is not None else 1
    if plist.next_root_public_key is None:
        del out["next_root_public_key"]
    for name in ("issuers", "revocations"):
        out[name] = [{k: list(v) if isinstance(v, tuple) else v for k, v in item.items()} for item in out[name]]
    return out


def _from_cbor(raw: Any) -> PartnerList:
    if not isinstance(raw, dict) or raw.get("format") not in READABLE_FORMATS:
        raise DocumentRefused("partner list format is not supported")
    if raw["format"] == 1 and "next_root_public_key" in raw:
        raise DocumentRefused("partner list of format 1 cannot announce a next root")
    try:
        fields = {k: v for k, v in raw.items() if k != "format"}
        fields["issuers"] = tuple(IssuerKey(**tuplify(i)) for i in _seq(fields.get("issuers", ())))
        fields["revocations"] = tuple(Revocation(**tuplify(r)) for r in _seq(fields.get("revocations", ())))
        plist = PartnerList(**fields)
    except TypeError as exc:
        raise DocumentRefused(f"partner list has unexpected contents: {exc}") from None
    _check(plist)
    return plist


def _seq(value: Any) -> list[Any] | tuple[Any, ...]:
    if not isinstance(value, (list, tuple)):
        raise TypeError("expected a list")
    return value


def _check(p: PartnerList) -> None:
    if not (is_int(p.version) and p.version >= 1 and is_int(p.issued_at)):
        raise DocumentRefused("partner list version and time must be integers (version from 1)")
    if p.country not in COUNTRIES:
        raise DocumentRefused(f"partner list country must be one of {', '.join(COUNTRIES)}")
    if not isinstance(p.root_public_key, bytes) or len(p.root_public_key) != 32:
        raise DocumentRefused("partner list root key is malformed")
    nxt = p.next_root_public_key
    if nxt is not None and (not isinstance(nxt, bytes) or len(nxt) != 32 or nxt == p.root_public_key):
        raise DocumentRefused("partner list announces a malformed next root key")
    check_issuers(p.issuers, "partner list")
    for i in p.issuers:
        if i.country != p.country:
            raise DocumentRefused(f"partner list of {p.country} names issuer {i.office!r} of country {i.country!r}")
    for r in p.revocations:
        if not (r.permit_no or r.signature_sha256):
            raise DocumentRefused("partner list has a revocation naming neither a permit nor a signature hash")
        texts = (r.permit_no, r.signature_sha256)
        if (
            not all(x is None or isinstance(x, str) for x in texts)
            or not isinstance(r.reason, str)
            or not is_int(r.revoked_at)
        ):
            raise DocumentRefused("partner list has a malformed revocation")


# -- scope: a partner speaks only for its own country


def own_number(country: str, permit_no: str | None) -> bool:
    """Is ``permit_no`` a permit number of ``country``'s offices (``TH-...`` for TH)?"""
    return isinstance(permit_no, str) and permit_no.startswith(f"{country}-") and len(permit_no) > len(country) + 1


def in_scope(country: str, r: Revocation) -> bool:
    """A partner's revocation must name one of its own permits by number; a signature hash only
    beside that number (then it revokes that one printed copy of it). A hash alone could name a
    copy of one of OUR permits, and booths match a hash whatever the number."""
    return own_number(country, r.permit_no)


def scope_problem(p: PartnerList) -> str | None:
    """Why the list speaks beyond its country (one line), or None: every office carries the list's
    country and its code prefix, has an end to its key's validity, and every revocation is in scope."""
    for i in p.issuers:
        if i.country != p.country or not own_number(p.country, i.office):
            return f"partner list of {p.country} names office {i.office!r}; its offices must be {p.country}-..."
        if i.not_after is None:
            return f"partner office {i.office} has a key without an end (not_after); refused"
    for r in p.revocations:
        if not in_scope(p.country, r):
            named = r.permit_no or f"signature {r.signature_sha256}"
            return (
                f"partner list of {p.country} revokes {named}; a partner may revoke only its own permits "
                f"({p.country}-...), a printed copy only beside its permit number"
            )
    return None


def check_scope(p: PartnerList) -> None:
    problem = scope_problem(p)
    if problem is not None:
        raise DocumentRefused(problem)
