"""COSE_Sign1 against the COSE working group's examples (tests/data/cose-wg, see README there),
and our reader's refusals mapped to the wire errors (the permit codec turns them into reason codes)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from sync.protocol import cbor, cose
from sync.protocol.errors import MalformedMessage, MessageError, SignatureMismatch
from sync.protocol.keys import kid_of, raw_public

DATA = Path(__file__).parents[2] / "data" / "cose-wg"
PAYLOAD = b"This is the content."
# RFC 8032 section 7.1, TEST 1: the key the cose-wg Ed25519 examples use.
RFC8032_TEST1_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
RFC8032_TEST1_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


def vector(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def message_bytes(v: dict[str, Any]) -> bytes:
    return bytes.fromhex(v["output"]["cbor"])


def sign1_items(data: bytes) -> list[Any]:
    message = cbor2.loads(data)
    if isinstance(message, cbor2.CBORTag):
        message = message.value
    return list(message)


def es256_public(v: dict[str, Any]) -> ec.EllipticCurvePublicKey:
    key = v["input"]["sign0"]["key"]

    def num(b64: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)), "big")

    return ec.EllipticCurvePublicNumbers(num(key["x"]), num(key["y"]), ec.SECP256R1()).public_key()


def es256_verifies(v: dict[str, Any]) -> bool:
    """Verify the vector's wire bytes with OUR Sig_structure and the vector's P-256 key."""
    protected, _, payload, signature = sign1_items(message_bytes(v))
    aad = bytes.fromhex(v["input"]["sign0"].get("external", ""))
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        es256_public(v).verify(der, cose.sig_structure(protected, payload, aad), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


# -- eddsa-sig-01: Ed25519 COSE_Sign1 (values transcribed, see tests/data/README.md)

EDDSA_01 = vector("eddsa-sig-01.transcribed.json")


def test_eddsa_sig_01_key_is_rfc8032_test_1() -> None:
    key = EDDSA_01["input"]["sign0"]["key"]
    assert key["d_hex"] == RFC8032_TEST1_SECRET and key["x_hex"] == RFC8032_TEST1_PUBLIC
    derived = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key["d_hex"]))
    assert raw_public(derived).hex() == key["x_hex"]


def test_eddsa_sig_01_is_a_tagged_cose_sign1_with_kid_unprotected() -> None:
    message = cbor2.loads(message_bytes(EDDSA_01))
    assert isinstance(message, cbor2.CBORTag) and message.tag == cose.COSE_SIGN1_TAG
    protected, unprotected, payload, signature = message.value
    assert cbor2.loads(protected) == {cose.HDR_ALG: cose.ALG_EDDSA, cose.HDR_CONTENT_TYPE: 0}
    assert dict(unprotected) == {cose.HDR_KID: b"11"}
    assert payload == PAYLOAD
    assert len(signature) == 64


def test_eddsa_sig_01_signature_verifies_over_our_sig_structure() -> None:
    protected, _, payload, signature = sign1_items(message_bytes(EDDSA_01))
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(EDDSA_01["input"]["sign0"]["key"]["x_hex"]))
    public.verify(signature, cose.sig_structure(protected, payload))  # raises if our encoding is wrong
    # Ed25519 is deterministic: signing our Sig_structure with d gives the vector's signature.
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(EDDSA_01["input"]["sign0"]["key"]["d_hex"]))
    assert private.sign(cose.sig_structure(protected, payload)) == signature


def test_eddsa_sig_01_through_sign1_verify() -> None:
    """Our Sign1.verify on the vector's exact bytes (parse() refuses them: kid unprotected)."""
    protected, _, payload, signature = sign1_items(message_bytes(EDDSA_01))
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(EDDSA_01["input"]["sign0"]["key"]["x_hex"]))
    good = cose.Sign1(protected, cbor2.loads(protected), payload, signature)
    good.verify(public)
    flipped = bytes([payload[0] ^ 0x01]) + payload[1:]
    with pytest.raises(SignatureMismatch):
        cose.Sign1(protected, cbor2.loads(protected), flipped, signature).verify(public)


