"""Permit codec, v1 (docs/formats.md §1): ``BP1:`` + base45 + zlib + COSE_Sign1/EdDSA + CWT claims.

``decode`` turns any text into a ``SignedPermit`` or raises a ``PermitRejected`` subclass
whose ``reason`` is a reason code of docs/formats.md §1; it never raises anything else. Signature
checking against trusted keys is ``booth.trust``'s job, since it needs the bundle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.protocol import cbor, cose
from sync.protocol.base45 import b45decode, b45encode
from sync.protocol.errors import (
    BadFormat,
    BadSignature,
    Base45Error,
    MalformedMessage,
    PermitRejected,
    SignatureMismatch,
    Unreadable,
)
from sync.protocol.inflate import inflate as capped_inflate
from sync.protocol.keys import Signer, kid_of
from sync.protocol.times import iso

PREFIX = "BP1:"
MAX_INFLATED = 16 * 1024
MAX_PHOTO = 2 * 1024
BODY_CLAIM = -70001
CLAIM_ISS, CLAIM_EXP, CLAIM_NBF, CLAIM_IAT, CLAIM_CTI = 1, 4, 5, 6, 7
KINDS = ("single", "multi")
SEXES = ("F", "M", "X")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# permit numbers, office and checkpoint codes: what a clerk can read out over a radio
CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,39}")
# every time in a permit lies in [2000-01-01, 2100-01-01) UTC: nothing outside is a real
# permit, and a date far outside breaks every calendar routine that touches it
EARLIEST, LATEST = 946_684_800, 4_102_444_800
MAX_STAY_DAYS = 366
MAX_TEXT = {
    "family name": 80,
    "given names": 80,
    "native name": 80,
    "document number": 40,
    "residence": 160,
    "zone": 160,
}
# Text is shown on screens and paper: markup, control characters, line breaks and bidi
# overrides could make a name look like something else, so none of them is allowed.
_MARKUP = frozenset('<>&"`\\')
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
_ALPHA3 = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class Permit:
    """The claims of a v1 permit, with the body keys of docs/formats.md §1 spelt out."""

    number: str  # cti
    issuer: str  # iss, the issuing office code
    not_before: int  # nbf, epoch seconds UTC
    expires: int  # exp
    kind: str  # ty: single | multi
    family_name: str  # fn
    given_names: str  # gn
    dob: str  # YYYY-MM-DD
    sex: str  # F | M | X
    nationality: str  # ISO 3166-1 alpha-3
    document: str  # identity document number
    residence: str
    checkpoints: tuple[str, ...]
    zone: str
    stay_days: int
    native_name: str | None = None
    photo: bytes | None = field(default=None, repr=False)
    issued_at: int | None = None

    def claims(self) -> dict[int, Any]:
        """The CWT claims map, exactly as signed."""
        body: dict[str, Any] = {
            "v": 1,
            "ty": self.kind,
            "fn": self.family_name,
            "gn": self.given_names,
            "dob": self.dob,
            "sx": self.sex,
            "nat": self.nationality,
            "doc": self.document,
            "res": self.residence,
            "cp": list(self.checkpoints),
            "zn": self.zone,
            "stay": self.stay_days,
        }
        if self.native_name is not None:
            body["nn"] = self.native_name
        if self.photo is not None:
            body["ph"] = self.photo
        claims: dict[int, Any] = {
            CLAIM_ISS: self.issuer,
            CLAIM_EXP: self.expires,
            CLAIM_NBF: self.not_before,
            CLAIM_CTI: self.number.encode(),
            BODY_CLAIM: body,
        }
        if self.issued_at is not None:
            claims[CLAIM_IAT] = self.issued_at
        return claims

    def to_json(self) -> dict[str, Any]:
        """The claim keys of docs/formats.md, times as ISO 8601 UTC; the photo as its size only."""
        return {
            "no": self.number,
            "iss": self.issuer,
            "ty": self.kind,
            "nbf": iso(self.not_before),
            "exp": iso(self.expires),
            "iat": iso(self.issued_at) if self.issued_at is not None else None,
            "fn": self.family_name,
            "gn": self.given_names,
            "nn": self.native_name,
            "dob": self.dob,
            "sx": self.sex,
            "nat": self.nationality,
            "doc": self.document,
            "res": self.residence,
            "cp": list(self.checkpoints),
            "zn": self.zone,
            "stay": self.stay_days,
            "photo_bytes": len(self.photo) if self.photo else 0,
        }


@dataclass(frozen=True)
class SignedPermit:
    """A decoded permit whose signature has not been checked yet."""

    permit: Permit
    sign1: cose.Sign1

    @property
    def kid(self) -> bytes:
        return self.sign1.kid

    def verify(self, public_key: Ed25519PublicKey) -> None:
        """Raise ``BadSignature`` unless the issuer's ``public_key`` signed this permit."""
        try:
            self.sign1.verify(public_key)
        except SignatureMismatch:
            raise BadSignature("signature does not match the issuer's key") from None

    @property
    def signature_sha256(self) -> str:
        """Hex SHA-256 of the signature: names one printed copy (for revocation)."""
        return hashlib.sha256(self.sign1.signature).hexdigest()


