"""The verdict engine over a real HQ, real bundles and real signatures (docs/formats.md §1)."""

from __future__ import annotations

import zlib
from dataclasses import replace

from conftest import HOLDER as BASE_HOLDER
from conftest import NOW, make_permit
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from booth.reasons import Reason
from booth.rules import CLOCK_TOLERANCE, Context, Verdict, check
from sync.hq.facade import HQ, IssuedPermit
from sync.hq.holder_file import holder_from_json
from sync.protocol import cbor, cose, keys
from sync.protocol.base45 import b45encode
from sync.protocol.bundle import CountryPolicy, TrustBundle, WatchEntry, WatchlistKey
from sync.protocol.keys import kid_of
from sync.protocol.permit import Permit, decode, encode
from sync.protocol.times import DAY

R = Reason
HOLDER = {
    **BASE_HOLDER,
    "zn": "Sa Kaeo province",
    "nat": "khm",
    "fn": "sok",
    "gn": "chantha",
}  # lower case: HQ upper-cases names and codes


def issue(
    hq: HQ, *, at: int = NOW - DAY, valid_days: int = 30, office: str = "KH-BTB-01", **holder: object
) -> IssuedPermit:
    return hq.issue(holder_from_json({**HOLDER, **holder}), office=office, valid_days=valid_days, now=at)


def office_key(hq: HQ, office: str = "KH-BTB-01") -> Ed25519PrivateKey:
    return keys.load_private(hq.paths.issuer_key(office))


def verdict(
    text: str,
    bundle: TrustBundle,
    *,
    at: int = NOW,
    checkpoint: str = "KH-PHD",
    last_event_at: int | None = None,
    watch_key: WatchlistKey | None = None,
) -> Verdict:
    ctx = Context(checkpoint=checkpoint, now=at, bundle=bundle, last_event_at=last_event_at, watch_key=watch_key)
    return check(text, ctx)


def rebuild(hq: HQ) -> TrustBundle:
    return hq.build_bundle(now=NOW)[0]


# -- valid


def test_valid(hq: HQ, bundle: TrustBundle) -> None:
    issued = issue(hq)
    v = verdict(issued.text, bundle)
    assert v.reasons == ()
    assert v.valid and v.verdict == "valid"
    assert v.permit == issued.permit
    assert v.kid == kid_of(office_key(hq))
    assert v.signature_sha256 == issued.signature_sha256
    assert v.bundle_version == bundle.version
    assert v.to_json()["verdict"] == "valid" and v.to_json()["reasons"] == []


def test_valid_when_signed_directly_with_the_office_key(hq: HQ, bundle: TrustBundle) -> None:
    assert verdict(encode(make_permit(), office_key(hq)), bundle).reasons == ()


# -- validity window of the permit


def test_expired_at_exp_not_before(hq: HQ, bundle: TrustBundle) -> None:
    issued = issue(hq, at=NOW - 2 * DAY, valid_days=2)  # exp == NOW
    assert issued.permit.expires == NOW
    assert verdict(issued.text, bundle).reasons == (R.EXPIRED,)
    assert verdict(issued.text, bundle).verdict == "rejected"
    assert verdict(issued.text, hq.build_bundle(now=NOW - DAY)[0], at=NOW - 1).reasons == ()


def test_a_clock_set_back_gains_nothing(hq: HQ, bundle: TrustBundle) -> None:
    """Validity is judged at the latest of the clock, the newest record and HQ's time."""
    issued = issue(hq, at=NOW - 2 * DAY, valid_days=2)  # exp == NOW == the bundle's HQ time
    assert verdict(issued.text, bundle, at=NOW - 30 * DAY).reasons == (R.EXPIRED, R.CLOCK_SUSPECT)
    older = hq.build_bundle(now=NOW - 3 * DAY)[0]
    assert verdict(issued.text, older, at=NOW - DAY, last_event_at=NOW + 60).reasons == (R.EXPIRED, R.CLOCK_SUSPECT)
    assert verdict(issued.text, older, at=NOW - DAY, last_event_at=NOW - DAY).reasons == ()


