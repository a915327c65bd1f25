from __future__ import annotations

from dataclasses import replace

import cbor2
import pytest
from conftest import NOW
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.protocol import cbor, cose
from sync.protocol.base45 import b45decode
from sync.protocol.bundle import (
    CONTENT_TYPE,
    ROOT_SIGNED_FORMAT,
    Checkpoint,
    IssuerKey,
    Revocation,
    TrustBundle,
    WatchEntry,
    WatchlistKey,
    open_bundle,
    sign_bundle,
)
from sync.protocol.errors import DocumentRefused
from sync.protocol.keys import generate, kid_of, raw_public
from sync.protocol.permit import encode, inflate
from sync.protocol.signed import HDR_ROOT_KEY
from sync.protocol.watchlist import seal_watchlist

WATCH_KEY = WatchlistKey(bytes(range(32)))


def sample(root, **changes) -> TrustBundle:
    issuer = generate()
    fields = dict(
        version=3,
        issued_at=NOW,
        expires_at=NOW + 10,
        hq_time=NOW,
        max_offline_age=10,
        root_public_key=raw_public(root),
        issuers=(IssuerKey(kid_of(issuer), raw_public(issuer), "KH-BTB-01", "KH", NOW, None, ("KH-PHD",), "BTB"),),
        checkpoints=(Checkpoint("KH-PHD", "KH", "Phnom Dei", "ភ្នំដី", "พนมดี"),),
        revocations=(Revocation("KH-BTB-2026-000001", None, "stolen", NOW), Revocation(None, "ab" * 32, "", NOW)),
        sealed_watchlist=seal_watchlist(
            [WatchEntry(document="N0123", nationality="KHM", reason="court order")], WATCH_KEY
        ),
        watchlist_key_id=WATCH_KEY.kid,
    )
    fields.update(changes)
    return TrustBundle(**fields)


def test_round_trip_keeps_every_field() -> None:
    root = generate()
    bundle = sample(root)
    opened = open_bundle(sign_bundle(bundle, root))
    assert opened == replace(bundle, format=ROOT_SIGNED_FORMAT)  # signed by the root itself: format 3
    assert opened.issuer(bundle.issuers[0].kid) == bundle.issuers[0]
    assert opened.is_revoked("KH-BTB-2026-000001", "00") and opened.is_revoked("X", "ab" * 32)
    assert not opened.is_revoked("X", "cd" * 32)
    assert opened.watch_hits("P", "N0123", "KHM", WATCH_KEY) and not opened.watch_hits("P", "N0123", "THA", WATCH_KEY)
    assert not opened.watch_hits("P", "N0123", "KHM")  # no key, no match: the booth says watchlist_unreadable
    assert opened.checkpoint("KH-PHD").name_km == "ភ្នំដី"


def test_signing_is_deterministic() -> None:
    root = generate()
    bundle = sample(root)
    assert sign_bundle(bundle, root) == sign_bundle(bundle, root)


def test_signed_by_a_key_other_than_the_named_root_is_refused() -> None:
    root, other = generate(), generate()
    with pytest.raises(DocumentRefused):
        sign_bundle(sample(root), other)
    # forge by hand: payload names `root` but `other` signs it
    payload = cbor.dumps_cbor({**_payload(root), "root_public_key": raw_public(root)})
    header = {HDR_ROOT_KEY: raw_public(root)}
    forged = cose.sign(payload, other, kid_of(root), content_type=CONTENT_TYPE, extra=header)
    with pytest.raises(DocumentRefused, match="damaged or forged"):
        open_bundle(forged)
    old_style = cose.sign(payload, other, kid_of(root), content_type=CONTENT_TYPE)  # root in the payload only
    with pytest.raises(DocumentRefused, match="damaged or forged"):
        open_bundle(old_style, known=(raw_public(root),))  # a reader holding the root checks it first
    with pytest.raises(DocumentRefused, match="names no root key in its header"):
        open_bundle(old_style)  # one that does not, refuses it unread
    with pytest.raises(DocumentRefused, match="damaged or forged"):
        open_bundle(old_style, own_file=True)  # its own file, read the old way: still checked


def test_a_bundle_from_before_the_root_header_is_still_read_by_who_holds_its_root() -> None:
    root = generate()
    bundle = sample(root)
    old_style = cose.sign(cbor.dumps_cbor(_payload(root)), root, kid_of(root), content_type=CONTENT_TYPE)
    assert open_bundle(old_style, known=(raw_public(root),)).version == 1
    assert open_bundle(old_style, own_file=True).version == 1
    refused = []
    with pytest.raises(DocumentRefused, match="not ours"):
        open_bundle(sign_bundle(bundle, root), trust=lambda r: refused.append(r) or _refuse())
    assert refused == [raw_public(root)]


