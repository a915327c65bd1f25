"""Key ceremonies: what HQ asks of its offline root, and the root's answer, as files.

HQ's server never holds the root. When the root must speak (a new online signer, an issuing
office added or retired, a signer revoked), HQ writes a *request* (``booth-hq ceremony
request``): plain JSON naming every key to certify, so the custodians can read it on the
offline machine. There ``booth-hq ceremony sign`` shows it, rebuilds the root from two (or k)
custodians' shares, or opens it in a token, signs a signer certificate and a root statement, and
writes the *answer*; HQ installs it (``booth-hq ceremony install``). Both files travel on a
stick; neither holds a secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.hq.errors import HQError
from sync.hq.signers import certify, signer_name
from sync.protocol import keys
from sync.protocol.errors import DocumentRefused, FileTooLarge, UnsafePath
from sync.protocol.files import atomic_write, read_capped
from sync.protocol.issuer import IssuerKey, check_issuers
from sync.protocol.signer_cert import MAX_SIGNER_DAYS, open_signer_cert
from sync.protocol.statement import RootStatement, open_statement, sign_statement
from sync.protocol.times import iso

REQUEST_FORMAT = 1
ANSWER_FORMAT = 1
MAX_FILE = 16 * 1024 * 1024


class CeremonyError(HQError):
    """A ceremony request or answer cannot be used; the message says why."""


@dataclass(frozen=True)
class CeremonyRequest:
    root_public_key: bytes
    made_at: int
    serial: int  # of the statement to sign
    issuers: tuple[IssuerKey, ...]
    revoked_signers: tuple[bytes, ...]
    max_signer_days: int
    next_root_public_key: bytes | None = None
    signer_public_key: bytes | None = None  # a new online signer to certify
    signer_days: int = 0


@dataclass(frozen=True)
class CeremonyAnswer:
    statement: bytes
    signer_cert: bytes | None = None


def describe(req: CeremonyRequest) -> list[str]:
    """What the custodians are asked to sign, one line each (shown before anyone unlocks the root)."""
    lines = [f"root {keys.fingerprint(req.root_public_key)}, request made {iso(req.made_at)}"]
    if req.signer_public_key is not None:
        lines.append(
            f"certify online signer {keys.fingerprint(req.signer_public_key)} "
            f"for bundles and receipts, {req.signer_days} days"
        )
    lines.append(f"root statement {req.serial}: {len(req.issuers)} issuing office key(s)")
    lines += [f"  issuer {i.office} ({i.country}) key {keys.fingerprint(i.public_key)}" for i in req.issuers]
    lines += [f"  revoke online signer {kid.hex()}" for kid in req.revoked_signers]
    if req.next_root_public_key is not None:
        lines.append(f"  announce next root {keys.fingerprint(req.next_root_public_key)}")
    lines.append(f"  online signers valid at most {req.max_signer_days} days")
    return lines


def sign(req: CeremonyRequest, root: Ed25519PrivateKey | keys.Signer, *, now: int) -> CeremonyAnswer:
    """The root's answer: the statement asked for and, if asked, the online signer's certificate."""
    if keys.raw_public(root) != req.root_public_key:
        raise CeremonyError("this request is for another root than the one unlocked")
    statement = RootStatement(
        root_public_key=req.root_public_key,
        serial=req.serial,
        issued_at=now,
        issuers=req.issuers,
        revoked_signers=req.revoked_signers,
        max_signer_days=req.max_signer_days,
        next_root_public_key=req.next_root_public_key,
    )
    cert = None
    if req.signer_public_key is not None:
        name = signer_name(now)
        cert = certify(root, req.signer_public_key, now=now, days=req.signer_days, name=name)
    return CeremonyAnswer(sign_statement(statement, root), cert)


# -- files


def write_request(req: CeremonyRequest, path: Path) -> None:
    doc = {
        "format": REQUEST_FORMAT,
        "root_public_key": req.root_public_key.hex(),
        "made_at": req.made_at,
        "serial": req.serial,
        "issuers": [_issuer_json(i) for i in req.issuers],
        "revoked_signers": [k.hex() for k in req.revoked_signers],
        "max_signer_days": req.max_signer_days,
        "next_root_public_key": req.next_root_public_key.hex() if req.next_root_public_key else None,
        "signer_public_key": req.signer_public_key.hex() if req.signer_public_key else None,
        "signer_days": req.signer_days,
    }
    atomic_write(path, json.dumps(doc, indent=1).encode() + b"\n")


def read_request(path: Path) -> CeremonyRequest:
    doc = _read(path, REQUEST_FORMAT, "ceremony request")
    try:
        req = CeremonyRequest(
            root_public_key=_key(doc["root_public_key"]),
            made_at=_int(doc["made_at"]),
            serial=_int(doc["serial"]),
            issuers=tuple(_issuer(i) for i in doc["issuers"]),
            revoked_signers=tuple(bytes.fromhex(k) for k in doc["revoked_signers"]),
            max_signer_days=_int(doc["max_signer_days"]),
            next_root_public_key=_key(doc["next_root_public_key"]) if doc["next_root_public_key"] else None,
            signer_public_key=_key(doc["signer_public_key"]) if doc["signer_public_key"] else None,
            signer_days=_int(doc["signer_days"]),
        )
        check_issuers(req.issuers, "ceremony request")
    except (KeyError, TypeError, ValueError, DocumentRefused) as exc:
        raise CeremonyError(f"{path} is not a well-formed ceremony request ({exc})") from None
    if req.signer_public_key is not None and not 1 <= req.signer_days <= min(req.max_signer_days, MAX_SIGNER_DAYS):
        raise CeremonyError(f"{path} asks for a signer valid {req.signer_days} days; at most {req.max_signer_days}")
    return req


def write_answer(answer: CeremonyAnswer, path: Path) -> None:
    doc = {
        "format": ANSWER_FORMAT,
        "statement": answer.statement.hex(),
        "signer_cert": answer.signer_cert.hex() if answer.signer_cert else None,
    }
    atomic_write(path, json.dumps(doc, indent=1).encode() + b"\n")


def read_answer(path: Path) -> CeremonyAnswer:
    doc = _read(path, ANSWER_FORMAT, "ceremony answer")
    try:
        answer = CeremonyAnswer(
            bytes.fromhex(doc["statement"]), bytes.fromhex(doc["signer_cert"]) if doc["signer_cert"] else None
        )
        open_statement(answer.statement)  # well formed; whose root, the installer checks
        if answer.signer_cert is not None:
            open_signer_cert(answer.signer_cert)
    except (KeyError, TypeError, ValueError, DocumentRefused) as exc:
        raise CeremonyError(f"{path} is not a well-formed ceremony answer ({exc})") from None
    return answer


def _read(path: Path, fmt: int, what: str) -> Mapping[str, Any]:
    try:
        doc = json.loads(read_capped(path, MAX_FILE))
    except FileNotFoundError:
        raise CeremonyError(f"{path}: no such {what}") from None
    except (FileTooLarge, UnsafePath, OSError, ValueError) as exc:
        raise CeremonyError(f"{path} cannot be read as a {what}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise CeremonyError(f"{path} is not a {what} this version reads (format {fmt})")
    return doc


def _issuer_json(i: IssuerKey) -> dict[str, Any]:
    return {
        "office": i.office,
        "country": i.country,
        "public_key": i.public_key.hex(),
        "not_before": i.not_before,
        "not_after": i.not_after,
        "checkpoints": list(i.checkpoints),
        "name": i.name,
    }


def _issuer(doc: Mapping[str, Any]) -> IssuerKey:
    raw = _key(doc["public_key"])
    after = doc["not_after"]
    return IssuerKey(
        keys.kid_of(raw),
        raw,
        str(doc["office"]),
        str(doc["country"]),
        _int(doc["not_before"]),
        None if after is None else _int(after),
        tuple(str(c) for c in doc["checkpoints"]),
        str(doc.get("name", "")),
    )


def _key(text: object) -> bytes:
    raw = bytes.fromhex(str(text))
    if len(raw) != 32:
        raise ValueError("a key is 32 bytes")
    return raw


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{value!r} is not an integer")
    return value
