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
