"""Integrity analytics over the records booths synced to HQ: rules that raise alerts with evidence.

Each rule is a function ``rule(conn, now, limits) -> list[Candidate]`` doing portable SQL
(SQLAlchemy Core; the same statements on SQLite and PostgreSQL, no dialect-only functions)
and a little Python over all the records: the reference. ``analyse(store, now)`` computes the
same alerts incrementally and stores, in the store's ``alerts`` table, only the alerts not
raised before, so running it again (from cron, say) is harmless. An alert's identity is
(kind, booth_id, seq, subject), the subject being the text before the first ": " of its detail
(a permit, an officer, a booth); an acknowledged alert is not raised again. Every detail ends
with ``evidence: BOOTH#SEQ ...``, the records it rests on.

A *crossing* is a valid scan (``kind='scan'``, ``verdict='valid'``) or an override (the
rejected scan it lets through did cross), with a direction and a permit number.

Rules and their thresholds (``Limits``):

- ``double_entry`` — the same permit's next crossing after an entry is another entry at a
  different booth (another checkpoint, or a second booth of the same one): a cloned or shared
  permit. One booth alone refuses it (``already_inside``); two offline booths cannot.
- ``impossible_travel`` — two consecutive crossings of one permit at different checkpoints
  less than ``min_travel`` apart (default 1 h; the nearest checkpoints are hours apart by road).
- ``overstay`` — a permit whose last crossing anywhere is an entry older than its ``stay``
  days (the ``stay_days`` the booth recorded) at ``now``.
- ``override_outlier`` / ``manual_entry_outlier`` / ``odd_hours`` — per officer and
  checkpoint: the rate of rejections waved through by an override, of manually typed permits,
  and of scans between 00:00 and 04:00 local time (UTC+7, both countries), each over the
  officer's scans. Flagged when the officer has at least ``min_scans`` (20) scans and
  ``min_events`` (3) such events, at least ``min_peers`` (2) peers at the same checkpoint
  have ``min_scans`` scans, and rate > max(2 × peer median, peer median + 3 × MAD). With peers
  at 0 this flags any officer with ``min_events`` or more (so odd hours are flagged only for
  officers whose peers do not work them). Judged over all records HQ holds; one alert per
  officer, checkpoint and kind.
- ``silent_booth`` — an enrolled, unrevoked booth not heard from (``last_seen``, or its
  enrolment) for longer than ``silent_after`` (6 h). One alert per silence: its seq is the
  last record HQ holds, so a booth that syncs and falls silent again is raised again.
- ``clock_skew`` — records stamped more than ``max_skew`` (15 min) after HQ received them:
  the booth clock runs ahead. One alert per booth and boot, on its first such record.
- ``revoked_seen`` / ``watchlist_seen`` — scans a booth rejected as ``revoked`` /
  ``watchlist``, one alert per scan; and, when HQ's revocations are passed in, crossings of a
  permit after HQ revoked it (a booth on an old bundle let it through).

Forks are raised by the store as batches arrive; gaps are refused there (409), so neither is
repeated here.

Incremental runs. ``analyse`` keeps derived state (``sync.hq.derived``: per-booth watermarks,
each permit's last crossing, per-officer counters) and takes in only the records stored since its
last run: pairs of consecutive crossings that involve a new record, states whose stay ended
since, clock skew and flagged reasons over the new records, crossings of newly revoked permits;
outliers come from the small counters table, silences from ``booths``. Every run stores exactly
the alerts a run of the reference rules would have stored at that point (the tests check this);
``analyse(..., full=True)`` rebuilds the state from ``records`` (also done on a first run or when
``min_travel`` / ``max_skew`` change).
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, Engine, case, delete, func, insert, literal, or_, select, tuple_, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement

from sync.hq import derived
from sync.hq.derived import (
    BY_OFFICER,
    CROSSING,
    DAY,
    HOUR,
    IS_MANUAL,
    IS_ODD_HOUR,
    IS_OVERRIDE,
    IS_SCAN,
    LOCAL_OFFSET,  # noqa: F401 - re-exported: callers and tests use it from here
    ODD_HOURS,
    Crossing,
    OfficerStats,
    PermitState,
    chunks,
)
from sync.hq.errors import AnalysisConflict
from sync.hq.schema import (
    alerts,
    analysis_revocations,
    booths,
    clock_skew_seen,
    meta,
    records,
    records_officer,
    records_officer_at,
)
from sync.protocol.times import iso

MAX_EVIDENCE = 20
_CROSSING = CROSSING
_RUN_KEY = "analysis"  # meta row: the limits the derived state was built with; locked by each run
_RETRIES = 3


@dataclass(frozen=True)
class Limits:
    min_travel: int = HOUR
    silent_after: int = 6 * HOUR
    max_skew: int = 15 * 60
    min_scans: int = 20
    min_events: int = 3
    min_peers: int = 2


@dataclass(frozen=True)
class Candidate:
    """An alert a rule found: ``subject`` names what it is about; evidence lists (booth_id, seq)."""

    kind: str
    booth_id: str | None
    seq: int | None
    subject: str
    message: str
    evidence: tuple[tuple[str, int], ...] = field(default_factory=tuple)

    @property
    def key(self) -> tuple[str, str | None, int | None, str]:
        return self.kind, self.booth_id, self.seq, self._subject

    @property
    def _subject(self) -> str:  # the detail's text up to its first ": " (officer names are free text)
        return self.subject.replace(": ", ":")

    @property
    def detail(self) -> str:
        refs = " ".join(f"{b}#{s}" for b, s in self.evidence[:MAX_EVIDENCE])
        more = f" (+{len(self.evidence) - MAX_EVIDENCE} more)" if len(self.evidence) > MAX_EVIDENCE else ""
        return f"{self._subject}: {self.message}; evidence: {refs}{more}"


@dataclass(frozen=True)
class RuleResult:
    rule: str
    found: int  # candidates the rule produced (an incremental run: from what changed since the last)
    raised: int  # of those, new alerts stored now


Rule = Callable[[Connection, int, Limits], list[Candidate]]


# -- permits


def _crossings(conn: Connection, permits_having: Any) -> dict[str, list[Crossing]]:
    """Crossings of the permits the HAVING clause selects, per permit, in time order."""
    chosen = select(records.c.permit_no).where(CROSSING).group_by(records.c.permit_no).having(permits_having)
    query = select(*derived.CROSSING_COLUMNS).where(CROSSING, records.c.permit_no.in_(chosen.scalar_subquery()))
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in conn.execute(query):
        grouped[row.permit_no].append(row)
    return {permit: derived.in_order(rows) for permit, rows in sorted(grouped.items())}


def _double_entry(before: Crossing, after: Crossing) -> Candidate | None:
    if not (before.direction == after.direction == "entry" and before.booth_id != after.booth_id):
        return None
    return Candidate(
        "double_entry", after.booth_id, after.seq, f"permit {after.permit_no}",
        f"entered at {after.checkpoint} ({after.booth_id}) {iso(after.at)} while inside since "
        f"{iso(before.at)} at {before.checkpoint} ({before.booth_id}), no exit between: cloned or "
        "shared permit", ((before.booth_id, before.seq), (after.booth_id, after.seq)))  # fmt: skip


def _travel(before: Crossing, after: Crossing, limits: Limits) -> Candidate | None:
    apart = after.at - before.at
    if before.checkpoint == after.checkpoint or apart >= limits.min_travel:
        return None
    return Candidate(
        "impossible_travel", after.booth_id, after.seq, f"permit {after.permit_no}",
        f"{before.direction} at {before.checkpoint} {iso(before.at)} then {after.direction} at "
        f"{after.checkpoint} {apart // 60} min later (minimum travel {limits.min_travel // 60} min)",
        ((before.booth_id, before.seq), (after.booth_id, after.seq)))  # fmt: skip


def double_entry(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    return [c for rows in _crossings(conn, func.count(records.c.booth_id.distinct()) > 1).values()
            for b, a in zip(rows, rows[1:], strict=False) if (c := _double_entry(b, a))]  # fmt: skip


def impossible_travel(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    return [c for rows in _crossings(conn, func.count(records.c.checkpoint.distinct()) > 1).values()
            for b, a in zip(rows, rows[1:], strict=False) if (c := _travel(b, a, limits))]  # fmt: skip


def _overstay(state: PermitState, now: int) -> Candidate | None:
    if state.due_at is None or state.due_at >= now:
        return None
    days = (now - state.at) / DAY
    return Candidate(
        "overstay", state.booth_id, state.seq, f"permit {state.permit_no}",
        f"entered at {state.checkpoint} {iso(state.at)}, no exit since: {days:.1f} days, stay allows "
        f"{state.stay_days}", ((state.booth_id, state.seq),))  # fmt: skip


def overstay(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    return [c for state in derived.inside_entries(conn) if (c := _overstay(state, now))]


def _flagged(reason: str, kind: str, row: Any) -> Candidate:
    return Candidate(kind, row.booth_id, row.seq, f"permit {row.permit_no or '(unread)'}",
                     f"{reason} permit presented at {row.checkpoint} ({row.booth_id}) {iso(row.at)}, officer "
                     f"{row.officer}", ((row.booth_id, row.seq),))  # fmt: skip


def _flagged_reason(reason: str, kind: str) -> Callable[..., list[Candidate]]:
    def rule(conn: Connection, now: int, limits: Limits, where: ColumnElement[bool] | None = None) -> list[Candidate]:
        padded = literal(" ") + records.c.reasons + literal(" ")
        query = (select(records.c.booth_id, records.c.seq, records.c.checkpoint, records.c.at, records.c.permit_no,
                        records.c.officer)
                 .where(IS_SCAN, records.c.reasons.is_not(None), padded.like(f"% {reason} %"))
                 .order_by(records.c.booth_id, records.c.seq))  # fmt: skip
        if where is not None:
            query = query.where(where)
        return [_flagged(reason, kind, r) for r in conn.execute(query)]

    rule.__name__ = kind
    return rule


revoked_seen = _flagged_reason("revoked", "revoked_seen")
watchlist_seen = _flagged_reason("watchlist", "watchlist_seen")


def _after_revocation(row: Any, revoked_at: int) -> Candidate | None:
    if row.at < revoked_at:
        return None
    return Candidate(
        "revoked_seen", row.booth_id, row.seq, f"permit {row.permit_no}",
        f"crossed at {row.checkpoint} ({row.booth_id}) {iso(row.at)} after HQ revoked it "
        f"{iso(revoked_at)} (booth on bundle {row.bundle_version})", ((row.booth_id, row.seq),))  # fmt: skip


_REVOKED_COLUMNS = (records.c.booth_id, records.c.seq, records.c.checkpoint, records.c.at, records.c.permit_no,
                    records.c.bundle_version)  # fmt: skip


def _revoked_crossings(conn: Connection, revoked: Mapping[str, int]) -> list[Candidate]:
    found = []
    for part in chunks(sorted(revoked)):
        query = (select(*_REVOKED_COLUMNS).where(CROSSING, records.c.permit_no.in_(part))
                 .order_by(records.c.booth_id, records.c.seq))  # fmt: skip
        found.extend(c for r in conn.execute(query) if (c := _after_revocation(r, revoked[r.permit_no])))
    return found


def revoked_crossed(revoked: Mapping[str, int]) -> Rule:
    """Crossings of permits HQ revoked (permit number -> revoked_at), made after the revocation."""

    def rule(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
        return _revoked_crossings(conn, revoked)

    rule.__name__ = "revoked_crossed"
    return rule


# -- officers


@dataclass(frozen=True)
class PeerBar:
    """What an officer's rate is judged against: the other officers' rates at the checkpoint."""

    peers: int  # officers with at least min_scans scans, the judged one left out
    median: float | None
    bar: float | None  # flagged above: max(2 x median, median + 3 x MAD)


@dataclass(frozen=True)
class Outlier:
    kind: str
    what: str
    event: ColumnElement[bool]  # the records counted
    counter: str  # the column of officer_stats counting them


OUTLIERS = (
    Outlier("override_outlier", "rejections waved through by an override", IS_OVERRIDE, "overrides"),
    Outlier("manual_entry_outlier", "permits typed in by hand", IS_MANUAL, "manual"),
    Outlier("odd_hours", f"scans between {ODD_HOURS[0]:02d}:00 and {ODD_HOURS[1]:02d}:00 local time", IS_ODD_HOUR,
            "odd_hours"),
)  # fmt: skip


def peer_bar(officer: str, officers: Mapping[str, tuple[int, int]], limits: Limits) -> PeerBar:
    """The bar for ``officer`` among ``officers`` (name -> (scans, events)) of one checkpoint."""
    peers = [e / s for o, (s, e) in officers.items() if o != officer and s >= limits.min_scans]
    if not peers:
        return PeerBar(0, None, None)
    median = statistics.median(peers)
    mad = statistics.median(abs(p - median) for p in peers)
    return PeerBar(len(peers), median, max(2 * median, median + 3 * mad))


def flagged(scans: int, events: int, bar: PeerBar, limits: Limits) -> bool:
    if scans < limits.min_scans or events < limits.min_events or bar.peers < limits.min_peers or bar.bar is None:
        return False
    return events / scans > bar.bar


def _flag_officers(outlier: Outlier, per_checkpoint: Mapping[str, Mapping[str, tuple[int, int]]],
                   limits: Limits) -> list[tuple[str, str, Candidate]]:
    """(checkpoint, officer, candidate without evidence) for each officer standing out."""
    found = []
    for checkpoint, officers in sorted(per_checkpoint.items()):
        for officer, (scans, events) in sorted(officers.items()):
            bar = peer_bar(officer, officers, limits)
            if flagged(scans, events, bar, limits):
                found.append((checkpoint, officer, Candidate(
                    outlier.kind, None, None, f"officer {officer} at {checkpoint}",
                    f"{outlier.what}: {events} of {scans} scans ({events / scans:.0%}); peers' median "
                    f"{bar.median:.0%} over {bar.peers} officers, flagged above {bar.bar:.0%}")))  # fmt: skip
    return found


def _evidence(conn: Connection, checkpoint: str, officer: str, event: Any) -> tuple[tuple[str, int], ...]:
    query = (select(records.c.booth_id, records.c.seq, records.c.at)
             .where(records.c.checkpoint == checkpoint, records.c.officer == officer, event))  # fmt: skip
    return tuple((r.booth_id, r.seq) for r in sorted(conn.execute(query), key=lambda r: (r.at, r.booth_id, r.seq)))


def _outliers(outlier: Outlier) -> Rule:
    """Officers whose rate of ``outlier.event`` records per scan stands out from their checkpoint's peers."""

    def rule(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
        query = (select(records.c.checkpoint, records.c.officer, func.sum(case((IS_SCAN, 1), else_=0)).label("scans"),
                        func.sum(case((outlier.event, 1), else_=0)).label("events"))
                 .where(BY_OFFICER).group_by(records.c.checkpoint, records.c.officer))  # fmt: skip
        per_checkpoint: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
        for r in conn.execute(query):
            per_checkpoint[r.checkpoint][r.officer] = (int(r.scans or 0), int(r.events or 0))
        return [replace(c, evidence=_evidence(conn, cp, officer, outlier.event))
                for cp, officer, c in _flag_officers(outlier, per_checkpoint, limits)]  # fmt: skip

    rule.__name__ = outlier.kind
    return rule


override_outlier, manual_entry_outlier, odd_hours = (_outliers(o) for o in OUTLIERS)


def _counted(stats: Iterable[OfficerStats], counter: str) -> dict[str, dict[str, tuple[int, int]]]:
    per_checkpoint: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for s in stats:
        per_checkpoint[s.checkpoint][s.officer] = (s.scans, getattr(s, counter))
    return per_checkpoint


# -- booths


def silent_booth(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    heard = func.coalesce(booths.c.last_seen, booths.c.enrolled_at)
    query = (select(booths.c.booth_id, booths.c.checkpoint, booths.c.acked_seq, heard.label("heard"))
             .where(booths.c.public_key.is_not(None), booths.c.revoked.is_(False), heard < now - limits.silent_after)
             .order_by(booths.c.booth_id))  # fmt: skip
    return [Candidate("silent_booth", r.booth_id, r.acked_seq, f"booth {r.booth_id}",
                      f"at {r.checkpoint}, not heard from since {iso(r.heard)} ({(now - r.heard) / HOUR:.1f} h; "
                      f"expected within {limits.silent_after / HOUR:g} h); HQ holds records up to {r.acked_seq}",
                      ((r.booth_id, r.acked_seq),) if r.acked_seq else ())
            for r in conn.execute(query)]  # fmt: skip


def _skewed(conn: Connection, limits: Limits, where: ColumnElement[bool] | None = None) -> dict[tuple[str, str], list]:
    """Records stamped more than max_skew after HQ received them, per (booth, boot), by seq."""
    query = (select(records.c.booth_id, records.c.boot_id, records.c.seq, records.c.at, records.c.received_at)
             .where(records.c.at > records.c.received_at + limits.max_skew))  # fmt: skip
    if where is not None:
        query = query.where(where)
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in sorted(conn.execute(query), key=lambda r: (r.booth_id, r.boot_id, r.seq)):
        groups[(r.booth_id, r.boot_id)].append(r)
    return groups


def _skew(booth_id: str, boot_id: str, rows: list[Any], limits: Limits) -> Candidate:
    first, worst = rows[0], max(r.at - r.received_at for r in rows)
    return Candidate(
        "clock_skew", booth_id, first.seq, f"booth {booth_id} boot {boot_id}",
        f"{len(rows)} record(s) stamped ahead of their arrival at HQ, by up to {worst / 60:.0f} min "
        f"(tolerance {limits.max_skew / 60:g} min): the booth clock runs fast",
        tuple((booth_id, r.seq) for r in rows))  # fmt: skip


def clock_skew(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    return [_skew(booth_id, boot_id, rows, limits) for (booth_id, boot_id), rows in _skewed(conn, limits).items()]


RULES: tuple[Rule, ...] = (double_entry, impossible_travel, overstay, override_outlier, manual_entry_outlier,
                           odd_hours, silent_booth, clock_skew, revoked_seen, watchlist_seen)  # fmt: skip
RULE_NAMES = tuple(r.__name__ for r in RULES)


def run_rules(conn: Connection, now: int, limits: Limits | None = None,
              rules: Iterable[Rule] = RULES) -> dict[str, list[Candidate]]:
    """Every rule's candidates over all the records, by rule name; nothing is stored (the reference)."""
    limits = limits or Limits()
    return {rule.__name__: rule(conn, now, limits) for rule in rules}


def ensure_indexes(engine: Engine) -> None:
    """The indexes the rules use, on databases made before they were part of the schema."""
    for index in (records_officer, records_officer_at, *(i for i in alerts.indexes if i.name == "alerts_kind")):
        with engine.begin() as conn:
            index.create(conn, checkfirst=True)


# -- analyse: the incremental run


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


def analyse(store: Any, now: int, limits: Limits | None = None, *, revoked: Mapping[str, int] | None = None,
            full: bool = False) -> list[RuleResult]:
    """Take the records stored since the last run into the derived state, run every rule over what
    changed, and store the alerts not raised before; one result per rule, in ``RULE_NAMES`` order.

    ``store`` is a ``SyncStore``. ``revoked`` (permit number -> revoked_at), HQ's revocations,
    adds crossings after revocation (``revoked_crossed``). ``full`` rebuilds the derived state
    from all the records first (minutes at 10 million records; on SQLite, syncs wait meanwhile).
    Runs are serialised; on PostgreSQL a run that lost the race to another starts again.
    """
    limits = limits or Limits()
    ensure_indexes(store.engine)
    for _ in range(_RETRIES):
        try:
            with _snapshot(store.engine) as conn:
                return _analyse(conn, now, limits, revoked, full)
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


def _analyse(conn: Connection, now: int, limits: Limits, revoked: Mapping[str, int] | None,
             full: bool) -> list[RuleResult]:
    built_with = {"min_travel": limits.min_travel, "max_skew": limits.max_skew}
    run = conn.execute(select(meta.c.value).where(meta.c.key == _RUN_KEY).with_for_update()).scalar()
    last = json.loads(run) if run is not None else None
    full = full or last is None or last.get("limits") != built_with
    fresh = derived.refresh(conn, full=full, keep_pair=lambda b, a: bool(_double_entry(b, a) or _travel(b, a, limits)))
    where = None if full else fresh.ranges
    found: dict[str, list[Candidate]] = {
        "double_entry": [c for b, a in fresh.pairs if (c := _double_entry(b, a))],
        "impossible_travel": [c for b, a in fresh.pairs if (c := _travel(b, a, limits))],
        "overstay": [c for s in derived.take_overstays(conn, now) if (c := _overstay(s, now))],
    }
    stats = derived.officers(conn)
    for outlier in OUTLIERS:
        found[outlier.kind] = _officer_candidates(conn, outlier, stats, limits)
    found["silent_booth"] = silent_booth(conn, now, limits)
    found["clock_skew"] = _new_skews(conn, limits, where, full)
    for rule in (revoked_seen, watchlist_seen):
        found[rule.__name__] = [c for part in _parts(where) for c in rule(conn, now, limits, part)]
    if revoked:
        found["revoked_crossed"] = _new_revoked_crossings(conn, revoked, where, full)
    else:  # forget them, so that the next run given revocations checks every crossing of them
        conn.execute(delete(analysis_revocations))
    results = _store(conn, found, now)
    value = json.dumps({"limits": built_with, "now": now, "full": full, "records": fresh.records})
    if run is None:
        conn.execute(insert(meta).values(key=_RUN_KEY, value=value))
    else:  # always written: a concurrent run waiting on this row must then fail and start again (40001)
        conn.execute(update(meta).where(meta.c.key == _RUN_KEY).values(value=value))
    return results


def _parts(ranges: dict[str, tuple[int, int]] | None) -> list[ColumnElement[bool] | None]:
    """Record filters covering the new records (None: all of them)."""
    return [None] if ranges is None else list(derived.range_parts(ranges))


def _officer_candidates(conn: Connection, outlier: Outlier, stats: list[OfficerStats],
                        limits: Limits) -> list[Candidate]:
    """Flagged officers from the counters; evidence is read only for alerts not raised yet."""
    flags = _flag_officers(outlier, _counted(stats, outlier.counter), limits)
    known = _existing(conn, [c for _, _, c in flags])
    return [c if c.key in known else replace(c, evidence=_evidence(conn, cp, officer, outlier.event))
            for cp, officer, c in flags]  # fmt: skip


def _new_skews(conn: Connection, limits: Limits, ranges: dict[str, tuple[int, int]] | None,
               full: bool) -> list[Candidate]:
    """clock_skew over the new records, for boots without a record ahead before (their alert is raised)."""
    if full:
        conn.execute(delete(clock_skew_seen))
    seen = {(b, boot) for b, boot in conn.execute(select(clock_skew_seen.c.booth_id, clock_skew_seen.c.boot_id))}
    found, first = [], []
    for part in _parts(ranges):
        for (booth_id, boot_id), rows in _skewed(conn, limits, part).items():
            if (booth_id, boot_id) not in seen:
                seen.add((booth_id, boot_id))
                found.append(_skew(booth_id, boot_id, rows, limits))
                first.append({"booth_id": booth_id, "boot_id": boot_id, "seq": rows[0].seq})
    if first:
        conn.execute(insert(clock_skew_seen), first)
    return found


def _new_revoked_crossings(conn: Connection, revoked: Mapping[str, int], ranges: dict[str, tuple[int, int]] | None,
                           full: bool) -> list[Candidate]:
    """Crossings of permits revoked (or re-dated) since the last run, and new crossings of the others."""
    before = {} if full else dict(conn.execute(select(analysis_revocations.c.permit_no,
                                                      analysis_revocations.c.revoked_at)).all())  # fmt: skip
    changed = {p: t for p, t in revoked.items() if before.get(p) != t}
    found = _revoked_crossings(conn, changed)
    if ranges:
        for part in derived.range_parts(ranges):
            query = (select(*_REVOKED_COLUMNS).where(CROSSING, part)
                     .order_by(records.c.booth_id, records.c.seq))  # fmt: skip
            found.extend(c for r in conn.execute(query) if r.permit_no in revoked and r.permit_no not in changed
                         and (c := _after_revocation(r, revoked[r.permit_no])))  # fmt: skip
    gone = sorted(set(before) - set(revoked)) + sorted(p for p in changed if p in before)
    for part in chunks(gone):
        conn.execute(delete(analysis_revocations).where(analysis_revocations.c.permit_no.in_(part)))
    if full:
        conn.execute(delete(analysis_revocations))
    if changed:
        conn.execute(insert(analysis_revocations),
                     [{"permit_no": p, "revoked_at": t} for p, t in sorted(changed.items())])  # fmt: skip
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
        if len(located) > 50 * derived.CHUNK:  # most of them, likely: one pass over the kind's alerts
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
                new.append({"kind": c.kind, "booth_id": c.booth_id, "seq": c.seq, "detail": c.detail,
                            "raised_at": now, "acknowledged": False})  # fmt: skip
        if new:
            conn.execute(insert(alerts), new)
        results.append(RuleResult(name, len(candidates), len(new)))
    return results


# -- the per-checkpoint report


def report(store: Any, start: int, end: int) -> list[dict[str, Any]]:
    """Per checkpoint, for records stamped in [start, end): entries and exits (crossings),
    rejected scans, overrides; people inside at ``end``; each booth's last sync.

    People inside come from the derived state plus the records stored since the last analyse
    (``derived.inside_counts(fresh=True)``): exact, and quick when analyse runs regularly.
    """
    with store.engine.connect() as conn:
        counts = derived.period_counts(conn, start, end)
        inside = derived.inside_counts(conn, before=end, fresh=True)
        booth_rows = conn.execute(select(booths.c.booth_id, booths.c.checkpoint, booths.c.last_seen,
                                         booths.c.acked_seq).order_by(booths.c.booth_id)).all()  # fmt: skip
    per_booth: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for b in booth_rows:
        per_booth[b.checkpoint].append({"booth_id": b.booth_id, "last_sync": b.last_seen, "acked_seq": b.acked_seq})
    out = []
    for checkpoint in sorted(set(counts) | set(inside) | set(per_booth)):
        tally = counts.get(checkpoint, derived.PeriodCounts())
        out.append({"checkpoint": checkpoint, "entries": tally.entries, "exits": tally.exits,
                    "rejections": tally.rejections, "overrides": tally.overrides, "inside": inside.get(checkpoint, 0),
                    "booths": per_booth.get(checkpoint, [])})  # fmt: skip
    return out
