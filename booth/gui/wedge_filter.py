"""Keyboard-wedge scanners anywhere in the app: watch every key press once, at the window.

A USB QR scanner "types" the permit text in a fast burst ending with Enter. The detector
(``booth.scan.wedge``) tells such bursts from a person typing; when one completes, the text
is scanned with channel "wedge", the final Enter is swallowed (so it presses no button), and
a text field that received the burst gets its old text back.

Scanners send US key positions, so where the platform gives the key's scan code (X11 and
Wayland: evdev code + 8; Windows: the set-1 code), the detector is fed the character a US
keyboard makes there (``booth.scan.wedge.us_layout_char``), not the text the system's layout
made of it: on a booth PC set to Thai or Khmer a scan still reads "BP1:...". The key events
themselves reach the widgets unchanged, so a person typing Thai or Khmer is not affected.
"""

from __future__ import annotations

import time

from booth.gui.qt import QApplication, QEvent, QGuiApplication, QKeyEvent, QLineEdit, QObject, Qt, QWidget, Signal
from booth.scan.wedge import WedgeDetector, us_layout_char

# platform -> what to subtract from QKeyEvent.nativeScanCode() to get the evdev / set-1 code
SCAN_CODE_OFFSETS = {"xcb": 8, "wayland": 8, "windows": 0}


class WedgeFilter(QObject):
    scanned = Signal(str)

    def __init__(
        self, detector: WedgeDetector | None = None, parent: QObject | None = None, *, scan_code_offset: int | None = -1
    ) -> None:
        """``scan_code_offset``: -1 (default) for the platform's (None where scan codes are unknown)."""
        super().__init__(parent)
        if scan_code_offset == -1:
            scan_code_offset = SCAN_CODE_OFFSETS.get(QGuiApplication.platformName())
        self.scan_code_offset = scan_code_offset
        self.detector = detector or WedgeDetector()
        self._field: QLineEdit | None = None
        self._field_text = ""
        self._last_key = 0.0

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # A key event visits the focus widget, then each parent that ignores it: look once, at
        # the focus widget (or the window itself when nothing has the focus).
        if event.type() != QEvent.KeyPress or not _first_receiver(obj):
            return False
        char = "\n" if event.key() in (Qt.Key_Return, Qt.Key_Enter) else self._char(event)
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

    def _char(self, event: QKeyEvent) -> str:
        """The key's character on a US keyboard when its position is known, else the layout's text."""
        text = event.text()
        if self.scan_code_offset is None or not text or not text.isprintable():
            return text
        shift = bool(event.modifiers() & Qt.ShiftModifier)
        return us_layout_char(event.nativeScanCode() - self.scan_code_offset, shift) or text

    def _remember_field(self) -> None:
        focus = QApplication.focusWidget()
        self._field = focus if isinstance(focus, QLineEdit) else None
        self._field_text = self._field.text() if self._field else ""


def _first_receiver(obj: QObject) -> bool:
    focus = QApplication.focusWidget()
    if focus is not None:
        return obj is focus
    return isinstance(obj, QWidget) and obj.isWindow()
