"""English, Khmer and Thai through Qt's translation system, switchable while running.

Translations live in ``assets/i18n/booth_<lang>.ts`` (Qt Linguist XML, edited by people) and
are compiled to ``.qm`` with ``pyside6-lrelease`` (``scripts/i18n``). Installing a translator
sends every widget a LanguageChange event; widgets re-render their texts in ``changeEvent``.
"""

from __future__ import annotations

import logging

from booth import assets
from booth.gui.qt import QCoreApplication, QTranslator

log = logging.getLogger(__name__)
LANGUAGES = {"en": "English", "km": "ខ្មែរ", "th": "ไทย"}
I18N_DIR = assets.ASSETS_DIR / "i18n"


class Languages:
    def __init__(self) -> None:
        self._translator: QTranslator | None = None
        self.current = "en"

    def switch(self, code: str) -> None:
        if code not in LANGUAGES:
            raise ValueError(f"unknown language {code!r}")
        app = QCoreApplication.instance()
        if self._translator is not None:
            app.removeTranslator(self._translator)
            self._translator = None
        if code != "en":
            translator = QTranslator()
            path = I18N_DIR / f"booth_{code}.qm"
            if translator.load(str(path)):
                app.installTranslator(translator)
                self._translator = translator
            else:
                log.error("translation %s is missing; showing English", path)
        self.current = code
