"""COSE_Sign1 (RFC 9052) with EdDSA/Ed25519 only, over cbor2.

Why our own ~100 lines instead of python-cwt or pycose: the reader must take ``alg`` and
``kid`` from the protected header only, accept no algorithm but EdDSA, and map every
malformation to a specific error naming the message; both libraries accept more (other algorithms,
unprotected headers, key objects) and raise their own exception trees, so wrapping them
would take as much code as this and still hide the checks we must guarantee. pycose has
also seen no release since 2023.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.protocol.cbor import dumps_cbor, loads_cbor, read_bytes, read_head
from sync.protocol.errors import MalformedMessage, SignatureMismatch
from sync.protocol.keys import Signer

COSE_SIGN1_TAG = 18
HDR_ALG = 1
HDR_CRIT = 2
HDR_CONTENT_TYPE = 3
HDR_KID = 4
ALG_EDDSA = -8
MAX_PROTECTED = 1024  # a protected header of ours is under 100 bytes; a bigger one is not worth decoding
ED25519_SIGNATURE = 64


@dataclass(frozen=True)
class Sign1:
    """A parsed, not yet verified COSE_Sign1 message."""

    protected: bytes  # the serialized protected header, exactly as signed
    headers: Mapping[int, Any]  # the protected header, decoded (read-only)
    payload: bytes
    signature: bytes
    what: str = "message"  # what the message claims to be, for error messages

    @property
    def kid(self) -> bytes:
        kid: bytes = self.headers[HDR_KID]  # checked to be bytes by parse()
        return kid

    @property
    def content_type(self) -> str | int | None:
        return self.headers.get(HDR_CONTENT_TYPE)

    def to_be_signed(self, external_aad: bytes = b"") -> bytes:
        return sig_structure(self.protected, self.payload, external_aad)

    def verify(self, public_key: Ed25519PublicKey) -> None:
        """Raise ``SignatureMismatch`` unless ``public_key`` signed this message."""
        try:
            public_key.verify(self.signature, self.to_be_signed())
        except InvalidSignature:
            raise SignatureMismatch(self.what, "signature does not match the signer's key") from None


def sig_structure(protected: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    """``["Signature1", protected, external_aad, payload]`` in CBOR, assembled directly (hot path)."""
    return b"".join((_SIG1_HEAD, _bstr(protected), _bstr(external_aad), _bstr(payload)))


_SIG1_HEAD = b"\x84\x6aSignature1"  # array(4), text(10) "Signature1"


def _bstr(data: bytes) -> bytes:
    n = len(data)
    if n < 24:
        head = bytes((0x40 | n,))
    elif n < 0x100:
        head = bytes((0x58, n))
    elif n < 0x10000:
        head = b"\x59" + n.to_bytes(2, "big")
    elif n < 0x100000000:
        head = b"\x5a" + n.to_bytes(4, "big")
    else:
        head = b"\x5b" + n.to_bytes(8, "big")
    return head + data


def sign(
    payload: bytes,
    key: Ed25519PrivateKey | Signer,
    kid: bytes,
    *,
    content_type: str | None = None,
    tagged: bool = True,
    extra: Mapping[int, Any] | None = None,
) -> bytes:
    """Serialize a COSE_Sign1 over ``payload`` signed with ``key``; ``extra``: more protected headers.

    ``key``: an Ed25519 private key, or a ``keys.Signer`` whose private half is kept elsewhere."""
    headers: dict[int, Any] = {**(extra or {}), HDR_ALG: ALG_EDDSA, HDR_KID: kid}
    if content_type is not None:
        headers[HDR_CONTENT_TYPE] = content_type
    protected = dumps_cbor(headers)
    signature = key.sign(sig_structure(protected, payload))
    if not isinstance(signature, bytes) or len(signature) != ED25519_SIGNATURE:
        raise SignatureMismatch("signer", "the signer returned no 64-byte Ed25519 signature")
    message: Any = [protected, {}, payload, signature]
    if tagged:
        message = cbor2.CBORTag(COSE_SIGN1_TAG, message)
    return cbor2.dumps(message)


def parse(data: bytes, what: str = "message") -> Sign1:
    """Parse a tagged or untagged COSE_Sign1; raise ``MalformedMessage``/``SignatureMismatch``.

    ``what`` names the message ("permit", "batch", "trust bundle") in every error."""
    message = loads_cbor(data, what)
    if isinstance(message, cbor2.CBORTag):
        if message.tag != COSE_SIGN1_TAG:
            raise MalformedMessage(what, f"CBOR tag {message.tag} is not COSE_Sign1 (18)")
        message = message.value
    if not isinstance(message, (list, tuple)) or len(message) != 4:
        raise MalformedMessage(what, "not a COSE_Sign1 array of four items")
    protected, unprotected, payload, signature = message
    if not isinstance(protected, bytes) or not isinstance(unprotected, Mapping):
        raise MalformedMessage(what, "COSE_Sign1 headers have the wrong types")
    if not isinstance(payload, bytes):
        raise MalformedMessage(what, "COSE_Sign1 payload is missing or detached")
    if not isinstance(signature, bytes):
        raise MalformedMessage(what, "COSE_Sign1 signature is not a byte string")
    headers = _protected_headers(protected, what)
    return Sign1(protected, headers, payload, signature, what)


def parse_envelope(data: bytes, what: str = "message") -> Sign1:
    """Parse a COSE_Sign1 by its CBOR heads only, without decoding its payload: the strict
    reader for documents that are checked before they are read (batches, bundles, partner lists).

    Only the small protected header is decoded; the unprotected header must be empty (our
    writers never fill it), the payload embedded, the signature 64 bytes, nothing after it.
    However large or hostile the payload, this allocates nothing but slices of ``data``."""
    major, value, pos = read_head(data, 0, what)
    if major == 6:
        if value != COSE_SIGN1_TAG:
            raise MalformedMessage(what, f"CBOR tag {value} is not COSE_Sign1 (18)")
        major, value, pos = read_head(data, pos, what)
    if (major, value) != (4, 4):
        raise MalformedMessage(what, "not a COSE_Sign1 array of four items")
    protected, pos = read_bytes(data, pos, MAX_PROTECTED, what)
    if data[pos : pos + 1] != b"\xa0":
        raise MalformedMessage(what, "the unprotected header must be an empty map")
    payload, pos = read_bytes(data, pos + 1, len(data), what)
    signature, pos = read_bytes(data, pos, ED25519_SIGNATURE, what)
    if pos != len(data):
        raise MalformedMessage(what, f"{len(data) - pos} trailing bytes after the COSE_Sign1")
    return Sign1(protected, _protected_headers(protected, what), payload, signature, what)


@lru_cache(maxsize=256)
def _protected_headers(protected: bytes, what: str) -> Mapping[int, Any]:
    """Parsed and checked protected header; cached, since each issuer's is the same bytes."""
    headers = loads_cbor(protected, what) if protected else {}
    if not isinstance(headers, Mapping):
        raise MalformedMessage(what, "protected header is not a map")
    if HDR_CRIT in headers:
        raise MalformedMessage(what, "protected header marks critical parameters we do not understand")
    if HDR_ALG not in headers:
        raise MalformedMessage(what, "protected header names no algorithm")
    if headers[HDR_ALG] != ALG_EDDSA or isinstance(headers[HDR_ALG], bool):
        raise SignatureMismatch(what, f"algorithm {headers[HDR_ALG]!r} is not accepted (EdDSA only)")
    kid = headers.get(HDR_KID)
    if not isinstance(kid, bytes) or not kid:
        raise MalformedMessage(what, "protected header has no key id")
    return MappingProxyType(dict(headers))
