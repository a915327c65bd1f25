"""Shift reports on a real ledger: every figure equals a count made here from the ledger's
records alone (test_report_world.expected), for a day, an officer, a shift, a period."""

from __future__ import annotations

import datetime as dt

import pytest
from test_report_world import (  # noqa: F401 - the fixtures world and world_template
    DAY_END,
    DAY_START,
    OFFICER,
    OFFICER2,
    OFFICER2_PIN,
    OFFICER_PIN,
    SUPERVISOR,
    SUPERVISOR_PIN,
    TZ,
    World,
    expected,
    selected,
    world_fixture,
    world_template_fixture,
)

from booth.errors import BoothError, ConfigError, NotSupervisor, WrongPin
from booth.report.model import Report, ReportFilter, day_filter, parse_bound, period, zone
from booth.service import Session
from sync.protocol.records import AUDIT
from sync.protocol.times import DAY


def figures(report: Report) -> dict:
    return {
        "scans": report.scans,
        "entries": report.entries,
        "exits": report.exits,
        "rejections": report.rejections,
        "overrides": report.overrides,
        "rejections_by_reason": report.rejections_by_reason,
        "warnings_by_reason": report.warnings_by_reason,
        "per_hour": report.per_hour,
        "by_nationality": report.by_nationality,
        "by_channel": report.by_channel,
        "inside": sorted(p.permit_no for p in report.inside),
    }


def filters(w: World) -> dict[str, ReportFilter]:
    return {
        "day": ReportFilter(DAY_START, DAY_END),
        "day, one officer": ReportFilter(DAY_START, DAY_END, OFFICER),
        "day, other officer": ReportFilter(DAY_START, DAY_END, OFFICER2),
        "first shift": ReportFilter(shift_id=w.first_shift),
        "three days": ReportFilter(DAY_START - DAY, DAY_END + DAY),
        "day before": ReportFilter(DAY_START - DAY, DAY_START),
        "morning": ReportFilter(DAY_START + 6 * 3600, DAY_START + 8 * 3600),
        "one officer, all time": ReportFilter(officer=OFFICER2),
    }


@pytest.mark.parametrize(
    "name",
    [
        "day",
        "day, one officer",
        "day, other officer",
        "first shift",
        "three days",
        "day before",
        "morning",
        "one officer, all time",
    ],
)
def test_figures_equal_counts_made_from_the_records(world: World, name: str) -> None:
    flt = filters(world)[name]
    report = world.booth.report(flt, tz=TZ)
    records = world.records()
    end = flt.end if flt.end is not None else (report.shift.closed_at if report.shift else None)
    want = expected(records, flt, end)
    assert figures(report) == {k: v for k, v in want.items() if k != "records"}
    chosen = want["records"]
    assert report.records == len(chosen)
    assert (report.first_seq, report.last_seq) == ((chosen[0], chosen[-1]) if chosen else (None, None))
    assert report.head_seq == records[-1].seq and report.head_hash == records[-1].hash


def test_the_day_in_numbers(world: World) -> None:
    """The world's story, read off the report (guards the test data as much as the code)."""
    r = world.booth.report(ReportFilter(DAY_START, DAY_END), tz=TZ)
    assert (r.scans, r.entries, r.exits, r.rejections, r.overrides) == (21, 11, 6, 6, 2)  # 2 let in by override
    assert r.entries_by_override == 2 and r.exits_by_override == 0
    assert r.rejections_by_reason == {"already_inside": 2, "expired": 2, "wrong_checkpoint": 1, "unreadable": 1}
    assert r.warnings_by_reason == {"not_inside": 1}
    assert r.by_channel == {"camera": 13, "wedge": 4, "manual": 3, "cli": 1}
    assert r.by_nationality == {"KHM": 14, "THA": 6, "unknown": 1}
    assert sum(v + j for v, j in r.per_hour) == r.scans and r.per_hour[6] == (5, 0) and r.per_hour[7] == (0, 4)
    assert r.to_json()["utc_offset"] == "UTC+07:00"


