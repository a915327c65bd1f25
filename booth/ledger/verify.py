"""``booth audit verify``: walk the whole chain and name the first record that is wrong.

What a local check can prove: any edit, deletion, insertion or reordering made behind the
app's back that was not followed by re-hashing every later record. A rewrite of the chain
from some point to the head is caught by HQ, which holds the acknowledged head hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from booth.ledger.state import Replay

ChainRow = tuple[int, str, str, bytes, str, str | None, str | None, str | None, int | None]
"""(seq, prev_hash, hash, canonical bytes, kind, verdict, direction, permit_no, ref_seq) of one record:
the chain and the movements in one pass, since reading 10M rows twice would double the cost."""


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    records: int
    head_hash: str
    bad_seq: int | None = None
    problem: str | None = None  # changed | missing | reordered | inserted | state | triggers
    detail: str = ""

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None and v != ""}


def verify_chain(
    rows: Iterable[ChainRow], genesis: str, seq_of_hash: Callable[[str], int | None], replay: Replay | None = None
) -> ChainReport:
    """Check sequence, links and hashes; ``seq_of_hash`` finds a record by hash (only on failure).
    With ``replay``, also rebuild who is inside from the same rows."""
    sha256, fromhex = hashlib.sha256, bytes.fromhex
    add = replay.add if replay is not None else None
    prev_seq, prev_hash, prev_prev = 0, genesis, ""
    for seq, link, own, canonical, kind, verdict, direction, permit_no, ref_seq in rows:
        intact = sha256(fromhex(link) + canonical).hexdigest() == own
        if seq != prev_seq + 1:
            if seq > prev_seq + 1:
                return _bad(prev_seq, prev_hash, prev_seq + 1, "missing", f"records {prev_seq + 1}..{seq - 1} are gone")
            return _bad(prev_seq, prev_hash, seq, "reordered", f"record {seq} appears after {prev_seq}")
        if link != prev_hash:
            return _link_problem(seq, link, intact, prev_seq, prev_hash, prev_prev, seq_of_hash)
        if not intact:
            return _bad(prev_seq, prev_hash, seq, "changed", "its contents do not match its hash")
        if add is not None and kind != "audit":
            add(seq, kind, verdict, direction, permit_no, ref_seq)
        prev_seq, prev_hash, prev_prev = seq, own, link
    return ChainReport(True, prev_seq, prev_hash)


def _link_problem(
    seq: int,
    link: str,
    intact: bool,
    prev_seq: int,
    prev_hash: str,
    prev_prev: str,
    seq_of_hash: Callable[[str], int | None],
) -> ChainReport:
    """Record ``seq`` does not point at the record before it: say what most likely happened."""
    if prev_seq and link == prev_prev:
        return _bad(prev_seq, prev_hash, prev_seq, "inserted", f"record {prev_seq} was slipped in before {seq}")
    earlier = seq_of_hash(link)
    if earlier is not None:
        return _bad(prev_seq, prev_hash, seq, "reordered", f"record {seq} was chained after record {earlier}")
    if prev_seq and intact:
        # Locally the same as record `seq` forged onto the chain with a made-up link: say both.
        return _bad(
            prev_seq,
            prev_hash,
            prev_seq,
            "changed",
            f"record {seq} does not link to its hash: it was rewritten and re-hashed after record {seq} "
            f"was chained to it, or record {seq} was forged",
        )
    return _bad(
        prev_seq,
        prev_hash,
        seq,
        "missing",
        f"record {seq} links to no record here: a record before it "
        f"was removed and the rest renumbered, or record {seq} was forged",
    )


def _bad(count: int, head: str, seq: int, problem: str, detail: str) -> ChainReport:
    return ChainReport(False, count, head, seq, problem, detail)
