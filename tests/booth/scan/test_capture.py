"""Capture off the caller's thread: newest frame only, states, reconnection; frame sources."""

from __future__ import annotations

import gc
import time
import weakref
from pathlib import Path

import cv2
import numpy as np
import pytest

from booth.scan.capture import Capture
from booth.scan.errors import ScanError, SourceLost, SourceUnavailable
from booth.scan.simcam import SimulatedCamera
from booth.scan.sources import FolderSource, FrameSource, OpenCVSource, list_cameras, parse_source

FAST = dict(lost_after=0.4, backoff=(0.05, 0.2))  # short timings so the tests run quickly


class CountingSource:
    """Small frames carrying their number; remembers (weakly) every frame it gave."""

    def __init__(self, period: float = 0.002) -> None:
        self.period = period
        self.n = 0
        self.opened = 0
        self.closed = 0
        self.given: list[weakref.ref[np.ndarray]] = []

    def open(self) -> None:
        self.opened += 1

    def read(self) -> np.ndarray | None:
        time.sleep(self.period)
        self.n += 1
        frame = np.full((8, 8, 3), self.n % 256, np.uint8)
        self.given.append(weakref.ref(frame))
        return frame

    def close(self) -> None:
        self.closed += 1

    def describe(self) -> str:
        return "counting source"


class UnpluggedCamera(CountingSource):
    """Works for `good` frames, then is unplugged: reads raise SourceLost and it cannot be
    opened for `away` seconds; then it is plugged back in."""

    def __init__(self, good: int = 20, away: float = 0.5) -> None:
        super().__init__()
        self.good = good
        self.away = away
        self.unplugged_at: float | None = None
        self.failed_opens = 0

    def open(self) -> None:
        if self.unplugged_at is not None and time.monotonic() - self.unplugged_at < self.away:
            self.failed_opens += 1
            raise SourceUnavailable("camera 0 is not there")
        super().open()

    def read(self) -> np.ndarray | None:
        if self.unplugged_at is None and self.n >= self.good:
            self.unplugged_at = time.monotonic()
        if self.unplugged_at is not None and time.monotonic() - self.unplugged_at < self.away:
            raise SourceLost("camera 0 stopped giving frames")
        return super().read()


def wait_for(cond, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.005)
    return False


def test_sources_are_frame_sources(tmp_path: Path) -> None:
    assert isinstance(CountingSource(), FrameSource)
    assert isinstance(OpenCVSource("0"), FrameSource)
    assert isinstance(FolderSource(tmp_path), FrameSource)
    assert issubclass(SourceLost, ScanError) and issubclass(SourceUnavailable, ScanError)


def test_unplugged_camera_goes_lost_then_recovers() -> None:
    source = UnpluggedCamera(good=20, away=0.5)
    states: list[tuple[str, str]] = []
    capture = Capture(lambda: source, on_state=lambda s, d: states.append((s, d)), **FAST).start()
    try:
        assert wait_for(lambda: [s for s, _ in states].count("ok") >= 2, timeout=5), states
        last = capture.latest()
        assert last is not None and last[0] > 20
    finally:
        capture.stop()
    names = [s for s, _ in states]
    assert names[:3] == ["ok", "lost", "ok"] and names[-1] == "stopped"
    assert "stopped giving frames" in states[1][1] or "not there" in states[1][1]
    assert source.failed_opens >= 1  # it was retried while unplugged, with back-off
    assert source.closed >= 2 and capture.reconnects == 1


def test_source_that_is_never_there_is_no_camera_and_stops_promptly() -> None:
    attempts: list[float] = []

    def factory() -> FrameSource:
        attempts.append(time.monotonic())
        return OpenCVSource("/dev/video97")

    states: list[str] = []
    capture = Capture(factory, on_state=lambda s, d: states.append(s), backoff=(0.05, 0.1)).start()
    assert wait_for(lambda: len(attempts) >= 3)
    assert capture.state == "no_camera" and "no camera" in capture.detail
    assert capture.latest() is None and capture.frames == 0
    t = time.monotonic()
    capture.stop()
    assert time.monotonic() - t < 0.5
    assert states == ["no_camera", "stopped"]
    gaps = np.diff(attempts)
    assert all(g >= 0.04 for g in gaps)  # back-off between attempts, no busy loop


