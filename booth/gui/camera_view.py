"""Live camera preview with the detected code outlined, and the camera's state in words."""

from __future__ import annotations

import time

import numpy as np

from booth.gui.fonts import ui_font
from booth.gui.qt import QColor, QEvent, QImage, QPainter, QPen, QPointF, QPolygonF, QRect, QSize, Qt, QWidget

OUTLINE_SECONDS = 0.6


def to_qimage(frame: np.ndarray) -> QImage:
    """A BGR (or grey) numpy frame as a QImage that owns its pixels."""
    return frame_view(frame).copy()


def frame_view(frame: np.ndarray) -> QImage:
    """A BGR (or grey) uint8 numpy frame as a QImage over the frame's own pixels (not a copy,
    unless the frame is not contiguous): it shows whatever the frame holds, so the frame must
    not be written to while the image is in use. PySide6 keeps the frame alive with the image."""
    if not frame.flags.c_contiguous:
        frame = np.ascontiguousarray(frame)
    if frame.ndim == 2:
        h, w = frame.shape
        return QImage(frame.data, w, h, frame.strides[0], QImage.Format_Grayscale8)
    h, w, _ = frame.shape
    return QImage(frame.data, w, h, frame.strides[0], QImage.Format_BGR888)


class CameraView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 180)
        self._image: QImage | None = None
        self._frame: np.ndarray | None = None  # the pixels of _image
        self._outlines: list[tuple[tuple[float, float], ...]] = []
        self._outlined_at = 0.0
        self._state = "starting"
        self.frames_shown = 0

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def show_frame(self, frame: np.ndarray) -> None:
        # no copy: frames from the capture are never written to once published (see
        # Capture.latest), so the image may use the frame's pixels while we hold the frame.
        # A copy was 2.7 MB allocated and freed 30 times a second on the GUI thread.
        self._frame = frame
        self._image = frame_view(frame)
        self.frames_shown += 1
        self.update()

    def show_codes(self, outlines: list[tuple[tuple[float, float], ...]]) -> None:
        if outlines:
            self._outlines, self._outlined_at = outlines, time.monotonic()

    def set_state(self, state: str) -> None:
        self._state = state
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.LanguageChange:
            self.update()
        super().changeEvent(event)

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#202124"))
        if self._image is not None and self._state == "ok":
            target = self._fit(self._image.size())
            p.drawImage(target, self._image)
            self._draw_outlines(p, target)
        else:
            p.setPen(QColor("white"))
            p.setFont(ui_font(16, bold=True))
            p.drawText(self.rect(), Qt.AlignCenter | Qt.TextWordWrap, self._state_text())
        p.end()

    def _fit(self, size: QSize) -> QRect:
        scaled = size.scaled(self.size(), Qt.KeepAspectRatio)
        return QRect(
            (self.width() - scaled.width()) // 2,
            (self.height() - scaled.height()) // 2,
            scaled.width(),
            scaled.height(),
        )

    def _draw_outlines(self, p: QPainter, target: QRect) -> None:
        if not self._outlines or time.monotonic() - self._outlined_at > OUTLINE_SECONDS:
            return
        sx, sy = target.width() / self._image.width(), target.height() / self._image.height()
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(QPen(QColor("#00e676"), 4))
        p.setBrush(Qt.NoBrush)
        for points in self._outlines:
            p.drawPolygon(QPolygonF([QPointF(target.x() + x * sx, target.y() + y * sy) for x, y in points]))

    def _state_text(self) -> str:
        return {
            "starting": self.tr("Starting the camera…"),
            "lost": self.tr("Camera lost — reconnecting…\nCheck the cable. You can also type the permit (F4)."),
            "no_camera": self.tr("No camera found.\nConnect the camera, or type the permit (F4)."),
            "stopped": self.tr("Camera off"),
        }.get(self._state, self.tr("Waiting for the camera…"))
