"""HQ integrity analytics on SQLite and PostgreSQL: each rule with records that must and must not trigger it.

Records go straight into the store's ``records`` table (the rules read the table, not the
chain, so hashes and signatures are placeholders here); booths are added and enrolled through
the store.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, update

from sync.hq.analytics import checkpoint_report, derived_state, incremental
from sync.hq.analytics import rules as hq_rules
from sync.hq.analytics.derived_state import DAY, HOUR
from sync.hq.analytics.rules import Limits
from sync.hq.cli import main as hq_main
from sync.hq.facade import HQ
from sync.hq.schema import booths, records
from sync.hq.store import SyncStore
from sync.protocol import keys
from sync.protocol.keys import generate
from sync.protocol.records import FIELDS

T0 = 1_790_000_000 - (1_790_000_000 % DAY) + 3 * HOUR  # 03:00 UTC = 10:00 at the border (UTC+7)
CHECKPOINTS = {"PHD-01": "KH-PHD", "PHD-02": "KH-PHD", "STB-01": "KH-STB"}


class Records:
    """Builds rows of ``records`` for booths PHD-01, PHD-02 (KH-PHD) and STB-01 (KH-STB)."""

    def __init__(self, store: SyncStore) -> None:
        self.store = store
        self.seqs: dict[str, int] = defaultdict(int)
        for booth_id, checkpoint in CHECKPOINTS.items():
            token = store.add_booth(booth_id, checkpoint, now=T0 - DAY)
            store.enrol(booth_id, token, keys.raw_public(generate()), now=T0 - DAY)

    def add(
        self, booth_id: str, at: int, *, kind: str = "scan", received_at: int | None = None, **values: object
    ) -> tuple[str, int]:
        self.seqs[booth_id] += 1
        seq = self.seqs[booth_id]
        row = (
            {f: None for f in FIELDS}
            | {
                "seq": seq,
                "kind": kind,
                "at": at,
                "mono_ns": seq,
                "boot_id": "boot-1",
                "booth_id": booth_id,
                "checkpoint": CHECKPOINTS[booth_id],
                "prev_hash": "00" * 32,
                "hash": f"{seq:064x}",
                "received_at": received_at if received_at is not None else at + 60,
            }
            | values
        )
        with self.store.engine.begin() as conn:
            conn.execute(insert(records).values(**row))
            conn.execute(update(booths).where(booths.c.booth_id == booth_id).values(acked_seq=seq))
        return booth_id, seq

    def scan(
        self,
        booth_id: str,
        at: int,
        direction: str = "entry",
        *,
        permit: str = "KH-1",
        verdict: str = "valid",
        officer: str = "Sok Dara",
        **values: object,
    ) -> tuple[str, int]:
        return self.add(
            booth_id,
            at,
            direction=direction,
            permit_no=permit,
            verdict=verdict,
            officer=officer,
            channel=values.pop("channel", "camera"),
            stay_days=values.pop("stay_days", 7),
            **values,
        )

    def override(
        self,
        booth_id: str,
        at: int,
        direction: str = "entry",
        *,
        permit: str = "KH-1",
        officer: str = "Sok Dara",
        reasons: str = "expired",
    ) -> tuple[str, int]:
        """A rejected scan and the supervisor's override of it; returns the override."""
        _, seq = self.scan(booth_id, at, direction, permit=permit, verdict="rejected", officer=officer, reasons=reasons)
        return self.add(
            booth_id,
            at + 30,
            kind="override",
            officer=officer,
            supervisor="Chan Sophal",
            ref_seq=seq,
            direction=direction,
            permit_no=permit,
            reasons=reasons,
            note="known to the officer",
        )

    def last_seen(self, booth_id: str, at: int) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(update(booths).where(booths.c.booth_id == booth_id).values(last_seen=at))


@pytest.fixture
def store(sync_db_url: str):
    store = SyncStore(sync_db_url)
    yield store
    store.close()


@pytest.fixture
def recs(store: SyncStore) -> Records:
    built = Records(store)
    for booth_id in CHECKPOINTS:
        built.last_seen(booth_id, T0 + 30 * DAY)  # not silent, unless a test says so
    return built


def found(store: SyncStore, rule: hq_rules.Rule, now: int = T0 + DAY, **limits: int) -> list[hq_rules.Candidate]:
    with store.engine.connect() as conn:
        return rule(conn, now, Limits(**limits))


# -- permits