def encode(permit: Permit, key: Ed25519PrivateKey | Signer) -> str:
    """Sign ``permit`` with the issuer's key (or a ``keys.Signer``: a key in a token) and return the QR text."""
    validate(permit)
    payload = cbor.dumps_cbor(permit.claims())
    signed = cose.sign(payload, key, kid_of(key))
    return PREFIX + b45encode(zlib.compress(signed, 9))


def decode(text: str) -> SignedPermit:
    """Parse QR text into a permit; raise ``PermitRejected`` with a reason code."""
    try:
        signed = cose.parse(_unwrap(text), "permit")
        return SignedPermit(_parse_claims(signed.payload), signed)
    except PermitRejected:
        raise
    except SignatureMismatch as exc:
        raise BadSignature(exc.detail) from None
    except MalformedMessage as exc:
        raise BadFormat(exc.detail) from None
    except Exception as exc:  # the promise is: reason codes only, whatever the input
        raise BadFormat(f"unexpected malformation: {type(exc).__name__}") from None


def _unwrap(text: str) -> bytes:
    if not isinstance(text, str):
        raise Unreadable("input is not text")
    text = text.lstrip()  # pasted text often comes with a leading space or line break
    if not text.startswith(PREFIX):
        raise Unreadable("not a border permit (text does not start with BP1:)")
    # Trailing white space is always noise: base45's last character encodes at most 32 (the
    # high digit of a 16-bit group, or 5 for a last byte), and space is 36.
    body = text[len(PREFIX) :].rstrip()
    try:
        compressed = b45decode(body)
    except Base45Error as exc:
        raise Unreadable(f"damaged permit text: {exc}") from None
    return inflate(compressed)


def inflate(compressed: bytes, limit: int = MAX_INFLATED) -> bytes:
    """The permit's zlib layer, capped at ``limit`` bytes; any failure is ``Unreadable``."""
    try:
        return capped_inflate(compressed, limit, "permit")
    except MalformedMessage as exc:
        raise Unreadable(f"permit {exc.detail}") from None


# (Permit attribute, map key, CBOR type, name for messages, optional): the v1 schema.
_CLAIM_SPECS = (
    ("issuer", CLAIM_ISS, str, "issuer (iss)", False),
    ("not_before", CLAIM_NBF, int, "not-before (nbf)", False),
    ("expires", CLAIM_EXP, int, "expiry (exp)", False),
    ("issued_at", CLAIM_IAT, int, "issued-at (iat)", True),
)
_BODY_SPECS = (
    ("kind", "ty", str, "permit type (ty)", False),
    ("family_name", "fn", str, "family name (fn)", False),
    ("given_names", "gn", str, "given names (gn)", False),
    ("native_name", "nn", str, "native name (nn)", True),
    ("dob", "dob", str, "date of birth (dob)", False),
    ("sex", "sx", str, "sex (sx)", False),
    ("nationality", "nat", str, "nationality (nat)", False),
    ("document", "doc", str, "document number (doc)", False),
    ("residence", "res", str, "residence (res)", False),
    ("checkpoints", "cp", list, "checkpoints (cp)", False),
    ("zone", "zn", str, "zone (zn)", False),
    ("stay_days", "stay", int, "stay (stay)", False),
    ("photo", "ph", bytes, "photo (ph)", True),
)
_MISSING = object()


