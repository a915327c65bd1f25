"""Bilateral recognition between the Cambodian and Thai HQs.

``export_partner_list`` writes our issuing offices and the revocations of our own permits, signed
by our root, with a version that only grows. ``import_partner_list`` accepts the partner's list: on first import
its root must match ``--pin``; afterwards only lists signed by that pinned root and with a
higher version are accepted (after the partner rotated its root: lists signed by the next root
a list from the pinned root announced; the pin then moves, on record), and only if the list
speaks for its own country alone
(``sync.protocol.partner.scope_problem``: offices ``TH-...`` of country TH, revocations of ``TH-...``
permits, a printed copy's signature hash only beside its permit number, and not the hash of one of
our permits). ``partner_trust`` gives what ``HQ.build_bundle`` folds into our
booths' bundle: the partner's issuers (keeping their office codes and country) and revocations.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sync.hq.errors import HQError
from sync.protocol import keys
from sync.protocol.bundle import IssuerKey, Revocation
from sync.protocol.errors import DocumentRefused
from sync.protocol.partner import (
    COUNTRIES,
    PartnerList,
    in_scope,
    open_partner_list,
    own_number,
    scope_problem,
    sign_partner_list,
)

if TYPE_CHECKING:
    from sync.hq.facade import HQ

log = logging.getLogger(__name__)
EXPORT_VERSION_KEY = "partner_export_version"
ROOT_MOVES_KEY = "partner_root_moves:"  # + country: JSON list of the pin's moves to announced roots


class PartnerError(HQError):
    """A partner list cannot be exported, or is refused on import."""


@dataclass(frozen=True)
class ImportResult:
    plist: PartnerList
    fingerprint: str
    first: bool  # the partner root was pinned by this import
    moved: bool = False  # the pin moved to the next root the pinned root had announced


def own_country(hq: HQ, country: str | None = None) -> str | None:
    """Our country: ``country`` if given, else the one our issuing offices share (None if none)."""
    found = {i.country for i in hq.registry.issuers()}
    if country is not None:
        if country not in COUNTRIES:
            raise PartnerError(f"country must be one of {', '.join(COUNTRIES)}")
        if found - {country}:
            raise PartnerError(f"our issuers are of {', '.join(sorted(found))}, not only {country}")
        return country
    if len(found) > 1:
        raise PartnerError(f"our issuers are of several countries ({', '.join(sorted(found))}); pass --country")
    return next(iter(found), None)


def export_partner_list(hq: HQ, *, now: int, country: str | None = None) -> tuple[PartnerList, bytes]:
    """Sign our issuer list and revocations for the partner HQ; each export has a higher version."""
    root = hq.root_key()
    reg = hq.registry
    ours = own_country(hq, country)
    if ours is None:
        raise PartnerError("no issuing offices to export; add one with `booth-hq issuer add`, or pass --country")
    with reg.transaction():
        version = int(reg.meta(EXPORT_VERSION_KEY) or 0) + 1
        reg.set_meta(EXPORT_VERSION_KEY, str(version))
    plist = PartnerList(
        version=version,
        issued_at=now,
        country=ours,
        root_public_key=keys.raw_public(root),
        issuers=tuple(reg.issuers()),
        revocations=exported_revocations(hq, ours),
        next_root_public_key=hq.next_root_public_key(),
    )
    return plist, sign_partner_list(plist, root)


def exported_revocations(hq: HQ, country: str) -> tuple[Revocation, ...]:
    """The revocations the partner accepts from us: of our own permits, by number.

    A revocation naming a number (with or without a hash) revokes the whole number at booths, so
    it goes as the number alone; one naming only a printed copy's hash goes beside the number of
    the permit issued here with that signature (the partner's booths then refuse that copy only).
    Revocations of other countries' permits, and of copies HQ did not issue, stay at home."""
    out: list[Revocation] = []
    for r in hq.registry.revocations():
        if r.permit_no:
            if own_number(country, r.permit_no):
                out.append(Revocation(r.permit_no, None, r.reason, r.revoked_at))
        elif r.signature_sha256:
            number = hq.registry.permit_with_signature(r.signature_sha256)
            if own_number(country, number):
                out.append(Revocation(number, r.signature_sha256, r.reason, r.revoked_at))
    return tuple(out)


def import_partner_list(hq: HQ, data: bytes, *, pin: str | None, now: int) -> ImportResult:
    """Accept a partner HQ's signed list, or raise ``PartnerError``/``TrustError`` with one clear line."""
    # The root is judged and the signature checked before the list is decoded: our own root
    # and, for a country already pinned, any root but the pinned one are refused unread.
    plist = open_partner_list(data, trust=_partner_root_check(hq, pin), known=_trusted_partner_roots(hq))
    reg = hq.registry
    fp = keys.fingerprint(plist.root_public_key)
    our_root = hq.signers.root_public()
    if hmac.compare_digest(plist.root_public_key, our_root):
        raise PartnerError("that partner list is signed by our own root; import the partner HQ's file")
    own = {i.kid: i for i in reg.issuers()}
    if plist.country in {i.country for i in own.values()}:
        raise PartnerError(f"that partner list is for {plist.country}, the country of our own issuers")
    for issuer in plist.issuers:
        if issuer.kid in own:
            raise PartnerError(
                f"partner issuer {issuer.office} has key id {issuer.kid.hex()}, "
                f"which is our issuer {own[issuer.kid].office}'s; refused"
            )
    problem = scope_problem(plist)
    if problem is not None:
        raise PartnerError(problem)
    for r in plist.revocations:
        ours = reg.permit_with_signature(r.signature_sha256) if r.signature_sha256 else None
        if ours is not None:
            raise PartnerError(
                f"partner list of {plist.country} revokes signature {r.signature_sha256} as a copy of "
                f"{r.permit_no}, but it is the signature of our permit {ours}; refused"
            )
    with reg.transaction():
        pinned = reg.partner(plist.country)
        moved = False
        if pinned is None:
            if pin is None:
                raise PartnerError(
                    f"first import from {plist.country} needs --pin FINGERPRINT "
                    f"(the partner HQ's root fingerprint, read out by them)"
                )
            if not _fingerprints_match(pin, fp):
                raise PartnerError(f"partner list root {fp} does not match --pin {pin}; refused")
        else:
            moved = _check_pinned_or_announced(pinned, plist)
            if pin is not None and not _fingerprints_match(pin, fp):
                raise PartnerError(f"--pin {pin} does not match the pinned {plist.country} root {fp}; refused")
            if plist.version <= pinned["version"]:
                raise PartnerError(
                    f"partner list version {plist.version} from {plist.country} is not newer than "
                    f"the imported {pinned['version']} (rollback refused)"
                )
        _check_other_partners(hq, plist)
        if moved:
            _record_move(hq, pinned, plist, data, now)
        reg.save_partner(
            {
                "country": plist.country,
                "root_public_key": plist.root_public_key.hex(),
                "version": plist.version,
                "issued_at": plist.issued_at,
                "imported_at": now,
                "data": data,
            }
        )
    return ImportResult(plist, fp, first=pinned is None, moved=moved)


def _check_pinned_or_announced(pinned: dict, plist: PartnerList) -> bool:
    """Is the list signed by the pinned root (False) or the next root it announced (True)? Else refuse."""
    pinned_root = bytes.fromhex(pinned["root_public_key"])
    if hmac.compare_digest(plist.root_public_key, pinned_root):
        return False
    announced = _announced_root(pinned)
    if announced is not None and hmac.compare_digest(plist.root_public_key, announced):
        return True
    raise PartnerError(
        f"partner list for {plist.country} is signed by root {keys.fingerprint(plist.root_public_key)}, "
        f"not the pinned root {keys.fingerprint(pinned_root)} nor a next root it announced; refused"
    )


def _announced_root(row: dict) -> bytes | None:
    """The next root announced by a stored partner list (signed by its pinned root), or None."""
    try:
        stored = open_partner_list(bytes(row["data"]), known=(bytes.fromhex(row["root_public_key"]),))
    except DocumentRefused:
        return None
    if stored.root_public_key.hex() != row["root_public_key"]:
        return None
    return stored.next_root_public_key


def _record_move(hq: HQ, pinned: dict, plist: PartnerList, data: bytes, now: int) -> None:
    """Keep, for people, when the pin moved to an announced root and by which list."""
    key = ROOT_MOVES_KEY + plist.country
    moves = root_moves(hq, plist.country)
    moves.append(
        {
            "from": keys.fingerprint(bytes.fromhex(pinned["root_public_key"])),
            "to": keys.fingerprint(plist.root_public_key),
            "at": now,
            "announced_by_version": pinned["version"],
            "version": plist.version,
            "list_sha256": hashlib.sha256(data).hexdigest(),
        }
    )
    hq.registry.set_meta(key, json.dumps(moves))
    log.warning(
        "partner %s root moved from %s to the announced %s (list version %d)",
        plist.country,
        moves[-1]["from"],
        moves[-1]["to"],
        plist.version,
    )


def root_moves(hq: HQ, country: str) -> list[dict]:
    """The pin's moves for ``country``, oldest first."""
    return list(json.loads(hq.registry.meta(ROOT_MOVES_KEY + country) or "[]"))


def _check_other_partners(hq: HQ, plist: PartnerList) -> None:
    for other in stored_partner_lists(hq):
        if other.country == plist.country:
            continue
        clash = {i.kid for i in other.issuers} & {i.kid for i in plist.issuers}
        if clash:
            raise PartnerError(f"partner list of {plist.country} reuses key ids of {other.country}; refused")


def _pinned_partner_roots(hq: HQ) -> tuple[bytes, ...]:
    return tuple(bytes.fromhex(row["root_public_key"]) for row in hq.registry.partners())


def _trusted_partner_roots(hq: HQ) -> tuple[bytes, ...]:
    """The pinned partner roots and the next roots their accepted lists announced."""
    rows = hq.registry.partners()
    announced = tuple(a for row in rows if (a := _announced_root(row)) is not None)
    return _pinned_partner_roots(hq) + announced


def _partner_root_check(hq: HQ, pin: str | None) -> Callable[[bytes], None]:
    """Refuse, before a list is decoded, a root that is ours, or neither pinned, nor announced by a
    pinned root, nor the one ``--pin`` names."""
    pinned = _trusted_partner_roots(hq)
    ours = hq.signers.root_public()

    def check(root: bytes) -> None:
        if hmac.compare_digest(root, ours):
            raise PartnerError("that partner list is signed by our own root; import the partner HQ's file")
        if any(hmac.compare_digest(root, p) for p in pinned):
            return  # which country it is pinned (or announced) for is checked once the list is read
        fp = keys.fingerprint(root)
        if pin is None:
            raise PartnerError(
                f"first import from a root not pinned here ({fp}) needs --pin FINGERPRINT "
                "(the partner HQ's root fingerprint, read out by them)"
            )
        if not _fingerprints_match(pin, fp):
            raise PartnerError(f"partner list root {fp} does not match --pin {pin}; refused")

    return check


def _fingerprints_match(pin: str, fp: str) -> bool:
    return hmac.compare_digest(keys.normalise_fingerprint(pin), keys.normalise_fingerprint(fp))


def stored_partner_lists(hq: HQ) -> list[PartnerList]:
    """Every accepted partner list, re-verified against its pinned root."""
    out = []
    for row in hq.registry.partners():
        try:
            plist = open_partner_list(bytes(row["data"]), known=(bytes.fromhex(row["root_public_key"]),))
        except DocumentRefused as exc:
            raise PartnerError(
                f"the stored partner list of {row['country']} is damaged ({exc}); import it again"
            ) from None
        if plist.root_public_key.hex() != row["root_public_key"] or plist.country != row["country"]:
            raise PartnerError(f"the stored partner list of {row['country']} does not match its pinned root")
        out.append(plist)
    return out


def partner_trust(hq: HQ) -> tuple[tuple[IssuerKey, ...], tuple[Revocation, ...]]:
    """The partner issuers and revocations to fold into our bundle.

    An issuer key id that is also one of ours (or of another partner) is refused: booths look
    issuers up by key id, so a collision would let one side's key speak for the other's office.
    """
    seen = {i.kid: f"our issuer {i.office}" for i in hq.registry.issuers()}
    issuers: list[IssuerKey] = []
    revocations: list[Revocation] = []
    for plist in stored_partner_lists(hq):
        for issuer in plist.issuers:
            if not own_number(plist.country, issuer.office) or issuer.not_after is None:
                log.warning("partner list of %s: office %s out of scope, left out", plist.country, issuer.office)
                continue
            if issuer.kid in seen:
                raise PartnerError(
                    f"{plist.country} issuer {issuer.office} has key id {issuer.kid.hex()}, "
                    f"already used by {seen[issuer.kid]}; refusing to build the bundle"
                )
            seen[issuer.kid] = f"{plist.country} issuer {issuer.office}"
            issuers.append(issuer)
        for r in plist.revocations:
            if not in_scope(plist.country, r):  # a list stored before scoping: what it may not say is left out
                log.warning("partner list of %s: revocation of %s out of scope, left out", plist.country, r.permit_no)
            elif r.signature_sha256:  # one printed copy of the partner's permit: the copy, not the number
                revocations.append(Revocation(None, r.signature_sha256, r.reason, r.revoked_at))
            else:
                revocations.append(r)
    return tuple(issuers), tuple(revocations)


def partner_summaries(hq: HQ) -> list[dict]:
    """One line per partner for ``booth-hq partner list``."""
    rows = {r["country"]: r for r in hq.registry.partners()}
    return [
        {
            "country": p.country,
            "fingerprint": keys.fingerprint(p.root_public_key),
            "next_root_fingerprint": keys.fingerprint(p.next_root_public_key) if p.next_root_public_key else None,
            "root_moves": root_moves(hq, p.country),
            "version": p.version,
            "issued_at": p.issued_at,
            "imported_at": rows[p.country]["imported_at"],
            "issuers": [i.office for i in p.issuers],
            "revocations": len(p.revocations),
        }
        for p in stored_partner_lists(hq)
    ]