def test_double_entry(store: SyncStore, recs: Records) -> None:
    first = recs.scan("PHD-01", T0, "entry")
    second = recs.scan("STB-01", T0 + 5 * HOUR, "entry")
    [alert] = found(store, hq_rules.double_entry)
    assert (alert.kind, alert.booth_id, alert.seq, alert.subject) == ("double_entry", *second, "permit KH-1")
    assert alert.evidence == (first, second) and "PHD-01#1 STB-01#1" in alert.detail

    # an override lets the second entry through just the same; two booths of one checkpoint count too
    recs.scan("PHD-01", T0, "entry", permit="KH-2")
    recs.override("PHD-02", T0 + HOUR, "entry", permit="KH-2", reasons="already_inside")
    assert {a.subject for a in found(store, hq_rules.double_entry)} == {"permit KH-1", "permit KH-2"}


def test_no_double_entry(store: SyncStore, recs: Records) -> None:
    recs.scan("PHD-01", T0, "entry")  # in, out, in elsewhere
    recs.scan("PHD-01", T0 + DAY, "exit")
    recs.scan("STB-01", T0 + 2 * DAY, "entry")
    recs.scan("PHD-01", T0, "entry", permit="KH-2")  # the second entry was rejected and not overridden
    recs.scan("STB-01", T0 + HOUR, "entry", permit="KH-2", verdict="rejected", reasons="already_inside")
    recs.scan("PHD-01", T0, "entry", permit="KH-3")  # one booth, and another permit at the other
    recs.scan("STB-01", T0 + HOUR, "entry", permit="KH-4")
    assert found(store, hq_rules.double_entry) == []


def test_impossible_travel(store: SyncStore, recs: Records) -> None:
    exit_ = recs.scan("PHD-01", T0, "exit")
    entry = recs.scan("STB-01", T0 + 20 * 60, "entry")
    [alert] = found(store, hq_rules.impossible_travel)
    assert (alert.booth_id, alert.seq, alert.evidence) == (*entry, (exit_, entry))
    assert "20 min later" in alert.detail
    assert found(store, hq_rules.impossible_travel, min_travel=15 * 60) == []  # the limit is configurable


def test_no_impossible_travel(store: SyncStore, recs: Records) -> None:
    recs.scan("PHD-01", T0, "exit")
    recs.scan("STB-01", T0 + HOUR + 1, "entry")  # just over an hour
    recs.scan("PHD-01", T0, "exit", permit="KH-2")  # two booths of the same checkpoint
    recs.scan("PHD-02", T0 + 60, "entry", permit="KH-2")
    recs.scan("PHD-01", T0, "exit", permit="KH-3")  # the quick one was rejected
    recs.scan("STB-01", T0 + 60, "entry", permit="KH-3", verdict="rejected", reasons="not_inside")
    assert found(store, hq_rules.impossible_travel) == []


def test_overstay(store: SyncStore, recs: Records) -> None:
    entry = recs.scan("PHD-01", T0, "entry", stay_days=7)
    recs.scan("PHD-01", T0 - 10 * DAY, "exit")  # an earlier visit's exit changes nothing
    [alert] = found(store, hq_rules.overstay, now=T0 + 8 * DAY)
    assert (alert.booth_id, alert.seq, alert.evidence) == (*entry, (entry,))
    assert "8.0 days, stay allows 7" in alert.detail
    assert found(store, hq_rules.overstay, now=T0 + 6 * DAY) == []


def test_no_overstay(store: SyncStore, recs: Records) -> None:
    recs.scan("PHD-01", T0, "entry")  # left by the other checkpoint
    recs.scan("STB-01", T0 + 6 * DAY, "exit")
    recs.scan("PHD-01", T0, "entry", permit="KH-2", stay_days=30)  # a longer stay
    recs.scan("PHD-01", T0, "entry", permit="KH-3")  # exit recorded in the same second
    recs.scan("PHD-02", T0, "exit", permit="KH-3")
    recs.scan("PHD-01", T0, "entry", permit="KH-4", verdict="rejected", reasons="expired")  # never entered
    assert found(store, hq_rules.overstay, now=T0 + 8 * DAY) == []


