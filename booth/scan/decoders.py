"""QR decoder backends behind one small protocol: a grayscale numpy image in, `Decoded` out.

- `ZxingDecoder` (zxing-cpp): the default; fast and the best reader of real photos.
- `PyzbarDecoder` (pyzbar over the system's libzbar0): reads some warped codes zxing-cpp misses.
- `OpenCVDecoder`: OpenCV's `QRCodeDetector` or `QRCodeDetectorAruco`.
- `WeChatDecoder`: OpenCV-contrib's WeChat QR reader, used without its CNN model files (none
  ship with opencv-contrib-python and nothing is ever downloaded): it then detects with its
  traditional finder-pattern search, slow but the best on crumpled or curved prints.

All read QR codes only. Each call returns every code found, with its corner points in the
coordinates of the image it was given (the cascade maps them back to the camera frame).
A backend never raises on a strange image (1x1, all black, 8K): it returns nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import cv2
import numpy as np
import zxingcpp

from booth.scan.errors import DecoderUnavailable

log = logging.getLogger(__name__)

Point = tuple[float, float]
Quad = tuple[Point, ...]

DECODER_NAMES = ("zxing", "pyzbar", "opencv", "opencv_aruco", "wechat")


@dataclass(frozen=True)
class Decoded:
    """One QR code read from a frame.

    `points` are the code's corners (4 from every backend here), clockwise on screen, starting
    with the corner the decoder names first (zxing-cpp: the top-left finder pattern), as
    (x, y) pixels of the original frame, for the GUI overlay.
    """

    text: str
    decoder: str
    points: Quad = ()

    def center(self) -> Point:
        """The mean of the corner points ((0, 0) if there are none)."""
        if not self.points:
            return (0.0, 0.0)
        xs, ys = zip(*self.points, strict=True)
        return (sum(xs) / len(xs), sum(ys) / len(ys))

    def size(self) -> float:
        """The larger side of the corner points' bounding box, in pixels."""
        if not self.points:
            return 0.0
        xs, ys = zip(*self.points, strict=True)
        return max(max(xs) - min(xs), max(ys) - min(ys))


@runtime_checkable
class Decoder(Protocol):
    """A QR backend: `decode` takes a 2-D uint8 image and returns what it read."""

    name: str

    def decode(self, gray: np.ndarray) -> list[Decoded]: ...


def _quad(points: Iterable[Sequence[float]]) -> Quad:
    """Corner points as float pairs, turned clockwise on screen (y down) if given the other way."""
    quad = tuple((float(p[0]), float(p[1])) for p in points)
    twice_area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(quad, quad[1:] + quad[:1], strict=True))
    return quad[:1] + quad[:0:-1] if twice_area < 0 else quad


def _usable(gray: np.ndarray) -> np.ndarray | None:
    """The image as a C-contiguous 2-D uint8 array, or None if no decoder can look at it."""
    if gray.ndim != 2 or gray.dtype != np.uint8 or min(gray.shape) < 1:
        return None
    return np.ascontiguousarray(gray)


# QR codes as printed (models 1 and 2), not Micro QR or rMQR: a permit is never one, and their
# searches only add false "symbols" (and time) on busy frames.
_QR_FORMATS = (zxingcpp.BarcodeFormat.QRCodeModel1, zxingcpp.BarcodeFormat.QRCodeModel2)


