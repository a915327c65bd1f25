"""Incremental analytics on SQLite and PostgreSQL: after every sync, ``analyse`` (incremental) stores
exactly the alerts that the reference rules (``run_rules``, over all the records) would have made
it store, and its derived state equals one rebuilt from scratch.

The model of what ``analyse`` must store: at each run, every reference candidate whose key was
not stored before is stored with that run's detail and time. Records go straight into the
``records`` table, one transaction per sync, as ``SyncStore.accept_batch`` stores a batch.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update

from sync.hq.analytics import checkpoint_report, derived_state, incremental
from sync.hq.analytics import rules as hq_rules
from sync.hq.analytics.derived_state import DAY, HOUR
from sync.hq.analytics.rules import Issued, Limits
from sync.hq.schema import (
    alerts,
    analysis_revocations,
    analysis_single,
    analysis_watermarks,
    booths,
    clock_skew_seen,
    meta,
    officer_stats,
    permit_state,
    records,
)
from sync.hq.store import SyncStore
from sync.protocol import keys
from sync.protocol.keys import generate
from sync.protocol.records import FIELDS

T0 = 1_790_000_000 - (1_790_000_000 % DAY) + 3 * HOUR
BOOTHS = {"PHD-01": "KH-PHD", "PHD-02": "KH-PHD", "STB-01": "KH-STB", "OSM-01": "KH-OSM"}
OURS, REGISTERED = "aa" * 8, "s1" * 32  # one of HQ's office keys; the one printed copy HQ registered
ISSUED = Issued(frozenset({OURS}), lambda signatures: signatures & {REGISTERED})
LIMITS = Limits(min_scans=3, min_events=2, min_peers=1)  # small numbers, so small data trips every rule
DERIVED = (permit_state, officer_stats, analysis_watermarks, clock_skew_seen, analysis_revocations, analysis_single)


@dataclass(frozen=True)
class Rec:
    """A record to sync: everything but its seq."""

    booth_id: str
    at: int
    kind: str = "scan"
    direction: str | None = "entry"
    permit_no: str | None = "KH-1"
    verdict: str | None = "valid"
    reasons: str | None = None
    officer: str | None = "A"
    channel: str | None = "camera"
    stay_days: int | None = 7
    boot_id: str = "boot-1"
    ahead: int = -60  # at - received_at: > 15 min is clock skew
    bundle_version: int | None = 3
    checkpoint: str | None = None  # the booth's own (BOOTHS) unless given
    kid: str | None = None  # the issuer key id the scan names (hex)
    signature: str | None = None  # the printed copy's signature hash


class World:
    """A store with the four booths enrolled, and the model of the alerts ``analyse`` must store."""

    def __init__(self, store: SyncStore) -> None:
        self.store = store
        self.seqs: dict[str, int] = defaultdict(int)
        self.expected: dict[tuple, tuple[str, int]] = {}  # alert key -> (detail, raised_at)
        for booth_id, checkpoint in BOOTHS.items():
            token = store.add_booth(booth_id, checkpoint, now=T0 - DAY)
            store.enrol(booth_id, token, keys.raw_public(generate()), now=T0 - DAY)

    def reset(self) -> None:
        """Back to no records, no alerts, no derived state (between hypothesis examples)."""
        with self.store.engine.begin() as conn:
            for table in (records, alerts, *DERIVED):
                conn.execute(delete(table))
            conn.execute(delete(meta).where(meta.c.key == "analysis"))
            conn.execute(update(booths).values(acked_seq=0, last_seen=T0 - DAY))
        self.seqs.clear()
        self.expected.clear()

    def sync(self, recs: list[Rec], heard: int) -> None:
        """Store ``recs`` (seqs following on per booth) in one transaction; the booths were heard at ``heard``."""
        rows = []
        for r in recs:
            self.seqs[r.booth_id] += 1
            seq = self.seqs[r.booth_id]
            rows.append(
                {f: None for f in FIELDS}
                | {
                    "seq": seq,
                    "kind": r.kind,
                    "at": r.at,
                    "mono_ns": seq,
                    "boot_id": r.boot_id,
                    "booth_id": r.booth_id,
                    "checkpoint": r.checkpoint or BOOTHS[r.booth_id],
                    "prev_hash": "00" * 32,
                    "hash": f"{seq:064x}",
                    "received_at": r.at - r.ahead,
                    "direction": r.direction,
                    "permit_no": r.permit_no,
                    "verdict": r.verdict,
                    "reasons": r.reasons,
                    "officer": r.officer,
                    "channel": r.channel,
                    "stay_days": r.stay_days,
                    "bundle_version": r.bundle_version,
                    "kid": r.kid,
                    "signature_sha256": r.signature,
                }
            )
        with self.store.engine.begin() as conn:
            if rows:
                conn.execute(insert(records), rows)
            conn.execute(update(booths).values(last_seen=heard))
            for booth_id, seq in self.seqs.items():
                conn.execute(update(booths).where(booths.c.booth_id == booth_id).values(acked_seq=seq))

    def analyse(
        self, now: int, revoked: dict[str, int] | None, single: set[str] | None = None, **options: bool
    ) -> list[hq_rules.RuleResult]:
        """Run ``analyse`` and the model side by side; the stored alerts must match the model."""
        with self.store.engine.begin() as conn:
            reference = hq_rules.run_rules(conn, now, LIMITS, reference_rules(revoked, single))
        for candidates in reference.values():
            for c in candidates:
                self.expected.setdefault(c.key, (c.detail, now))
        results = incremental.analyse(self.store, now, LIMITS, revoked=revoked, single=single, issued=ISSUED, **options)
        assert self.stored() == {k: v for k, v in self.expected.items()}
        return results

    def stored(self) -> dict[tuple, tuple[str, int]]:
        with self.store.engine.begin() as conn:
            rows = conn.execute(select(alerts)).all()
        out = {(r.kind, r.booth_id, r.seq, r.detail.split(": ", 1)[0]): (r.detail, r.raised_at) for r in rows}
        assert len(out) == len(rows), "an alert stored twice"
        return out

    def derived_state(self) -> dict[str, set[tuple]]:
        """The derived tables (overstay_due aside: it records what the rule judged), then the same
        rebuilt from the records in a transaction rolled back; returns the first after checking."""
        with self.store.engine.connect() as conn:
            conn.begin()
            kept = _tables(conn)
            derived_state.refresh(conn, full=True)
            rebuilt = _tables(conn)
            conn.rollback()
        assert kept == rebuilt
        return kept


def reference_rules(revoked: dict[str, int] | None, single: set[str] | None) -> tuple[hq_rules.Rule, ...]:
    extra = (hq_rules.revoked_crossed(revoked),) if revoked else ()
    extra += (hq_rules.unregistered_permit(ISSUED),)
    extra += (hq_rules.single_entry_reused(single),) if single else ()
    return (*hq_rules.RULES, *extra)


def _tables(conn) -> dict[str, set[tuple]]:
    columns = {
        "permit_state": [c for c in permit_state.c if c.name != "overstay_due"],
        "officer_stats": list(officer_stats.c),
        "analysis_watermarks": list(analysis_watermarks.c),
    }
    return {name: {tuple(r) for r in conn.execute(select(*cols))} for name, cols in columns.items()}


@pytest.fixture
def world(sync_db_url: str):
    store = SyncStore(sync_db_url)
    yield World(store)
    store.close()


# -- generated syncs


PERMITS = [f"KH-{i}" for i in range(1, 7)]
REASONS = [
    None,
    "expired",
    "revoked",
    "watchlist",
    "expired revoked",
    "already_inside",
    "bad_signature",
    "unknown_issuer issuer_revoked",
    "expired trust_expired",
]
recs = st.builds(
    Rec,
    booth_id=st.sampled_from(sorted(BOOTHS)),
    at=st.integers(0, 40).map(lambda k: T0 + k * 20 * 60),  # 20 min steps over 13 h: ties and quick travel
    kind=st.sampled_from(["scan", "scan", "scan", "override", "audit"]),
    direction=st.sampled_from(["entry", "exit", "entry", None]),
    permit_no=st.sampled_from([*PERMITS, None]),
    verdict=st.sampled_from(["valid", "valid", "rejected", None]),
    reasons=st.sampled_from(REASONS),
    officer=st.sampled_from(["A", "B", "C", None]),
    channel=st.sampled_from(["camera", "camera", "manual"]),
    stay_days=st.sampled_from([None, 0, 1, 7]),
    boot_id=st.sampled_from(["boot-1", "boot-2"]),
    ahead=st.sampled_from([-3600, -60, 10 * 60, 20 * 60]),
    bundle_version=st.sampled_from([3, 3, 4, 5, None]),
    checkpoint=st.sampled_from([None, None, None, "KH-STB", "KH-SRP"]),
    kid=st.sampled_from([None, OURS, OURS, "bb" * 8]),  # ours, or a partner office's
    signature=st.sampled_from([None, REGISTERED, "s2" * 32, "s3" * 32]),
)
revocations = st.none() | st.dictionaries(
    st.sampled_from(PERMITS), st.integers(0, 40).map(lambda k: T0 + k * 20 * 60), max_size=3
)
single = st.none() | st.sets(st.sampled_from(PERMITS), max_size=3)
steps = st.lists(
    st.tuples(st.lists(recs, max_size=12), st.integers(-2, 30).map(lambda h: T0 + h * 12 * HOUR), revocations, single),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(steps=steps)
def test_incremental_runs_store_what_the_reference_would(world: World, steps: list) -> None:
    world.reset()
    if not world.store.moves("OSM-01"):  # HQ moved OSM-01 to KH-SRP from bundle 5 on (kept between examples)
        world.store.move_booth("OSM-01", "KH-SRP", from_version=5, by="Chan Sophal", now=T0 - DAY)
    for batch, now, revoked, single_entry in steps:
        world.sync(batch, heard=now - 7 * HOUR)
        world.analyse(now, revoked, single_entry)
        world.derived_state()
    # a full rebuild at the end finds every alert already stored, with the reference's counts
    now, revoked, single_entry = steps[-1][1], steps[-1][2], steps[-1][3]
    before = world.stored()
    results = world.analyse(now, revoked, single_entry, full=True)
    assert world.stored() == before and sum(r.raised for r in results) == 0
    with world.store.engine.begin() as conn:
        reference = hq_rules.run_rules(conn, now, LIMITS, reference_rules(revoked, single_entry))
    assert {r.rule: r.found for r in results} == {name: len(c) for name, c in reference.items()}


# -- constructed cases


def test_a_late_record_splits_a_pair(world: World) -> None:
    world.sync([Rec("PHD-01", T0), Rec("STB-01", T0 + 3 * HOUR)], heard=T0 + 4 * HOUR)
    first = world.analyse(T0 + 4 * HOUR, None)
    assert [(r.rule, r.found, r.raised) for r in first if r.found] == [("double_entry", 1, 1)]
    # an offline booth brings the exit between them; then a quick entry elsewhere after the last
    world.sync([Rec("OSM-01", T0 + 30 * 60, direction="exit")], heard=T0 + 5 * HOUR)
    world.analyse(T0 + 5 * HOUR, None)
    world.sync([Rec("PHD-02", T0 + 3 * HOUR + 600)], heard=T0 + 6 * HOUR)
    world.analyse(T0 + 6 * HOUR, None)
    assert {(k[0], k[1], k[2]) for k in world.stored()} == {
        ("double_entry", "STB-01", 1),
        ("impossible_travel", "OSM-01", 1),
        ("double_entry", "PHD-02", 1),
        ("impossible_travel", "PHD-02", 1),
    }
    assert world.derived_state()["permit_state"] == {
        ("KH-1", T0 + 3 * HOUR + 600, "PHD-02", 1, "KH-PHD", "entry", 7, 1, True, T0 + 3 * HOUR + 600 + 7 * DAY)
    }


def test_ties_in_time(world: World) -> None:
    world.sync(
        [
            Rec("PHD-01", T0, permit_no="KH-2"),
            Rec("STB-01", T0, permit_no="KH-2", direction="exit"),
            Rec("PHD-02", T0, permit_no="KH-3"),
            Rec("PHD-01", T0, permit_no="KH-3"),
        ],
        heard=T0,
    )
    world.analyse(T0 + 10 * DAY, None)
    state = {row[0]: row for row in world.derived_state()["permit_state"]}
    assert state["KH-2"][7:9] == (2, False)  # an exit in the same second: not inside
    assert state["KH-3"][2:4] == ("PHD-01", 2) and state["KH-3"][7:9] == (2, True)  # the first by booth, seq
    assert [k[:3] for k in world.stored() if k[0] == "overstay"] == [("overstay", "PHD-01", 2)]
    world.sync([Rec("OSM-01", T0, permit_no="KH-3", direction="exit")], heard=T0)  # the tie, late, breaks it
    world.analyse(T0 + 11 * DAY, None)
    assert {row[0]: row for row in world.derived_state()["permit_state"]}["KH-3"][7:9] == (3, False)


def test_overstay_is_judged_once_per_entry_and_waits_for_its_time(world: World) -> None:
    world.sync([Rec("PHD-01", T0, stay_days=1)], heard=T0)
    world.analyse(T0 + HOUR, None)
    world.analyse(T0 - DAY, None)  # a run "in the past" judges nothing and forgets nothing
    assert world.analyse(T0 + 2 * DAY, None)[2] == hq_rules.RuleResult("overstay", 1, 1)
    assert world.analyse(T0 + 3 * DAY, None)[2] == hq_rules.RuleResult("overstay", 0, 0)
    world.sync([Rec("PHD-01", T0 + 4 * DAY, direction="exit"), Rec("STB-01", T0 + 5 * DAY, stay_days=1)], heard=T0)
    assert world.analyse(T0 + 7 * DAY, None)[2] == hq_rules.RuleResult("overstay", 1, 1)


def test_revocations_given_later_check_old_crossings(world: World) -> None:
    world.sync(
        [Rec("PHD-01", T0, permit_no="KH-5"), Rec("PHD-01", T0 + DAY, permit_no="KH-5", direction="exit")], heard=T0
    )
    world.analyse(T0 + DAY, None)
    assert [r.raised for r in world.analyse(T0 + DAY, {"KH-5": T0 + HOUR}) if r.rule == "revoked_crossed"] == [1]
    world.sync([Rec("STB-01", T0 + 2 * DAY, permit_no="KH-5")], heard=T0)
    world.analyse(T0 + 2 * DAY, None)  # not given this time: forgotten, then all checked again
    assert [r.raised for r in world.analyse(T0 + 2 * DAY, {"KH-5": T0 + HOUR}) if r.rule == "revoked_crossed"] == [1]
    world.analyse(T0 + 2 * DAY, {"KH-5": T0 - HOUR})  # re-dated: the first entry now counts too
    assert len([k for k in world.stored() if k[0] == "revoked_seen"]) == 3


def test_clock_skew_once_per_boot(world: World) -> None:
    world.sync([Rec("PHD-01", T0, ahead=20 * 60)], heard=T0)
    world.analyse(T0, None)
    world.sync(
        [Rec("PHD-01", T0 + 600, ahead=30 * 60), Rec("PHD-01", T0 + 900, ahead=30 * 60, boot_id="boot-2")], heard=T0
    )
    world.analyse(T0 + HOUR, None)
    assert sorted(k[1:3] for k in world.stored() if k[0] == "clock_skew") == [("PHD-01", 1), ("PHD-01", 3)]


def test_changed_limits_rebuild(world: World) -> None:
    world.sync([Rec("PHD-01", T0, direction="exit"), Rec("STB-01", T0 + 90 * 60)], heard=T0)
    assert incremental.analyse(world.store, T0 + HOUR, LIMITS)[1].found == 0
    results = incremental.analyse(world.store, T0 + HOUR, replace(LIMITS, min_travel=2 * HOUR))
    assert results[1] == hq_rules.RuleResult("impossible_travel", 1, 1)
    with world.store.engine.begin() as conn:
        run = incremental.last_run(conn)
    assert run is not None and run.full and run.limits["min_travel"] == 2 * HOUR


def test_full_rebuild_repairs_damaged_state(world: World) -> None:
    world.sync([Rec("PHD-01", T0, officer="A"), Rec("PHD-01", T0 + 60, officer="B", permit_no="KH-2")], heard=T0)
    world.analyse(T0, None)
    with world.store.engine.begin() as conn:
        conn.execute(update(officer_stats).values(scans=999))
        conn.execute(delete(permit_state))
    incremental.analyse(world.store, T0, LIMITS, full=True)
    world.derived_state()
    with world.store.engine.begin() as conn:
        assert sorted(conn.execute(select(officer_stats.c.officer, officer_stats.c.scans))) == [("A", 1), ("B", 1)]


def test_report_is_exact_between_analyses(world: World) -> None:
    world.sync([Rec("PHD-01", T0, permit_no="KH-1"), Rec("STB-01", T0, permit_no="KH-2")], heard=T0)
    world.analyse(T0 + HOUR, None)
    world.sync(
        [
            Rec("STB-01", T0 + 2 * HOUR, permit_no="KH-1", direction="exit"),
            Rec("OSM-01", T0 + 3 * HOUR, permit_no="KH-3"),
        ],
        heard=T0,
    )  # not analysed yet
    inside = {r["checkpoint"]: r["inside"] for r in checkpoint_report.report(world.store, T0 - DAY, T0 + DAY)}
    assert inside == {"KH-PHD": 0, "KH-STB": 1, "KH-OSM": 1}
    earlier = {r["checkpoint"]: r["inside"] for r in checkpoint_report.report(world.store, T0 - DAY, T0 + HOUR)}
    assert earlier == {"KH-PHD": 1, "KH-STB": 1, "KH-OSM": 0}  # at its end, KH-1 had not left yet
    with world.store.engine.begin() as conn:
        assert derived_state.inside_counts(conn) == {"KH-PHD": 1, "KH-STB": 1}  # the derived state alone: as analysed


def test_concurrent_runs_count_each_record_once(world: World) -> None:
    world.sync([Rec("PHD-01", T0 + i * 60, permit_no=f"KH-{i}", officer="A") for i in range(50)], heard=T0)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            incremental.analyse(world.store, T0 + HOUR, LIMITS)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    state = world.derived_state()
    assert {(r[1], r[2]) for r in state["officer_stats"]} == {("A", 50)}
