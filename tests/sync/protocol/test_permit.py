"""The permit codec (docs/formats.md §1): round trips, every rejection reason the
codec can give, tampering, and a deterministic fuzz run."""

from __future__ import annotations

import dataclasses
import random
import time
import zlib
from typing import Any

import cbor2
import pytest
from conftest import HOLDER as BASE_HOLDER
from conftest import NOW, make_permit
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booth.reasons import Reason
from booth.rules import Context, check
from sync.hq.holder_file import holder_from_json
from sync.protocol import cbor, cose
from sync.protocol.base45 import ALPHABET, b45decode, b45encode
from sync.protocol.errors import BadFormat, BadSignature, PermitRejected, Unreadable
from sync.protocol.keys import kid_of
from sync.protocol.permit import (
    BODY_CLAIM,
    CODE,
    EARLIEST,
    LATEST,
    MAX_INFLATED,
    MAX_STAY_DAYS,
    PREFIX,
    Permit,
    decode,
    encode,
    inflate,
)

REASON_CODES = {r.value for r in Reason}
CLAIM_KEYS = {"iss": 1, "exp": 4, "nbf": 5, "cti": 7, "body": BODY_CLAIM}
BODY_KEYS = ("v", "ty", "fn", "gn", "dob", "sx", "nat", "doc", "res", "cp", "zn", "stay")


# -- helpers: build the transport by hand, layer by layer


def qr(cose_bytes: bytes) -> str:
    return PREFIX + b45encode(zlib.compress(cose_bytes))


def signed_text(claims: Any, key: Ed25519PrivateKey, *, tagged: bool = True) -> str:
    return qr(cose.sign(cbor.dumps_cbor(claims), key, kid_of(key), tagged=tagged))


def cose_items(text: str) -> list[Any]:
    """The four COSE_Sign1 items inside a QR text."""
    message = cbor2.loads(zlib.decompress(b45decode(text[len(PREFIX) :])))
    return list(message.value if isinstance(message, cbor2.CBORTag) else message)


def reason(text: str) -> str:
    with pytest.raises(PermitRejected) as exc:
        decode(text)
    return exc.value.reason


# -- round trip

_ASSIGNED = ("L", "M", "N", "P", "S")
KHMER = st.text(
    alphabet=st.characters(min_codepoint=0x1780, max_codepoint=0x17FF, categories=_ASSIGNED), min_size=1, max_size=30
)
THAI = st.text(
    alphabet=st.characters(min_codepoint=0x0E00, max_codepoint=0x0E7F, categories=_ASSIGNED), min_size=1, max_size=30
)
_SHOWN = st.characters(categories=("L", "M", "N", "P", "S", "Zs"), exclude_characters='<>&"`\\')
PRINTABLE = st.text(alphabet=_SHOWN, max_size=40)
NONEMPTY = st.text(alphabet=_SHOWN, min_size=1, max_size=40)
CODES = st.from_regex(CODE, fullmatch=True)
TIMES = st.integers(min_value=EARLIEST, max_value=LATEST - 1)


@st.composite
def permits(draw: st.DrawFn) -> Permit:
    nbf = draw(st.integers(min_value=EARLIEST, max_value=LATEST - 2))
    return Permit(
        number=draw(CODES),
        issuer=draw(CODES),
        not_before=nbf,
        expires=draw(st.integers(min_value=nbf + 1, max_value=LATEST - 1)),
        issued_at=draw(st.none() | TIMES),
        kind=draw(st.sampled_from(("single", "multi"))),
        family_name=draw(NONEMPTY),
        given_names=draw(PRINTABLE),
        native_name=draw(st.none() | KHMER | THAI | PRINTABLE),
        dob=draw(st.dates()).isoformat(),
        sex=draw(st.sampled_from(("F", "M", "X"))),
        nationality=draw(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)),
        document=draw(PRINTABLE),
        residence=draw(KHMER | THAI | PRINTABLE),
        checkpoints=tuple(draw(st.lists(CODES, min_size=1, max_size=6))),
        zone=draw(PRINTABLE),
        stay_days=draw(st.integers(min_value=1, max_value=MAX_STAY_DAYS)),
        photo=draw(st.none() | st.binary(max_size=2048)),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=permits())
