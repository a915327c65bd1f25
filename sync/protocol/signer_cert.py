"""Certificates of HQ's online signers: the root's word that a key may sign for a while.

The root stays offline. In a key ceremony it certifies an *online signer*: a key HQ's server
holds to sign what must be signed unattended, trust bundles and receipts. A certificate names
the key, what it may sign (``purposes``) and when (``not_before``..``not_after``, at most
``MAX_SIGNER_DAYS``, and at most what the root statement allows). It is a small COSE_Sign1 by the
root (``sync.protocol.signed``, the root in its protected header) and travels whole in the
protected header of every document its key signs (label ``HDR_SIGNER_CERT``), so a reader
checks root, certificate and signature before it decodes a byte of the payload.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol import cose
from sync.protocol.errors import DocumentRefused, MessageError
from sync.protocol.issuer import is_int
from sync.protocol.keys import Signer, kid_of, public_from_raw, raw_public
from sync.protocol.signed import RootCheck, open_document, sign_document
from sync.protocol.times import DAY, iso

CONTENT_TYPE = "application/vnd.booth.signer-cert+cbor"
FORMAT = 1
HDR_SIGNER_CERT = -70011  # protected header: the signer's certificate, whole (private-use label)
PURPOSES = ("bundle", "receipt", "enrolment")  # enrolment: the answer to a booth enrolling by stick
MAX_SIGNER_DAYS = 366  # no certificate is believed for longer, whatever a statement says
MAX_CERT_BYTES = 512  # a certificate is about 300 bytes; the protected header it sits in is capped


@dataclass(frozen=True)
class SignerCert:
    root_public_key: bytes
    public_key: bytes  # the online signer's raw Ed25519 key
    purposes: tuple[str, ...]
    not_before: int
    not_after: int
    name: str = ""  # e.g. "hq-online-2026-12"
    format: int = FORMAT

    @property
    def kid(self) -> bytes:
        return kid_of(self.public_key)

    def days(self) -> float:
        return (self.not_after - self.not_before) / DAY

    def describe(self) -> str:
        valid = f"valid {iso(self.not_before)} to {iso(self.not_after)}"
        return f"online signer {self.kid.hex()} ({', '.join(self.purposes)}) {valid}"


def sign_signer_cert(cert: SignerCert, root: Ed25519PrivateKey | Signer) -> bytes:
    """The certificate, signed by ``root`` (in a key ceremony)."""
    _check(cert, MAX_SIGNER_DAYS)
    data = sign_document(
        _to_cbor(cert), root, cert.root_public_key, content_type=CONTENT_TYPE, what="signer certificate"
    )
    if len(data) > MAX_CERT_BYTES:
        raise DocumentRefused("signer certificate is too large (shorten its name)")
    return data


def open_signer_cert(data: bytes, *, trust: RootCheck | None = None, known: Collection[bytes] = ()) -> SignerCert:
    """The certificate in ``data``, signed by a root ``trust`` accepts; not yet judged against a clock."""
    cert = open_document(
        data,
        content_type=CONTENT_TYPE,
        what="signer certificate",
        max_bytes=MAX_CERT_BYTES,
        parse=_from_cbor,
        root_of=lambda c: c.root_public_key,
        trust=trust,
        known=known,
    )
    _check(cert, MAX_SIGNER_DAYS)
    return cert


@dataclass(frozen=True)
class SignerRules:
    """What a reader holds against online signers: the newest root statement's word."""

    revoked: frozenset[bytes] = frozenset()  # key ids of revoked online signers
    max_days: int = MAX_SIGNER_DAYS

    def judge(self, cert: SignerCert, purpose: str, now: int | None) -> None:
        """Raise ``DocumentRefused`` unless ``cert`` may sign ``purpose`` at ``now`` (None: no clock check).

        Only the end of validity is judged against the reader's clock: a booth's clock may lag
        HQ's by days, and a certificate used before its start gives a thief nothing."""
        if purpose not in cert.purposes:
            raise DocumentRefused(f"online signer {cert.kid.hex()} is not certified to sign a {purpose}")
        if cert.kid in self.revoked:
            raise DocumentRefused(f"online signer {cert.kid.hex()} was revoked by the root; refused")
        if cert.days() > self.max_days:
            raise DocumentRefused(
                f"online signer {cert.kid.hex()} is certified for {cert.days():.0f} days, "
                f"more than the {self.max_days} allowed"
            )
        if now is not None and now >= cert.not_after:
            raise DocumentRefused(
                f"online signer {cert.kid.hex()} expired at {iso(cert.not_after)}; HQ must certify a new one"
            )


