"""Background sync for the GUI: its own thread and its own ledger connection, results as signals.

The loop is the sync client's: sessions every ``interval`` when caught up, exponential
back-off with jitter after a failure; "Sync now" wakes it early. A fork (this booth's history
differs from HQ's) stops automatic sync until the app restarts: a person must look at it.

Between sessions (a long back-off, the wait after a fork) the worker still reports the
ledger head every ``head_every`` seconds (``SyncClient.report_head``, a few hundred bytes):
HQ then hears each head before it gets the records, so rewriting records not yet sent is
caught as a fork (docs/threat-model.md). Every session's calls carry the head too.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from booth.errors import BoothError
from booth.gui.qt import QObject, Signal
from booth.service import Booth
from sync.client.backoff import Backoff
from sync.client.client import SyncClient
from sync.client.errors import HistoryConflict, SyncError
from sync.protocol.errors import WireError

log = logging.getLogger(__name__)
INTERVAL = 30.0
AFTER_FATAL = 600.0
HEAD_EVERY = 300.0  # seconds: the head reaches HQ at least this often while a link exists


class SyncWorker(QObject):
    # ok (1/0), message. Not Signal(bool, ...): PySide6 mis-counts references to True/False passed
    # through queued cross-thread signals, which crashes the interpreter at exit.
    finished = Signal(int, str)

    def __init__(self, data_dir: Path, *, interval: float = INTERVAL, head_every: float = HEAD_EVERY) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.interval = interval
        self.head_every = head_every
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="booth-sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def sync_now(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        booth = Booth(self.data_dir)  # its own SQLite connection: never shared across threads
        backoff = Backoff()
        try:
            with SyncClient(booth) as client:
                while not self._stop.is_set():
                    delay = self._session(client, backoff)
                    self._wait(client, delay)
        except (BoothError, WireError) as exc:  # not enrolled, no HQ address: nothing to do until restart
            self.finished.emit(0, str(exc))
        finally:
            booth.close()

    def _wait(self, client: SyncClient, delay: float) -> None:
        """Wait ``delay`` seconds or until woken, reporting the head every ``head_every`` seconds meanwhile."""
        deadline = time.monotonic() + delay
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self._wake.wait(min(left, self.head_every)):
                self._wake.clear()
                return
            if time.monotonic() < deadline:
                self._report_head(client)

    @staticmethod
    def _report_head(client: SyncClient) -> None:
        try:
            client.report_head()
        except (SyncError, BoothError, WireError) as exc:  # no link now: the next one carries it
            log.info("head report failed: %s", exc)

    def _session(self, client: SyncClient, backoff: Backoff) -> float:
        try:
            result = client.session(self._stop)
        except HistoryConflict as exc:
            log.error("sync stopped: %s", exc)
            self.finished.emit(0, str(exc))
            return AFTER_FATAL
        except (SyncError, BoothError, WireError) as exc:
            delay = backoff.next_delay() if getattr(exc, "transient", True) else AFTER_FATAL
            self.finished.emit(0, str(exc))
            return delay
        backoff.reset()
        self.finished.emit(1, f"{result.pushed} sent")
        return self.interval