def test_revoked_and_watchlist_seen(store: SyncStore, recs: Records) -> None:
    revoked = recs.scan("PHD-01", T0, permit="KH-9", verdict="rejected", reasons="expired revoked")
    recs.add(
        "PHD-01",
        T0 + 60,
        kind="override",
        officer="Sok Dara",
        ref_seq=revoked[1],
        direction="entry",
        permit_no="KH-9",
        reasons="expired revoked",
    )  # the override is not a second sighting
    watched = recs.scan("STB-01", T0, permit="KH-8", verdict="rejected", reasons="watchlist")
    [alert] = found(store, hq_rules.revoked_seen)
    assert (alert.kind, alert.booth_id, alert.seq, alert.subject) == ("revoked_seen", *revoked, "permit KH-9")
    [alert] = found(store, hq_rules.watchlist_seen)
    assert (alert.kind, alert.booth_id, alert.seq, alert.subject) == ("watchlist_seen", *watched, "permit KH-8")


def test_not_revoked_nor_watchlisted(store: SyncStore, recs: Records) -> None:
    recs.scan("PHD-01", T0, verdict="rejected", reasons="expired wrong_checkpoint")
    recs.scan("PHD-01", T0 + 60, permit="KH-2")
    assert found(store, hq_rules.revoked_seen) == found(store, hq_rules.watchlist_seen) == []


def test_crossing_after_hq_revoked_it(store: SyncStore, recs: Records) -> None:
    recs.scan("PHD-01", T0 - HOUR, permit="KH-9")  # before the revocation: fine
    late = recs.scan("STB-01", T0 + HOUR, "exit", permit="KH-9", bundle_version=3)
    recs.scan("STB-01", T0 + HOUR, permit="KH-1")
    [alert] = found(store, hq_rules.revoked_crossed({"KH-9": T0}))
    assert (alert.kind, alert.booth_id, alert.seq) == ("revoked_seen", *late) and "bundle 3" in alert.detail


# -- officers


def shift(
    recs: Records, officer: str, scans: int, *, booth_id: str = "PHD-01", overrides: int = 0, manual: int = 0
) -> None:
    """``scans`` day-time scans by ``officer``: the first ``overrides`` rejected and overridden, the
    next ``manual`` typed in by hand (counting from the first when there are no overrides)."""
    for i in range(scans):
        at = T0 + i * 60
        if i < overrides:
            recs.override(booth_id, at, permit=f"{officer}-{i}", officer=officer)
        else:
            recs.scan(
                booth_id, at, permit=f"{officer}-{i}", officer=officer, channel="manual" if i < manual else "camera"
            )


def test_odd_hours_are_night_at_the_border() -> None:
    assert ((T0 - 4 * HOUR + derived_state.LOCAL_OFFSET) % DAY) // HOUR == 6  # T0 - 4 h is 06:00 local...
    assert ((T0 - 8 * HOUR + derived_state.LOCAL_OFFSET) % DAY) // HOUR == 2  # ...and T0 - 8 h is 02:00


def test_override_outlier(store: SyncStore, recs: Records) -> None:
    for peer in ("A", "B", "C"):
        shift(recs, peer, 20, overrides=1)
    shift(recs, "D", 20, overrides=5, booth_id="PHD-02")  # same checkpoint, another booth
    [alert] = found(store, hq_rules.override_outlier)
    assert (alert.kind, alert.booth_id, alert.subject) == ("override_outlier", None, "officer D at KH-PHD")
    assert len(alert.evidence) == 5 and "5 of 20 scans (25%)" in alert.detail and "median 5%" in alert.detail


def test_no_override_outlier(store: SyncStore, recs: Records) -> None:
    for peer in ("A", "B", "C"):
        shift(recs, peer, 20, overrides=2)
    shift(recs, "D", 20, overrides=4)  # 20% vs peers 10%: not above 2 x median
    shift(recs, "E", 10, overrides=6)  # too few scans to judge
    for peer in ("F", "G"):  # at the other checkpoint nobody overrides; D is not their peer
        shift(recs, peer, 20, booth_id="STB-01")
    shift(recs, "H", 20, overrides=2, booth_id="STB-01")  # an outlier there, but under min_events
    assert found(store, hq_rules.override_outlier) == []
    assert len(found(store, hq_rules.override_outlier, min_events=2)) == 1  # H, once 2 events suffice


def test_manual_entry_outlier(store: SyncStore, recs: Records) -> None:
    for peer in ("A", "B", "C"):
        shift(recs, peer, 20, manual=2)
    shift(recs, "D", 20, manual=12)
    [alert] = found(store, hq_rules.manual_entry_outlier)
    assert alert.subject == "officer D at KH-PHD" and "12 of 20" in alert.detail and len(alert.evidence) == 12


