"""Batch format 2: authenticate over the bytes as received, then inflate and decode with bounds."""

from __future__ import annotations

import tracemalloc
import zlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

import sync.protocol.batch as batch_module
from sync.protocol import cbor, cose
from sync.protocol.batch import (
    BATCH_TYPE,
    BATCH_TYPE_1,
    FORMAT_1_REFUSED,
    MAX_INFLATED,
    MAX_RECORD_BYTES,
    MAX_RECORDS,
    Batch,
    make_batch,
    open_batch,
    peek_kid,
    seal_batch,
)
from sync.protocol.errors import BatchRefused
from sync.protocol.keys import generate, kid_of
from sync.protocol.records import Record, genesis_hash

BOOTH = "PHD-01"
KEY = generate()


def sender(kid: bytes) -> tuple[str, Ed25519PublicKey] | None:
    return (BOOTH, KEY.public_key()) if kid == kid_of(KEY) else None


def chain(records: list[Record], prev: str | None = None) -> list[Record]:
    prev = prev or genesis_hash(BOOTH)
    sealed = []
    for record in records:
        sealed.append(record.sealed(prev))
        prev = sealed[-1].hash
    return sealed


def scans(count: int, first: int = 1) -> list[Record]:
    return chain(
        [
            Record(seq, "scan", 1_790_000_000 + seq, seq * 1000, "boot", BOOTH, "KH-PHD", permit_no=f"KH-{seq}")
            for seq in range(first, first + count)
        ]
    )


def signed_payload(inflated: bytes, *, level: int = 6) -> bytes:
    """A batch envelope the booth's key really signed, around any inflated payload (an insider's)."""
    return cose.sign(zlib.compress(inflated, level), KEY, kid_of(KEY), content_type=BATCH_TYPE)


def header(first: int = 1, last: int = 1) -> bytes:
    fields = {"v": 2, "booth": BOOTH, "first": first, "last": last, "prev": b"\0" * 32, "head": b"\0" * 32}
    return cbor.dumps_cbor(fields)


def refused(wire: bytes, booth_of: Callable[[bytes], Any] = sender) -> BatchRefused:
    with pytest.raises(BatchRefused) as caught:
        open_batch(wire, booth_of)
    return caught.value