def _refuse() -> None:
    raise DocumentRefused("not ours")


def test_tampered_payload_is_refused() -> None:
    root = generate()
    data = bytearray(sign_bundle(sample(root), root))
    at = data.find(b"KH-BTB-2026-000001")
    data[at] ^= 0x01
    with pytest.raises(DocumentRefused):
        open_bundle(bytes(data))


def test_a_permit_is_not_a_bundle() -> None:
    key = generate()
    from conftest import make_permit

    permit_cose = inflate(b45decode(encode(make_permit(), key)[4:]))
    with pytest.raises(DocumentRefused, match="content type"):
        open_bundle(permit_cose)


@pytest.mark.parametrize("junk", [b"", b"\x00" * 10, cbor2.dumps([1, 2, 3, 4]), cbor2.dumps({"a": 1})])
def test_junk_is_refused_cleanly(junk: bytes) -> None:
    with pytest.raises(DocumentRefused):
        open_bundle(junk)


def test_wrong_types_inside_a_signed_bundle_are_refused() -> None:
    root = generate()
    bad = {**_payload(root), "version": "3"}
    data = cose.sign(cbor.dumps_cbor(bad), root, kid_of(root), content_type=CONTENT_TYPE)
    with pytest.raises(DocumentRefused, match="integers"):
        open_bundle(data, known=(raw_public(root),))
    bad = {**_payload(root), "issuers": [{"kid": b"12345678", "public_key": b"short"}]}
    data = cose.sign(cbor.dumps_cbor(bad), root, kid_of(root), content_type=CONTENT_TYPE)
    with pytest.raises(DocumentRefused):
        open_bundle(data, known=(raw_public(root),))


def _payload(root) -> dict:
    return {
        "format": 1,
        "version": 1,
        "issued_at": NOW,
        "expires_at": NOW,
        "hq_time": NOW,
        "max_offline_age": 1,
        "root_public_key": raw_public(root),
    }


# -- the watchlist, sealed (format 3) and plain (formats 1 and 2)


def test_a_bundle_holds_no_readable_watched_number(hq) -> None:
    hq.watch(WatchEntry(document="N123456", nationality="KHM", reason="court order"), at=NOW)
    hq.watch(WatchEntry(permit_no="KH-BTB-2026-777777", reason="escort"), at=NOW)
    bundle, data = hq.build_bundle(now=NOW)
    for secret in (b"N123456", b"KH-BTB-2026-777777", b"court order", b"escort", hq.watchlist_key().secret):
        assert secret not in data
    assert len(bundle.sealed_watchlist) == 2 and bundle.watchlist == ()
    assert bundle.watch_hits("KH-BTB-2026-777777", "X", "THA", hq.watchlist_key())
    assert bundle.watch_hits("KH-X-1", "N123456", "KHM", hq.watchlist_key())
    assert not bundle.watch_hits("KH-X-1", "N123456", "THA", hq.watchlist_key())


def test_the_key_id_tells_a_booth_whether_its_key_fits() -> None:
    root = generate()
    opened = open_bundle(sign_bundle(sample(root), root))
    other = WatchlistKey(bytes(32))
    assert opened.watch_readable(WATCH_KEY) and not opened.watch_readable(other) and not opened.watch_readable(None)
    assert not opened.watch_hits("P", "N0123", "KHM", other)
    assert open_bundle(sign_bundle(sample(root, sealed_watchlist=()), root)).watch_readable(None)


def test_a_plain_watchlist_is_never_signed_nor_read_in_format_3() -> None:
    root = generate()
    with pytest.raises(ValueError, match="sealed only"):
        sign_bundle(sample(root, watchlist=(WatchEntry(document="N0123"),)), root)
    plain = {**_payload(root), "format": 3, "watchlist": [{"document": "N0123", "reason": ""}]}
    with pytest.raises(DocumentRefused, match="plain watchlist"):
        open_bundle(
            cose.sign(cbor.dumps_cbor(plain), root, kid_of(root), content_type=CONTENT_TYPE), known=(raw_public(root),)
        )


