"""``booth camera``: list the cameras, and test one (frames per second, what it reads).

Imports no Qt; OpenCV only when a camera is opened.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

import click

from booth.cli_support import Group, fail, print_json

__all__ = ["camera"]

NO_CAMERA_GRACE = 2.0  # seconds of "no_camera" (nothing opens) before `camera test` gives up


@click.group(cls=Group)
def camera() -> None:
    """Cameras: list them, or test one (frames per second and the QR codes it reads).

    \b
    Example:
      booth camera list
      booth camera test --source 0 --seconds 10
    """


@camera.command("list")
@click.option(
    "--max-index",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Look at camera indexes 0 .. N-1 (/dev/video0 .. on Linux).",
)
@click.option("--no-probe", is_flag=True, help="Only list the devices; do not open them.")
def camera_list(max_index: int, no_probe: bool) -> None:
    """One JSON line per camera (index, source to pass as --source, name, whether it gives
    frames, resolution); a message on stderr when there is none.

    Example: booth camera list
    """
    from booth.scan.sources import list_cameras

    cams = list_cameras(max_index, probe=not no_probe)
    if not cams:
        click.echo(
            "no camera found (no /dev/video* device, or none that opens); try --source sim for the simulated camera",
            err=True,
        )
        return
    for cam in cams:
        print_json(cam)


@camera.command("test")
@click.option(
    "--source",
    "-s",
    "source_spec",
    default="0",
    show_default=True,
    help="Camera index, /dev/videoN, video file, rtsp:// or http(s):// URL, image folder, "
    "sim (simulated camera with fresh demo permits) or sim:DEMO_DIR.",
)
@click.option(
    "--seconds", "-n", type=click.FloatRange(0.5, 3600), default=10.0, show_default=True, help="How long to run."
)
@click.option("--no-decode", is_flag=True, help="Only count frames; do not look for QR codes.")
def camera_test(source_spec: str, seconds: float, no_decode: bool) -> None:
    """Run the camera for a while: print its frame rate every second and each QR text it
    reads (once, with the time), then one JSON summary line.

    \b
    Example:
      booth camera test --source 0 --seconds 10
      booth camera test --source sim --seconds 20
      booth camera test --source rtsp://192.168.1.20/stream1
    """
    from booth.demo.cards import fresh_demo_cards
    from booth.scan.capture import NO_CAMERA, OK, Capture
    from booth.scan.sources import parse_source

    source = parse_source(source_spec, demo_cards=fresh_demo_cards)  # SourceUnavailable -> one clear line
    decoder, decoder_name = (None, "none") if no_decode else _decoder()
    states: list[dict[str, Any]] = []
    t0 = time.monotonic()

    def on_state(state: str, detail: str) -> None:
        states.append({"t": round(time.monotonic() - t0, 2), "state": state, "detail": detail})
        click.echo(f"{time.monotonic() - t0:7.2f} s  camera {state}{': ' + detail if detail else ''}")

    capture = Capture(source, on_state=on_state)
    seen: dict[str, dict[str, Any]] = {}
    decode_ms: list[float] = []
    decoded_frames = 0
    last_id = 0
    next_report = 1.0
    frames_at_report = 0
    capture.start()
    try:
        while True:
            elapsed = time.monotonic() - t0
            if elapsed >= seconds:
                break
            if capture.state == NO_CAMERA and capture.frames == 0 and elapsed > NO_CAMERA_GRACE:
                break  # nothing to test: say so now rather than after --seconds
            if elapsed >= next_report:
                frames = capture.frames
                click.echo(f"{elapsed:7.2f} s  {capture.fps:5.1f} fps  {frames} frames (+{frames - frames_at_report})")
                frames_at_report = frames
                next_report += 1.0
            got = capture.wait_newer(last_id, timeout=min(0.2, max(0.0, seconds - elapsed)))
            if got is None:
                continue
            last_id, frame, _t = got
            if decoder is None:
                continue
            start = time.perf_counter()
            found = decoder(frame)
            decode_ms.append((time.perf_counter() - start) * 1000)
            if found:
                decoded_frames += 1
            for text, how in found:
                if text in seen:
                    seen[text]["frames"] += 1
                    continue
                at = round(time.monotonic() - t0, 2)
                seen[text] = {"t": at, "text": text, "decoder": how, "frames": 1, "permit": _permit_number(text)}
                label = seen[text]["permit"] or "not a permit"
                click.echo(f"{at:7.2f} s  read {label}: {_short(text)}")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
    finally:
        capture.stop()
    elapsed = time.monotonic() - t0
    frames = capture.frames
    summary = {
        "source": capture.describe() or source.describe(),
        "seconds": round(elapsed, 2),
        "frames": frames,
        "fps": round(frames / elapsed, 1) if elapsed > 0 else 0.0,
        "decoder": decoder_name,
        "decoded_frames": decoded_frames,
        "decode_ms_p50": _pct(decode_ms, 50),
        "decode_ms_p95": _pct(decode_ms, 95),
        "texts": list(seen.values()),
        "states": states,
        "reconnects": capture.reconnects,
    }
    print_json(summary)
    if frames == 0:
        reached = {s["state"] for s in states}
        why = next((s["detail"] for s in reversed(states) if s["detail"]), "no frames")
        fail(f"{'no camera' if NO_CAMERA in reached and OK not in reached else 'no frames'}: {why}")


def _decoder() -> tuple[Any, str]:
    """A function frame -> [(text, decoder name)]: the decoding cascade, or None (frames only)
    where the decoders are not installed."""
    try:
        from booth.scan.cascade import Cascade
    except ImportError:
        click.echo("no QR decoder available: counting frames only", err=True)
        return None, "none"
    cascade = Cascade.default()
    return (lambda frame: [(d.text, d.decoder) for d in cascade.decode(frame)]), "cascade"


def _permit_number(text: str) -> str | None:
    try:
        from sync.protocol.permit import decode

        return decode(text).permit.number
    except Exception:
        return None


def _short(text: str, n: int = 48) -> str:
    shown = json.dumps(text, ensure_ascii=False)[1:-1]
    return shown if len(shown) <= n else f"{shown[:n]}… ({len(text)} chars)"


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 2)


COMMANDS = (camera,)
