"""The dashboard's read functions (sync.hq.overview) on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from test_analytics_incremental import LIMITS, T0, Rec, World, world  # noqa: F401 - the fixture

from sync.hq import overview
from sync.hq.analytics.derived_state import DAY, HOUR
from sync.hq.overview import BoothStatus, CheckpointOverview


def test_checkpoint_overview(world: World) -> None:  # noqa: F811
    world.sync(
        [
            Rec("PHD-01", T0 - DAY, permit_no="KH-0"),  # the day before: inside, not counted
            Rec("PHD-01", T0),
            Rec("PHD-02", T0 + HOUR, direction="exit"),
            Rec("PHD-01", T0 + 2 * HOUR, permit_no="KH-2", verdict="rejected", reasons="expired"),
            Rec("PHD-01", T0 + 2 * HOUR + 30, kind="override", permit_no="KH-2"),
            Rec("STB-01", T0 + 3 * HOUR, permit_no="KH-3"),
        ],
        heard=T0 + 4 * HOUR,
    )
    world.store.revoke_booth("OSM-01", now=T0)
    world.analyse(T0 + 4 * HOUR, None)
    world.sync([Rec("STB-01", T0 + 5 * HOUR, permit_no="KH-3", direction="exit")], heard=T0 + 5 * HOUR)
    with world.store.engine.connect() as conn:
        rows = overview.checkpoint_overview(conn, T0 - HOUR, T0 + DAY - HOUR)
        fresh = overview.freshness(conn)
    by_cp = {r.checkpoint: r for r in rows}
    assert [r.checkpoint for r in rows] == ["KH-OSM", "KH-PHD", "KH-STB"]
    # counts are current (the late exit is in); people inside are as of the last analyse
    assert by_cp["KH-PHD"] == CheckpointOverview(
        "KH-PHD",
        2,
        1,
        1,
        1,
        2,
        [BoothStatus("PHD-01", T0 + 5 * HOUR, 4, False), BoothStatus("PHD-02", T0 + 5 * HOUR, 1, False)],
    )
    assert (by_cp["KH-STB"].entries, by_cp["KH-STB"].exits, by_cp["KH-STB"].inside) == (1, 1, 1)
    assert by_cp["KH-OSM"].booths == [BoothStatus("OSM-01", T0 + 5 * HOUR, 0, True)]
    assert fresh == overview.Freshness(T0 + 4 * HOUR, 1)
    assert json.dumps(by_cp["KH-PHD"].to_json())


def test_permit_history(world: World) -> None:  # noqa: F811
    world.sync(
        [
            Rec("STB-01", T0 + HOUR, direction="exit"),
            Rec("PHD-01", T0),
            Rec("PHD-02", T0 + HOUR),
            Rec("PHD-01", T0 + 2 * HOUR, permit_no="KH-2"),
        ],
        heard=T0,
    )
    with world.store.engine.connect() as conn:
        rows = overview.permit_history(conn, "KH-1")
        last = overview.permit_history(conn, "KH-1", limit=2)
        assert overview.permit_history(conn, "KH-404") == []
    assert [(r.booth_id, r.seq, r.at) for r in rows] == [
        ("PHD-01", 1, T0),
        ("PHD-02", 1, T0 + HOUR),
        ("STB-01", 1, T0 + HOUR),
    ]
    assert last == rows[1:] and rows[0].received_at == T0 + 60 and rows[0].to_json()["received_at"] == T0 + 60


def test_officer_record(world: World) -> None:  # noqa: F811
    recs = []
    for officer, manual in (("A", 1), ("B", 1), ("C", 1), ("D", 15)):
        recs += [
            Rec(
                "PHD-01",
                T0 + i * 60,
                officer=officer,
                permit_no=f"{officer}-{i}",
                channel="manual" if i < manual else "camera",
            )
            for i in range(20)
        ]
    world.sync(recs, heard=T0)
    world.analyse(T0 + HOUR, None)
    with world.store.engine.connect() as conn:
        d = overview.officer_record(conn, "KH-PHD", "D", latest=3, limits=LIMITS)
        a = overview.officer_record(conn, "KH-PHD", "A")  # the default limits: 20 scans, 2 peers
        assert overview.officer_record(conn, "KH-PHD", "Z") is None
        assert overview.officer_record(conn, "KH-STB", "D") is None
    assert d is not None and a is not None
    assert (d.scans, d.manual.events, d.manual.rate, d.manual.peers, d.manual.peer_median) == (20, 15, 0.75, 3, 0.05)
    assert d.manual.flagged and d.manual.flagged_above == 0.1 and not d.overrides.flagged
    assert [r.seq for r in d.latest] == [80, 79, 78] and d.last_at == T0 + 19 * 60
    assert not a.manual.flagged and a.manual.peer_median == 0.05 and a.odd_hours.rate == 0
    assert json.dumps(d.to_json())
