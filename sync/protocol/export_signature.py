"""Detached signatures of exports: ``<export>.sig`` next to the export (a wire document).

A signature file is a COSE_Sign1 (``sync.protocol.cose``: EdDSA, kid in the protected header) by the
booth's key, content type ``application/vnd.booth.export-signature+cbor`` (so it can never
pass for a permit, a trust bundle or a sync batch). Its payload, deterministic CBOR, is the
export's manifest: the file's SHA-256 and size, its format, the booth and checkpoint, the
filter it was made with, the records it holds (count, first and last sequence number), the
ledger's head (sequence and hash) when it was made, who made it and when.

Checking needs only the file, its ``.sig`` and the booth's public key: on the booth, the
booth's own key; at HQ or for an auditor, the booth's public key as PEM. The chain head and
each record's ``seq``/``hash`` (CSV and JSON carry them) are what HQ compares with the
records it holds (``sync.protocol.export_rows``). The booth makes them (``booth.report``), HQ checks
them (``sync.hq.export_check``); neither has its own copy of this format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.protocol import cbor, cose
from sync.protocol.errors import ExportSignatureInvalid, ExportUnreadable, MessageError
from sync.protocol.files import sha256_of
from sync.protocol.keys import Signer, kid_of

EXPORT_SIGNATURE_TYPE = "application/vnd.booth.export-signature+cbor"
SIG_SUFFIX = ".sig"
FORMAT = 1
FORMATS = ("csv", "json", "pdf")


@dataclass(frozen=True, eq=False)
class ExportFilter:
    """What the export covers: ``start <= at < end`` (epoch seconds; None: open), one officer, one shift.

    Equal to any filter (``booth.report.model.ReportFilter`` is one) with the same four values."""

    start: int | None = None
    end: int | None = None
    officer: str | None = None
    shift_id: int | None = None

    def values(self) -> tuple[int | None, int | None, str | None, int | None]:
        return self.start, self.end, self.officer, self.shift_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExportFilter) and self.values() == other.values()

    def __hash__(self) -> int:
        return hash(self.values())

    def to_json(self) -> dict[str, Any]:
        return {"from": self.start, "to": self.end, "officer": self.officer, "shift": self.shift_id}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExportFilter:
        return cls(data.get("from"), data.get("to"), data.get("officer"), data.get("shift"))


@dataclass(frozen=True)
class Manifest:
    booth_id: str
    checkpoint: str
    file_name: str  # as exported (informative: a renamed file still verifies)
    format: str
    size: int
    sha256: str  # hex
    records: int
    first_seq: int | None
    last_seq: int | None
    head_seq: int
    head_hash: str  # hex
    filter: ExportFilter
    exported_at: int
    exported_by: str | None
    utc_offset: str  # e.g. "UTC+07:00": the offset the file's times are shown at

    def payload(self) -> bytes:
        return cbor.dumps_cbor(
            {
                "v": FORMAT,
                "booth": self.booth_id,
                "checkpoint": self.checkpoint,
                "file": self.file_name,
                "format": self.format,
                "size": self.size,
                "sha256": bytes.fromhex(self.sha256),
                "records": self.records,
                "first": self.first_seq,
                "last": self.last_seq,
                "head_seq": self.head_seq,
                "head": bytes.fromhex(self.head_hash),
                "filter": self.filter.to_json(),
                "at": self.exported_at,
                "by": self.exported_by,
                "tz": self.utc_offset,
            }
        )

    @classmethod
    def from_payload(cls, data: bytes) -> Manifest:
        try:
            p = cbor.loads_cbor(data, "export signature")
        except MessageError as exc:
            raise ExportSignatureInvalid(f"the signature's content is not readable: {exc}") from None
        if not isinstance(p, dict) or p.get("v") != FORMAT:
            raise ExportSignatureInvalid("the signature's content is not a version-1 export manifest")
        try:
            flt = p["filter"]
            manifest = cls(
                _typed(p, "booth", str),
                _typed(p, "checkpoint", str),
                _typed(p, "file", str),
                _typed(p, "format", str),
                _typed(p, "size", int),
                _typed(p, "sha256", bytes).hex(),
                _typed(p, "records", int),
                _typed(p, "first", int, True),
                _typed(p, "last", int, True),
                _typed(p, "head_seq", int),
                _typed(p, "head", bytes).hex(),
                ExportFilter(
                    _typed(flt, "from", int, True),
                    _typed(flt, "to", int, True),
                    _typed(flt, "officer", str, True),
                    _typed(flt, "shift", int, True),
                ),
                _typed(p, "at", int),
                _typed(p, "by", str, True),
                _typed(p, "tz", str),
            )
        except (KeyError, TypeError) as exc:
            raise ExportSignatureInvalid(f"the export manifest is malformed ({exc})") from None
        if manifest.format not in FORMATS or len(manifest.sha256) != 64:
            raise ExportSignatureInvalid("the export manifest is malformed (format or digest)")
        return manifest

    def to_json(self) -> dict[str, Any]:
        return {
            "booth": self.booth_id,
            "checkpoint": self.checkpoint,
            "file": self.file_name,
            "format": self.format,
            "size": self.size,
            "sha256": self.sha256,
            "records": self.records,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "filter": self.filter.to_json(),
            "exported_at": self.exported_at,
            "exported_by": self.exported_by,
            "utc_offset": self.utc_offset,
        }


def _typed(data: Any, key: str, kind: type, optional: bool = False) -> Any:
    if not isinstance(data, dict):
        raise TypeError("not a map")
    value = data[key]
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{key} should be {kind.__name__}")
    return value


def signature_path(export: Path) -> Path:
    return export.with_name(export.name + SIG_SUFFIX)


def sign(manifest: Manifest, key: Ed25519PrivateKey | Signer) -> bytes:
    return cose.sign(manifest.payload(), key, kid_of(key), content_type=EXPORT_SIGNATURE_TYPE)


@dataclass(frozen=True)
class Signed:
    kid: bytes
    manifest: Manifest
    message: cose.Sign1


def read_signature(data: bytes) -> Signed:
    try:
        message = cose.parse(data, "export signature")
    except MessageError as exc:
        raise ExportSignatureInvalid(f"not a Booth export signature ({exc})") from None
    if message.content_type != EXPORT_SIGNATURE_TYPE:
        raise ExportSignatureInvalid(f"not a Booth export signature (content type {message.content_type!r})")
    return Signed(message.kid, Manifest.from_payload(message.payload), message)


def read_signature_file(sig_path: Path) -> Signed:
    """The signature file's content, not yet checked against any key."""
    try:
        data = sig_path.read_bytes()
    except FileNotFoundError:
        raise ExportSignatureInvalid(f"no signature: {sig_path} is missing (exports come with a .sig file)") from None
    except OSError as exc:
        raise ExportUnreadable(f"cannot read {sig_path}: {exc.strerror}") from None
    return read_signature(data)


