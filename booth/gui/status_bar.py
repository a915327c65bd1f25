"""The status bar: camera, trust-bundle age, clock, sync — each in plain words and colour."""

from __future__ import annotations

from booth.gui.fonts import ui_font
from booth.gui.qt import QEvent, QLabel, QStatusBar, QWidget
from booth.gui.text_label import TextLabel, as_rich_text

OK, WARN, BAD = "#1b7f3b", "#9a5b00", "#b3261e"


class BoothStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.camera, self.bundle, self.clock, self.sync, self.officer = (TextLabel() for _ in range(5))
        for label in (self.officer, self.camera, self.bundle, self.clock, self.sync):
            label.setFont(ui_font(11))
            self.addPermanentWidget(label)
        self._camera_state = "starting"
        self._status: dict = {}
        self._officer = ""

    def set_camera_state(self, state: str) -> None:
        self._camera_state = state
        self._render()

    def set_status(self, status: dict) -> None:
        self._status = status
        self._render()

    def set_officer(self, name: str) -> None:
        self._officer = name
        self._render()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self._render()
        super().changeEvent(event)

    def _render(self) -> None:
        self.officer.setText(self.tr("Officer: {0}").format(self._officer) if self._officer else "")
        camera = {
            "ok": (self.tr("Camera OK"), OK),
            "starting": (self.tr("Camera starting…"), WARN),
            "lost": (self.tr("Camera lost — reconnecting"), BAD),
            "no_camera": (self.tr("No camera"), BAD),
            "stopped": (self.tr("Camera off"), WARN),
        }.get(self._camera_state, (self._camera_state, WARN))
        _paint(self.camera, *camera)
        s = self._status
        if s.get("bundle_version") is None:
            _paint(self.bundle, self.tr("No trust list installed"), BAD)
        elif s.get("trust_expired"):
            _paint(self.bundle, self.tr("Trust list EXPIRED: sync with HQ"), BAD)
        else:
            age = s.get("bundle_age_days") or 0
            colour = BAD if s.get("trust_stale") else WARN if age > s.get("bundle_max_days", 7) / 2 else OK
            _paint(
                self.bundle, self.tr("Trust list v{0}, {1} days old").format(s["bundle_version"], round(age, 1)), colour
            )
        if s.get("clock_suspect"):
            _paint(self.clock, self.tr("Clock looks wrong!"), BAD)
        else:
            _paint(self.clock, s.get("clock", "")[11:16], OK)
        pending = s.get("pending_sync", 0)
        last = (s.get("last_sync") or "")[11:16] or self.tr("never")
        if s.get("sync_error"):
            text = self.tr("Sync failing: {0} waiting · last OK {1}").format(pending, last)
            self.sync.setToolTip(as_rich_text(s["sync_error"]))
            _paint(self.sync, text, BAD)
        elif not s.get("hq_url"):
            _paint(self.sync, self.tr("Not enrolled with HQ: {0} waiting").format(pending), WARN)
        else:
            self.sync.setToolTip("")
            _paint(
                self.sync, self.tr("Sync: {0} waiting · last {1}").format(pending, last), OK if pending < 50 else WARN
            )


def _paint(label: QLabel, text: str, colour: str) -> None:
    label.setText(text)
    label.setStyleSheet(f"QLabel {{ color: {colour}; padding: 0 8px; }}")
