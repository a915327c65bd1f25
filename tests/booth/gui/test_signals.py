"""`booth run` stops cleanly on Ctrl-C and on a service manager's SIGTERM: no traceback, the
ledger closed (its chain still verifies), exit 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from booth.service import Booth

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_booth_run_stops_cleanly_on_a_signal(demo, sig: signal.Signals) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    camera = f"sim:{demo.data.cases_file}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "booth.cli", "--data-dir", str(demo.booth_dir), "run", "--camera", camera],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:  # up when the ledger shows its start
            time.sleep(0.5)
            if any(p.name.endswith("-wal") for p in demo.booth_dir.iterdir()):
                break
        time.sleep(2)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    booth = Booth(demo.booth_dir)
    try:
        assert booth.verify_chain().ok
    finally:
        booth.close()
