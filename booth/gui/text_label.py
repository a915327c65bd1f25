"""A label that shows its text as text: never as markup.

Qt's QLabel guesses rich text from the string (``Qt.AutoText``), so a permit whose name holds
HTML would be drawn as that HTML: a green "PASS" table under a red STOP. Every label in the
booth's GUI is this one; permit data also cannot hold markup (the codec refuses it), so
either defence alone would hold.
"""

from __future__ import annotations

import html

from booth.gui.qt import QLabel, Qt, QWidget


class TextLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.PlainText)
        if text:
            self.setText(text)


def as_rich_text(text: str) -> str:
    """``text`` for places that guess markup and offer no plain-text switch (tool tips, message
    boxes): escaped and marked as rich text, so it is drawn exactly as written."""
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"
