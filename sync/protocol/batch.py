"""Signed batches of ledger records (booth -> HQ) and signed receipts (HQ -> booth).

Batch format 2: on the wire a batch is a COSE_Sign1, not compressed, signed by the booth's
Ed25519 key; its payload is zlib-compressed CBOR. So HQ checks who sent it, over the bytes as
received, before it inflates or decodes anything: a compression bomb from a stranger costs
HQ one envelope parse and one key lookup (format 1, zlib outside the signature, had to be
inflated to find its signer; it is refused).

The inflated payload is ``[header, records]``: ``header`` a byte string holding the CBOR map
(booth id, first and last sequence, the hash before the first record, the head hash), and
``records`` an array of byte strings, each one record's CBOR array of its fields in
``records.FIELDS`` order without ``prev_hash`` and ``hash`` (both follow from the chain: the
receiver recomputes every hash, so sending them would only add 128 incompressible characters
a record). Each record is decoded on its own under a byte cap, so even a batch signed by a
stolen booth key costs bounded memory: counts and lengths are read from CBOR heads and checked
before anything is built. Hex fields travel as bytes. A receipt is a COSE_Sign1 by HQ's online
signer, its root certificate in the header (``sync.protocol.signer_cert``): booth, acknowledged
sequence, head hash, time. Content types keep the signed documents
(bundle, batch, receipt) from ever being mistaken for one another.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.protocol import cbor, cose
from sync.protocol.errors import BatchRefused, DocumentRefused, InflatesTooFar, MessageError
from sync.protocol.inflate import inflate
from sync.protocol.keys import Signer, kid_of
from sync.protocol.records import FIELDS, Record
from sync.protocol.signed import RootCheck
from sync.protocol.signer_cert import SignerRules, open_certified, sign_certified

BATCH_TYPE = "application/vnd.booth.batch+cbor;v=2"
BATCH_TYPE_1 = "application/vnd.booth.batch+cbor"  # format 1, refused with a clear reason
RECEIPT_TYPE = "application/vnd.booth.receipt+cbor"
RECORDS_TYPE = "application/vnd.booth.records+cbor"  # HQ -> booth: records it holds, unsigned
FORMAT = 2
RECEIPT_FORMAT = 2  # 2: signed by a certified online signer (1, by the root itself, is refused)
MAX_RECEIPT_BYTES = 4096
FORMAT_1_REFUSED = "batch format 1 is no longer accepted; update the booth"
MAX_WIRE = 8 * 1024 * 1024  # bytes in one request, as received
MAX_RECORDS = 5_000  # the client's and the USB export's largest batch
# The largest real batch (5,000 records of bench/ledger.py traffic) inflates to 1.17 MB;
# about twice that, rounded up for long notes, is the cap: all a signed bomb makes HQ inflate.
MAX_INFLATED = 3 * 1024 * 1024
# One record's CBOR: a real one is a few hundred bytes (long notes included); the cap bounds
# what one hostile record can make the decoder build (at worst one small object a byte).
MAX_RECORD_BYTES = 16 * 1024
MAX_HEADER_BYTES = 1024
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


def seal_batch(batch: Batch, key: Ed25519PrivateKey | Signer) -> bytes:
    """The wire bytes of a format-2 batch: COSE_Sign1 over zlib(CBOR); ``BatchRefused('too_large')``
    when it would inflate past ``MAX_INFLATED`` (records with very long notes): send fewer."""
    inflated = _payload(batch)
    if len(inflated) > MAX_INFLATED:  # HQ would refuse it: the sender splits it instead
        raise BatchRefused("too_large", f"{len(batch.records)} records make {len(inflated)} bytes; split the batch")
    return cose.sign(zlib.compress(inflated, 6), key, kid_of(key), content_type=BATCH_TYPE)


def _payload(batch: Batch) -> bytes:
    """The inflated CBOR ``[header, records]`` of a batch (what a format-2 batch compresses)."""
    header = {
        "v": FORMAT,
        "booth": batch.booth_id,
        "first": batch.first_seq,
        "last": batch.last_seq,
        "prev": bytes.fromhex(batch.prev_hash),
        "head": bytes.fromhex(batch.head_hash),
    }
    records = [cbor.dumps_cbor(_wire(r)) for r in batch.records]
    return cbor.dumps_cbor([cbor.dumps_cbor(header), records])


def pack_records(batch: Batch) -> bytes:
    """HQ's answer to ``GET /v1/records``: a batch's zlib payload with no signature around it
    (the booth trusts only the chain, re-hashed, and HQ's signed receipt); ``BatchRefused
    ('too_large')`` past ``MAX_INFLATED``: answer fewer records."""
    inflated = _payload(batch)
    if len(inflated) > MAX_INFLATED:
        raise BatchRefused("too_large", f"{len(batch.records)} records make {len(inflated)} bytes; send fewer")
    return zlib.compress(inflated, 6)


def unpack_records(data: bytes, booth_id: str) -> Batch:
    """Records HQ sent back: inflated with a cap, decoded with bounds, re-chained from the
    header's ``prev`` (every hash recomputed here) and ending at its ``head``; else ``BatchRefused``.
    The caller still checks ``prev`` against its own ledger and ``head`` against a signed receipt."""
    if len(data) > MAX_WIRE:
        raise BatchRefused("too_large", f"the records are {len(data)} bytes; the limit is {MAX_WIRE}")
    try:
        inflated = inflate(data, MAX_INFLATED, "records")
        header, count, pos = _header(inflated)
        if header["booth"] != booth_id:
            raise BatchRefused("bad_format", f"records of booth {header['booth']!r}, not {booth_id!r}")
        return _rebuild(header, _records(inflated, pos, count))
    except InflatesTooFar as exc:
        raise BatchRefused("too_large", exc.detail) from None
    except MessageError as exc:
        raise BatchRefused("bad_format", exc.detail) from None


def peek_kid(wire: bytes) -> bytes:
    """The key id that signed a batch, from its protected header: found without inflating or
    decoding the payload, so the sender is known before any work is done for it."""
    return _sign1(wire).kid


def open_batch(wire: bytes, booth_of: Callable[[bytes], tuple[str, Ed25519PublicKey] | None]) -> Batch:
    """Authenticate, then read: parse the envelope, find the booth by the key id in the
    protected header (``booth_of``, which may also refuse the sender by raising), check its
    signature over the compressed bytes as received, and only then inflate (capped), decode
    (bounded, one record at a time) and check the chain."""
    signed = _sign1(wire)
    found = booth_of(signed.kid)
    if found is None:
        raise BatchRefused("unenrolled", f"no enrolled booth has key id {signed.kid.hex()}")
    booth_id, key = found
    try:
        signed.verify(key)
    except MessageError:
        raise BatchRefused("bad_signature", "the batch is not signed by the booth's key") from None
    try:
        inflated = inflate(signed.payload, MAX_INFLATED, "batch")
    except InflatesTooFar as exc:  # 413: the client halves its batches
        raise BatchRefused("too_large", exc.detail) from None
    except MessageError as exc:
        raise BatchRefused("bad_format", exc.detail) from None
    try:
        header, count, pos = _header(inflated)
        if header["booth"] != booth_id:
            raise BatchRefused(
                "bad_signature", f"a batch signed with the key of {booth_id!r} claims booth {header['booth']!r}"
            )
        return _rebuild(header, _records(inflated, pos, count))
    except MessageError as exc:
        raise BatchRefused("bad_format", exc.detail) from None


def _sign1(wire: bytes) -> cose.Sign1:
    if len(wire) > MAX_WIRE:
        raise BatchRefused("too_large", f"batch is {len(wire)} bytes; the limit is {MAX_WIRE}")
    if _looks_like_zlib(wire):
        raise BatchRefused("bad_format", FORMAT_1_REFUSED)
    try:
        signed = cose.parse_envelope(wire, "batch")
    except MessageError as exc:
        raise BatchRefused("bad_format", str(exc)) from None
    if signed.content_type == BATCH_TYPE_1:
        raise BatchRefused("bad_format", FORMAT_1_REFUSED)
    if signed.content_type != BATCH_TYPE:
        raise BatchRefused("bad_format", "not a batch (wrong content type)")
    return signed


def _looks_like_zlib(wire: bytes) -> bool:
    """A zlib stream header (RFC 1950: deflate, check bits): what every format-1 batch starts with."""
    return len(wire) >= 2 and wire[0] & 0x0F == 8 and (wire[0] << 8 | wire[1]) % 31 == 0


def _header(inflated: bytes) -> tuple[dict[str, Any], int, int]:
    """The checked header, the number of records, and where the first record starts."""
    count, pos = cbor.read_array(inflated, 0, 2, "batch")
    if count != 2:
        raise BatchRefused("bad_format", "batch payload is not [header, records]")
    data, pos = cbor.read_bytes(inflated, pos, MAX_HEADER_BYTES, "batch")
    raw = cbor.loads_cbor(data, "batch")
    ok = (
        isinstance(raw, dict)
        and raw.get("v") == FORMAT
        and isinstance(raw.get("booth"), str)
        and all(_is_int(raw.get(k)) for k in ("first", "last"))
        and all(isinstance(raw.get(k), bytes) and len(raw[k]) == 32 for k in ("prev", "head"))
    )
    if not ok:
        raise BatchRefused("bad_format", "batch header does not have the format-2 fields")
    count, pos = cbor.read_array(inflated, pos, MAX_RECORDS, "batch")
    if count < 1 or raw["last"] - raw["first"] + 1 != count:
        raise BatchRefused("bad_format", "record count does not match first..last")
    header: dict[str, Any] = raw
    return header, count, pos


def _records(inflated: bytes, pos: int, count: int) -> Iterator[Any]:
    """Each record's decoded fields in turn; only one record's CBOR is decoded at a time."""
    for _ in range(count):
        data, pos = cbor.read_bytes(inflated, pos, MAX_RECORD_BYTES, "batch")
        yield cbor.loads_cbor(data, "batch")
    if pos != len(inflated):
        raise BatchRefused("bad_format", f"{len(inflated) - pos} trailing bytes after the records")


def _rebuild(header: dict[str, Any], values: Iterator[Any]) -> Batch:
    """Records from the wire, re-chained from ``prev``; the result must end at the signed ``head``."""
    prev = header["prev"].hex()
    records = []
    for expected_seq, fields in enumerate(values, start=header["first"]):
        record = _from_wire(fields)
        if record.seq != expected_seq or record.booth_id != header["booth"]:
            raise BatchRefused("bad_format", f"record {record.seq} is out of place in the batch")
        sealed = replace(record, prev_hash=prev).sealed(prev)
        records.append(sealed)
        prev = sealed.hash
    if prev != header["head"].hex():
        raise BatchRefused("bad_chain", "the records do not hash to the signed head")
    return Batch(header["booth"], header["first"], header["last"], header["prev"].hex(), prev, tuple(records))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
        if not _is_int(fields[name]):
            raise BatchRefused("bad_format", f"record field {name} is not an integer")
    for name, value in fields.items():
        if value is not None and not isinstance(value, str | int) or isinstance(value, bool):
            raise BatchRefused("bad_format", f"record field {name} has a wrong type")
    return Record(**fields)


# -- receipts


def sign_receipt(receipt: Receipt, signer: Ed25519PrivateKey | Signer, cert_data: bytes) -> bytes:
    """A format-2 receipt, signed by HQ's online signer (its root certificate in the header)."""
    payload = {
        "v": RECEIPT_FORMAT,
        "booth": receipt.booth_id,
        "acked": receipt.acked_seq,
        "head": bytes.fromhex(receipt.head_hash),
        "at": receipt.at,
    }
    return sign_certified(cbor.dumps_cbor(payload), signer, cert_data, content_type=RECEIPT_TYPE)


def open_receipt(data: bytes, *, trust: RootCheck, rules: SignerRules | None = None, now: int | None = None) -> Receipt:
    """Check a receipt is HQ's: signed by an online signer certified for receipts by a root
    ``trust`` accepts, not revoked by ``rules``, valid at ``now``; else ``BatchRefused('bad_receipt')``."""
    try:
        _cert, signed = open_certified(
            data,
            content_type=RECEIPT_TYPE,
            what="receipt",
            max_bytes=MAX_RECEIPT_BYTES,
            purpose="receipt",
            trust=trust,
            rules=rules or SignerRules(),
            now=now,
        )
        raw = cbor.loads_cbor(signed.payload, "receipt")
    except MessageError as exc:
        raise BatchRefused("bad_receipt", str(exc)) from None
    except DocumentRefused as exc:
        raise BatchRefused("bad_receipt", str(exc)) from None
    if not isinstance(raw, dict) or raw.get("v") != RECEIPT_FORMAT:
        raise BatchRefused("bad_receipt", "receipt format not supported: update Booth")
    try:
        return Receipt(raw["booth"], raw["acked"], raw["head"].hex(), raw["at"])
    except (KeyError, AttributeError):
        raise BatchRefused("bad_receipt", "receipt payload is malformed") from None
