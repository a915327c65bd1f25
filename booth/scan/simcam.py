"""A simulated webcam: permit cards held up to a cheap camera, as 1280x720 BGR frames.

Used by ``booth demo`` and by the tests and benches. Each permit is drawn as the printed
ID-1 card (``booth.card.layout``, in pixels by ``booth.card.raster``: the permit QR in
alphanumeric mode, ECC level Q, as issued; the holder's names and the fields in the bundled
Noto fonts, shaped by raqm) on tinted paper, and a "hand"
brings it into view over a desk: the card enters, is held for ~1.5-2 s with a small tremor
and tilt, and leaves; then the next card. Each frame gets what a cheap webcam adds:
perspective, motion and defocus blur, sensor noise, glare on the laminate, low light and
now and then a thumb over a corner of the card (rarely over the QR, never on its finder
patterns on purpose).

Everything follows from the seed and the frame number, so a frame can be rendered again
exactly (``render(n)``), and the camera tells which permit text it shows (``info(n)``,
``current``, ``info_for(frame)``): the ground truth for tests and benches.

Imports no Qt. Frames are numpy BGR uint8 arrays. The camera runs all day in the demo, so it
draws in buffers it keeps (a frame's buffer is used again once no one holds the frame or a view
of it), and keeps only what the next frames need of the cards and the timeline.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import mmap
import sys
import threading
import time
import weakref
from array import array
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from booth.card.layout import CARD_H, CARD_W, MUTED, CardContent, Header, card_header, card_layout, qr_place
from booth.card.qr import QUIET, make_qr
from booth.card.raster import RasterPen, draw_face, photo_size
from booth.card.typeset import Style
from booth.errors import CardError
from booth.scan.errors import SourceLost, SourceUnavailable

log = logging.getLogger(__name__)

__all__ = [
    "CardSpec",
    "FrameInfo",
    "SimulatedCamera",
    "cards_from_demo",
    "card_image",
    "qr_for",
    "fits_qr",
    "FRAME_W",
    "FRAME_H",
]

FRAME_W, FRAME_H = 1280, 720
CARD_W_MM, CARD_H_MM = CARD_W, CARD_H  # ISO/IEC 7810 ID-1
PX_MM = 12  # card texture resolution, pixels per millimetre
PAD = 0.22  # transparent margin around the card texture (a thumb may stick out), fraction of card width
PEN = RasterPen(PX_MM)  # measures and draws the cards' text
CAPTION = Style(30 / PX_MM / (25.4 / 72), False, MUTED)  # a plain QR's caption: 30 px


# --- the permits on the cards ----------------------------------------------------------


@dataclass(frozen=True)
class CardSpec:
    """One card for the simulated camera: the QR text and what is printed beside it."""

    text: str
    number: str | None = None
    family_name: str = ""
    given_names: str = ""
    native_name: str | None = None
    nationality: str = ""
    dob: str = ""
    sex: str = ""
    issuer: str = ""
    expires: int | None = None
    checkpoints: tuple[str, ...] = ()
    photo: bytes | None = field(default=None, repr=False)
    not_before: int | None = None
    zone: str = ""
    stay_days: int | None = None
    kind: str = ""
    label: str | None = None  # the verdict the demo expects, when known
    description: str = ""

    @classmethod
    def from_text(
        cls, text: str, *, label: str | None = None, description: str = "", number: str | None = None
    ) -> CardSpec:
        """A card for ``text``; when it decodes as a permit (signature not checked), the
        holder's fields are printed on the card, else only the QR and ``description``."""
        from sync.protocol import permit as codec
        from sync.protocol.errors import PermitRejected

        try:
            p = codec.decode(text).permit
        except (PermitRejected, ValueError, TypeError):
            return cls(text=text, number=number, label=label, description=description)
        return cls(
            text=text,
            number=p.number,
            family_name=p.family_name,
            given_names=p.given_names,
            native_name=p.native_name,
            nationality=p.nationality,
            dob=p.dob,
            sex=p.sex,
            issuer=p.issuer,
            expires=p.expires,
            checkpoints=tuple(p.checkpoints),
            photo=p.photo,
            not_before=p.not_before,
            zone=p.zone,
            stay_days=p.stay_days,
            kind=p.kind,
            label=label,
            description=description,
        )

    def content(self) -> CardContent:
        """What the printed card shows (checkpoints by code: the names are the HQ's)."""
        return CardContent(
            family_name=self.family_name,
            given_names=self.given_names,
            native_name=self.native_name or "",
            dob=self.dob,
            sex=self.sex,
            nationality=self.nationality,
            number=self.number or "",
            not_before=self.not_before,
            expires=self.expires,
            issuer=self.issuer,
            checkpoints=tuple((c, "") for c in self.checkpoints),
            zone=self.zone,
            stay_days=self.stay_days,
            kind=self.kind,
        )


ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
MAX_ALNUM_Q, MAX_BYTES_Q = 2420, 1663  # what a version 40 QR code holds at ECC level Q


def fits_qr(text: str) -> bool:
    """Whether `text` fits in a QR code at level Q (a cheap check: no encoding)."""
    if set(text) <= ALNUM:
        return len(text) <= MAX_ALNUM_Q
    return len(text.encode("utf-8")) <= MAX_BYTES_Q


@lru_cache(maxsize=512)
def qr_for(text: str) -> Any:
    """The segno QR for ``text``: the permit QR as issued (alphanumeric, level Q) when the
    text allows it, else byte mode at level Q (e.g. a web address with lowercase letters).
    Raises ValueError when the text does not fit in a QR code."""
    import segno

    try:
        return make_qr(text)
    except CardError:  # not alphanumeric (or too long for that mode)
        pass
    try:
        return segno.make_qr(text, error="q", boost_error=False)
    except (ValueError, segno.DataOverflowError) as exc:
        raise ValueError(f"cannot encode the text as a QR code: {exc}") from None


def cards_from_demo(cases_json_path: str | Path) -> list[CardSpec]:
    """The cards for every case in a demo ``cases.json`` (written by ``booth-hq demo-data``),
    in order; ``cases_json_path`` may also be the demo folder. Texts that no QR code can
    hold are left out (with a warning); unreadable texts are kept: the demo shows every verdict."""
    path = Path(cases_json_path)
    if path.is_dir():
        path = path / "cases.json"
    try:
        cases = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceUnavailable(f"cannot read demo cases from {path}: {exc}") from None
    if not isinstance(cases, list):
        raise SourceUnavailable(f"{path} is not a list of demo cases")
    out: list[CardSpec] = []
    for case in cases:
        if not isinstance(case, dict) or not isinstance(case.get("text"), str) or not case["text"]:
            continue
        if not fits_qr(case["text"]):
            log.warning("demo case %s left out of the simulated camera: too long for a QR code", case.get("number"))
            continue
        out.append(
            CardSpec.from_text(
                case["text"],
                label=case.get("label"),
                description=case.get("description", ""),
                number=case.get("number"),
            )
        )
    return out


