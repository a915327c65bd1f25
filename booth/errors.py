"""Exceptions of the booth core. (What a permit, key or signed file does wrong is the wire
core's: ``sync.protocol.errors``.)

    BoothError
    ├── TrustError                a trust bundle is refused (signature, root, rollback)
    │   └── NoTrustBundle         nothing installed yet
    ├── ConfigError               a data dir or option is unusable
    ├── TokenError                a PKCS#11 token or its key cannot be used: no module, no such token
    │   │                         or object, a bad pkcs11: URI (booth.token; HQ's keys too)
    │   └── TokenLoginRefused     the token refused the PIN (wrong, locked, expired)
    ├── CardError                 a permit card cannot be drawn (fonts, shaping, QR text, photo)
    ├── ExportError               an export cannot be written or checked; nothing partial is left
    │   ├── ExportCancelled       the supervisor cancelled it; nothing was written
    │   └── ExportInvalid         (booth.report.signature) an export does not match its signature;
    │                             also the wire's ExportSignatureInvalid
    ├── LedgerError               the ledger cannot do what was asked; nothing half-written remains
    │   ├── LedgerFull            the disk (or the ledger's size cap) is full
    │   ├── LedgerIOError         the disk failed to read or write (an I/O error)
    │   ├── LedgerReadOnly        the medium is read-only
    │   ├── LedgerBusy            another process holds the ledger too long
    │   ├── LedgerNotOurs         the file is not a Booth ledger (or is damaged)
    │   ├── LedgerTooNew          written by a newer Booth; left untouched
    │   └── OverrideRefused       the override is not allowed (not rejected, done already, no reason)
    └── AuthError                 an officer cannot act
        ├── UnknownOfficer
        ├── OfficerDisabled       a supervisor disabled the officer: they cannot log in
        ├── OfficerRefused        the change to an officer is not allowed (the last supervisor)
        ├── WrongPin
        ├── LockedOut             too many wrong PINs; carries the time the lock ends
        ├── NotSupervisor
        └── PinPolicyError        a new PIN does not meet the policy (also a ValueError)
"""

from __future__ import annotations


class BoothError(Exception):
    """Base of every error the booth core raises on purpose."""


class TokenError(BoothError):
    """A PKCS#11 token or a key in it cannot be used (booth.token)."""


class TokenLoginRefused(TokenError):
    """The token refused the PIN: wrong, locked or expired."""


class TrustError(BoothError):
    """A trust bundle cannot be accepted."""


class NoTrustBundle(TrustError):
    """No trust bundle has been installed in this data dir."""


class ConfigError(BoothError):
    """A data dir, option or setting is unusable."""


class CardError(BoothError):
    """A permit card cannot be made: fonts missing, shaping engine absent, text that no
    alphanumeric QR holds, an unreadable photo (``booth.card``)."""


class LedgerError(BoothError):
    """The ledger cannot do what was asked; nothing half-written remains."""


class LedgerFull(LedgerError):
    """The disk, or the ledger's size cap, is full."""


class LedgerIOError(LedgerError):
    """The disk failed to read or write the ledger (an I/O error)."""


class LedgerReadOnly(LedgerError):
    """The ledger's medium is read-only."""


class LedgerBusy(LedgerError):
    """Another process has held the ledger locked for too long."""


class LedgerNotOurs(LedgerError):
    """The file is not a Booth ledger, or is damaged beyond use."""


class LedgerTooNew(LedgerError):
    """The ledger was written by a newer Booth; it is left untouched."""


class OverrideRefused(LedgerError):
    """The override is not allowed."""


class AuthError(BoothError):
    """An officer cannot act."""


class UnknownOfficer(AuthError):
    """No such officer at this booth."""


class OfficerDisabled(AuthError):
    """The officer was disabled by a supervisor and cannot act until enabled again."""


class OfficerRefused(AuthError):
    """The change to an officer is not allowed (e.g. disabling the last enabled supervisor)."""


class WrongPin(AuthError):
    """The PIN is wrong."""


class LockedOut(AuthError):
    """Too many wrong PINs."""

    def __init__(self, message: str, until: int | None) -> None:
        super().__init__(message)
        self.until = until


class NotSupervisor(AuthError):
    """The action needs a supervisor."""


class PinPolicyError(AuthError, ValueError):
    """The PIN does not meet the policy."""


class ExportError(BoothError):
    """An export cannot be written (or checked); nothing partial was left behind."""


class ExportCancelled(ExportError):
    """The supervisor cancelled the export; nothing was written."""
