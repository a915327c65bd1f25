"""Run booth operations off the GUI thread, one at a time, and hand results back to the GUI.

As Anki's ``aqt.operations``: a widget never calls the service (SQL, scrypt, fsync) on the
GUI thread; it calls ``ops.run(fn, on_done, on_error)``. One worker thread executes the calls
in order (the ledger's connection is used by that thread only); results and errors come
back as a queued signal, so handlers always run on the GUI thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from booth.errors import BoothError
from booth.gui.qt import QObject, Signal

log = logging.getLogger(__name__)
Done = Callable[[Any], None]
Failed = Callable[[Exception], None]


class Operations(QObject):
    # (callback, value): two signals rather than a bool argument, since PySide6 mis-counts
    # references to True/False carried by queued cross-thread signals (a crash at exit).
    _done = Signal(object, object)
    _failed = Signal(object, object)

    def __init__(self) -> None:
        super().__init__()
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._done.connect(self._deliver_result)
        self._failed.connect(self._deliver_error)
        self._thread = threading.Thread(target=self._work, name="booth-operations", daemon=True)
        self._thread.start()

    def run(self, fn: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None) -> None:
        """Queue ``fn``; ``on_done(result)`` or ``on_error(exc)`` later runs on the GUI thread."""
        self._jobs.put((fn, on_done, on_error))

    def stop(self, timeout: float = 5.0) -> None:
        self._jobs.put(None)
        self._thread.join(timeout)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, on_done, on_error = job
            try:
                result = fn()
            except Exception as exc:  # the edge: every failure reaches the GUI as one message
                if not isinstance(exc, BoothError):
                    log.exception("operation failed")
                self._failed.emit(on_error, exc)
            else:
                self._done.emit(on_done, result)

    def _deliver_result(self, callback: Callable | None, value: Any) -> None:
        if callback is not None:
            callback(value)

    def _deliver_error(self, callback: Callable | None, error: Exception) -> None:
        if callback is not None:
            callback(error)
        else:
            log.error("unhandled operation error: %s", error)
