"""The simulated camera: real permit cards, held up like a hand would, read end to end."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp

from booth.scan.capture import Capture
from booth.scan.errors import SourceLost, SourceUnavailable
from booth.scan.simcam import (
    FRAME_H,
    FRAME_W,
    CardSpec,
    SimulatedCamera,
    card_image,
    cards_from_demo,
    qr_for,
)
from sync.hq.demo_data import make_demo_data

NOW = 1_790_000_000
SEED = 11  # the scene's seed for the end-to-end runs


@pytest.fixture(scope="module")
def demo_cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = make_demo_data(tmp_path_factory.mktemp("sim") / "demo", seed=3, now=NOW, cards=False)
    return data.cases_file


@pytest.fixture(scope="module")
def cards(demo_cases: Path) -> list[CardSpec]:
    every = cards_from_demo(demo_cases)
    # a permit with a photo (the biggest QR, version 25), two without, and a web address
    pick = [every[0], every[1], every[4]] + [c for c in every if c.text.startswith("https://")]
    return pick


def _decoder():
    """The project's cascade when it is there, else zxing-cpp alone (QR model 2 only)."""
    try:
        from booth.scan.cascade import Cascade

        cascade = Cascade.default()
        return lambda frame: [d.text for d in cascade.decode(frame)]
    except ImportError:
        fmt = getattr(zxingcpp, "QRCodeModel2", zxingcpp.BarcodeFormat.QRCode)
        return lambda frame: [
            r.text for r in zxingcpp.read_barcodes(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), formats=fmt)
        ]


def test_cards_from_demo_keeps_every_case(demo_cases: Path) -> None:
    every = cards_from_demo(demo_cases)
    assert len(every) == 43  # all of them: valid, rejected and unreadable ones alike
    assert cards_from_demo(demo_cases.parent) == every  # the folder works too
    permits = [c for c in every if c.family_name]
    assert len(permits) >= 38 and all(c.number and c.native_name for c in permits)
    raw = [c for c in every if not c.family_name]
    assert {c.label for c in raw} == {"bad_format", "unreadable"}
    url = next(c for c in raw if c.text.startswith("https://"))
    assert qr_for(url.text).mode == "byte"  # lower case: byte mode
    assert qr_for(permits[0].text).mode == "alphanumeric" and qr_for(permits[0].text).error == "Q"


def test_missing_demo_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="cannot read demo cases"):
        cards_from_demo(tmp_path / "nothing.json")


