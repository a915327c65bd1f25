"""Image files in, QR codes out: what `booth scan-image` does for each file.

Images are read as bytes and decoded with OpenCV (PNG, JPEG, WebP and whatever else it
reads), so file names in Thai or Khmer work as any other; a truncated, corrupt, huge or
non-image file gives an "error" field, never an exception. Transparent pixels are laid on
white (a QR saved with a transparent background stays readable); 16-bit images are reduced
to 8 bits.
"""

from __future__ import annotations

import io
import logging
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from booth.scan.cascade import Cascade
from booth.scan.errors import ImageUnreadable

log = logging.getLogger(__name__)

MAX_PIXELS = 100_000_000  # refused before decoding: a bomb, not a photo (8K is 33 megapixels)
MAX_BYTES = 200 * 1024 * 1024


def read_gray(data: bytes) -> np.ndarray:
    """Decode image bytes to a 2-D uint8 grayscale array; ImageUnreadable if that fails."""
    if not data:
        raise ImageUnreadable("empty file")
    if len(data) > MAX_BYTES:
        raise ImageUnreadable(f"file over {MAX_BYTES // 2**20} MiB")
    _check_size(data)
    try:
        with _quiet_opencv():
            img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise ImageUnreadable(f"not a readable image ({exc.err or exc})") from exc
    if img is None or img.size == 0:
        raise ImageUnreadable("not a readable image (unknown format, truncated or corrupt)")
    return _gray(img)


@contextmanager
def _quiet_opencv() -> Iterator[None]:
    """Keep OpenCV's "[ WARN ] ... input buffer is incomplete" lines off stderr: we report it."""
    logging_ = cv2.utils.logging
    level = logging_.getLogLevel()
    logging_.setLogLevel(min(level, logging_.LOG_LEVEL_ERROR))
    try:
        yield
    finally:
        logging_.setLogLevel(level)


def _check_size(data: bytes) -> None:
    """Refuse decompression bombs by the header's dimensions (when Pillow can read the header)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                w, h = im.size
    except Image.DecompressionBombError as exc:
        raise ImageUnreadable(f"image too large ({exc})") from exc
    except Exception:  # Pillow cannot parse it: leave the verdict to OpenCV
        return
    if w * h > MAX_PIXELS:
        raise ImageUnreadable(f"image too large ({w}x{h} pixels)")


def _gray(img: np.ndarray) -> np.ndarray:
    """Any decoded image (gray, BGR, BGRA; 8 or 16 bits) as 8-bit gray, alpha laid on white."""
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    elif img.dtype != np.uint8:
        img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if img.ndim == 2:
        return img
    if img.shape[2] == 4:
        alpha = img[:, :, 3:4].astype(np.float32) / 255.0
        bgr = img[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        return cv2.cvtColor(bgr.astype(np.uint8), cv2.COLOR_BGR2GRAY)
    if img.shape[2] == 3:
        return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return img[:, :, 0]


def _read_file(path: Path) -> bytes:
    """The file's bytes, without reading more than MAX_BYTES + 1 of a huge one."""
    with path.open("rb") as f:
        return f.read(MAX_BYTES + 1)


def scan_image_file(path: str | Path, cascade: Cascade) -> dict[str, Any]:
    """The JSON line of `booth scan-image` for one file.

    {"file": path, "codes": [{"text": ..., "decoder": ...}, ...], "ms": decode time}, or
    {"file": path, "codes": [], "error": "..."} if the file cannot be read as an image.
    """
    name = str(path)
    try:
        gray = read_gray(_read_file(Path(path)))
    except (OSError, ImageUnreadable) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        log.info("%s: %s", name, reason)
        return {"file": name, "codes": [], "error": reason}
    t = time.perf_counter()
    found = cascade.decode(gray)
    ms = (time.perf_counter() - t) * 1000
    return {"file": name, "codes": [{"text": d.text, "decoder": d.decoder} for d in found], "ms": round(ms, 2)}