def test_round_trip_any_holder(p: Permit, issuer_key: Ed25519PrivateKey) -> None:
    text = encode(p, issuer_key)
    assert text.startswith(PREFIX)
    assert set(text) <= set(ALPHABET)
    signed = decode(text)
    assert signed.permit == p
    assert signed.kid == kid_of(issuer_key)
    signed.verify(issuer_key.public_key())


def test_round_trip_typical_permit(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    signed = decode(encode(permit, issuer_key))
    assert signed.permit == permit
    assert signed.permit.native_name == "សុខ ចន្ថា"
    signed.verify(issuer_key.public_key())


def test_round_trip_with_full_size_photo(issuer_key: Ed25519PrivateKey) -> None:
    p = make_permit(photo=b"\xff\xd8" + random.Random(1).randbytes(2046), native_name="สมชาย ใจดี")
    assert decode(encode(p, issuer_key)).permit == p


def test_qr_text_is_bp1_and_qr_alphanumeric_only(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    text = encode(permit, issuer_key)
    assert text.startswith("BP1:")
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def test_payload_is_deterministic_cbor_of_the_claims(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    protected, unprotected, payload, _ = cose_items(encode(permit, issuer_key))
    assert cbor2.loads(protected) == {1: -8, 4: kid_of(issuer_key)}
    assert unprotected == {}
    assert payload == cbor.dumps_cbor(permit.claims())
    assert cbor2.loads(payload)[7] == b"KH-BTB-2026-004217"


def test_tagged_and_untagged_both_accepted(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    for tagged in (True, False):
        signed = decode(signed_text(permit.claims(), issuer_key, tagged=tagged))
        assert signed.permit == permit
        signed.verify(issuer_key.public_key())


def test_encode_refuses_an_invalid_permit(issuer_key: Ed25519PrivateKey) -> None:
    with pytest.raises(BadFormat):
        encode(make_permit(dob="2026-02-30"), issuer_key)


# -- transport layer: unreadable


@pytest.mark.parametrize(
    "text",
    ["", "HC1:NCFOXN", "bp1:BB8", " BP1:BB8", "BP2:BB8", "BP1", "https://example.org/BP1:BB8"],
)
def test_no_bp1_prefix_is_unreadable(text: str) -> None:
    assert reason(text) == "unreadable"


def test_not_text_is_unreadable() -> None:
    assert reason(b"BP1:BB8") == "unreadable"  # type: ignore[arg-type]


@pytest.mark.parametrize("body", ["GGW", "BB8A", "bb8", "BB8\n", "BB=", ":::"])
def test_bad_base45_is_unreadable(body: str) -> None:
    assert reason(PREFIX + body) == "unreadable"


def test_not_zlib_is_unreadable() -> None:
    assert reason(PREFIX + b45encode(b"this is not a zlib stream")) == "unreadable"
    assert reason(PREFIX) == "unreadable"  # nothing at all


def test_truncated_zlib_is_unreadable(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    compressed = b45decode(encode(permit, issuer_key)[len(PREFIX) :])
    for cut in (1, 4, len(compressed) // 2):
        with pytest.raises(Unreadable):
            decode(PREFIX + b45encode(compressed[:-cut]))


def test_trailing_bytes_after_zlib_is_unreadable(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    compressed = b45decode(encode(permit, issuer_key)[len(PREFIX) :])
    assert reason(PREFIX + b45encode(compressed + b"\x00")) == "unreadable"


def test_zlib_bomb_is_unreadable_and_fast() -> None:
    bomb = PREFIX + b45encode(zlib.compress(b"\x00" * 10_000_000, 9))
    start = time.perf_counter()
    with pytest.raises(Unreadable, match="beyond"):
        decode(bomb)
    assert time.perf_counter() - start < 0.5  # a safety bound, not a benchmark


def test_inflate_limit_is_exact() -> None:
    assert len(inflate(zlib.compress(b"a" * MAX_INFLATED))) == MAX_INFLATED
    with pytest.raises(Unreadable):
        inflate(zlib.compress(b"a" * (MAX_INFLATED + 1)))


# -- COSE layer


@pytest.mark.parametrize(
    "value",
    [{"hello": 1}, [1, 2, 3], "text", cbor2.CBORTag(17, [b"", {}, b"", b""]), cbor2.CBORTag(98, [])],
    ids=["map", "array3", "text", "mac0-tag", "cose-sign-tag"],
)
def test_cbor_that_is_not_cose_sign1_is_bad_format(value: Any) -> None:
    assert reason(qr(cbor2.dumps(value))) == "bad_format"


def test_trailing_bytes_after_the_cose_message_are_bad_format(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    """One signed permit must not have endless valid QR texts: bytes after the COSE_Sign1 are refused."""
    message = zlib.decompress(b45decode(encode(permit, issuer_key)[len(PREFIX) :]))
    assert decode(qr(message)).permit == permit
    assert reason(qr(message + b"\x00")) == "bad_format"
    assert reason(qr(message + b"ANY TRAILING TEXT")) == "bad_format"


def test_trailing_bytes_after_the_claims_map_are_bad_format(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    payload = cbor.dumps_cbor(permit.claims()) + b"\x00"
    assert reason(qr(cose.sign(payload, issuer_key, kid_of(issuer_key)))) == "bad_format"


def test_not_cbor_at_all_is_bad_format() -> None:
    assert reason(qr(b"\xff\xfe\xfd")) == "bad_format"


def test_es256_alg_is_bad_signature(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    payload = cbor.dumps_cbor(permit.claims())
    protected = cbor.dumps_cbor({1: -7, 4: kid_of(issuer_key)})
    signature = issuer_key.sign(cose.sig_structure(protected, payload))
    assert reason(qr(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature])))) == "bad_signature"


def test_missing_alg_is_bad_format(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    payload = cbor.dumps_cbor(permit.claims())
    protected = cbor.dumps_cbor({4: kid_of(issuer_key)})
    signature = issuer_key.sign(cose.sig_structure(protected, payload))
    assert reason(qr(cbor2.dumps([protected, {1: -8}, payload, signature]))) == "bad_format"


def test_kid_only_in_unprotected_header_is_bad_format(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    payload = cbor.dumps_cbor(permit.claims())
    protected = cbor.dumps_cbor({1: -8})
    signature = issuer_key.sign(cose.sig_structure(protected, payload))
    assert reason(qr(cbor2.dumps([protected, {4: kid_of(issuer_key)}, payload, signature]))) == "bad_format"


# -- claims layer


@pytest.mark.parametrize("payload", [[1, 2], "claims", 7, None, {"1": "KH-BTB-01"}], ids=str)
def test_payload_not_a_claims_map_is_bad_format(payload: Any, issuer_key: Ed25519PrivateKey) -> None:
    assert reason(signed_text(payload, issuer_key)) == "bad_format"


def test_payload_not_cbor_is_bad_format(issuer_key: Ed25519PrivateKey) -> None:
    assert reason(qr(cose.sign(b"\xff\x00", issuer_key, kid_of(issuer_key)))) == "bad_format"


@pytest.mark.parametrize("name", sorted(CLAIM_KEYS))
def test_missing_claim_is_bad_format(name: str, permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    claims = permit.claims()
    del claims[CLAIM_KEYS[name]]
    assert reason(signed_text(claims, issuer_key)) == "bad_format"


@pytest.mark.parametrize("name", BODY_KEYS)
def test_missing_body_field_is_bad_format(name: str, permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    claims = permit.claims()
    del claims[BODY_CLAIM][name]
    assert reason(signed_text(claims, issuer_key)) == "bad_format"


def test_optional_fields_may_be_absent(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    claims = permit.claims()
    del claims[6], claims[BODY_CLAIM]["nn"]
    p = decode(signed_text(claims, issuer_key)).permit
    assert p.issued_at is None and p.native_name is None and p.photo is None


WRONG_VALUES: list[tuple[str, Any, Any]] = [
    # (where, key, value): where is "claims" or "body"
    ("claims", 4, "1790000000"),  # exp as text
    ("claims", 4, 1_790_000_000.0),  # exp as float
    ("claims", 4, True),  # exp as bool
    ("claims", 5, None),  # nbf null
    ("claims", 6, "yesterday"),  # iat as text
    ("claims", 1, b"KH-BTB-01"),  # iss as bytes
    ("claims", 1, ""),  # iss empty
    ("claims", 7, "KH-BTB-2026-004217"),  # cti as text
    ("claims", 7, b"\xff\xfe"),  # cti not UTF-8
    ("claims", 7, b""),  # cti empty
    ("claims", BODY_CLAIM, ["v", 1]),  # body not a map
    ("body", "v", 2),  # body version 2
    ("body", "v", "1"),
    ("body", "v", True),
    ("body", "ty", "transit"),
    ("body", "fn", 42),
    ("body", "fn", ""),
    ("body", "gn", None),
    ("body", "nn", b"\xe1\x9e\x9f"),  # native name as bytes
    ("body", "dob", "2026-02-30"),
    ("body", "dob", "1988-4-12"),
    ("body", "dob", "12/04/1988"),
    ("body", "dob", 19880412),
    ("body", "sx", "Q"),
    ("body", "sx", "f"),
    ("body", "nat", "kh"),
    ("body", "nat", "KHMR"),
    ("body", "nat", "K1M"),
    ("body", "doc", 1234567),
    ("body", "res", ["Kamrieng"]),
    ("body", "cp", "KH-PHD"),  # cp as text
    ("body", "cp", []),
    ("body", "cp", ["KH-PHD", 7]),
    ("body", "cp", ["KH-PHD", ""]),
    ("body", "cp", {"KH-PHD": 1}),
    ("body", "zn", None),
    ("body", "stay", True),  # stay as bool
    ("body", "stay", 0),
    ("body", "stay", -3),
    ("body", "stay", "7"),
    ("body", "stay", 7.0),
    ("body", "ph", b"\xff\xd8" + b"\x00" * 2047),  # photo 2049 bytes
    ("body", "ph", "data:image/jpeg;base64,"),
]


@pytest.mark.parametrize(("where", "key", "value"), WRONG_VALUES, ids=lambda x: repr(x)[:30])
def test_wrong_type_or_value_is_bad_format(
    where: str, key: Any, value: Any, permit: Permit, issuer_key: Ed25519PrivateKey
) -> None:
    claims = permit.claims()
    (claims if where == "claims" else claims[BODY_CLAIM])[key] = value
    assert reason(signed_text(claims, issuer_key)) == "bad_format"


@pytest.mark.parametrize("exp_offset", [0, -1])
def test_expiry_not_after_not_before_is_bad_format(
    exp_offset: int, permit: Permit, issuer_key: Ed25519PrivateKey
) -> None:
    claims = permit.claims()
    claims[4] = claims[5] + exp_offset
    assert reason(signed_text(claims, issuer_key)) == "bad_format"


def test_photo_of_exactly_2_kib_is_accepted(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    claims = permit.claims()
    claims[BODY_CLAIM]["ph"] = b"\xff\xd8" + b"\x00" * 2046
    assert len(decode(signed_text(claims, issuer_key)).permit.photo or b"") == 2048


# -- tampering


def tamper(text: str, **body_changes: Any) -> str:
    """Change body fields of a permit, keeping its original protected header and signature."""
    protected, unprotected, payload, signature = cose_items(text)
    claims = cbor2.loads(payload)
    claims[BODY_CLAIM].update(body_changes)
    return qr(cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, cbor.dumps_cbor(claims), signature])))


def test_changed_claim_decodes_but_signature_fails(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    forged = decode(tamper(encode(permit, issuer_key), fn="KIM"))
    assert forged.permit.family_name == "KIM"
    assert forged.kid == kid_of(issuer_key)
    with pytest.raises(BadSignature):
        forged.verify(issuer_key.public_key())


def test_changed_signature_byte_fails(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    protected, unprotected, payload, signature = cose_items(encode(permit, issuer_key))
    bad = signature[:10] + bytes([signature[10] ^ 0x04]) + signature[11:]
    forged = decode(qr(cbor2.dumps([protected, unprotected, payload, bad])))
    assert forged.permit == permit
    with pytest.raises(BadSignature):
        forged.verify(issuer_key.public_key())


HOLDER = {
    **BASE_HOLDER,
    "zn": "Sa Kaeo province",
    "nat": "khm",
    "fn": "sok",
    "gn": "chantha",
}  # lower case: HQ upper-cases names and codes


def test_tampered_hq_permit_is_bad_signature_at_the_booth(hq, bundle) -> None:
    issued = hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=30, now=NOW)
    ctx = Context(checkpoint="KH-PHD", now=NOW + 60, bundle=bundle)
    genuine = check(issued.text, ctx)
    assert genuine.verdict == "valid" and genuine.reasons == ()
    assert genuine.permit is not None and genuine.permit.family_name == "SOK"

    for changes in ({"fn": "KIM"}, {"stay": 90}, {"cp": ["KH-PHD", "TH-ARY"]}):
        verdict = check(tamper(issued.text, **changes), ctx)
        assert verdict.verdict == "rejected"
        assert verdict.reasons[0] == Reason.BAD_SIGNATURE
        assert verdict.reasons == (Reason.BAD_SIGNATURE,)
        assert verdict.permit is None  # forged holder data is never shown


# -- fuzz


def _mutate_text(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        pos = rng.randrange(len(chars) + 1) if chars else 0
        if op == 0 and chars:  # substitute
            chars[min(pos, len(chars) - 1)] = rng.choice(ALPHABET)
        elif op == 1:  # insert
            chars.insert(pos, rng.choice(ALPHABET + "abc\n\u17a0"))
        elif op == 2 and chars:  # delete
            del chars[min(pos, len(chars) - 1)]
        elif op == 3:  # truncate
            chars = chars[:pos]
        else:  # swap two characters
            if len(chars) > 1:
                i, j = rng.randrange(len(chars)), rng.randrange(len(chars))
                chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def _flip(rng: random.Random, data: bytes, max_flips: int = 3) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, max_flips)):
        buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    return bytes(buf)


def _cborish(rng: random.Random) -> bytes:
    heads = [
        0x18,
        0x19,
        0x1A,
        0x1B,
        0x40,
        0x58,
        0x60,
        0x78,
        0x80,
        0x84,
        0x9F,
        0xA0,
        0xA1,
        0xBF,
        0xC0,
        0xD2,
        0xD8,
        0xF4,
        0xF5,
        0xF6,
        0xF7,
        0xF9,
        0xFA,
        0xFB,
        0xFF,
        0x1F,
        0x3F,
        0x5F,
        0x7F,
    ]
    return bytes(rng.choice(heads) if rng.random() < 0.4 else rng.randrange(256) for _ in range(rng.randint(0, 80)))


def test_fuzz_only_reason_codes_escape(issuer_key: Ed25519PrivateKey) -> None:
    rng = random.Random(20260921)
    valid = encode(make_permit(photo=b"\xff\xd8" + bytes(200)), issuer_key)
    compressed = b45decode(valid[len(PREFIX) :])
    inflated = zlib.decompress(compressed)
    outcomes: dict[str, int] = {}
    for i in range(10_000):
        kind = i % 5
        if kind == 0:
            text = PREFIX + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 120)))
        elif kind == 1:
            text = _mutate_text(rng, valid)
        elif kind == 2:
            text = PREFIX + b45encode(_flip(rng, compressed))
        elif kind == 3:
            text = qr(_flip(rng, inflated, max_flips=2))  # reaches the CBOR and claims layers
        else:
            text = qr(_cborish(rng))
        try:
            decode(text)
            outcome = "decoded"
        except PermitRejected as exc:
            assert exc.reason in REASON_CODES, (text, exc)
            outcome = exc.reason
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    # The inputs reached every layer: each of these happened, and only these.
    assert {"decoded", "unreadable", "bad_format"} <= set(outcomes)
    assert set(outcomes) <= {"decoded", "unreadable", "bad_format", "bad_signature"}
    assert sum(outcomes.values()) == 10_000


# -- signed but hostile: a real issuer key over content meant to break the reader or fool a screen


def _signed_with(permit: Permit, key: Ed25519PrivateKey, **body: Any) -> str:
    """A permit signed by ``key`` whose claims skip ``encode``'s checks (what a forger with a key can do)."""
    claims = permit.claims()
    for name in ("exp", "nbf", "iat"):
        if name in body:
            claims[{"exp": 4, "nbf": 5, "iat": 6}[name]] = body.pop(name)
    if "cti" in body:
        claims[7] = body.pop("cti").encode()
    if "iss" in body:
        claims[1] = body.pop("iss")
    claims[BODY_CLAIM] = {**claims[BODY_CLAIM], **body}
    return signed_text(claims, key)


MARKUP_NAME = '<table bgcolor="#0a0"><tr><td><font size="9" color="white">✔ PASS</font></td></tr></table>'
HOSTILE = [
    {"nn": MARKUP_NAME},
    {"fn": "SOK<b>"},
    {"gn": 'A"B'},
    {"fn": "SOK\nVALID"},
    {"fn": "SOK\u202eSSAP"},  # right-to-left override
    {"res": "x\x00y"},
    {"doc": "N0&amp;1"},
    {"fn": "S" * 81},
    {"cti": "../../etc/x"},
    {"cti": "KH 1"},
    {"iss": "KH-BTB-01<"},
    {"cp": ["KH-PHD", "<x>"]},
    {"exp": 2**62},
    {"exp": 10**30},
    {"nbf": -(2**40)},
    {"iat": 2**40},
    {"exp": 4_102_444_800},  # 2100-01-01: one second past the range
    {"stay": 2**31},
]


@pytest.mark.parametrize("change", HOSTILE, ids=[next(iter(c)) + str(i) for i, c in enumerate(HOSTILE)])
def test_signed_but_hostile_content_is_bad_format(change: dict, permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    text = _signed_with(permit, issuer_key, **change)
    assert reason(text) == "bad_format"


def test_encode_refuses_what_decode_would_refuse(permit: Permit, issuer_key: Ed25519PrivateKey) -> None:
    """Issuing checks the same rules: HQ never signs a permit every booth would refuse."""
    for change in ({"native_name": MARKUP_NAME}, {"number": "KH 1"}, {"expires": 2**40}, {"family_name": "A\tB"}):
        with pytest.raises(BadFormat):
            encode(dataclasses.replace(permit, **change), issuer_key)


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(["fn", "gn", "nn", "doc", "res", "zn"]),
    bad=st.sampled_from(list('<>&"`\\')) | st.characters(categories=("Cc", "Zl", "Zp")),
    at=st.integers(0, 10),
)
def test_any_markup_or_control_character_in_any_text_is_refused(
    field: str, bad: str, at: int, issuer_key: Ed25519PrivateKey
) -> None:
    permit = make_permit()
    base = {"fn": "SOK", "gn": "CHANTHA", "nn": "សុខ", "doc": "N0123", "res": "Kamrieng", "zn": "Sa Kaeo"}[field]
    assert reason(_signed_with(permit, issuer_key, **{field: base[:at] + bad + base[at:]})) == "bad_format"


@settings(max_examples=200, deadline=None)
@given(exp=st.integers(-(2**63), 2**64 - 1), nbf=st.integers(-(2**63), 2**64 - 1))
def test_no_time_in_a_signed_permit_crashes_the_reader(exp: int, nbf: int, issuer_key: Ed25519PrivateKey) -> None:
    permit = make_permit()
    text = _signed_with(permit, issuer_key, exp=exp, nbf=nbf)
    try:
        decoded = decode(text)
    except PermitRejected as exc:
        assert exc.reason == "bad_format"
    else:
        assert EARLIEST <= decoded.permit.not_before < decoded.permit.expires < LATEST
        decoded.permit.to_json()  # every time prints


@pytest.mark.parametrize("noise", [(" ", ""), ("\n", "\n"), ("  \t", " "), ("", "  "), ("\r\n", "\r\n")])
def test_pasted_text_with_spaces_or_line_breaks_around_it_still_reads(
    noise: tuple[str, str], permit: Permit, issuer_key: Ed25519PrivateKey
) -> None:
    text = encode(permit, issuer_key)
    before, after = noise
    assert decode(before + text + after).permit == permit


@given(data=st.binary(min_size=1, max_size=64))
def test_base45_text_never_ends_in_white_space(data: bytes) -> None:
    """Why trailing spaces of pasted text can be dropped: no base45 text ends in one."""
    assert not b45encode(data).endswith(" ")
