"""Start the booth GUI: fonts, translations, the service, the camera, the window."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from booth.gui.fonts import load_fonts, ui_font
from booth.gui.qt import QApplication, QTimer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuiOptions:
    camera: str | None = None  # a source spec; None: the booth's setting
    screenshot: Path | None = None  # save the main window here, then quit
    exit_after: float | None = None  # seconds
    auto_login: tuple[str, str] | None = None  # (officer, PIN), for the demo's screenshot mode
    language: str | None = None


def ensure_display(headless: bool) -> None:
    """Headless runs (screenshots, CI) use Qt's offscreen platform."""
    if headless or not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


# glibc's mallopt() parameters (malloc.h), and the booth GUI's settings for them
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8
MALLOC_SETTINGS = {
    # every thread that allocates gets an arena of its own by default (up to 8 per core), each
    # keeping its own high-water mark: the camera, decoder, card-drawing and operations threads
    # all allocate megabytes at a time (frames, cards)
    M_ARENA_MAX: 2,
    # blocks this big or bigger that the heap has no free room for get a mapping of their own
    # (returned to the system when freed) instead of growing the heap. Setting it also stops
    # glibc from raising it (up to 32 MB) each time such a block is freed, which put every later
    # block under that size on the heap (and let the heap keep twice that much free at its
    # top): after one 12 MB temporary at start-up the heap held 50-60 MB of free space. 4 MB
    # keeps 720p frames (2.7 MB, 30 a second) on the heap, where they reuse each other's space
    # without page faults
    M_MMAP_THRESHOLD: 4 << 20,
    # free space kept at the top of the heap (not given back): room for a few frames
    M_TRIM_THRESHOLD: 8 << 20,
}


def tune_malloc(settings: dict[int, int] | None = None) -> bool:
    """Apply ``MALLOC_SETTINGS`` to glibc's malloc; call before the GUI's threads start.
    Measured on the demo (bench/gui.py, with the simulated camera's own fixes): RSS after a
    minute 290 -> 250 MB, at no CPU cost. False where there is no glibc ``mallopt``."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl, or no C library by that name
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return all([bool(mallopt(param, value)) for param, value in (settings or MALLOC_SETTINGS).items()])


def make_app() -> QApplication:
    tune_malloc()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    load_fonts()
    app.setFont(ui_font(12))
    return app


def run_gui(data_dir: Path, options: GuiOptions, *, cards: list | None = None) -> int:
    """Run the booth window until it is closed (or ``exit_after``); return the exit code."""
    from booth.demo.cards import fresh_demo_cards  # a bare `sim` camera shows a demo world
    from booth.gui.main_window import MainWindow
    from booth.gui.scanner import Scanner
    from booth.gui.sync_worker import SyncWorker
    from booth.scan.cascade import Cascade
    from booth.scan.sources import parse_source
    from booth.service import Booth

    ensure_display(options.screenshot is not None)
    app = make_app()
    booth = Booth(data_dir)
    spec = options.camera or booth.settings.camera
    if cards is not None:
        from booth.scan.simcam import SimulatedCamera

        def factory():
            return SimulatedCamera(cards)
    else:

        def factory():
            return parse_source(spec, demo_cards=fresh_demo_cards)

    scanner = Scanner(factory, Cascade.default().decode)
    sync = SyncWorker(data_dir) if booth.settings.hq_url else None
    window = MainWindow(booth, scanner=scanner, sync=sync)
    if options.language:
        window.set_language(options.language)
    window.resize(1366, 768)
    window.show()
    scanner.start()
    if sync is not None:
        sync.start()
    if options.auto_login:
        window._login(*options.auto_login)
    if options.exit_after is not None:
        QTimer.singleShot(int(options.exit_after * 1000), lambda: _finish(window, options.screenshot))
    with _stopping_on_signals(window):
        code = app.exec()
    booth.close()
    return code


@contextmanager
def _stopping_on_signals(window) -> Iterator[None]:
    """Ctrl-C and SIGTERM close the window (and so the ledger) cleanly instead of a traceback.

    Python runs a signal handler only between its own bytecodes, so a timer wakes it up while
    Qt's loop waits; the previous handlers come back afterwards."""

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %s: closing the booth", signum)
        window.close()
        QApplication.quit()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    waker = QTimer()
    waker.timeout.connect(lambda: None)
    waker.start(200)
    try:
        yield
    finally:
        waker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _finish(window, screenshot: Path | None) -> None:
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(screenshot))
        log.info("screenshot saved to %s", screenshot)
    window.close()
