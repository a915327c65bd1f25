"""Enrolment by USB stick: the booth's signed request and HQ's signed answer (docs/formats.md §8).

The request is a COSE_Sign1 signed by the booth's own key over ``{v, booth, public_key, token,
at}``: the same three things a booth POSTs to ``/v1/enrol``, and the signature proves that the
booth holds the key it registers. The token is one-time and bound to the first key that uses it,
so a lost stick lends a finder nothing a typed token would not.

The answer is a COSE_Sign1 signed by HQ's online signer, its root certificate in the protected
header (``sync.protocol.signer_cert``; root, certificate and signature checked before the payload
is read, as for a bundle) over ``{format, booth, checkpoint, booth_public_key,
root_public_key, hq_time}``. It names the booth's key, so it answers one request of one booth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol import cbor, cose
from sync.protocol.errors import DocumentRefused, MessageError
from sync.protocol.keys import Signer, kid_of, public_from_raw, raw_public
from sync.protocol.signed import RootCheck
from sync.protocol.signer_cert import SignerRules, open_certified, open_signer_cert, sign_certified

REQUEST_TYPE = "application/vnd.booth.enrol-request+cbor"
ANSWER_TYPE = "application/vnd.booth.enrol-answer+cbor"
REQUEST_VERSION = 1
ANSWER_FORMAT = 2  # 2: signed by HQ's certified online signer (1, by the root itself, is refused)
MAX_REQUEST_BYTES = 4096
MAX_ANSWER_BYTES = 4096
MAX_TOKEN_CHARS = 128


@dataclass(frozen=True)
class EnrolRequest:
    booth_id: str
    public_key: bytes  # the booth's raw Ed25519 key, which signed the request
    token: str
    at: int  # the booth's clock when it wrote the request (informative)


@dataclass(frozen=True)
class EnrolAnswer:
    booth_id: str
    checkpoint: str
    booth_public_key: bytes  # the key HQ enrolled: the answer is for this booth's request only
    root_public_key: bytes  # HQ's root, which signed the answer
    hq_time: int


def sign_request(request: EnrolRequest, key: Ed25519PrivateKey | Signer) -> bytes:
    if raw_public(key) != request.public_key:
        raise DocumentRefused("enrolment request names a different key than the one signing it")
    _check_request(request)
    payload = {
        "v": REQUEST_VERSION,
        "booth": request.booth_id,
        "public_key": request.public_key,
        "token": request.token,
        "at": request.at,
    }
    return cose.sign(cbor.dumps_cbor(payload), key, kid_of(key), content_type=REQUEST_TYPE)


def open_request(data: bytes) -> EnrolRequest:
    """Read a request and check it is signed by the key it names; raise ``DocumentRefused``."""
    if len(data) > MAX_REQUEST_BYTES:
        raise DocumentRefused("enrolment request file is implausibly large")
    try:
        signed = cose.parse_envelope(data, "enrolment request")
        if signed.content_type != REQUEST_TYPE:
            raise DocumentRefused("file is not an enrolment request (wrong content type)")
        raw = cbor.loads_cbor(signed.payload, "enrolment request")
        request = _request_from(raw)
        if signed.kid != kid_of(request.public_key):
            raise DocumentRefused("enrolment request key id does not match its key")
        signed.verify(public_from_raw(request.public_key))
    except MessageError as exc:
        raise DocumentRefused(f"enrolment request is damaged or forged: {exc.detail}") from None
    except ValueError:
        raise DocumentRefused("enrolment request names a malformed key") from None
    return request


def _request_from(raw: Any) -> EnrolRequest:
    if not isinstance(raw, dict) or raw.get("v") != REQUEST_VERSION:
        raise DocumentRefused("enrolment request version is not supported")
    if set(raw) != {"v", "booth", "public_key", "token", "at"}:
        raise DocumentRefused("enrolment request has unexpected contents")
    request = EnrolRequest(raw["booth"], raw["public_key"], raw["token"], raw["at"])
    _check_request(request)
    return request


def _check_request(r: EnrolRequest) -> None:
    if not isinstance(r.booth_id, str) or not 1 <= len(r.booth_id) <= 64:
        raise DocumentRefused("enrolment request has a malformed booth id")
    if not isinstance(r.public_key, bytes) or len(r.public_key) != 32:
        raise DocumentRefused("enrolment request has a malformed key")
    if not isinstance(r.token, str) or not 1 <= len(r.token) <= MAX_TOKEN_CHARS:
        raise DocumentRefused("enrolment request has a malformed token")
    if not _is_int(r.at):
        raise DocumentRefused("enrolment request has a malformed time")


def sign_answer(answer: EnrolAnswer, signer: Ed25519PrivateKey | Signer, cert_data: bytes) -> bytes:
    """HQ's answer, signed by its online signer (certified for enrolments by the root the answer names)."""
    _check_answer(answer)
    payload = {
        "format": ANSWER_FORMAT,
        "booth": answer.booth_id,
        "checkpoint": answer.checkpoint,
        "booth_public_key": answer.booth_public_key,
        "root_public_key": answer.root_public_key,
        "hq_time": answer.hq_time,
    }
    if open_signer_cert(cert_data).root_public_key != answer.root_public_key:
        raise DocumentRefused("enrolment answer names another root than its signer's certificate")
    return sign_certified(cbor.dumps_cbor(payload), signer, cert_data, content_type=ANSWER_TYPE)


def open_answer(data: bytes, *, trust: RootCheck, now: int | None = None) -> EnrolAnswer:
    """Judge the certifying root with ``trust`` (the operator's ``--pin``), the online signer's
    certificate (for enrolments, not expired at ``now``), its signature, then read."""
    try:
        cert, signed = open_certified(
            data,
            content_type=ANSWER_TYPE,
            what="enrolment answer",
            max_bytes=MAX_ANSWER_BYTES,
            purpose="enrolment",
            trust=trust,
            rules=SignerRules(),
            now=now,
        )
        answer = _answer_from(cbor.loads_cbor(signed.payload, "enrolment answer"))
    except MessageError as exc:
        raise DocumentRefused(f"enrolment answer is damaged or forged: {exc.detail}") from None
    if answer.root_public_key != cert.root_public_key:
        raise DocumentRefused("enrolment answer names another root than the one that certified its signer")
    return answer


def _answer_from(raw: Any) -> EnrolAnswer:
    if not isinstance(raw, dict) or raw.get("format") != ANSWER_FORMAT:
        raise DocumentRefused("enrolment answer format is not supported")
    keys = ("booth", "checkpoint", "booth_public_key", "root_public_key", "hq_time")
    if set(raw) != {"format", *keys}:
        raise DocumentRefused("enrolment answer has unexpected contents")
    answer = EnrolAnswer(*(raw[k] for k in keys))
    _check_answer(answer)
    return answer


def _check_answer(a: EnrolAnswer) -> None:
    if not isinstance(a.booth_id, str) or not isinstance(a.checkpoint, str) or not _is_int(a.hq_time):
        raise DocumentRefused("enrolment answer has malformed fields")
    for key in (a.booth_public_key, a.root_public_key):
        if not isinstance(key, bytes) or len(key) != 32:
            raise DocumentRefused("enrolment answer has a malformed key")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
