"""`booth-hq serve` stops cleanly on Ctrl-C and on a service manager's SIGTERM: after a
graceful shutdown, exit 130 (interrupted) or 0 (stop asked for), no traceback, and the port and
database let go (a second server starts on the same folder at once)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sync.hq.facade import HQ


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "sync.hq.cli", "--data-dir", str(data_dir), "serve", "--port", str(port)]
    command += ["--no-dashboard", "--analyse-every", "0"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def wait_up(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()
        try:
            if httpx.get(f"{url}/v1/time", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the server did not come up")


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 0)], ids=["ctrl-c", "sigterm"])
def test_serve_stops_cleanly(hq: HQ, sig: signal.Signals, code: int) -> None:
    hq.close()
    for _ in range(2):  # the second run proves the first let go of the port and the database
        port = free_port()
        server = start(hq.paths.root, port)
        wait_up(f"http://127.0.0.1:{port}", server)
        server.send_signal(sig)
        out, err = server.communicate(timeout=30)
        assert server.returncode == code, err
        assert "Traceback" not in out + err and "Application shutdown complete" in err