@pytest.mark.parametrize("index", [0, 7, 19])
def test_eddsa_sig_01_one_flipped_payload_byte_fails(index: int) -> None:
    protected, _, payload, signature = sign1_items(message_bytes(EDDSA_01))
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(RFC8032_TEST1_PUBLIC))
    tampered = bytearray(payload)
    tampered[index] ^= 0x80
    with pytest.raises(InvalidSignature):
        public.verify(signature, cose.sig_structure(protected, bytes(tampered)))


def test_eddsa_sig_01_refused_by_parse_because_kid_is_not_protected() -> None:
    with pytest.raises(MalformedMessage, match="key id") as exc:
        cose.parse(message_bytes(EDDSA_01))
    assert isinstance(exc.value, MalformedMessage)


def test_eddsa_sig_01_kid_moved_into_protected_breaks_the_signature() -> None:
    """Rewrapping the vector to satisfy our kid rule changes the signed bytes, so it fails."""
    _, _, payload, signature = sign1_items(message_bytes(EDDSA_01))
    protected = cbor2.dumps({cose.HDR_ALG: cose.ALG_EDDSA, cose.HDR_CONTENT_TYPE: 0, cose.HDR_KID: b"11"})
    signed = cose.parse(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature])))
    assert signed.kid == b"11"
    with pytest.raises(SignatureMismatch):
        signed.verify(Ed25519PublicKey.from_public_bytes(bytes.fromhex(RFC8032_TEST1_PUBLIC)))


# -- eddsa-sig-02: Ed448 (alg EdDSA too), verbatim upstream file


def test_eddsa_sig_02_ed448_matches_tobesign_and_verifies() -> None:
    v = vector("eddsa-sig-02.json")
    protected, _, payload, signature = sign1_items(message_bytes(v))
    tbs = cose.sig_structure(protected, payload)
    assert tbs.hex().upper() == v["intermediates"]["ToBeSign_hex"]
    Ed448PublicKey.from_public_bytes(bytes.fromhex(v["input"]["sign0"]["key"]["x_hex"])).verify(signature, tbs)


def test_eddsa_sig_02_refused_by_parse() -> None:
    with pytest.raises(MalformedMessage):
        cose.parse(message_bytes(vector("eddsa-sig-02.json")))


# -- sign1-tests: ES256 pass and fail cases, verbatim upstream files


@pytest.mark.parametrize("name", ["sign-pass-02.json", "sign-pass-03.json", "sign-fail-01.json"])
def test_sig_structure_matches_cose_wg_tobesign(name: str) -> None:
    """Cases whose wire bytes were signed as-is: our Sig_structure is the vector's ToBeSign,
    including the external AAD of sign-pass-02."""
    v = vector(name)
    protected, _, payload, _ = sign1_items(message_bytes(v))
    aad = bytes.fromhex(v["input"]["sign0"].get("external", ""))
    assert cose.sig_structure(protected, payload, aad).hex().upper() == v["intermediates"]["ToBeSign_hex"]
    assert es256_verifies(v)


def test_external_aad_is_bound() -> None:
    v = vector("sign-pass-02.json")
    v["input"]["sign0"]["external"] = ""
    assert not es256_verifies(v)


@pytest.mark.parametrize(
    "name",
    [
        "sign-fail-02.json",  # payload changed after signing
        "sign-fail-03.json",  # alg changed to -999
        "sign-fail-04.json",  # alg changed to "unknown"
        "sign-fail-06.json",  # protected attribute added
        "sign-fail-07.json",  # protected attribute removed
    ],
)
def test_fail_vectors_do_not_verify_over_our_sig_structure(name: str) -> None:
    v = vector(name)
    assert v["fail"] is True
    assert not es256_verifies(v)


# What our reader says about every sign1 vector: none is an EdDSA message with a protected kid.
EXPECTED_REFUSAL = {
    "sign-pass-01.json": (MalformedMessage, "bad_format"),  # alg only in the unprotected header
    "sign-pass-02.json": (SignatureMismatch, "bad_signature"),  # ES256 is not accepted
    "sign-pass-03.json": (SignatureMismatch, "bad_signature"),  # untagged is fine; ES256 is not
    "sign-fail-01.json": (MalformedMessage, "bad_format"),  # CBOR tag 998 is not COSE_Sign1
    "sign-fail-02.json": (SignatureMismatch, "bad_signature"),  # altered payload; ES256 refused first
    "sign-fail-03.json": (SignatureMismatch, "bad_signature"),  # unknown alg -999
    "sign-fail-04.json": (SignatureMismatch, "bad_signature"),  # alg given as text "unknown"
    "sign-fail-06.json": (SignatureMismatch, "bad_signature"),  # ES256 (+ added ctyp)
    "sign-fail-07.json": (SignatureMismatch, "bad_signature"),  # ES256 (ctyp removed)
}


