"""The Booth-Request codec alone: what it signs, and what it refuses before and after the key."""

from __future__ import annotations

import base64

import pytest

from sync.protocol import cbor, cose
from sync.protocol.errors import SignatureMismatch, SignedRequestRefused
from sync.protocol.keys import generate, kid_of
from sync.protocol.request_auth import (
    CONTENT_TYPE,
    MAX_HEADER,
    NONCE_BYTES,
    Head,
    body_digest,
    evidence,
    open_request,
    sign_request,
)

KEY = generate()
HEAD = Head(42, "ab" * 32)


def signed(**changes: object) -> str:
    fields = {"booth_id": "PHD-01", "method": "post", "path": "/v1/batches", "body": b"wire", "t": 1_790_000_000}
    return sign_request(KEY, head=HEAD, **{**fields, **changes})


def by_key(kid: bytes):
    assert kid == kid_of(KEY)
    return KEY.public_key()


def raw_header(payload: object, key=KEY, content_type: str = CONTENT_TYPE) -> str:
    data = cose.sign(cbor.dumps_cbor(payload), key, kid_of(key), content_type=content_type)
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_round_trip() -> None:
    value = signed()
    assert "=" not in value and len(value) < 500
    opened = open_request(value, by_key)
    assert (opened.booth_id, opened.method, opened.path, opened.t) == ("PHD-01", "POST", "/v1/batches", 1_790_000_000)
    assert opened.body_sha256 == body_digest(b"wire") and opened.head == HEAD and opened.kid == kid_of(KEY)
    assert len(opened.nonce) == NONCE_BYTES and opened.nonce != open_request(signed(), by_key).nonce
    assert cose.parse(evidence(value)).content_type == CONTENT_TYPE


def test_another_key_and_a_changed_byte_are_refused() -> None:
    other = generate()
    with pytest.raises(SignedRequestRefused) as refused:
        open_request(signed(), lambda _kid: other.public_key())
    assert refused.value.reason == "bad_request_signature"
    raw = bytearray(evidence(signed()))
    raw[-70] ^= 1  # in the payload
    with pytest.raises(SignedRequestRefused):
        open_request(base64.urlsafe_b64encode(bytes(raw)).decode(), by_key)


def test_the_key_lookup_may_refuse_before_the_signature() -> None:
    def unknown(_kid: bytes):
        raise SignedRequestRefused("unenrolled", "nobody")

    with pytest.raises(SignedRequestRefused, match="unenrolled"):
        open_request(signed(), unknown)


@pytest.mark.parametrize(
    "value",
    ["", "!!", "AAAA", base64.urlsafe_b64encode(b"\xd2\x84").decode(), "A" * (MAX_HEADER + 1)],
)
def test_junk_is_refused_with_a_reason(value: str) -> None:
    with pytest.raises(SignedRequestRefused) as refused:
        open_request(value, by_key)
    assert refused.value.reason in ("bad_request_signature", "header_too_large")


def good_payload() -> dict:
    return {
        "v": 2,
        "booth": "PHD-01",
        "method": "GET",
        "path": "/v1/bundle",
        "body": b"\0" * 32,
        "t": 1,
        "nonce": b"\1" * 16,
        "head": {"seq": 0, "hash": b"\2" * 32},
    }


@pytest.mark.parametrize(
    "change",
    [
        {"v": 3},
        {"extra": 1},
        {"t": True},
        {"t": 2**64},
        {"nonce": b"short"},
        {"body": "not bytes"},
        {"head": {"seq": -1, "hash": b"\2" * 32}},
        {"head": {"seq": 1}},
        {"booth": 7},
    ],
)
def test_payloads_not_of_this_version_are_refused(change: dict) -> None:
    assert open_request(raw_header(good_payload()), by_key).path == "/v1/bundle"
    with pytest.raises(SignedRequestRefused, match="bad_request_signature"):
        open_request(raw_header({**good_payload(), **change}), by_key)


def test_a_version_1_request_is_told_to_update() -> None:
    with pytest.raises(SignedRequestRefused, match="update_booth.*update Booth"):
        open_request(raw_header({**good_payload(), "v": 1}), by_key)


def test_another_document_signed_by_the_booth_is_not_a_request() -> None:
    with pytest.raises(SignedRequestRefused, match="not a signed request"):
        open_request(raw_header(good_payload(), content_type="application/vnd.booth.batch+cbor"), by_key)


def test_signature_mismatch_is_not_leaked_as_its_own_type() -> None:
    with pytest.raises(SignedRequestRefused) as refused:
        open_request(signed(), lambda _kid: generate().public_key())
    assert not isinstance(refused.value, SignatureMismatch)
