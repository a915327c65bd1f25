"""Integrity analytics over the records booths synced to HQ: rules that raise alerts with evidence.

Each rule is a function ``rule(conn, now, limits) -> list[Candidate]`` doing portable SQL
(SQLAlchemy Core; the same statements on SQLite and PostgreSQL, no dialect-only functions)
and a little Python. ``analyse(store, now)`` runs them all and stores, in the store's
``alerts`` table, only the alerts not raised before, so running it again (from cron, say) is
harmless. An alert's identity is (kind, booth_id, seq, subject), the subject being the text
before the first ": " of its detail (a permit, an officer, a booth); an acknowledged alert is
not raised again. Every detail ends with ``evidence: BOOTH#SEQ ...``, the records it rests on.

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
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, case, func, insert, literal, or_, select

from sync.hq.schema import alerts, booths, records, records_officer

HOUR = 3600
DAY = 86_400
LOCAL_OFFSET = 7 * HOUR  # Indochina Time, both sides of the border
ODD_HOURS = (0, 4)  # local hours [start, end)
MAX_EVIDENCE = 20


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
    found: int  # candidates the rule produced
    raised: int  # of those, new alerts stored now


Rule = Callable[[Connection, int, Limits], list[Candidate]]

_CROSSING = and_(
    or_(and_(records.c.kind == "scan", records.c.verdict == "valid"), records.c.kind == "override"),
    records.c.direction.in_(("entry", "exit")),
    records.c.permit_no.is_not(None),
)


def _iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _crossings(conn: Connection, permits_having: Any) -> dict[str, list[Any]]:
    """Crossings of the permits the HAVING clause selects, per permit, in time order."""
    chosen = select(records.c.permit_no).where(_CROSSING).group_by(records.c.permit_no).having(permits_having)
    query = (select(records.c.permit_no, records.c.booth_id, records.c.seq, records.c.checkpoint,
                    records.c.direction, records.c.at)
             .where(_CROSSING, records.c.permit_no.in_(chosen.scalar_subquery()))
             .order_by(records.c.permit_no, records.c.at, records.c.booth_id, records.c.seq))  # fmt: skip
    out: dict[str, list[Any]] = defaultdict(list)
    for row in conn.execute(query):
        out[row.permit_no].append(row)
    return out


# -- permits


def double_entry(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    found = []
    for permit, rows in _crossings(conn, func.count(records.c.booth_id.distinct()) > 1).items():
        for before, after in zip(rows, rows[1:], strict=False):
            if before.direction == after.direction == "entry" and before.booth_id != after.booth_id:
                found.append(Candidate(
                    "double_entry", after.booth_id, after.seq, f"permit {permit}",
                    f"entered at {after.checkpoint} ({after.booth_id}) {_iso(after.at)} while inside since "
                    f"{_iso(before.at)} at {before.checkpoint} ({before.booth_id}), no exit between: cloned or "
                    "shared permit", ((before.booth_id, before.seq), (after.booth_id, after.seq))))  # fmt: skip
    return found


def impossible_travel(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    found = []
    for permit, rows in _crossings(conn, func.count(records.c.checkpoint.distinct()) > 1).items():
        for before, after in zip(rows, rows[1:], strict=False):
            apart = after.at - before.at
            if before.checkpoint != after.checkpoint and apart < limits.min_travel:
                found.append(Candidate(
                    "impossible_travel", after.booth_id, after.seq, f"permit {permit}",
                    f"{before.direction} at {before.checkpoint} {_iso(before.at)} then {after.direction} at "
                    f"{after.checkpoint} {apart // 60} min later (minimum travel {limits.min_travel // 60} min)",
                    ((before.booth_id, before.seq), (after.booth_id, after.seq))))  # fmt: skip
    return found


def _inside(conn: Connection, before: int | None = None) -> list[Any]:
    """One row per permit whose last crossing (before ``before``) is an entry: the people inside."""
    window = _CROSSING if before is None else and_(_CROSSING, records.c.at < before)
    last = (select(records.c.permit_no, func.max(records.c.at).label("last_at"))
            .where(window).group_by(records.c.permit_no).subquery())  # fmt: skip
    at_last = and_(records.c.permit_no == last.c.permit_no, records.c.at == last.c.last_at)
    query = (select(records.c.permit_no, records.c.booth_id, records.c.seq, records.c.checkpoint, records.c.at,
                    records.c.stay_days, records.c.direction)
             .join(last, at_last).where(window)
             .order_by(records.c.permit_no, records.c.booth_id, records.c.seq))  # fmt: skip
    rows = conn.execute(query).all()
    left = {r.permit_no for r in rows if r.direction == "exit"}  # an exit in the same second: not inside
    out, seen = [], set()
    for r in rows:
        if r.permit_no not in left and r.permit_no not in seen:
            seen.add(r.permit_no)
            out.append(r)
    return out


def overstay(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    found = []
    for row in _inside(conn):
        if row.stay_days is None or row.at + row.stay_days * DAY >= now:
            continue
        days = (now - row.at) / DAY
        found.append(Candidate(
            "overstay", row.booth_id, row.seq, f"permit {row.permit_no}",
            f"entered at {row.checkpoint} {_iso(row.at)}, no exit since: {days:.1f} days, stay allows "
            f"{row.stay_days}", ((row.booth_id, row.seq),)))  # fmt: skip
    return found


def _flagged_reason(reason: str, kind: str) -> Callable[[Connection, int, Limits], list[Candidate]]:
    def rule(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
        padded = literal(" ") + records.c.reasons + literal(" ")
        query = (select(records.c.booth_id, records.c.seq, records.c.checkpoint, records.c.at, records.c.permit_no,
                        records.c.officer)
                 .where(records.c.kind == "scan", records.c.reasons.is_not(None), padded.like(f"% {reason} %"))
                 .order_by(records.c.booth_id, records.c.seq))  # fmt: skip
        return [Candidate(kind, r.booth_id, r.seq, f"permit {r.permit_no or '(unread)'}",
                          f"{reason} permit presented at {r.checkpoint} ({r.booth_id}) {_iso(r.at)}, officer "
                          f"{r.officer}", ((r.booth_id, r.seq),))
                for r in conn.execute(query)]  # fmt: skip

    rule.__name__ = kind
    return rule


revoked_seen = _flagged_reason("revoked", "revoked_seen")
watchlist_seen = _flagged_reason("watchlist", "watchlist_seen")


def revoked_crossed(revoked: Mapping[str, int]) -> Rule:
    """Crossings of permits HQ revoked (permit number -> revoked_at), made after the revocation."""

    def rule(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
        found = []
        numbers = sorted(revoked)
        for start in range(0, len(numbers), 500):
            query = (select(records.c.booth_id, records.c.seq, records.c.checkpoint, records.c.at,
                            records.c.permit_no, records.c.bundle_version)
                     .where(_CROSSING, records.c.permit_no.in_(numbers[start:start + 500]))
                     .order_by(records.c.booth_id, records.c.seq))  # fmt: skip
            for r in conn.execute(query):
                if r.at >= revoked[r.permit_no]:
                    found.append(Candidate(
                        "revoked_seen", r.booth_id, r.seq, f"permit {r.permit_no}",
                        f"crossed at {r.checkpoint} ({r.booth_id}) {_iso(r.at)} after HQ revoked it "
                        f"{_iso(revoked[r.permit_no])} (booth on bundle {r.bundle_version})",
                        ((r.booth_id, r.seq),)))  # fmt: skip
        return found

    rule.__name__ = "revoked_crossed"
    return rule


# -- officers


def _outliers(kind: str, what: str, event: Any) -> Rule:
    """Officers whose rate of ``event`` records per scan stands out from their checkpoint's peers."""

    def rule(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
        is_scan = case((records.c.kind == "scan", 1), else_=0)
        is_event = case((event, 1), else_=0)
        query = (select(records.c.checkpoint, records.c.officer, func.sum(is_scan).label("scans"),
                        func.sum(is_event).label("events"))
                 .where(records.c.officer.is_not(None), records.c.kind.in_(("scan", "override")))
                 .group_by(records.c.checkpoint, records.c.officer))  # fmt: skip
        per_checkpoint: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
        for r in conn.execute(query):
            per_checkpoint[r.checkpoint][r.officer] = (int(r.scans or 0), int(r.events or 0))
        found = []
        for checkpoint, officers in sorted(per_checkpoint.items()):
            rates = {o: e / s for o, (s, e) in officers.items() if s >= limits.min_scans}
            for officer, (scans, events) in sorted(officers.items()):
                peers = [rate for o, rate in rates.items() if o != officer]
                if scans < limits.min_scans or events < limits.min_events or len(peers) < limits.min_peers:
                    continue
                median = statistics.median(peers)
                mad = statistics.median(abs(p - median) for p in peers)
                bar = max(2 * median, median + 3 * mad)
                if events / scans > bar:
                    evidence = _evidence(conn, checkpoint, officer, event)
                    found.append(Candidate(
                        kind, None, None, f"officer {officer} at {checkpoint}",
                        f"{what}: {events} of {scans} scans ({events / scans:.0%}); peers' median "
                        f"{median:.0%} over {len(peers)} officers, flagged above {bar:.0%}", evidence))  # fmt: skip
        return found

    rule.__name__ = kind
    return rule


def _evidence(conn: Connection, checkpoint: str, officer: str, event: Any) -> tuple[tuple[str, int], ...]:
    query = (select(records.c.booth_id, records.c.seq)
             .where(records.c.checkpoint == checkpoint, records.c.officer == officer, event)
             .order_by(records.c.at, records.c.booth_id, records.c.seq))  # fmt: skip
    return tuple((b, s) for b, s in conn.execute(query))


_local_second = (records.c.at + LOCAL_OFFSET) % DAY
override_outlier = _outliers("override_outlier", "rejections waved through by an override",
                             records.c.kind == "override")
manual_entry_outlier = _outliers("manual_entry_outlier", "permits typed in by hand",
                                 and_(records.c.kind == "scan", records.c.channel == "manual"))
odd_hours = _outliers("odd_hours", f"scans between {ODD_HOURS[0]:02d}:00 and {ODD_HOURS[1]:02d}:00 local time",
                      and_(records.c.kind == "scan", _local_second >= ODD_HOURS[0] * HOUR,
                           _local_second < ODD_HOURS[1] * HOUR))  # fmt: skip


# -- booths


def silent_booth(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    heard = func.coalesce(booths.c.last_seen, booths.c.enrolled_at)
    query = (select(booths.c.booth_id, booths.c.checkpoint, booths.c.acked_seq, heard.label("heard"))
             .where(booths.c.public_key.is_not(None), booths.c.revoked.is_(False), heard < now - limits.silent_after)
             .order_by(booths.c.booth_id))  # fmt: skip
    return [Candidate("silent_booth", r.booth_id, r.acked_seq, f"booth {r.booth_id}",
                      f"at {r.checkpoint}, not heard from since {_iso(r.heard)} ({(now - r.heard) / HOUR:.1f} h; "
                      f"expected within {limits.silent_after / HOUR:g} h); HQ holds records up to {r.acked_seq}",
                      ((r.booth_id, r.acked_seq),) if r.acked_seq else ())
            for r in conn.execute(query)]  # fmt: skip


def clock_skew(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    query = (select(records.c.booth_id, records.c.boot_id, records.c.seq, records.c.at, records.c.received_at)
             .where(records.c.at > records.c.received_at + limits.max_skew)
             .order_by(records.c.booth_id, records.c.boot_id, records.c.seq))  # fmt: skip
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in conn.execute(query):
        groups[(r.booth_id, r.boot_id)].append(r)
    found = []
    for (booth_id, boot_id), rows in groups.items():
        first, worst = rows[0], max(r.at - r.received_at for r in rows)
        found.append(Candidate(
            "clock_skew", booth_id, first.seq, f"booth {booth_id} boot {boot_id}",
            f"{len(rows)} record(s) stamped ahead of their arrival at HQ, by up to {worst / 60:.0f} min "
            f"(tolerance {limits.max_skew / 60:g} min): the booth clock runs fast",
            tuple((booth_id, r.seq) for r in rows)))  # fmt: skip
    return found


RULES: tuple[Rule, ...] = (double_entry, impossible_travel, overstay, override_outlier, manual_entry_outlier,
                           odd_hours, silent_booth, clock_skew, revoked_seen, watchlist_seen)  # fmt: skip
RULE_NAMES = tuple(r.__name__ for r in RULES)


def run_rules(conn: Connection, now: int, limits: Limits | None = None,
              rules: Iterable[Rule] = RULES) -> dict[str, list[Candidate]]:
    """Every rule's candidates, by rule name; nothing is stored."""
    limits = limits or Limits()
    return {rule.__name__: rule(conn, now, limits) for rule in rules}


def ensure_indexes(engine: Any) -> None:
    """The indexes the rules use, on databases made before they were part of the schema."""
    for index in (records_officer, *(i for i in alerts.indexes if i.name == "alerts_kind")):
        with engine.begin() as conn:
            index.create(conn, checkfirst=True)


def analyse(store: Any, now: int, limits: Limits | None = None, *,
            revoked: Mapping[str, int] | None = None) -> list[RuleResult]:
    """Run every rule over ``store`` (a ``SyncStore``) and store the alerts not raised before.

    ``revoked`` (permit number -> revoked_at), HQ's revocations, adds crossings after revocation.
    """
    rules = (*RULES, revoked_crossed(revoked)) if revoked else RULES
    results = []
    ensure_indexes(store.engine)
    with store.engine.begin() as conn:
        found = run_rules(conn, now, limits, rules)
        kinds = sorted({c.kind for candidates in found.values() for c in candidates})
        query = select(alerts.c.kind, alerts.c.booth_id, alerts.c.seq, alerts.c.detail).where(alerts.c.kind.in_(kinds))
        existing = {(r.kind, r.booth_id, r.seq, r.detail.split(": ", 1)[0]) for r in conn.execute(query)}
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
    rejected scans, overrides; people inside at ``end``; each booth's last sync."""

    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    query = (select(records.c.checkpoint,
                    count(and_(_CROSSING, records.c.direction == "entry")).label("entries"),
                    count(and_(_CROSSING, records.c.direction == "exit")).label("exits"),
                    count(and_(records.c.kind == "scan", records.c.verdict == "rejected")).label("rejections"),
                    count(records.c.kind == "override").label("overrides"))
             .where(records.c.at >= start, records.c.at < end).group_by(records.c.checkpoint))  # fmt: skip
    with store.engine.connect() as conn:
        counts = {r.checkpoint: r for r in conn.execute(query)}
        inside: dict[str, int] = defaultdict(int)
        for row in _inside(conn, before=end):
            inside[row.checkpoint] += 1
        booth_rows = conn.execute(select(booths.c.booth_id, booths.c.checkpoint, booths.c.last_seen,
                                         booths.c.acked_seq).order_by(booths.c.booth_id)).all()  # fmt: skip
    per_booth: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for b in booth_rows:
        per_booth[b.checkpoint].append({"booth_id": b.booth_id, "last_sync": b.last_seen, "acked_seq": b.acked_seq})
    out = []
    for checkpoint in sorted(set(counts) | set(inside) | set(per_booth)):
        row = counts.get(checkpoint)
        tally = {k: int(getattr(row, k) or 0) if row else 0 for k in ("entries", "exits", "rejections", "overrides")}
        out.append({"checkpoint": checkpoint, **tally, "inside": inside.get(checkpoint, 0),
                    "booths": per_booth.get(checkpoint, [])})  # fmt: skip
    return out