def test_no_manual_entry_outlier(store: SyncStore, recs: Records) -> None:
    shift(recs, "A", 20, manual=4)  # with only one peer, no one is judged
    shift(recs, "D", 20, manual=15)
    assert found(store, hq_rules.manual_entry_outlier) == []
    shift(recs, "B", 20, manual=8)
    shift(recs, "C", 20, manual=6)  # D's peers: 20%, 40%, 30%: median 30%, MAD 10%, bar 60%; D at 75%
    assert [a.subject for a in found(store, hq_rules.manual_entry_outlier)] == ["officer D at KH-PHD"]
    shift(recs, "E", 20, manual=20)  # D's peers now: median 35%, MAD 10%, bar 70%; E's: the same bar
    assert [a.subject for a in found(store, hq_rules.manual_entry_outlier)] == [
        "officer D at KH-PHD",
        "officer E at KH-PHD",
    ]


def test_odd_hours(store: SyncStore, recs: Records) -> None:
    for peer in ("A", "B", "C"):
        shift(recs, peer, 20)
    for i in range(4):  # D works 02:00 local on top of a day shift
        recs.scan("PHD-01", T0 - 8 * HOUR + i * 60, permit=f"D-night-{i}", officer="D")
    shift(recs, "D", 20)
    [alert] = found(store, hq_rules.odd_hours)
    assert alert.subject == "officer D at KH-PHD" and "4 of 24" in alert.detail and len(alert.evidence) == 4


def test_no_odd_hours(store: SyncStore, recs: Records) -> None:
    for officer in ("A", "B", "C", "D"):  # everyone takes a night turn
        for i in range(4):
            recs.scan("PHD-01", T0 - 8 * HOUR + i * 60, permit=f"{officer}-night-{i}", officer=officer)
        shift(recs, officer, 20)
    for i in range(10):  # E starts at 04:00 local sharp: not odd hours
        recs.scan("PHD-01", T0 - 6 * HOUR + i * 60, permit=f"E-early-{i}", officer="E")
    shift(recs, "E", 20)
    assert found(store, hq_rules.odd_hours) == []


# -- booths


def test_silent_booth(store: SyncStore, recs: Records) -> None:
    now = T0 + 40 * DAY
    recs.scan("PHD-01", T0)
    recs.last_seen("PHD-01", now - 7 * HOUR)
    recs.last_seen("PHD-02", now - 5 * HOUR)  # within the 6 h
    recs.last_seen("STB-01", now - 7 * HOUR)
    store.revoke_booth("STB-01", now=now)  # revoked: silence expected
    store.add_booth("PHD-03", "KH-PHD", now=T0)  # never enrolled
    [alert] = found(store, hq_rules.silent_booth, now=now)
    assert (alert.booth_id, alert.seq, alert.evidence) == ("PHD-01", 1, (("PHD-01", 1),))
    assert "7.0 h" in alert.detail
    assert found(store, hq_rules.silent_booth, now=now, silent_after=8 * HOUR) == []


def test_clock_skew(store: SyncStore, recs: Records) -> None:
    recs.scan("PHD-01", T0, received_at=T0 + 5 * DAY)  # synced days later: normal offline work
    recs.scan("PHD-01", T0 + 60, received_at=T0 - 5 * 60)  # 6 min ahead: tolerated
    first = recs.scan("STB-01", T0 + 30 * 60, received_at=T0)
    recs.scan("STB-01", T0 + 40 * 60, received_at=T0 + 60)
    [alert] = found(store, hq_rules.clock_skew)
    assert (alert.booth_id, alert.seq, len(alert.evidence)) == (*first, 2) and "39 min" in alert.detail
    assert found(store, hq_rules.clock_skew, max_skew=HOUR) == []


# -- issue 14: verdicts an attacker cannot bend


def test_clock_backwards(store: SyncStore, recs: Records) -> None:
    recs.scan("PHD-01", T0)
    recs.scan("PHD-01", T0 - 4 * 60, permit="KH-2")  # 4 min back: within the tolerance
    back = recs.add("PHD-01", T0 - 20 * 60, kind="audit", action="login")  # 16 min before the record before
    recs.scan("PHD-01", T0 + 60, permit="KH-3")  # forwards again: nothing
    recs.scan("STB-01", T0)
    recs.scan("STB-01", T0 + HOUR)
    [alert] = found(store, hq_rules.clock_backwards)
    assert (alert.booth_id, alert.seq, alert.evidence) == (*back, (("PHD-01", 2), back))
    assert alert.detail.startswith("booth PHD-01: record 3") and "16 min before record 2" in alert.detail
    assert found(store, hq_rules.clock_backwards, max_backwards=20 * 60) == []


