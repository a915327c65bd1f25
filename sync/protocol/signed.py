"""Documents signed by the root key they name: the trust bundle and the partner issuer list.

Both are a COSE_Sign1 over deterministic CBOR with their own content type, carrying the
signer's root public key; whether that root is *trusted* is the reader's decision (a booth's
pin, an HQ's pinned partner root), made after this module has checked the signature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol import cbor, cose
from sync.protocol.errors import DocumentRefused, MessageError
from sync.protocol.keys import kid_of, public_from_raw, raw_public

T = TypeVar("T")


def sign_document(
    payload: dict[str, Any], root: Ed25519PrivateKey, named_root: bytes, *, content_type: str, what: str
) -> bytes:
    if named_root != raw_public(root):
        raise DocumentRefused(f"{what} names a different root key than the one signing it")
    return cose.sign(cbor.dumps_cbor(payload), root, kid_of(root), content_type=content_type)


def open_document(
    data: bytes,
    *,
    content_type: str,
    what: str,
    max_bytes: int,
    parse: Callable[[Any], T],
    root_of: Callable[[T], bytes],
) -> T:
    """Parse a document and check it is signed by the root key it names."""
    if len(data) > max_bytes:
        raise DocumentRefused(f"{what} file is implausibly large")
    try:
        signed = cose.parse(data, what)
        if signed.content_type != content_type:
            raise DocumentRefused(f"file is not a {what} (wrong content type)")
        document = parse(cbor.loads_cbor(signed.payload, what))
        root = root_of(document)
        if signed.kid != kid_of(root):
            raise DocumentRefused(f"{what} key id does not match its root key")
        signed.verify(public_from_raw(root))
    except MessageError as exc:
        raise DocumentRefused(f"{what} is damaged or forged: {exc.detail}") from None
    return document


def tuplify(item: Any) -> dict[str, Any]:
    """A decoded CBOR map entry with its lists made tuples (the dataclasses are frozen)."""
    if not isinstance(item, dict):
        raise TypeError("entry is not a map")
    return {k: tuple(v) if isinstance(v, (list, tuple)) else v for k, v in item.items()}