def _as_spec(card: CardSpec | str | dict[str, Any]) -> CardSpec:
    if isinstance(card, CardSpec):
        return card
    if isinstance(card, str):
        return CardSpec.from_text(card)
    if isinstance(card, dict) and isinstance(card.get("text"), str):
        return CardSpec.from_text(
            card["text"], label=card.get("label"), description=card.get("description", ""), number=card.get("number")
        )
    raise TypeError(f"not a card: {card!r}")


# --- drawing the card -------------------------------------------------------------------


@lru_cache(maxsize=256)
def _qr_matrix(text: str) -> np.ndarray:
    qr = qr_for(text)
    m = np.array([[bool(v & 1) for v in row] for row in qr.matrix], dtype=bool)
    m.setflags(write=False)
    return m


# ~2.5 MB each. A card is needed only while its cycle's texture is built (SimulatedCamera._texture
# keeps that), so the cache holds the cards the camera draws ahead (the current one and the next
# two, see SimulatedCamera._warm) and one spare: not every card, so memory stays flat
CARD_CACHE = 4


@lru_cache(maxsize=CARD_CACHE)
def card_image(spec: CardSpec) -> np.ndarray:
    """The card as a BGRA uint8 texture at 12 px/mm (about 1027x648), with rounded corners
    (alpha 0 outside). Cached."""
    w, h = round(CARD_W_MM * PX_MM), round(CARD_H_MM * PX_MM)
    mm = PX_MM
    holder = bool(spec.family_name or spec.given_names)
    seed = sum(spec.text.encode()) % 1000
    rng = np.random.default_rng(seed)

    layout = None
    if holder:
        n = _qr_matrix(spec.text).shape[0]
        layout = card_layout(spec.content(), n, PEN, photo_size=photo_size(spec.photo))

    # paper: warm off-white, a faint guilloche and a tinted band (under the title) by nationality
    tint = {"KHM": (222, 232, 246), "THA": (246, 230, 232)}.get(spec.nationality, (240, 240, 236))
    base = (250, 249, 244) if holder else (252, 252, 250)
    im = Image.new("RGB", (w, h), base)
    draw = ImageDraw.Draw(im)
    if layout is not None:
        draw.rectangle((0, 0, w, int((layout.rule.y + 0.4) * mm)), fill=tint)
        xs = np.linspace(0, w, 160)
        for k in range(14):
            phase = rng.uniform(0, 2 * math.pi)
            amp = rng.uniform(6, 18)
            y0 = h * (0.18 + 0.06 * k)
            ys = y0 + amp * np.sin(xs / rng.uniform(40, 90) + phase)
            wave = list(zip(xs.tolist(), ys.tolist(), strict=True))
            draw.line(wave, fill=tuple(min(255, c + 4) for c in tint), width=2)

    # the QR: white quiet zone, modules resampled as a printer would
    matrix = _qr_matrix(spec.text)
    qx, qy, side, module = _qr_layout(spec)
    big = np.kron(np.where(matrix, 0, 255).astype(np.uint8), np.ones((8, 8), np.uint8))
    qr_px = cv2.resize(big, (side, side), interpolation=cv2.INTER_AREA)
    quiet = int(QUIET * module)
    draw.rectangle((qx - quiet, qy - quiet, qx + side + quiet, qy + side + quiet), fill=(255, 255, 255))
    ink = np.array(im)
    qr_rgb = np.repeat(qr_px[:, :, None], 3, axis=2).astype(np.int16)
    qr_rgb = np.where(qr_rgb < 128, qr_rgb + 18, qr_rgb)  # printed black is not pure black
    ink[qy : qy + side, qx : qx + side] = np.clip(qr_rgb, 0, 255).astype(np.uint8)
    im = Image.fromarray(ink)
    del ink, qr_rgb, qr_px, big  # PIL has its own copy: ~3 MB less while the text is drawn

    if layout is not None:  # the printed card's face: title, rule, photo, names, fields
        draw_face(im, layout, PEN, spec.photo)
    elif spec.description:  # a plain printed QR with a caption beside it
        draw = ImageDraw.Draw(im)
        col = max(qx + side + quiet, int(45 * mm)) + int(0.6 * mm)
        col_w = (w - 3 * mm - col) / mm
        y = 2.0 + 8.0
        for line in PEN.wrap(spec.description, lambda _i: col_w, CAPTION) or []:
            PEN.draw(draw, col / mm, y, line, CAPTION)
            y += 42 / mm

    rgb = np.array(im)
    # printing: a little grain, slightly soft; in float32 and a channel at a time, so drawing a
    # card (on the camera's warm-up thread, every couple of seconds) needs a few MB, not ~20
    grain = rng.standard_normal((h, w), dtype=np.float32)
    grain *= 2.0
    for c in range(3):
        channel = rgb[:, :, c].astype(np.float32)
        channel += grain
        np.clip(channel, 0, 255, out=channel)
        rgb[:, :, c] = channel
    del grain, channel
    bgra = np.dstack([rgb[:, :, ::-1], np.zeros((h, w), np.uint8)])
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, w - 1, h - 1), radius=int(3.18 * mm), fill=255)
    bgra[:, :, 3] = np.array(mask)
    bgra[:, :, :3] = np.where(bgra[:, :, 3:4] > 0, bgra[:, :, :3], 0)
    card = _mapped(bgra.shape)
    card[:] = bgra
    card.setflags(write=False)
    return card


def _qr_layout(spec: CardSpec) -> tuple[int, int, int, float]:
    """Where the QR sits on the card texture: (x, y, side, module) in texture pixels (no
    padding). A permit card follows the printed card's layout (``booth.card.layout``: QR on
    the left under the title); a card without a holder is a plain printed QR with a caption."""
    w, h = round(CARD_W_MM * PX_MM), round(CARD_H_MM * PX_MM)
    n = _qr_matrix(spec.text).shape[0]
    mm = PX_MM
    if spec.family_name or spec.given_names:
        place = qr_place(_header(), n)
        module = place.module * mm
        return round(place.x * mm), round(place.y * mm), int(round(n * module)), module
    module = min((h - 4 * mm) / (n + 2 * QUIET), 0.9 * mm)
    side = int(round(n * module))
    qy = (h - side) // 2
    qx = (w - side) // 2 if not spec.description else int(QUIET * module + 2 * mm)
    return qx, qy, side, module


@lru_cache(maxsize=1)
def _header() -> Header:
    return card_header(PEN)


