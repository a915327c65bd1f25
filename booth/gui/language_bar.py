"""Three buttons, each language named in itself, on every screen."""

from __future__ import annotations

from booth.gui.fonts import ui_font
from booth.gui.i18n import LANGUAGES
from booth.gui.qt import QHBoxLayout, QPushButton, QWidget, Signal


class LanguageBar(QWidget):
    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        for code, name in LANGUAGES.items():
            button = QPushButton(name)
            button.setFont(ui_font(12))
            button.setCheckable(True)
            button.setAutoExclusive(True)
            button.setObjectName(f"lang_{code}")
            button.clicked.connect(lambda _=False, c=code: self.chosen.emit(c))
            row.addWidget(button)
            self.buttons[code] = button
        self.buttons["en"].setChecked(True)

    def mark(self, code: str) -> None:
        self.buttons[code].setChecked(True)
