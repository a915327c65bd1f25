"""The booth's window: the login screen, and the main screen the officer works at.

Every action goes through ``Operations`` (off the GUI thread) to ``booth.service.Booth``;
this file holds layout and wiring only — no rule, no SQL.
"""

from __future__ import annotations

import logging

from booth.gui.camera_view import CameraView
from booth.gui.dialogs import ManualEntryDialog, OverrideDialog
from booth.gui.fonts import ui_font
from booth.gui.i18n import Languages
from booth.gui.language_bar import LanguageBar
from booth.gui.login_screen import LoginScreen
from booth.gui.messages import error_text
from booth.gui.operations import Operations
from booth.gui.qt import (
    QApplication,
    QEvent,
    QHBoxLayout,
    QKeySequence,
    QMainWindow,
    QMessageBox,
    QObject,
    QPushButton,
    QShortcut,
    QStackedWidget,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from booth.gui.recent_scans import RecentScans
from booth.gui.scanner import Scanner
from booth.gui.settings_dialog import SettingsDialog
from booth.gui.shift_counters import ShiftCounters
from booth.gui.sounds import Sounds
from booth.gui.status_bar import BoothStatusBar
from booth.gui.sync_worker import SyncWorker
from booth.gui.text_label import as_rich_text
from booth.gui.verdict_icon import CHECK, PASS
from booth.gui.verdict_panel import VerdictPanel
from booth.gui.wedge_filter import WedgeFilter
from booth.service import Booth, ScanOutcome, Session
from sync.protocol.records import Record

log = logging.getLogger(__name__)
ENTRY, EXIT = "entry", "exit"
PREVIEW_MS = 33  # ~30 fps
STATUS_MS = 5000


class MainWindow(QMainWindow):
    def __init__(
        self,
        booth: Booth,
        *,
        scanner: Scanner | None = None,
        ops: Operations | None = None,
        sync: SyncWorker | None = None,
    ) -> None:
        super().__init__()
        self.booth = booth
        self.sync = sync
        self.ops = ops or Operations()
        self.scanner = scanner
        self.languages = Languages()
        self.sounds = Sounds(muted=not booth.settings.sounds)
        self.session: Session | None = None
        self.direction = ENTRY
        self.last_outcome: ScanOutcome | None = None
        self.idle_ms = booth.settings.idle_lock_minutes * 60_000
        self.setWindowTitle(self.tr("Booth"))
        self.setFont(ui_font(12))

        self.login = LoginScreen()
        self.login.set_place(booth.ledger.booth_id, booth.settings.checkpoint)
        self.login.login_requested.connect(self._login)
        self.login.languages.chosen.connect(self.set_language)
        self.main = self._build_main()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.login)
        self.stack.addWidget(self.main)
        self.setCentralWidget(self.stack)
        self.status = BoothStatusBar()
        self.setStatusBar(self.status)
        self._shortcuts()
        self._timers()

        self.wedge = WedgeFilter(parent=self)
        self.wedge.scanned.connect(lambda text: self.scan(text, "wedge"))
        QApplication.instance().installEventFilter(self.wedge)
        self._activity = _ActivityWatch(self.reset_idle, parent=self)
        QApplication.instance().installEventFilter(self._activity)
        if sync is not None:
            sync.finished.connect(lambda _ok, _message: self.refresh_status())
        if scanner is not None:
            scanner.code_seen.connect(lambda text: self.scan(text, "camera"))
            scanner.state_changed.connect(self._camera_state)
            scanner.outlines.connect(self.camera.show_codes)
        self.set_language(booth.settings.language)
        self.retranslate()  # English needs no translator, so no LanguageChange event comes
        self.refresh_officers()
        self.refresh_status()

    # -- layout
    def _build_main(self) -> QWidget:
        self.direction_button = QPushButton()
        self.direction_button.setFont(ui_font(22, bold=True))
        self.direction_button.setMinimumHeight(64)
        self.direction_button.clicked.connect(self.toggle_direction)
        self.camera = CameraView()
        self.counters = ShiftCounters()
        self.recent = RecentScans()
        self.recent.search_changed.connect(self.refresh_recent)
        self.verdict = VerdictPanel()
        self.buttons = {
            name: QPushButton()
            for name in ("manual", "override", "again", "lock", "settings", "mute", "sync", "reports")
        }
        for button in self.buttons.values():
            button.setFont(ui_font(12))
            button.setMinimumHeight(40)
        self.buttons["manual"].clicked.connect(self.manual_entry)
        self.buttons["override"].clicked.connect(self.override_last)
        self.buttons["again"].clicked.connect(self.scan_again)
        self.buttons["lock"].clicked.connect(self.lock)
        self.buttons["settings"].clicked.connect(self.open_settings)
        self.buttons["mute"].clicked.connect(self.toggle_mute)
        self.buttons["sync"].clicked.connect(self.sync_now)
        self.buttons["reports"].clicked.connect(self.open_supervisor_view)
        self.languages_bar = LanguageBar()
        self.languages_bar.chosen.connect(self.set_language)

        left = QVBoxLayout()
        left.addWidget(self.direction_button)
        left.addWidget(self.camera, 3)
        left.addWidget(self.counters)
        left.addWidget(self.recent, 2)
        actions = QHBoxLayout()
        for name in ("manual", "override", "again", "lock"):
            actions.addWidget(self.buttons[name])
        top = QHBoxLayout()
        top.addWidget(self.buttons["settings"])
        top.addWidget(self.buttons["mute"])
        top.addWidget(self.buttons["sync"])
        top.addWidget(self.buttons["reports"])
        top.addStretch(1)
        top.addWidget(self.languages_bar)
        right = QVBoxLayout()
        right.addLayout(top)
        right.addWidget(self.verdict, 1)
        right.addLayout(actions)
        page = QWidget()
        row = QHBoxLayout(page)
        row.addLayout(left, 2)
        row.addLayout(right, 3)
        return page

    def _shortcuts(self) -> None:
        for key, slot in (
            ("F2", self.toggle_direction),
            ("F3", self.focus_search),
            ("F4", self.manual_entry),
            ("F5", self.scan_again),
            ("F6", self.sync_now),
            ("F8", self.override_last),
            ("F9", self.open_supervisor_view),
            ("F10", self.open_settings),
            ("Ctrl+L", self.lock),
            ("Ctrl+M", self.toggle_mute),
            ("Escape", self.verdict.show_idle),
        ):
            QShortcut(QKeySequence(key), self, activated=slot)

    def _timers(self) -> None:
        self.preview_timer = QTimer(self, interval=PREVIEW_MS, timeout=self._preview)
        self.preview_timer.start()
        self.status_timer = QTimer(self, interval=STATUS_MS, timeout=self.refresh_status)
        self.status_timer.start()
        self.idle_timer = QTimer(self, singleShot=True, timeout=self.lock)

    # -- login and lock
    def _login(self, name: str, pin: str) -> None:
        self.login.show_message(self.tr("Checking…"), error=False)
        self.ops.run(lambda: self.booth.login(name, pin), self._logged_in, self._login_failed)

    def _logged_in(self, session: Session) -> None:
        self.session = session
        self.login.show_message("")
        self.status.set_officer(session.officer)
        self.stack.setCurrentWidget(self.main)
        self.buttons["settings"].setEnabled(session.role == "supervisor")
        self.buttons["reports"].setEnabled(session.role == "supervisor")
        self.verdict.show_idle()
        self.reset_idle()
        self.refresh_recent()
        self.refresh_counters()

    def _login_failed(self, error: Exception) -> None:
        self.login.show_message(error_text(error))
        self.login.reset()

    def lock(self) -> None:
        if self.session is not None:
            session = self.session
            self.ops.run(lambda: self.booth.logout(session))
        self.session = None
        self.status.set_officer("")
        self.refresh_officers()
        self.stack.setCurrentWidget(self.login)
        self.login.reset()

    def reset_idle(self) -> None:
        if self.session is not None:
            self.idle_timer.start(self.idle_ms)

    def refresh_officers(self) -> None:
        self.ops.run(self.booth.officer_names, self.login.set_officers)

    # -- scanning
    def scan(self, text: str, channel: str) -> None:
        if self.session is None:
            self.login.show_message(self.tr("Log in first: the scan was not recorded."))
            return
        session, direction = self.session, self.direction
        self.ops.run(
            lambda: self.booth.scan(session, text, direction=direction, channel=channel),
            self._scanned,
            self._scan_failed,
        )

    def _scanned(self, outcome: ScanOutcome) -> None:
        self.last_outcome = outcome
        self.verdict.show_outcome(outcome)
        self.sounds.play("pass" if self.verdict.kind in (PASS, CHECK) else "stop")
        self.refresh_recent()
        self.refresh_counters()

    def _scan_failed(self, error: Exception) -> None:
        self.verdict.show_error(error_text(error))
        self.sounds.play("error")

    def scan_again(self) -> None:
        if self.scanner is not None:
            self.scanner.scan_again()

    def manual_entry(self) -> None:
        if self.session is None:
            return
        dialog = ManualEntryDialog(self)
        if dialog.exec() and dialog.value():
            self.scan(dialog.value(), "manual")

    def toggle_direction(self) -> None:
        self.direction = EXIT if self.direction == ENTRY else ENTRY
        self._render_direction()

    def _render_direction(self) -> None:
        if self.direction == ENTRY:
            text, colour = self.tr("ENTRY  →   (F2 to switch)"), "#1a56a8"
        else:
            text, colour = self.tr("←  EXIT   (F2 to switch)"), "#6b3fa0"
        self.direction_button.setText(text)
        self.direction_button.setStyleSheet(
            f"QPushButton {{ background: {colour}; color: white; border-radius: 8px; padding: 6px; }}"
        )

    # -- override
    def override_last(self) -> None:
        outcome = self.last_outcome
        if self.session is None or outcome is None or outcome.verdict.valid:
            self.verdict_hint(self.tr("There is no rejected scan to override."))
            return
        self.ops.run(
            lambda: [o.name for o in self.booth.ledger.officers() if o.role == "supervisor" and o.active],
            lambda names: self._ask_override(outcome.record, names),
        )

    def _ask_override(self, record: Record, supervisors: list[str]) -> None:
        dialog = OverrideDialog(record, supervisors, self)
        if not dialog.exec():
            return
        name, pin, reason = dialog.values()
        second = dialog.second_values()
        shift = self.session.shift_id if self.session else None
        self.ops.run(
            lambda: self.booth.override_with_pin(record.seq, name, pin, reason, shift_id=shift, second=second),
            lambda rec: self._overridden(rec.supervisor),
            self._override_failed,
        )

    def _overridden(self, supervisor: str) -> None:
        if self.last_outcome is not None:
            self.verdict.show_outcome(self.last_outcome, overridden_by=supervisor)
        self.sounds.play("pass")
        self.refresh_recent()
        self.refresh_counters()

    def _override_failed(self, error: Exception) -> None:
        QMessageBox.warning(self, self.tr("Override refused"), as_rich_text(error_text(error)))

    def verdict_hint(self, text: str) -> None:
        self.statusBar().showMessage(text, 4000)

    # -- settings, language, sound
    def open_settings(self) -> None:
        if self.session is None or self.session.role != "supervisor":
            self.verdict_hint(self.tr("Only a supervisor may change the settings."))
            return
        checkpoints = [c.code for c in (self.booth.trust.current().checkpoints if self.booth.trust.current() else ())]
        dialog = SettingsDialog(self.booth.settings, checkpoints, self)
        if dialog.exec():
            new, session = dialog.value(), self.session
            self.ops.run(
                lambda: self.booth.change_settings(new, session=session),
                lambda _: self._settings_saved(),
                self._settings_refused,
            )

    def _settings_refused(self, error: BaseException) -> None:
        QMessageBox.warning(self, self.tr("Settings"), as_rich_text(error_text(error)))

    def _settings_saved(self) -> None:
        self.sounds.muted = not self.booth.settings.sounds
        self.idle_ms = self.booth.settings.idle_lock_minutes * 60_000
        self.set_language(self.booth.settings.language)
        self.login.set_place(self.booth.ledger.booth_id, self.booth.settings.checkpoint)
        self.reset_idle()

    def set_language(self, code: str) -> None:
        self.languages.switch(code)
        self.login.languages.mark(code)
        self.languages_bar.mark(code)

    def toggle_mute(self) -> None:
        self.sounds.muted = not self.sounds.muted
        self.retranslate()

    def open_supervisor_view(self) -> None:
        """Shift reports, search, close shift and signed exports (supervisors)."""
        from booth.gui.supervisor_view import open_supervisor_view

        if self.session is not None:
            open_supervisor_view(self, self.booth, self.session, self.ops)

    def sync_now(self) -> None:
        if self.sync is None:
            self.verdict_hint(self.tr("This booth is not enrolled with HQ (booth enrol)."))
            return
        self.sync.sync_now()
        self.verdict_hint(self.tr("Syncing with HQ…"))

    def focus_search(self) -> None:
        self.recent.search.setFocus()

    # -- refreshers
    def refresh_recent(self, *_: object) -> None:
        search = self.recent.search.text()
        self.ops.run(lambda: self.booth.recent(50, search or None), self.recent.show_records)

    def refresh_counters(self) -> None:
        if self.session is not None:
            session = self.session
            self.ops.run(lambda: self.booth.shift_counters(session), self.counters.update_counts)

    def refresh_status(self) -> None:
        self.ops.run(self.booth.status, self.status.set_status)
        self.ops.run(self.booth.idle)

    def _camera_state(self, state: str) -> None:
        self.camera.set_state(state)
        self.status.set_camera_state(state)

    def _preview(self) -> None:
        if self.scanner is None or self.stack.currentWidget() is not self.main:
            return
        frame = self.scanner.latest_frame()
        if frame is not None and frame is not getattr(self, "_last_frame", None):
            self._last_frame = frame
            self.camera.show_frame(frame)

    # -- language
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(
            self.tr("Booth {0} · {1}").format(self.booth.ledger.booth_id, self.booth.settings.checkpoint)
        )
        texts = {
            "manual": self.tr("Type permit (F4)"),
            "override": self.tr("Override (F8)"),
            "again": self.tr("Scan again (F5)"),
            "lock": self.tr("Lock (Ctrl+L)"),
            "settings": self.tr("Settings (F10)"),
            "sync": self.tr("Sync now (F6)"),
            "reports": self.tr("Reports (F9)"),
            "mute": self.tr("Sound off (Ctrl+M)") if not self.sounds.muted else self.tr("Sound on (Ctrl+M)"),
        }
        for name, text in texts.items():
            self.buttons[name].setText(text)
        self._render_direction()

    def closeEvent(self, event: QEvent) -> None:
        app = QApplication.instance()
        app.removeEventFilter(self.wedge)  # app-wide filters must not outlive the window
        app.removeEventFilter(self._activity)
        self.preview_timer.stop()
        self.status_timer.stop()
        self.idle_timer.stop()
        if self.scanner is not None:
            self.scanner.stop()
        if self.sync is not None:
            self.sync.stop()
        if self.session is not None:
            session = self.session
            self.ops.run(lambda: self.booth.logout(session))
        self.ops.stop()
        self.languages.switch("en")  # translators are application-wide: do not leave ours behind
        super().closeEvent(event)


class _ActivityWatch(QObject):
    """Any key (shortcut keys included: they arrive as ShortcutOverride, not KeyPress) or mouse
    use restarts the idle-lock timer. Camera scans do not: the lock is there for the officer who
    walked away, and a card held up to an unattended booth must not keep it open."""

    def __init__(self, on_activity, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_activity = on_activity

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.KeyPress, QEvent.ShortcutOverride, QEvent.MouseButtonPress):
            self._on_activity()
        return False