# --- the scene --------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameInfo:
    """Ground truth for one simulated frame."""

    index: int  # frame number since the camera started (0, 1, ...)
    t: float  # scene time, seconds (index / fps)
    text: str | None  # the permit text of the card in view (entering, held or leaving), else None
    card: int | None  # index into the camera's cards
    cycle: int  # how many cards came before this one
    phase: str  # "enter" | "hold" | "leave" | "gap"
    generated_at: float  # time.monotonic() when the frame was finished (0 from info())
    card_width: float  # the card's apparent width in the frame, pixels (0 when none)


@dataclass(frozen=True)
class _Cycle:
    """One card's trip: timing, pose, lighting and what gets in the way."""

    index: int
    card: int
    start: float
    enter: float
    hold: float
    leave: float
    gap: float
    # hold pose
    cx: float
    cy: float
    width: float  # apparent card width, pixels
    roll: float  # degrees
    pitch: float
    yaw: float
    come_from: tuple[float, float]  # unit direction the hand comes from
    go_to: tuple[float, float]
    # tremor / drift
    drift: tuple[float, ...]
    # camera
    focus: float  # base defocus sigma, px
    hunt: float  # extra defocus at the start of the hold (autofocus), px
    gain: float
    gamma: float
    tint: tuple[float, float, float]
    noise: float
    glare: tuple[float, float, float, float] | None  # x, y (fraction of card), radius (fraction of width), strength
    thumb: tuple[float, float, float] | None  # x, y on the texture (fraction of the padded texture), angle

    @property
    def end(self) -> float:
        return self.start + self.enter + self.hold + self.leave + self.gap

    @property
    def hold_start(self) -> float:
        return self.start + self.enter

    @property
    def hold_end(self) -> float:
        return self.start + self.enter + self.hold


RECENT_CYCLES = 8  # planned cycles kept: the one in view, its neighbours, and what the warm-up thread asks for