@pytest.mark.parametrize("name", sorted(EXPECTED_REFUSAL))
def test_sign1_vectors_refused_with_reason(name: str) -> None:
    kind, _reason = EXPECTED_REFUSAL[name]
    with pytest.raises(MessageError) as exc:
        cose.parse(message_bytes(vector(name)))
    assert type(exc.value) is kind


def test_every_sign1_vector_has_an_expectation() -> None:
    assert {p.name for p in DATA.glob("sign-*.json")} == set(EXPECTED_REFUSAL)


# -- the cose-wg failure kinds applied to a message in our own format (EdDSA, kid protected)

KEY = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(RFC8032_TEST1_SECRET))
KID = kid_of(KEY)


def our_items() -> list[Any]:
    return sign1_items(cose.sign(PAYLOAD, KEY, KID))


def test_our_message_parses_and_verifies_tagged_and_untagged() -> None:
    for tagged in (True, False):
        signed = cose.parse(cose.sign(PAYLOAD, KEY, KID, tagged=tagged))
        assert signed.kid == KID and signed.payload == PAYLOAD
        signed.verify(KEY.public_key())


def test_our_message_with_content_type() -> None:
    signed = cose.parse(cose.sign(PAYLOAD, KEY, KID, content_type="application/x-test"))
    assert signed.content_type == "application/x-test"
    signed.verify(KEY.public_key())


def test_wrong_cbor_tag() -> None:  # sign-fail-01
    with pytest.raises(MalformedMessage, match="tag 998"):
        cose.parse(cbor2.dumps(cbor2.CBORTag(998, our_items())))


def test_changed_payload() -> None:  # sign-fail-02
    protected, unprotected, payload, signature = our_items()
    signed = cose.parse(cbor2.dumps([protected, unprotected, payload[:-1] + b"/", signature]))
    with pytest.raises(SignatureMismatch):
        signed.verify(KEY.public_key())


def test_changed_signature() -> None:
    protected, unprotected, payload, signature = our_items()
    signed = cose.parse(cbor2.dumps([protected, unprotected, payload, signature[:-1] + bytes([signature[-1] ^ 1])]))
    with pytest.raises(SignatureMismatch):
        signed.verify(KEY.public_key())


@pytest.mark.parametrize("alg", [-999, "unknown", -7, -35, -36, -37, -47, -257, True, None])
def test_changed_alg(alg: Any) -> None:  # sign-fail-03, -04, and algorithms we never accept
    _, unprotected, payload, signature = our_items()
    protected = cbor2.dumps({cose.HDR_ALG: alg, cose.HDR_KID: KID})
    with pytest.raises(SignatureMismatch) as exc:
        cose.parse(cbor2.dumps([protected, unprotected, payload, signature]))
    assert isinstance(exc.value, SignatureMismatch)


def test_added_protected_attribute() -> None:  # sign-fail-06
    _, unprotected, payload, signature = our_items()
    protected = cbor.dumps_cbor({cose.HDR_ALG: cose.ALG_EDDSA, cose.HDR_CONTENT_TYPE: 0, cose.HDR_KID: KID})
    signed = cose.parse(cbor2.dumps([protected, unprotected, payload, signature]))
    with pytest.raises(SignatureMismatch):
        signed.verify(KEY.public_key())


def test_removed_protected_attribute() -> None:  # sign-fail-07
    items = sign1_items(cose.sign(PAYLOAD, KEY, KID, content_type="text/plain"))
    items[0] = cbor.dumps_cbor({cose.HDR_ALG: cose.ALG_EDDSA, cose.HDR_KID: KID})
    signed = cose.parse(cbor2.dumps(items))
    with pytest.raises(SignatureMismatch):
        signed.verify(KEY.public_key())


def test_unknown_critical_header_refused() -> None:
    protected = cbor.dumps_cbor({cose.HDR_ALG: cose.ALG_EDDSA, cose.HDR_CRIT: [99], cose.HDR_KID: KID, 99: 1})
    with pytest.raises(MalformedMessage, match="critical"):
        cose.parse(cbor2.dumps([protected, {}, PAYLOAD, KEY.sign(cose.sig_structure(protected, PAYLOAD))]))