def test_overrides_of_untrusted_scans_and_of_expired_trust_are_each_alerted(store: SyncStore, recs: Records) -> None:
    recs.override("PHD-01", T0, reasons="expired")  # the ordinary kind: counted, not alerted one by one
    two = recs.override("PHD-01", T0 + HOUR, permit="KH-2", reasons="unknown_issuer")
    cut_off = recs.override("STB-01", T0, permit="KH-3", reasons="expired trust_expired")
    # an override whose own copy of the reasons was blanked still names its scan
    _, scan_seq = recs.scan("PHD-02", T0, verdict="rejected", reasons="bad_signature", permit="KH-4")
    blank = recs.add("PHD-02", T0 + 60, kind="override", supervisor="A & B", ref_seq=scan_seq, permit_no="KH-4")
    untrusted = found(store, hq_rules.untrusted_override)
    assert [(a.booth_id, a.seq) for a in untrusted] == [two, blank]
    assert "refused as unknown_issuer" in untrusted[0].detail and "by Chan Sophal" in untrusted[0].detail
    assert "refused as bad_signature" in untrusted[1].detail and "by A & B" in untrusted[1].detail
    assert untrusted[1].evidence == (("PHD-02", scan_seq), blank)
    [expired] = found(store, hq_rules.expired_trust_override)
    assert (expired.booth_id, expired.seq) == cut_off and "trust bundle had expired" in expired.detail


def test_overrides_of_an_unchecked_watchlist_are_each_alerted(store: SyncStore, recs: Records) -> None:
    recs.override("PHD-01", T0, reasons="expired")
    unchecked = recs.override("STB-01", T0, permit="KH-3", reasons="watchlist_unreadable")
    [alert] = found(store, hq_rules.unchecked_watchlist_override)
    assert (alert.booth_id, alert.seq, alert.subject) == (*unchecked, "permit KH-3")
    assert "could not check the watchlist" in alert.detail


def test_checkpoint_mismatch_follows_the_bundle_the_booth_used(store: SyncStore, recs: Records) -> None:
    recs.scan("PHD-01", T0, bundle_version=3)
    lying = recs.scan("PHD-01", T0 + 60, permit="KH-2", bundle_version=3, checkpoint="KH-STB")
    recs.add("PHD-01", T0 + 120, kind="audit", action="login", checkpoint="KH-STB")  # no bundle version: not judged
    store.move_booth("PHD-02", "KH-STB", from_version=5, by="Chan Sophal", now=T0)
    recs.scan("PHD-02", T0, bundle_version=4)  # the old bundle: still at KH-PHD
    recs.scan("PHD-02", T0 + 60, bundle_version=4, checkpoint="KH-STB")  # moved one bundle early: tolerated
    stale = recs.scan("PHD-02", T0 + 120, bundle_version=3, checkpoint="KH-STB")
    recs.scan("PHD-02", T0 + 180, bundle_version=5, checkpoint="KH-STB")  # the new bundle, the new place
    late = recs.scan("PHD-02", T0 + 240, bundle_version=6)  # still claims KH-PHD under a bundle saying KH-STB
    alerts = found(store, hq_rules.checkpoint_mismatch)
    assert [(a.booth_id, a.seq) for a in alerts] == [lying, stale, late]
    assert "names checkpoint KH-PHD, but bundle 6 put the booth at KH-STB" in alerts[2].detail
    [move] = store.moves("PHD-02")
    assert (move["previous"], move["checkpoint"], move["from_version"], move["moved_by"]) == (
        "KH-PHD",
        "KH-STB",
        5,
        "Chan Sophal",
    )


