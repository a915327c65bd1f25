"""``analyse``: the alerts the reference rules would raise, from what changed since the last run.

It takes the records stored since the last run into the derived state (``derived_state.refresh``),
runs each rule over what changed, and stores the alerts not raised before (see ``sync.hq.analytics``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Set
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, or_, select, tuple_, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement

from sync.hq.analytics import derived_state
from sync.hq.analytics.derived_state import (
    CROSSING,
    OfficerStats,
    chunks,
)
from sync.hq.analytics.rules import (
    OUTLIERS,
    PER_RECORD_RULES,
    REVOKED_COLUMNS,
    Candidate,
    Issued,
    Limits,
    Outlier,
    RuleResult,
    after_revocation,
    counted,
    flag_officers,
    officer_evidence,
    pair_double_entry,
    pair_travel,
    revoked_crossings,
    silent_booth,
    single_reuses,
    skew_candidate,
    skewed,
    state_overstay,
    unregistered_scans,
)
from sync.hq.errors import AnalysisConflict
from sync.hq.schema import (
    alerts,
    analysis_revocations,
    analysis_single,
    clock_skew_seen,
    meta,
    records,
)

_RUN_KEY = "analysis"  # meta row: the limits the derived state was built with; locked by each run
_RETRIES = 3


@dataclass(frozen=True)
class LastRun:
    """What the last analyse recorded (the ``meta`` row it locks)."""

    now: int
    full: bool  # it rebuilt the derived state
    records: int  # records it took in
    limits: dict[str, int]  # the limits the derived state was built with


def last_run(conn: Connection) -> LastRun | None:
    run = conn.execute(select(meta.c.value).where(meta.c.key == _RUN_KEY)).scalar()
    return LastRun(**json.loads(run)) if run is not None else None


def analyse(
    store: Any,
    now: int,
    limits: Limits | None = None,
    *,
    revoked: Mapping[str, int] | None = None,
    single: Set[str] | None = None,
    issued: Issued | None = None,
    full: bool = False,
) -> list[RuleResult]:
    """Take the records stored since the last run into the derived state, run every rule over what
    changed, and store the alerts not raised before; one result per rule, in ``RULE_NAMES`` order.

    ``store`` is a ``SyncStore``. ``revoked`` (permit number -> revoked_at), HQ's revocations,
    adds crossings after revocation (``revoked_crossed``); ``single``, HQ's single-entry permits, adds
    their entries after the first (``single_entry_reused``); ``issued``, HQ's permit register, adds
    scans of permits under HQ's office keys that no office registered (``unregistered_permit``).
    ``full`` rebuilds the derived state
    from all the records first (minutes at 10 million records; on SQLite, syncs wait meanwhile).
    Runs are serialised; on PostgreSQL a run that lost the race to another starts again.
    """
    limits = limits or Limits()
    for _ in range(_RETRIES):
        try:
            with _snapshot(store.engine) as conn:
                return _analyse(conn, now, limits, revoked, single, issued, full)
        except DBAPIError as exc:
            # 40001: another run committed since our snapshot; 23505: two first runs made the meta row
            if getattr(exc.orig, "sqlstate", None) not in ("40001", "23505"):
                raise
    raise AnalysisConflict(f"analyse lost the race to concurrent runs {_RETRIES} times")


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One transaction seeing one snapshot: REPEATABLE READ on PostgreSQL (READ COMMITTED would let a
    batch committed midway be half seen); SQLite's BEGIN IMMEDIATE (the store's) already gives it."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def _analyse(
    conn: Connection,
    now: int,
    limits: Limits,
    revoked: Mapping[str, int] | None,
    single: Set[str] | None,
    issued: Issued | None,
    full: bool,
) -> list[RuleResult]:
    built_with = {"min_travel": limits.min_travel, "max_skew": limits.max_skew}
    run = conn.execute(select(meta.c.value).where(meta.c.key == _RUN_KEY).with_for_update()).scalar()
    last = json.loads(run) if run is not None else None
    full = full or last is None or last.get("limits") != built_with
    fresh = derived_state.refresh(
        conn, full=full, keep_pair=lambda b, a: bool(pair_double_entry(b, a) or pair_travel(b, a, limits))
    )
    where = None if full else fresh.ranges
    found: dict[str, list[Candidate]] = {
        "double_entry": [c for b, a in fresh.pairs if (c := pair_double_entry(b, a))],
        "impossible_travel": [c for b, a in fresh.pairs if (c := pair_travel(b, a, limits))],
        "overstay": [c for s in derived_state.take_overstays(conn, now) if (c := state_overstay(s, now))],
    }
    stats = derived_state.officers(conn)
    for outlier in OUTLIERS:
        found[outlier.kind] = _officer_candidates(conn, outlier, stats, limits)
    found["silent_booth"] = silent_booth(conn, now, limits)
    found["clock_skew"] = _new_skews(conn, limits, where, full)
    for rule in PER_RECORD_RULES:
        found[rule.__name__] = [c for part in _parts(where) for c in rule(conn, now, limits, part)]
    if revoked:
        found["revoked_crossed"] = _new_revoked_crossings(conn, revoked, where, full)
    else:  # forget them, so that the next run given revocations checks every crossing of them
        conn.execute(delete(analysis_revocations))
    if issued is not None:
        found["unregistered_permit"] = [c for part in _parts(where) for c in unregistered_scans(conn, issued, part)]
    if single:
        found["single_entry_reused"] = _new_single_reuses(conn, single, where, full)
    else:  # likewise
        conn.execute(delete(analysis_single))
    results = _store(conn, found, now)
    value = json.dumps({"limits": built_with, "now": now, "full": full, "records": fresh.records})
    if run is None:
        conn.execute(insert(meta).values(key=_RUN_KEY, value=value))
    else:  # always written: a concurrent run waiting on this row must then fail and start again (40001)
        conn.execute(update(meta).where(meta.c.key == _RUN_KEY).values(value=value))
    return results


def _parts(ranges: dict[str, tuple[int, int]] | None) -> list[ColumnElement[bool] | None]:
    """Record filters covering the new records (None: all of them)."""
    return [None] if ranges is None else list(derived_state.range_parts(ranges))


def _officer_candidates(
    conn: Connection, outlier: Outlier, stats: list[OfficerStats], limits: Limits
) -> list[Candidate]:
    """Flagged officers from the counters; evidence is read only for alerts not raised yet."""
    flags = flag_officers(outlier, counted(stats, outlier.counter), limits)
    known = _existing(conn, [c for _, _, c in flags])
    return [
        c if c.key in known else replace(c, evidence=officer_evidence(conn, cp, officer, outlier.event))
        for cp, officer, c in flags
    ]


def _new_skews(
    conn: Connection, limits: Limits, ranges: dict[str, tuple[int, int]] | None, full: bool
) -> list[Candidate]:
    """clock_skew over the new records, for boots without a record ahead before (their alert is raised)."""
    if full:
        conn.execute(delete(clock_skew_seen))
    seen = {(b, boot) for b, boot in conn.execute(select(clock_skew_seen.c.booth_id, clock_skew_seen.c.boot_id))}
    found, first = [], []
    for part in _parts(ranges):
        for (booth_id, boot_id), rows in skewed(conn, limits, part).items():
            if (booth_id, boot_id) not in seen:
                seen.add((booth_id, boot_id))
                found.append(skew_candidate(booth_id, boot_id, rows, limits))
                first.append({"booth_id": booth_id, "boot_id": boot_id, "seq": rows[0].seq})
    if first:
        conn.execute(insert(clock_skew_seen), first)
    return found


def _new_revoked_crossings(
    conn: Connection, revoked: Mapping[str, int], ranges: dict[str, tuple[int, int]] | None, full: bool
) -> list[Candidate]:
    """Crossings of permits revoked (or re-dated) since the last run, and new crossings of the others."""
    before = (
        {}
        if full
        else dict(conn.execute(select(analysis_revocations.c.permit_no, analysis_revocations.c.revoked_at)).all())
    )
    changed = {p: t for p, t in revoked.items() if before.get(p) != t}
    found = revoked_crossings(conn, changed)
    if ranges:
        for part in derived_state.range_parts(ranges):
            query = select(*REVOKED_COLUMNS).where(CROSSING, part).order_by(records.c.booth_id, records.c.seq)
            found.extend(
                c
                for r in conn.execute(query)
                if r.permit_no in revoked
                and r.permit_no not in changed
                and (c := after_revocation(r, revoked[r.permit_no]))
            )
    gone = sorted(set(before) - set(revoked)) + sorted(p for p in changed if p in before)
    for part in chunks(gone):
        conn.execute(delete(analysis_revocations).where(analysis_revocations.c.permit_no.in_(part)))
    if full:
        conn.execute(delete(analysis_revocations))
    if changed:
        conn.execute(
            insert(analysis_revocations), [{"permit_no": p, "revoked_at": t} for p, t in sorted(changed.items())]
        )
    return found


def _new_single_reuses(
    conn: Connection, single: Set[str], ranges: dict[str, tuple[int, int]] | None, full: bool
) -> list[Candidate]:
    """Entries after the first of permits that became single-entry since the last run (all of them
    when ``full``), and of single-entry permits with a new entry."""
    before = set() if full else set(conn.execute(select(analysis_single.c.permit_no)).scalars())
    check = set(single) - before
    for part in _parts(ranges) if ranges else []:
        query = select(records.c.permit_no).distinct().where(CROSSING, records.c.direction == "entry", part)
        check.update(p for p in conn.execute(query).scalars() if p in single)
    found = single_reuses(conn, check)
    if full:
        conn.execute(delete(analysis_single))
    for part in chunks(sorted(before - set(single))):
        conn.execute(delete(analysis_single).where(analysis_single.c.permit_no.in_(part)))
    added = sorted(set(single) - before)
    if added:
        conn.execute(insert(analysis_single), [{"permit_no": p} for p in added])
    return found


def _existing(conn: Connection, candidates: list[Candidate]) -> set[tuple[str, str | None, int | None, str]]:
    """The keys among ``candidates``' that the alerts table holds (acknowledged or not)."""
    keys: set[tuple[str, str | None, int | None, str]] = set()
    by_kind: dict[str, list[Candidate]] = defaultdict(list)
    for c in candidates:
        by_kind[c.kind].append(c)
    for kind, group in by_kind.items():
        base = select(alerts.c.kind, alerts.c.booth_id, alerts.c.seq, alerts.c.detail).where(alerts.c.kind == kind)
        located = sorted({(c.booth_id, c.seq) for c in group if c.booth_id is not None and c.seq is not None})
        if len(located) > 50 * derived_state.CHUNK:  # most of them, likely: one pass over the kind's alerts
            queries = [base]
        else:
            queries = [base.where(tuple_(alerts.c.booth_id, alerts.c.seq).in_(part)) for part in chunks(located)]
            if len(located) < len(group):
                queries.append(base.where(or_(alerts.c.booth_id.is_(None), alerts.c.seq.is_(None))))
        for query in queries:
            keys.update((r.kind, r.booth_id, r.seq, r.detail.split(": ", 1)[0]) for r in conn.execute(query))
    return keys


def _store(conn: Connection, found: dict[str, list[Candidate]], now: int) -> list[RuleResult]:
    existing = _existing(conn, [c for candidates in found.values() for c in candidates])
    results = []
    for name, candidates in found.items():
        new = []
        for c in candidates:
            if c.key not in existing:
                existing.add(c.key)
                new.append(
                    {
                        "kind": c.kind,
                        "booth_id": c.booth_id,
                        "seq": c.seq,
                        "detail": c.detail,
                        "raised_at": now,
                        "acknowledged": False,
                    }
                )
        if new:
            conn.execute(insert(alerts), new)
        results.append(RuleResult(name, len(candidates), len(new)))
    return results
