"""GUI benchmark: start-up, frame-to-verdict latency and memory of the booth window. Prints one JSON object.

Everything runs with Qt's offscreen platform, on a demo booth (``booth.demo.prepare``: the demo
HQ's permits, the demo officers) and the simulated camera showing the demo permits in the
demo's order (``booth.demo.show_order``), as ``booth demo`` does. Each figure comes from a
fresh child process (this file run with ``--child-...``), so none inherits another's imports
or memory:

1. start to login screen: from just before the child process is spawned until the login
   screen is up with the officer list filled (the first event-loop iteration after the
   window was shown, painted and the officer names arrived); the steps of ``run_gui`` are
   timed one by one (interpreter start, imports, QApplication + fonts, Booth open, demo cards,
   scanner, window built and shown, officers loaded). Median of 3 runs; target <= 2 s.
2. frame to verdict: for each camera scan, from the moment the simulated camera produced the
   frame that was decoded (a wrapper around the camera stamps every frame with
   ``time.perf_counter()``, keyed by the frame object) to the moment the verdict panel shows
   the outcome (``VerdictPanel.show_outcome`` returned; also when the panel's label was next
   painted). The demo officer logs in through ``MainWindow._login``. Target p95 <= 80 ms over
   >= 20 scans (quick: 8).
3. memory: the GUI runs with the simulated camera cycling through the demo permits, the
   officer logged in; after each pass the direction is switched with a mouse click on its
   button, so every scan is recorded (a click, not F2: the idle lock does not count shortcut
   keys as activity and would lock the booth after 5 minutes). VmRSS is sampled every 10 s
   for 10 minutes (quick: 60 s). Target: final RSS <= 300 MB and no growth over the second
   half (least-squares slope, MB/min, within 2 standard errors of 0 or under 0.1 MB/min).
4. stability: PySide6 6.12.0 drops references to None, True and False on ordinary calls
   (void Qt calls, Python overrides such as paintEvent, Signal.emit). CPython 3.12+ makes them
   immortal, but on 3.11 each count runs down to 0 and the process aborts ("Fatal Python
   error: none_dealloc"/"bool_dealloc") after about 2.5 minutes of camera use. So that 2. and
   3. can be measured whatever PySide6 is installed, their children pin those counts (bench
   only, on Python < 3.12; the drain stays measured: ``refcount_drain``), and a last child runs
   the GUI as shipped, camera on, to tell whether it lives (quick: <= 150 s, else <= 300 s;
   ``--unpinned-seconds 0`` skips it).

``--camera video`` runs 2.-4. on a real camera's code path instead: the first 10 demo permits
are rendered once to an MJPG file (what a USB webcam sends) and read through ``OpenCVSource``,
so the simulated camera's own memory (its cards, textures, frame and work buffers, noise tiles:
~65 MB of the default run's RSS) is left out of the figures.

The bench only wraps objects it made (the camera, the decode function, instance attributes
of the window, the panel and the Booth); it changes no library code.

Run: .venv/bin/python bench/gui.py [--quick] [--camera sim|video] [--soak-seconds S] [--scans N]
     [--unpinned-seconds S] [--startup-runs N] [--keep]
"""

from __future__ import annotations

import time

T_SCRIPT = time.time()  # the child's first statement: interpreter start-up ends here

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import weakref  # noqa: E402
from collections import OrderedDict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import, in every process of this bench
os.environ.setdefault("QT_LOGGING_RULES", "*.debug=false;qt.multimedia*=false")

TARGET_START_S = 2.0
TARGET_P95_MS = 80.0
TARGET_RSS_MB = 300.0
SAMPLE_S = 10.0
WINDOW_SIZE = (1366, 768)
SEED = 1


# --- small helpers ---------------------------------------------------------------------------