def test_overrides_are_listed_with_supervisor_and_reason(world: World) -> None:
    r = world.booth.report(ReportFilter(DAY_START, DAY_END), tz=TZ)
    assert [(o.holder, o.native_name, o.supervisor, o.reason, o.rejected_for, o.officer) for o in r.override_list] == [
        ("KEO SOPHAL", "កែវ សុផល", SUPERVISOR, "HQ confirmed renewal by phone", ["expired"], OFFICER),
        (
            "WONGSA MALEE",
            "มาลี วงศา",
            SUPERVISOR,
            "Exit scan missed at lane 2, CCTV checked",
            ["already_inside"],
            OFFICER2,
        ),
    ]
    scans = {rec.seq: rec for rec in world.records()}
    assert all(scans[o.ref_seq].verdict == "rejected" and scans[o.seq].kind == "override" for o in r.override_list)


def test_overstays_and_people_inside(world: World) -> None:
    r = world.booth.report(ReportFilter(DAY_START, DAY_END), tz=TZ)
    assert r.inside_as_of == DAY_END
    (late,) = r.overstays
    assert (late.holder, late.native_name, late.stay_days) == ("MEAS SOKHA", "មាស សុខា", 1)
    # in at 21:14 the day before, one day allowed: over by the time from then to midnight
    assert late.days_over == round((DAY_END - (late.entered_at + DAY)) / DAY, 1) and late.days_over > 0
    assert r.inside[0] == late  # overstays first
    names = {p.native_name for p in r.inside}
    assert {"ประเสริฐ ชัยภูมิ", "ចាន់ ដារ៉ា", "មាស សុខា"} <= names
    # the holder let in by the morning override is still inside (their exit scan was rejected)
    assert "KEO SOPHAL" in {p.holder for p in r.inside}


def test_inside_at_an_earlier_time_is_replayed_from_the_records(world: World) -> None:
    before = world.booth.report(ReportFilter(DAY_START - DAY, DAY_START), tz=TZ)
    assert sorted(p.holder for p in before.inside) == ["MEAS SOKHA", "TOUCH SAMBATH"]
    assert before.overstays == []  # a day's stay had not run out at midnight
    # and the live table agrees with the replay for a period that ends after every record
    now = world.booth.report(ReportFilter(DAY_START - DAY, DAY_END + 3 * DAY), tz=TZ)
    replayed = world.booth.report(ReportFilter(DAY_START - DAY, world.clock.now()), tz=TZ)
    assert [p.permit_no for p in now.inside] == [p.permit_no for p in replayed.inside]
    # a period with no end counts every record, even one made in the current second
    world.clock.at = world.records()[-1].at
    live = world.booth.report(ReportFilter(DAY_START), tz=TZ)
    assert sorted(p.permit_no for p in live.inside) == sorted(p for p, _, _ in world.booth.ledger.inside_rows())
    assert live.inside_as_of == world.clock.at


def test_shift_report_has_the_shift_and_the_sync_state_at_its_close(world: World) -> None:
    r = world.booth.report(ReportFilter(shift_id=world.first_shift), tz=TZ)
    assert r.shift.officer == OFFICER and r.shift.closed_at == DAY_START + 11 * 3600
    assert r.period == (r.shift.opened_at, r.shift.closed_at) and r.inside_as_of == r.shift.closed_at
    assert r.sync.as_of == "shift close" and r.sync.acked_seq == 0
    close = next(rec for rec in world.records() if rec.action == "shift_close" and rec.shift_id == world.first_shift)
    assert r.sync.head_seq == close.seq - 1 and f"closed by {SUPERVISOR}" in close.note
    # the override of this shift's scan is in it, although the supervisor had no shift of their own
    assert [o.supervisor for o in r.override_list] == [SUPERVISOR]
    # a shift still open: sync as the report is made
    open_shift = world.booth.shifts(officer=OFFICER, open_only=True)[0]
    assert world.booth.report(ReportFilter(shift_id=open_shift.id), tz=TZ).sync.as_of == "report"


def test_unknown_shift_is_one_clear_error(world: World) -> None:
    with pytest.raises(ConfigError, match="no shift 999"):
        world.booth.report(ReportFilter(shift_id=999), tz=TZ)


