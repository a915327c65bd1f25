"""Signed batches of ledger records (booth -> HQ) and signed receipts (HQ -> booth).

On the wire a batch is zlib(COSE_Sign1) signed by the booth's Ed25519 key. Its payload is
deterministic CBOR: booth id, first and last sequence, the hash before the first record,
the head hash, and the records as arrays of their fields in ``records.FIELDS`` order, without
``prev_hash`` and ``hash``: both follow from the chain, and the receiver recomputes every hash
from the records, so sending them would only add 128 incompressible characters a record.
Hex fields travel as bytes. A receipt is a COSE_Sign1 by HQ's root key: booth, acknowledged
sequence, head hash, time. Content types keep the three signed documents (bundle, batch,
receipt) from ever being mistaken for one another.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.protocol import cbor, cose
from sync.protocol.errors import BatchRefused, MessageError
from sync.protocol.inflate import inflate
from sync.protocol.keys import kid_of
from sync.protocol.records import FIELDS, Record

BATCH_TYPE = "application/vnd.booth.batch+cbor"
RECEIPT_TYPE = "application/vnd.booth.receipt+cbor"
FORMAT = 1
MAX_WIRE = 8 * 1024 * 1024  # compressed bytes in one request
# The largest real batch: 5,000 records (the client's and the USB export's most) of at most a
# few hundred bytes each (every text field of a record is bounded by the permit format); twice
# that is the cap, so a zlib bomb inflates to at most this before it is refused.
MAX_RECORDS = 5_000
MAX_INFLATED = 8 * 1024 * 1024
WIRE_FIELDS = FIELDS[:-2]  # all but prev_hash and hash
_HEX = {"kid", "signature_sha256"}


@dataclass(frozen=True)
class Batch:
    booth_id: str
    first_seq: int
    last_seq: int
    prev_hash: str  # the hash before the first record (the genesis hash for record 1)
    head_hash: str  # the hash of the last record
    records: tuple[Record, ...]


@dataclass(frozen=True)
class Receipt:
    booth_id: str
    acked_seq: int
    head_hash: str
    at: int


def make_batch(records: list[Record]) -> Batch:
    """A batch of consecutive records of one booth, as read from its ledger."""
    if not records:
        raise ValueError("a batch needs at least one record")
    first, last = records[0], records[-1]
    return Batch(first.booth_id, first.seq, last.seq, first.prev_hash, last.hash, tuple(records))


def seal_batch(batch: Batch, key: Ed25519PrivateKey) -> bytes:
    payload = {
        "v": FORMAT,
        "booth": batch.booth_id,
        "first": batch.first_seq,
        "last": batch.last_seq,
        "prev": bytes.fromhex(batch.prev_hash),
        "head": bytes.fromhex(batch.head_hash),
        "records": [_wire(r) for r in batch.records],
    }
    signed = cose.sign(cbor.dumps_cbor(payload), key, kid_of(key), content_type=BATCH_TYPE)
    return zlib.compress(signed, 6)


def peek_kid(wire: bytes) -> bytes:
    """The key id that signed a batch, from its protected header: found without decoding the
    payload, so the sender is known before any work is done for it."""
    return _sign1(wire).kid


def open_batch(wire: bytes, booth_of: Callable[[bytes], tuple[str, Ed25519PublicKey] | None]) -> Batch:
    """Authenticate, then read: inflate (capped), find the booth by the key id in the protected
    header (``booth_of``, which may also refuse the sender by raising), check its signature over
    the payload's bytes, and only then decode the payload, rebuild the records and check the chain."""
    signed = _sign1(wire)
    found = booth_of(signed.kid)
    if found is None:
        raise BatchRefused("unenrolled", f"no enrolled booth has key id {signed.kid.hex()}")
    booth_id, key = found
    try:
        signed.verify(key)
    except MessageError:
        raise BatchRefused("bad_signature", "the batch is not signed by the booth's key") from None
    raw = _payload(signed)
    if raw["booth"] != booth_id:
        raise BatchRefused(
            "bad_signature", f"a batch signed with the key of {booth_id!r} claims booth {raw['booth']!r}"
        )
    return _rebuild(raw)


