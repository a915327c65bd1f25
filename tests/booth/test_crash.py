"""kill -9 while scanning: every crossing the booth showed as recorded is in the ledger with
the hash it showed, and the chain still verifies (docs/formats.md §2).

A process kill leaves the OS's file buffers alone, so this checks that ``scan`` returns only
after its COMMIT and that a half-done transaction never shows up after recovery; power loss
(which also needs the fsyncs of synchronous=FULL) is not simulated here."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import NOW

from booth.clock import FixedClock
from booth.service import Booth
from sync.hq.facade import HQ
from sync.hq.holder_file import holder_from_json
from sync.protocol.times import DAY

ROUNDS = 50
PIN = "482913"
HOLDER = {
    "fn": "Sok",
    "gn": "Chantha",
    "dob": "1988-04-12",
    "sx": "F",
    "nat": "KHM",
    "doc": "N01234567",
    "res": "Kamrieng, Battambang",
    "cp": ["KH-PHD"],
    "zn": "Sa Kaeo",
    "stay": 7,
}

# Imports only booth.service and what it loads anyway (start-up is most of each round); prints "seq hash" after each
# scan returns, i.e. once the booth would show the crossing as recorded.
RUNNER = """\
import sys
from pathlib import Path
from booth.clock import FixedClock  # already loaded by booth.service
from booth.service import Booth

data_dir, officer, pin, now, permit = sys.argv[1:6]
booth = Booth(Path(data_dir), clock=FixedClock(int(now)))
session = booth.login(officer, pin)
i = 0
while True:
    text = "BP1:GGW" if i % 3 == 2 else permit  # valid entry, valid exit, rejected garbage, ...
    record = booth.scan(session, text, direction=("entry", "exit")[i % 2], channel="camera").record
    sys.stdout.write(f"{record.seq} {record.hash}\\n")
    sys.stdout.flush()
    i += 1
"""


def test_recorded_crossings_survive_kill_9(tmp_path: Path, hq: HQ, bundle_bytes: bytes) -> None:
    data_dir = tmp_path / "booth"
    booth = Booth.init(data_dir, booth_id="PHD-01", checkpoint="KH-PHD", clock=FixedClock(NOW))
    booth.install_bundle(bundle_bytes, pin=hq.root_fingerprint())
    booth.add_officer("Sok Dara", "officer", PIN)
    booth.close()
    permit = hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=365, now=NOW - DAY).text
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")]),
    }

    rng = random.Random(20260921)
    shown: dict[int, str] = {}
    rounds_with_scans = 0
    for _ in range(ROUNDS):
        proc = subprocess.Popen(
            [sys.executable, str(runner), str(data_dir), "Sok Dara", PIN, str(NOW), permit],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        time.sleep(rng.uniform(0.2, 1.0))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, err.decode()  # killed, not crashed on its own
        lines = [line for line in out.decode().splitlines(keepends=True) if line.endswith("\n")]
        printed = [(int(seq), digest) for seq, digest in (line.split() for line in lines)]
        rounds_with_scans += bool(printed)
        assert all(seq not in shown for seq, _ in printed)  # each run carries on from the last head
        shown.update(printed)

        booth = Booth(data_dir, clock=FixedClock(NOW))
        try:
            if booth.ledger.officer("Sok Dara").failed:
                # killed mid-login: the attempt was counted before its PIN was checked (fail closed)
                booth.unlock("Sok Dara")
            for seq, digest in printed:
                record = booth.ledger.record(seq)
                assert record is not None and record.hash == digest, f"scan {seq} shown as recorded is lost"
            report = booth.verify_chain()
            assert report.ok, report
            assert report.records >= max(shown, default=0)
        finally:
            booth.close()

    booth = Booth(data_dir, clock=FixedClock(NOW))
    assert all(booth.ledger.record(seq).hash == digest for seq, digest in shown.items())
    booth.close()
    assert rounds_with_scans >= ROUNDS // 5 and len(shown) >= 100  # kills landed in the scan loop, not only start-up
