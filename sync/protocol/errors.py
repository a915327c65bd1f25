"""Exceptions of the wire core: what fails when bytes from outside are read or signed.

    WireError                     base of every error sync.protocol raises on purpose
    ├── KeyFileError              a key file is missing, unreadable, too open or not Ed25519
    ├── Base45Error               text is not valid base45 (RFC 9285)
    ├── UnsafePath                a file to write or read is (or sits in) a link, or is no regular file
    ├── FileTooLarge              a file from outside is larger than its kind may be
    ├── MessageError              a signed message (CBOR / COSE_Sign1) is refused; says which
    │   ├── MalformedMessage      the bytes are not well-formed CBOR or COSE_Sign1
    │   │   └── InflatesTooFar    compressed data inflates beyond its cap (a bomb, or just too big)
    │   └── SignatureMismatch     the signature does not verify, or the algorithm is not EdDSA
    ├── PermitRejected            a permit fails decoding or verification; carries a reason code
    │   ├── Unreadable            the text is not a permit transport (prefix, base45, zlib)
    │   ├── BadFormat             the decoded bytes are not a v1 permit
    │   ├── BadSignature          signature or algorithm wrong
    │   └── UnknownIssuer         no trusted key with this kid
    ├── DocumentRefused           a root-signed document (trust bundle, partner list) is refused
    ├── BatchRefused              a sync batch or receipt is refused; carries a short code
    ├── SignedRequestRefused      a booth-signed request header is refused; carries a short code
    └── ExportRefused             a signed export (shift log, day report) cannot be accepted
        ├── ExportSignatureInvalid    the file does not match its .sig, or the .sig is not good
        └── ExportUnreadable          the export or its .sig cannot be read (missing, I/O error)

Every message names what failed (a permit, a batch, a trust bundle, a file), so a forged
batch is never reported in a permit's words.
"""

from __future__ import annotations


class WireError(Exception):
    """Base of every error the wire core raises on purpose."""


class KeyFileError(WireError):
    """A key file is missing, malformed or readable by others."""


class Base45Error(WireError, ValueError):
    """The text is not valid base45."""


class UnsafePath(WireError):
    """A file would be written through a symbolic link (planted on a stick or in a data folder)."""


class FileTooLarge(WireError):
    """A file from outside (a stick, an import folder) is larger than its kind may be."""


class MessageError(WireError):
    """A signed message is refused; ``what`` names the kind of message ("batch", "permit")."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(f"{what}: {detail}")
        self.what = what
        self.detail = detail


class MalformedMessage(MessageError):
    """The bytes are not well-formed CBOR or COSE_Sign1."""


class InflatesTooFar(MalformedMessage):
    """Compressed data inflates beyond the cap its kind allows."""


class SignatureMismatch(MessageError):
    """The signature does not verify with the key, or names an algorithm we refuse."""


class PermitRejected(WireError):
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


class DocumentRefused(WireError):
    """A trust bundle or partner issuer list cannot be accepted (damaged, forged, malformed)."""


class BatchRefused(WireError):
    """A batch (or receipt) cannot be accepted; ``reason`` is a short code for logs, alerts and HTTP answers."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class SignedRequestRefused(WireError):
    """A ``Booth-Request`` header cannot be accepted; ``reason`` is the short code HQ answers with."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class ExportRefused(WireError):
    """A signed export cannot be accepted; the message says why, in one sentence."""


class ExportSignatureInvalid(ExportRefused):
    """The export does not match its signature (or the signature, or a row, is not good)."""


class ExportUnreadable(ExportRefused):
    """The export or its signature file cannot be read."""
