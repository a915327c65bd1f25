"""What the records imply: who is inside, how often a permit was used.

One rule, ``crossing_seq``, says which scan a record makes effective: a valid scan itself,
or the rejected scan that a supervisor's override lets through. The ledger applies it to its
tables in the record's own transaction; ``audit verify`` replays it from the chain alone and
compares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from booth.ledger.records import OVERRIDE, SCAN


@dataclass(frozen=True)
class PermitHistory:
    """What the ledger knows of one permit, for the verdict rules."""

    inside: bool = False
    entered_at: int | None = None
    entries: int = 0


def crossing_seq(kind: str, verdict: str | None, seq: int, ref_seq: int | None) -> int | None:
    """The scan whose crossing this record makes effective, if any."""
    if kind == SCAN and verdict == "valid":
        return seq
    if kind == OVERRIDE:
        return ref_seq
    return None


MovementRow = tuple[int, str, str | None, str | None, str | None, int | None]
"""(seq, kind, verdict, direction, permit_no, ref_seq) of one record."""


def replay(rows: Iterable[MovementRow]) -> tuple[dict[str, int], dict[str, int]]:
    """Who is inside (permit -> entry scan seq) and entry counts, from the records alone."""
    inside: dict[str, int] = {}
    usage: dict[str, int] = {}
    pending: dict[int, tuple[str | None, str | None]] = {}  # rejected scans an override may free
    for seq, kind, verdict, direction, permit_no, ref_seq in rows:
        if kind == SCAN and verdict != "valid":
            pending[seq] = (permit_no, direction)
        crossed = crossing_seq(kind, verdict, seq, ref_seq)
        if crossed is None:
            continue
        if crossed != seq:
            permit_no, direction = pending.get(crossed, (None, None))
        if permit_no is None:
            continue
        if direction == "entry":
            inside[permit_no] = crossed
            usage[permit_no] = usage.get(permit_no, 0) + 1
        elif direction == "exit":
            inside.pop(permit_no, None)
    return inside, usage
