"""Ed25519 keys in a PKCS#11 token (a hardware security module, a smart card, a TPM through
tpm2-pkcs11, or SoftHSM2 in tests): the private key is made in the token and never leaves it;
Booth asks the token to sign (CKM_EDDSA) and reads the public half (CKA_EC_POINT). HQ keeps its
root, online signer and issuing-office keys so; a booth may keep its own key so.

A key is named by a subset of RFC 7512 ``pkcs11:`` URIs::

    pkcs11:token=KH-MOI;object=KH-BTB-01?pin-source=file:/etc/booth/token.pin
    pkcs11:token=KH-MOI;object=KH-BTB-01;id=%01?pin-value=1234

``token=`` (the token label), ``object=`` (the key label) and ``id=`` (CKA_ID, percent-encoded
bytes) select; ``pin-source=file:PATH`` (the PIN on the file's first line) or ``pin-value=``
log in. The PIN is never printed: not in errors, not in a repr.

The PKCS#11 module is ``BOOTH_PKCS11_MODULE``, else Debian's SoftHSM2. The library is loaded
for one operation and unloaded after it, so each command reads the module's configuration
(SOFTHSM2_CONF) afresh.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as p11

from booth.errors import TokenError, TokenLoginRefused

MODULE_ENV = "BOOTH_PKCS11_MODULE"
DEBIAN_SOFTHSM = (
    "/usr/lib/softhsm/libsofthsm2.so",  # Debian's softhsm2 package (a link to the next)
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)
ED25519_OID = bytes.fromhex("06032b6570")  # CKA_EC_PARAMS: DER OID 1.3.101.112 (id-Ed25519)
PATH_ATTRIBUTES = {"token", "object", "id", "type", "manufacturer", "model", "serial", "library-manufacturer"}
QUERY_ATTRIBUTES = {"pin-source", "pin-value", "module-name", "module-path"}


@dataclass(frozen=True)
class TokenURI:
    """The parts of a ``pkcs11:`` URI that Booth uses; ``pin`` stays out of repr."""

    token: str
    object: str | None = None
    id: bytes | None = None
    pin: str | None = field(default=None, repr=False)

    def __str__(self) -> str:  # for messages: never the PIN
        parts = [f"token={self.token}"]
        if self.object is not None:
            parts.append(f"object={self.object}")
        if self.id is not None:
            parts.append("id=" + "".join(f"%{b:02x}" for b in self.id))
        return "pkcs11:" + ";".join(parts)


def is_uri(text: str) -> bool:
    return text.startswith("pkcs11:")


def parse_uri(text: str) -> TokenURI:
    """Parse the RFC 7512 subset above; a bad URI is one line naming what is wrong (never the PIN)."""
    if not is_uri(text):
        raise TokenError("a token key is named by a pkcs11: URI, e.g. pkcs11:token=KH-MOI;object=KH-BTB-01")
    path, _, query = text[len("pkcs11:") :].partition("?")
    found: dict[str, bytes] = {}
    for part, known, sep in ((path, PATH_ATTRIBUTES, ";"), (query, QUERY_ATTRIBUTES, "&")):
        for item in filter(None, part.split(sep)):
            name, eq, value = item.partition("=")
            if not eq:
                raise TokenError(f"pkcs11: URI attribute {name!r} has no value (name=value)")
            if name not in known:
                raise TokenError(f"pkcs11: URI attribute {name!r} is not one Booth reads (token, object, id, pin-…)")
            if name in found:
                raise TokenError(f"pkcs11: URI names {name} twice")
            found[name] = unquote_to_bytes(value)
    if "token" not in found:
        raise TokenError("the pkcs11: URI names no token (token=LABEL)")
    if "pin-source" in found and "pin-value" in found:
        raise TokenError("the pkcs11: URI gives both pin-source and pin-value; give one")
    pin = None
    if "pin-value" in found:
        pin = _text(found["pin-value"], "pin-value")
    elif "pin-source" in found:
        pin = _read_pin(_text(found["pin-source"], "pin-source"))
    return TokenURI(
        token=_text(found["token"], "token"),
        object=_text(found["object"], "object") if "object" in found else None,
        id=found.get("id"),
        pin=pin,
    )


def _text(value: bytes, name: str) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise TokenError(f"pkcs11: URI attribute {name} is not UTF-8") from None


def _read_pin(source: str) -> str:
    if source.startswith("file://"):
        source = source[len("file://") :]
    elif source.startswith("file:"):
        source = source[len("file:") :]
    try:
        lines = Path(source).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise TokenError(f"cannot read the PIN file {source}: {reason}") from None
    if not lines or not lines[0]:
        raise TokenError(f"the PIN file {source} is empty")
    return lines[0]


def module_path() -> str:
    """The PKCS#11 module: BOOTH_PKCS11_MODULE, else SoftHSM2 where Debian puts it."""
    configured = os.environ.get(MODULE_ENV)
    if configured:
        if not Path(configured).is_file():
            raise TokenError(f"PKCS#11 module {configured} ({MODULE_ENV}) does not exist")
        return configured
    for candidate in DEBIAN_SOFTHSM:
        if Path(candidate).is_file():
            return candidate
    raise TokenError(f"no PKCS#11 module: install softhsm2 or set {MODULE_ENV}")


