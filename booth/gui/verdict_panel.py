"""The verdict panel: one glance tells PASS or STOP — colour, symbol and word — and why."""

from __future__ import annotations

import datetime as dt

from booth.gui.fonts import ui_font
from booth.gui.qt import (
    QCoreApplication,
    QEvent,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QImage,
    QPixmap,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
)
from booth.gui.text_label import TextLabel
from booth.gui.verdict_icon import BACKGROUND, CHECK, ERROR, IDLE, PASS, STOP, VerdictIcon
from booth.reasons import ENGLISH, WARNINGS, Reason
from booth.service import ScanOutcome
from sync.protocol.permit import Permit


def reason_text(reason: Reason) -> str:
    return QCoreApplication.translate("Reason", ENGLISH[reason])


def _day(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d")


class VerdictPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictPanel")
        self._state: tuple = (IDLE,)
        self.banner = QFrame()
        self.icon = VerdictIcon()
        self.word = TextLabel()
        self.word.setFont(ui_font(44, bold=True))
        self.sub = TextLabel()
        self.sub.setFont(ui_font(15))
        self.sub.setWordWrap(True)
        words = QVBoxLayout()
        words.addWidget(self.word)
        words.addWidget(self.sub)
        row = QHBoxLayout(self.banner)
        row.addWidget(self.icon)
        row.addLayout(words, 1)

        self.reasons = TextLabel()
        self.reasons.setFont(ui_font(17))
        self.reasons.setWordWrap(True)
        self.reasons.setTextFormat(Qt.PlainText)

        self.photo = TextLabel()
        self.photo.setFixedSize(120, 150)
        self.photo.setAlignment(Qt.AlignCenter)
        self.name = TextLabel()
        self.name.setFont(ui_font(24, bold=True))
        self.name.setWordWrap(True)
        self.native = TextLabel()
        self.native.setFont(ui_font(22))
        self.native.setWordWrap(True)
        self.fields = TextLabel()
        self.fields.setFont(ui_font(13))
        self.fields.setWordWrap(True)
        self.fields.setTextFormat(Qt.PlainText)
        who = QVBoxLayout()
        for w in (self.name, self.native, self.fields):
            who.addWidget(w)
        who.addStretch(1)
        details = QGridLayout()
        details.addWidget(self.photo, 0, 0, Qt.AlignTop)
        details.addLayout(who, 0, 1)
        details.setColumnStretch(1, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.reasons)
        layout.addLayout(details, 1)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.show_idle()

    # -- states
    def show_idle(self) -> None:
        self._state = (IDLE,)
        self._render()

    def show_outcome(self, outcome: ScanOutcome, overridden_by: str | None = None) -> None:
        self._state = ("outcome", outcome, overridden_by)
        self._render()

    def show_error(self, message: str) -> None:
        self._state = (ERROR, message)
        self._render()

    @property
    def kind(self) -> str:
        if self._state[0] == "outcome":
            return _kind(self._state[1], self._state[2])
        return self._state[0]

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self._render()
        super().changeEvent(event)

    # -- drawing
    def _render(self) -> None:
        state = self._state
        if state[0] == IDLE:
            self._banner(IDLE, self.tr("READY"), self.tr("Hold the permit's QR code up to the camera."))
            self.reasons.setText("")
            self._permit(None)
        elif state[0] == ERROR:
            self._banner(ERROR, self.tr("ERROR"), state[1])
            self.reasons.setText(self.tr("The scan was not recorded. Scan again; if it repeats, call the supervisor."))
            self._permit(None)
        else:
            self._render_outcome(state[1], state[2])

    def _render_outcome(self, outcome: ScanOutcome, overridden_by: str | None) -> None:
        verdict, record = outcome.verdict, outcome.record
        kind = _kind(outcome, overridden_by)
        word = {PASS: self.tr("PASS"), CHECK: self.tr("PASS"), STOP: self.tr("STOP")}[kind]
        direction = self.tr("Entry") if record.direction == "entry" else self.tr("Exit")
        if overridden_by:
            sub = self.tr("Let through by supervisor {0} · record {1}").format(overridden_by, record.seq)
        elif kind == STOP:
            sub = self.tr("{0} refused · record {1} · F8: supervisor override").format(direction, record.seq)
        else:
            sub = self.tr("{0} recorded · record {1}").format(direction, record.seq)
        self._banner(kind, word, sub)
        stops = [r for r in verdict.reasons if r not in WARNINGS]
        warnings = [r for r in verdict.reasons if r in WARNINGS]
        self.reasons.setText("\n".join(f"• {reason_text(r)}" for r in stops + warnings))
        self._permit(verdict.permit)

    def _banner(self, kind: str, word: str, sub: str) -> None:
        self.icon.set_kind(kind)
        self.word.setText(word)
        self.sub.setText(sub)
        ink = "#202124" if kind == IDLE else "white"
        self.banner.setStyleSheet(
            f"QFrame {{ background: {BACKGROUND[kind]}; border-radius: 10px; }} QLabel {{ color: {ink}; }}"
        )

    def _permit(self, permit: Permit | None) -> None:
        if permit is None:
            for w in (self.name, self.native, self.fields):
                w.setText("")
            self.photo.clear()
            self.photo.setStyleSheet("")
            return
        self.name.setText(f"{permit.family_name} {permit.given_names}")
        self.native.setText(permit.native_name or "")
        self.fields.setText(
            "\n".join(
                (
                    self.tr("Permit {0}").format(permit.number),
                    self.tr("Nationality {0} · born {1} · sex {2}").format(permit.nationality, permit.dob, permit.sex),
                    self.tr("Valid until {0}").format(_day(permit.expires)),
                    self.tr("Checkpoints: {0}").format(", ".join(permit.checkpoints)),
                    self.tr("Stay up to {0} days · {1}").format(permit.stay_days, permit.zone),
                )
            )
        )
        self._photo(permit.photo)

    def _photo(self, data: bytes | None) -> None:
        image = QImage.fromData(data) if data else QImage()
        if image.isNull():
            self.photo.clear()
            self.photo.setText(self.tr("no photo"))
            self.photo.setStyleSheet("QLabel { border: 1px solid #bbb; color: #777; }")
            return
        self.photo.setStyleSheet("QLabel { border: 1px solid #bbb; }")
        self.photo.setPixmap(
            QPixmap.fromImage(image).scaled(self.photo.size(), Qt.KeepAspectRatio, Qt.SmoothTransformation)
        )


def _kind(outcome: ScanOutcome, overridden_by: str | None) -> str:
    verdict = outcome.verdict
    if overridden_by:
        return CHECK
    if not verdict.valid:
        return STOP
    return CHECK if verdict.reasons else PASS  # warnings: never a silent green
