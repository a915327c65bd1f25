"""The verdict symbol, drawn as vector shapes so it never depends on a font having the glyph."""

from __future__ import annotations

from booth.gui.qt import QColor, QPainter, QPen, QPointF, QPolygonF, QSize, Qt, QWidget

PASS, STOP, CHECK, ERROR, IDLE = "pass", "stop", "check", "error", "idle"


class VerdictIcon(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = IDLE
        self.setMinimumSize(96, 96)

    def sizeHint(self) -> QSize:
        return QSize(120, 120)

    def set_kind(self, kind: str) -> None:
        self.kind = kind
        self.update()

    def paintEvent(self, _event: object) -> None:
        if self.kind == IDLE:
            return
        side = min(self.width(), self.height()) - 8
        x0, y0 = (self.width() - side) / 2, (self.height() - side) / 2
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("white"))
        if self.kind in (CHECK, ERROR):  # a triangle: look at the words below
            p.drawPolygon(
                QPolygonF([QPointF(x0 + side / 2, y0), QPointF(x0 + side, y0 + side), QPointF(x0, y0 + side)])
            )
        else:
            p.drawEllipse(int(x0), int(y0), int(side), int(side))
        pen = QPen(QColor(_INK[self.kind]), side * 0.13, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
        p.setPen(pen)
        s = side
        if self.kind == PASS:
            p.drawPolyline(
                QPolygonF(
                    [
                        QPointF(x0 + s * 0.27, y0 + s * 0.52),
                        QPointF(x0 + s * 0.44, y0 + s * 0.69),
                        QPointF(x0 + s * 0.74, y0 + s * 0.34),
                    ]
                )
            )
        elif self.kind == STOP:
            p.drawLine(QPointF(x0 + s * 0.32, y0 + s * 0.32), QPointF(x0 + s * 0.68, y0 + s * 0.68))
            p.drawLine(QPointF(x0 + s * 0.68, y0 + s * 0.32), QPointF(x0 + s * 0.32, y0 + s * 0.68))
        else:
            p.drawLine(QPointF(x0 + s * 0.5, y0 + s * 0.36), QPointF(x0 + s * 0.5, y0 + s * 0.66))
            p.drawPoint(QPointF(x0 + s * 0.5, y0 + s * 0.83))
        p.end()


_INK = {PASS: "#1b7f3b", STOP: "#b3261e", CHECK: "#9a5b00", ERROR: "#5f6368"}
BACKGROUND = {PASS: "#1b7f3b", STOP: "#b3261e", CHECK: "#b86e00", ERROR: "#5f6368", IDLE: "#e8eaed"}