@contextmanager
def _session(uri: TokenURI, *, rw: bool = False) -> Iterator[Any]:
    """A logged-in session on the token of ``uri``; the library is unloaded afterwards."""
    if uri.pin is None:
        raise TokenError(f"{uri} gives no PIN: add ?pin-source=file:PATH (or pin-value=)")
    path = module_path()
    try:
        lib = pkcs11.lib(path)
    except p11.PKCS11Error as exc:
        raise TokenError(f"cannot load the PKCS#11 module {path}: {exc}") from None
    try:
        try:
            token = lib.get_token(token_label=uri.token)
        except p11.NoSuchToken:
            raise TokenError(f"no token labelled {uri.token!r} (softhsm2-util --show-slots)") from None
        except p11.MultipleTokensReturned:
            raise TokenError(f"more than one token is labelled {uri.token!r}") from None
        try:
            session = token.open(user_pin=uri.pin, rw=rw)
        except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange):
            raise TokenLoginRefused(f"token {uri.token!r} refused the PIN") from None
        except p11.PinLocked:
            raise TokenLoginRefused(
                f"token {uri.token!r} is locked (too many wrong PINs); its officer must unlock it"
            ) from None
        except p11.PinExpired:
            raise TokenLoginRefused(f"the PIN of token {uri.token!r} has expired; set a new one") from None
        with session:
            yield session
    except p11.PKCS11Error as exc:  # anything else the module says: one line, its name
        raise TokenError(f"token {uri.token!r}: PKCS#11 error {type(exc).__name__} {exc}".rstrip()) from None
    finally:
        pkcs11.unload(path)


def _selector(uri: TokenURI) -> dict[Any, Any]:
    if uri.object is None and uri.id is None:
        raise TokenError(f"{uri} names no key (object=LABEL or id=)")
    attrs: dict[Any, Any] = {Attribute.KEY_TYPE: KeyType.EC_EDWARDS}
    if uri.object is not None:
        attrs[Attribute.LABEL] = uri.object
    if uri.id is not None:
        attrs[Attribute.ID] = uri.id
    return attrs


def _one(session: Any, uri: TokenURI, object_class: ObjectClass) -> Any:
    found = list(session.get_objects({**_selector(uri), Attribute.CLASS: object_class}))
    kind = "private" if object_class == ObjectClass.PRIVATE_KEY else "public"
    if not found:
        raise TokenError(f"no Ed25519 {kind} key {uri} in the token")
    if len(found) > 1:
        raise TokenError(f"{len(found)} Ed25519 {kind} keys match {uri}; add id= to choose one")
    return found[0]


