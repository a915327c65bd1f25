"""How a verified batch relates to the chain HQ already holds for its booth (no I/O here).

HQ holds records 1..acked of each booth, contiguous. A batch first..last (signature and
internal chain already checked by ``open_batch``) is then:

- ``gap``: it starts after acked + 1; HQ cannot link it (409, the booth resends from acked + 1);
- ``fork``: the hash it builds on (record first - 1, or the genesis hash for record 1) or one
  of the records it shares with HQ differs from what HQ holds: the booth's history is not the
  one HQ acknowledged. Refused and kept as evidence;
- ``duplicate``: it lies entirely within 1..acked and matches: HQ has it all already;
- ``new``: it matches where it overlaps and brings records acked + 1..last.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sync.protocol.batch import Batch
from sync.protocol.records import genesis_hash

GAP, FORK, DUPLICATE, NEW = "gap", "fork", "duplicate", "new"


@dataclass(frozen=True)
class Decision:
    kind: str
    seq: int = 0  # fork: the first sequence where the chains differ (0: the genesis)
    stored_hash: str = ""
    offered_hash: str = ""
    known: str = "acknowledged"  # how HQ knew the stored hash: a record it acknowledged, or a head it heard


def overlap(batch: Batch, acked: int) -> tuple[int, int] | None:
    """The range of stored sequences ``decide`` needs (the record before the batch, and the shared ones)."""
    if batch.first_seq > acked + 1:
        return None
    low, high = max(batch.first_seq - 1, 1), min(batch.last_seq, acked)
    return (low, high) if low <= high else None


def decide(batch: Batch, acked: int, stored: Mapping[int, str]) -> Decision:
    """``stored`` maps each sequence in ``overlap(batch, acked)`` to the hash HQ holds."""
    if batch.first_seq > acked + 1:
        return Decision(GAP)
    before = batch.first_seq - 1
    expected = genesis_hash(batch.booth_id) if before == 0 else stored[before]
    if batch.prev_hash != expected:
        return Decision(FORK, before, expected, batch.prev_hash)
    for record in batch.records:
        if record.seq > acked:
            return Decision(NEW)
        if record.hash != stored[record.seq]:
            return Decision(FORK, record.seq, stored[record.seq], record.hash)
    return Decision(DUPLICATE)