def test_card_image_is_an_id1_card_with_a_readable_qr(cards: list[CardSpec]) -> None:
    for spec in cards:
        img = card_image(spec)
        assert img.dtype == np.uint8 and img.shape == (648, 1027, 4)
        assert img[0, 0, 3] == 0 and img[324, 513, 3] == 255  # rounded corners, opaque inside
        bgr = np.ascontiguousarray(img[:, :, :3])
        found = zxingcpp.read_barcodes(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
        assert spec.text in [r.text for r in found]


def test_frames_are_deterministic_and_realistic(cards: list[CardSpec]) -> None:
    a = SimulatedCamera(cards, seed=SEED, realtime=False)
    b = SimulatedCamera(cards, seed=SEED, realtime=False)
    hold = a.holds(until=10)[0]
    n = int((hold[1] + 0.5) * a.fps)
    fa, ia = a.render(n)
    fb, ib = b.render(n)
    assert fa.shape == (FRAME_H, FRAME_W, 3) and fa.dtype == np.uint8
    assert np.array_equal(fa, fb) and ia.text == ib.text == cards[0].text and ia.phase == "hold"
    assert not np.array_equal(fa, SimulatedCamera(cards, seed=SEED + 1, realtime=False).render(n)[0])
    assert a.info(n).text == ia.text and a.info(n).phase == "hold"
    assert 0.45 * FRAME_W <= ia.card_width <= 0.7 * FRAME_W  # a card held up close, as at a booth
    assert a.info(0).phase == "gap" and a.info(0).text is None  # an empty desk first


def test_timeline_enter_hold_leave(cards: list[CardSpec]) -> None:
    cam = SimulatedCamera(cards, fps=30, seed=SEED, realtime=False, loop=False)
    holds = cam.holds(until=1e9)
    assert [h[0] for h in holds] == [c.text for c in cards]  # every card once, in order
    for _, start, end in holds:
        assert 1.5 <= end - start <= 2.0
    phases = [cam.info(n).phase for n in range(cam.frames_per_pass)]
    assert {"gap", "enter", "hold", "leave"} <= set(phases)
    assert cam.info(cam.frames_per_pass + 100).phase == "gap"  # no loop: an empty desk after the last


def test_realtime_paces_at_fps_and_reports_what_it_shows(cards: list[CardSpec]) -> None:
    cam = SimulatedCamera(cards, fps=20, seed=SEED)
    with pytest.raises(SourceLost):
        cam.read()  # not open
    cam.open()
    start = time.monotonic()
    frames = [cam.read() for _ in range(10)]
    elapsed = time.monotonic() - start
    assert 0.35 <= elapsed <= 1.5  # ~20 fps, not as fast as it can render
    infos = [cam.info_for(f) for f in frames]
    assert all(i is not None for i in infos) and infos[-1] == cam.current
    numbers = [i.index for i in infos]  # type: ignore[union-attr]
    assert numbers == sorted(set(numbers)) and numbers[-1] >= 9  # a late reader makes it skip, as a camera does
    assert cam.info_for(np.zeros((2, 2, 3), np.uint8)) is None
    cam.unplug()
    with pytest.raises(SourceLost):
        cam.read()
    with pytest.raises(SourceUnavailable):
        cam.open()
    cam.plug()
    cam.open()
    assert cam.read() is not None
    cam.close()


def test_every_frame_of_a_pass_is_read_right_or_not_at_all(cards: list[CardSpec]) -> None:
    """Offline, frame by frame: the decoder never reads a text that is not shown, and reads
    each card in most frames of its hold."""
    decode = _decoder()
    cam = SimulatedCamera(cards, fps=10, seed=SEED, realtime=False, loop=False)
    hold_frames: dict[str, int] = {}
    hold_read: dict[str, int] = {}
    for n in range(cam.frames_per_pass):
        frame, info = cam.render(n)
        texts = decode(frame)
        assert set(texts) <= ({info.text} if info.text else set()), (n, info.phase, texts)
        if info.phase == "hold":
            hold_frames[info.text] = hold_frames.get(info.text, 0) + 1
            hold_read[info.text] = hold_read.get(info.text, 0) + (info.text in texts)
    assert set(hold_frames) == {c.text for c in cards}
    rate = sum(hold_read.values()) / sum(hold_frames.values())
    assert rate >= 0.75, rate
    assert all(hold_read[t] >= 3 for t in hold_frames)


def test_end_to_end_through_capture(cards: list[CardSpec]) -> None:
    """Permits in, verdict-ready texts out: the capture thread reads the simulated camera, a
    worker decodes the newest frame, a debouncer reports each permit once."""
    try:
        from booth.scan.debounce import Debouncer
    except ImportError:  # pragma: no cover - the debouncer is built alongside
        Debouncer = None
    decode = _decoder()
    # 10 frames per scene second, rendered as fast as the machine goes: a 30 fps camera's
    # worth of frames would only make the test slower, the consumer skips most of them anyway
    cam = SimulatedCamera(cards, fps=10, seed=SEED, realtime=False, loop=False)
    end_t = cam.duration
    reported: list[str] = []
    decoded_in_hold: set[str] = set()
    stray: list[tuple[int, str | None, list[str]]] = []
    seen_last: dict[str, float] = {}
    debouncer = Debouncer(3.0) if Debouncer else None
    capture = Capture(cam)
    capture.start()
    try:
        last_id = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            got = capture.wait_newer(last_id, timeout=1.0)
            assert got is not None, capture.stats()
            assert got[0] > last_id  # ids only grow
            last_id, frame, _ = got
            info = cam.info_for(frame)
            assert info is not None
            if info.t > end_t:
                break
            texts = decode(frame)
            if set(texts) - {info.text}:
                stray.append((info.index, info.text, texts))
            for text in texts:
                if info.phase == "hold":
                    decoded_in_hold.add(text)
                if debouncer is not None:
                    if debouncer.accept(text, info.t):  # scene time: independent of the machine's speed
                        reported.append(text)
                elif text not in seen_last or info.t - seen_last[text] >= 3.0:
                    reported.append(text)
                seen_last[text] = info.t
    finally:
        capture.stop()
    assert capture.state == "stopped"
    assert not stray
    shown = [c.text for c in cards]
    assert decoded_in_hold == set(shown)  # each card read while it was held up
    assert reported == shown  # each reported once, in the order shown: no duplicates


def test_capture_keeps_up_with_the_realtime_camera(cards: list[CardSpec]) -> None:
    cam = SimulatedCamera(cards, fps=30, seed=SEED)
    states: list[str] = []
    with Capture(cam, on_state=lambda s, d: states.append(s)) as capture:
        time.sleep(1.2)
        fps = capture.fps
        frames = capture.frames
    assert states[0] == "ok" and states[-1] == "stopped"
    assert 15 <= fps <= 40 and 15 <= frames <= 45  # paced at 30 fps (not faster), and keeping up


def test_capture_thread_leaves_the_caller_free(cards: list[CardSpec]) -> None:
    cam = SimulatedCamera(cards, fps=30, seed=SEED)
    capture = Capture(cam)
    t = time.monotonic()
    capture.start()
    assert time.monotonic() - t < 0.1
    assert capture.latest() is None or capture.latest()[0] >= 1
    t = time.monotonic()
    capture.stop()
    assert time.monotonic() - t < 1.0
    assert capture._thread is not None and not capture._thread.is_alive()


def test_a_frame_costs_the_frame_and_little_more(cards: list[CardSpec]) -> None:
    """The card is drawn in 8 bits in buffers reused from frame to frame: a frame allocates
    its own 2.7 MB and little else (fresh float buffers were ~50 MB a frame, in sizes that
    changed from frame to frame, and fragmented the GUI's malloc heap)."""
    cam = SimulatedCamera(cards, fps=10, seed=SEED, realtime=False, loop=False)
    worst, phases = 0, set()
    tracemalloc.start()
    try:
        for n in range(cam.frames_per_pass):
            cam.render(n)  # what a cycle draws once (its card, its glare) is drawn now
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            frame, info = cam.render(n)
            worst = max(worst, tracemalloc.get_traced_memory()[1] - before - frame.nbytes)
            phases.add(info.phase)
    finally:
        tracemalloc.stop()
    assert {"enter", "hold", "leave"} <= phases  # moving (motion blur) and held cards alike
    assert worst < 1 << 20, worst


def test_a_camera_left_running_keeps_its_timeline_small(cards: list[CardSpec]) -> None:
    """A booth's camera runs all day: the cycles it has shown are not kept (they follow from
    the seed), only when each started."""
    cam = SimulatedCamera(cards, seed=SEED, realtime=False)
    early = [cam.info(n) for n in (0, 40, 80)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        late = cam.info(int(3 * 3600 * cam.fps))  # three hours on: ~4,000 cards held up
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert late.cycle > 3000 and grown < 200_000, grown  # ~2.5 KB a cycle when every cycle was kept
    assert [cam.info(n) for n in (0, 40, 80)] == early  # the early cycles, planned again, are the same
    assert SimulatedCamera(cards, seed=SEED, realtime=False).info(late.index) == late


def test_a_frame_is_never_drawn_over_while_someone_holds_it(cards: list[CardSpec]) -> None:
    """Frame buffers are used again (a fresh 2.7 MB, 30 times a second, churned the heap), but
    only once no one holds the frame, nor a view of it (a crop, a memoryview)."""
    cam = SimulatedCamera(cards, seed=SEED, realtime=False)
    n = int((cam.holds(until=10)[0][1] + 0.5) * cam.fps)
    kept = cam.render(n)[0]
    crop = cam.render(n + 1)[0][100:300, 200:400]
    raw = memoryview(cam.render(n + 2)[0])
    expected = [kept.copy(), crop.copy(), np.asarray(raw).copy()]
    others = [cam.render(m)[0] for m in range(n + 3, n + 13)]  # more frames than the pool keeps
    for m in range(n + 13, n + 60):
        cam.render(m)
    assert np.array_equal(kept, expected[0]) and np.array_equal(crop, expected[1])
    assert np.array_equal(np.asarray(raw), expected[2])
    assert len({id(f) for f in others}) == len(others) and not any(np.shares_memory(kept, f) for f in others)
