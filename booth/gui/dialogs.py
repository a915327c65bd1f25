"""Small dialogs: supervisor override, manual permit entry."""

from __future__ import annotations

from booth.gui.fonts import ui_font
from booth.gui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    Qt,
    QVBoxLayout,
    QWidget,
)
from booth.gui.text_label import TextLabel
from booth.service import needs_two_supervisors
from sync.protocol.records import Record


class OverrideDialog(QDialog):
    """A supervisor lets a rejected scan through: their name, their PIN, and the reason in words.

    A scan the booth could not trust at all needs a second, different supervisor with their PIN."""

    def __init__(self, record: Record, supervisors: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Supervisor override"))
        self.setFont(ui_font(13))
        about = TextLabel(
            self.tr("Record {0}: {1} — {2}\nRejected for: {3}").format(
                record.seq, record.holder or self.tr("unknown holder"), record.permit_no or "-", record.reasons or "-"
            )
        )
        about.setWordWrap(True)
        self.supervisor = QComboBox()
        self.supervisor.addItems(supervisors)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.Password)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("Why may this person cross? (required)"))
        self.reason.setTabChangesFocus(True)
        form = QFormLayout()
        form.addRow(self.tr("Supervisor"), self.supervisor)
        form.addRow(self.tr("PIN"), self.pin)
        self.second: QComboBox | None = None
        self.second_pin: QLineEdit | None = None
        if needs_two_supervisors(record):
            self.second, self.second_pin = QComboBox(), QLineEdit()
            self.second.addItems(supervisors)
            self.second.setCurrentIndex(min(1, len(supervisors) - 1))
            self.second_pin.setEchoMode(QLineEdit.Password)
            warning = TextLabel(self.tr("This permit could not be trusted: two supervisors must agree."))
            warning.setWordWrap(True)
            form.addRow(warning)
            form.addRow(self.tr("Second supervisor"), self.second)
            form.addRow(self.tr("Their PIN"), self.second_pin)
        form.addRow(self.tr("Reason"), self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> tuple[str, str, str]:
        return self.supervisor.currentText(), self.pin.text(), self.reason.toPlainText().strip()

    def second_values(self) -> tuple[str, str] | None:
        """The second supervisor's name and PIN, when this override needs one."""
        if self.second is None or self.second_pin is None:
            return None
        return self.second.currentText(), self.second_pin.text()


class ManualEntryDialog(QDialog):
    """Type or paste a permit's text when the code will not scan."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Enter permit text"))
        self.setFont(ui_font(13))
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("BP1:…")
        self.text.setMinimumSize(520, 160)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        hint = TextLabel(self.tr("Type the text printed under the QR code, or paste it."))
        hint.setWordWrap(True)
        hint.setAlignment(Qt.AlignLeft)
        layout.addWidget(hint)
        layout.addWidget(self.text)
        layout.addWidget(buttons)

    def value(self) -> str:
        return self.text.toPlainText().strip().replace("\n", "")
