"""This shift's counters: entries, exits, rejections, overrides, and people inside now."""

from __future__ import annotations

from booth.gui.fonts import ui_font
from booth.gui.qt import QEvent, QGridLayout, QLabel, Qt, QWidget
from booth.gui.text_label import TextLabel

KEYS = ("entries", "exits", "rejections", "overrides", "inside")


class ShiftCounters(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.values: dict[str, QLabel] = {}
        self.names: dict[str, QLabel] = {}
        for col, key in enumerate(KEYS):
            value, name = TextLabel("0"), TextLabel()
            value.setFont(ui_font(20, bold=True))
            name.setFont(ui_font(10))
            for label in (value, name):
                label.setAlignment(Qt.AlignCenter)
            grid.addWidget(value, 0, col)
            grid.addWidget(name, 1, col)
            self.values[key], self.names[key] = value, name
        self.retranslate()

    def update_counts(self, counts: dict[str, int]) -> None:
        for key in KEYS:
            self.values[key].setText(str(counts.get(key, 0)))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        names = {
            "entries": self.tr("Entries"),
            "exits": self.tr("Exits"),
            "rejections": self.tr("Rejections"),
            "overrides": self.tr("Overrides"),
            "inside": self.tr("Inside now"),
        }
        for key, text in names.items():
            self.names[key].setText(text)