def test_not_yet_valid(hq: HQ, bundle: TrustBundle) -> None:
    issued = issue(hq, at=NOW + DAY)
    assert verdict(issued.text, bundle).reasons == (R.NOT_YET_VALID,)
    assert verdict(issued.text, bundle, at=NOW + DAY).reasons == ()  # nbf itself is valid


# -- revocation


def test_revoked_by_number_after_bundle_rebuild(hq: HQ, bundle: TrustBundle) -> None:
    issued = issue(hq)
    assert hq.revoke(permit_no=issued.permit.number, reason="lost", at=NOW) is True
    new_bundle, _ = hq.build_bundle(now=NOW)
    assert new_bundle.version > bundle.version
    assert verdict(issued.text, new_bundle).reasons == (R.REVOKED,)
    assert verdict(issued.text, bundle).reasons == ()  # the old bundle does not know yet
    other = issue(hq)
    assert verdict(other.text, new_bundle).reasons == ()


def test_revoked_by_signature_hash_only_that_copy(hq: HQ) -> None:
    key = office_key(hq)
    first = encode(make_permit(number="KH-BTB-2026-000777"), key)
    reprint = encode(make_permit(number="KH-BTB-2026-000777", issued_at=NOW - 9 * DAY), key)
    first_hash = decode(first).signature_sha256
    assert first_hash != decode(reprint).signature_sha256
    hq.revoke(signature_sha256=first_hash, reason="copy reported stolen", at=NOW)
    bundle = rebuild(hq)
    assert verdict(first, bundle).reasons == (R.REVOKED,)
    assert verdict(reprint, bundle).reasons == ()


# -- checkpoint


def test_wrong_checkpoint(hq: HQ, bundle: TrustBundle) -> None:
    issued = issue(hq, cp=["KH-STB"])
    assert verdict(issued.text, bundle, checkpoint="KH-PHD").reasons == (R.WRONG_CHECKPOINT,)
    assert verdict(issued.text, bundle, checkpoint="KH-STB").reasons == ()


# -- issuer


def test_unknown_issuer(bundle: TrustBundle) -> None:
    stranger = keys.generate()
    v = verdict(encode(make_permit(), stranger), bundle)
    assert v.reasons == (R.UNKNOWN_ISSUER,)
    assert v.kid == kid_of(stranger)
    assert v.permit is None  # untrusted holder data is not shown


def test_issuer_not_valid_office_mismatch(hq: HQ, bundle: TrustBundle) -> None:
    text = encode(make_permit(issuer="KH-XXX-09"), office_key(hq))
    assert verdict(text, bundle).reasons == (R.ISSUER_NOT_VALID,)


def test_issuer_not_valid_before_the_key_window(hq: HQ, bundle: TrustBundle) -> None:
    # KH-BTB-01 may sign permits issued from NOW - 365 days on
    early = make_permit(not_before=NOW - 366 * DAY, issued_at=NOW - 366 * DAY)
    assert verdict(encode(early, office_key(hq)), bundle).reasons == (R.ISSUER_NOT_VALID,)
    on_the_day = make_permit(not_before=NOW - 365 * DAY, issued_at=NOW - 365 * DAY)
    assert verdict(encode(on_the_day, office_key(hq)), bundle).reasons == ()


def test_issuer_not_valid_after_the_key_window(hq: HQ) -> None:
    hq.add_issuer("KH-BTB-02", not_before=NOW - 100 * DAY, not_after=NOW - 50 * DAY)
    bundle = rebuild(hq)
    key = office_key(hq, "KH-BTB-02")
    after = make_permit(issuer="KH-BTB-02", issued_at=NOW - 10 * DAY)
    assert verdict(encode(after, key), bundle).reasons == (R.ISSUER_NOT_VALID,)
    at_end = make_permit(issuer="KH-BTB-02", issued_at=NOW - 50 * DAY)  # not_after is exclusive
    assert verdict(encode(at_end, key), bundle).reasons == (R.ISSUER_NOT_VALID,)
    # a permit issued while the key was in force stays good after the key retires
    during = make_permit(issuer="KH-BTB-02", issued_at=NOW - 60 * DAY)
    assert verdict(encode(during, key), bundle).reasons == ()


