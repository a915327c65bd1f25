"""The supervisor view with real widgets, a real ledger (the demo booth) and real threads."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from pathlib import Path

import pytest
from gui_helpers import OFFICER, OFFICER_PIN, SUPERVISOR

from booth.demo import DEMO_OFFICERS, DemoBooth
from booth.errors import NotSupervisor
from booth.gui import supervisor_view
from booth.gui.operations import Operations
from booth.gui.supervisor_view import SupervisorView, open_supervisor_view
from booth.service import Booth, Session
from sync.protocol.records import OVERRIDE, SCAN

TIMEOUT = 15_000
SUP = Session(SUPERVISOR, "supervisor", None)
OFFICER2, _, OFFICER2_PIN = DEMO_OFFICERS[1]


@pytest.fixture
def booth(demo: DemoBooth) -> Booth:
    """The demo booth after a little traffic: two officers, valid and rejected scans, an override."""
    b = Booth(demo.booth_dir)
    sok = b.login(OFFICER, OFFICER_PIN)
    som = b.login(OFFICER2, OFFICER2_PIN)
    cases = [c for c in demo.data.cases if c.checkpoint == "KH-PHD"]
    valid = [c for c in cases if c.label == "valid"][:6]
    rejected = [c for c in cases if c.label in ("expired", "wrong_checkpoint", "revoked")][:3]
    for i, c in enumerate(valid):
        b.scan(sok if i % 2 else som, c.text, direction="entry", channel=("camera", "wedge")[i % 2])
    for c in rejected:
        last = b.scan(sok, c.text, direction="entry", channel="manual").record
    b.override_with_pin(
        last.seq, SUPERVISOR, DEMO_OFFICERS[2][2], "Confirmed with the permit office by phone", shift_id=sok.shift_id
    )
    yield b
    b.close()


@pytest.fixture
def view(qtbot, booth: Booth, gui_fonts) -> SupervisorView:
    ops = Operations()
    v = SupervisorView(booth, SUP, ops=ops)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitUntil(lambda: v.report is not None and v.table.rowCount() > 0, timeout=TIMEOUT)
    yield v
    v.close()
    ops.stop()


def test_the_newest_shift_is_shown_with_figures_from_the_ledger(
    qtbot,
    view: SupervisorView,
    booth: Booth,
) -> None:
    shift_id = view.shift.currentData()
    assert shift_id == max(s.id for s in booth.shifts())
    records = list(booth.ledger.records())
    mine = {r.seq for r in records if r.kind == SCAN and r.shift_id == shift_id}
    chosen = [r for r in records if r.seq in mine or (r.kind == OVERRIDE and r.ref_seq in mine)]
    scans = [r for r in chosen if r.kind == SCAN]
    figures = {
        "scans": len(scans),
        "entries": sum(r.verdict == "valid" and r.direction == "entry" for r in scans),
        "rejections": sum(r.verdict == "rejected" for r in scans),
        "overrides": sum(r.kind == OVERRIDE for r in chosen),
    }
    crossed = {r.ref_seq for r in chosen if r.kind == OVERRIDE} | {r.seq for r in scans if r.verdict == "valid"}
    figures["inside"] = len({r.permit_no for r in scans if r.seq in crossed and r.direction == "entry"})
    assert figures["scans"] > 0 and figures["inside"] > 0
    for key, value in figures.items():
        assert view.tiles[key].text() == f"{value:,}", key
    assert view.table.rowCount() == len(chosen)
    assert [int(view.table.item(i, 0).text()) for i in range(view.table.rowCount())] == sorted(
        (r.seq for r in chosen), reverse=True
    )


def test_search_by_name_or_permit_number(qtbot, view: SupervisorView, booth: Booth) -> None:
    view.choose(day=dt.date.today())
    qtbot.waitUntil(lambda: view.report is not None and view.report.shift is None, timeout=TIMEOUT)
    scans = [r for r in booth.ledger.records() if r.kind == SCAN and r.native_name]
    target = scans[0]
    view.search.setText(target.native_name.split()[0])
    want = [r for r in scans if target.native_name.split()[0] in r.native_name]
    qtbot.waitUntil(
        lambda: view.table.rowCount() == len(want) and view.table.item(0, 8).text() == want[-1].native_name,
        timeout=TIMEOUT,
    )
    view.search.setText(target.permit_no)
    qtbot.waitUntil(
        lambda: (
            view.table.rowCount() >= 1
            and all(view.table.item(i, 6).text() == target.permit_no for i in range(view.table.rowCount()))
        ),
        timeout=TIMEOUT,
    )


def test_a_day_for_one_officer(qtbot, view: SupervisorView, booth: Booth) -> None:
    qtbot.waitUntil(lambda: view.officer.count() == 4, timeout=TIMEOUT)  # "all" and three officers
    view.choose(day=dt.date.today(), officer=OFFICER2)
    scans = [r for r in booth.ledger.records() if r.kind == SCAN and r.officer == OFFICER2]
    qtbot.waitUntil(
        lambda: (
            view.report is not None
            and view.report.filter.officer == OFFICER2
            and view.tiles["scans"].text() == str(len(scans))
        ),
        timeout=TIMEOUT,
    )
    assert view.report.by_channel == dict(Counter(r.channel for r in scans))


def test_export_to_a_folder_with_progress_then_verify(
    qtbot,
    view: SupervisorView,
    booth: Booth,
    tmp_path: Path,
) -> None:
    usb = tmp_path / "USB STICK"
    usb.mkdir()
    view.folder.setText(str(usb))
    seen: list[int] = []
    view.progress_changed.connect(lambda done, total: seen.append(done))
    for fmt in ("csv", "pdf"):
        view.last_export = None
        view.format.setCurrentIndex(view.format.findData(fmt))
        view.export()
        qtbot.waitUntil(lambda: view.last_export is not None, timeout=TIMEOUT)
        assert view.progress.value() == 1000 and not view.exporting and view.export_button.isEnabled()
        result = view.last_export
        assert result.path.parent == usb and result.path.suffix == f".{fmt}" and "Exported" in view.message.text()
        assert booth.verify_export(result.path, records=fmt == "csv") == result.manifest
    assert seen
    names = sorted(p.name for p in usb.iterdir())
    assert len(names) == 4 and all(n.startswith("PHD-01_shift-") for n in names)
    audit = [r for r in booth.ledger.records() if r.action == "export"]
    assert len(audit) == 2 and all(r.officer == SUPERVISOR for r in audit)


def test_export_to_a_missing_folder_says_so(qtbot, view: SupervisorView, tmp_path: Path) -> None:
    view.folder.setText(str(tmp_path / "unplugged"))
    view.export("pdf")
    qtbot.waitUntil(lambda: "does not exist" in view.message.text(), timeout=TIMEOUT)
    assert not view.exporting and not (tmp_path / "unplugged").exists()
    assert not view.progress.isVisible()


def test_close_a_shift(qtbot, view: SupervisorView, booth: Booth) -> None:
    shift_id = view.shift.currentData()
    assert view.close_shift_button.isEnabled()
    view.close_shift(confirm=False)
    qtbot.waitUntil(
        lambda: f"Shift #{shift_id}" in view.message.text() and "closed" in view.message.text(), timeout=TIMEOUT
    )
    assert shift_id not in {s.id for s in booth.shifts(open_only=True)}
    qtbot.waitUntil(lambda: not view.close_shift_button.isEnabled(), timeout=TIMEOUT)
    closing = [r for r in booth.ledger.records() if r.action == "shift_close"][-1]
    assert closing.shift_id == shift_id and f"closed by {SUPERVISOR}" in closing.note


def test_only_a_supervisor_opens_it(qtbot, booth: Booth, monkeypatch: pytest.MonkeyPatch, gui_fonts) -> None:
    with pytest.raises(NotSupervisor):
        SupervisorView(booth, Session(OFFICER, "officer", 1), ops=Operations())
    warned: list[str] = []
    monkeypatch.setattr(supervisor_view.QMessageBox, "warning", lambda *a: warned.append(a[2]))
    from booth.gui.qt import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    assert open_supervisor_view(parent, booth, Session(OFFICER, "officer", 1), Operations()) is None
    assert warned == ["Only a supervisor may open this."]


def test_screenshot(qtbot, view: SupervisorView, tmp_path: Path) -> None:
    """A picture of the view for the README (BOOTH_SCREENSHOTS=folder), and a check that it draws."""
    view.resize(1180, 760)
    qtbot.waitUntil(lambda: view.details.text() != "", timeout=TIMEOUT)
    folder = Path(os.environ.get("BOOTH_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    assert view.grab().save(str(folder / "supervisor-view.png"))