def test_missing_alg_is_bad_format() -> None:
    protected = cbor.dumps_cbor({cose.HDR_KID: KID})
    with pytest.raises(MalformedMessage, match="algorithm"):
        cose.parse(cbor2.dumps([protected, {cose.HDR_ALG: cose.ALG_EDDSA}, PAYLOAD, b"x" * 64]))


def test_alg_and_kid_only_unprotected_is_bad_format() -> None:
    unprotected = {cose.HDR_ALG: cose.ALG_EDDSA, cose.HDR_KID: KID}
    with pytest.raises(MalformedMessage):
        cose.parse(cbor2.dumps([b"", unprotected, PAYLOAD, KEY.sign(cose.sig_structure(b"", PAYLOAD))]))


@pytest.mark.parametrize("kid", [b"", "text-kid", 7, None])
def test_bad_kid_is_bad_format(kid: Any) -> None:
    protected = cbor.dumps_cbor({cose.HDR_ALG: cose.ALG_EDDSA, cose.HDR_KID: kid})
    with pytest.raises(MalformedMessage, match="key id"):
        cose.parse(cbor2.dumps([protected, {}, PAYLOAD, b"x" * 64]))


@pytest.mark.parametrize(
    "message",
    [
        [],
        [b"", {}, PAYLOAD],  # three items
        [b"", {}, PAYLOAD, b"", b""],  # five items
        {"a": 1},
        "text",
        42,
        None,
    ],
    ids=["empty", "three", "five", "map", "text", "int", "null"],
)
def test_wrong_structure_is_bad_format(message: Any) -> None:
    with pytest.raises(MalformedMessage):
        cose.parse(cbor2.dumps(message))


def test_wrong_item_types_are_bad_format() -> None:
    protected, unprotected, payload, signature = our_items()
    variants = [
        ["not bytes", unprotected, payload, signature],  # protected as text
        [protected, [], payload, signature],  # unprotected as array
        [protected, unprotected, None, signature],  # detached payload
        [protected, unprotected, "text payload", signature],
        [protected, unprotected, payload, "text signature"],
        [cbor2.dumps([1, 2]), unprotected, payload, signature],  # protected is not a map
        [b"\xff\xff", unprotected, payload, signature],  # protected is not CBOR
    ]
    for items in variants:
        with pytest.raises(MalformedMessage):
            cose.parse(cbor2.dumps(items))


def test_duplicate_protected_keys_are_bad_format() -> None:
    # {1: -8, 1: -8, 4: kid} written by hand: cbor2 will not emit duplicate keys
    protected = b"\xa3\x01\x27\x01\x27\x04\x48" + KID
    with pytest.raises(MalformedMessage):
        cose.parse(cbor2.dumps([protected, {}, PAYLOAD, b"x" * 64]))


@pytest.mark.parametrize("data", [b"", b"\xff", b"\x9f", b"\xd2\x84", b"\x84\x40\xa0"])
def test_not_cbor_is_bad_format(data: bytes) -> None:
    with pytest.raises(MalformedMessage):
        cose.parse(data)


def test_deep_nesting_is_bad_format_not_recursion_error() -> None:
    with pytest.raises(MalformedMessage):
        cose.parse(b"\x81" * 5000 + b"\x00")


def test_trailing_bytes_after_the_message_are_bad_format() -> None:
    """Strict decoding: a COSE_Sign1 followed by anything is not a COSE_Sign1."""
    good = cose.sign(PAYLOAD, KEY, KID)
    cose.parse(good).verify(KEY.public_key())
    for junk in (b"\x00", b"\xf6", good):
        with pytest.raises(MalformedMessage, match="trailing"):
            cose.parse(good + junk)


def test_trailing_bytes_in_the_protected_header_are_bad_format() -> None:
    protected = cbor.dumps_cbor({cose.HDR_ALG: cose.ALG_EDDSA, cose.HDR_KID: KID}) + b"\x00"
    signature = KEY.sign(cose.sig_structure(protected, PAYLOAD))
    with pytest.raises(MalformedMessage):
        cose.parse(cbor2.dumps([protected, {}, PAYLOAD, signature]))
