"""Keyboard-wedge scanners anywhere in the app: watch every key press once, at the window.

A USB QR scanner "types" the permit text in a fast burst ending with Enter. The detector
(``booth.scan.wedge``) tells such bursts from a person typing; when one completes, the text
is scanned with channel "wedge", the final Enter is swallowed (so it presses no button), and
a text field that received the burst gets its old text back.
"""

from __future__ import annotations

import time

from booth.gui.qt import QApplication, QEvent, QLineEdit, QObject, Qt, QWidget, Signal
from booth.scan.wedge import WedgeDetector


class WedgeFilter(QObject):
    scanned = Signal(str)

    def __init__(self, detector: WedgeDetector | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.detector = detector or WedgeDetector()
        self._field: QLineEdit | None = None
        self._field_text = ""
        self._last_key = 0.0

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        # A key event visits the focus widget, then each parent that ignores it: look once, at
        # the focus widget (or the window itself when nothing has the focus).
        if event.type() != QEvent.KeyPress or not _first_receiver(obj):
            return False
        char = "\n" if event.key() in (Qt.Key_Return, Qt.Key_Enter) else event.text()
        if not char:
            return False
        # The time the key was typed, not when we got to it: a busy GUI must not break a burst.
        now = event.timestamp() / 1000 if event.timestamp() else time.monotonic()
        if now - self._last_key > self.detector.max_gap:
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


def _first_receiver(obj: QObject) -> bool:
    focus = QApplication.focusWidget()
    if focus is not None:
        return obj is focus
    return isinstance(obj, QWidget) and obj.isWindow()
