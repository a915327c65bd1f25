"""Derived state HQ keeps beside ``records``, so the analytics and the dashboard need not scan them all.

Tables (``sync.hq.schema``), each rebuilt from ``records`` by ``refresh(conn, full=True)``:

- ``analysis_watermarks``: per booth, the last seq taken in. ``refresh`` takes in the records
  after it (a range of the records' primary key) and moves it on.
- ``permit_state``: per permit, its last crossing (the first by booth_id, seq when several share
  the second), whether the holder is inside (the crossings at that second are all entries) and
  when the stay ends (``due_at``); ``overstay_due`` is ``due_at`` until the overstay rule judged it.
- ``officer_stats``: per checkpoint and officer, scans, overrides, manual and odd-hour scans.

Booths are found through ``booths`` (the store registers every booth before taking its records).
The state is only as fresh as the last ``refresh`` (``sync.hq.analytics.incremental.analyse`` runs it):
records stored since are not in it. ``refresh`` must run in a transaction that sees one snapshot
(analyse uses REPEATABLE READ on PostgreSQL; SQLite's write lock gives the same), else a batch
committed meanwhile could be half taken in.

A *crossing* is a valid scan or an override (the rejected scan it lets through did cross), with a
direction and a permit number. Ties in time are broken by (booth_id, seq), compared in Python,
never by the database's collation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any, TypeVar

from sqlalchemy import Connection, and_, bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from sync.hq.schema import analysis_watermarks, booths, officer_stats, permit_state, records

HOUR = 3600
DAY = 86_400
LOCAL_OFFSET = 7 * HOUR  # Indochina Time, both sides of the border
ODD_HOURS = (0, 4)  # local hours [start, end)
CHUNK = 500  # values in one IN (...) list
RANGES = 100  # booth ranges OR-ed in one query
REREAD_AT_MOST = 100_000  # permits whose crossings inside_counts re-reads one by one
T = TypeVar("T")

CROSSING = and_(
    or_(and_(records.c.kind == "scan", records.c.verdict == "valid"), records.c.kind == "override"),
    records.c.direction.in_(("entry", "exit")),
    records.c.permit_no.is_not(None),
)
_local_second = (records.c.at + LOCAL_OFFSET) % DAY
IS_SCAN = records.c.kind == "scan"
IS_OVERRIDE = records.c.kind == "override"
IS_MANUAL = and_(IS_SCAN, records.c.channel == "manual")
IS_ODD_HOUR = and_(IS_SCAN, _local_second >= ODD_HOURS[0] * HOUR, _local_second < ODD_HOURS[1] * HOUR)
BY_OFFICER = and_(records.c.officer.is_not(None), records.c.kind.in_(("scan", "override")))  # officer counters


@dataclass(frozen=True)
class Crossing:
    permit_no: str
    booth_id: str
    seq: int
    checkpoint: str
    direction: str
    at: int
    stay_days: int | None

    @property
    def order(self) -> tuple[int, str, int]:
        return self.at, self.booth_id, self.seq


CROSSING_COLUMNS = (
    records.c.permit_no,
    records.c.booth_id,
    records.c.seq,
    records.c.checkpoint,
    records.c.direction,
    records.c.at,
    records.c.stay_days,
)


@dataclass(frozen=True)
class PermitState:
    """A row of ``permit_state``; ``booth_id``..``stay_days`` are those of the last crossing."""

    permit_no: str
    at: int
    booth_id: str
    seq: int
    checkpoint: str
    direction: str
    stay_days: int | None
    ties: int
    inside: bool
    due_at: int | None
    overstay_due: int | None

    def last(self) -> Crossing:
        """The last crossing; the one before any newer crossing only when ``ties == 1``."""
        return Crossing(
            self.permit_no, self.booth_id, self.seq, self.checkpoint, self.direction, self.at, self.stay_days
        )


@dataclass(frozen=True)
class OfficerStats:
    checkpoint: str
    officer: str
    scans: int
    overrides: int
    manual: int
    odd_hours: int
    last_at: int


@dataclass(frozen=True)
class Refresh:
    """What one ``refresh`` took in."""

    full: bool
    ranges: dict[str, tuple[int, int]]  # booth -> (after, through]: the seqs taken in
    pairs: list[tuple[Crossing, Crossing]]  # consecutive crossings of a permit, one new, that keep_pair kept
    permits: int  # permit states written

    @property
    def records(self) -> int:
        return sum(through - after for after, through in self.ranges.values())


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def within(ranges: dict[str, tuple[int, int]]) -> ColumnElement[bool]:
    """Records in the given per-booth (after, through] seq ranges (at most ``RANGES`` of them)."""
    return or_(
        *(
            and_(records.c.booth_id == booth_id, records.c.seq > after, records.c.seq <= through)
            for booth_id, (after, through) in sorted(ranges.items())
        )
    )


def range_parts(ranges: dict[str, tuple[int, int]]) -> Iterator[ColumnElement[bool]]:
    """``within`` clauses covering ``ranges``, ``RANGES`` booths each (none when empty)."""
    items = sorted(ranges.items())
    for part in chunks(items, RANGES):
        yield within(dict(part))


def state_after(crossings: Sequence[Crossing], previous: PermitState | None) -> PermitState:
    """The state after ``crossings`` (one permit's, in time order, not empty); ``previous`` keeps
    its ``overstay_due`` (judged or not) if the last crossing is the same."""
    last_at = crossings[-1].at
    tied = [c for c in crossings if c.at == last_at]
    first = tied[0]
    inside = all(c.direction == "entry" for c in tied)  # an exit in the same second: not inside
    due = first.at + first.stay_days * DAY if inside and first.stay_days is not None else None
    same = previous is not None and (previous.booth_id, previous.seq, previous.inside) == (
        first.booth_id,
        first.seq,
        inside,
    )
    return PermitState(
        first.permit_no,
        last_at,
        first.booth_id,
        first.seq,
        first.checkpoint,
        first.direction,
        first.stay_days,
        len(tied),
        inside,
        due,
        previous.overstay_due if same else due,
    )


def in_order(rows: Iterable[Any]) -> list[Crossing]:
    return sorted((Crossing(*row) for row in rows), key=lambda c: c.order)


def _row(state: PermitState) -> dict[str, Any]:
    return dict(vars(state))  # dataclasses.asdict deep-copies: ten times slower, and this is the hot path


# -- reading


def watermarks(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(select(analysis_watermarks.c.booth_id, analysis_watermarks.c.seq)).all())


def initialised(conn: Connection) -> bool:
    """Has ``refresh`` ever run (on a store with records)?"""
    return conn.execute(select(analysis_watermarks.c.booth_id).limit(1)).first() is not None


def stored_highs(conn: Connection) -> dict[str, int]:
    """Per booth with records, its highest stored seq (one index probe per booth)."""
    top = select(func.max(records.c.seq)).where(records.c.booth_id == booths.c.booth_id).scalar_subquery()
    return {b: int(s) for b, s in conn.execute(select(booths.c.booth_id, top)) if s is not None}


def unanalysed(conn: Connection) -> dict[str, tuple[int, int]]:
    """Per booth, the (after, through] seqs stored but not yet taken into the derived state."""
    marks = watermarks(conn)
    return {b: (marks.get(b, 0), s) for b, s in stored_highs(conn).items() if s > marks.get(b, 0)}


def states(conn: Connection, permits: Sequence[str]) -> dict[str, PermitState]:
    out = {}
    for part in chunks(permits):
        for row in conn.execute(select(permit_state).where(permit_state.c.permit_no.in_(part))).all():
            out[row.permit_no] = PermitState(*row)  # the table's columns in the dataclass's order
    return out


def histories(conn: Connection, permits: Sequence[str], before: int | None = None) -> dict[str, list[Crossing]]:
    """Every crossing of ``permits`` (stamped before ``before``), per permit, in time order."""
    grouped: dict[str, list[Any]] = defaultdict(list)
    for part in chunks(sorted(permits)):
        query = select(*CROSSING_COLUMNS).where(CROSSING, records.c.permit_no.in_(part))
        if before is not None:
            query = query.where(records.c.at < before)
        for row in conn.execute(query).all():  # fetchall: much quicker than row by row
            grouped[row.permit_no].append(row)
    return {p: in_order(rows) for p, rows in grouped.items()}


def inside_entries(conn: Connection, before: int | None = None) -> list[PermitState]:
    """From ``records`` alone: per permit inside (just before ``before``), its state; by permit."""
    window = CROSSING if before is None else and_(CROSSING, records.c.at < before)
    last = (
        select(records.c.permit_no, func.max(records.c.at).label("last_at"))
        .where(window)
        .group_by(records.c.permit_no)
        .subquery()
    )
    query = (
        select(*CROSSING_COLUMNS)
        .join(last, and_(records.c.permit_no == last.c.permit_no, records.c.at == last.c.last_at))
        .where(window)
    )
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in conn.execute(query):
        grouped[row.permit_no].append(row)
    found = (state_after(in_order(rows), None) for _, rows in sorted(grouped.items()))
    return [s for s in found if s.inside]


def inside_counts(conn: Connection, *, before: int | None = None, fresh: bool = False) -> dict[str, int]:
    """People inside per checkpoint (of their entry), now or just before ``before``.

    From ``permit_state``, so as of the last ``refresh``; ``fresh`` also takes in the records
    stored since (re-reading those permits' crossings), and without any derived state reads
    ``records`` in full. A ``before`` in the past re-reads the permits that crossed since (all
    crossings, in one pass, past ``REREAD_AT_MOST`` permits).
    """
    pending = unanalysed(conn) if fresh else {}
    if fresh and not initialised(conn):
        return _count(inside_entries(conn, before))
    query = select(permit_state.c.checkpoint, func.count()).where(permit_state.c.inside.is_(True))
    if before is not None:
        query = query.where(permit_state.c.at < before)
    counts = dict(conn.execute(query.group_by(permit_state.c.checkpoint)).all())
    redo: set[str] = set()
    for part in range_parts(pending):
        redo.update(conn.execute(select(records.c.permit_no).distinct().where(CROSSING, part)).scalars())
    if before is not None:
        redo.update(conn.execute(select(permit_state.c.permit_no).where(permit_state.c.at >= before)).scalars())
    if not redo:
        return counts
    if len(redo) > REREAD_AT_MOST:  # one pass over every crossing beats that many index probes
        return _count(inside_entries(conn, before))
    for state in states(conn, sorted(redo)).values():  # counted above: take them out
        if state.inside and (before is None or state.at < before):
            counts[state.checkpoint] -= 1
    for crossings in histories(conn, sorted(redo), before).values():
        state = state_after(crossings, None)
        if state.inside:
            counts[state.checkpoint] = counts.get(state.checkpoint, 0) + 1
    return {k: v for k, v in counts.items() if v}


def _count(entries: Iterable[PermitState]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for state in entries:
        counts[state.checkpoint] += 1
    return dict(counts)


def officers(conn: Connection, checkpoint: str | None = None) -> list[OfficerStats]:
    query = select(officer_stats).order_by(officer_stats.c.checkpoint, officer_stats.c.officer)
    if checkpoint is not None:
        query = query.where(officer_stats.c.checkpoint == checkpoint)
    return [OfficerStats(**row._mapping) for row in conn.execute(query)]


def take_overstays(conn: Connection, now: int) -> list[PermitState]:
    """States whose stay ended before ``now`` and that the overstay rule has not judged; marks them judged."""
    due = permit_state.c.overstay_due < now
    found = [PermitState(*r) for r in conn.execute(select(permit_state).where(due)).all()]
    if found:
        conn.execute(update(permit_state).where(due).values(overstay_due=None))
    return sorted(found, key=lambda s: s.permit_no)


@dataclass(frozen=True)
class PeriodCounts:
    entries: int = 0  # crossings
    exits: int = 0
    rejections: int = 0  # rejected scans
    overrides: int = 0


def period_counts(conn: Connection, start: int, end: int) -> dict[str, PeriodCounts]:
    """Per checkpoint, over the records stamped in [start, end) (``records_at``): read from
    ``records``, so always fresh."""

    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(
            records.c.checkpoint,
            count(and_(CROSSING, records.c.direction == "entry")).label("entries"),
            count(and_(CROSSING, records.c.direction == "exit")).label("exits"),
            count(and_(IS_SCAN, records.c.verdict == "rejected")).label("rejections"),
            count(IS_OVERRIDE).label("overrides"),
        )
        .where(records.c.at >= start, records.c.at < end)
        .group_by(records.c.checkpoint)
    )
    return {
        r.checkpoint: PeriodCounts(
            int(r.entries or 0), int(r.exits or 0), int(r.rejections or 0), int(r.overrides or 0)
        )
        for r in conn.execute(query)
    }


# -- refreshing


def refresh(
    conn: Connection, *, full: bool, keep_pair: Callable[[Crossing, Crossing], bool] = lambda before, after: True
) -> Refresh:
    """Take the records stored since the last run into the derived tables (all of them, rebuilt,
    when ``full``), and return the consecutive crossing pairs they made that ``keep_pair`` keeps.

    A pair is new when one of its records is: a record coming in can only split a pair of older
    ones, never join two, so each pair is returned once, by the run that takes in its newer record.
    """
    marks = {} if full else watermarks(conn)
    highs = stored_highs(conn)
    ranges = {b: (marks.get(b, 0), s) for b, s in highs.items() if s > marks.get(b, 0)}
    if full:
        for table in (permit_state, officer_stats, analysis_watermarks):
            conn.execute(delete(table))
        pairs, permits = _rebuild_permits(conn, keep_pair)
        _add_officer_counts(conn, [None])
    else:
        pairs, permits = _update_permits(conn, ranges, keep_pair)
        _add_officer_counts(conn, list(range_parts(ranges)))
    _move_watermarks(conn, marks, {b: s for b, (_, s) in ranges.items()})
    pairs.sort(key=lambda pair: (pair[1].permit_no, pair[1].order))
    return Refresh(full, ranges, pairs, permits)


def _rebuild_permits(
    conn: Connection, keep_pair: Callable[[Crossing, Crossing], bool], batch: int = 20_000
) -> tuple[list[tuple[Crossing, Crossing]], int]:
    """One pass over every crossing, permit by permit: all pairs, every state."""
    query = select(*CROSSING_COLUMNS).where(CROSSING).order_by(records.c.permit_no)
    stream = conn.execute(query, execution_options={"yield_per": batch})  # streamed: a server-side cursor on PG
    pairs: list[tuple[Crossing, Crossing]] = []
    rows: list[dict[str, Any]] = []
    written = 0
    for _, group in groupby(stream, key=lambda row: row.permit_no):
        crossings = in_order(group)
        pairs.extend((b, a) for b, a in zip(crossings, crossings[1:], strict=False) if keep_pair(b, a))
        rows.append(_row(state_after(crossings, None)))
        if len(rows) >= batch:
            conn.execute(insert(permit_state), rows)
            written += len(rows)
            rows = []
    if rows:
        conn.execute(insert(permit_state), rows)
    return pairs, written + len(rows)


def _update_permits(
    conn: Connection, ranges: dict[str, tuple[int, int]], keep_pair: Callable[[Crossing, Crossing], bool]
) -> tuple[list[tuple[Crossing, Crossing]], int]:
    """Permits with new crossings: pairs that involve them and new states, re-reading a permit's
    history only when a new crossing is not after all the ones taken in before (late or tied)."""
    new: dict[str, list[Any]] = defaultdict(list)
    for part in range_parts(ranges):
        for row in conn.execute(select(*CROSSING_COLUMNS).where(CROSSING, part)).all():
            new[row.permit_no].append(row)
    permits = sorted(new)
    before = states(conn, permits)
    pairs: list[tuple[Crossing, Crossing]] = []
    after: list[PermitState] = []
    reread = []
    for permit in permits:
        crossings, previous = in_order(new[permit]), before.get(permit)
        if previous is None or (previous.ties == 1 and crossings[0].at > previous.at):
            chain = [previous.last(), *crossings] if previous else crossings
            pairs.extend((b, a) for b, a in zip(chain, chain[1:], strict=False) if keep_pair(b, a))
            after.append(state_after(crossings, previous))
        else:
            reread.append(permit)
    for permit, history in histories(conn, reread).items():
        fresh = {(row.booth_id, row.seq) for row in new[permit]}
        pairs.extend(
            (b, a)
            for b, a in zip(history, history[1:], strict=False)
            if ((b.booth_id, b.seq) in fresh or (a.booth_id, a.seq) in fresh) and keep_pair(b, a)
        )
        after.append(state_after(history, before[permit]))
    for part in chunks(permits):
        conn.execute(delete(permit_state).where(permit_state.c.permit_no.in_(part)))
    if after:
        conn.execute(insert(permit_state), [_row(s) for s in after])
    return pairs, len(after)


_COUNTERS = ("scans", "overrides", "manual", "odd_hours")


def _add_officer_counts(conn: Connection, parts: list[ColumnElement[bool] | None]) -> None:
    """Add the counts of the records in ``parts`` (None: all) to ``officer_stats``."""
    sums = [
        func.sum(case((event, 1), else_=0)).label(name)
        for name, event in zip(_COUNTERS, (IS_SCAN, IS_OVERRIDE, IS_MANUAL, IS_ODD_HOUR), strict=True)
    ]
    query = select(records.c.checkpoint, records.c.officer, *sums, func.max(records.c.at).label("last_at"))
    delta: dict[tuple[str, str], list[int]] = {}
    for part in parts:
        scoped = query.where(BY_OFFICER) if part is None else query.where(BY_OFFICER, part)
        for row in conn.execute(scoped.group_by(records.c.checkpoint, records.c.officer)):
            counts = [int(getattr(row, name) or 0) for name in _COUNTERS]
            old = delta.get((row.checkpoint, row.officer))
            delta[(row.checkpoint, row.officer)] = (
                [*(a + b for a, b in zip(old[:4], counts, strict=True)), max(old[4], row.last_at)]
                if old
                else [*counts, row.last_at]
            )
    if not delta:
        return
    known = {(s.checkpoint, s.officer): s for s in officers(conn)}
    changed, added = [], []
    for (checkpoint, officer), (*counts, last_at) in sorted(delta.items()):
        old = known.get((checkpoint, officer))
        if old is None:
            added.append(
                {
                    "checkpoint": checkpoint,
                    "officer": officer,
                    **dict(zip(_COUNTERS, counts, strict=True)),
                    "last_at": last_at,
                }
            )
        else:
            changed.append(
                {
                    "key_checkpoint": checkpoint,
                    "key_officer": officer,
                    "last_at": max(old.last_at, last_at),
                    **{n: getattr(old, n) + c for n, c in zip(_COUNTERS, counts, strict=True)},
                }
            )
    if added:
        conn.execute(insert(officer_stats), added)
    if changed:
        conn.execute(
            update(officer_stats).where(
                officer_stats.c.checkpoint == bindparam("key_checkpoint"),
                officer_stats.c.officer == bindparam("key_officer"),
            ),
            changed,
        )


def _move_watermarks(conn: Connection, marks: dict[str, int], moved: dict[str, int]) -> None:
    changed = [{"key_booth": b, "seq": s} for b, s in sorted(moved.items()) if b in marks]
    added = [{"booth_id": b, "seq": s} for b, s in sorted(moved.items()) if b not in marks]
    if changed:
        conn.execute(
            update(analysis_watermarks).where(analysis_watermarks.c.booth_id == bindparam("key_booth")), changed
        )
    if added:
        conn.execute(insert(analysis_watermarks), added)
