"""Booth-signed HTTP requests: the ``Booth-Request`` header (docs/formats.md, "Signed requests").

Every booth call to HQ but ``/v1/time`` and ``/v1/enrol`` carries one: base64url (no padding)
of a COSE_Sign1 by the booth's Ed25519 key (kid in the protected header, content type
``application/booth-request+cbor``) over deterministic CBOR:

    {"v": 2, "booth": id, "method": "GET", "path": "/v1/bundle?have=3",
     "body": sha256(body), "t": HQ time (s), "nonce": 16 random bytes,
     "head": {"seq": n, "hash": 32 bytes}}

It binds the call to the booth, the exact request and body, a time window and a one-time
nonce (HQ keeps nonces for the window); and it tells HQ the booth's ledger head at every
contact, signed, so HQ hears a head before it gets the records (a later rewrite is a fork).
This module only encodes, parses and verifies; who the key belongs to, the time window and
the nonces are HQ's business (``sync.hq.request_check``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.protocol import cbor, cose
from sync.protocol.errors import MessageError, SignedRequestRefused
from sync.protocol.keys import Signer, kid_of

HEADER = "Booth-Request"
CONTENT_TYPE = "application/booth-request+cbor"
# 2: the booth reads what HQ's certified online signer signs (bundle format 4, receipt format 2);
#    a version-1 booth cannot, and is told to update (reason ``update_booth``) instead of failing later.
VERSION = 2
OUTDATED = 1
MAX_HEADER = 2048  # characters of the header value; a real one is about 400
NONCE_BYTES = 16
WINDOW = 300  # seconds either side of HQ's time a signed request is good for
_WHAT = "signed request"
_KEYS = {"v", "booth", "method", "path", "body", "t", "nonce", "head"}


@dataclass(frozen=True)
class Head:
    """A ledger head: the last record's sequence and hash (hex); seq 0 is the genesis."""

    seq: int
    hash: str


@dataclass(frozen=True)
class SignedRequest:
    """What a verified ``Booth-Request`` header says."""

    booth_id: str
    method: str
    path: str  # with the query, as sent
    body_sha256: bytes
    t: int
    nonce: bytes
    head: Head
    kid: bytes


def body_digest(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()


def sign_request(
    key: Ed25519PrivateKey | Signer,
    *,
    booth_id: str,
    method: str,
    path: str,
    body: bytes,
    t: int,
    head: Head,
    nonce: bytes | None = None,
) -> str:
    """The header value for one request (a fresh random nonce unless one is given)."""
    payload = {
        "v": VERSION,
        "booth": booth_id,
        "method": method.upper(),
        "path": path,
        "body": body_digest(body),
        "t": t,
        "nonce": nonce if nonce is not None else os.urandom(NONCE_BYTES),
        "head": {"seq": head.seq, "hash": bytes.fromhex(head.hash)},
    }
    signed = cose.sign(cbor.dumps_cbor(payload), key, kid_of(key), content_type=CONTENT_TYPE)
    return base64.urlsafe_b64encode(signed).rstrip(b"=").decode("ascii")


def open_request(value: str, signer: Callable[[bytes], Ed25519PublicKey]) -> SignedRequest:
    """Parse and verify a header value; ``signer(kid)`` returns the key or raises (unknown booth).

    The key is looked up before the payload is decoded, and the signature checked before it is
    read: nothing from an unknown or wrong key is looked at. Raises ``SignedRequestRefused``."""
    if len(value) > MAX_HEADER:
        raise SignedRequestRefused("header_too_large", f"the {HEADER} header is limited to {MAX_HEADER} characters")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise SignedRequestRefused("bad_request_signature", f"the {HEADER} header is not base64url") from None
    try:
        signed = cose.parse(raw, _WHAT)
        if signed.content_type != CONTENT_TYPE:
            raise SignedRequestRefused("bad_request_signature", f"the {HEADER} header is not a signed request")
        key = signer(signed.kid)
        signed.verify(key)
        return _claims(cbor.loads_cbor(signed.payload, _WHAT), signed.kid)
    except MessageError as exc:
        raise SignedRequestRefused("bad_request_signature", exc.detail) from None


def evidence(value: str) -> bytes:
    """The signed bytes of a header value (kept by HQ as evidence); assumes it was opened."""
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _claims(payload: Any, kid: bytes) -> SignedRequest:
    if isinstance(payload, dict) and payload.get("v") == OUTDATED:
        raise SignedRequestRefused(
            "update_booth",
            "this booth's Booth is older than HQ's: it cannot read the bundles and receipts HQ's online "
            "signer signs (bundle format 4); update Booth on this PC, nothing it recorded is lost",
        )
    if not isinstance(payload, dict) or set(payload) != _KEYS or payload["v"] != VERSION:
        raise SignedRequestRefused(
            "bad_request_signature", f"the signed request's fields are not those of version {VERSION}"
        )
    head = payload["head"]
    checks = (
        isinstance(payload["booth"], str),
        isinstance(payload["method"], str),
        isinstance(payload["path"], str),
        _is_bytes(payload["body"], 32),
        _is_int(payload["t"]),
        _is_bytes(payload["nonce"], NONCE_BYTES),
        isinstance(head, dict) and set(head) == {"seq", "hash"},
    )
    if not all(checks) or not (_is_int(head["seq"]) and head["seq"] >= 0 and _is_bytes(head["hash"], 32)):
        raise SignedRequestRefused("bad_request_signature", "the signed request has a field of the wrong type")
    return SignedRequest(
        booth_id=payload["booth"],
        method=payload["method"],
        path=payload["path"],
        body_sha256=payload["body"],
        t=payload["t"],
        nonce=payload["nonce"],
        head=Head(head["seq"], head["hash"].hex()),
        kid=kid,
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _is_bytes(value: Any, length: int) -> bool:
    return isinstance(value, bytes) and len(value) == length
