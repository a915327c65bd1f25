"""Capture: read a frame source on its own thread and keep only the newest frame.

`Capture(source_factory, on_state=None)` opens the source on a daemon thread and reads it
as fast as it gives frames. Each frame replaces the previous one in a single slot (a lock
and a reference, with a growing frame id and its arrival time): a slow consumer skips
frames, it never sees a queue of old ones, and memory never grows. `latest()` returns the
newest `(frame_id, frame, t)` at once (or None); nothing here blocks the caller, except
`wait_newer()`, which a worker thread may use instead of polling.

State, reported to `on_state(state, detail)` on every change (called from the capture
thread: a GUI must hand it over to its own thread):

- "starting": the thread is opening the source for the first time;
- "ok": frames are coming;
- "no_camera": the source could not be opened at all (no camera plugged in, bad path);
  retried with back-off, so plugging a camera in later brings it to "ok";
- "lost": the source was open and stopped giving frames: `SourceLost` from `read()`, no
  frame for more than `lost_after` seconds (2 s), or the source cannot be opened again
  after that. The source is closed and opened again with back-off (0.5 s, 1 s, 2 s, 4 s,
  then every 5 s) until frames come again -> "ok";
- "stopped": after `stop()`.

A watchdog notices a read that hangs (a USB camera pulled out while the driver waits) and
reports "lost" even though the read has not returned. Imports no Qt.
"""

from __future__ import annotations

import collections
import inspect
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from booth.scan.errors import SourceLost, SourceUnavailable
from booth.scan.sources import FrameSource

log = logging.getLogger(__name__)

__all__ = ["Capture", "STATES", "STARTING", "OK", "NO_CAMERA", "LOST", "STOPPED"]

STARTING, OK, NO_CAMERA, LOST, STOPPED = "starting", "ok", "no_camera", "lost", "stopped"
STATES = (STARTING, OK, NO_CAMERA, LOST, STOPPED)

StateCallback = Callable[[str, str], Any]
SourceFactory = Callable[[], FrameSource]


