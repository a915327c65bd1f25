"""An issuing office's key as trust documents list it (the root statement, partner lists)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sync.protocol.errors import DocumentRefused
from sync.protocol.keys import kid_of, public_from_raw


@dataclass(frozen=True)
class IssuerKey:
    kid: bytes
    public_key: bytes  # raw Ed25519, 32 bytes
    office: str  # the `iss` its permits must carry
    country: str  # KH | TH
    not_before: int  # the key may sign permits issued in [not_before, not_after)
    not_after: int | None
    checkpoints: tuple[str, ...]  # checkpoints it may issue for; empty = any
    name: str = ""
    compromised_at: int | None = None  # the key was stolen: every permit under it is refused

    @cached_property
    def verifier(self) -> Ed25519PublicKey:
        """The key object, made once per bundle load rather than once per scan."""
        return public_from_raw(self.public_key)


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_issuers(issuers: tuple[IssuerKey, ...], what: str) -> None:
    """Raise ``DocumentRefused`` for a malformed issuer entry or a key id listed twice."""
    kids: set[bytes] = set()
    for i in issuers:
        if not isinstance(i.office, str) or not i.office or not isinstance(i.name, str):
            raise DocumentRefused(f"{what} has an issuer without an office code")
        if not isinstance(i.public_key, bytes) or len(i.public_key) != 32:
            raise DocumentRefused(f"issuer {i.office!r} has a malformed public key")
        if i.kid != kid_of(i.public_key):
            raise DocumentRefused(f"issuer {i.office!r} key id does not match its key")
        if i.kid in kids:
            raise DocumentRefused(f"issuer {i.office!r} repeats a key id")
        kids.add(i.kid)
        if not is_int(i.not_before) or not (i.not_after is None or is_int(i.not_after)):
            raise DocumentRefused(f"issuer {i.office!r} has a malformed validity window")
        if not (i.compromised_at is None or is_int(i.compromised_at)):
            raise DocumentRefused(f"issuer {i.office!r} has a malformed compromise time")
        if not all(isinstance(c, str) for c in i.checkpoints):
            raise DocumentRefused(f"issuer {i.office!r} has malformed checkpoints")
