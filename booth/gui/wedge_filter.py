"""Keyboard-wedge scanners anywhere in the app: watch every key press once, at the window.

A USB QR scanner "types" the permit text in a fast burst ending with Enter. The detector
(``booth.scan.wedge``) tells such bursts from a person typing; when one completes, the text
is scanned with channel "wedge", the final Enter is swallowed (so it presses no button), and
a text field that received the burst gets its old text back.
"""

from __future__ import annotations

import time

from booth.gui.qt import QApplication, QEvent, QLineEdit, QObject, Qt, QWindow, Signal
from booth.scan.wedge import WedgeDetector


class WedgeFilter(QObject):
    scanned = Signal(str)

    def __init__(self, detector: WedgeDetector | None = None) -> None:
        super().__init__()
        self.detector = detector or WedgeDetector()
        self._field: QLineEdit | None = None
        self._field_text = ""
        self._last_key = 0.0

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        # Key events reach the QWindow first, then each widget up the chain: look once.
        if event.type() != QEvent.KeyPress or not isinstance(obj, QWindow):
            return False
        char = "\n" if event.key() in (Qt.Key_Return, Qt.Key_Enter) else event.text()
        if not char:
            return False
        now = time.monotonic()
        if now - self._last_key > self.detector.max_gap_ms / 1000:
            self._remember_field()  # a possible burst starts: note the field's text before it
        self._last_key = now
        text = self.detector.feed(char, now)
        if text is None:
            return False
        if self._field is not None:
            self._field.setText(self._field_text)
        self.scanned.emit(text)
        return True

    def _remember_field(self) -> None:
        focus = QApplication.focusWidget()
        self._field = focus if isinstance(focus, QLineEdit) else None
        self._field_text = self._field.text() if self._field else ""
