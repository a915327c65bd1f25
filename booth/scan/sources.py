"""Frame sources: where camera frames come from.

A frame source (`FrameSource`) is opened, read again and again, and closed:

- `OpenCVSource(spec)`: a USB/built-in camera by index ("0") or device path ("/dev/video2"),
  a video file, or an IP camera's rtsp:// or http(s):// stream, through cv2.VideoCapture;
- `FolderSource(path, fps)`: the images of a folder, in name order, again and again;
- `booth.scan.simcam.SimulatedCamera`: permit cards held up to a simulated webcam.

`parse_source(spec)` turns what an officer or a script writes ("sim", "sim:DIR", "0", a
folder, a file, a URL) into one of them, and `list_cameras()` says which cameras this
machine has. Sources do not retry or reconnect: `booth.scan.capture.Capture` does that,
off the GUI thread. Frames are numpy BGR uint8 arrays (height x width x 3).

`open()` raises SourceUnavailable when there is nothing to open; `read()` returns a frame,
None when there is no new frame right now, or raises SourceLost when the source is gone
(camera unplugged, stream cut). Imports no Qt.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from booth.scan.errors import SourceLost, SourceUnavailable

if TYPE_CHECKING:
    from booth.scan.simcam import CardSpec

log = logging.getLogger(__name__)

__all__ = [
    "FrameSource",
    "OpenCVSource",
    "FolderSource",
    "parse_source",
    "list_cameras",
    "IMAGE_SUFFIXES",
    "DEVICE_SIZE",
]

DEVICE_SIZE = (1280, 720)  # what we ask a USB camera for: enough for a permit QR, cheap to decode
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov", ".webm", ".mjpg", ".mjpeg", ".m4v", ".wmv", ".mpg", ".mpeg")
_URL = re.compile(r"^(rtsp|rtsps|rtmp|http|https|udp|tcp)://", re.IGNORECASE)
_DEVICE_PATH = re.compile(r"^/dev/video(\d+)$")


@runtime_checkable
class FrameSource(Protocol):
    """Anything `Capture` can read frames from."""

    def open(self) -> None:
        """Get ready to give frames; raise SourceUnavailable if the source cannot be opened."""

    def read(self) -> np.ndarray | None:
        """The next frame (BGR uint8), None if there is none right now; SourceLost if gone."""

    def close(self) -> None:
        """Release the device or file (safe to call twice, or when never opened)."""

    def describe(self) -> str:
        """A short human description, e.g. "camera 0 (1280x720)"."""


def _cv2() -> Any:
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # no probing noise on stderr
    os.environ.setdefault("OPENCV_VIDEOIO_DEBUG", "0")
    import cv2

    try:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    except AttributeError:  # pragma: no cover - older or trimmed builds
        pass
    return cv2


def as_bgr(frame: np.ndarray) -> np.ndarray:
    """A frame as 3-channel BGR uint8 (gray and BGRA frames are converted)."""
    cv2 = _cv2()
    if frame.dtype != np.uint8:
        frame = cv2.normalize(frame, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    if frame.ndim == 3 and frame.shape[2] == 1:
        return cv2.cvtColor(frame[:, :, 0], cv2.COLOR_GRAY2BGR)
    return frame


# --- OpenCV: cameras, files, streams ---------------------------------------------------------


class OpenCVSource:
    """A camera (index or /dev/videoN), a video file or a network stream, via cv2.VideoCapture.

    Cameras are asked for `size` (default 1280x720) and a one-frame buffer, so a frame is
    never stale. A video file plays at its own frame rate and starts again at its end
    (`loop`), like a camera that keeps showing the same scene. A failed read on a camera or
    stream raises SourceLost; `Capture` then closes it and opens it again later.
    """

    def __init__(
        self,
        spec: str | int,
        *,
        size: tuple[int, int] | None = DEVICE_SIZE,
        loop: bool = True,
        fps: float | None = None,
    ) -> None:
        self.spec = str(spec).strip()
        self.size = size
        self.loop = loop
        self.kind, self.target = _classify(self.spec)
        self._fps = fps
        self._cap: Any = None
        self._lock = threading.Lock()
        self._next_due = 0.0
        self._period = 0.0
        self._actual: tuple[int, int] | None = None

    # the kind: "device" (index or path), "file" or "url"

    def open(self) -> None:
        cv2 = _cv2()
        with self._lock:
            self._release()
            if self.kind == "file" and not Path(self.target).is_file():
                raise SourceUnavailable(f"no such video file: {self.target}")
            if self.kind == "device" and isinstance(self.target, str) and not Path(self.target).exists():
                raise SourceUnavailable(f"no camera at {self.target}")
            try:
                if self.kind == "device" and isinstance(self.target, int) and sys.platform.startswith("linux"):
                    cap = cv2.VideoCapture(self.target, cv2.CAP_V4L2)
                    if not cap.isOpened():
                        cap.release()
                        cap = cv2.VideoCapture(self.target)
                else:
                    cap = cv2.VideoCapture(self.target)
            except cv2.error as exc:  # pragma: no cover - depends on the backend
                raise SourceUnavailable(f"cannot open {self.describe()}: {exc}") from None
            if not cap.isOpened():
                cap.release()
                what = {"device": "camera", "file": "video file", "url": "stream"}[self.kind]
                raise SourceUnavailable(f"cannot open {what} {self.spec}")
            if self.kind == "device" and self.size:
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
            if self.kind in ("device", "url"):
                try:  # the newest frame, not a queue of old ones (not every backend obeys)
                    cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
                except cv2.error:  # pragma: no cover
                    pass
            w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
            self._actual = (w, h) if w and h else None
            fps = self._fps or (cap.get(cv2.CAP_PROP_FPS) if self.kind == "file" else 0.0)
            self._period = 1.0 / fps if fps and 0 < fps < 1000 else (1 / 30 if self.kind == "file" else 0.0)
            self._next_due = time.monotonic()
            self._cap = cap

    def read(self) -> np.ndarray | None:
        with self._lock:
            cap = self._cap
            if cap is None:
                raise SourceLost(f"{self.describe()} is not open")
            if self._period:  # a file plays at its own pace, as a camera would
                wait = self._next_due - time.monotonic()
                if wait > 0:
                    time.sleep(min(wait, 1.0))
                self._next_due = max(self._next_due + self._period, time.monotonic() - self._period)
            try:
                ok, frame = cap.read()
                if not ok and self.kind == "file" and self.loop:
                    cap.set(_cv2().CAP_PROP_POS_FRAMES, 0)
                    ok, frame = cap.read()
            except Exception as exc:  # cv2.error from a driver that went away
                raise SourceLost(f"{self.describe()} failed: {exc}") from None
        if not ok or frame is None:
            if self.kind == "file" and not self.loop:
                raise SourceLost(f"{self.describe()} ended")
            raise SourceLost(f"{self.describe()} stopped giving frames")
        return as_bgr(frame)

    def close(self) -> None:
        with self._lock:
            self._release()

    def _release(self) -> None:
        if self._cap is not None:
            try:
                self._cap.release()
            except Exception:  # pragma: no cover - releasing a vanished device
                pass
            self._cap = None

    def describe(self) -> str:
        what = {"device": "camera", "file": "video file", "url": "stream"}[self.kind]
        name = self.spec if self.kind != "url" else _redact(self.spec)
        size = f" ({self._actual[0]}x{self._actual[1]})" if self._actual else ""
        return f"{what} {name}{size}"

    def __repr__(self) -> str:
        return f"OpenCVSource({self.describe()})"


def _classify(spec: str) -> tuple[str, int | str]:
    if re.fullmatch(r"\d+", spec):
        return "device", int(spec)
    m = _DEVICE_PATH.match(spec)
    if m:
        return "device", spec
    if _URL.match(spec):
        return "url", spec
    return "file", spec


def _redact(url: str) -> str:
    """An rtsp://user:password@host/... URL without its password, for logs and screens."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