def _parse_claims(payload: bytes) -> Permit:
    claims = cbor.loads_cbor(payload)
    if not isinstance(claims, Mapping):
        raise BadFormat("payload is not a CWT claims map")
    body = claims.get(BODY_CLAIM, _MISSING)
    if body is _MISSING:
        raise BadFormat("missing field: permit body")
    if not isinstance(body, Mapping):
        raise BadFormat(f"wrong type for permit body: {type(body).__name__}")
    if body.get("v", _MISSING) != 1 or type(body["v"]) is not int:
        raise BadFormat(f"permit body version {body.get('v', 'missing')!r} is not supported")
    cti = claims.get(CLAIM_CTI, _MISSING)
    if type(cti) is not bytes:
        raise BadFormat("missing field: permit number (cti)" if cti is _MISSING else "wrong type for cti")
    try:
        number = cti.decode("utf-8")
    except UnicodeDecodeError:
        raise BadFormat("permit number is not UTF-8") from None
    fields = _extract(claims, _CLAIM_SPECS)
    fields.update(_extract(body, _BODY_SPECS))
    fields["checkpoints"] = tuple(fields["checkpoints"])
    permit = Permit(number=number, **fields)
    validate(permit)
    return permit


def _extract(mapping: Mapping[Any, Any], specs: tuple[tuple[str, Any, type, str, bool], ...]) -> dict[str, Any]:
    """Typed fields by spec; exact types, so a CBOR true is never taken for an integer."""
    out: dict[str, Any] = {}
    for attr, key, kind, name, optional in specs:
        value = mapping.get(key, _MISSING)
        if value is _MISSING:
            if not optional:
                raise BadFormat(f"missing field: {name}")
            continue
        if type(value) is not kind and not (kind is list and type(value) is tuple):
            raise BadFormat(f"wrong type for {name}: {type(value).__name__}")
        out[attr] = value
    return out


def validate(p: Permit) -> None:
    """Check values a well-typed permit must still satisfy; raise ``BadFormat``."""
    problems = []
    for name, code in (("permit number", p.number), ("issuer", p.issuer)):
        if not CODE.fullmatch(code):
            problems.append(f"{name} {code!r} is not a code of A-Z, 0-9 and '-' (at most 40)")
    if p.kind not in KINDS:
        problems.append(f"permit type {p.kind!r} is not single or multi")
    if p.sex not in SEXES:
        problems.append(f"sex {p.sex!r} is not F, M or X")
    if not _ALPHA3.fullmatch(p.nationality):
        problems.append(f"nationality {p.nationality!r} is not ISO alpha-3")
    if not _valid_date(p.dob):
        problems.append(f"date of birth {p.dob!r} is not YYYY-MM-DD")
    if not p.family_name:
        problems.append("empty family name")
    if not p.checkpoints or not all(isinstance(c, str) and CODE.fullmatch(c) for c in p.checkpoints):
        problems.append("checkpoints must be a non-empty list of codes")
    if not 1 <= p.stay_days <= MAX_STAY_DAYS:
        problems.append(f"stay must be 1 to {MAX_STAY_DAYS} days")
    for name, moment in (("not-before", p.not_before), ("expiry", p.expires), ("issued-at", p.issued_at)):
        if moment is not None and not EARLIEST <= moment < LATEST:
            problems.append(f"{name} is outside the years 2000 to 2099")
    if p.expires <= p.not_before:
        problems.append("expiry is not after not-before")
    problems += text_problems(p)
    if p.photo is not None and len(p.photo) > MAX_PHOTO:
        problems.append(f"photo is {len(p.photo)} bytes, over {MAX_PHOTO}")
    if problems:
        raise BadFormat("; ".join(problems))


def text_problems(p: Permit) -> list[str]:
    """Why the permit's free-text fields could not be shown as they are (markup, controls, length)."""
    texts = {
        "family name": p.family_name,
        "given names": p.given_names,
        "native name": p.native_name,
        "document number": p.document,
        "residence": p.residence,
        "zone": p.zone,
    }
    problems = []
    for name, text in texts.items():
        if text is None:
            continue
        if len(text) > MAX_TEXT[name]:
            problems.append(f"{name} is longer than {MAX_TEXT[name]} characters")
        if bad := sorted({c for c in text if not plain_char(c)}):
            problems.append(f"{name} holds characters a permit may not carry: {', '.join(map(ascii, bad))}")
    return problems


def plain_char(c: str) -> bool:
    """A character that is only ever shown as itself: no markup, control, line break or bidi override."""
    return c not in _MARKUP and c not in _BIDI and unicodedata.category(c) not in ("Cc", "Zl", "Zp", "Cs", "Co", "Cn")


def _valid_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
