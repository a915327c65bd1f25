"""Run an HQ server on 127.0.0.1 as a child process (for `booth demo`; only the demo runs one).

A child process rather than a thread: the HQ is a separate program in real life, its event
loop and database connections then never share an interpreter with the booth's Qt GUI, and
stopping it cannot leave anything half-finalised in the booth's process.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from sync.hq.errors import HQError


@dataclass
class LocalHQ:
    url: str
    process: subprocess.Popen

    @classmethod
    def start(cls, hq_dir: Path, *, timeout: float = 30.0) -> LocalHQ:
        """Serve ``hq_dir`` on a free loopback port; return once it answers."""
        port = _free_port()
        command = [
            sys.executable,
            "-m",
            "sync.hq.cli",
            "--data-dir",
            str(hq_dir),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                lines = process.stderr.read().decode(errors="replace").strip().splitlines() if process.stderr else []
                raise HQError(f"the local HQ server stopped: {lines[-1] if lines else 'no message'}")
            try:
                if httpx.get(f"{url}/v1/time", timeout=1.0).status_code == 200:
                    return cls(url, process)
            except httpx.HTTPError:
                time.sleep(0.1)
        process.kill()
        raise HQError("the local HQ server did not start in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