# --- a folder of images ----------------------------------------------------------------------


class FolderSource:
    """The images of a folder (PNG, JPEG, ...), in name order, one every 1/`fps` s, round
    and round. Unreadable files are skipped (with a warning, once). The folder is listed
    again on every round, so images dropped into it are picked up."""

    def __init__(self, path: str | Path, fps: float = 5.0, *, loop: bool = True, realtime: bool = True) -> None:
        if fps <= 0:
            raise ValueError("fps must be positive")
        self.path = Path(path)
        self.fps = float(fps)
        self.loop = loop
        self.realtime = realtime
        self._files: list[Path] = []
        self._i = 0
        self._opened = False
        self._next_due = 0.0
        self._bad: set[Path] = set()
        self.current: Path | None = None  # the file of the last frame returned

    def _list(self) -> list[Path]:
        if self.path.is_file():
            return [self.path]
        try:
            return sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        except OSError:
            return []

    def open(self) -> None:
        if not self.path.exists():
            raise SourceUnavailable(f"no such folder: {self.path}")
        self._files = self._list()
        if not self._files:
            raise SourceUnavailable(f"no images in {self.path}")
        self._i = 0
        self._opened = True
        self._next_due = time.monotonic()

    def read(self) -> np.ndarray | None:
        if not self._opened:
            raise SourceLost(f"{self.describe()} is not open")
        if self.realtime:
            wait = self._next_due - time.monotonic()
            if wait > 0:
                time.sleep(min(wait, 1.0))
            self._next_due = max(self._next_due + 1.0 / self.fps, time.monotonic() - 1.0 / self.fps)
        cv2 = _cv2()
        for _ in range(len(self._files) + 1):
            if self._i >= len(self._files):
                if not self.loop:
                    return None
                self._files = self._list()
                self._i = 0
                if not self._files:
                    raise SourceLost(f"the images in {self.path} are gone")
            path = self._files[self._i]
            self._i += 1
            frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if frame is None:
                if path not in self._bad:
                    self._bad.add(path)
                    log.warning("%s is not a readable image; skipped", path)
                continue
            self.current = path
            return as_bgr(frame)
        raise SourceLost(f"no readable images left in {self.path}")

    def close(self) -> None:
        self._opened = False

    def describe(self) -> str:
        n = len(self._files) if self._files else len(self._list())
        return f"folder {self.path} ({n} images, {self.fps:g} fps)"

    def __repr__(self) -> str:
        return f"FolderSource({self.describe()})"


