"""What the records imply: who is inside, how often a permit was used.

One rule, ``crossing_seq``, says which scan a record makes effective: a valid scan itself,
or the rejected scan that a supervisor's override lets through. The ledger applies it to its
tables in the record's own transaction; ``audit verify`` replays it from the chain alone and
compares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sync.protocol.records import OVERRIDE, SCAN


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


class Replay:
    """Who is inside (permit -> entry scan seq) and entry counts, rebuilt from records alone."""

    def __init__(self) -> None:
        self.inside: dict[str, int] = {}
        self.usage: dict[str, int] = {}
        self._pending: dict[int, tuple[str | None, str | None]] = {}  # rejected scans an override may free

    def add(
        self,
        seq: int,
        kind: str,
        verdict: str | None,
        direction: str | None,
        permit_no: str | None,
        ref_seq: int | None,
    ) -> None:
        if kind == SCAN and verdict != "valid":
            self._pending[seq] = (permit_no, direction)
        crossed = crossing_seq(kind, verdict, seq, ref_seq)
        if crossed is None:
            return
        if crossed != seq:
            permit_no, direction = self._pending.get(crossed, (None, None))
        if permit_no is None:
            return
        if direction == "entry":
            self.inside[permit_no] = crossed
            self.usage[permit_no] = self.usage.get(permit_no, 0) + 1
        elif direction == "exit":
            self.inside.pop(permit_no, None)


def replay(rows: Iterable[MovementRow]) -> tuple[dict[str, int], dict[str, int]]:
    """``Replay`` over (seq, kind, verdict, direction, permit_no, ref_seq) rows."""
    state = Replay()
    for row in rows:
        state.add(*row)
    return state.inside, state.usage