@pytest.mark.parametrize(
    "sealed",
    [
        [{"permit": b"short", "document": None}],
        [{"permit": None, "document": None}],
        [{"permit": "N0123", "document": None}],
    ],
)
def test_a_malformed_sealed_watchlist_is_refused(sealed) -> None:
    root = generate()
    payload = {**_payload(root), "format": 3, "sealed_watchlist": sealed, "watchlist_key_id": WATCH_KEY.kid}
    with pytest.raises(DocumentRefused, match="sealed watchlist"):
        open_bundle(
            cose.sign(cbor.dumps_cbor(payload), root, kid_of(root), content_type=CONTENT_TYPE),
            known=(raw_public(root),),
        )


@pytest.mark.parametrize("fmt", [1, 2])
def test_an_old_bundle_with_a_plain_watchlist_still_matches(fmt: int) -> None:
    root = generate()
    payload = {
        **_payload(root),
        "format": fmt,
        "watchlist": [{"document": "N0123", "nationality": "KHM", "reason": ""}],
    }
    opened = open_bundle(
        cose.sign(cbor.dumps_cbor(payload), root, kid_of(root), content_type=CONTENT_TYPE), known=(raw_public(root),)
    )
    assert opened.watch_readable(None)
    assert opened.watch_hits("P", "N0123", "KHM") and not opened.watch_hits("P", "N0123", "THA")


_ROOT = generate()
_texts = st.one_of(st.sampled_from(["", "N0123", "KHM", "THA", "KH-1"]), st.text(max_size=12))


@settings(max_examples=300, deadline=None)
@given(
    entry=st.builds(
        WatchEntry,
        permit_no=st.one_of(st.none(), _texts),
        document=st.one_of(st.none(), _texts),
        nationality=st.one_of(st.none(), _texts),
    ),
    scanned=st.tuples(_texts, _texts, _texts),
)
def test_matching_by_hash_is_matching_by_value(entry: WatchEntry, scanned: tuple[str, str, str]) -> None:
    """The sealed watchlist refuses exactly whom the plain one refused (``WatchEntry.matches``)."""
    base = {k: v for k, v in _payload(_ROOT).items() if k != "format"}
    plain = TrustBundle(**base, watchlist=(entry,))
    sealed = TrustBundle(**base, sealed_watchlist=seal_watchlist([entry], WATCH_KEY), watchlist_key_id=WATCH_KEY.kid)
    assert bool(sealed.watch_hits(*scanned, WATCH_KEY)) == bool(plain.watch_hits(*scanned)) == entry.matches(*scanned)


def test_the_sealed_watchlist_hashes_are_the_ones_formats_md_spells_out() -> None:
    import hashlib
    import hmac

    secret = bytes(range(32))

    def mac(data: bytes) -> bytes:
        return hmac.new(secret, data, hashlib.sha256).digest()[:16]

    assert WATCH_KEY.kid == hashlib.sha256(b"booth-watchlist-key\x00" + secret).digest()[:8]
    assert WATCH_KEY.probes("KH-1", "N0123", "KHM") == (
        mac(b"P\x00\x00\x00\x04KH-1"),
        mac(b"D\x00\x00\x00\x03KHM\x00\x00\x00\x05N0123"),
        mac(b"A\x00\x00\x00\x05N0123"),
    )
    assert WATCH_KEY.seal(WatchEntry(document="N0123")).document == mac(b"A\x00\x00\x00\x05N0123")
    assert WATCH_KEY.seal(WatchEntry(permit_no="", document="")) is None


def test_hqs_watchlist_key_is_made_once_0600_and_a_too_open_file_is_refused(hq, tmp_path) -> None:
    from sync.protocol.errors import KeyFileError
    from sync.protocol.watchlist import load_watchlist_key, make_watchlist_key

    key = hq.watchlist_key()
    path = hq.paths.watchlist_key
    assert hq.watchlist_key() == key and make_watchlist_key(path) == key  # never replaced
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert path.read_text() == key.hex() + "\n" and "secret" not in repr(key) and key.hex() not in repr(key)
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="readable by others"):
        load_watchlist_key(path)
    (broken := tmp_path / "broken.key").write_text("not hex")
    broken.chmod(0o600)
    with pytest.raises(KeyFileError, match="not a watchlist key"):
        load_watchlist_key(broken)


@pytest.mark.parametrize("kid", [b"short", "0123456789abcdef", 5])
def test_a_malformed_watchlist_key_id_is_refused(kid) -> None:
    root = generate()
    payload = {**_payload(root), "format": 3, "watchlist_key_id": kid}
    with pytest.raises(DocumentRefused, match="key id"):
        open_bundle(
            cose.sign(cbor.dumps_cbor(payload), root, kid_of(root), content_type=CONTENT_TYPE),
            known=(raw_public(root),),
        )
