"""The booth window with real widgets, a real ledger and the real operations thread."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from gui_helpers import OFFICER, OFFICER_PIN, SUPERVISOR, SUPERVISOR_PIN

from booth.demo import DemoBooth
from booth.gui.fonts import FAMILIES
from booth.gui.main_window import MainWindow
from booth.gui.qt import (
    QAbstractButton,
    QApplication,
    QFont,
    QFontMetrics,
    QLabel,
    Qt,
    QTimer,
)
from booth.gui.verdict_icon import CHECK, ERROR, PASS, STOP
from booth.gui.verdict_panel import reason_text
from booth.reasons import Reason
from booth.service import Booth

TIMEOUT = 10_000


def log_in(qtbot, win: MainWindow, name: str = OFFICER, pin: str = OFFICER_PIN) -> None:
    qtbot.waitUntil(lambda: win.login.officer.count() > 0, timeout=TIMEOUT)
    win.login.officer.setCurrentText(name)
    win.login.pin.setText(pin)
    qtbot.keyClick(win.login.pin, Qt.Key_Return)


def scan(qtbot, win: MainWindow, text: str) -> None:
    before = win.last_outcome
    win.scan(text, "manual")
    qtbot.waitUntil(lambda: win.last_outcome is not before, timeout=TIMEOUT)


def case(demo: DemoBooth, label: str):
    return next(c for c in demo.data.cases if c.label == label)


def test_login_wrong_pin_then_lock_out_then_ok(qtbot, window: MainWindow) -> None:
    log_in(qtbot, window, pin="000000")
    qtbot.waitUntil(lambda: "Wrong PIN" in window.login.message.text(), timeout=TIMEOUT)
    assert window.session is None and window.stack.currentWidget() is window.login
    for _ in range(2):
        log_in(qtbot, window, pin="000000")
    qtbot.waitUntil(lambda: "Locked" in window.login.message.text(), timeout=TIMEOUT)
    log_in(qtbot, window, pin=OFFICER_PIN)  # the right PIN must wait out the lock too
    qtbot.waitUntil(lambda: "Locked" in window.login.message.text() and window.session is None, timeout=TIMEOUT)
    window.booth.unlock(OFFICER, by=window.booth.authorise(SUPERVISOR, SUPERVISOR_PIN))
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    assert window.stack.currentWidget() is window.main
    assert window.status.officer.text().endswith(OFFICER)


def test_a_disabled_officer_is_told_in_words_not_a_trace(qtbot, window: MainWindow) -> None:
    window.booth.disable_officer(OFFICER, by=window.booth.authorise(SUPERVISOR, SUPERVISOR_PIN))
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: "disabled at this booth" in window.login.message.text(), timeout=TIMEOUT)
    assert window.session is None and window.stack.currentWidget() is window.login


def test_valid_permit_shows_pass_and_is_recorded(qtbot, window: MainWindow, demo: DemoBooth) -> None:
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    before = window.booth.ledger.count()
    scan(qtbot, window, case(demo, "valid").text)
    assert window.verdict.kind == PASS and window.verdict.word.text() == "PASS"
    assert window.verdict.name.text() and window.verdict.native.text()
    record = window.booth.ledger.record(window.last_outcome.record.seq)
    assert window.booth.ledger.count() > before and record.verdict == "valid" and record.channel == "manual"
    qtbot.waitUntil(lambda: window.counters.values["entries"].text() == "1", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.recent.list.count() >= 1, timeout=TIMEOUT)


def test_each_rejection_shows_its_words(qtbot, window: MainWindow, demo: DemoBooth) -> None:
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    seen: set[str] = set()
    for c in demo.data.cases:
        if c.label == "valid" or c.label in seen:
            continue
        seen.add(c.label)
        scan(qtbot, window, c.text)
        assert window.verdict.kind == STOP, c.label
        assert window.verdict.word.text() == "STOP"
        for reason in c.expected_reasons:
            assert reason_text(Reason(reason)) in window.verdict.reasons.text(), (c.label, reason)
    assert len(seen) >= 9


def test_override_flow_writes_the_override_record(qtbot, window: MainWindow, demo: DemoBooth) -> None:
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    scan(qtbot, window, case(demo, "wrong_checkpoint").text)
    rejected = window.last_outcome.record.seq

    def fill_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(50, fill_dialog)
            return
        dialog.supervisor.setCurrentText(SUPERVISOR)
        dialog.pin.setText(SUPERVISOR_PIN)
        dialog.reason.setPlainText("permit office confirmed by phone")
        dialog.accept()

    QTimer.singleShot(50, fill_dialog)
    qtbot.keyClick(window, Qt.Key_F8)
    qtbot.waitUntil(lambda: bool(window.booth.ledger.overrides_of(rejected)), timeout=TIMEOUT)
    override = window.booth.ledger.overrides_of(rejected)[0]
    assert override.supervisor == SUPERVISOR and override.note == "permit office confirmed by phone"
    qtbot.waitUntil(lambda: window.verdict.kind == CHECK, timeout=TIMEOUT)
    assert SUPERVISOR in window.verdict.sub.text()


def test_direction_toggles_with_one_key(qtbot, window: MainWindow) -> None:
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    assert window.direction == "entry" and "ENTRY" in window.direction_button.text()
    qtbot.keyClick(window, Qt.Key_F2)
    assert window.direction == "exit" and "EXIT" in window.direction_button.text()
    qtbot.keyClick(window, Qt.Key_F2)
    assert window.direction == "entry"


def test_idle_lock(qtbot, window: MainWindow) -> None:
    window.idle_ms = 300
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.session is None, timeout=TIMEOUT)
    assert window.stack.currentWidget() is window.login
    qtbot.waitUntil(lambda: any(r.action == "logout" for r in window.booth.ledger.records()), timeout=TIMEOUT)


def test_wedge_scanner_burst_is_scanned_with_its_channel(qtbot, window: MainWindow, demo: DemoBooth) -> None:
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    text = case(demo, "valid").text
    window.recent.search.setFocus()  # a text field has the focus: the burst must not stay in it
    qtbot.keyClicks(window.recent.search, text)  # keyClicks is a machine-speed burst, like a wedge
    qtbot.keyClick(window.recent.search, Qt.Key_Return)
    qtbot.waitUntil(lambda: window.last_outcome is not None, timeout=TIMEOUT)
    assert window.last_outcome.record.channel == "wedge", window.last_outcome.verdict.to_json()
    assert window.verdict.kind == PASS, window.last_outcome.verdict.to_json()
    assert window.recent.search.text() == ""


def test_disk_full_shows_one_clear_message(qtbot, window: MainWindow, demo: DemoBooth) -> None:
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    con = window.booth.ledger.con
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.execute(f"PRAGMA max_page_count={pages}")
    count = window.booth.ledger.count()
    for c in demo.data.cases[:30]:  # until the disk is full
        window.scan(c.text, "manual")
    qtbot.waitUntil(lambda: window.verdict.kind == ERROR, timeout=TIMEOUT)
    assert "disk is full" in window.verdict.sub.text() and "NOT recorded" in window.verdict.sub.text()
    assert window.booth.verify_chain().ok and window.booth.ledger.count() >= count


# -- languages: every label fully covered by the bundled fonts, nothing clipped


def _visible_texts(win: MainWindow) -> list[tuple[object, str]]:
    out = []
    for widget in win.findChildren(QLabel) + win.findChildren(QAbstractButton):
        if widget.isVisible() and widget.text():
            out.append((widget, widget.text()))
    return out


def _missing_glyphs(text: str) -> list[str]:
    metrics = [QFontMetrics(QFont(family)) for family in FAMILIES]
    return [ch for ch in text if not ch.isspace() and not any(m.inFontUcs4(ord(ch)) for m in metrics)]


def _clipped(widget) -> bool:
    if isinstance(widget, QLabel) and widget.wordWrap():
        return widget.heightForWidth(widget.width()) > widget.height() + 1
    hint = widget.sizeHint()
    return hint.width() > widget.width() + 1 or hint.height() > widget.height() + 1


@pytest.mark.parametrize("language", ["en", "km", "th"])
def test_every_label_has_glyphs_and_fits(qtbot, window: MainWindow, demo: DemoBooth, language: str) -> None:
    window.set_language(language)
    for screen in ("login", "main"):
        if screen == "main":
            log_in(qtbot, window)
            qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
            scan(qtbot, window, case(demo, "valid").text)
        qtbot.wait(50)
        texts = _visible_texts(window)
        assert texts
        for widget, text in texts:
            assert not _missing_glyphs(text), (language, screen, text)
            assert not _clipped(widget), (language, screen, type(widget).__name__, text)
    if language != "en":
        assert window.verdict.word.text() != "PASS"  # translated


def test_gui_thread_never_blocks_on_slow_work(qtbot, window: MainWindow) -> None:
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    window.ops.run(lambda: time.sleep(1.0))  # a slow disk, say
    gaps, last = [], [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=10, timeout=tick)
    timer.start()
    window.refresh_status()  # queued behind the slow call: must not stall the loop either
    qtbot.wait(1200)
    timer.stop()
    assert len(gaps) > 50 and max(gaps) < 0.25, max(gaps)


def test_screenshots_in_each_language(qtbot, window: MainWindow, demo: DemoBooth, tmp_path: Path) -> None:
    """PASS and STOP in English, Khmer and Thai; BOOTH_SCREENSHOTS=docs/screenshots keeps them."""
    out = Path(os.environ.get("BOOTH_SCREENSHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    valid = [c for c in demo.data.cases if c.label == "valid"]
    for i, language in enumerate(("en", "km", "th")):
        window.set_language(language)
        for kind, text in (("pass", valid[i].text), ("stop", case(demo, "revoked").text)):
            scan(qtbot, window, text)
            assert window.verdict.kind == {"pass": PASS, "stop": STOP}[kind]
            qtbot.wait(100)
            path = out / f"main-{language}-{kind}.png"
            assert window.grab().save(str(path))
            assert path.stat().st_size > 10_000


def test_simulated_camera_to_pass_and_a_record(qtbot, demo: DemoBooth, gui_fonts) -> None:
    """The whole pipeline: simulated camera -> capture thread -> decoder cascade -> GUI -> ledger."""
    from booth.gui.scanner import Scanner
    from booth.scan.cascade import Cascade
    from booth.scan.simcam import SimulatedCamera

    text = case(demo, "valid").text
    scanner = Scanner(lambda: SimulatedCamera([text], seed=3), Cascade.default().decode)
    booth = Booth(demo.booth_dir)
    win = MainWindow(booth, scanner=scanner)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    scanner.start()
    try:
        log_in(qtbot, win)
        qtbot.waitUntil(lambda: win.session is not None, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: win.last_outcome is not None, timeout=20_000)
        assert win.verdict.kind == PASS and win.last_outcome.record.channel == "camera"
        assert booth.ledger.record(win.last_outcome.record.seq).permit_no == win.last_outcome.verdict.permit.number
        qtbot.waitUntil(lambda: win.camera.frames_shown > 10, timeout=TIMEOUT)
        assert win.status.camera.text() == "Camera OK"
    finally:
        win.close()
        booth.close()


def test_settings_are_for_supervisors_and_audited(qtbot, window: MainWindow) -> None:
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    assert not window.buttons["settings"].isEnabled()
    qtbot.keyClick(window, Qt.Key_F10)  # an officer: refused, no dialog
    assert QApplication.activeModalWidget() is None
    window.lock()
    log_in(qtbot, window, SUPERVISOR, SUPERVISOR_PIN)
    qtbot.waitUntil(lambda: window.session is not None and window.session.role == "supervisor", timeout=TIMEOUT)

    def change() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(50, change)
            return
        dialog.idle.setValue(9)
        dialog.language.setCurrentIndex(2)  # Thai
        dialog.sounds.setChecked(False)
        dialog.accept()

    QTimer.singleShot(50, change)
    qtbot.keyClick(window, Qt.Key_F10)
    qtbot.waitUntil(lambda: window.booth.settings.idle_lock_minutes == 9, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.languages.current == "th", timeout=TIMEOUT)
    assert window.sounds.muted and window.idle_ms == 9 * 60_000
    audit = [r for r in window.booth.ledger.records() if r.action == "settings_change"]
    assert audit and "idle_lock_minutes=9" in audit[-1].note and audit[-1].officer == SUPERVISOR


def test_shortcut_keys_count_as_activity_for_the_idle_lock(qtbot, window: MainWindow) -> None:
    window.idle_ms = 600
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: window.session is not None, timeout=TIMEOUT)
    for _ in range(6):  # 6 × 200 ms of F2 presses: well past the idle time, never idle that long
        qtbot.wait(200)
        qtbot.keyClick(window, Qt.Key_F2)
    assert window.session is not None
    qtbot.waitUntil(lambda: window.session is None, timeout=TIMEOUT)  # then it locks
