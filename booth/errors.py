"""Exceptions of the booth core.

    BoothError
    ├── PermitRejected            a permit fails decoding or verification; carries a reason code
    │   ├── Unreadable            the text is not a permit transport (prefix, base45, zlib)
    │   ├── BadFormat             the decoded bytes are not a v1 permit
    │   ├── BadSignature          signature or algorithm wrong
    │   └── UnknownIssuer         no trusted key with this kid
    ├── KeyFileError              a key file is missing, unreadable or too open
    ├── TrustError                a trust bundle is refused (signature, root, rollback)
    │   └── NoTrustBundle         nothing installed yet
    └── ConfigError               a data dir or option is unusable
"""

from __future__ import annotations


class BoothError(Exception):
    """Base of every error the booth core raises on purpose."""


class PermitRejected(BoothError):
    reason = "bad_format"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Unreadable(PermitRejected):
    reason = "unreadable"


class BadFormat(PermitRejected):
    reason = "bad_format"


class BadSignature(PermitRejected):
    reason = "bad_signature"


class UnknownIssuer(PermitRejected):
    reason = "unknown_issuer"


class KeyFileError(BoothError):
    """A key file is missing, malformed or readable by others."""


class TrustError(BoothError):
    """A trust bundle cannot be accepted."""


class NoTrustBundle(TrustError):
    """No trust bundle has been installed in this data dir."""


class ConfigError(BoothError):
    """A data dir, option or setting is unusable."""
