"""Read functions for HQ's dashboard pages: small queries over the derived state and indexed records.

Each takes an open ``Connection`` (the caller's transaction) and returns dataclasses; none
writes. Figures that come from the derived state (``sync.hq.derived``: people inside, officer
counters) are as fresh as the last ``analyse`` run, whoever runs it (the server, on
its timer, or ``booth-hq analyse``); ``freshness`` tells how far behind it is. Counts of a
period and lists of records are read from ``records`` and are always current.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, or_, select

from sync.hq.analytics import derived_state
from sync.hq.analytics.incremental import last_run
from sync.hq.analytics.rules import OUTLIERS, Limits, flagged, peer_bar
from sync.hq.schema import booths, records
from sync.protocol.records import FIELDS, Record


@dataclass(frozen=True)
class BoothStatus:
    booth_id: str
    last_seen: int | None  # last request from the booth (epoch s); None: never
    acked_seq: int  # HQ holds its records 1..acked_seq
    revoked: bool


@dataclass(frozen=True)
class CheckpointOverview:
    checkpoint: str
    entries: int  # crossings stamped in [day_start, day_end)
    exits: int
    rejections: int  # rejected scans in the period
    overrides: int
    inside: int  # people inside now, as of the last analyse
    booths: list[BoothStatus]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StoredRecord(Record):
    """A record as HQ holds it: the booth's ``Record`` and when HQ received it."""

    received_at: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "received_at": self.received_at}


@dataclass(frozen=True)
class OfficerRate:
    """One outlier rule's view of an officer: events per scan against the checkpoint's peers."""

    rule: str  # override_outlier | manual_entry_outlier | odd_hours
    events: int
    rate: float | None  # events / scans; None without scans
    peers: int  # peers with at least min_scans scans
    peer_median: float | None  # None without peers
    flagged_above: float | None  # the rule's bar
    flagged: bool  # the rule flags this officer on these counts


@dataclass(frozen=True)
class OfficerRecord:
    checkpoint: str
    officer: str
    scans: int
    overrides: OfficerRate
    manual: OfficerRate
    odd_hours: OfficerRate
    last_at: int  # the officer's latest scan or override (as of the last analyse)
    latest: list[StoredRecord]  # the officer's latest records at the checkpoint, newest first (current)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["latest"] = [r.to_json() for r in self.latest]
        return out


@dataclass(frozen=True)
class Freshness:
    analysed_now: int | None  # the ``now`` of the last analyse; None: never run
    unanalysed_records: int  # records stored since, not in the derived figures yet


_RECORD_COLUMNS = (*(records.c[f] for f in FIELDS), records.c.received_at)


def _stored(row: Any) -> StoredRecord:
    return StoredRecord(**row._mapping)


def checkpoint_overview(conn: Connection, day_start: int, day_end: int) -> list[CheckpointOverview]:
    """Per checkpoint (with booths or records in the period), by name: the period's counts (current),
    people inside (as of the last analyse) and its booths by id."""
    counts = derived_state.period_counts(conn, day_start, day_end)
    inside = derived_state.inside_counts(conn)
    per_booth: dict[str, list[BoothStatus]] = {}
    query = select(booths.c.booth_id, booths.c.checkpoint, booths.c.last_seen, booths.c.acked_seq, booths.c.revoked)
    for b in conn.execute(query.order_by(booths.c.booth_id)):
        per_booth.setdefault(b.checkpoint, []).append(
            BoothStatus(b.booth_id, b.last_seen, b.acked_seq, bool(b.revoked))
        )
    out = []
    for checkpoint in sorted(set(counts) | set(inside) | set(per_booth)):
        tally = counts.get(checkpoint, derived_state.PeriodCounts())
        out.append(
            CheckpointOverview(
                checkpoint,
                tally.entries,
                tally.exits,
                tally.rejections,
                tally.overrides,
                inside.get(checkpoint, 0),
                per_booth.get(checkpoint, []),
            )
        )
    return out