def test_no_frames_for_a_while_is_lost_too() -> None:
    class Silent(CountingSource):
        def __init__(self) -> None:
            super().__init__()
            self.silent_until = 0.0

        def read(self) -> np.ndarray | None:
            if self.n == 10 and not self.silent_until:
                self.silent_until = time.monotonic() + 0.7
            if time.monotonic() < self.silent_until:
                time.sleep(0.01)
                return None  # "no frame right now", for longer than lost_after
            return super().read()

    source = Silent()
    states: list[str] = []
    with Capture(source, on_state=lambda s, d: states.append(s), **FAST):
        assert wait_for(lambda: states.count("ok") >= 2, timeout=4), states
    assert states[:3] == ["ok", "lost", "ok"]


def test_a_hanging_read_is_reported_lost_by_the_watchdog() -> None:
    class Hangs(CountingSource):
        def read(self) -> np.ndarray | None:
            if self.n == 5:
                self.n += 1
                time.sleep(0.9)  # a driver stuck after the cable was pulled
            return super().read()

    states: list[str] = []
    with Capture(Hangs(), on_state=lambda s, d: states.append(s), **FAST):
        assert wait_for(lambda: states.count("ok") >= 2, timeout=4), states
    assert states[:3] == ["ok", "lost", "ok"]


def test_latest_keeps_only_the_newest_frame() -> None:
    source = CountingSource(period=0.001)
    capture = Capture(source).start()
    try:
        assert wait_for(lambda: capture.latest() is not None)
        seen = []
        for _ in range(20):
            got = capture.latest()
            assert got is not None
            seen.append(got[0])
            time.sleep(0.002)
        assert seen == sorted(seen)  # never an older frame than before
        time.sleep(0.3)  # a slow consumer: the producer runs on
        fid, frame, t = capture.latest()  # type: ignore[misc]
        assert fid > seen[-1] + 10
        assert abs(fid - capture.frames) <= 1  # what we get is the newest, not a queued old one
        assert int(frame[0, 0, 0]) == fid % 256 or int(frame[0, 0, 0]) == (fid + 1) % 256
        assert time.monotonic() - t < 0.1
    finally:
        capture.stop()
    del frame
    gc.collect()
    alive = sum(ref() is not None for ref in source.given)
    assert len(source.given) > 100 and alive <= 2  # no queue of frames anywhere: memory does not grow


def test_wait_newer_gives_each_consumer_fresh_frames() -> None:
    with Capture(CountingSource(period=0.01)) as capture:
        first = capture.wait_newer(0, timeout=2)
        assert first is not None
        second = capture.wait_newer(first[0], timeout=2)
        assert second is not None and second[0] > first[0]
        assert capture.wait_newer(10**9, timeout=0.05) is None  # times out, does not hang


def test_capture_survives_a_broken_state_listener() -> None:
    def listener(state: str, detail: str) -> None:
        raise RuntimeError("listener bug")

    with Capture(CountingSource(), on_state=listener) as capture:
        assert wait_for(lambda: capture.frames > 5)
        assert capture.state == "ok"


def test_folder_source_cycles_through_the_images(tmp_path: Path) -> None:
    colours = [(0, 0, 255), (0, 255, 0), (255, 0, 0)]
    for i, c in enumerate(colours):
        cv2.imwrite(str(tmp_path / f"{i:02d}.png"), np.full((40, 60, 3), c, np.uint8))
    (tmp_path / "01b.png").write_bytes(b"not a png")  # skipped, with a warning
    (tmp_path / "notes.txt").write_text("not an image")
    gray = np.full((10, 10), 77, np.uint8)
    cv2.imwrite(str(tmp_path / "03.png"), gray)
    source = FolderSource(tmp_path, fps=100, realtime=False)
    assert "4 images" in source.describe() or "5 images" in source.describe()
    source.open()
    frames = [source.read() for _ in range(8)]
    source.close()
    got = [tuple(int(v) for v in f[0, 0]) for f in frames]  # type: ignore[index]
    assert got == [(0, 0, 255), (0, 255, 0), (255, 0, 0), (77, 77, 77)] * 2
    assert all(f.shape[2] == 3 and f.dtype == np.uint8 for f in frames)  # type: ignore[union-attr]