def open_certified(
    data: bytes,
    *,
    content_type: str,
    what: str,
    max_bytes: int,
    purpose: str,
    trust: RootCheck,
    rules: SignerRules,
    now: int | None,
) -> tuple[SignerCert, cose.Sign1]:
    """Check a document an online signer signed: envelope (heads only), its certificate (root
    trusted, root's signature, purpose, revocation, validity at ``now``), then the document's
    signature by the certified key. The payload is returned undecoded, checked."""
    if len(data) > max_bytes:
        raise DocumentRefused(f"{what} is implausibly large")
    try:
        signed = cose.parse_envelope(data, what)
    except MessageError as exc:
        raise DocumentRefused(f"{what} is damaged or forged: {exc.detail}") from None
    if signed.content_type != content_type:
        raise DocumentRefused(f"file is not a {what} (wrong content type)")
    cert_data = signed.headers.get(HDR_SIGNER_CERT)
    if not isinstance(cert_data, bytes):
        raise DocumentRefused(f"{what} carries no online signer certificate")
    cert = open_signer_cert(cert_data, trust=trust)
    rules.judge(cert, purpose, now)
    if signed.kid != cert.kid:
        raise DocumentRefused(f"{what} is signed by key {signed.kid.hex()}, not the certified signer {cert.kid.hex()}")
    try:
        signed.verify(public_from_raw(cert.public_key))
    except MessageError as exc:
        raise DocumentRefused(f"{what} is damaged or forged: {exc.detail}") from None
    return cert, signed


def sign_certified(payload: bytes, signer: Ed25519PrivateKey | Signer, cert_data: bytes, *, content_type: str) -> bytes:
    """A COSE_Sign1 over ``payload`` by an online signer, its certificate in the protected header."""
    cert = open_signer_cert(cert_data)
    if raw_public(signer) != cert.public_key:
        raise DocumentRefused("the online signer's key is not the one its certificate names")
    return cose.sign(payload, signer, cert.kid, content_type=content_type, extra={HDR_SIGNER_CERT: cert_data})


def _to_cbor(cert: SignerCert) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "root": cert.root_public_key,
        "key": cert.public_key,
        "purposes": list(cert.purposes),
        "nbf": cert.not_before,
        "exp": cert.not_after,
        "name": cert.name,
    }


def _from_cbor(raw: Any) -> SignerCert:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise DocumentRefused("signer certificate format is not one this version reads: update Booth")
    try:
        purposes = raw["purposes"]
        if not isinstance(purposes, list):
            raise TypeError
        return SignerCert(raw["root"], raw["key"], tuple(purposes), raw["nbf"], raw["exp"], raw.get("name", ""))
    except (KeyError, TypeError):
        raise DocumentRefused("signer certificate has unexpected contents") from None


def _check(cert: SignerCert, max_days: int) -> None:
    if not all(isinstance(k, bytes) and len(k) == 32 for k in (cert.root_public_key, cert.public_key)):
        raise DocumentRefused("signer certificate keys are malformed")
    if cert.public_key == cert.root_public_key:
        raise DocumentRefused("the root does not certify itself as an online signer")
    if (
        not cert.purposes
        or not all(p in PURPOSES for p in cert.purposes)
        or len(set(cert.purposes)) != len(cert.purposes)
    ):
        raise DocumentRefused(f"signer certificate purposes must be among {', '.join(PURPOSES)}")
    if not (is_int(cert.not_before) and is_int(cert.not_after) and cert.not_before < cert.not_after):
        raise DocumentRefused("signer certificate validity is malformed")
    if cert.days() > max_days:
        raise DocumentRefused(f"signer certificate is valid {cert.days():.0f} days, more than {max_days}")
    if not isinstance(cert.name, str) or len(cert.name) > 64:
        raise DocumentRefused("signer certificate name is malformed")