def test_issue_time_falls_back_to_not_before(hq: HQ) -> None:
    hq.add_issuer("KH-BTB-02", not_before=NOW - 100 * DAY, not_after=NOW - 50 * DAY)
    bundle = rebuild(hq)
    key = office_key(hq, "KH-BTB-02")
    no_iat = make_permit(issuer="KH-BTB-02", issued_at=None, not_before=NOW - 10 * DAY)
    assert verdict(encode(no_iat, key), bundle).reasons == (R.ISSUER_NOT_VALID,)
    no_iat_in_window = make_permit(issuer="KH-BTB-02", issued_at=None, not_before=NOW - 60 * DAY)
    assert verdict(encode(no_iat_in_window, key), bundle).reasons == ()


def test_issuer_restricted_to_another_checkpoint(hq: HQ) -> None:
    hq.add_issuer("KH-STB-01", checkpoints=("KH-STB",), not_before=NOW - 365 * DAY)
    bundle = rebuild(hq)
    # HQ refuses to issue this; an office PC signing with its own key could still (a forger's view)
    permit = replace(issue(hq, cp=["KH-STB"]).permit, number="KH-STB-2026-000001", issuer="KH-STB-01")
    permit = replace(permit, checkpoints=("KH-PHD", "KH-STB"))
    text = encode(permit, keys.load_private(hq.paths.issuer_key("KH-STB-01")))
    assert verdict(text, bundle, checkpoint="KH-PHD").reasons == (R.ISSUER_NOT_VALID,)
    assert verdict(text, bundle, checkpoint="KH-STB").reasons == ()


# -- watchlist


def test_watchlist_by_document(hq: HQ) -> None:
    issued = issue(hq)
    hq.watch(WatchEntry(document="N01234567", nationality="KHM", reason="call supervisor"), at=NOW)
    bundle, key = rebuild(hq), hq.watchlist_key()
    assert verdict(issued.text, bundle, watch_key=key).reasons == (R.WATCHLIST,)
    same_number_other_country = issue(hq, nat="tha")
    assert verdict(same_number_other_country.text, bundle, watch_key=key).reasons == ()


def test_watchlist_by_document_any_nationality(hq: HQ) -> None:
    hq.watch(WatchEntry(document="N01234567", reason="court order"), at=NOW)
    bundle, key = rebuild(hq), hq.watchlist_key()
    assert verdict(issue(hq, nat="tha").text, bundle, watch_key=key).reasons == (R.WATCHLIST,)
    assert verdict(issue(hq, doc="N07654321").text, bundle, watch_key=key).reasons == ()


def test_watchlist_by_permit_number(hq: HQ) -> None:
    watched, other = issue(hq), issue(hq)
    hq.watch(WatchEntry(permit_no=watched.permit.number.lower(), reason="escort"), at=NOW)  # HQ upper-cases it
    bundle, key = rebuild(hq), hq.watchlist_key()
    assert verdict(watched.text, bundle, watch_key=key).reasons == (R.WATCHLIST,)
    assert verdict(other.text, bundle, watch_key=key).reasons == ()


def test_a_booth_without_the_watchlist_key_refers_everyone_to_the_supervisor(hq: HQ) -> None:
    watched, other = issue(hq), issue(hq, doc="N07654321")
    hq.watch(WatchEntry(document="N01234567", reason="court order"), at=NOW)
    bundle = rebuild(hq)
    for text in (watched.text, other.text):
        v = verdict(text, bundle)  # no key: it cannot tell, so it must not let the holder pass
        assert v.reasons == (R.WATCHLIST_UNREADABLE,) and v.verdict == "rejected"
        assert verdict(text, bundle, watch_key=WatchlistKey(bytes(32))).reasons == (R.WATCHLIST_UNREADABLE,)
    assert verdict(watched.text, bundle, watch_key=hq.watchlist_key()).reasons == (R.WATCHLIST,)


def test_an_empty_watchlist_needs_no_key(hq: HQ, bundle: TrustBundle) -> None:
    assert bundle.sealed_watchlist == () and verdict(issue(hq).text, bundle).reasons == ()


def test_an_unreadable_watchlist_comes_with_an_untrusted_permit_too(hq: HQ) -> None:
    hq.watch(WatchEntry(document="N01234567", reason="court order"), at=NOW)
    assert verdict("BP1:NOT-A-PERMIT", rebuild(hq)).reasons == (R.UNREADABLE, R.WATCHLIST_UNREADABLE)


