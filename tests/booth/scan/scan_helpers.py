"""Images shared by the scanner tests (a plain module: conftest names collide across folders)."""

from __future__ import annotations

import cv2
import numpy as np
import segno

PERMITISH = "BP1:NCFOXN%TSMAHO.JBSZ7N3QPSS749RMDHBQNKD6GWR19RTOHCRXAIAG50OK*K0SWA7TVUP1H9C9W7CG51VCQ"
SCALE, BORDER = 5, 4


def qr_image(data: str | bytes, scale: int = SCALE, border: int = BORDER) -> tuple[np.ndarray, tuple[int, ...]]:
    """A clean QR (level Q) as a gray image, and the symbol's box (x0, y0, x1, y1) in pixels."""
    qr = segno.make_qr(data, error="q")
    matrix = np.array([[0 if dark else 255 for dark in row] for row in qr.matrix], dtype=np.uint8)
    n = matrix.shape[0]
    img = cv2.resize(matrix, (n * scale, n * scale), interpolation=cv2.INTER_NEAREST)
    img = cv2.copyMakeBorder(img, *(border * scale,) * 4, cv2.BORDER_CONSTANT, value=255)
    lo, hi = border * scale, (border + n) * scale
    return img, (lo, lo, hi, hi)