def test_single_entry_reused(store: SyncStore, recs: Records) -> None:
    recs.scan("PHD-01", T0, permit="KH-S1")
    recs.scan("PHD-01", T0 + HOUR, "exit", permit="KH-S1")
    again = recs.scan("STB-01", T0 + DAY, permit="KH-S1")  # another booth, days later
    thrice = recs.override("PHD-01", T0 + 2 * DAY, permit="KH-S1", reasons="used_up")
    recs.scan("PHD-01", T0, permit="KH-M1")
    recs.scan("STB-01", T0 + DAY, permit="KH-M1")  # multi-entry: fine
    rule = hq_rules.single_entry_reused({"KH-S1", "KH-S2"})
    alerts = found(store, rule)
    assert [(a.booth_id, a.seq) for a in alerts] == [again, thrice]
    assert alerts[0].detail.startswith("permit KH-S1: single-entry permit entered again at KH-STB (STB-01)")
    assert alerts[0].evidence == (("PHD-01", 1), again)
    results = {r.rule: r for r in incremental.analyse(store, T0 + 3 * DAY, single={"KH-S1"})}
    assert results["single_entry_reused"] == hq_rules.RuleResult("single_entry_reused", 2, 2)
    assert found(store, hq_rules.single_entry_reused(set())) == []


# -- storing alerts


def test_analyse_stores_each_alert_once(store: SyncStore, recs: Records) -> None:
    now = T0 + 40 * DAY
    for booth_id in CHECKPOINTS:
        recs.last_seen(booth_id, now)
    recs.scan("PHD-01", T0, "entry")
    recs.scan("STB-01", T0 + 10 * 60, "entry")
    recs.scan("STB-01", T0 + 11 * 60, permit="KH-9", verdict="rejected", reasons="revoked")
    first = {r.rule: r for r in incremental.analyse(store, now)}
    assert set(first) == set(hq_rules.RULE_NAMES)
    assert {k: (r.found, r.raised) for k, r in first.items() if r.found} == {
        "double_entry": (1, 1),
        "impossible_travel": (1, 1),
        "overstay": (1, 1),
        "revoked_seen": (1, 1),
    }
    alerts = store.alerts()
    assert sorted(a.kind for a in alerts) == ["double_entry", "impossible_travel", "overstay", "revoked_seen"]
    assert all(a.raised_at == now and "evidence: " in a.detail for a in alerts)

    again = incremental.analyse(store, now + 5 * HOUR)  # the overstay is longer now: still the same alert
    assert sum(r.raised for r in again) == 0 and len(store.alerts()) == 4
    store.acknowledge_alert(alerts[0].id, by="test", at=now)
    assert hq_rules.Candidate("odd_hours", None, None, "officer A: B", "m").detail.startswith("officer A:B: m")
    assert sum(r.raised for r in incremental.analyse(store, now + 5 * HOUR)) == 0  # acknowledged: not raised again

    # all three booths fall silent; PHD-01 syncs a record, then falls silent again: a new silence
    assert [r.raised for r in incremental.analyse(store, now + 7 * HOUR) if r.rule == "silent_booth"] == [3]
    assert [r.raised for r in incremental.analyse(store, now + 8 * HOUR) if r.rule == "silent_booth"] == [0]
    recs.scan("PHD-01", now + 9 * HOUR, "exit")
    recs.last_seen("PHD-01", now + 9 * HOUR)
    assert [r.raised for r in incremental.analyse(store, now + 16 * HOUR) if r.rule == "silent_booth"] == [1]


def test_report(store: SyncStore, recs: Records) -> None:
    recs.scan("PHD-01", T0 - DAY, "entry", permit="KH-0")  # before the period: inside, not counted
    recs.scan("PHD-01", T0, "entry")
    recs.scan("PHD-02", T0 + HOUR, "exit")
    recs.override("PHD-01", T0 + 2 * HOUR, permit="KH-2")
    recs.scan("STB-01", T0 + 3 * HOUR, "entry", permit="KH-3")
    recs.scan("STB-01", T0 + 2 * DAY, "exit", permit="KH-3")  # after the period
    rows = checkpoint_report.report(store, T0 - HOUR, T0 + DAY)
    by_cp = {r["checkpoint"]: r for r in rows}
    assert {k: by_cp["KH-PHD"][k] for k in ("entries", "exits", "rejections", "overrides", "inside")} == {
        "entries": 2,
        "exits": 1,
        "rejections": 1,
        "overrides": 1,
        "inside": 2,
    }
    assert {k: by_cp["KH-STB"][k] for k in ("entries", "exits", "rejections", "overrides", "inside")} == {
        "entries": 1,
        "exits": 0,
        "rejections": 0,
        "overrides": 0,
        "inside": 1,
    }
    assert [b["booth_id"] for b in by_cp["KH-PHD"]["booths"]] == ["PHD-01", "PHD-02"]
    assert by_cp["KH-STB"]["booths"][0]["last_sync"] == T0 + 30 * DAY