# -- the booth itself: stale trust, suspect clock (warnings)


def test_trust_stale_is_a_warning(hq: HQ, bundle: TrustBundle) -> None:
    issued = issue(hq, valid_days=60)
    stale_at = bundle.issued_at + bundle.max_offline_age
    assert verdict(issued.text, bundle, at=stale_at).reasons == ()
    v = verdict(issued.text, bundle, at=stale_at + 1)
    assert v.reasons == (R.TRUST_STALE,)
    assert v.verdict == "valid"  # shown, never silent, but does not by itself stop the holder


def test_clock_suspect_behind_hq_time(hq: HQ, bundle: TrustBundle) -> None:
    issued = issue(hq, at=NOW - 2 * DAY)
    assert verdict(issued.text, bundle, at=bundle.hq_time - CLOCK_TOLERANCE).reasons == ()
    v = verdict(issued.text, bundle, at=bundle.hq_time - CLOCK_TOLERANCE - 1)
    assert v.reasons == (R.CLOCK_SUSPECT,)
    assert v.verdict == "valid"


def test_clock_suspect_behind_last_ledger_event(hq: HQ, bundle: TrustBundle) -> None:
    issued = issue(hq)
    assert verdict(issued.text, bundle, last_event_at=NOW).reasons == ()
    assert verdict(issued.text, bundle, last_event_at=NOW + 1).reasons == (R.CLOCK_SUSPECT,)
    # behind both at once: still one warning
    both = verdict(issued.text, bundle, at=NOW - 400, last_event_at=NOW)
    assert both.reasons == (R.CLOCK_SUSPECT,)


# -- several reasons at once, in rule order, warnings last


def test_expired_and_wrong_checkpoint(hq: HQ, bundle: TrustBundle) -> None:
    issued = issue(hq, at=NOW - 10 * DAY, valid_days=3, cp=["KH-STB"])
    v = verdict(issued.text, bundle, checkpoint="KH-PHD")
    assert v.reasons == (R.EXPIRED, R.WRONG_CHECKPOINT)
    assert v.verdict == "rejected"


def test_many_reasons_with_warnings_last(hq: HQ) -> None:
    issued = issue(hq, at=NOW - 10 * DAY, valid_days=3, cp=["KH-STB"])
    hq.revoke(permit_no=issued.permit.number, at=NOW)
    hq.watch(WatchEntry(document="N01234567", reason="court order"), at=NOW)
    bundle = rebuild(hq)
    late = bundle.issued_at + bundle.max_offline_age + 1
    v = verdict(issued.text, bundle, at=late, last_event_at=late + 10, watch_key=hq.watchlist_key())
    assert v.reasons == (R.EXPIRED, R.REVOKED, R.WRONG_CHECKPOINT, R.WATCHLIST, R.TRUST_STALE, R.CLOCK_SUSPECT)
    assert v.verdict == "rejected"


def test_refused_permit_still_carries_booth_warnings(bundle: TrustBundle) -> None:
    v = verdict(encode(make_permit(), keys.generate()), bundle, at=NOW - 301)
    assert v.reasons == (R.UNKNOWN_ISSUER, R.CLOCK_SUSPECT)
    assert v.verdict == "rejected"


def test_decoding_failures_become_reasons(bundle: TrustBundle) -> None:
    assert verdict("not a permit", bundle).reasons == (R.UNREADABLE,)
    assert verdict("BP1:GGW", bundle).reasons == (R.UNREADABLE,)
    bad = verdict("BP1:GGW", bundle)
    assert bad.permit is None and bad.detail and bad.to_json()["detail"] == bad.detail


def test_forged_copy_is_bad_signature(hq: HQ, bundle: TrustBundle) -> None:
    genuine: Permit = issue(hq).permit
    forger = keys.generate()
    # right kid, wrong key: sign with a stranger's key, then claim the office's kid
    payload = cbor.dumps_cbor(replace(genuine, family_name="KIM").claims())
    forged = "BP1:" + b45encode(zlib.compress(cose.sign(payload, forger, kid_of(office_key(hq)))))
    v = verdict(forged, bundle)
    assert v.reasons == (R.BAD_SIGNATURE,)
    assert v.permit is None


