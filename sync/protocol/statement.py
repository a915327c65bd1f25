"""The root statement: what only the root may say, signed in a key ceremony.

A trust bundle is signed by an online signer, which a break-in at HQ's server could steal. So
what would let a thief make forged permits pass, or keep a stolen signer working, is not the
bundle's to say but the root's, in this document: the issuing-office keys booths accept (HQ's
own and the partner country's it recognises), the online signers it has revoked, how long a
signer certificate may be valid, and the next root ahead of a rotation. Every format-4 bundle
carries the statement whole; booths take issuers and the next root from it alone and never
install a statement older (``serial``) than the one they hold, so a revocation, once received,
sticks. It is a COSE_Sign1 by the root over deterministic CBOR (``sync.protocol.signed``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol.errors import DocumentRefused
from sync.protocol.issuer import IssuerKey, check_issuers, is_int
from sync.protocol.keys import KID_LENGTH, Signer, raw_public
from sync.protocol.signed import RootCheck, open_document, sign_document, tuplify
from sync.protocol.signer_cert import MAX_SIGNER_DAYS, SignerRules

CONTENT_TYPE = "application/vnd.booth.root-statement+cbor"
FORMAT = 1
DEFAULT_SIGNER_DAYS = 90  # an online signer's certificate, unless the ceremony says less
MAX_STATEMENT_BYTES = 8 * 1024 * 1024
MAX_REVOKED_SIGNERS = 1024


@dataclass(frozen=True)
class RootStatement:
    root_public_key: bytes
    serial: int  # grows by one per ceremony; readers never go back
    issued_at: int
    issuers: tuple[IssuerKey, ...] = ()
    revoked_signers: tuple[bytes, ...] = ()  # key ids of online signers no longer to be believed
    max_signer_days: int = DEFAULT_SIGNER_DAYS
    next_root_public_key: bytes | None = None
    format: int = FORMAT
    _revoked: frozenset[bytes] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_revoked", frozenset(self.revoked_signers))

    def signer_rules(self) -> SignerRules:
        return SignerRules(self._revoked, self.max_signer_days)

    def certifies(self, issuer: IssuerKey) -> bool:
        return any(i.kid == issuer.kid and i.public_key == issuer.public_key for i in self.issuers)


def sign_statement(statement: RootStatement, root: Ed25519PrivateKey | Signer) -> bytes:
    _check(statement)
    if raw_public(root) != statement.root_public_key:
        raise DocumentRefused("root statement names a different root key than the one signing it")
    return sign_document(
        _to_cbor(statement), root, statement.root_public_key, content_type=CONTENT_TYPE, what="root statement"
    )


def open_statement(
    data: bytes, *, trust: RootCheck | None = None, known: Collection[bytes] = (), own_file: bool = False
) -> RootStatement:
    """The statement in ``data``: signature by a root ``trust`` accepts checked first, then read."""
    statement = open_document(
        data,
        content_type=CONTENT_TYPE,
        what="root statement",
        max_bytes=MAX_STATEMENT_BYTES,
        parse=_from_cbor,
        root_of=lambda s: s.root_public_key,
        trust=trust,
        known=known,
        own_file=own_file,
    )
    _check(statement)
    return statement


def _to_cbor(s: RootStatement) -> dict[str, Any]:
    out = {k: v for k, v in asdict(s).items() if not k.startswith("_")}
    out["issuers"] = [{k: list(v) if isinstance(v, tuple) else v for k, v in i.items()} for i in out["issuers"]]
    out["revoked_signers"] = list(s.revoked_signers)
    return out


def _from_cbor(raw: Any) -> RootStatement:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise DocumentRefused("root statement format is not one this version reads: update Booth")
    try:
        fields = dict(raw)
        fields["issuers"] = tuple(IssuerKey(**tuplify(i)) for i in fields.get("issuers", ()))
        revoked = fields.get("revoked_signers", ())
        if not isinstance(revoked, list):
            raise TypeError("revoked_signers is not a list")
        fields["revoked_signers"] = tuple(revoked)
        return RootStatement(**fields)
    except TypeError as exc:
        raise DocumentRefused(f"root statement has unexpected contents: {exc}") from None


def _check(s: RootStatement) -> None:
    if not isinstance(s.root_public_key, bytes) or len(s.root_public_key) != 32:
        raise DocumentRefused("root statement root key is malformed")
    if not (is_int(s.serial) and s.serial >= 1 and is_int(s.issued_at)):
        raise DocumentRefused("root statement serial and time must be integers (serial from 1)")
    if not (is_int(s.max_signer_days) and 1 <= s.max_signer_days <= MAX_SIGNER_DAYS):
        raise DocumentRefused(f"root statement allows signers 1 to {MAX_SIGNER_DAYS} days, not {s.max_signer_days!r}")
    nxt = s.next_root_public_key
    if nxt is not None and (not isinstance(nxt, bytes) or len(nxt) != 32 or nxt == s.root_public_key):
        raise DocumentRefused("root statement announces a malformed next root key")
    if len(s.revoked_signers) > MAX_REVOKED_SIGNERS or not all(
        isinstance(k, bytes) and len(k) == KID_LENGTH for k in s.revoked_signers
    ):
        raise DocumentRefused("root statement lists malformed revoked signers")
    check_issuers(s.issuers, "root statement")