def test_folder_source_paces_and_refuses_an_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="no images"):
        FolderSource(tmp_path).open()
    with pytest.raises(SourceUnavailable, match="no such folder"):
        FolderSource(tmp_path / "missing").open()
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((4, 4, 3), np.uint8))
    source = FolderSource(tmp_path, fps=20)
    source.open()
    t = time.monotonic()
    for _ in range(6):
        source.read()
    assert 0.2 <= time.monotonic() - t <= 1.0  # ~20 fps


def test_video_file_source_plays_and_loops(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (64, 48))
    if not writer.isOpened():
        pytest.skip("this OpenCV build cannot write video files")
    for i in range(5):
        writer.write(np.full((48, 64, 3), i * 50, np.uint8))
    writer.release()
    source = parse_source(str(path), fps=1000)
    assert isinstance(source, OpenCVSource) and source.kind == "file"
    source.open()
    levels = [int(source.read()[0, 0, 0]) for _ in range(7)]  # type: ignore[index]
    source.close()
    assert [round(v / 50) for v in levels] == [0, 1, 2, 3, 4, 0, 1]  # starts again at the end
    with pytest.raises(SourceLost):
        source.read()  # closed


def test_parse_source_picks_the_right_kind(tmp_path: Path) -> None:
    cam = parse_source("0")
    assert isinstance(cam, OpenCVSource) and cam.kind == "device" and cam.target == 0
    assert parse_source("/dev/video2").kind == "device"  # type: ignore[attr-defined]
    url = parse_source("rtsp://officer:secret@10.0.0.5/stream1")
    assert isinstance(url, OpenCVSource) and url.kind == "url"
    assert "secret" not in url.describe()  # no password on screens or in logs
    assert parse_source("https://cam.local/video.mjpg").kind == "url"  # type: ignore[attr-defined]
    assert isinstance(parse_source(str(tmp_path)), FolderSource)
    image = tmp_path / "permit.jpg"
    cv2.imwrite(str(image), np.zeros((4, 4, 3), np.uint8))
    assert isinstance(parse_source(str(image)), FolderSource)
    with pytest.raises(SourceUnavailable):
        parse_source(str(tmp_path / "nothing-here.mp4"))
    with pytest.raises(SourceUnavailable):
        parse_source("  ")
    with pytest.raises(SourceUnavailable):
        parse_source(f"sim:{tmp_path / 'no-demo'}")


def test_parse_source_sim_with_demo_data(tmp_path: Path) -> None:
    import json

    from conftest import make_permit

    from sync.protocol.keys import generate
    from sync.protocol.permit import encode

    key = generate()
    texts = [encode(make_permit(number=f"KH-BTB-2026-00000{i}"), key) for i in range(2)]
    (tmp_path / "cases.json").write_text(json.dumps([{"number": None, "text": t, "label": "valid"} for t in texts]))
    sim = parse_source(f"sim:{tmp_path}", fps=15)
    assert isinstance(sim, SimulatedCamera) and [c.text for c in sim.cards] == texts
    assert sim.fps == 15 and sim.cards[0].number == "KH-BTB-2026-000000"


def test_missing_camera_cannot_be_opened() -> None:
    with pytest.raises(SourceUnavailable, match="no camera at /dev/video97"):
        OpenCVSource("/dev/video97").open()
    with pytest.raises(SourceUnavailable, match="no such video file"):
        OpenCVSource("/nonexistent/clip.mp4").open()
    source = OpenCVSource("0")
    with pytest.raises(SourceLost):
        source.read()  # never opened
    source.close()
    source.close()  # twice is fine


def test_list_cameras_is_a_list_even_without_cameras() -> None:
    t = time.monotonic()
    cams = list_cameras()
    assert isinstance(cams, list)
    for cam in cams:
        assert {"index", "source", "name"} <= set(cam)
    if not Path("/dev/video0").exists():
        assert cams == [] and time.monotonic() - t < 1.0


def test_capture_is_threads_not_a_blocked_caller() -> None:
    class SlowOpen(CountingSource):
        def open(self) -> None:
            time.sleep(0.5)  # a camera that takes its time to start

    t = time.monotonic()
    capture = Capture(SlowOpen()).start()
    assert time.monotonic() - t < 0.05 and capture.state == "starting" and capture.latest() is None
    assert capture.fps == 0.0
    capture.stop(timeout=1.0)
    assert time.monotonic() - t < 1.2
    assert capture._thread is not None and not capture._thread.is_alive() and not capture.running