def test_records_of_a_report_search_by_name_or_permit(world: World) -> None:
    flt = ReportFilter(DAY_START, DAY_END)
    records = world.booth.report_records(flt)
    assert [r.seq for r in records] == sorted(expected(world.records(), flt, DAY_END)["records"], reverse=True)
    khmer = world.booth.report_records(flt, search="សុខ ចន្ថា")
    assert {r.holder for r in khmer} == {"SOK CHANTHA"} and len(khmer) == 3
    thai = world.booth.report_records(flt, search="ศรีสุข")
    assert {r.holder for r in thai} == {"SRISUK SOMCHAI"}
    number = khmer[0].permit_no
    assert {r.permit_no for r in world.booth.report_records(flt, search=number[-6:])} == {number}
    assert world.booth.report_records(flt, search="50%_") == []  # LIKE wildcards are taken literally
    assert len(world.booth.report_records(flt, limit=5)) == 5


def test_selection_walks_the_sequence_range_without_sorting(world: World) -> None:
    ledger = world.booth.ledger
    for flt in filters(world).values():
        sel = ledger.selection(**flt.where())
        plan = " | ".join(
            row[3]
            for row in ledger.con.execute(
                f"EXPLAIN QUERY PLAN SELECT * FROM records WHERE {sel.where} ORDER BY seq", sel.args
            )
        )
        assert "INTEGER PRIMARY KEY" in plan and "TEMP B-TREE" not in plan, plan
        assert {r.seq for r in ledger.selected(sel)} == {r.seq for r in selected(world.records(), flt)}


def test_periods_are_local_days_with_the_last_day_included() -> None:
    assert parse_bound("2026-09-22", TZ, end=False) == DAY_START
    assert parse_bound("2026-09-22", TZ, end=True) == DAY_END
    assert period("2026-09-22", "2026-09-22", TZ) == (DAY_START, DAY_END)
    assert parse_bound("2026-09-22T06:00", TZ, end=False) == DAY_START + 6 * 3600
    assert parse_bound("2026-09-21T23:00:00Z", TZ, end=False) == DAY_START + 6 * 3600
    assert day_filter(dt.date(2026, 9, 22), TZ, OFFICER) == ReportFilter(DAY_START, DAY_END, OFFICER)
    with pytest.raises(ConfigError, match="ends before it starts"):
        period("2026-09-23", "2026-09-22", TZ)
    with pytest.raises(ConfigError, match="not a date"):
        parse_bound("22/09/2026", TZ, end=False)
    with pytest.raises(ConfigError, match="unknown time zone"):
        zone("Mars/Olympus")
    assert ReportFilter(DAY_START, DAY_END, "Sok Dara").slug(TZ) == "2026-09-22_Sok-Dara"
    assert ReportFilter(DAY_START, DAY_END + DAY).slug(TZ) == "2026-09-22_2026-09-23"
    assert ReportFilter(shift_id=4).slug(TZ) == "shift-4"


# -- closing shifts


def test_an_officer_closes_their_own_shift_and_a_supervisor_anyones(world: World) -> None:
    b = world.booth
    sok = b.shifts(officer=OFFICER, open_only=True)[0]
    closed = b.close_shift_by_name(OFFICER, OFFICER_PIN)
    assert closed.id == sok.id and closed.closed_at == world.clock.now()
    with pytest.raises(BoothError, match="no open shift"):
        b.close_shift_by_name(OFFICER, OFFICER_PIN)
    with pytest.raises(BoothError, match="already closed"):
        b.close_shift_by_id(sok.id, by=Session(SUPERVISOR, "supervisor", None))
    som = b.login(OFFICER2, OFFICER2_PIN)
    b.login(OFFICER, OFFICER_PIN)
    with pytest.raises(NotSupervisor):  # one officer cannot close another's shift
        b.close_shift_by_id(som.shift_id, by=Session(OFFICER, "officer", None))
    with pytest.raises(WrongPin):
        b.close_shift_by_name(OFFICER2, "000000", supervisor=SUPERVISOR)
    assert b.close_shift_by_name(OFFICER2, SUPERVISOR_PIN, supervisor=SUPERVISOR).id == som.shift_id
    audits = [r for r in world.records() if r.kind == AUDIT and r.action in ("shift_close", "pin_failed")]
    assert audits[-1].action == "shift_close" and audits[-1].officer == OFFICER2
    assert audits[-1].note.startswith(f"shift {som.shift_id} closed by {SUPERVISOR}; acked_seq=0 head_seq=")
    assert audits[-2].action == "pin_failed" and audits[-2].officer == SUPERVISOR
    assert b.verify_chain().ok
