"""Login / lock screen: pick your name, type your PIN."""

from __future__ import annotations

from booth.gui.fonts import ui_font
from booth.gui.language_bar import LanguageBar
from booth.gui.qt import (
    QComboBox,
    QEvent,
    QFormLayout,
    QFrame,
    QLineEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from booth.gui.text_label import TextLabel


class LoginScreen(QWidget):
    login_requested = Signal(str, str)  # name, pin

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.languages = LanguageBar()
        self.title = TextLabel()
        self.title.setFont(ui_font(26, bold=True))
        self.title.setAlignment(Qt.AlignCenter)
        self.place = TextLabel()
        self.place.setFont(ui_font(15))
        self.place.setAlignment(Qt.AlignCenter)
        self.officer = QComboBox()
        self.officer.setFont(ui_font(16))
        self.officer.setMinimumWidth(320)
        self.pin = QLineEdit()
        self.pin.setFont(ui_font(20))
        self.pin.setEchoMode(QLineEdit.Password)
        self.pin.setMaxLength(12)
        self.pin.setInputMethodHints(Qt.ImhDigitsOnly)
        self.pin.returnPressed.connect(self._submit)
        self.button = QPushButton()
        self.button.setFont(ui_font(16, bold=True))
        self.button.setDefault(True)
        self.button.clicked.connect(self._submit)
        self.message = TextLabel()
        self.message.setFont(ui_font(14))
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignCenter)
        self.officer_label, self.pin_label = TextLabel(), TextLabel()
        for label in (self.officer_label, self.pin_label):
            label.setFont(ui_font(15))

        box = QFrame()
        box.setObjectName("loginBox")
        box.setStyleSheet("#loginBox { background: white; border: 1px solid #ccc; border-radius: 12px; }")
        form = QFormLayout()
        form.addRow(self.officer_label, self.officer)
        form.addRow(self.pin_label, self.pin)
        inner = QVBoxLayout(box)
        inner.addWidget(self.title)
        inner.addWidget(self.place)
        inner.addLayout(form)
        inner.addWidget(self.button)
        inner.addWidget(self.message)

        outer = QVBoxLayout(self)
        outer.addWidget(self.languages, 0, Qt.AlignRight)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignHCenter)
        outer.addStretch(2)
        self.retranslate()

    def set_officers(self, names: list[str]) -> None:
        current = self.officer.currentText()
        self.officer.clear()
        self.officer.addItems(names)
        if current in names:
            self.officer.setCurrentText(current)

    def set_place(self, booth_id: str, checkpoint: str) -> None:
        self._place = (booth_id, checkpoint)
        self.retranslate()

    def show_message(self, text: str, *, error: bool = True) -> None:
        self.message.setStyleSheet(f"color: {'#b3261e' if error else '#202124'};")
        self.message.setText(text)

    def reset(self) -> None:
        self.pin.clear()
        self.pin.setFocus()

    def _submit(self) -> None:
        if self.officer.currentText() and self.pin.text():
            self.login_requested.emit(self.officer.currentText(), self.pin.text())
            self.pin.clear()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Border permit check"))
        booth_id, checkpoint = getattr(self, "_place", ("", ""))
        self.place.setText(self.tr("Booth {0} · checkpoint {1}").format(booth_id, checkpoint) if booth_id else "")
        self.officer_label.setText(self.tr("Officer"))
        self.pin_label.setText(self.tr("PIN"))
        self.button.setText(self.tr("Log in"))
