from __future__ import annotations

import cbor2
import pytest
from conftest import NOW

from sync.protocol import cbor, cose
from sync.protocol.base45 import b45decode
from sync.protocol.bundle import (
    CONTENT_TYPE,
    Checkpoint,
    IssuerKey,
    Revocation,
    TrustBundle,
    WatchEntry,
    open_bundle,
    sign_bundle,
)
from sync.protocol.errors import DocumentRefused
from sync.protocol.keys import generate, kid_of, raw_public
from sync.protocol.permit import encode, inflate
from sync.protocol.signed import HDR_ROOT_KEY


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
        watchlist=(WatchEntry(document="N0123", nationality="KHM", reason="court order"),),
    )
    fields.update(changes)
    return TrustBundle(**fields)


def test_round_trip_keeps_every_field() -> None:
    root = generate()
    bundle = sample(root)
    opened = open_bundle(sign_bundle(bundle, root))
    assert opened == bundle
    assert opened.issuer(bundle.issuers[0].kid) == bundle.issuers[0]
    assert opened.is_revoked("KH-BTB-2026-000001", "00") and opened.is_revoked("X", "ab" * 32)
    assert not opened.is_revoked("X", "cd" * 32)
    assert opened.watch_hits("P", "N0123", "KHM") and not opened.watch_hits("P", "N0123", "THA")
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
