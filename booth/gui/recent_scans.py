"""Recent scans, newest first, searchable by name or permit number."""

from __future__ import annotations

import datetime as dt

from booth.gui.fonts import ui_font
from booth.gui.qt import QColor, QEvent, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget, Signal
from sync.protocol.records import Record


class RecentScans(QWidget):
    search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setFont(ui_font(12))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.search_changed.emit)
        self.list = QListWidget()
        self.list.setFont(ui_font(12))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self._records: list[Record] = []
        self.retranslate()

    def show_records(self, records: list[Record]) -> None:
        self._records = records
        self._fill()

    def _fill(self) -> None:
        self.list.clear()
        for r in self._records:
            when = dt.datetime.fromtimestamp(r.at).strftime("%H:%M:%S")
            arrow = "→" if r.direction == "entry" else "←"
            if r.kind == "override":
                what, colour = self.tr("OVERRIDE by {0}").format(r.supervisor), "#9a5b00"
            elif r.verdict == "valid":
                what, colour = self.tr("PASS"), "#1b7f3b"
            else:
                what, colour = self.tr("STOP"), "#b3261e"
            name = r.holder or self.tr("(unreadable)")
            item = QListWidgetItem(f"{when}  {arrow}  {what}  {name}  {r.permit_no or ''}")
            item.setForeground(QColor(colour))
            self.list.addItem(item)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.search.setPlaceholderText(self.tr("Search name or permit number (F3)"))
        self._fill()