def _sign1(wire: bytes) -> cose.Sign1:
    if len(wire) > MAX_WIRE:
        raise BatchRefused("too_large", f"batch is {len(wire)} bytes; the limit is {MAX_WIRE}")
    try:
        signed = cose.parse(inflate(wire, MAX_INFLATED, "batch"), "batch")
    except MessageError as exc:
        raise BatchRefused("bad_format", str(exc)) from None
    if signed.content_type != BATCH_TYPE:
        raise BatchRefused("bad_format", "not a batch (wrong content type)")
    return signed


def _payload(signed: cose.Sign1) -> dict[str, Any]:
    try:
        raw = cbor.loads_cbor(signed.payload, "batch")
    except MessageError as exc:
        raise BatchRefused("bad_format", str(exc)) from None
    ok = (
        isinstance(raw, dict)
        and raw.get("v") == FORMAT
        and isinstance(raw.get("booth"), str)
        and all(isinstance(raw.get(k), int) for k in ("first", "last"))
        and all(isinstance(raw.get(k), bytes) and len(raw[k]) == 32 for k in ("prev", "head"))
        and isinstance(raw.get("records"), list | tuple)
    )
    if not ok:
        raise BatchRefused("bad_format", "batch payload does not have the v1 fields")
    if not 1 <= len(raw["records"]) <= MAX_RECORDS or raw["last"] - raw["first"] + 1 != len(raw["records"]):
        raise BatchRefused("bad_format", "record count does not match first..last")
    checked: dict[str, Any] = raw
    return checked


def _rebuild(raw: dict[str, Any]) -> Batch:
    """Records from the wire, re-chained from ``prev``; the result must end at the signed ``head``."""
    prev = raw["prev"].hex()
    records = []
    for expected_seq, values in enumerate(raw["records"], start=raw["first"]):
        record = _from_wire(values)
        if record.seq != expected_seq or record.booth_id != raw["booth"]:
            raise BatchRefused("bad_format", f"record {record.seq} is out of place in the batch")
        sealed = replace(record, prev_hash=prev).sealed(prev)
        records.append(sealed)
        prev = sealed.hash
    if prev != raw["head"].hex():
        raise BatchRefused("bad_chain", "the records do not hash to the signed head")
    return Batch(raw["booth"], raw["first"], raw["last"], raw["prev"].hex(), prev, tuple(records))


def _wire(record: Record) -> list[Any]:
    return [
        bytes.fromhex(v) if f in _HEX and v is not None else v
        for f, v in zip(WIRE_FIELDS, (getattr(record, f) for f in WIRE_FIELDS), strict=True)
    ]


def _from_wire(values: Any) -> Record:
    if not isinstance(values, list | tuple) or len(values) != len(WIRE_FIELDS):
        raise BatchRefused("bad_format", "a record has the wrong number of fields")
    pairs = zip(WIRE_FIELDS, values, strict=True)
    fields: dict[str, Any] = {f: (v.hex() if f in _HEX and isinstance(v, bytes) else v) for f, v in pairs}
    for name in ("seq", "at", "mono_ns"):
        if not isinstance(fields[name], int) or isinstance(fields[name], bool):
            raise BatchRefused("bad_format", f"record field {name} is not an integer")
    for name, value in fields.items():
        if value is not None and not isinstance(value, str | int) or isinstance(value, bool):
            raise BatchRefused("bad_format", f"record field {name} has a wrong type")
    return Record(**fields)


# -- receipts


def sign_receipt(receipt: Receipt, key: Ed25519PrivateKey) -> bytes:
    payload = {
        "v": FORMAT,
        "booth": receipt.booth_id,
        "acked": receipt.acked_seq,
        "head": bytes.fromhex(receipt.head_hash),
        "at": receipt.at,
    }
    return cose.sign(cbor.dumps_cbor(payload), key, kid_of(key), content_type=RECEIPT_TYPE)


def open_receipt(data: bytes, hq_key: Ed25519PublicKey) -> Receipt:
    """Check a receipt is HQ's; raise ``BatchRefused('bad_receipt', ...)`` otherwise."""
    try:
        signed = cose.parse(data, "receipt")
        if signed.content_type != RECEIPT_TYPE:
            raise BatchRefused("bad_receipt", "not a receipt")
        signed.verify(hq_key)
        raw = cbor.loads_cbor(signed.payload, "batch")
    except MessageError as exc:
        raise BatchRefused("bad_receipt", str(exc)) from None
    if not isinstance(raw, dict) or raw.get("v") != FORMAT:
        raise BatchRefused("bad_receipt", "receipt format not supported")
    return Receipt(raw["booth"], raw["acked"], raw["head"].hex(), raw["at"])
