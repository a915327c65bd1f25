"""The supervisor's view: a shift, a day or a period (optionally one officer) — its summary and
records, a search by name or permit number, closing a shift, and signed exports to a chosen
folder (a USB stick) with a progress bar.

Layout and wiring only: the figures come from ``Booth.report``, the records from
``Booth.report_records``, the files from ``Booth.export``. Reports and exports run on the
view's own ``Operations`` thread, each call on a ledger connection of its own, so a long
export never holds up the officer's scans; closing a shift (a write on the booth's
connection) goes through the window's ``Operations`` like every other write.

The main window opens it with ``open_supervisor_view(parent, booth, session, ops)``.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from booth.errors import NotSupervisor
from booth.gui.fonts import ui_font
from booth.gui.messages import error_text
from booth.gui.operations import Operations
from booth.gui.qt import (
    QAbstractItemView,
    QComboBox,
    QDate,
    QDateEdit,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from booth.gui.text_label import TextLabel, as_rich_text
from booth.ledger.store import ShiftRow
from booth.report.model import Report, ReportFilter, local_time, period, zone
from booth.report.signed_export import ExportResult
from booth.service import Booth, Session
from sync.protocol.records import OVERRIDE, Record

SHIFT, DAY, PERIOD = "shift", "day", "period"
FORMATS = ("pdf", "csv", "json")
RECORDS_SHOWN = 500
COLUMNS = ("seq", "time", "officer", "direction", "verdict", "reasons", "permit", "holder", "native name")


def open_supervisor_view(parent: QWidget, booth: Booth, session: Session, ops: Operations) -> SupervisorView | None:
    """Open the view for a supervisor; anyone else gets a short refusal."""
    try:
        view = SupervisorView(booth, session, ops=ops, parent=parent)
    except NotSupervisor:
        QMessageBox.warning(parent, parent.tr("Supervisor view"), parent.tr("Only a supervisor may open this."))
        return None
    view.show()
    return view


class SupervisorView(QDialog):
    progress_changed = Signal(int, int)  # (done, total), from the export thread

    def __init__(
        self,
        booth: Booth,
        session: Session,
        *,
        ops: Operations,
        parent: QWidget | None = None,
        tz: dt.tzinfo | None = None,
    ) -> None:
        if session.role != "supervisor":
            raise NotSupervisor(f"{session.officer} is not a supervisor")
        super().__init__(parent)
        self.booth, self.session, self.ops = booth, session, ops
        self.tz = tz or zone()
        self.reader = Operations()  # reports and exports: their own thread (and connections)
        self.cancel_event = threading.Event()
        self.report: Report | None = None
        self.records: list[Record] = []
        self.shift_rows: list[ShiftRow] = []
        self.last_export: ExportResult | None = None
        self.exporting = False
        self.setWindowTitle(self.tr("Supervisor · reports and exports"))
        self.setFont(ui_font(11))
        self.resize(1180, 760)
        self._build()
        self.progress_changed.connect(self._show_progress)
        self.retranslate()
        self.load_choices()

    # -- layout
    def _build(self) -> None:
        self.mode = QComboBox()
        for key in (SHIFT, DAY, PERIOD):
            self.mode.addItem("", key)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.shift = QComboBox()
        self.shift.setMinimumWidth(360)
        self.day_from, self.day_to = _date_edit(), _date_edit()
        self.officer = QComboBox()
        self.officer.setMinimumWidth(170)
        self.show_button = QPushButton()
        self.show_button.clicked.connect(self.refresh)
        self.labels = {k: TextLabel() for k in ("mode", "shift", "from", "to", "officer", "format", "folder")}
        pick = QHBoxLayout()
        for label, widget in (
            (self.labels["mode"], self.mode),
            (self.labels["shift"], self.shift),
            (self.labels["from"], self.day_from),
            (self.labels["to"], self.day_to),
            (self.labels["officer"], self.officer),
        ):
            pick.addWidget(label)
            pick.addWidget(widget)
        pick.addStretch(1)
        pick.addWidget(self.show_button)

        self.tiles: dict[str, QLabel] = {}
        self.tile_names: dict[str, QLabel] = {}
        tiles = QGridLayout()
        for i, key in enumerate(("scans", "entries", "exits", "rejections", "overrides", "inside", "overstays")):
            name, value = TextLabel(), TextLabel("–")
            name.setAlignment(Qt.AlignCenter)
            value.setAlignment(Qt.AlignCenter)
            value.setFont(ui_font(20, bold=True))
            tiles.addWidget(name, 0, i)
            tiles.addWidget(value, 1, i)
            self.tile_names[key], self.tiles[key] = name, value
        self.details = TextLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.PlainText)

        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh_records)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count_label = TextLabel()

        self.format = QComboBox()
        for key in FORMATS:
            self.format.addItem(key.upper(), key)
        self.folder = QLineEdit()
        self.folder.setMinimumWidth(260)
        self.choose_button = QPushButton()
        self.choose_button.clicked.connect(self.choose_folder)
        self.export_button = QPushButton()
        self.export_button.clicked.connect(lambda: self.export())
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancel_export)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.close_shift_button = QPushButton()
        self.close_shift_button.clicked.connect(lambda: self.close_shift())
        self.message = TextLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        bottom = QHBoxLayout()
        for widget in (
            self.labels["format"],
            self.format,
            self.labels["folder"],
            self.folder,
            self.choose_button,
            self.export_button,
            self.cancel_button,
        ):
            bottom.addWidget(widget)
        bottom.addStretch(1)
        bottom.addWidget(self.close_shift_button)

        layout = QVBoxLayout(self)
        layout.addLayout(pick)
        layout.addLayout(tiles)
        layout.addWidget(self.details)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        layout.addLayout(bottom)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        self._mode_changed()

    def retranslate(self) -> None:
        names = {SHIFT: self.tr("Shift"), DAY: self.tr("Day"), PERIOD: self.tr("Period")}
        for i in range(self.mode.count()):
            self.mode.setItemText(i, names[self.mode.itemData(i)])
        texts = {
            "mode": self.tr("Report of"),
            "shift": self.tr("Shift"),
            "from": self.tr("From"),
            "to": self.tr("To"),
            "officer": self.tr("Officer"),
            "format": self.tr("Export as"),
            "folder": self.tr("to folder"),
        }
        for key, text in texts.items():
            self.labels[key].setText(text)
        tiles = {
            "scans": self.tr("Scans"),
            "entries": self.tr("Entries"),
            "exits": self.tr("Exits"),
            "rejections": self.tr("Rejections"),
            "overrides": self.tr("Overrides"),
            "inside": self.tr("Still inside"),
            "overstays": self.tr("Overstays"),
        }
        for key, text in tiles.items():
            self.tile_names[key].setText(text)
        self.show_button.setText(self.tr("Show"))
        self.search.setPlaceholderText(self.tr("Search by name or permit number"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr(c)
                for c in (
                    "Seq",
                    "Time",
                    "Officer",
                    "Direction",
                    "Verdict",
                    "Reasons",
                    "Permit",
                    "Holder",
                    "Native name",
                )
            ]
        )
        self.choose_button.setText(self.tr("Choose folder…"))
        self.export_button.setText(self.tr("Export"))
        self.cancel_button.setText(self.tr("Cancel export"))
        self.close_shift_button.setText(self.tr("Close shift"))
        self.folder.setPlaceholderText(self.tr("e.g. the USB stick"))

    # -- choices
    def load_choices(self) -> None:
        self.reader.run(lambda: self.booth.shifts(limit=200), self._set_shifts, self._failed)
        self.ops.run(self.booth.officer_names, self._set_officers, self._failed)

    def _set_shifts(self, rows: list[ShiftRow]) -> None:
        current = self.shift.currentData()
        self.shift_rows = rows
        self.shift.blockSignals(True)
        self.shift.clear()
        for s in rows:
            until = local_time(s.closed_at, self.tz, "%H:%M") if s.closed_at else self.tr("open")
            opened = local_time(s.opened_at, self.tz, "%d %b %H:%M")
            self.shift.addItem(f"#{s.id} · {s.officer} · {opened} – {until}", s.id)
        if current is not None and (i := self.shift.findData(current)) >= 0:
            self.shift.setCurrentIndex(i)
        self.shift.blockSignals(False)
        self._mode_changed()
        if self.report is None and rows:
            self.refresh()

    def _set_officers(self, names: list[str]) -> None:
        self.officer.clear()
        self.officer.addItem(self.tr("All officers"), None)
        for name in names:
            self.officer.addItem(name, name)

    def _mode_changed(self) -> None:
        mode = self.mode.currentData()
        self.shift.setEnabled(mode == SHIFT)
        self.day_from.setEnabled(mode in (DAY, PERIOD))
        self.day_to.setEnabled(mode == PERIOD)
        self.officer.setEnabled(mode != SHIFT)
        self.close_shift_button.setEnabled(mode == SHIFT and self._selected_shift_open())

    def _selected_shift_open(self) -> bool:
        shift_id = self.shift.currentData()
        return any(s.id == shift_id and s.closed_at is None for s in self.shift_rows)

    def current_filter(self) -> ReportFilter:
        mode = self.mode.currentData()
        if mode == SHIFT:
            return ReportFilter(shift_id=self.shift.currentData())
        first = self.day_from.date().toString("yyyy-MM-dd")
        last = first if mode == DAY else self.day_to.date().toString("yyyy-MM-dd")
        start, end = period(first, last, self.tz)
        return ReportFilter(start, end, self.officer.currentData())

    def choose(
        self,
        *,
        shift_id: int | None = None,
        day: dt.date | None = None,
        until: dt.date | None = None,
        officer: str | None = None,
    ) -> None:
        """Set the choice (as a supervisor would by hand) and show the report."""
        if shift_id is not None:
            self.mode.setCurrentIndex(self.mode.findData(SHIFT))
            self.shift.setCurrentIndex(self.shift.findData(shift_id))
        elif day is not None:
            self.mode.setCurrentIndex(self.mode.findData(PERIOD if until else DAY))
            self.day_from.setDate(QDate(day.year, day.month, day.day))
            if until:
                self.day_to.setDate(QDate(until.year, until.month, until.day))
            i = self.officer.findData(officer) if officer else 0
            self.officer.setCurrentIndex(max(i, 0))
        self._mode_changed()
        self.refresh()

    # -- report and records
    def refresh(self) -> None:
        if self.mode.currentData() == SHIFT and self.shift.currentData() is None:
            self.say(self.tr("No shift to show yet."))
            return
        try:
            flt = self.current_filter()
        except Exception as exc:  # a bad period: one line, no crash
            self.say(error_text(exc), error=True)
            return
        tz = self.tz
        self.reader.run(lambda: self.booth.report(flt, tz=tz), self._show_report, self._failed)
        self.refresh_records()

    def refresh_records(self, *_: object) -> None:
        if self.mode.currentData() == SHIFT and self.shift.currentData() is None:
            return
        try:
            flt = self.current_filter()
        except Exception:
            return
        search = self.search.text().strip() or None
        self.reader.run(
            lambda: self.booth.report_records(flt, search=search, limit=RECORDS_SHOWN), self._show_records, self._failed
        )

    def _show_report(self, report: Report) -> None:
        self.report = report
        totals = report.totals()
        for key, label in self.tiles.items():
            label.setText(f"{totals[key]:,}")
        reasons = ", ".join(f"{code} {n}" for code, n in report.rejections_by_reason.items()) or self.tr("none")
        sync = report.sync
        lines = [self.tr("Rejected for: {0}").format(reasons)]
        if report.override_list:
            lines.append(
                self.tr("Overrides: {0}").format(
                    "; ".join(
                        f"#{o.ref_seq} {o.holder or '-'} — {o.supervisor}: {o.reason}" for o in report.override_list
                    )
                )
            )
        if sync is not None:
            lines.append(
                self.tr("Sync: HQ holds records up to #{0} of #{1} ({2} waiting)").format(
                    sync.acked_seq, sync.head_seq, sync.pending
                )
            )
        self.details.setText("\n".join(lines))
        self._mode_changed()

    def _show_records(self, records: list[Record]) -> None:
        self.records = records
        self.table.setRowCount(len(records))
        for row, r in enumerate(records):
            verdict = self.tr("override by {0}").format(r.supervisor) if r.kind == OVERRIDE else (r.verdict or "")
            values = (
                str(r.seq),
                local_time(r.at, self.tz, "%Y-%m-%d %H:%M:%S"),
                r.officer or "",
                r.direction or "",
                verdict,
                r.reasons or "",
                r.permit_no or "",
                r.holder or "",
                r.native_name or "",
            )
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(value))
        total = self.report.records if self.report else len(records)
        shown = self.tr("{0} records shown, newest first").format(len(records))
        if len(records) >= RECORDS_SHOWN and total > len(records):
            shown += " " + self.tr("(of {0}; search to narrow, or export them all)").format(total)
        self.count_label.setText(shown)

    # -- closing a shift
    def close_shift(self, *, confirm: bool = True) -> None:
        shift_id = self.shift.currentData()
        if self.mode.currentData() != SHIFT or shift_id is None:
            return
        row = next((s for s in self.shift_rows if s.id == shift_id), None)
        if (
            confirm
            and QMessageBox.question(
                self,
                self.tr("Close shift"),
                as_rich_text(self.tr("Close shift #{0} of {1}?").format(shift_id, row.officer if row else "?")),
            )
            != QMessageBox.Yes
        ):
            return
        session = self.session
        self.ops.run(lambda: self.booth.close_shift_by_id(shift_id, by=session), self._shift_closed, self._failed)

    def _shift_closed(self, row: ShiftRow) -> None:
        self.say(self.tr("Shift #{0} of {1} is closed.").format(row.id, row.officer))
        self.load_choices()
        self.refresh()

    # -- exporting
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Export to folder"), self.folder.text())
        if folder:
            self.folder.setText(folder)

    def export(self, fmt: str | None = None) -> None:
        if self.exporting:
            return
        if not self.folder.text().strip():
            self.choose_folder()
            if not self.folder.text().strip():
                return
        fmt = fmt or self.format.currentData()
        try:
            flt = self.current_filter()
        except Exception as exc:
            self.say(error_text(exc), error=True)
            return
        path = Path(self.folder.text().strip()) / f"{self.booth.ledger.booth_id}_{flt.slug(self.tz)}.{fmt}"
        self.exporting = True
        self.cancel_event.clear()
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.export_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.say(self.tr("Exporting to {0}…").format(path))
        session, tz, cancel, emit = self.session, self.tz, self.cancel_event, self.progress_changed.emit
        self.reader.run(
            lambda: self.booth.export(flt, fmt, path, session=session, tz=tz, progress=emit, cancel=cancel),
            self._exported,
            self._export_failed,
        )

    def cancel_export(self) -> None:
        self.cancel_event.set()

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setValue(int(1000 * min(done, total) / max(total, 1)))

    def _export_ended(self) -> None:
        self.exporting = False
        self.export_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _exported(self, result: ExportResult) -> None:
        self._export_ended()
        self.last_export = result
        self.progress.setValue(1000)
        m = result.manifest
        self.say(
            self.tr("Exported {0} records to {1}, signed in {2}.").format(m.records, result.path, result.signature.name)
        )

    def _export_failed(self, error: Exception) -> None:
        self._export_ended()
        self.progress.setVisible(False)
        self.say(error_text(error), error=True)

    # -- messages and closing
    def say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b3261e; font-weight: bold;" if error else "")

    def _failed(self, error: Exception) -> None:
        self.say(error_text(error), error=True)

    def done(self, result: int) -> None:
        self.cancel_event.set()
        self.reader.stop()
        super().done(result)

    def closeEvent(self, event) -> None:
        self.cancel_event.set()
        self.reader.stop()
        super().closeEvent(event)


def _date_edit() -> QDateEdit:
    """A calendar date picker, today by default."""
    edit = QDateEdit(QDate.currentDate())
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit
