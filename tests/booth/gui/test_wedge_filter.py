"""The wedge filter on a booth PC whose keyboard layout is Thai: key events as X11 delivers them
(the layout's Thai text, the key's scan code = evdev code + 8), sent through the real Qt
application to a real line edit."""

from __future__ import annotations

from booth.gui.qt import QApplication, QEvent, QKeyEvent, QLineEdit, Qt
from booth.gui.wedge_filter import WedgeFilter
from booth.scan.wedge import US_KEYS

# What the Thai (Kedmanee) layout types at some US key positions: (evdev code, shift) -> text.
# Note "2" and "3" give "/" and "-": ASCII, yet not what the scanner meant.
KEDMANEE = {
    (48, True): "ฺ",
    (25, True): "ญ",
    (2, False): "ๅ",
    (39, True): "ซ",
    (3, False): "/",
    (4, False): "-",
    (30, True): "ฤ",
    (5, False): "ภ",
    (57, False): " ",
}
EVDEV = {ch: (code, shift) for code, pair in US_KEYS.items() for shift, ch in enumerate(pair)}


def _send(widget: QLineEdit, us_text: str, t0_ms: int, layout: dict | None) -> None:
    for i, ch in enumerate(us_text + "\n"):
        if ch == "\n":
            key, mods, code, text = Qt.Key_Return, Qt.NoModifier, 36, "\r"
        else:
            evdev, shift = EVDEV[ch]
            mods = Qt.ShiftModifier if shift else Qt.NoModifier
            key, code = Qt.Key_A, evdev + 8  # the Qt key does not matter to the filter; the scan code does
            text = layout.get((evdev, bool(shift)), "ก") if layout is not None else ch
        event = QKeyEvent(QEvent.KeyPress, key, mods, code, 0, 0, text)
        event.setTimestamp(t0_ms + 5 * i)  # 5 ms apart: a scanner
        QApplication.sendEvent(widget, event)


def _scans(qtbot, offset: int | None, layout: dict | None) -> tuple[list[str], str]:
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    field.setFocus()
    QApplication.processEvents()
    wedge = WedgeFilter(scan_code_offset=offset)
    QApplication.instance().installEventFilter(wedge)
    seen: list[str] = []
    wedge.scanned.connect(seen.append)
    try:
        _send(field, "BP1:23A4 2B3A4 23 A42", 1_000_000, layout)
    finally:
        QApplication.instance().removeEventFilter(wedge)
    return seen, field.text()


def test_a_scan_on_a_thai_layout_reads_as_the_scanner_meant(qtbot) -> None:
    seen, left_in_field = _scans(qtbot, 8, KEDMANEE)
    assert seen == ["BP1:23A4 2B3A4 23 A42"]
    assert left_in_field == ""  # the field got its old text back


def test_without_scan_codes_the_layouts_text_is_used(qtbot) -> None:
    seen, _ = _scans(qtbot, None, None)  # a US layout where scan codes are unknown: as before
    assert seen == ["BP1:23A4 2B3A4 23 A42"]
    thai, _ = _scans(qtbot, None, KEDMANEE)
    assert thai and thai[0] != "BP1:23A4 2B3A4 23 A42"  # what the mapping is for