def raw_public_from_ec_point(point: bytes) -> bytes:
    """CKA_EC_POINT of an Ed25519 key: the 32 bytes, in a DER OCTET STRING (or bare, as some tokens give)."""
    if len(point) == 34 and point[:2] == b"\x04\x20":
        return point[2:]
    if len(point) == 32:
        return point
    raise TokenError(f"the token's public key is not a 32-byte Ed25519 point ({len(point)} bytes)")


class TokenKey:
    """A ``keys.Signer`` over a private key in a token, used inside ``open_key``'s ``with``."""

    def __init__(self, uri: TokenURI, private: Any, raw_public_key: bytes) -> None:
        self.uri = uri
        self._private = private
        self._raw_public = raw_public_key

    @property
    def raw_public_key(self) -> bytes:
        return self._raw_public

    def sign(self, data: bytes) -> bytes:
        try:
            signature = self._private.sign(data, mechanism=Mechanism.EDDSA)
        except p11.PKCS11Error as exc:
            raise TokenError(f"token {self.uri.token!r} did not sign: {type(exc).__name__} {exc}".rstrip()) from None
        return bytes(signature)

    def __repr__(self) -> str:
        return f"TokenKey({self.uri})"


@contextmanager
def open_key(text: str) -> Iterator[TokenKey]:
    """The token key named by the URI ``text``, logged in, for the ``with`` block."""
    uri = parse_uri(text)
    with _session(uri) as session:
        private = _one(session, uri, ObjectClass.PRIVATE_KEY)
        yield TokenKey(uri, private, _public_of(session, uri))


def public_key(text: str) -> bytes:
    """The raw Ed25519 public key of the token key named by ``text``."""
    uri = parse_uri(text)
    with _session(uri) as session:
        return _public_of(session, uri)


def _public_of(session: Any, uri: TokenURI) -> bytes:
    public = _one(session, uri, ObjectClass.PUBLIC_KEY)
    return raw_public_from_ec_point(bytes(public[Attribute.EC_POINT]))


def keygen(text: str) -> bytes:
    """Make an Ed25519 key pair in the token (private: sensitive, not extractable); its raw public key.

    The key is labelled by the URI's object= (and given its id= if any); refused if one exists."""
    uri = parse_uri(text)
    if uri.object is None:
        raise TokenError(f"{uri} names no label for the new key (object=LABEL)")
    with _session(uri, rw=True) as session:
        if list(session.get_objects({Attribute.LABEL: uri.object})):
            raise TokenError(f"token {uri.token!r} already holds an object labelled {uri.object!r}")
        common = {Attribute.TOKEN: True, Attribute.LABEL: uri.object}
        if uri.id is not None:
            common[Attribute.ID] = uri.id
        public, _ = session.generate_keypair(
            KeyType.EC_EDWARDS,
            0,
            mechanism=Mechanism.EC_EDWARDS_KEY_PAIR_GEN,
            store=True,
            public_template={**common, Attribute.EC_PARAMS: ED25519_OID, Attribute.VERIFY: True},
            private_template={
                **common,
                Attribute.SIGN: True,
                Attribute.PRIVATE: True,
                Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False,
            },
        )
        return raw_public_from_ec_point(bytes(public[Attribute.EC_POINT]))


class TokenSigner:
    """A ``keys.Signer`` for a long-lived holder (HQ's server): each signature opens the token,
    logs in and signs, so no session outlives a call (a token pulled out and put back works)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._raw_public = public_key(text)  # also checks, once, that the URI names a usable key

    @property
    def raw_public_key(self) -> bytes:
        return self._raw_public

    def sign(self, data: bytes) -> bytes:
        with open_key(self.text) as key:
            return key.sign(data)

    def __repr__(self) -> str:
        return f"TokenSigner({parse_uri(self.text)})"