# -- the commands


def hq_cmd(hq: HQ, url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(hq_main, ["--data-dir", str(hq.paths.root), "--database", url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_analyse_and_report_commands(hq: HQ, sync_db_url: str) -> None:
    at = T0 + 8 * DAY
    at_iso = dt.datetime.fromtimestamp(at, dt.UTC).isoformat()
    store = SyncStore(sync_db_url)
    try:
        recs = Records(store)
        for booth_id in CHECKPOINTS:
            recs.last_seen(booth_id, at - HOUR)
        recs.scan("PHD-01", T0, "entry")
        recs.scan("STB-01", T0 + 10 * 60, "exit", permit="KH-9")
    finally:
        store.close()
    hq.revoke(permit_no="KH-9", reason="stolen", at=T0 - DAY)

    code, out, err = hq_cmd(hq, sync_db_url, "analyse", "--at", at_iso)
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == [*hq_rules.RULE_NAMES, "revoked_crossed", "unregistered_permit"]
    assert "overstay" in out and lines[-1].startswith("2 new alert(s)")
    code, out, _ = hq_cmd(hq, sync_db_url, "alerts", "--json")
    assert sorted(a["kind"] for a in json.loads(out)) == ["overstay", "revoked_seen"]
    assert hq_cmd(hq, sync_db_url, "analyse", "--at", at_iso)[1].splitlines()[-1].startswith("0 new")
    # a future --at would store alerts from the future that the dashboard shows as current
    code, _, err = hq_cmd(hq, sync_db_url, "analyse", "--at", "2099-01-01T00:00:00Z")
    assert code == 2 and "in the future" in err

    day = "2026-09-21"
    assert T0 // DAY * DAY == 1_790_000_000 // DAY * DAY  # T0 falls on that day
    code, out, _ = hq_cmd(hq, sync_db_url, "report", "--from", day, "--to", day, "--json")
    doc = json.loads(out)
    assert code == 0 and [c["checkpoint"] for c in doc["checkpoints"]] == ["KH-PHD", "KH-STB"]
    assert (doc["checkpoints"][0]["entries"], doc["checkpoints"][0]["inside"]) == (1, 1)
    assert doc["checkpoints"][1]["exits"] == 1
    code, out, _ = hq_cmd(hq, sync_db_url, "report", "--from", day, "--to", day)
    assert code == 0 and "KH-PHD" in out and "PHD-01 2026-09-29T09:00:00+07:00" in out  # the checkpoints' zone
    assert "2026-09-21T00:00:00+07:00 to 2026-09-22T00:00:00+07:00 (Asia/Phnom_Penh)" in out
    # T0 is 03:00 UTC: in UTC-10 it is still 20 September, so that zone's 21 September holds none of it
    code, out, _ = hq_cmd(hq, sync_db_url, "report", "--from", day, "--to", day, "--tz", "Pacific/Honolulu", "--json")
    assert code == 0 and json.loads(out)["checkpoints"][0]["entries"] == 0
    code, _, err = hq_cmd(hq, sync_db_url, "report", "--from", day, "--to", day, "--tz", "Mars/Base")
    assert code == 2 and "unknown time zone" in err
    code, _, err = hq_cmd(hq, sync_db_url, "report", "--from", day, "--to", "2026-09-20")
    assert code == 2 and "--to" in err
    code, _, err = hq_cmd(hq, sync_db_url, "analyse", "--at", "yesterday")
    assert code == 2 and "not an ISO time" in err


def test_a_database_from_before_the_analytics_gets_their_indexes_when_opened(tmp_path: Path) -> None:
    from sqlalchemy import inspect, text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = SyncStore(url)
    with store.engine.begin() as conn:  # as a database made before the analytics (schema 1, no versions table)
        conn.execute(text("DROP INDEX records_officer"))
        conn.execute(text("DROP INDEX alerts_kind"))
        conn.execute(text("DROP TABLE schema_version"))
        conn.execute(text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
    store.close()
    store = SyncStore(url)  # the migrations (sync.hq.schema) make them
    try:
        incremental.analyse(store, T0)
        names = {i["name"] for t in ("records", "alerts") for i in inspect(store.engine).get_indexes(t)}
        assert {"records_officer", "alerts_kind"} <= names
    finally:
        store.close()
