"""The decoding cascade: cheap first, more effort only when the cheap pass fails, within a budget.

Stage 1 is zxing-cpp on the grayscale frame as it is (about 0.1 ms for a typical photo,
1.5 ms for a 1280x720 frame): it reads 125 of the 137 corpus photos. It also tells
whether it saw a symbol it could not read (finder patterns and a grid, failed error
correction). That evidence decides the budget for the rest:

- evidence: a code is in view; the later stages get `budget_ms` (60 ms) and look only at
  the region around the unread symbol, so even pyzbar and WeChat stay affordable on a
  720p frame. 60 ms lets the WeChat stage run on a region under 320 pixels, where it
  costs about 25 ms when it reads the code and 45 ms when it fails (it decodes at 1x, 2x
  and 0.5x of its own); it is what reads 2 of the corpus's crumpled prints;
- no evidence: most likely an empty frame; the later stages get `idle_budget_ms` (5 ms):
  the cheap zxing variants of a whole 720p frame fit, pyzbar, WeChat and a doubled 720p
  frame do not (an empty frame costs about 3 ms: a 30 fps camera is kept up with on one
  core). On a 640x480 webcam the doubled frame fits too.

A stage starts only if its estimated cost (measured per stage on the reference machine, a
2-core x86 VM, in ms per megapixel of what the backend works through) fits in what is left
of the budget; the cascade stops at the first stage that reads a code and reports every
distinct code that stage read. Corner points are mapped back through the crop, scaling or
rotation of the stage's variant to the original frame's pixels.

The order of `DEFAULT_PLAN` comes from bench/decode.py on the real photos of
tests/data/qr-corpus (what fixes the most stage-1 failures per millisecond); see the
comments there. On the corpus: 133/137, median 0.1 ms, p95 about 5 ms.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from booth.scan.decoders import Decoded, Decoder, Quad, ZxingDecoder, available_decoders

log = logging.getLogger(__name__)

Affine = np.ndarray  # 2x3, maps source pixel coordinates to variant pixel coordinates
Prep = Callable[[np.ndarray], tuple[np.ndarray, Affine]]

DEFAULT_BUDGET_MS = 60.0  # a code is in view but stage 1 could not read it
IDLE_BUDGET_MS = 5.0  # stage 1 saw no symbol at all: most likely an empty frame

IDENTITY: Affine = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


# --- image variants -----------------------------------------------------------------------


def _plain(gray: np.ndarray) -> tuple[np.ndarray, Affine]:
    return gray, IDENTITY


def _blur(gray: np.ndarray) -> tuple[np.ndarray, Affine]:
    """A light Gaussian blur: melts halftone, texture and sensor noise inside modules."""
    return cv2.GaussianBlur(gray, (3, 3), 0), IDENTITY


def _scaled(factor: float) -> Prep:
    """Resize by `factor` (area averaging down, bicubic up)."""

    def prep(gray: np.ndarray) -> tuple[np.ndarray, Affine]:
        h, w = gray.shape
        nw, nh = max(1, round(w * factor)), max(1, round(h * factor))
        interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
        sx, sy = nw / w, nh / h  # pixel centres: x' + 0.5 = (x + 0.5) * s
        return cv2.resize(gray, (nw, nh), interpolation=interp), np.array(
            [[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5]]
        )

    return prep


def _equalize(gray: np.ndarray) -> tuple[np.ndarray, Affine]:
    return cv2.equalizeHist(gray), IDENTITY


_CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))


def _clahe(gray: np.ndarray) -> tuple[np.ndarray, Affine]:
    """Local contrast equalisation: a code in a dark corner or under glare."""
    return _CLAHE.apply(gray), IDENTITY


def _threshold(gray: np.ndarray) -> tuple[np.ndarray, Affine]:
    """Adaptive mean threshold over a window of about a tenth of the image."""
    block = max(3, (min(gray.shape) // 10) | 1)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 5), IDENTITY


def _invert(gray: np.ndarray) -> tuple[np.ndarray, Affine]:
    """Light on dark (a phone screen in dark mode); zxing-cpp tries this itself."""
    return cv2.bitwise_not(gray), IDENTITY


def _close(gray: np.ndarray) -> tuple[np.ndarray, Affine]:
    """Morphological closing (3x3): fills dark specks and creases inside light modules."""
    return cv2.morphologyEx(gray, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)), IDENTITY


def _rotated(degrees: float) -> Prep:
    """Rotate by `degrees` (counter-clockwise) on a canvas grown to keep every pixel."""

    def prep(gray: np.ndarray) -> tuple[np.ndarray, Affine]:
        h, w = gray.shape
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), degrees, 1.0)
        cos, sin = abs(m[0, 0]), abs(m[0, 1])
        nw, nh = math.ceil(h * sin + w * cos), math.ceil(h * cos + w * sin)
        m[0, 2] += (nw - w) / 2
        m[1, 2] += (nh - h) / 2
        border = int(np.median(gray[:: max(1, h // 64), :: max(1, w // 64)]))
        return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=border), m

    return prep


PREPS: dict[str, Prep] = {
    "plain": _plain,
    "blur": _blur,
    "half": _scaled(0.5),
    "double": _scaled(2.0),
    "equalize": _equalize,
    "clahe": _clahe,
    "threshold": _threshold,
    "invert": _invert,
    "close": _close,
    "rotate+5": _rotated(5.0),
    "rotate-5": _rotated(-5.0),
    "rotate45": _rotated(45.0),
}


# --- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageSpec:
    """One stage: a backend (by name; zxing with a binarizer) on one image variant.

    `ms_per_mpx` and `base_ms` estimate the stage's time on this project's reference machine
    (bench/decode.py's machine): base_ms + ms_per_mpx * the megapixels the backend works
    through. They are typical costs of a stage that fails (the case that eats the budget);
    on a slower machine the budget is overrun by at most about one stage.
    """

    decoder: str
    prep: str = "plain"
    binarizer: str | None = None
    ms_per_mpx: float = 5.0
    base_ms: float = 0.05

    @property
    def label(self) -> str:
        b = f"/{self.binarizer}" if self.binarizer else ""
        return f"{self.decoder}{b}:{self.prep}"


# Stage order: what fixes the most stage-1 failures of the corpus per millisecond, cheapest
# first (bench/decode.py; "+n" = corpus photos a stage reads that the stages before it miss),
# with the upscaling a booth camera needs for far-away cards, which the corpus does not show.
# Tried and left out, for reading nothing the stages here miss: CLAHE, histogram equalisation,
# adaptive threshold, inversion (stage 1 already tries inverted codes), small and 45-degree
# rotations (zxing-cpp finds QR codes at any angle), blur (halving does the same and blur
# loses codes of < 2 pixels per module), pyzbar upscaled, OpenCV's QRCodeDetector and
# QRCodeDetectorAruco (they read no corpus photo that zxing-cpp misses, at 5-15 ms each).
DEFAULT_PLAN: tuple[StageSpec, ...] = (
    StageSpec("zxing", "plain", ms_per_mpx=2.5),  # 125/137 alone; its misses give the evidence
    StageSpec("zxing", "plain", "global", ms_per_mpx=1.5),  # +3: uneven light over sharp modules
    StageSpec("zxing", "half", "global", ms_per_mpx=1.5),  # +2: halving melts camouflage/halftone
    StageSpec("zxing", "double", ms_per_mpx=2.5),  # far cards: 1.3-2 pixels per module (+0)
    StageSpec("pyzbar", "plain", ms_per_mpx=28.0, base_ms=0.2),  # +1: zbar samples a warped print otherwise
    StageSpec("wechat", "close", ms_per_mpx=160.0, base_ms=1.0),  # +2: crumpled, curved prints; slow
)


def _work_mpx(decoder: str, shape: tuple[int, int]) -> float:
    """Megapixels a backend works through for an image of `shape`.

    The WeChat reader (without its super-resolution model) decodes at several scales of
    its own: 1, 2 and 0.5 below 320 pixels a side, else 1 and 0.5.
    """
    h, w = shape
    mpx = h * w / 1e6
    if decoder == "wechat":
        return mpx * (5.25 if min(h, w) < 320 else 1.25)
    return mpx


def _variant_shape(prep: str, shape: tuple[int, int]) -> tuple[int, int]:
    """The shape of a variant of an image of `shape` (scalings resize, rotations grow the canvas)."""
    h, w = shape
    if prep == "half":
        return max(1, h // 2), max(1, w // 2)
    if prep == "double":
        return 2 * h, 2 * w
    if prep.startswith("rotate"):
        side = math.ceil(math.hypot(h, w))
        return side, side
    return h, w


@dataclass
class _Stage:
    spec: StageSpec
    decoder: Decoder
    prep: Prep

    def estimate(self, shape: tuple[int, int]) -> float:
        """Estimated ms on the reference machine for a region of `shape`."""
        work = _work_mpx(self.spec.decoder, _variant_shape(self.spec.prep, shape))
        return self.spec.base_ms + self.spec.ms_per_mpx * work


# --- frames ---------------------------------------------------------------------------------


def to_gray(frame: np.ndarray) -> np.ndarray:
    """A 2-D uint8 view of a camera frame: gray as is, BGR/BGRA converted, other depths scaled."""
    img = np.asarray(frame)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.dtype != np.uint8:
        img = _to_uint8(img)
    if img.ndim == 2:
        return img
    if img.ndim == 3 and img.shape[2] in (3, 4) and min(img.shape[:2]) > 0:
        return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY if img.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)
    if img.ndim == 3 and img.shape[2] in (3, 4):
        return np.zeros(img.shape[:2], np.uint8)
    raise ValueError(f"not an image frame: shape {img.shape}")


def _to_uint8(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.bool_:
        return img.astype(np.uint8) * 255
    if img.dtype == np.uint16:
        return (img >> 8).astype(np.uint8)
    data = np.nan_to_num(img.astype(np.float64))
    if data.size and data.max() <= 1.0 and data.min() >= 0.0:
        data = data * 255.0
    return np.clip(data, 0, 255).astype(np.uint8)


def _region(candidates: Sequence[Quad], shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """The box (x0, y0, x1, y1) around the unread symbols, grown by a quiet zone and more."""
    pts = np.array([p for quad in candidates for p in quad], dtype=np.float64)
    h, w = shape
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    margin = 0.25 * max(x1 - x0, y1 - y0) + 8
    return (
        max(0, int(x0 - margin)),
        max(0, int(y0 - margin)),
        min(w, int(math.ceil(x1 + margin)) + 1),
        min(h, int(math.ceil(y1 + margin)) + 1),
    )


def _map_back(found: Iterable[Decoded], affine: Affine, offset: tuple[int, int], label: str) -> list[Decoded]:
    """Corner points of a variant (crop, then `affine`) in the original frame's coordinates."""
    inverse = cv2.invertAffineTransform(np.asarray(affine, dtype=np.float64))
    ox, oy = offset
    out = []
    for d in found:
        pts = np.array(d.points, dtype=np.float64).reshape(-1, 2)
        back = pts @ inverse[:, :2].T + inverse[:, 2] + (ox, oy) if len(pts) else pts
        out.append(replace(d, points=tuple((round(float(x), 1), round(float(y), 1)) for x, y in back)))
    log.debug("stage %s read %d code(s)", label, len(out))
    return out


def distinct(found: Iterable[Decoded]) -> list[Decoded]:
    """One `Decoded` per code: the same text read again at (about) the same place is dropped."""
    out: list[Decoded] = []
    for d in found:
        cx, cy = d.center()
        if not any(o.text == d.text and math.dist((cx, cy), o.center()) <= max(o.size(), 1.0) / 2 for o in out):
            out.append(d)
    return out


# --- the cascade ----------------------------------------------------------------------------


class Cascade:
    """Decode QR codes in camera frames, spending effort only where the cheap pass failed.

    `Cascade(*decoders)` runs the stages of `plan` whose backend is among `decoders` (a
    backend named in no stage gets one plain stage at the end). `budget_ms` bounds a frame
    where stage 1 saw an unreadable symbol; `idle_budget_ms` one where it saw nothing.
    `None` means no bound (every stage runs: the regression tests use that, so their counts
    do not depend on the machine's speed or load).

    Not thread-safe (OpenCV's readers keep state): one cascade per capture thread.
    """

    def __init__(
        self,
        *decoders: Decoder,
        budget_ms: float | None = DEFAULT_BUDGET_MS,
        idle_budget_ms: float | None = IDLE_BUDGET_MS,
        plan: Sequence[StageSpec] = DEFAULT_PLAN,
    ) -> None:
        if not decoders:
            raise ValueError("a cascade needs at least one decoder")
        self.budget_ms = budget_ms
        self.idle_budget_ms = idle_budget_ms
        self.stages = self._build(decoders, plan)
        self.last_stage: str | None = None  # the label of the stage that read the last frame's codes

    @classmethod
    def default(cls, **kwargs: float | None) -> Cascade:
        """Every backend of the default plan that can run here (pyzbar needs libzbar0)."""
        names = list(dict.fromkeys(s.decoder for s in DEFAULT_PLAN))
        return cls(*available_decoders(names), **kwargs)  # type: ignore[arg-type]

    @property
    def decoder_names(self) -> list[str]:
        return list(dict.fromkeys(s.decoder.name for s in self.stages))

    @staticmethod
    def _build(decoders: Sequence[Decoder], plan: Sequence[StageSpec]) -> list[_Stage]:
        by_name = {d.name: d for d in decoders}
        specs = [s for s in plan if s.decoder in by_name]
        specs += [StageSpec(d.name) for d in decoders if d.name not in {s.decoder for s in specs}]
        stages = []
        for spec in specs:
            decoder = by_name[spec.decoder]
            if spec.binarizer and isinstance(decoder, ZxingDecoder):
                decoder = decoder.with_binarizer(spec.binarizer)
            stages.append(_Stage(spec, decoder, PREPS[spec.prep]))
        return stages

    def decode(self, frame: np.ndarray) -> list[Decoded]:
        """Every distinct QR code read in a BGR, BGRA or gray frame, corners in frame pixels."""
        start = time.perf_counter()
        self.last_stage = None
        gray = to_gray(frame)
        if gray.size == 0:
            return []
        found, candidates = self._first(gray)
        if found:
            self.last_stage = self.stages[0].spec.label
            return distinct(found)
        budget = self.budget_ms if candidates else self.idle_budget_ms
        x0, y0, x1, y1 = _region(candidates, gray.shape) if candidates else (0, 0, gray.shape[1], gray.shape[0])
        area = np.ascontiguousarray(gray[y0:y1, x0:x1])
        for stage in self.stages[1:]:
            if budget is not None and self._elapsed(start) + stage.estimate(area.shape) > budget:
                log.debug("stage %s skipped: over the %.0f ms budget", stage.spec.label, budget)
                continue
            found = self._run(stage, area, (x0, y0))
            if found:
                self.last_stage = stage.spec.label
                return distinct(found)
        return []

    @staticmethod
    def _elapsed(start: float) -> float:
        return (time.perf_counter() - start) * 1000

    def _first(self, gray: np.ndarray) -> tuple[list[Decoded], list[Quad]]:
        """Stage 1 on the whole frame; with zxing, also the corners of symbols it could not read."""
        stage = self.stages[0]
        if not isinstance(stage.decoder, ZxingDecoder) or stage.spec.prep != "plain":
            return self._run(stage, gray, (0, 0)), []
        return stage.decoder.locate(gray)

    def _run(self, stage: _Stage, area: np.ndarray, offset: tuple[int, int]) -> list[Decoded]:
        """One stage on a region of the frame; corner points mapped back to frame pixels."""
        image, affine = stage.prep(area)
        found = stage.decoder.decode(image)
        return _map_back(found, affine, offset, stage.spec.label) if found else []
