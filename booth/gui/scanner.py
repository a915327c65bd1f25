"""The camera side of the GUI: capture and decoding on their own threads, results as signals.

The capture thread keeps only the newest frame; the decode thread takes each new frame,
runs the decoder cascade and emits what it found. Nothing here runs on the GUI thread except
``latest_frame`` (a lock and a reference), which the preview timer polls.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np

from booth.gui.qt import QObject, Signal
from booth.scan.capture import Capture
from booth.scan.debounce import Debouncer
from booth.scan.sources import FrameSource

log = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 4.0


class Scanner(QObject):
    code_seen = Signal(str)  # a decoded text, debounced
    outlines = Signal(object)  # list of corner-point tuples of the codes in the newest decoded frame
    state_changed = Signal(str)  # ok | no_camera | lost | starting | stopped

    def __init__(
        self,
        source_factory: Callable[[], FrameSource],
        decode: Callable[[np.ndarray], list],
        *,
        debounce_seconds: float = DEBOUNCE_SECONDS,
    ) -> None:
        super().__init__()
        self._decode = decode
        self.debouncer = Debouncer(debounce_seconds)
        self.capture = Capture(source_factory, on_state=lambda state, _detail=None: self.state_changed.emit(state))
        self._running = False
        self._thread: threading.Thread | None = None
        self.decoded_frames = 0
        self.decode_ms: list[float] = []

    def start(self) -> None:
        self._running = True
        self.capture.start()
        self._thread = threading.Thread(target=self._loop, name="booth-decode", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        self.capture.stop()
        if self._thread is not None:
            self._thread.join(2.0)

    def latest_frame(self) -> np.ndarray | None:
        item = self.capture.latest()
        return item[1] if item is not None else None

    def scan_again(self) -> None:
        """The officer asks: report the next sighting even if it was just seen."""
        self.debouncer.force_next()

    def _loop(self) -> None:
        last_id = None
        while self._running:
            item = self.capture.latest()
            if item is None or item[0] == last_id:
                time.sleep(0.003)
                continue
            last_id, frame = item[0], item[1]
            started = time.perf_counter()
            try:
                codes = self._decode(frame)
            except Exception:  # a decoder bug must not kill the camera
                log.exception("decoding failed")
                continue
            self.decoded_frames += 1
            self.decode_ms = (self.decode_ms + [(time.perf_counter() - started) * 1000])[-500:]
            self.outlines.emit([c.points for c in codes])
            for code in codes:
                if self.debouncer.accept(code.text, time.monotonic()):
                    self.code_seen.emit(code.text)
