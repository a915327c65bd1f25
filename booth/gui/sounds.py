"""Short, distinct sounds for pass, stop and error, with a mute switch."""

from __future__ import annotations

import logging

from booth import assets
from booth.gui.qt import QSoundEffect, QUrl

log = logging.getLogger(__name__)
SOUNDS_DIR = assets.ASSETS_DIR / "sounds"
KINDS = ("pass", "stop", "error")


class Sounds:
    def __init__(self, *, muted: bool = False) -> None:
        self.muted = muted
        self._effects = {}
        if QSoundEffect is None:
            log.warning("QtMultimedia is unavailable: the booth will be silent")
            return
        for kind in KINDS:
            effect = QSoundEffect()
            effect.setSource(QUrl.fromLocalFile(str(SOUNDS_DIR / f"{kind}.wav")))
            effect.setVolume(0.9)
            self._effects[kind] = effect

    def play(self, kind: str) -> None:
        effect = self._effects.get(kind)
        if effect is not None and not self.muted:
            effect.play()
