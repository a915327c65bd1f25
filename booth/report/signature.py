"""Export signatures on the booth: the format is ``sync.protocol.export_signature`` (a wire
document HQ reads too); here its refusals become the booth's errors.

``ExportInvalid`` is an ``ExportError`` (the booth's tree) and a
``sync.protocol.errors.ExportSignatureInvalid`` (the wire's); a file that cannot be read is an
``ExportError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from booth.report.staging import ExportError
from sync.protocol import export_signature as wire
from sync.protocol.errors import ExportSignatureInvalid, ExportUnreadable
from sync.protocol.export_signature import (
    EXPORT_SIGNATURE_TYPE,
    FORMAT,
    FORMATS,
    SIG_SUFFIX,
    ExportFilter,
    Manifest,
    Signed,
    sign,
    signature_path,
)

__all__ = [
    "EXPORT_SIGNATURE_TYPE",
    "FORMAT",
    "FORMATS",
    "SIG_SUFFIX",
    "ExportFilter",
    "ExportInvalid",
    "Manifest",
    "Signed",
    "booth_errors",
    "read_signature",
    "read_signature_file",
    "sign",
    "signature_path",
    "verify",
]


class ExportInvalid(ExportError, ExportSignatureInvalid):
    """The export does not match its signature (or the signature is not good)."""


@contextmanager
def booth_errors() -> Iterator[None]:
    """The wire core's export refusals as the booth's: ``ExportInvalid``, or ``ExportError``."""
    try:
        yield
    except ExportInvalid:
        raise
    except ExportSignatureInvalid as exc:
        raise ExportInvalid(str(exc)) from None
    except ExportUnreadable as exc:
        raise ExportError(str(exc)) from None


def read_signature(data: bytes) -> Signed:
    with booth_errors():
        return wire.read_signature(data)


def read_signature_file(sig_path: Path) -> Signed:
    """The signature file's content, not yet checked against any key."""
    with booth_errors():
        return wire.read_signature_file(sig_path)


def verify(path: Path, public_key: Ed25519PublicKey, *, sig_path: Path | None = None) -> Manifest:
    """Check ``path`` against its signature with ``public_key``; return the signed manifest.

    Raises ``ExportInvalid`` with one sentence naming what is wrong."""
    with booth_errors():
        return wire.verify(path, public_key, sig_path=sig_path)
