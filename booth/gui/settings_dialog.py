"""Supervisor-only settings: camera, checkpoint, language, idle lock, sounds."""

from __future__ import annotations

from dataclasses import replace

from booth.gui.fonts import ui_font
from booth.gui.i18n import LANGUAGES
from booth.gui.qt import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QSpinBox, QWidget
from booth.settings import BoothSettings


class SettingsDialog(QDialog):
    def __init__(self, settings: BoothSettings, checkpoints: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Booth settings"))
        self.setFont(ui_font(13))
        self._settings = settings
        self.camera = QLineEdit(settings.camera)
        self.camera.setToolTip(self.tr("A camera number (0, 1…), a video file, an rtsp:// or http:// address, or sim"))
        self.checkpoint = QComboBox()
        self.checkpoint.addItems(sorted(set(checkpoints) | {settings.checkpoint}))
        self.checkpoint.setCurrentText(settings.checkpoint)
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(list(LANGUAGES).index(settings.language))
        self.idle = QSpinBox()
        self.idle.setRange(1, 120)
        self.idle.setSuffix(self.tr(" min"))
        self.idle.setValue(settings.idle_lock_minutes)
        self.sounds = QCheckBox(self.tr("Play sounds"))
        self.sounds.setChecked(settings.sounds)
        form = QFormLayout(self)
        form.addRow(self.tr("Camera"), self.camera)
        form.addRow(self.tr("Checkpoint"), self.checkpoint)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Lock when idle after"), self.idle)
        form.addRow("", self.sounds)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def value(self) -> BoothSettings:
        return replace(
            self._settings,
            camera=self.camera.text().strip() or "0",
            checkpoint=self.checkpoint.currentText(),
            language=self.language.currentData(),
            idle_lock_minutes=self.idle.value(),
            sounds=self.sounds.isChecked(),
        )