# --- choosing a source -----------------------------------------------------------------------


def parse_source(
    spec: str | int | Path,
    *,
    fps: float | None = None,
    seed: int = 0,
    demo_cards: Callable[[], list[CardSpec]] | None = None,
) -> FrameSource:
    """The frame source an officer or a script means by `spec`:

    - "sim": the simulated camera showing a fresh set of demo permits (``demo_cards`` makes
      them: the demo tooling's, which the shells pass in; booth.scan knows no HQ);
    - "sim:DIR": the simulated camera showing the permits of a demo folder (its cases.json,
      or that file itself), as written by `booth-hq demo-data`;
    - "0", "1", ... or "/dev/video0": a camera;
    - "rtsp://...", "http(s)://...": an IP camera's stream;
    - a folder: its images, in turn; an image file: that image, again and again;
    - any other file: a video file.

    Raises SourceUnavailable for a path that does not exist or an empty spec.
    """
    text = str(spec).strip()
    if not text:
        raise SourceUnavailable("no frame source given (try 0, sim, a folder or a video file)")
    low = text.lower()
    if low == "sim" or low.startswith("sim:"):
        from booth.scan.simcam import SimulatedCamera, cards_from_demo

        if low == "sim":
            if demo_cards is None:
                raise SourceUnavailable(
                    "no demo permits to show here: use sim:DIR with a folder from `booth-hq demo-data`"
                )
            cards = demo_cards()
        else:
            where = Path(text[4:]).expanduser()
            if not where.exists():
                raise SourceUnavailable(f"no demo data at {where}")
            cards = cards_from_demo(where)
            if not cards:
                raise SourceUnavailable(f"no permits in the demo data at {where}")
        return SimulatedCamera(cards, fps=fps or 30.0, seed=seed)
    kind, _ = _classify(text)
    if kind in ("device", "url"):
        return OpenCVSource(text, fps=fps)
    path = Path(text).expanduser()
    if path.is_dir():
        return FolderSource(path, fps=fps or 5.0)
    if path.is_file():
        if path.suffix.lower() in IMAGE_SUFFIXES:
            return FolderSource(path, fps=fps or 5.0)
        return OpenCVSource(str(path), fps=fps)
    raise SourceUnavailable(f"{text} is not a camera index, a URL, a folder or a file")


# --- which cameras are there -----------------------------------------------------------------


def list_cameras(max_index: int = 8, *, probe: bool = True) -> list[dict[str, Any]]:
    """The cameras of this machine: one dict per camera with "index", "source" (what to pass
    as --source), "path", "name", and when `probe` is true "opens" and "width"/"height".

    On Linux the /dev/video* nodes are listed (and the metadata-only nodes a UVC camera also
    has are left out when they cannot give frames); with none, the list is empty at once (a
    server, CI). Elsewhere indexes 0..max_index-1 are tried.
    """
    if sys.platform.startswith("linux"):
        found = []
        for node in sorted(glob.glob("/dev/video*"), key=_node_number):
            n = _node_number(node)
            if n < 0 or n >= max_index:
                continue
            name = _sysfs_name(n)
            entry: dict[str, Any] = {"index": n, "source": str(n), "path": node, "name": name}
            if probe:
                entry.update(_probe(n))
                if not entry["opens"] and _is_metadata_node(n):
                    continue
            found.append(entry)
        return found
    if not probe:
        return []
    out = []
    for n in range(max_index):
        info = _probe(n)
        if info["opens"]:
            out.append({"index": n, "source": str(n), "path": None, "name": f"camera {n}", **info})
    return out


def _node_number(node: str) -> int:
    m = re.search(r"(\d+)$", node)
    return int(m.group(1)) if m else -1


def _sysfs_name(n: int) -> str:
    try:
        return Path(f"/sys/class/video4linux/video{n}/name").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return f"camera {n}"


def _is_metadata_node(n: int) -> bool:
    """UVC cameras expose a second node for metadata; it has index 1 in sysfs."""
    try:
        return Path(f"/sys/class/video4linux/video{n}/index").read_text().strip() != "0"
    except OSError:
        return False


def _probe(n: int) -> dict[str, Any]:
    cv2 = _cv2()
    cap = None
    try:
        cap = cv2.VideoCapture(n, cv2.CAP_V4L2) if sys.platform.startswith("linux") else cv2.VideoCapture(n)
        if not cap.isOpened():
            return {"opens": False}
        ok, frame = cap.read()
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        return {"opens": bool(ok and frame is not None), "width": w, "height": h}
    except Exception as exc:  # a driver error must not stop the listing
        log.debug("probing camera %d failed: %s", n, exc)
        return {"opens": False}
    finally:
        if cap is not None:
            cap.release()