class SimulatedCamera:
    """A FrameSource that shows ``cards`` one after another, held up by a hand.

    ``cards``: CardSpec objects, permit texts, or demo case dicts (with ``text``).
    ``realtime``: ``read()`` paces itself at ``fps`` like a real camera (and skips frames
    when the reader is late); otherwise every call renders the next frame at once.
    ``loop``: start again with the first card after the last; otherwise an empty desk.
    ``difficulty``: 0 = clean frames, 1 = a cheap webcam in a booth (default).
    """

    def __init__(
        self,
        cards: Sequence[CardSpec | str | dict[str, Any]],
        fps: float = 30.0,
        seed: int = 0,
        *,
        size: tuple[int, int] = (FRAME_W, FRAME_H),
        realtime: bool = True,
        loop: bool = True,
        difficulty: float = 1.0,
        start_gap: float = 0.3,
    ) -> None:
        self.cards: list[CardSpec] = [_as_spec(c) for c in cards]
        if not self.cards:
            raise ValueError("the simulated camera needs at least one card")
        if fps <= 0:
            raise ValueError("fps must be positive")
        self.fps = float(fps)
        self.seed = int(seed)
        self.width, self.height = int(size[0]), int(size[1])
        self.realtime = realtime
        self.loop = loop
        self.difficulty = max(0.0, float(difficulty))
        self.start_gap = max(0.0, float(start_gap))
        # the timeline: when each cycle starts (8 bytes a cycle, so a camera left running for a
        # shift does not pile up _Cycle objects, ~2.5 KB each); the cycles themselves follow from
        # the seed and are planned again when needed, the last few kept
        self._starts = array("d")
        self._recent: OrderedDict[int, _Cycle] = OrderedDict()
        self._background = _desk(self.width, self.height, np.random.default_rng([self.seed, 7]))
        self._textures: dict[int, _Texture] = {}  # cycle -> its card texture (with thumb)
        self._scratch = _Scratch()  # compositing buffers, per rendering thread
        self._frames = _FramePool((self.height, self.width, 3))
        self._lock = threading.RLock()  # the timeline grows from the reading thread and from callers
        self._next = 0
        self._t0: float | None = None
        self._opened = False
        self._warming = False
        self._unplugged = False
        self._current: FrameInfo | None = None
        self._history: deque[tuple[weakref.ref[np.ndarray], FrameInfo]] = deque(maxlen=256)

    # -- FrameSource ------------------------------------------------------------------

    def open(self) -> None:
        if self._unplugged:
            raise SourceUnavailable("simulated camera is unplugged")
        with self._lock:
            self._opened = True
            self._t0 = None  # pacing starts again; the scene goes on where it was
            if not self._warming:
                # draw the next cards ahead of time (encoding a QR code takes ~50 ms), so the
                # frame rate does not stall when a new card comes into view
                self._warming = True
                threading.Thread(target=self._warm, name="simcam-cards", daemon=True).start()

    def _warm(self, ahead: int = 2) -> None:
        """Keep the cards of the next `ahead` cycles drawn, while the camera is open (the card
        cache holds only a few, so later passes are drawn ahead again)."""
        try:
            done: set[int] = set()  # cycles whose card was drawn ahead
            while self._opened:
                current = self.current
                shown = current.cycle if current is not None else 0
                todo = [k for k in range(shown, shown + ahead + 1) if k not in done]
                if not todo:
                    time.sleep(0.1)
                    continue
                spec = self.cards[todo[0] % len(self.cards)]
                try:
                    card_image(spec)
                    _qr_layout(spec)
                except Exception:  # drawn (and reported) again when the card is shown
                    log.debug("drawing a card ahead of time failed", exc_info=True)
                done = {k for k in done if k >= shown} | {todo[0]}
        finally:
            self._warming = False

    def read(self) -> np.ndarray | None:
        if self._unplugged:
            raise SourceLost("simulated camera was unplugged")
        if not self._opened:
            raise SourceLost("simulated camera is not open")
        with self._lock:
            if self.realtime:
                now = time.monotonic()
                if self._t0 is None:
                    self._t0 = now - self._next / self.fps
                due = self._t0 + self._next / self.fps
                if now - due > 1.5 / self.fps:  # the reader is late: a camera drops frames
                    self._next = int((now - self._t0) * self.fps)
                    due = self._t0 + self._next / self.fps
            n = self._next
            self._next += 1
        if self.realtime:
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        frame, info = self.render(n)
        with self._lock:
            self._current = info
            self._history.append((weakref.ref(frame), info))
        return frame

    def close(self) -> None:
        with self._lock:
            self._opened = False

    def describe(self) -> str:
        return f"simulated camera ({len(self.cards)} cards, {self.fps:g} fps, seed {self.seed})"

    # -- faults, for demos and tests --------------------------------------------------

    def unplug(self) -> None:
        """From now on ``read()`` raises SourceLost and ``open()`` SourceUnavailable."""
        self._unplugged = True

    def plug(self) -> None:
        self._unplugged = False

    # -- ground truth -----------------------------------------------------------------

    @property
    def current(self) -> FrameInfo | None:
        """What the last frame returned by ``read()`` shows."""
        with self._lock:
            return self._current

    @property
    def current_text(self) -> str | None:
        info = self.current
        return info.text if info else None

    def info_for(self, frame: np.ndarray) -> FrameInfo | None:
        """Ground truth for a frame ``read()`` returned recently (by identity), else None."""
        with self._lock:
            for ref, info in reversed(self._history):
                if ref() is frame:
                    return info
        return None

    def info(self, n: int) -> FrameInfo:
        """Ground truth for frame ``n`` without rendering it (``generated_at`` is 0)."""
        t = n / self.fps
        cyc, phase = self._at(t)
        return FrameInfo(
            n,
            t,
            self.cards[cyc.card].text if phase != "gap" else None,
            cyc.card if phase != "gap" else None,
            cyc.index,
            phase,
            0.0,
            cyc.width if phase != "gap" else 0.0,
        )

    def holds(self, until: float) -> list[tuple[str, float, float]]:
        """(text, hold start, hold end) in scene seconds for every card held before ``until``."""
        out = []
        k = 0
        while True:
            cyc = self._cycle(k)
            if cyc is None or cyc.hold_start >= until:
                return out
            out.append((self.cards[cyc.card].text, cyc.hold_start, cyc.hold_end))
            k += 1

    @property
    def duration(self) -> float:
        """Scene seconds for one pass over every card."""
        return self._cycle(len(self.cards) - 1).end  # type: ignore[union-attr]

    @property
    def frames_per_pass(self) -> int:
        return int(math.ceil(self.duration * self.fps))

    # -- timeline ---------------------------------------------------------------------

    def _cycle(self, k: int) -> _Cycle | None:
        if not self.loop and k >= len(self.cards):
            return None
        with self._lock:
            cyc = self._recent.get(k)
            if cyc is not None:
                self._recent.move_to_end(k)
                return cyc
            while len(self._starts) <= k:  # each cycle starts where the one before ends
                i = len(self._starts)
                if i == 0:
                    self._starts.append(self.start_gap)
                    continue
                prev = self._recent.get(i - 1) or self._plan(i - 1, self._starts[i - 1])
                self._starts.append(prev.end)
            cyc = self._plan(k, self._starts[k])
            self._recent[k] = cyc
            while len(self._recent) > RECENT_CYCLES:
                self._recent.popitem(last=False)
            return cyc

    def _at(self, t: float) -> tuple[_Cycle, str]:
        with self._lock:
            k = max(0, bisect.bisect_right(self._starts, t) - 1)  # the last cycle planned starting at or before t
            while True:
                cyc = self._cycle(k)
                if cyc is None:
                    last = self._cycle(k - 1)
                    assert last is not None
                    return last, "gap"
                if t < cyc.start:
                    return cyc, "gap"  # before the first card
                if t < cyc.end:
                    break
                k += 1
        rel = t - cyc.start
        if rel < cyc.enter:
            return cyc, "enter"
        if rel < cyc.enter + cyc.hold:
            return cyc, "hold"
        if rel < cyc.enter + cyc.hold + cyc.leave:
            return cyc, "leave"
        return cyc, "gap"

    def _plan(self, k: int, start: float) -> _Cycle:
        rng = np.random.default_rng([self.seed, k, 1])
        d = self.difficulty
        w, h = self.width, self.height
        card = k % len(self.cards)
        width = w * rng.uniform(0.52, 0.68)
        card_h = width * CARD_H_MM / CARD_W_MM
        cx = w / 2 + rng.uniform(-1, 1) * max(0.0, (w - width) / 2 - 20) * 0.6
        cy = h / 2 + rng.uniform(-1, 1) * max(0.0, (h - card_h) / 2 - 20) * 0.6
        # the hand comes from below, the right or the left (unit vector towards where it comes from)
        angle = float(rng.choice([math.pi / 2, 0.0, math.pi, math.pi / 2 + 0.5, math.pi / 2 - 0.5]))
        come = (math.cos(angle), math.sin(angle))
        leave_angle = angle + rng.uniform(-0.6, 0.6)
        go = (math.cos(leave_angle), math.sin(leave_angle))
        low = rng.random() < 0.3 * min(1.0, d)
        glare = None
        if rng.random() < 0.45 * min(1.0, d):
            glare = (rng.uniform(0.1, 0.9), rng.uniform(0.15, 0.85), rng.uniform(0.06, 0.14), rng.uniform(110, 200) * d)
        thumb = None
        if rng.random() < 0.45 * min(1.0, d):
            thumb = _thumb_place(rng, self.cards[card])
        return _Cycle(
            index=k,
            card=card,
            start=start,
            enter=rng.uniform(0.3, 0.45),
            hold=rng.uniform(1.5, 2.0),
            leave=rng.uniform(0.3, 0.4),
            gap=rng.uniform(0.2, 0.5),
            cx=cx,
            cy=cy,
            width=width,
            roll=rng.uniform(-10, 10) * d,
            pitch=rng.uniform(-14, 14) * d,
            yaw=rng.uniform(-14, 14) * d,
            come_from=come,
            go_to=go,
            drift=tuple(rng.uniform(0, 2 * math.pi, 8).tolist()) + (rng.uniform(0.25, 0.6), rng.uniform(4.0, 8.0)),
            focus=rng.uniform(0.3, 0.9) * d,
            hunt=(rng.uniform(1.0, 2.5) if rng.random() < 0.4 else 0.0) * d,
            gain=rng.uniform(0.35, 0.55) if low else rng.uniform(0.85, 1.05),
            gamma=rng.uniform(1.25, 1.6) if low else rng.uniform(0.9, 1.1),
            tint=(rng.uniform(0.85, 1.0), rng.uniform(0.95, 1.0), rng.uniform(1.0, 1.1))
            if rng.random() < 0.5
            else (1.0, 1.0, 1.0),
            noise=(rng.uniform(5, 8) if low else rng.uniform(2, 4)) * d,
            glare=glare,
            thumb=thumb,
        )

    def _pose(self, cyc: _Cycle, t: float) -> tuple[float, float, float, float, float, float]:
        """(cx, cy, width, roll, pitch, yaw) of the card at scene time ``t``."""
        rel = t - cyc.start
        p = cyc.drift
        tt = t - cyc.hold_start
        slow, fast = p[8], p[9]
        # drift (slow, a few px) and tremor (fast, ~1 px), all the time the card is in the hand
        dx = 6 * math.sin(2 * math.pi * slow * tt + p[0]) + 1.2 * math.sin(2 * math.pi * fast * tt + p[1])
        dy = 5 * math.sin(2 * math.pi * slow * 0.8 * tt + p[2]) + 1.0 * math.sin(2 * math.pi * fast * 1.3 * tt + p[3])
        droll = 1.2 * math.sin(2 * math.pi * slow * 0.7 * tt + p[4])
        dpitch = 2.0 * math.sin(2 * math.pi * slow * 0.6 * tt + p[5])
        dyaw = 2.0 * math.sin(2 * math.pi * slow * 0.9 * tt + p[6])
        d = self.difficulty
        cx, cy = cyc.cx + dx * d, cyc.cy + dy * d
        roll, pitch, yaw = cyc.roll + droll * d, cyc.pitch + dpitch * d, cyc.yaw + dyaw * d
        far = 1.1 * math.hypot(self.width, self.height)
        if rel < cyc.enter:
            s = 1 - _ease(rel / cyc.enter)  # 1 far away -> 0 in place
            cx += cyc.come_from[0] * far * s
            cy += cyc.come_from[1] * far * s
            roll += 25 * s * (1 if cyc.come_from[0] >= 0 else -1)
        elif rel >= cyc.enter + cyc.hold:
            s = _ease(min(1.0, (rel - cyc.enter - cyc.hold) / cyc.leave))
            cx += cyc.go_to[0] * far * s
            cy += cyc.go_to[1] * far * s
            roll -= 20 * s * (1 if cyc.go_to[0] >= 0 else -1)
        return cx, cy, cyc.width, roll, pitch, yaw

    # -- rendering --------------------------------------------------------------------

    def render(self, n: int) -> tuple[np.ndarray, FrameInfo]:
        """Frame ``n`` (BGR uint8, height x width x 3) and its ground truth."""
        t = n / self.fps
        cyc, phase = self._at(t)
        frame = self._frames.frame()
        np.copyto(frame, self._background)
        rng = np.random.default_rng([self.seed, n, 2])
        card_w = 0.0
        if phase != "gap":
            spec = self.cards[cyc.card]
            pose = self._pose(cyc, t)
            card_w = pose[2]
            texture = self._texture(cyc, spec)
            H = self._homography(texture, pose)
            # velocity over the exposure (about half a frame time) -> motion blur
            nxt = self._pose(cyc, t + 0.5 / self.fps)
            vx, vy = nxt[0] - pose[0], nxt[1] - pose[1]
            focus = cyc.focus
            if phase == "hold" and cyc.hunt:
                focus += cyc.hunt * max(0.0, 1 - (t - cyc.hold_start) / 0.45)
            self._composite(frame, texture, H, cyc, (vx, vy), focus, rng)
        _expose(frame, cyc.gain, cyc.gamma, cyc.tint, cyc.noise, rng)
        info = FrameInfo(
            n,
            t,
            self.cards[cyc.card].text if phase != "gap" else None,
            cyc.card if phase != "gap" else None,
            cyc.index,
            phase,
            time.monotonic(),
            card_w,
        )
        return frame, info

    def _texture(self, cyc: _Cycle, spec: CardSpec) -> _Texture:
        with self._lock:
            tex = self._textures.get(cyc.index)
        if tex is not None:
            return tex
        card = card_image(spec)
        h, w = card.shape[:2]
        # the card, and the thumb where it sticks out past an edge: a texture padded all round
        # (for a thumb that is there in half the cycles, on one side) was 2.5 times the card,
        # all of it warped, blurred and blended on every frame
        pad = int(PAD * w)
        x0, y0, x1, y1 = 0, 0, w, h  # card pixels; the thumb may reach to -pad or w + pad
        if cyc.thumb is not None:
            _, _, bx0, by0, bx1, by1 = _thumb_geometry(cyc.thumb, pad, w, h)
            x0, y0, x1, y1 = min(0, bx0 - pad), min(0, by0 - pad), max(w, bx1 - pad), max(h, by1 - pad)
        pixels = _mapped((y1 - y0, x1 - x0, 4))
        pixels[-y0 : h - y0, -x0 : w - x0] = card
        if cyc.thumb is not None:
            _draw_thumb(pixels, cyc.thumb, pad, w, h, origin=(pad + x0, pad + y0))
        # premultiplied alpha: interpolation and blur then treat the card's edge right
        pixels[:, :, :3] = (pixels[:, :, :3].astype(np.uint16) * pixels[:, :, 3:4] // 255).astype(np.uint8)
        tex = _Texture(pixels, -x0, -y0, w, h)
        with self._lock:
            self._textures = {k: v for k, v in self._textures.items() if k >= cyc.index - 1}
            self._textures[cyc.index] = tex
        return tex

    def _homography(self, tex: _Texture, pose: tuple[float, ...]) -> np.ndarray:
        cx, cy, width, roll, pitch, yaw = pose
        th, tw = tex.pixels.shape[:2]
        s = width / tex.card_w  # texture px -> frame px at the card's distance
        f = 0.9 * self.width  # a webcam's ~70 degree field of view
        rx, ry, rz = (math.radians(a) for a in (pitch, yaw, roll))
        Rx = np.array([[1, 0, 0], [0, math.cos(rx), -math.sin(rx)], [0, math.sin(rx), math.cos(rx)]])
        Ry = np.array([[math.cos(ry), 0, math.sin(ry)], [0, 1, 0], [-math.sin(ry), 0, math.cos(ry)]])
        Rz = np.array([[math.cos(rz), -math.sin(rz), 0], [math.sin(rz), math.cos(rz), 0], [0, 0, 1]])
        R = Rz @ Ry @ Rx
        corners = np.array([[0, 0], [tw, 0], [tw, th], [0, th]], np.float64)
        mx, my = tex.x + tex.card_w / 2, tex.y + tex.card_h / 2  # the card's centre, on the texture
        pts3 = np.column_stack([(corners[:, 0] - mx) * s, (corners[:, 1] - my) * s, np.zeros(4)]) @ R.T
        z = pts3[:, 2] + f
        dst = np.column_stack([cx + f * pts3[:, 0] / z, cy + f * pts3[:, 1] / z]).astype(np.float32)
        return cv2.getPerspectiveTransform(corners.astype(np.float32), dst)

    def _composite(
        self,
        frame: np.ndarray,
        tex: _Texture,
        H: np.ndarray,
        cyc: _Cycle,
        velocity: tuple[float, float],
        focus: float,
        rng: np.random.Generator,
    ) -> None:
        """Draw the card onto ``frame`` in place. Works in 8 bits with OpenCV, in buffers reused
        from frame to frame (``_Scratch``): the camera renders 30 frames a second for as long as
        the booth runs, and fresh float buffers for every frame (~45 MB a frame, in sizes that
        change from frame to frame) left ~90 MB of freed but unreturned memory in the malloc arenas."""
        fh, fw = frame.shape[:2]
        th, tw = tex.pixels.shape[:2]
        corners = np.array([[[0, 0]], [[tw, 0]], [[tw, th]], [[0, th]]], np.float32)
        dst = cv2.perspectiveTransform(corners, H).reshape(-1, 2)
        blur_len = min(61, int(round(math.hypot(*velocity))))
        margin = SHADOW_REACH + blur_len  # room for the shadow and the motion blur around the texture
        x0 = max(0, int(dst[:, 0].min()) - margin)
        y0 = max(0, int(dst[:, 1].min()) - margin)
        x1 = min(fw, int(dst[:, 0].max()) + margin + 1)
        y1 = min(fh, int(dst[:, 1].max()) + margin + 1)
        if x1 - x0 < 2 or y1 - y0 < 2:
            return
        rw, rh = x1 - x0, y1 - y0
        buf = self._scratch
        T = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ H
        warped = cv2.warpPerspective(
            tex.pixels,
            T,
            (rw, rh),
            dst=buf.get("card", (rh, rw, 4)),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(0, 0, 0, 0),
        )
        # blur the card layer only (premultiplied colour and alpha together), so the desk
        # around it stays as it was: motion blur (long streaks at a lower resolution:
        # cheaper, and no detail survives them anyway), then defocus
        spare = buf.get("card2", (rh, rw, 4))
        if blur_len >= 2:
            warped, spare = _motion_blur(warped, blur_len, math.atan2(velocity[1], velocity[0]), spare), warped
        if focus > 0.25:
            warped, spare = cv2.GaussianBlur(warped, (0, 0), focus, dst=spare), warped
        roi = frame[y0:y1, x0:x1]
        alpha = cv2.extractChannel(warped, 3, dst=buf.get("alpha", (rh, rw)))
        # a soft shadow on the desk, down and to the right of the card: the share of the desk's
        # light left where the shadow falls (255: all of it) ...
        lit = buf.get("lit", (rh, rw))
        lit[:] = 255
        if rh > SHADOW_DY and rw > SHADOW_DX:
            # (the blurred outline is needed only for this: it borrows the buffer of `behind`)
            shade = cv2.blur(alpha, (SHADOW_BLUR, SHADOW_BLUR), dst=buf.get("behind", (rh, rw)))
            shade = shade[:-SHADOW_DY, :-SHADOW_DX]
            cv2.addWeighted(shade, -0.35, shade, 0.0, 255.0, dst=lit[SHADOW_DY:, SHADOW_DX:])
        # ... times the share the card lets through: how much of the desk shows (in 1/255)
        behind = cv2.bitwise_not(alpha, dst=buf.get("behind", (rh, rw)))
        cv2.multiply(behind, lit, dst=behind, scale=1 / 255)
        behind3 = cv2.merge([behind, behind, behind], dst=buf.get("behind3", (rh, rw, 3)))
        cv2.multiply(roi, behind3, dst=roi, scale=1 / 255)
        cv2.add(roi, cv2.cvtColor(warped, cv2.COLOR_BGRA2BGR, dst=behind3), dst=roi)  # + the card (premultiplied)
        # glare on the laminate: a bright soft blob, only on the card
        if cyc.glare is not None:
            gx, gy, gr, gs = cyc.glare
            centre = cv2.perspectiveTransform(
                np.array([[[tex.x + gx * tex.card_w, tex.y + gy * tex.card_h]]], np.float32), T
            )[0, 0]
            # the reflection slides across the card as it moves
            centre = centre + np.float32([velocity[0] * 3, velocity[1] * 3])
            r = max(4.0, gr * cyc.width)
            blob = _glare_blob(int(r))
            bx, by = int(centre[0] - blob.shape[1] / 2), int(centre[1] - blob.shape[0] / 2)
            _add_blob(roi, blob, gs, bx, by, alpha, buf)

    def __repr__(self) -> str:
        return f"SimulatedCamera({self.describe()})"


def _mapped(shape: tuple[int, ...], dtype: type = np.uint8) -> np.ndarray:
    """A zeroed array in an anonymous memory mapping of its own, not on the malloc heap.

    For the camera's big buffers that outlive a frame but not the camera (cards, textures,
    work buffers): allocated from the heap among the frames (2.7 MB, 30 a second), each one
    left a hole behind when freed, and the heap grew by ~2 MB a minute in the demo GUI; a
    mapping goes back to the system as soon as its array is gone."""
    dt = np.dtype(dtype)
    count = math.prod(shape)
    return np.frombuffer(mmap.mmap(-1, max(1, count * dt.itemsize)), dt, count=count).reshape(shape)


# the card's shadow on the desk: its outline blurred over SHADOW_BLUR px, offset down and right;
# the region drawn around the card leaves room for all of it
SHADOW_DX, SHADOW_DY, SHADOW_BLUR = 14, 18, 41
SHADOW_REACH = SHADOW_DY + SHADOW_BLUR // 2 + 4


@dataclass(frozen=True, eq=False)
class _Texture:
    """A cycle's card as the camera draws it: BGRA uint8, premultiplied alpha, cropped to the
    card and the thumb holding it (transparent around them)."""

    pixels: np.ndarray
    x: int  # the card's top-left corner in ``pixels``
    y: int
    card_w: int  # the card's size in ``pixels``
    card_h: int


FRAME_POOL = 8  # frame buffers kept for reuse; in a booth the capture slot, the decoder and the preview hold ~4


class _FramePool:
    """Buffers for the camera's frames, used again once no frame made from them is left.

    Each frame is a new array object (a view of a pooled buffer), so frames keep their
    identity (``info_for``, a consumer's ``frame is last_frame``); its buffer is reused when
    nothing holds that frame or a view of it any more, which the buffer's reference count
    tells (every view of a frame refers to the buffer). Fresh 2.7 MB frames, 30 a second and
    freed by other threads at other times, were the biggest churn on the GUI's malloc heap."""

    def __init__(self, shape: tuple[int, int, int], keep: int = FRAME_POOL) -> None:
        self.shape = shape
        self.keep = keep
        self._buffers: list[np.ndarray] = []  # flat, each in a mapping of its own (see _mapped)
        self._lock = threading.Lock()

    def frame(self) -> np.ndarray:
        """A frame-shaped uint8 array that no one else holds (contents undefined)."""
        with self._lock:
            for i in range(len(self._buffers)):
                if sys.getrefcount(self._buffers[i]) <= 2:  # only the list's reference, and the call's
                    return self._buffers[i].reshape(self.shape)
            flat = np.frombuffer(mmap.mmap(-1, math.prod(self.shape)), np.uint8)  # see _mapped
            frame = flat.reshape(self.shape)
            if len(self._buffers) < self.keep and frame.base is flat:  # else views would not tell
                self._buffers.append(flat)
            return frame

    @property
    def buffers(self) -> int:
        """How many buffers the pool holds."""
        with self._lock:
            return len(self._buffers)


class _Scratch(threading.local):
    """Work buffers for compositing, one set per rendering thread, reused frame after frame and
    grown to the largest region drawn so far (a card held close: ~10 MB in all)."""

    def __init__(self) -> None:
        self.buffers: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: type = np.uint8) -> np.ndarray:
        """A C-contiguous array of ``shape`` (contents undefined), valid until the next ``get(name)``."""
        dt = np.dtype(dtype)
        n = math.prod(shape) * dt.itemsize
        buf = self.buffers.get(name)
        if buf is None or buf.size < n:
            # with room to spare: a card coming closer grows the region a little every frame
            buf = self.buffers[name] = _mapped((n + n // 4,))
        return buf[:n].view(dt).reshape(shape)


def _ease(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


@lru_cache(maxsize=64)
def _line_kernel(length: int, angle: float) -> np.ndarray:
    k = np.zeros((length, length), np.float32)
    c = (length - 1) / 2
    dx, dy = math.cos(angle) * c, math.sin(angle) * c
    cv2.line(k, (int(round(c - dx)), int(round(c - dy))), (int(round(c + dx)), int(round(c + dy))), 1.0, 1, cv2.LINE_AA)
    return k / max(k.sum(), 1e-6)


def _motion_blur(img: np.ndarray, length: int, angle: float, out: np.ndarray) -> np.ndarray:
    """``img`` smeared along ``angle`` over ``length`` px, into ``out`` (same shape; returned)."""
    angle = round(angle / (math.pi / 16)) * (math.pi / 16)  # a few kernels, cached
    if length <= 9:
        return cv2.filter2D(img, -1, _line_kernel(length, angle), dst=out)
    f = math.ceil(length / 9)
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    small = cv2.filter2D(small, -1, _line_kernel(max(2, round(length / f)), angle), dst=small)
    return cv2.resize(small, (w, h), dst=out, interpolation=cv2.INTER_LINEAR)


# a cycle's glare keeps one radius; up to ~1 MB each (radius ~120 px): the one in view and a spare
@lru_cache(maxsize=2)
def _glare_blob(radius: int) -> np.ndarray:
    size = 4 * radius + 1
    ax = np.arange(size, dtype=np.float32) - 2 * radius
    g = np.exp(-(ax[None, :] ** 2 + ax[:, None] ** 2) / (2 * (radius * 0.8) ** 2))
    core = np.clip((g - 0.55) * 4, 0, 1)  # a washed-out core inside the soft halo
    return (0.6 * g + 0.5 * core).astype(np.float32)


def _add_blob(
    img: np.ndarray, blob: np.ndarray, strength: float, x: int, y: int, mask: np.ndarray, buf: _Scratch
) -> None:
    """Add ``blob * strength`` (``blob``: float, one channel) to BGR uint8 ``img`` at (x, y),
    weighted by ``mask`` (uint8, 255 = all of it), saturating at white."""
    h, w = img.shape[:2]
    bh, bw = blob.shape
    sx0, sy0 = max(0, -x), max(0, -y)
    dx0, dy0 = max(0, x), max(0, y)
    dx1, dy1 = min(w, x + bw), min(h, y + bh)
    if dx1 <= dx0 or dy1 <= dy0:
        return
    ph, pw = dy1 - dy0, dx1 - dx0
    part = buf.get("glare", (ph, pw), np.float32)
    np.multiply(blob[sy0 : sy0 + ph, sx0 : sx0 + pw], mask[dy0:dy1, dx0:dx1], out=part)
    part *= strength / 255
    glow = cv2.convertScaleAbs(part, dst=buf.get("glow", (ph, pw)))  # rounded, saturated to 0..255
    region = img[dy0:dy1, dx0:dx1]
    cv2.add(region, cv2.merge([glow, glow, glow], dst=buf.get("glow3", (ph, pw, 3))), dst=region)


def _thumb_place(rng: np.random.Generator, spec: CardSpec) -> tuple[float, float, float]:
    """Where a thumb holds the card, in card fractions (x, y) and the direction it points
    (radians). Mostly on the text side or a right-hand corner; now and then from the bottom
    edge over the QR's lower right part (data modules, which ECC level Q recovers), never on
    the finder patterns on purpose."""
    w = CARD_W_MM * PX_MM
    qx, qy, side, _ = _qr_layout(spec)
    r = rng.random()
    if r < 0.35:  # right edge, pointing left
        return 1.0, rng.uniform(0.35, 0.9), math.pi
    if r < 0.6:  # bottom right corner, pointing up-left
        return rng.uniform(0.8, 0.97), 1.0, -math.pi / 2 - 0.5
    if r < 0.8:  # top right corner, pointing down-left
        return rng.uniform(0.8, 0.97), 0.0, math.pi / 2 + 0.5
    # bottom edge, under the right part of the QR, pointing up
    return (qx + side * rng.uniform(0.7, 0.9)) / w, 1.0, -math.pi / 2 + rng.uniform(-0.2, 0.2)


THUMB_LENGTH, THUMB_WIDTH = 28 * PX_MM, 19 * PX_MM  # mm -> texture px


def _thumb_geometry(
    place: tuple[float, float, float], pad: int, w: int, h: int
) -> tuple[float, float, int, int, int, int]:
    """Where the thumb at ``place`` lies on a ``w`` x ``h`` card, in the coordinates of the card
    padded by ``pad`` px all round: its centre (x, y), and the box it is drawn in (x0, y0, x1,
    y1; within the padded card)."""
    fx, fy, angle = place
    ex, ey = pad + fx * w, pad + fy * h
    # the tip reaches ~8 mm past the edge into the card; the rest lies outside
    tip_in = 8 * PX_MM
    reach = tip_in - THUMB_LENGTH / 2
    cx, cy = ex + math.cos(angle) * reach, ey + math.sin(angle) * reach
    r = int(THUMB_LENGTH / 2) + 12
    return (
        cx,
        cy,
        max(0, int(cx) - r),
        max(0, int(cy) - r),
        min(w + 2 * pad, int(cx) + r),
        min(h + 2 * pad, int(cy) + r),
    )


def _draw_thumb(
    tex: np.ndarray, place: tuple[float, float, float], pad: int, w: int, h: int, origin: tuple[int, int] = (0, 0)
) -> None:
    """A thumb on the texture, its tip over the card edge at ``place``. ``tex`` covers the
    card padded by ``pad`` (see ``_thumb_geometry``) from ``origin`` on, at least where the thumb is."""
    angle = place[2]
    length, width = THUMB_LENGTH, THUMB_WIDTH
    ux, uy = math.cos(angle), math.sin(angle)
    cx, cy, x0, y0, x1, y1 = _thumb_geometry(place, pad, w, h)
    if x1 <= x0 or y1 <= y0:
        return
    ox, oy = origin
    box = tex[y0 - oy : y1 - oy, x0 - ox : x1 - ox]  # the thumb's bounding box only
    cx, cy = cx - x0, cy - y0
    layer = np.zeros(box.shape[:2], np.uint8)
    deg = math.degrees(angle)
    cv2.ellipse(layer, (int(cx), int(cy)), (int(length / 2), int(width / 2)), deg, 0, 360, 255, -1, cv2.LINE_AA)
    layer = cv2.GaussianBlur(layer, (0, 0), 3)
    # skin with shading across the thumb, and a nail near the tip
    hh, ww = layer.shape
    yy, xx = np.mgrid[0:hh, 0:ww].astype(np.float32)
    across = ((xx - cx) * -uy + (yy - cy) * ux) / (width / 2)
    shade = np.clip(1.0 - 0.35 * across**2, 0.5, 1.0)
    skin = np.array([120, 150, 205], np.float32)  # BGR
    color = skin[None, None, :] * shade[:, :, None]
    nail = np.zeros_like(layer)
    nx, ny = cx + ux * length * 0.3, cy + uy * length * 0.3
    cv2.ellipse(nail, (int(nx), int(ny)), (int(length * 0.14), int(width * 0.3)), deg, 0, 360, 255, -1, cv2.LINE_AA)
    nail = cv2.GaussianBlur(nail, (0, 0), 2).astype(np.float32) / 255.0
    color = color * (1 - 0.5 * nail[:, :, None]) + np.array([200, 210, 235], np.float32) * 0.5 * nail[:, :, None]
    a = layer.astype(np.float32)[:, :, None] / 255.0
    box[:, :, :3] = np.clip(box[:, :, :3] * (1 - a) + color * a, 0, 255).astype(np.uint8)
    box[:, :, 3] = np.maximum(box[:, :, 3], layer)


def _desk(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A wooden counter top seen from above, slightly out of focus, with a sheet of paper and a pen."""
    base = np.array(rng.choice([[58, 92, 134], [48, 78, 120], [70, 104, 146], [90, 110, 128]]), np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    # wood: long parallel growth rings, gently wavering, plus fine fibres along the grain
    angle = rng.uniform(-0.12, 0.12)
    along = xx * math.cos(angle) + yy * math.sin(angle)
    across = -xx * math.sin(angle) + yy * math.cos(angle)
    waver = cv2.resize(
        rng.normal(0, 1, (h // 90 + 2, w // 160 + 2)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC
    )
    rings = across / rng.uniform(9, 14) + 1.2 * waver + 0.6 * np.sin(along / rng.uniform(180, 260))
    grain = 0.5 + 0.5 * np.sin(rings) ** 3
    fibres = cv2.resize(rng.normal(0, 1, (h, w // 24 + 2)).astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    planks = (np.floor(across / (h * 0.37) + 0.3) % 2) * 0.06  # boards of slightly different tone
    shade = 0.8 + 0.16 * grain + 0.04 * fibres + planks
    img = base[None, None, :] * shade[:, :, None]
    img = np.clip(img, 0, 255).astype(np.uint8)
    # a sheet of paper in one corner, a pen beside it
    cx, cy = rng.choice([0.12, 0.88]) * w, rng.choice([0.15, 0.85]) * h
    box = cv2.boxPoints(((cx, cy), (w * 0.28, h * 0.42), rng.uniform(-20, 20))).astype(np.int32)
    cv2.fillConvexPoly(img, box, (226, 232, 234), cv2.LINE_AA)
    for i in range(6):  # a few printed lines on it
        p = box[0] + (box[1] - box[0]) * 0.15 + (box[3] - box[0]) * (0.15 + i * 0.1)
        q = p + (box[1] - box[0]) * 0.6
        cv2.line(img, tuple(int(c) for c in p), tuple(int(c) for c in q), (150, 150, 150), 2, cv2.LINE_AA)
    px, py = w * rng.uniform(0.3, 0.7), h * rng.choice([0.08, 0.92])
    pen = cv2.boxPoints(((px, py), (w * 0.16, 14), rng.uniform(-30, 30))).astype(np.int32)
    cv2.fillConvexPoly(img, pen, (40, 30, 120), cv2.LINE_AA)
    img = cv2.GaussianBlur(img, (0, 0), 1.6)
    # vignetting: cheap lenses are darker in the corners
    r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    vig = (1 - 0.28 * r2 / 2).astype(np.float32)
    img = np.clip(img.astype(np.float32) * vig[:, :, None], 0, 255).astype(np.uint8)
    img.setflags(write=False)
    return img


@lru_cache(maxsize=64)
def _lut(gain: float, gamma: float, tint: tuple[float, float, float]) -> np.ndarray:
    x = np.arange(256, dtype=np.float32) / 255.0
    chans = [np.clip(255.0 * (np.clip(x * gain * t, 0, 1) ** gamma), 0, 255) for t in tint]
    return np.stack(chans, axis=-1).astype(np.uint8).reshape(1, 256, 3)


def _expose(
    frame: np.ndarray,
    gain: float,
    gamma: float,
    tint: tuple[float, float, float],
    noise: float,
    rng: np.random.Generator,
) -> None:
    """Exposure and white balance (a LUT), then sensor noise, in place."""
    if (gain, gamma, tint) != (1.0, 1.0, (1.0, 1.0, 1.0)):
        cv2.LUT(frame, _lut(round(gain, 3), round(gamma, 3), tuple(round(t, 3) for t in tint)), dst=frame)
    if noise > 0:
        h, w = frame.shape[:2]
        bank = _noise_bank(h, w)
        tile = bank[int(rng.integers(len(bank)))]
        oy, ox = int(rng.integers(0, NOISE_MARGIN)), int(rng.integers(0, NOISE_MARGIN))
        cv2.addWeighted(
            frame, 1.0, tile[oy : oy + h, ox : ox + w], noise / NOISE_SCALE, 0.0, dst=frame, dtype=cv2.CV_8U
        )


NOISE_SCALE = 16.0  # the bank holds noise of this sigma, as int8
NOISE_MARGIN = 64


@lru_cache(maxsize=2)
def _noise_bank(h: int, w: int, tiles: int = 3) -> tuple[np.ndarray, ...]:
    """A few tiles of sensor noise (sigma NOISE_SCALE, int8), larger than a frame: each frame
    takes one at a random offset (far cheaper than fresh noise every frame, and as good to the eye).
    Luma noise at full resolution plus blotchy chroma noise, as webcams denoise and demosaic."""
    rng = np.random.default_rng(12345)
    out = []
    hh, ww = h + NOISE_MARGIN, w + NOISE_MARGIN
    for _ in range(tiles):
        luma = rng.standard_normal((hh, ww), dtype=np.float32) * 0.85
        chroma = cv2.resize(
            rng.standard_normal((hh // 4, ww // 4, 3), dtype=np.float32) * 0.6, (ww, hh), interpolation=cv2.INTER_LINEAR
        )
        tile = np.clip((chroma + luma[:, :, None]) * NOISE_SCALE, -127, 127).astype(np.int8)
        tile.setflags(write=False)
        out.append(tile)
    return tuple(out)


def _iter_cards(cards: Iterable[Any]) -> list[CardSpec]:  # pragma: no cover - helper for callers
    return [_as_spec(c) for c in cards]
