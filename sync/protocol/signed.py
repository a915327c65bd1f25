"""Documents signed by a root key: the trust bundle and the partner issuer list.

Both are a COSE_Sign1 over deterministic CBOR with their own content type. The signer's raw
root public key travels in the protected header (label ``HDR_ROOT_KEY``) as well as in the
payload, so a reader checks the signature, and whether it trusts that root at all, before it
decodes a byte of the payload: a bomb on a stick costs an envelope parse and, at most, one
signature check. Whether a root is *trusted* is the reader's decision (a booth's pin or the
next root its bundle announced, an HQ's pinned partner root), passed in as ``trust``.

Documents written before the header existed carry the root in the payload only. A reader
that already holds the root (``known``) checks them just the same, signature first; only
files on the reader's own disk, checked when they arrived, may still be read the old way
(``own_file``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol import cbor, cose
from sync.protocol.errors import DocumentRefused, MessageError
from sync.protocol.keys import Signer, kid_of, public_from_raw, raw_public

T = TypeVar("T")
HDR_ROOT_KEY = -70010  # protected header: the signer's raw 32-byte Ed25519 root public key (private-use label)
RootCheck = Callable[[bytes], None]  # raises DocumentRefused for a root the reader does not trust


def sign_document(
    payload: dict[str, Any],
    root: Ed25519PrivateKey | Signer,
    named_root: bytes,
    *,
    content_type: str,
    what: str,
) -> bytes:
    if named_root != raw_public(root):
        raise DocumentRefused(f"{what} names a different root key than the one signing it")
    extra = {HDR_ROOT_KEY: named_root}
    return cose.sign(cbor.dumps_cbor(payload), root, kid_of(root), content_type=content_type, extra=extra)


def open_document(
    data: bytes,
    *,
    content_type: str,
    what: str,
    max_bytes: int,
    parse: Callable[[Any], T],
    root_of: Callable[[T], bytes],
    trust: RootCheck | None = None,
    known: Collection[bytes] = (),
    own_file: bool = False,
) -> T:
    """Check a document's signature, then read it: envelope (heads only), signer's root (from
    the protected header, else among ``known``), ``trust(root)``, signature, and only then the
    payload, which must name the same root."""
    if len(data) > max_bytes:
        raise DocumentRefused(f"{what} file is implausibly large")
    try:
        signed = cose.parse_envelope(data, what)
        if signed.content_type != content_type:
            raise DocumentRefused(f"file is not a {what} (wrong content type)")
        root = _signer(signed, known, what)
        if root is None:
            if not own_file:
                raise DocumentRefused(
                    f"{what} names no root key in its header (written before this version) and is signed "
                    f"by no root this reader holds; have a new one made"
                )
            return _old_way(signed, parse, root_of, trust, what)
        if trust is not None:
            trust(root)
        signed.verify(public_from_raw(root))
        document = parse(cbor.loads_cbor(signed.payload, what))
    except MessageError as exc:
        raise DocumentRefused(f"{what} is damaged or forged: {exc.detail}") from None
    if root_of(document) != root:
        raise DocumentRefused(f"{what} names a different root key than the one that signed it")
    return document


def _signer(signed: cose.Sign1, known: Collection[bytes], what: str) -> bytes | None:
    """The root that claims to have signed: from the protected header, else a known root with its key id."""
    named = signed.headers.get(HDR_ROOT_KEY)
    if named is not None:
        if not isinstance(named, bytes) or len(named) != 32 or kid_of(named) != signed.kid:
            raise DocumentRefused(f"{what} key id does not match the root key in its header")
        return named
    return next((root for root in known if kid_of(root) == signed.kid), None)


def _old_way(
    signed: cose.Sign1, parse: Callable[[Any], T], root_of: Callable[[T], bytes], trust: RootCheck | None, what: str
) -> T:
    """A document from before the header, read from the reader's own disk: root from the payload."""
    document = parse(cbor.loads_cbor(signed.payload, what))
    root = root_of(document)
    if signed.kid != kid_of(root):
        raise DocumentRefused(f"{what} key id does not match its root key")
    if trust is not None:
        trust(root)
    signed.verify(public_from_raw(root))
    return document


def tuplify(item: Any) -> dict[str, Any]:
    """A decoded CBOR map entry with its lists made tuples (the dataclasses are frozen)."""
    if not isinstance(item, dict):
        raise TypeError("entry is not a map")
    return {k: tuple(v) if isinstance(v, (list, tuple)) else v for k, v in item.items()}