class Capture:
    """Frames from a source, read on a daemon thread; only the newest is kept.

    `source_factory`: a callable returning a new FrameSource for every (re)connection, or a
    FrameSource object, which is then closed and opened again on reconnection.
    `lost_after`: seconds without a frame (None reads, or a hanging read) before "lost".
    `backoff`: (first, longest) wait in seconds between attempts to open the source.
    """

    def __init__(
        self,
        source_factory: SourceFactory | FrameSource,
        on_state: StateCallback | None = None,
        *,
        lost_after: float = 2.0,
        backoff: tuple[float, float] = (0.5, 5.0),
        idle_wait: float = 0.005,
        name: str = "booth-capture",
    ) -> None:
        if inspect.isclass(source_factory) or not hasattr(source_factory, "read"):
            if not callable(source_factory):
                raise TypeError("source_factory must be a FrameSource or a callable returning one")
            self._factory: SourceFactory = source_factory  # type: ignore[assignment]
        else:
            instance = source_factory
            self._factory = lambda: instance  # type: ignore[assignment,return-value]
        self.on_state = on_state
        self.lost_after = float(lost_after)
        self.backoff = (float(backoff[0]), float(backoff[1]))
        self.idle_wait = float(idle_wait)
        self.name = name
        self._state = STARTING
        self._detail = ""
        self._state_lock = threading.Lock()
        self._slot_lock = threading.Condition()
        self._slot: tuple[int, np.ndarray, float] | None = None
        self._frame_id = 0
        self._last_frame_at = 0.0
        self._arrivals: collections.deque[float] = collections.deque(maxlen=31)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watchdog: threading.Thread | None = None
        self._source: FrameSource | None = None
        self._description = ""
        self._reading_since: float | None = None
        self.reconnects = 0  # how many times the source was opened again after "lost"

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> Capture:
        """Start the capture thread (and its watchdog); returns at once. Idempotent."""
        if self._thread is not None:
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._watchdog = threading.Thread(target=self._watch, name=f"{self.name}-watchdog", daemon=True)
        self._thread.start()
        self._watchdog.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread and close the source; waits at most `timeout` seconds (a read
        stuck in a driver is abandoned: the thread is a daemon)."""
        self._stop.set()
        with self._slot_lock:
            self._slot_lock.notify_all()
        deadline = time.monotonic() + timeout
        for t in (self._thread, self._watchdog):
            if t is not None and t is not threading.current_thread():
                t.join(max(0.0, deadline - time.monotonic()))
        if self._thread is not None and self._thread.is_alive():
            log.warning("capture thread still in a read after %.1f s; left behind", timeout)
        self._set_state(STOPPED, "")

    def __enter__(self) -> Capture:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    # -- what the consumer sees -------------------------------------------------------------

    def latest(self) -> tuple[int, np.ndarray, float] | None:
        """The newest frame as (frame_id, frame, t): ids grow by one per frame read, `t` is
        time.monotonic() when it arrived. None before the first frame. Never blocks for
        more than a pointer swap. The frame must be treated as read-only."""
        with self._slot_lock:
            return self._slot

    def wait_newer(self, after_id: int, timeout: float) -> tuple[int, np.ndarray, float] | None:
        """The newest frame once its id is above `after_id`, waiting at most `timeout`
        seconds (for a worker thread; a GUI polls `latest()` instead). None on timeout or stop."""
        deadline = time.monotonic() + timeout
        with self._slot_lock:
            while not self._stop.is_set():
                slot = self._slot
                if slot is not None and slot[0] > after_id:
                    return slot
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._slot_lock.wait(left)
        return None

    @property
    def state(self) -> str:
        with self._state_lock:
            return self._state

    @property
    def detail(self) -> str:
        """Why the state is what it is, in one line (empty when "ok")."""
        with self._state_lock:
            return self._detail

    @property
    def frames(self) -> int:
        """Frames read so far."""
        with self._slot_lock:
            return self._frame_id

    @property
    def fps(self) -> float:
        """Frames per second over the last ~30 frames (0 when there are none)."""
        with self._slot_lock:
            times = list(self._arrivals)
        if len(times) < 2 or times[-1] <= times[0]:
            return 0.0
        if time.monotonic() - times[-1] > self.lost_after:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])

    def describe(self) -> str:
        """The source's description once it has been opened, else ""."""
        return self._description

    def stats(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "detail": self.detail,
            "frames": self.frames,
            "fps": round(self.fps, 1),
            "source": self._description,
            "reconnects": self.reconnects,
        }

    # -- the thread -------------------------------------------------------------------------

    def _set_state(self, state: str, detail: str) -> None:
        with self._state_lock:
            if state == self._state and detail == self._detail:
                return
            changed = state != self._state
            if self._state == STOPPED and state != STOPPED:
                return  # nothing comes back after stop()
            self._state, self._detail = state, detail
        if changed:
            if state in (LOST, NO_CAMERA):
                log.info("capture %s: %s", state, detail)
            else:
                log.info("capture %s%s", state, f": {detail}" if detail else "")
            if self.on_state is not None:
                try:
                    self.on_state(state, detail)
                except Exception:  # a broken listener must not kill the capture
                    log.exception("capture state callback failed")

    def _publish(self, frame: np.ndarray) -> None:
        now = time.monotonic()
        with self._slot_lock:
            self._frame_id += 1
            self._slot = (self._frame_id, frame, now)  # the previous frame is dropped here
            self._arrivals.append(now)
            self._last_frame_at = now
            self._slot_lock.notify_all()

    def _run(self) -> None:
        delay = self.backoff[0]
        opened_before = False
        while not self._stop.is_set():
            source: FrameSource | None = None
            try:
                source = self._factory()
                source.open()
            except Exception as exc:  # SourceUnavailable, or a source that breaks oddly
                if source is not None:
                    _close(source)
                if not isinstance(exc, SourceUnavailable | SourceLost):
                    log.debug("opening the frame source failed", exc_info=True)
                self._set_state(LOST if opened_before else NO_CAMERA, _one_line(exc))
                if self._stop.wait(delay):
                    break
                delay = min(delay * 2, self.backoff[1])
                continue
            if opened_before:
                self.reconnects += 1
            opened_before = True
            self._source = source
            try:
                self._description = source.describe()
            except Exception:
                self._description = type(source).__name__
            try:
                if self._read_loop(source):
                    delay = self.backoff[0]  # frames came: the next loss starts the back-off anew
            except SourceLost as exc:
                self._set_state(LOST, _one_line(exc))
            except Exception as exc:
                log.debug("the frame source failed", exc_info=True)
                self._set_state(LOST, _one_line(exc))
            finally:
                self._reading_since = None
                self._source = None
                _close(source)
            if self._stop.wait(delay):
                break
            delay = min(delay * 2, self.backoff[1])
        self._set_state(STOPPED, "")

    def _read_loop(self, source: FrameSource) -> bool:
        """Read until stopped or lost; True if at least one frame came."""
        got = False
        quiet_since = time.monotonic()
        while not self._stop.is_set():
            self._reading_since = time.monotonic()
            frame = source.read()
            self._reading_since = None
            if self._stop.is_set():
                break
            if frame is None:
                if time.monotonic() - quiet_since > self.lost_after:
                    raise SourceLost(f"no frame for {self.lost_after:g} s from {self._description}")
                self._stop.wait(self.idle_wait)
                continue
            self._publish(frame)
            quiet_since = time.monotonic()
            if not got:
                got = True
            if self.state != OK:
                self._set_state(OK, "")
        return got

    def _watch(self) -> None:
        """Report "lost" when a read hangs for longer than `lost_after` (the reader thread
        cannot: it is stuck in the driver). The reader sets "ok" again when frames resume."""
        period = min(0.25, self.lost_after / 4)
        while not self._stop.wait(period):
            since = self._reading_since
            if since is not None and self.state == OK and time.monotonic() - since > self.lost_after:
                self._set_state(
                    LOST, f"{self._description or 'the source'} hangs: no frame for {time.monotonic() - since:.1f} s"
                )


def _close(source: FrameSource) -> None:
    try:
        source.close()
    except Exception:  # closing a vanished device must not stop the retries
        log.debug("closing the frame source failed", exc_info=True)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text