def verify(path: Path, public_key: Ed25519PublicKey, *, sig_path: Path | None = None) -> Manifest:
    """Check ``path`` against its signature with ``public_key``; return the signed manifest.

    Raises ``ExportSignatureInvalid`` (``ExportUnreadable`` if a file cannot be read) with one
    sentence naming what is wrong."""
    signed = read_signature_file(sig_path or signature_path(path))
    expected = kid_of(public_key)
    if signed.kid != expected:
        raise ExportSignatureInvalid(
            f"signed by another key (kid {signed.kid.hex()}), not this booth's key (kid {expected.hex()})"
        )
    try:
        signed.message.verify(public_key)
    except MessageError:
        raise ExportSignatureInvalid("the signature does not match its content: the .sig file was altered") from None
    manifest = signed.manifest
    try:
        digest, size = sha256_of(path)
    except FileNotFoundError:
        raise ExportUnreadable(f"{path} does not exist") from None
    except OSError as exc:
        raise ExportUnreadable(f"cannot read {path}: {exc.strerror}") from None
    if (size, digest) != (manifest.size, manifest.sha256) and path.name != manifest.file_name:
        raise ExportSignatureInvalid(  # the likelier story: the .sig of another export
            f"this signature is for {manifest.file_name!r} ({manifest.size} bytes), not for {path.name!r}: "
            "give the export its own .sig"
        )
    if size != manifest.size:
        raise ExportSignatureInvalid(
            f"the file was changed after export: {size} bytes, the signature covers {manifest.size}"
        )
    if digest != manifest.sha256:
        raise ExportSignatureInvalid("the file was changed after export: its SHA-256 differs from the signed one")
    return manifest