def pct(values: list[float], *qs: float) -> dict[str, Any]:
    """n, the nearest-rank percentiles and the max, rounded."""
    out: dict[str, Any] = {"n": len(values)}
    s = sorted(values)
    for q in qs:
        out[f"p{q:g}"] = round(s[max(0, math.ceil(q / 100 * len(s)) - 1)], 1) if s else None
    out["max"] = round(s[-1], 1) if s else None
    return out


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def slope(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares slope of (x, y) points and its standard error."""
    n = len(points)
    if n < 2:
        return 0.0, float("inf")
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return 0.0, float("inf")
    b = sum((x - mx) * (y - my) for x, y in points) / sxx
    if n < 3:
        return b, float("inf")
    resid = sum((y - (my + b * (x - mx))) ** 2 for x, y in points)
    return b, math.sqrt(resid / (n - 2) / sxx)


PIN = 1 << 40  # added to the refcounts of None, True and False by pin_singletons()
_pinned = False


def pin_singletons() -> bool:
    """Give None, True and False a huge reference count (bench only), as CPython 3.12+ does
    (they are immortal there). PySide6 6.12.0 drops references to them on ordinary calls
    (void Qt calls, Python overrides such as paintEvent, Signal.emit); on CPython 3.11 the
    GUI then aborts with "deallocating None" within a few minutes, before the figures are in.
    The drain stays measurable: ``refcounts()`` reports the counts without the pin."""
    global _pinned
    if sys.version_info >= (3, 12) or _pinned:
        return False
    import ctypes

    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += PIN  # ob_refcnt is the first field
    _pinned = True
    return True


def refcounts() -> dict[str, int]:
    off = PIN if _pinned else 0
    return {
        "None": sys.getrefcount(None) - off,
        "True": sys.getrefcount(True) - off,
        "False": sys.getrefcount(False) - off,
    }


def emit(kind: str, value: Any) -> None:
    """One JSON line on stdout for the parent: a sample now, the result at the end."""
    print(json.dumps({kind: value}), flush=True)


def theil_sen(points: list[tuple[float, float]]) -> float:
    """The median of the pairwise slopes: a trend that a few outliers (or a 2-level RSS) do not sway."""
    slopes = sorted(
        (y2 - y1) / (x2 - x1) for i, (x1, y1) in enumerate(points) for x2, y2 in points[i + 1 :] if x2 != x1
    )
    return statistics.median(slopes) if slopes else 0.0


def log(msg: str) -> None:
    print(f"[bench/gui {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def load_cards(cards_file: Path) -> list[Any]:
    from booth.scan.simcam import CardSpec

    return [
        CardSpec.from_text(c["text"], label=c["label"], description=c["description"], number=c["number"])
        for c in json.loads(cards_file.read_text(encoding="utf-8"))
    ]


# --- instrumentation (bench only) ------------------------------------------------------------


class StampedCamera:
    """A FrameSource around a SimulatedCamera that remembers when each frame was produced."""

    def __init__(self, inner: Any, probe: Probe) -> None:
        self.inner = inner
        self.probe = probe

    def open(self) -> None:
        self.inner.open()

    def read(self) -> Any:
        frame = self.inner.read()
        if frame is not None:
            self.probe.stamp_frame(frame, time.perf_counter())
        return frame

    def close(self) -> None:
        self.inner.close()

    def describe(self) -> str:
        return self.inner.describe()


class Probe:
    """Follows each camera scan from its frame to the verdict panel.

    Stages (perf_counter seconds): gen (camera produced the frame), dec0/dec1 (decode of that
    frame started/ended), gui (the decoded text reached ``MainWindow.scan`` on the GUI thread),
    svc0/svc1 (``Booth.scan`` on the operations thread), shown (``show_outcome`` returned),
    painted (the panel's record label was next painted)."""

    def __init__(self, keep_entries: bool = True) -> None:
        self._frames: OrderedDict[int, tuple[weakref.ref, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._local = threading.local()
        self.camera: Any = None
        self.pending: dict[str, dict[str, float]] = {}  # text -> stages, until the scan is recorded
        self.by_seq: dict[int, dict[str, float]] = {}  # record seq -> stages, until shown
        self.done: list[dict[str, float]] = []
        self.keep_entries = keep_entries
        self.latency_ms: list[float] = []
        self.errors = 0
        self.unmatched = 0
        self._to_paint: list[dict[str, float]] = []

    # camera and decode threads
    def stamp_frame(self, frame: Any, t: float) -> None:
        with self._lock:
            self._frames[id(frame)] = (weakref.ref(frame), t)
            while len(self._frames) > 64:
                self._frames.popitem(last=False)

    def frame_time(self, frame: Any) -> float | None:
        with self._lock:
            got = self._frames.get(id(frame))
        return got[1] if got is not None and got[0]() is frame else None

    def wrap_decode(self, decode: Any) -> Any:
        def decode_and_note(frame: Any) -> Any:
            t0 = time.perf_counter()
            codes = decode(frame)
            self._local.last = (self.frame_time(frame), t0, time.perf_counter())
            return codes

        return decode_and_note

    def wrap_accept(self, accept: Any) -> Any:
        def accept_and_note(text: str, now: float) -> bool:
            ok = accept(text, now)
            if ok:
                gen, t0, t1 = getattr(self._local, "last", (None, 0.0, 0.0))
                if gen is not None:
                    self.pending[text] = {"gen": gen, "dec0": t0, "dec1": t1}
                else:
                    self.unmatched += 1
            return ok

        return accept_and_note

    # GUI and operations threads
    def wrap_window_scan(self, scan: Any) -> Any:
        def scan_and_note(text: str, channel: str) -> None:
            entry = self.pending.get(text)
            if entry is not None and channel == "camera":
                entry["gui"] = time.perf_counter()
            scan(text, channel)

        return scan_and_note

    def wrap_service_scan(self, scan: Any) -> Any:
        def service_scan(session: Any, text: str, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                outcome = scan(session, text, **kw)
            except Exception:
                entry = self.pending.pop(text, None)
                if entry is not None:
                    self.errors += 1
                raise
            entry = self.pending.pop(text, None)
            if entry is not None and kw.get("channel") == "camera":
                entry["svc0"], entry["svc1"] = t0, time.perf_counter()
                self.by_seq[outcome.record.seq] = entry
            return outcome

        return service_scan

    def wrap_show_outcome(self, show: Any) -> Any:
        def show_and_note(outcome: Any, overridden_by: str | None = None) -> None:
            show(outcome, overridden_by)
            entry = self.by_seq.pop(outcome.record.seq, None)
            if entry is None or overridden_by:
                return
            entry["shown"] = time.perf_counter()
            self.latency_ms.append((entry["shown"] - entry["gen"]) * 1000)
            self._to_paint.append(entry)
            if self.keep_entries:
                self.done.append(entry)

        return show_and_note

    def painted(self) -> None:
        now = time.perf_counter()
        for entry in self._to_paint:
            entry.setdefault("painted", now)
        self._to_paint.clear()

    def breakdown(self) -> dict[str, Any]:
        def ms(a: str, b: str) -> list[float]:
            return [(e[b] - e[a]) * 1000 for e in self.done if a in e and b in e]

        return {
            "wait_for_decoder": pct(ms("gen", "dec0"), 50, 95),
            "decode": pct(ms("dec0", "dec1"), 50, 95),
            "to_gui_thread": pct(ms("dec1", "gui"), 50, 95),
            "queued_for_service": pct(ms("gui", "svc0"), 50, 95),
            "service_scan": pct(ms("svc0", "svc1"), 50, 95),
            "back_to_gui_and_render": pct(ms("svc1", "shown"), 50, 95),
            "shown_to_painted": pct(ms("shown", "painted"), 50, 95),
            "frame_to_painted": pct(ms("gen", "painted"), 50, 95),
        }


def paint_watch(widget: Any, on_paint: Any) -> Any:
    """An event filter calling ``on_paint()`` when ``widget`` gets a paint event."""
    from booth.gui.qt import QEvent, QObject

    class _Watch(QObject):
        def eventFilter(self, _obj: Any, event: Any) -> bool:
            if event.type() == QEvent.Paint:
                on_paint()
            return False

    watch = _Watch(widget)
    widget.installEventFilter(watch)
    return watch


def instrumented_window(
    booth_dir: Path, cards_file: Path, camera: str = "sim", *, keep_entries: bool = True
) -> tuple[Any, ...]:
    """The booth window as ``run_gui`` builds it for the demo, with the bench's probes in place.
    ``camera``: "sim" (the demo's simulated camera), or a video file read through OpenCVSource."""
    from booth.gui.app import make_app
    from booth.gui.main_window import MainWindow
    from booth.gui.scanner import Scanner
    from booth.scan.cascade import Cascade
    from booth.scan.simcam import SimulatedCamera
    from booth.scan.sources import OpenCVSource
    from booth.service import Booth

    app = make_app()
    booth = Booth(booth_dir)
    cards = load_cards(cards_file)
    probe = Probe(keep_entries)

    def factory() -> StampedCamera:
        probe.camera = SimulatedCamera(cards) if camera == "sim" else OpenCVSource(camera)
        return StampedCamera(probe.camera, probe)

    scanner = Scanner(factory, probe.wrap_decode(Cascade.default().decode))
    scanner.debouncer.accept = probe.wrap_accept(scanner.debouncer.accept)
    window = MainWindow(booth, scanner=scanner)
    window.resize(*WINDOW_SIZE)
    window.scan = probe.wrap_window_scan(window.scan)
    booth.scan = probe.wrap_service_scan(booth.scan)
    window.verdict.show_outcome = probe.wrap_show_outcome(window.verdict.show_outcome)
    window._bench_watch = paint_watch(window.verdict.sub, probe.painted)
    window.show()
    return app, booth, scanner, window, probe, cards


def log_in(app: Any, window: Any, timeout: float = 30.0) -> float:
    """Log the demo officer in as a person would; seconds until the main screen is up."""
    from booth.demo import DEMO_OFFICERS

    name, _role, pin = DEMO_OFFICERS[0]
    t0 = time.perf_counter()
    window._login(name, pin)
    while window.session is None and time.perf_counter() - t0 < timeout:
        app.processEvents()
        time.sleep(0.005)
    if window.session is None:
        raise RuntimeError(f"login failed: {window.login.message.text()!r}")
    return time.perf_counter() - t0


# --- child 1: start-up ------------------------------------------------------------------------


def child_startup(booth_dir: Path, cards_file: Path) -> dict[str, Any]:
    t: dict[str, float] = {"script": T_SCRIPT}
    import booth.gui.qt

    t["import_qt"] = time.time()
    import cv2  # noqa: F401
    import numpy  # noqa: F401

    t["import_numpy_cv2"] = time.time()
    from booth.service import Booth

    t["import_service"] = time.time()
    from booth.gui.scanner import Scanner
    from booth.scan.cascade import Cascade
    from booth.scan.simcam import SimulatedCamera

    t["import_scan"] = time.time()
    from booth.gui.app import ensure_display, make_app
    from booth.gui.main_window import MainWindow
    from booth.gui.qt import QEvent, QObject, QTimer

    t["import_gui"] = time.time()

    ensure_display(True)
    app = make_app()
    t["app_fonts"] = time.time()
    booth = Booth(booth_dir)
    t["booth_open"] = time.time()
    cards = load_cards(cards_file)  # gui_demo does this before run_gui
    t["demo_cards"] = time.time()
    scanner = Scanner(lambda: SimulatedCamera(cards), Cascade.default().decode)
    t["scanner"] = time.time()
    window = MainWindow(booth, scanner=scanner)
    t["window_built"] = time.time()
    window.resize(*WINDOW_SIZE)
    window.show()
    scanner.start()
    t["window_shown"] = time.time()

    state = {"painted": False, "filled": False, "finished": False}

    def finish() -> None:
        if state["finished"]:
            return
        state["finished"] = True
        t["ready"] = time.time()  # the first event-loop iteration with both done
        t["officers"] = window.login.officer.count()
        t["login_screen_current"] = window.stack.currentWidget() is window.login
        window.close()
        app.quit()

    def check() -> None:
        if state["painted"] and state["filled"]:
            QTimer.singleShot(0, finish)

    class _Paint(QObject):
        def eventFilter(self, _obj: Any, event: Any) -> bool:
            if event.type() == QEvent.Paint and not state["painted"]:
                state["painted"] = True
                t["first_paint"] = time.time()
                check()
            return False

    watch = _Paint(window)
    window.login.officer.installEventFilter(watch)

    def filled(*_: Any) -> None:
        if not state["filled"] and window.login.officer.count() > 0:
            state["filled"] = True
            t["officers_loaded"] = time.time()
            check()

    window.login.officer.model().rowsInserted.connect(filled)
    filled()
    QTimer.singleShot(20_000, finish)  # a guard: never hang
    app.exec()
    booth.close()
    return {"stamps": t}


# --- child 2: frame to verdict ----------------------------------------------------------------


def child_latency(booth_dir: Path, cards_file: Path, scans: int, pin: bool, camera: str) -> dict[str, Any]:
    from booth.gui.qt import QTimer

    pinned = pin_singletons() if pin else False
    t_start = time.perf_counter()
    app, booth, scanner, window, probe, cards = instrumented_window(booth_dir, cards_file, camera)
    login_s = log_in(app, window)
    scanner.start()  # after the login, so the first cards are recorded
    limit = 60 + scans * 8  # seconds: a guard
    started = time.perf_counter()

    def poll() -> None:
        n = len(probe.latency_ms)
        if n >= scans and all("painted" in e for e in probe.done):
            window.close()
            app.quit()
        elif time.perf_counter() - started > limit:
            log(f"latency: only {n} scans after {limit} s")
            window.close()
            app.quit()

    timer = QTimer(interval=100, timeout=poll)
    timer.start()
    app.exec()
    timer.stop()
    elapsed = time.perf_counter() - started
    booth.close()
    lat = probe.latency_ms
    return {
        "scans": len(lat),
        "seconds": round(elapsed, 1),
        "setup_s": round(started - t_start - login_s, 2),
        "login_s": round(login_s, 2),
        "frame_to_verdict_ms": pct(lat, 50, 95),
        "frame_to_verdict_all_ms": [round(x, 1) for x in lat],
        "breakdown_ms": probe.breakdown(),
        "scan_errors": probe.errors,
        "unmatched": probe.unmatched,
        "camera_frames": scanner.capture.frames,
        "decoded_frames": scanner.decoded_frames,
        "camera_fps": round(scanner.capture.frames / elapsed, 1),
        "decoder_fps": round(scanner.decoded_frames / elapsed, 1),
        "preview_frames_shown": window.camera.frames_shown,
        "preview_fps": round(window.camera.frames_shown / elapsed, 1),
        "cards": len(cards),
        "singletons_pinned": pinned,
    }


# --- child 3: memory over a long demo (also: how long it lives unpinned) -----------------------


def child_soak(booth_dir: Path, cards_file: Path, seconds: float, pin: bool, camera: str) -> dict[str, Any]:
    """Samples go to stdout as they are taken, so a run that dies still leaves its series."""
    import gc

    from PySide6.QtTest import QTest

    from booth.gui.qt import QObject, Qt, QTimer
    from booth.scan.simcam import CARD_H_MM, CARD_W_MM, PX_MM, card_image

    pinned = pin_singletons() if pin else False
    rss_start = rss_mb()
    app, booth, scanner, window, probe, cards = instrumented_window(booth_dir, cards_file, camera, keep_entries=False)
    video_frames = json.loads(Path(camera + ".json").read_text())["frames"] if camera != "sim" else 0
    log_in(app, window)
    scanner.start()
    started = time.perf_counter()
    samples: list[dict[str, Any]] = []
    passes = {"last": 0, "toggles": 0}
    records_at_start = booth.ledger.head()[0]
    tag = "soak" if pin else "unpinned"
    card_mb = round(CARD_W_MM * PX_MM) * round(CARD_H_MM * PX_MM) * 4 / 2**20  # one cached card texture

    def sample() -> None:
        elapsed = time.perf_counter() - started
        samples.append(
            {
                "t_s": round(elapsed, 1),
                "rss_mb": round(rss_mb(), 1),
                "scans": len(probe.latency_ms),
                "qobjects": len(window.findChildren(QObject)),
                "threads": threading.active_count(),
                "py_objects": len(gc.get_objects()),
                "refcounts": refcounts(),
                "simcam_cards_cached": card_image.cache_info().currsize,  # demo camera only
                "simcam_cards_mb": round(card_image.cache_info().currsize * card_mb, 1),
                "locked": window.session is None,
                "direction": window.direction,
            }
        )
        s = samples[-1]
        emit("sample", s)
        log(
            f"{tag} {s['t_s']:.0f}/{seconds:.0f} s: rss {s['rss_mb']} MB, {s['scans']} scans, "
            f"{s['qobjects']} QObjects, {s['py_objects']} Python objects, refcounts {s['refcounts']}"
        )
        if elapsed >= seconds - 0.5:
            window.close()
            app.quit()

    def direction() -> None:
        if video_frames:
            done = scanner.capture.frames // video_frames
        else:
            cam = probe.camera
            info = cam.current if cam is not None else None
            if info is None:
                return
            done = info.cycle // len(cards)
        if done != passes["last"]:  # a pass over every card is over: the other way now
            passes["last"] = done
            passes["toggles"] += 1
            # as a person would, with the mouse: F2 goes through a QShortcut, which the idle
            # lock does not count as activity, so the booth would lock itself after 5 minutes
            before = window.direction
            QTest.mouseClick(window.direction_button, Qt.LeftButton)
            if window.direction == before:  # the click did not reach the button
                window.toggle_direction()

    sampler = QTimer(interval=int(SAMPLE_S * 1000), timeout=sample)
    toggler = QTimer(interval=250, timeout=direction)
    sample()
    sampler.start()
    toggler.start()
    app.exec()
    sampler.stop()
    toggler.stop()
    elapsed = time.perf_counter() - started
    records = booth.ledger.head()[0] - records_at_start
    booth.close()
    return {
        "seconds": round(elapsed, 1),
        "rss_before_gui_mb": round(rss_start, 1),
        "singletons_pinned": pinned,
        "scans_shown": len(probe.latency_ms),
        "ledger_records_added": records,
        "passes": passes["toggles"],
        "locked_at_s": next((s["t_s"] for s in samples if s["locked"]), None),
        "frame_to_verdict_ms": pct(probe.latency_ms, 50, 95, 99),
        "camera_frames": scanner.capture.frames,
        "decoded_frames": scanner.decoded_frames,
        "preview_frames_shown": window.camera.frames_shown,
    }


def memory_summary(samples: list[dict[str, Any]], elapsed: float) -> dict[str, Any]:
    half = [(s["t_s"] / 60, s["rss_mb"]) for s in samples if s["t_s"] >= elapsed / 2 - 0.5]
    b, se = slope(half)
    last = samples[-1]
    whole, _ = slope([(s["t_s"] / 60, s["rss_mb"]) for s in samples])
    py, _ = slope([(s["t_s"] / 60, s["py_objects"]) for s in samples if s["t_s"] >= elapsed / 2 - 0.5])
    qo, _ = slope([(s["t_s"] / 60, s["qobjects"]) for s in samples if s["t_s"] >= elapsed / 2 - 0.5])
    return {
        "final_rss_mb": samples[-1]["rss_mb"],
        "peak_rss_mb": max(s["rss_mb"] for s in samples),
        "second_half_slope_mb_per_min": round(b, 3),
        "second_half_slope_stderr": round(se, 3) if math.isfinite(se) else None,
        "second_half_points": len(half),
        "second_half_theil_sen_mb_per_min": round(theil_sen(half), 3),
        "second_half_rss_range_mb": [min(y for _, y in half), max(y for _, y in half)] if half else None,
        "final_rss_less_simcam_cards_mb": round(last["rss_mb"] - last.get("simcam_cards_mb", 0), 1),
        "whole_run_slope_mb_per_min": round(whole, 3),
        "not_growing": bool(b <= max(2 * se, 0.1)) if math.isfinite(se) else None,
        "second_half_py_objects_per_min": round(py, 1),
        "second_half_qobjects_per_min": round(qo, 2),
    }


def refcount_drain(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """How fast None/True/False lose references (per second), and when the first would reach 0."""
    if len(samples) < 2:
        return {}
    pts = {k: slope([(s["t_s"], s["refcounts"][k]) for s in samples])[0] for k in samples[0]["refcounts"]}
    return {"per_s": {k: round(v, 1) for k, v in pts.items()}}


# --- the parent ---------------------------------------------------------------------------------


def run_child(args: list[str], timeout: float, log_file: Path) -> dict[str, Any]:
    """Run this file as a child. Returns {"spawned_at", "rc", "seconds", "result", "samples",
    "stderr": the most repeated lines}; a child that dies still gives what it printed."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    t0 = time.time()
    with open(log_file, "w", encoding="utf-8") as err:
        try:
            proc = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), *args],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                env=env,
                timeout=timeout,
                cwd=str(ROOT),
            )
            out, rc = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as exc:
            out, rc = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or ""), None
    seconds = time.time() - t0
    result, samples = None, []
    for line in out.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if "sample" in item:
            samples.append(item["sample"])
        elif "result" in item:
            result = item["result"]
    return {
        "spawned_at": t0,
        "rc": rc,
        "seconds": round(seconds, 1),
        "result": result,
        "samples": samples,
        "stderr": stderr_summary(log_file),
    }


def stderr_summary(path: Path, top: int = 6) -> dict[str, Any]:
    """The child's stderr, folded: the most repeated lines (progress lines left out), and any fatal error."""
    counts: dict[str, int] = {}
    fatal = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("[bench/gui") or not line.strip() or line.startswith(" "):
            continue
        if line.startswith("Fatal Python error"):
            fatal = line
        counts[line] = counts.get(line, 0) + 1
    common = sorted(counts.items(), key=lambda kv: -kv[1])[:top]
    return {"fatal": fatal, "most_repeated": [{"line": k[:160], "times": v} for k, v in common]}


def startup_run(booth_dir: Path, cards_file: Path, log_file: Path) -> dict[str, Any]:
    child = run_child(["--child-startup", str(booth_dir), str(cards_file)], 120, log_file)
    if child["result"] is None:
        raise RuntimeError(f"start-up child failed (exit {child['rc']}): {child['stderr']}")
    t, t0 = child["result"]["stamps"], child["spawned_at"]
    order = [
        "script",
        "import_qt",
        "import_numpy_cv2",
        "import_service",
        "import_scan",
        "import_gui",
        "app_fonts",
        "booth_open",
        "demo_cards",
        "scanner",
        "window_built",
        "window_shown",
    ]
    steps = {"interpreter": t["script"] - t0}
    for a, b in zip(order, order[1:], strict=False):
        steps[b] = t[b] - t[a]
    steps["shown_to_ready"] = t["ready"] - t["window_shown"]
    return {
        "total_s": round(t["ready"] - t0, 3),
        "split_s": {
            "interpreter": round(t["script"] - t0, 3),
            "python_imports": round(t["import_gui"] - t["script"], 3),
            "qapplication_fonts": round(t["app_fonts"] - t["import_gui"], 3),
            "booth_open": round(t["booth_open"] - t["app_fonts"], 3),
            "window_built": round(t["window_shown"] - t["booth_open"], 3),  # demo cards, scanner, window, show
            "officers_and_first_paint": round(t["ready"] - t["window_shown"], 3),
        },
        "steps_s": {k: round(v, 3) for k, v in steps.items()},
        "first_paint_after_show_s": round(t.get("first_paint", float("nan")) - t["window_shown"], 3),
        "officers_loaded_after_show_s": round(t.get("officers_loaded", float("nan")) - t["window_shown"], 3),
        "officers": t["officers"],
        "login_screen_current": t["login_screen_current"],
        "exit_code": child["rc"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 scans, 60 s of memory samples")
    ap.add_argument("--scans", type=int, help="camera scans to time (default 20; quick 8)")
    ap.add_argument("--soak-seconds", type=float, help="memory run length (default 600; quick 60)")
    ap.add_argument(
        "--unpinned-seconds", type=float, help="how long the unpinned GUI may run (default 300; quick 150; 0: skip)"
    )
    ap.add_argument(
        "--camera",
        default="sim",
        help="sim: the demo's simulated camera (default); video: its first 10 permits rendered "
        "once to an MJPG file, read through OpenCVSource as a webcam would be",
    )
    ap.add_argument("--startup-runs", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the demo booth's folder and the children's logs")
    ap.add_argument("--child-startup", nargs=2, metavar=("BOOTH", "CARDS"), help=argparse.SUPPRESS)
    ap.add_argument("--child-latency", nargs=3, metavar=("BOOTH", "CARDS", "N"), help=argparse.SUPPRESS)
    ap.add_argument("--child-soak", nargs=3, metavar=("BOOTH", "CARDS", "S"), help=argparse.SUPPRESS)
    ap.add_argument("--no-pin", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child_startup:
        emit("result", child_startup(Path(args.child_startup[0]), Path(args.child_startup[1])))
        return
    if args.child_latency:
        a = args.child_latency
        emit("result", child_latency(Path(a[0]), Path(a[1]), int(a[2]), not args.no_pin, args.camera))
        return
    if args.child_soak:
        a = args.child_soak
        emit("result", child_soak(Path(a[0]), Path(a[1]), float(a[2]), not args.no_pin, args.camera))
        return

    scans = args.scans or (8 if args.quick else 20)
    soak_s = args.soak_seconds or (60.0 if args.quick else 600.0)
    unpinned_s = args.unpinned_seconds if args.unpinned_seconds is not None else (150.0 if args.quick else 300.0)
    base = Path(tempfile.mkdtemp(prefix="booth-bench-gui-"))
    try:
        from booth.demo import prepare, show_order

        log(f"preparing the demo booth in {base}")
        demo = prepare(base, seed=SEED, now=int(time.time()))
        cards_file = base / "cards.json"
        cards_file.write_text(
            json.dumps(
                [
                    {"text": c.text, "label": c.label, "description": c.description, "number": c.number}
                    for c in show_order(demo.data.cases)
                ]
            )
        )

        camera = ["--camera", render_video(cards_file, base / "camera.avi") if args.camera == "video" else "sim"]

        def fresh_booth(name: str) -> Path:
            path = base / name
            shutil.copytree(demo.booth_dir, path)
            return path

        log("start-up runs")
        startup_dir = fresh_booth("booth-startup")
        runs = [startup_run(startup_dir, cards_file, base / f"startup-{i}.log") for i in range(args.startup_runs)]
        mid = sorted(runs, key=lambda r: r["total_s"])[len(runs) // 2]
        split_median = {k: round(statistics.median(r["split_s"][k] for r in runs), 3) for k in mid["split_s"]}
        startup = {
            "median_s": mid["total_s"],
            "runs_s": [r["total_s"] for r in runs],
            "target_s": TARGET_START_S,
            "met": mid["total_s"] <= TARGET_START_S,
            "split_median_s": split_median,
            "exit_codes": [r["exit_code"] for r in runs],
            "median_run": mid,
        }
        log(f"start-up median {mid['total_s']} s; frame to verdict over {scans} scans")

        child = run_child(
            ["--child-latency", str(fresh_booth("booth-latency")), str(cards_file), str(scans), *camera],
            120 + scans * 10,
            base / "latency.log",
        )
        lat = child["result"] or {}
        p95 = lat.get("frame_to_verdict_ms", {}).get("p95")
        latency = {
            "target_p95_ms": TARGET_P95_MS,
            "met": p95 is not None and p95 <= TARGET_P95_MS and lat.get("scans", 0) >= scans,
            **lat,
            "exit_code": child["rc"],
            "stderr": child["stderr"],
        }
        log(f"frame to verdict p95 {p95} ms; memory over {soak_s:g} s")

        child = run_child(
            ["--child-soak", str(fresh_booth("booth-soak")), str(cards_file), str(soak_s), *camera],
            soak_s + 300,
            base / "soak.log",
        )
        samples = child["samples"]
        memory: dict[str, Any] = {
            "target_final_mb": TARGET_RSS_MB,
            "seconds_planned": soak_s,
            "completed": child["result"] is not None,
            "exit_code": child["rc"],
        }
        if samples:
            summary = memory_summary(samples, samples[-1]["t_s"])
            memory.update(
                rss_met=summary["final_rss_mb"] <= TARGET_RSS_MB and memory["completed"],
                growth_met=bool(summary["not_growing"]) and memory["completed"],
                **summary,
            )
        memory.update(child["result"] or {})
        memory["refcount_drain"] = refcount_drain(samples)
        memory["samples"] = samples
        memory["stderr"] = child["stderr"]

        stability: dict[str, Any] = {"python": sys.version.split()[0], "pyside6": _pyside_version()}
        if unpinned_s > 0:
            log(f"the GUI as shipped (no pin), camera on, for up to {unpinned_s:g} s")
            child = run_child(
                [
                    "--child-soak",
                    str(fresh_booth("booth-unpinned")),
                    str(cards_file),
                    str(unpinned_s),
                    "--no-pin",
                    *camera,
                ],
                unpinned_s + 300,
                base / "unpinned.log",
            )
            last = child["samples"][-1] if child["samples"] else {}
            stability.update(
                {
                    "survived_s": None if child["result"] is not None else last.get("t_s"),
                    "ran_s": child["seconds"],
                    "limit_s": unpinned_s,
                    "completed": child["result"] is not None,
                    "exit_code": child["rc"],
                    "fatal": child["stderr"]["fatal"],
                    "refcounts_at_samples": [{"t_s": s["t_s"], **s["refcounts"]} for s in child["samples"]],
                    "refcount_drain": refcount_drain(child["samples"]),
                }
            )
    finally:
        if args.keep:
            log(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)

    print(
        json.dumps(
            {
                "bench": "gui",
                "quick": args.quick,
                "platform": "offscreen",
                "cpus": os.cpu_count(),
                "camera": args.camera,
                "start_to_login_screen": startup,
                "frame_to_verdict": latency,
                "memory": memory,
                "stability": stability,
            },
            indent=1,
        )
    )


def render_video(cards_file: Path, path: Path, cards: int = 10, fps: float = 30.0) -> str:
    """One pass of the simulated camera over the first ``cards`` permits, as an MJPG video
    (what a USB webcam sends); its frame count goes to ``path.json``."""
    import cv2

    from booth.scan.simcam import FRAME_H, FRAME_W, SimulatedCamera

    cam = SimulatedCamera(load_cards(cards_file)[:cards], fps=fps, realtime=False)
    n = cam.frames_per_pass
    log(f"rendering {n} frames of {cards} permits to {path}")
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (FRAME_W, FRAME_H))
    cam.open()
    try:
        for _ in range(n):
            writer.write(cam.read())
    finally:
        cam.close()
        writer.release()
    Path(str(path) + ".json").write_text(json.dumps({"frames": n, "fps": fps, "cards": cards}))
    return str(path)


def _pyside_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("PySide6")
    except Exception:  # not installed under that name
        return None


if __name__ == "__main__":
    main()