def peak_bytes(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
    except BatchRefused:
        pass
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_seal_then_open_and_peek() -> None:
    batch = make_batch(scans(5))
    wire = seal_batch(batch, KEY)
    assert wire[:2] == b"\xd2\x84"  # a COSE_Sign1 on the wire, not zlib
    assert open_batch(wire, sender) == batch
    assert peek_kid(wire) == kid_of(KEY)


def test_peek_kid_does_not_inflate(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = seal_batch(make_batch(scans(3)), KEY)
    monkeypatch.setattr(batch_module, "inflate", None)  # calling it would raise
    assert peek_kid(wire) == kid_of(KEY)
    assert refused(wire, lambda _kid: None).reason == "unenrolled"


def test_format_1_is_refused_with_a_clear_reason() -> None:
    old = zlib.compress(cose.sign(b"\xa0", KEY, kid_of(KEY), content_type=BATCH_TYPE_1), 6)
    old_type = cose.sign(zlib.compress(b"\xa0"), KEY, kid_of(KEY), content_type=BATCH_TYPE_1)
    for wire in (old, old_type):
        error = refused(wire)
        assert (error.reason, error.detail) == ("bad_format", FORMAT_1_REFUSED)


def test_a_signed_count_bomb_is_refused_from_its_head() -> None:
    """An insider's batch claiming 16 million records: refused from the array head, nothing built."""
    count = 16_000_000
    inflated = b"\x82" + cbor.dumps_cbor(header(1, count)) + b"\x9a" + count.to_bytes(4, "big") + b"\x40" * 1000
    error = refused(signed_payload(inflated))
    assert error.reason == "bad_format" and str(MAX_RECORDS) in error.detail


def test_a_signed_zlib_bomb_is_refused_at_the_inflate_cap_with_bounded_memory() -> None:
    """16M empty arrays signed by the booth key: inflated up to the cap only, never decoded."""
    wire = signed_payload(b"\x9a" + (16_000_000).to_bytes(4, "big") + b"\x80" * 16_000_000, level=9)
    assert len(wire) < 20 * 1024
    assert refused(wire).reason == "too_large"
    assert peak_bytes(lambda: open_batch(wire, sender)) < 3 * MAX_INFLATED  # the output buffer grows by doubling


def test_hostile_records_cost_bounded_memory() -> None:
    """Records of 16 KiB of empty arrays each (one Python list a byte, decoded whole, would be
    ~56 bytes a byte): each record is decoded on its own under its cap and refused by type."""
    many_items = b"\x59" + MAX_RECORD_BYTES.to_bytes(2, "big") + b"\x99" + (MAX_RECORD_BYTES - 3).to_bytes(2, "big")
    many_items += b"\x80" * (MAX_RECORD_BYTES - 3)
    inflated = b"\x82" + cbor.dumps_cbor(header(1, 150)) + b"\x98\x96" + many_items * 150  # 2.4 MiB inflated
    wire = signed_payload(inflated)
    assert refused(wire).reason == "bad_format"
    assert peak_bytes(lambda: open_batch(wire, sender)) < 8 * 1024 * 1024
    too_big = b"\x59" + (MAX_RECORD_BYTES + 1).to_bytes(2, "big") + b"\0" * (MAX_RECORD_BYTES + 1)
    oversized = b"\x82" + cbor.dumps_cbor(header()) + b"\x81" + too_big
    assert "over its limit" in refused(signed_payload(oversized)).detail


def test_layout_refusals() -> None:
    one = cbor.dumps_cbor([1])
    cases = {
        "not an array": cbor.dumps_cbor({"v": 2}),
        "three items": b"\x83" + cbor.dumps_cbor(header()) + b"\x80\x80",
        "count mismatch": b"\x82" + cbor.dumps_cbor(header(1, 2)) + b"\x81" + cbor.dumps_cbor(one),
        "trailing": b"\x82" + cbor.dumps_cbor(header()) + b"\x81" + cbor.dumps_cbor(one) + b"\0",
        "indefinite": b"\x82" + cbor.dumps_cbor(header()) + b"\x9f\xff",
        "huge header": b"\x82" + cbor.dumps_cbor(b"\xa0" * 5000) + b"\x80",
    }
    for name, inflated in cases.items():
        assert refused(signed_payload(inflated)).reason == "bad_format", name


def test_a_signature_by_another_key_is_checked_before_inflating(monkeypatch: pytest.MonkeyPatch) -> None:
    stranger = generate()
    wire = cose.sign(zlib.compress(b"\0" * 1000), stranger, kid_of(KEY), content_type=BATCH_TYPE)
    monkeypatch.setattr(batch_module, "inflate", None)
    assert refused(wire).reason == "bad_signature"


# -- properties

_text = st.text(max_size=40) | st.none()
_hex = st.binary(min_size=1, max_size=32).map(bytes.hex) | st.none()
_int = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@st.composite
def record_lists(draw: st.DrawFn) -> list[Record]:
    first = draw(st.integers(min_value=1, max_value=2**40))
    count = draw(st.integers(min_value=1, max_value=12))
    records = [
        Record(
            seq,
            draw(st.sampled_from(["scan", "override", "audit"])),
            draw(_int),
            draw(_int),
            draw(st.text(max_size=20)),
            BOOTH,
            draw(st.text(max_size=12)),
            officer=draw(_text),
            shift_id=draw(_int | st.none()),
            reasons=draw(_text),
            permit_no=draw(_text),
            kid=draw(_hex),
            signature_sha256=draw(_hex),
            holder=draw(_text),
            native_name=draw(_text),
            expires=draw(_int | st.none()),
            note=draw(_text),
        )
        for seq in range(first, first + count)
    ]
    prev = draw(st.binary(min_size=32, max_size=32)).hex()
    return chain(records, prev)


@settings(max_examples=60, deadline=None)
@given(record_lists())
def test_seal_open_round_trip(records: list[Record]) -> None:
    batch = make_batch(records)
    assert open_batch(seal_batch(batch, KEY), sender) == batch


_SMALL: Batch = make_batch(scans(3))
_SMALL_WIRE = seal_batch(_SMALL, KEY)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutations_never_crash(data: st.DataObject) -> None:
    wire = bytearray(_SMALL_WIRE)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        at = data.draw(st.integers(min_value=0, max_value=len(wire) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            wire[at] ^= data.draw(st.integers(min_value=1, max_value=255))
        elif action == "cut":
            del wire[at:]
            if not wire:
                break
        else:
            wire[at:at] = data.draw(st.binary(min_size=1, max_size=8))
    try:
        assert open_batch(bytes(wire), sender) == _SMALL  # a harmless change to the envelope's encoding
    except BatchRefused:
        pass


def test_a_batch_too_large_to_inflate_is_refused_when_sealed() -> None:
    """Records with long notes: the sender learns it must split, before HQ would refuse it."""
    long = [replace(r, note="x" * 4000) for r in scans(MAX_INFLATED // 4000 + 10)]
    with pytest.raises(BatchRefused) as caught:
        seal_batch(make_batch(chain(long)), KEY)
    assert caught.value.reason == "too_large"
