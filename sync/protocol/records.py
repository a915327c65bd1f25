"""Ledger records and their hash chain.

Each record's hash is SHA-256 over the previous record's raw 32-byte hash and the record's
canonical bytes: the compact UTF-8 JSON array ``[1, <fields but hash, in FIELDS order>]``
(integers, text or null; no whitespace; non-ASCII as is). Text never holds control
characters (``plain`` replaces them before sealing), so Python's ``json.dumps(...,
ensure_ascii=False, separators=(",", ":"))`` and SQLite's ``json_array(...)`` produce the
same bytes: the booth seals with the first and audits 10M records with the second, and HQ
recomputes with the first. This encoding is part of the sync contract: never reorder or
retype ``FIELDS``; add a new format instead.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields, replace
from typing import Any

FORMAT = 1

# kinds of record
SCAN, OVERRIDE, AUDIT = "scan", "override", "audit"
ENTRY, EXIT = "entry", "exit"
CHANNELS = ("camera", "wedge", "manual", "cli")


@dataclass(frozen=True)
class Record:
    """One ledger line: a scan (with its verdict), an override, or an audit event."""

    seq: int
    kind: str  # scan | override | audit
    at: int  # booth clock, epoch seconds UTC
    mono_ns: int  # monotonic clock when recorded (same boot_id: lets HQ spot clock jumps)
    boot_id: str
    booth_id: str
    checkpoint: str
    officer: str | None = None
    shift_id: int | None = None
    action: str | None = None  # audit: login, pin_failed, shift_open, export, bundle_install, ...
    direction: str | None = None  # entry | exit
    channel: str | None = None  # camera | wedge | manual | cli
    verdict: str | None = None  # valid | rejected
    reasons: str | None = None  # reason codes, space-separated
    permit_no: str | None = None
    kid: str | None = None  # issuer key id, hex
    signature_sha256: str | None = None
    holder: str | None = None  # "FAMILY GIVEN" in Latin script
    native_name: str | None = None
    nationality: str | None = None
    document: str | None = None
    expires: int | None = None
    stay_days: int | None = None
    bundle_version: int | None = None
    ref_seq: int | None = None  # override: the rejected scan it lets through
    supervisor: str | None = None
    note: str | None = None  # override reason, audit detail
    prev_hash: str = ""
    hash: str = ""

    def canonical(self) -> bytes:
        """The bytes the hash covers: every field but ``hash``, in declaration order."""
        return canonical(tuple(getattr(self, f) for f in HASHED_FIELDS))

    def sealed(self, prev_hash: str) -> Record:
        """This record chained after ``prev_hash``, with its own hash filled in."""
        texts: dict[str, Any] = {f: plain(v) for f in HASHED_FIELDS if isinstance(v := getattr(self, f), str)}
        linked = replace(self, **{**texts, "prev_hash": prev_hash, "hash": ""})
        return replace(linked, hash=chain_hash(prev_hash, linked.canonical()))

    def reason_list(self) -> list[str]:
        return self.reasons.split() if self.reasons else []

    def to_json(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in FIELDS}


FIELDS = tuple(f.name for f in fields(Record))
HASHED_FIELDS = FIELDS[:-1]


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_CONTROL = dict.fromkeys(range(0x20), " ")


def canonical(values: tuple[Any, ...] | list[Any]) -> bytes:
    return _ENCODE([FORMAT, *values]).encode()


def plain(text: str) -> str:
    """Text safe for the canonical form: valid UTF-8, control characters made spaces."""
    return text.encode("utf-8", "replace").decode("utf-8").translate(_CONTROL)


def sql_canonical(prefix: str = "") -> str:
    """SQLite expression giving the canonical text of a row of ``records`` (see module doc)."""
    return f"json_array({FORMAT}, {', '.join(prefix + f for f in HASHED_FIELDS)})"


def chain_hash(prev_hash: str, canonical_bytes: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_bytes).hexdigest()


def genesis_hash(booth_id: str) -> str:
    """The 'previous hash' of record 1: binds the chain to its booth."""
    return hashlib.sha256(f"booth-ledger-v{FORMAT}:{booth_id}".encode()).hexdigest()