def permit_history(conn: Connection, permit_no: str, limit: int = 500) -> list[StoredRecord]:
    """The permit's records at every booth (current), oldest first: the latest ``limit`` of them."""
    query = select(*_RECORD_COLUMNS).where(records.c.permit_no == permit_no)
    rows = sorted(conn.execute(query), key=lambda r: (r.at, r.booth_id, r.seq))  # ties: not by collation
    return [_stored(r) for r in rows[-limit:]] if limit > 0 else []


MAX_WORDS = 8  # words of a name search that count


@dataclass(frozen=True)
class PersonFound:
    """A permit whose number or holder's name matched a search, as HQ's records have it."""

    permit_no: str
    holder: str | None
    native_name: str | None
    records: int
    last_at: int


def _like(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, its wildcards taken literally (escape ``\\``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_people(conn: Connection, text: str, limit: int = 100) -> list[PersonFound]:
    """Permits whose number, Latin holder name (any case) or native name hold every word of
    ``text`` (so "chantha sok" finds SOK CHANTHA): the synced records' permits (what crossed),
    newest first, at most ``limit``. Native names match whether stored composed (NFC) or not
    (NFD). ``text`` is bounded by the caller; at most ``MAX_WORDS`` words count."""
    words = text.split()[:MAX_WORDS]
    if not words:
        return []
    last_at = func.max(records.c.at)
    query = (
        select(records.c.permit_no, records.c.holder, records.c.native_name, func.count(), last_at)
        .where(records.c.permit_no.is_not(None), *(_word_matches(w) for w in words))
        .group_by(records.c.permit_no, records.c.holder, records.c.native_name)
        .order_by(last_at.desc(), records.c.permit_no)
        .limit(limit)
    )
    return [PersonFound(*row) for row in conn.execute(query)]


def _word_matches(word: str) -> ColumnElement[bool]:
    lowered = _like(word.lower())
    native = {unicodedata.normalize(form, word) for form in ("NFC", "NFD")}
    return or_(
        func.lower(records.c.permit_no).like(lowered, escape="\\"),
        func.lower(records.c.holder).like(lowered, escape="\\"),
        *(records.c.native_name.like(_like(n), escape="\\") for n in sorted(native)),
    )


def officer_record(
    conn: Connection, checkpoint: str, officer: str, *, latest: int = 50, limits: Limits | None = None
) -> OfficerRecord | None:
    """An officer's counters and rates at a checkpoint against the peers there (as of the last
    analyse), and their ``latest`` records (current); None if the counters know no scan or
    override by them there."""
    limits = limits or Limits()
    stats = {s.officer: s for s in derived_state.officers(conn, checkpoint)}
    mine = stats.get(officer)
    if mine is None:
        return None
    rates = []
    for outlier in OUTLIERS:
        counted = {name: (s.scans, getattr(s, outlier.counter)) for name, s in stats.items()}
        events = counted[officer][1]
        bar = peer_bar(officer, counted, limits)
        rates.append(
            OfficerRate(
                outlier.kind,
                events,
                events / mine.scans if mine.scans else None,
                bar.peers,
                bar.median,
                bar.bar,
                flagged(mine.scans, events, bar, limits),
            )
        )
    query = (
        select(*_RECORD_COLUMNS)
        .where(records.c.checkpoint == checkpoint, records.c.officer == officer)
        .order_by(records.c.at.desc())
        .limit(latest)
    )  # records_officer_at, read backwards
    newest = sorted(conn.execute(query), key=lambda r: (r.at, r.booth_id, r.seq), reverse=True)
    return OfficerRecord(checkpoint, officer, mine.scans, *rates, mine.last_at, [_stored(r) for r in newest])


def freshness(conn: Connection) -> Freshness:
    """How far the derived figures are behind the records (one index probe per booth)."""
    run = last_run(conn)
    pending = derived_state.unanalysed(conn)
    return Freshness(run.now if run else None, sum(through - after for after, through in pending.values()))
