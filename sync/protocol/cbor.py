"""CBOR as the wire uses it: strict decoding of untrusted bytes, deterministic encoding."""

from __future__ import annotations

import io
from typing import Any

import cbor2

from sync.protocol.errors import MalformedMessage

MAX_DEPTH = 16  # no document of ours nests deeper; hostile input may try


def loads_cbor(data: bytes, what: str = "message") -> Any:
    """Strict CBOR decode of untrusted bytes (one item, no duplicate keys, bounded depth)."""
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(stream, max_depth=MAX_DEPTH, allow_duplicate_keys=False).decode()
    except Exception as exc:  # cbor2 raises several types on hostile input; all mean one thing
        raise MalformedMessage(what, f"not valid CBOR: {exc}") from None
    if stream.tell() != len(data):
        raise MalformedMessage(what, f"{len(data) - stream.tell()} trailing bytes after the CBOR item")
    return value


def dumps_cbor(value: Any) -> bytes:
    """Deterministic CBOR (RFC 8949 core deterministic encoding)."""
    return cbor2.dumps(value, canonical=True)


def read_head(data: bytes, pos: int, what: str = "message") -> tuple[int, int, int]:
    """One CBOR head at ``pos``: (major type, argument, position after it); definite lengths only.

    For the outer layers of big documents, walked without building any item: a hostile length
    or count is only a number here, checked by the caller before anything is allocated."""
    if pos >= len(data):
        raise MalformedMessage(what, "CBOR ends early")
    initial = data[pos]
    major, info = initial >> 5, initial & 0x1F
    if info < 24:
        return major, info, pos + 1
    if info > 27:
        raise MalformedMessage(what, "indefinite or reserved CBOR length where a definite one is needed")
    size = 1 << (info - 24)
    end = pos + 1 + size
    if end > len(data):
        raise MalformedMessage(what, "CBOR ends early")
    return major, int.from_bytes(data[pos + 1 : end], "big"), end


def read_bytes(data: bytes, pos: int, limit: int, what: str = "message") -> tuple[bytes, int]:
    """A definite-length byte string at ``pos`` of at most ``limit`` bytes, and the position after it."""
    major, length, start = read_head(data, pos, what)
    if major != 2:
        raise MalformedMessage(what, "a byte string was expected")
    if length > limit:
        raise MalformedMessage(what, f"a byte string of {length} bytes is over its limit of {limit}")
    if start + length > len(data):
        raise MalformedMessage(what, "CBOR ends early")
    return data[start : start + length], start + length


def read_array(data: bytes, pos: int, limit: int, what: str = "message") -> tuple[int, int]:
    """The length of a definite-length array at ``pos`` (at most ``limit``), and the position of its first item."""
    major, count, start = read_head(data, pos, what)
    if major != 4:
        raise MalformedMessage(what, "an array was expected")
    if count > limit:
        raise MalformedMessage(what, f"an array of {count} items is over its limit of {limit}")
    return count, start