# -- the bundle's policy, compromised keys, used-up single-entry permits, the hard expiry


def test_a_permit_longer_than_the_policy_is_issuer_not_valid(hq: HQ, bundle: TrustBundle) -> None:
    key = office_key(hq)
    two_years = make_permit(not_before=NOW - DAY, expires=NOW - DAY + 730 * DAY)
    assert verdict(encode(two_years, key), bundle).reasons == ()
    longer = replace(two_years, expires=two_years.expires + 1)  # what a stolen key would sign: 20 years
    assert verdict(encode(longer, key), bundle).reasons == (R.ISSUER_NOT_VALID,)
    assert verdict(encode(replace(two_years, stay_days=8), key), bundle).reasons == (R.ISSUER_NOT_VALID,)
    looser = replace(bundle, policy=(CountryPolicy("KH", max_validity_days=3650, max_stay_days=30),))
    assert verdict(encode(replace(longer, stay_days=30), key), looser).reasons == ()


def test_a_compromised_key_refuses_its_permits_but_those_hq_relists(hq: HQ, bundle: TrustBundle) -> None:
    good, other = issue(hq).text, issue(hq, doc="N7654321").text
    stolen = replace(
        bundle,
        issuers=tuple(replace(i, compromised_at=NOW - DAY) if i.office == "KH-BTB-01" else i for i in bundle.issuers),
        genuine=(decode(good).permit.number,),
    )
    assert verdict(good, stolen).reasons == ()
    assert verdict(other, stolen).reasons == (R.ISSUER_REVOKED,)


def test_a_single_entry_permit_used_at_another_booth_is_used_up_at_entry(hq: HQ, bundle: TrustBundle) -> None:
    text = issue(hq, ty="single").text
    number = decode(text).permit.number
    used = replace(bundle, used_up=(number,))
    entry = Context(checkpoint="KH-PHD", now=NOW, bundle=used, direction="entry")
    assert check(text, entry).reasons == (R.USED_UP,)
    assert check(text, replace(entry, direction="exit")).reasons == ()  # leaving is never refused for it
    assert check(text, replace(entry, bundle=bundle)).reasons == ()


def test_past_the_hard_expiry_everyone_stops(hq: HQ) -> None:
    text = issue(hq, at=NOW - 10 * DAY).text
    bundle = hq.build_bundle(now=NOW - 31 * DAY)[0]
    assert bundle.hard_expiry() == NOW - DAY
    v = verdict(text, bundle, at=NOW)
    assert v.reasons[-1:] == (R.TRUST_EXPIRED,) and not v.valid
    assert verdict(text, bundle, at=NOW - 2 * DAY).reasons == (R.TRUST_STALE,)  # stale: a warning only


def test_a_format_1_bundle_is_still_read_with_the_default_policy(hq: HQ) -> None:
    """Booths keep reading today's bundles: no policy (the defaults), hard expiry 30 days after issue."""
    from sync.protocol.bundle import _to_cbor, open_bundle

    new, _ = hq.build_bundle(now=NOW)
    dropped = ("policy", "used_up", "genuine", "sealed_watchlist", "watchlist_key_id")
    payload = {k: v for k, v in _to_cbor(new).items() if k not in dropped}
    payload["format"] = 1
    payload["watchlist"] = [{"permit_no": None, "document": "N01234567", "nationality": "KHM", "reason": "court"}]
    payload["expires_at"] = NOW + 7 * DAY
    payload["issuers"] = [{k: v for k, v in i.items() if k != "compromised_at"} for i in payload["issuers"]]
    root = hq.root_key()
    old = open_bundle(
        cose.sign(cbor.dumps_cbor(payload), root, kid_of(root), content_type="application/vnd.booth.trust-bundle+cbor"),
        known=(keys.raw_public(root),),  # written before the root header too: read by who holds the root
    )
    assert old.format == 1 and old.policy == () and old.hard_expiry() == NOW + 30 * DAY
    assert old.policy_for("KH") == CountryPolicy("KH", 730, 7)
    assert verdict(issue(hq, doc="N07654321").text, old).reasons == ()
    assert verdict(issue(hq).text, old).reasons == (R.WATCHLIST,)  # plain entries match with no key
