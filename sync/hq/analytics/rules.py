"""The integrity rules over all the records HQ holds: the reference ``analyse`` must agree with.

Each rule is ``rule(conn, now, limits) -> list[Candidate]``: portable SQL and a little Python over
every record, storing nothing. The thresholds are ``Limits``; what each rule looks for is told in
``sync.hq.analytics``. The candidate makers (``pair_double_entry``, ``pair_travel``, ...) are
shared with the incremental run, so both word an alert the same way.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from sync.hq.analytics import derived_state
from sync.hq.analytics.derived_state import (
    BY_OFFICER,
    CROSSING,
    DAY,
    HOUR,
    IS_MANUAL,
    IS_ODD_HOUR,
    IS_OVERRIDE,
    IS_SCAN,
    ODD_HOURS,
    Crossing,
    OfficerStats,
    PermitState,
    chunks,
)
from sync.hq.schema import (
    booth_moves,
    booths,
    records,
)
from sync.protocol.times import iso

MAX_EVIDENCE = 20


@dataclass(frozen=True)
class Limits:
    min_travel: int = HOUR
    silent_after: int = 6 * HOUR
    max_skew: int = 15 * 60
    min_scans: int = 20
    min_events: int = 3
    min_peers: int = 2
    max_backwards: int = 5 * 60  # a booth's record stamped this much before the one before it


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
    query = select(*derived_state.CROSSING_COLUMNS).where(CROSSING, records.c.permit_no.in_(chosen.scalar_subquery()))
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in conn.execute(query):
        grouped[row.permit_no].append(row)
    return {permit: derived_state.in_order(rows) for permit, rows in sorted(grouped.items())}


def pair_double_entry(before: Crossing, after: Crossing) -> Candidate | None:
    if not (before.direction == after.direction == "entry" and before.booth_id != after.booth_id):
        return None
    return Candidate(
        "double_entry",
        after.booth_id,
        after.seq,
        f"permit {after.permit_no}",
        f"entered at {after.checkpoint} ({after.booth_id}) {iso(after.at)} while inside since "
        f"{iso(before.at)} at {before.checkpoint} ({before.booth_id}), no exit between: cloned or "
        "shared permit",
        ((before.booth_id, before.seq), (after.booth_id, after.seq)),
    )


def pair_travel(before: Crossing, after: Crossing, limits: Limits) -> Candidate | None:
    apart = after.at - before.at
    if before.checkpoint == after.checkpoint or apart >= limits.min_travel:
        return None
    return Candidate(
        "impossible_travel",
        after.booth_id,
        after.seq,
        f"permit {after.permit_no}",
        f"{before.direction} at {before.checkpoint} {iso(before.at)} then {after.direction} at "
        f"{after.checkpoint} {apart // 60} min later (minimum travel {limits.min_travel // 60} min)",
        ((before.booth_id, before.seq), (after.booth_id, after.seq)),
    )


def double_entry(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    return [
        c
        for rows in _crossings(conn, func.count(records.c.booth_id.distinct()) > 1).values()
        for b, a in zip(rows, rows[1:], strict=False)
        if (c := pair_double_entry(b, a))
    ]


def impossible_travel(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    return [
        c
        for rows in _crossings(conn, func.count(records.c.checkpoint.distinct()) > 1).values()
        for b, a in zip(rows, rows[1:], strict=False)
        if (c := pair_travel(b, a, limits))
    ]


def state_overstay(state: PermitState, now: int) -> Candidate | None:
    if state.due_at is None or state.due_at >= now:
        return None
    days = (now - state.at) / DAY
    return Candidate(
        "overstay",
        state.booth_id,
        state.seq,
        f"permit {state.permit_no}",
        f"entered at {state.checkpoint} {iso(state.at)}, no exit since: {days:.1f} days, stay allows {state.stay_days}",
        ((state.booth_id, state.seq),),
    )


def overstay(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    return [c for state in derived_state.inside_entries(conn) if (c := state_overstay(state, now))]


def _flagged(reason: str, kind: str, row: Any) -> Candidate:
    return Candidate(
        kind,
        row.booth_id,
        row.seq,
        f"permit {row.permit_no or '(unread)'}",
        f"{reason} permit presented at {row.checkpoint} ({row.booth_id}) {iso(row.at)}, officer {row.officer}",
        ((row.booth_id, row.seq),),
    )


def _flagged_reason(reason: str, kind: str) -> Callable[..., list[Candidate]]:
    def rule(conn: Connection, now: int, limits: Limits, where: ColumnElement[bool] | None = None) -> list[Candidate]:
        padded = literal(" ") + records.c.reasons + literal(" ")
        query = (
            select(
                records.c.booth_id,
                records.c.seq,
                records.c.checkpoint,
                records.c.at,
                records.c.permit_no,
                records.c.officer,
            )
            .where(IS_SCAN, records.c.reasons.is_not(None), padded.like(f"% {reason} %"))
            .order_by(records.c.booth_id, records.c.seq)
        )
        if where is not None:
            query = query.where(where)
        return [_flagged(reason, kind, r) for r in conn.execute(query)]

    rule.__name__ = kind
    return rule


revoked_seen = _flagged_reason("revoked", "revoked_seen")
watchlist_seen = _flagged_reason("watchlist", "watchlist_seen")


def after_revocation(row: Any, revoked_at: int) -> Candidate | None:
    if row.at < revoked_at:
        return None
    return Candidate(
        "revoked_seen",
        row.booth_id,
        row.seq,
        f"permit {row.permit_no}",
        f"crossed at {row.checkpoint} ({row.booth_id}) {iso(row.at)} after HQ revoked it "
        f"{iso(revoked_at)} (booth on bundle {row.bundle_version})",
        ((row.booth_id, row.seq),),
    )


REVOKED_COLUMNS = (
    records.c.booth_id,
    records.c.seq,
    records.c.checkpoint,
    records.c.at,
    records.c.permit_no,
    records.c.bundle_version,
)


def revoked_crossings(conn: Connection, revoked: Mapping[str, int]) -> list[Candidate]:
    found = []
    for part in chunks(sorted(revoked)):
        query = (
            select(*REVOKED_COLUMNS)
            .where(CROSSING, records.c.permit_no.in_(part))
            .order_by(records.c.booth_id, records.c.seq)
        )
        found.extend(c for r in conn.execute(query) if (c := after_revocation(r, revoked[r.permit_no])))
    return found


def revoked_crossed(revoked: Mapping[str, int]) -> Rule:
    """Crossings of permits HQ revoked (permit number -> revoked_at), made after the revocation."""

    def rule(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
        return revoked_crossings(conn, revoked)

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
    Outlier(
        "odd_hours",
        f"scans between {ODD_HOURS[0]:02d}:00 and {ODD_HOURS[1]:02d}:00 local time",
        IS_ODD_HOUR,
        "odd_hours",
    ),
)


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


def flag_officers(
    outlier: Outlier, per_checkpoint: Mapping[str, Mapping[str, tuple[int, int]]], limits: Limits
) -> list[tuple[str, str, Candidate]]:
    """(checkpoint, officer, candidate without evidence) for each officer standing out."""
    found = []
    for checkpoint, officers in sorted(per_checkpoint.items()):
        for officer, (scans, events) in sorted(officers.items()):
            bar = peer_bar(officer, officers, limits)
            if flagged(scans, events, bar, limits):
                found.append(
                    (
                        checkpoint,
                        officer,
                        Candidate(
                            outlier.kind,
                            None,
                            None,
                            f"officer {officer} at {checkpoint}",
                            f"{outlier.what}: {events} of {scans} scans ({events / scans:.0%}); peers' median "
                            f"{bar.median:.0%} over {bar.peers} officers, flagged above {bar.bar:.0%}",
                        ),
                    )
                )
    return found


def officer_evidence(conn: Connection, checkpoint: str, officer: str, event: Any) -> tuple[tuple[str, int], ...]:
    query = select(records.c.booth_id, records.c.seq, records.c.at).where(
        records.c.checkpoint == checkpoint, records.c.officer == officer, event
    )
    return tuple((r.booth_id, r.seq) for r in sorted(conn.execute(query), key=lambda r: (r.at, r.booth_id, r.seq)))


def _outliers(outlier: Outlier) -> Rule:
    """Officers whose rate of ``outlier.event`` records per scan stands out from their checkpoint's peers."""

    def rule(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
        query = (
            select(
                records.c.checkpoint,
                records.c.officer,
                func.sum(case((IS_SCAN, 1), else_=0)).label("scans"),
                func.sum(case((outlier.event, 1), else_=0)).label("events"),
            )
            .where(BY_OFFICER)
            .group_by(records.c.checkpoint, records.c.officer)
        )
        per_checkpoint: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
        for r in conn.execute(query):
            per_checkpoint[r.checkpoint][r.officer] = (int(r.scans or 0), int(r.events or 0))
        return [
            replace(c, evidence=officer_evidence(conn, cp, officer, outlier.event))
            for cp, officer, c in flag_officers(outlier, per_checkpoint, limits)
        ]

    rule.__name__ = outlier.kind
    return rule


override_outlier, manual_entry_outlier, odd_hours = (_outliers(o) for o in OUTLIERS)


def counted(stats: Iterable[OfficerStats], counter: str) -> dict[str, dict[str, tuple[int, int]]]:
    per_checkpoint: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for s in stats:
        per_checkpoint[s.checkpoint][s.officer] = (s.scans, getattr(s, counter))
    return per_checkpoint


# -- booths


def silent_booth(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    heard = func.coalesce(booths.c.last_seen, booths.c.enrolled_at)
    query = (
        select(booths.c.booth_id, booths.c.checkpoint, booths.c.acked_seq, heard.label("heard"))
        .where(booths.c.public_key.is_not(None), booths.c.revoked.is_(False), heard < now - limits.silent_after)
        .order_by(booths.c.booth_id)
    )
    return [
        Candidate(
            "silent_booth",
            r.booth_id,
            r.acked_seq,
            f"booth {r.booth_id}",
            f"at {r.checkpoint}, not heard from since {iso(r.heard)} ({(now - r.heard) / HOUR:.1f} h; "
            f"expected within {limits.silent_after / HOUR:g} h); HQ holds records up to {r.acked_seq}",
            ((r.booth_id, r.acked_seq),) if r.acked_seq else (),
        )
        for r in conn.execute(query)
    ]


def skewed(conn: Connection, limits: Limits, where: ColumnElement[bool] | None = None) -> dict[tuple[str, str], list]:
    """Records stamped more than max_skew after HQ received them, per (booth, boot), by seq."""
    query = select(records.c.booth_id, records.c.boot_id, records.c.seq, records.c.at, records.c.received_at).where(
        records.c.at > records.c.received_at + limits.max_skew
    )
    if where is not None:
        query = query.where(where)
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in sorted(conn.execute(query), key=lambda r: (r.booth_id, r.boot_id, r.seq)):
        groups[(r.booth_id, r.boot_id)].append(r)
    return groups


def skew_candidate(booth_id: str, boot_id: str, rows: list[Any], limits: Limits) -> Candidate:
    first, worst = rows[0], max(r.at - r.received_at for r in rows)
    return Candidate(
        "clock_skew",
        booth_id,
        first.seq,
        f"booth {booth_id} boot {boot_id}",
        f"{len(rows)} record(s) stamped ahead of their arrival at HQ, by up to {worst / 60:.0f} min "
        f"(tolerance {limits.max_skew / 60:g} min): the booth clock runs fast",
        tuple((booth_id, r.seq) for r in rows),
    )


def clock_skew(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
    return [
        skew_candidate(booth_id, boot_id, rows, limits) for (booth_id, boot_id), rows in skewed(conn, limits).items()
    ]


def _backwards(r: Any, limits: Limits) -> Candidate:
    restart = " (across a restart)" if r.boot_id != r.prev_boot else ""
    return Candidate(
        "clock_backwards",
        r.booth_id,
        r.seq,
        f"booth {r.booth_id}",
        f"record {r.seq} at {r.checkpoint} is stamped {iso(r.at)}, {(r.prev_at - r.at) // 60} min before "
        f"record {r.seq - 1} ({iso(r.prev_at)}){restart}: the booth clock was set back "
        f"(tolerance {limits.max_backwards // 60} min)",
        ((r.booth_id, r.seq - 1), (r.booth_id, r.seq)),
    )


def clock_backwards(
    conn: Connection, now: int, limits: Limits, where: ColumnElement[bool] | None = None
) -> list[Candidate]:
    """Records stamped more than ``max_backwards`` before the record before them in the booth's chain."""
    prev = records.alias("prev")
    query = (
        select(
            records.c.booth_id,
            records.c.seq,
            records.c.at,
            records.c.boot_id,
            records.c.checkpoint,
            prev.c.at.label("prev_at"),
            prev.c.boot_id.label("prev_boot"),
        )
        .join(prev, and_(prev.c.booth_id == records.c.booth_id, prev.c.seq == records.c.seq - 1))
        .where(prev.c.at - records.c.at > limits.max_backwards)
        .order_by(records.c.booth_id, records.c.seq)
    )
    if where is not None:
        query = query.where(where)
    return [_backwards(r, limits) for r in conn.execute(query)]


# The reasons whose scans only two supervisors may let through (booth.service.TWO_SUPERVISORS).
UNTRUSTED_REASONS = ("unreadable", "bad_format", "bad_signature", "unknown_issuer", "issuer_revoked")


def _any_reason(column: Any, reasons: tuple[str, ...]) -> ColumnElement[bool]:
    padded = literal(" ") + column + literal(" ")
    return and_(column.is_not(None), or_(*(padded.like(f"% {r} %") for r in reasons)))


def _override_alert(kind: str, reasons: tuple[str, ...], what: str) -> Callable[..., list[Candidate]]:
    """Every override of a scan refused for one of ``reasons`` (the override's own copy of them, or
    the scan it names): one alert each, whoever signed it."""

    def rule(conn: Connection, now: int, limits: Limits, where: ColumnElement[bool] | None = None) -> list[Candidate]:
        scan = records.alias("scan")
        query = (
            select(
                records.c.booth_id,
                records.c.seq,
                records.c.checkpoint,
                records.c.at,
                records.c.permit_no,
                records.c.officer,
                records.c.supervisor,
                records.c.reasons,
                records.c.ref_seq,
                scan.c.reasons.label("scan_reasons"),
            )
            .outerjoin(scan, and_(scan.c.booth_id == records.c.booth_id, scan.c.seq == records.c.ref_seq))
            .where(IS_OVERRIDE, or_(_any_reason(records.c.reasons, reasons), _any_reason(scan.c.reasons, reasons)))
            .order_by(records.c.booth_id, records.c.seq)
        )
        if where is not None:
            query = query.where(where)
        out = []
        for r in conn.execute(query):
            said = set(f"{r.reasons or ''} {r.scan_reasons or ''}".split())
            refused = " ".join(x for x in reasons if x in said)
            out.append(
                Candidate(
                    kind,
                    r.booth_id,
                    r.seq,
                    f"permit {r.permit_no or '(unread)'}",
                    f"{what}: scan {r.ref_seq} refused as {refused} let through at {r.checkpoint} ({r.booth_id}) "
                    f"{iso(r.at)} by {r.supervisor or '(no supervisor)'}, officer {r.officer}",
                    tuple((r.booth_id, s) for s in (r.ref_seq, r.seq) if s is not None),
                )
            )
        return out

    rule.__name__ = kind
    return rule


untrusted_override = _override_alert(
    "untrusted_override", UNTRUSTED_REASONS, "a permit the booth could not trust, let through by two supervisors"
)
expired_trust_override = _override_alert(
    "expired_trust_override", ("trust_expired",), "let through while the booth's trust bundle had expired"
)
# The booth lacked the watchlist key, so it could not tell whether the holder is watched: HQ can.
unchecked_watchlist_override = _override_alert(
    "unchecked_watchlist_override",
    ("watchlist_unreadable",),
    "let through while the booth could not check the watchlist",
)


@dataclass(frozen=True)
class BoothPlaces:
    """Where HQ put each booth: its checkpoint now, and its moves (from_version, previous, checkpoint) in order."""

    current: dict[str, str]
    moves: dict[str, list[tuple[int, str, str]]]

    def expected(self, booth_id: str, version: int) -> set[str]:
        """The checkpoints a record made under bundle ``version`` may carry: the one that bundle
        listed, and a move's new one a version early (a bundle built while the move was recorded)."""
        moves = self.moves.get(booth_id)
        if not moves:
            return {self.current.get(booth_id, "")}
        chosen, early = moves[0][1], set()
        for from_version, _, checkpoint in moves:
            if from_version <= version:
                chosen = checkpoint
            elif from_version == version + 1:
                early.add(checkpoint)
        return {chosen} | early


def booth_places(conn: Connection) -> BoothPlaces:
    moves: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    query = select(booth_moves.c.booth_id, booth_moves.c.from_version, booth_moves.c.previous, booth_moves.c.checkpoint)
    for r in conn.execute(query.order_by(booth_moves.c.id)):
        moves[r.booth_id].append((r.from_version, r.previous, r.checkpoint))
    return BoothPlaces(dict(conn.execute(select(booths.c.booth_id, booths.c.checkpoint)).all()), dict(moves))


def checkpoint_mismatch(
    conn: Connection, now: int, limits: Limits, where: ColumnElement[bool] | None = None
) -> list[Candidate]:
    """Records made under a bundle (``bundle_version``) naming another checkpoint than that bundle
    gave their booth. Records without a bundle version (overrides, most audit records) are not judged."""
    places = booth_places(conn)
    suspects = [records.c.checkpoint != booths.c.checkpoint] + [
        and_(records.c.booth_id == b, records.c.bundle_version < moves[-1][0]) for b, moves in places.moves.items()
    ]
    query = (
        select(
            records.c.booth_id,
            records.c.seq,
            records.c.kind,
            records.c.checkpoint,
            records.c.at,
            records.c.bundle_version,
        )
        .join(booths, booths.c.booth_id == records.c.booth_id)
        .where(records.c.bundle_version.is_not(None), or_(*suspects))
        .order_by(records.c.booth_id, records.c.seq)
    )
    if where is not None:
        query = query.where(where)
    out = []
    for r in conn.execute(query):
        expected = places.expected(r.booth_id, r.bundle_version)
        if r.checkpoint not in expected:
            out.append(
                Candidate(
                    "checkpoint_mismatch",
                    r.booth_id,
                    r.seq,
                    f"booth {r.booth_id}",
                    f"{r.kind} record stamped {iso(r.at)} names checkpoint {r.checkpoint}, but bundle "
                    f"{r.bundle_version} put the booth at {' or '.join(sorted(expected))}",
                    ((r.booth_id, r.seq),),
                )
            )
    return out


def entries_after_the_first(crossings: list[Crossing]) -> list[Candidate]:
    """A single-entry permit's entries after its first (crossings of one permit, in time order)."""
    entries = [c for c in crossings if c.direction == "entry"]
    return [
        Candidate(
            "single_entry_reused",
            e.booth_id,
            e.seq,
            f"permit {e.permit_no}",
            f"single-entry permit entered again at {e.checkpoint} ({e.booth_id}) {iso(e.at)}; it was used "
            f"for an entry at {entries[0].checkpoint} ({entries[0].booth_id}) {iso(entries[0].at)}",
            ((entries[0].booth_id, entries[0].seq), (e.booth_id, e.seq)),
        )
        for e in entries[1:]
    ]


def single_reuses(conn: Connection, permits: Iterable[str]) -> list[Candidate]:
    history = derived_state.histories(conn, sorted(permits))
    return [c for permit in sorted(history) for c in entries_after_the_first(history[permit])]


def single_entry_reused(single: Iterable[str]) -> Rule:
    """Entries after the first of HQ's single-entry permits (the permit numbers in ``single``)."""
    permits = frozenset(single)

    def rule(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
        return single_reuses(conn, permits)

    rule.__name__ = "single_entry_reused"
    return rule


@dataclass(frozen=True)
class Issued:
    """HQ's permit register, as ``unregistered_permit`` asks it: the key ids (hex) of HQ's own
    issuing offices, and which of some signature hashes (of printed copies) it registered."""

    kids: frozenset[str]
    registered: Callable[[set[str]], set[str]]


# A scan refused for these did not show a permit signed by the key it names.
_NOT_SIGNED = frozenset(("bad_signature", "unknown_issuer", "unreadable", "bad_format"))


def unregistered_scans(conn: Connection, issued: Issued, where: ColumnElement[bool] | None = None) -> list[Candidate]:
    """Scans of a permit signed by one of HQ's own office keys that no office registered: a stolen
    key, or an office issuing behind HQ's back. One alert per printed copy (its signature hash)."""
    if not issued.kids:
        return []
    r = records.c
    query = select(r.booth_id, r.seq, r.at, r.checkpoint, r.permit_no, r.kid, r.signature_sha256, r.reasons).where(
        r.kind == "scan", r.kid.in_(sorted(issued.kids)), r.signature_sha256.is_not(None)
    )
    if where is not None:
        query = query.where(where)
    rows = [
        row
        for row in conn.execute(query.order_by(r.at, r.booth_id, r.seq))
        if not _NOT_SIGNED & set((row.reasons or "").split())
    ]
    seen: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        seen[row.signature_sha256].append(row)
    known = issued.registered(set(seen))
    return [_unregistered(sig, scans) for sig, scans in seen.items() if sig not in known]


def _unregistered(signature: str, scans: list[Any]) -> Candidate:
    first = scans[0]
    return Candidate(
        "unregistered_permit",
        None,
        None,
        f"permit copy {signature[:16]}",  # the copy alone: a forger may put any number on it
        f"permit {first.permit_no}, signed by our office key {first.kid}, "
        f"scanned at {first.checkpoint} ({first.booth_id}) {iso(first.at)}, "
        "but no office registered it: a stolen key or an office issuing behind HQ's back",
        tuple((s.booth_id, s.seq) for s in scans),
    )


def unregistered_permit(issued: Issued) -> Rule:
    """Scans of permits under HQ's own office keys that HQ's register does not hold."""

    def rule(conn: Connection, now: int, limits: Limits) -> list[Candidate]:
        return unregistered_scans(conn, issued)

    rule.__name__ = "unregistered_permit"
    return rule


# Rules that judge each record on its own (given ``where``, a part of the records): the
# incremental analysis runs them over the records stored since its last run only.
PER_RECORD_RULES = (
    revoked_seen,
    watchlist_seen,
    clock_backwards,
    untrusted_override,
    expired_trust_override,
    unchecked_watchlist_override,
    checkpoint_mismatch,
)
RULES: tuple[Rule, ...] = (
    double_entry,
    impossible_travel,
    overstay,
    override_outlier,
    manual_entry_outlier,
    odd_hours,
    silent_booth,
    clock_skew,
    *PER_RECORD_RULES,
)
RULE_NAMES = tuple(r.__name__ for r in RULES)


def run_rules(
    conn: Connection, now: int, limits: Limits | None = None, rules: Iterable[Rule] = RULES
) -> dict[str, list[Candidate]]:
    """Every rule's candidates over all the records, by rule name; nothing is stored (the reference)."""
    limits = limits or Limits()
    return {rule.__name__: rule(conn, now, limits) for rule in rules}