class ZxingDecoder:
    """zxing-cpp, QR only (models 1 and 2). `binarizer` is "local" (zxing's default) or "global".

    Text is returned as encoded (TextMode.Plain), not with control characters escaped.
    """

    name = "zxing"
    _BINARIZERS = {"local": zxingcpp.Binarizer.LocalAverage, "global": zxingcpp.Binarizer.GlobalHistogram}

    def __init__(
        self, binarizer: str = "local", *, try_rotate: bool = True, try_downscale: bool = True, try_invert: bool = True
    ) -> None:
        if binarizer not in self._BINARIZERS:
            raise ValueError(f"unknown zxing binarizer {binarizer!r}")
        self.binarizer = binarizer
        self._options: dict[str, Any] = dict(
            formats=_QR_FORMATS,
            text_mode=zxingcpp.TextMode.Plain,
            binarizer=self._BINARIZERS[binarizer],
            try_rotate=try_rotate,
            try_downscale=try_downscale,
            try_invert=try_invert,
        )

    def with_binarizer(self, binarizer: str) -> ZxingDecoder:
        """The same settings with another binarizer."""
        o = self._options
        return ZxingDecoder(
            binarizer, try_rotate=o["try_rotate"], try_downscale=o["try_downscale"], try_invert=o["try_invert"]
        )

    def decode(self, gray: np.ndarray) -> list[Decoded]:
        """Every QR code zxing-cpp reads in the image."""
        return self.locate(gray)[0]

    def locate(self, gray: np.ndarray) -> tuple[list[Decoded], list[Quad]]:
        """What zxing-cpp reads, and the corners of symbols it found but could not read.

        The second list is the cascade's evidence that a code is in view (finder patterns and
        a sampling grid were found, the error correction failed): worth spending more time on.
        """
        img = _usable(gray)
        if img is None:
            return [], []
        try:
            results = zxingcpp.read_barcodes(img, return_errors=True, **self._options)
        except (RuntimeError, ValueError) as exc:  # zxing-cpp refuses odd buffers this way
            log.debug("zxing-cpp failed on a %s image: %s", img.shape, exc)
            return [], []
        found, candidates = [], []
        for r in results:
            p = r.position
            quad = _quad((q.x, q.y) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
            if r.valid:
                found.append(Decoded(r.text, self.name, quad))
            else:
                candidates.append(quad)
        return found, candidates


class PyzbarDecoder:
    """pyzbar over the system's zbar library (Debian/Ubuntu: libzbar0), QR only.

    Constructing it raises `DecoderUnavailable` if pyzbar or libzbar0 is missing.
    """

    name = "pyzbar"

    def __init__(self) -> None:
        try:
            from pyzbar import pyzbar  # raises ImportError when the shared library is missing
        except (ImportError, OSError) as exc:
            raise DecoderUnavailable(
                f"the pyzbar decoder needs the system library libzbar0 (apt-get install libzbar0) "
                f"and the pyzbar package: {exc}"
            ) from exc
        self._pyzbar = pyzbar
        self._symbols = [pyzbar.ZBarSymbol.QRCODE]

    def decode(self, gray: np.ndarray) -> list[Decoded]:
        """Every QR code zbar reads in the image (text as UTF-8; undecodable bytes replaced)."""
        img = _usable(gray)
        if img is None:
            return []
        try:
            results = self._pyzbar.decode(img, symbols=self._symbols)
        except Exception as exc:  # zbar's wrapper raises its own PyZbarError and ctypes errors
            log.debug("pyzbar failed on a %s image: %s", img.shape, exc)
            return []
        return [Decoded(r.data.decode("utf-8", errors="replace"), self.name, _quad(r.polygon)) for r in results]


def _pairs(name: str, texts: Sequence[str] | None, points: Any) -> list[Decoded]:
    """OpenCV's parallel (texts, corner arrays) answer as `Decoded`, dropping empty texts."""
    if texts is None or points is None:
        return []
    out = []
    for text, quad in zip(texts, points, strict=False):
        if text:
            out.append(Decoded(text, name, _quad(np.asarray(quad, dtype=np.float64).reshape(-1, 2))))
    return out


class OpenCVDecoder:
    """OpenCV's QR detector: `QRCodeDetector` or, with aruco=True, `QRCodeDetectorAruco`.

    The slowest and weakest on photos; kept as a backend that needs nothing beyond cv2.
    """

    def __init__(self, aruco: bool = False) -> None:
        self.name = "opencv_aruco" if aruco else "opencv"
        self._detector = cv2.QRCodeDetectorAruco() if aruco else cv2.QRCodeDetector()

    def decode(self, gray: np.ndarray) -> list[Decoded]:
        """Every QR code OpenCV detects and decodes (payloads that are not UTF-8 are lost)."""
        img = _usable(gray)
        if img is None or min(img.shape) < 21:  # smaller than one version-1 symbol
            return []
        try:
            ok, texts, points, _ = self._detector.detectAndDecodeMulti(img)
        except (cv2.error, UnicodeDecodeError) as exc:  # the binding decodes payloads as UTF-8
            log.debug("%s failed on a %s image: %s", self.name, img.shape, exc)
            return []
        return _pairs(self.name, texts, points) if ok else []


class WeChatDecoder:
    """OpenCV-contrib's WeChat QR reader, without model files (traditional detection).

    Raises `DecoderUnavailable` if cv2 lacks the contrib module (opencv-python instead of
    opencv-contrib-python-headless installed).
    """

    name = "wechat"

    def __init__(self) -> None:
        factory = getattr(cv2, "wechat_qrcode_WeChatQRCode", None)
        if factory is None:
            raise DecoderUnavailable(
                "the wechat decoder needs OpenCV's contrib modules: install opencv-contrib-python-headless"
            )
        self._reader = factory()  # no model paths: no CNN detector, no super-resolution, no download

    def decode(self, gray: np.ndarray) -> list[Decoded]:
        """Every QR code the WeChat reader decodes (payloads that are not UTF-8 are lost)."""
        img = _usable(gray)
        if img is None or min(img.shape) < 21:
            return []
        try:
            texts, points = self._reader.detectAndDecode(img)
        except (cv2.error, UnicodeDecodeError) as exc:
            log.debug("wechat failed on a %s image: %s", img.shape, exc)
            return []
        return _pairs(self.name, texts, points)


def make_decoder(name: str) -> Decoder:
    """The backend called `name` (one of DECODER_NAMES); DecoderUnavailable if it cannot run here."""
    factories = {
        "zxing": ZxingDecoder,
        "pyzbar": PyzbarDecoder,
        "opencv": lambda: OpenCVDecoder(aruco=False),
        "opencv_aruco": lambda: OpenCVDecoder(aruco=True),
        "wechat": WeChatDecoder,
    }
    if name not in factories:
        raise ValueError(f"unknown decoder {name!r}; known: {', '.join(DECODER_NAMES)}")
    return factories[name]()


def available_decoders(names: Iterable[str] = DECODER_NAMES) -> list[Decoder]:
    """The backends of `names` that can run here; those that cannot are logged and left out."""
    out = []
    for name in names:
        try:
            out.append(make_decoder(name))
        except DecoderUnavailable as exc:
            log.warning("QR decoder %s left out: %s", name, exc)
    return out
