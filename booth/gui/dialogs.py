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
)  # fmt: skip
from booth.gui.text_label import TextLabel
from sync.protocol.records import Record


class OverrideDialog(QDialog):
    """A supervisor lets a rejected scan through: their name, their PIN, and the reason in words."""

    def __init__(self, record: Record, supervisors: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Supervisor override"))
        self.setFont(ui_font(13))
        about = TextLabel(self.tr("Record {0}: {1} — {2}\nRejected for: {3}").format(
            record.seq, record.holder or self.tr("unknown holder"), record.permit_no or "-", record.reasons or "-"))
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
