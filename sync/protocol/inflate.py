"""zlib with a cap: compressed input from outside never inflates past a stated size."""

from __future__ import annotations

import zlib

from sync.protocol.errors import InflatesTooFar, MalformedMessage


def inflate(compressed: bytes, limit: int, what: str) -> bytes:
    """zlib-decompress at most ``limit`` bytes of ``what``; a bigger output is a bomb and refused."""
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(compressed, limit)
    except zlib.error as exc:
        raise MalformedMessage(what, f"data is not zlib: {exc}") from None
    if inflater.unconsumed_tail:
        raise InflatesTooFar(what, f"data inflates beyond {limit} bytes (refused)")
    if not inflater.eof:
        raise MalformedMessage(what, "data is truncated")
    if inflater.unused_data:
        raise MalformedMessage(what, "data has trailing bytes")
    return data
