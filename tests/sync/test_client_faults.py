"""The sync guarantees under faults on the real wire: a misbehaving proxy, the client killed
with SIGKILL mid-push, HQ killed mid-batch and restarted. Every loop is bounded in count and
time; everything runs on 127.0.0.1."""

from __future__ import annotations

import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import NOW
from faultproxy import FaultProxy
from test_client_support import (
    World,
    add_records,
    assert_hq_has_everything,
    issue,
    make_world,
    officer_session,
    served_world,
)

from booth.clock import FixedClock
from booth.service import Booth
from sync.client import Backoff, BatchSize, SyncClient, SyncError
from sync.hq.facade import HQ

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(tmp_path: Path, hq: HQ) -> Iterator[World]:
    yield from served_world(tmp_path, hq)


def test_many_rounds_through_a_faulty_proxy_lose_and_repeat_nothing(world: World) -> None:
    SyncClient(world.booth, world.url).enrol(world.token, pin=world.fingerprint)
    proxy = FaultProxy(
        world.url,
        seed=2026,
        rates={"drop_request": 0.12, "drop_response": 0.12, "delay": 0.1, "duplicate": 0.12},
        max_delay=0.05,
    )
    client = SyncClient(world.booth, proxy.start(), batch=BatchSize(size=10, maximum=80))
    session = officer_session(world.booth)
    permits = [issue(world.hq, doc=f"N{i:08d}") for i in range(6)]
    rng = random.Random(5)
    inside: set[int] = set()
    failures = 0
    deadline = time.monotonic() + 40
    try:
        for round_no in range(45):
            for _ in range(rng.randint(0, 2)):  # real scans: verdicts, Khmer names, the chain
                p = rng.randrange(len(permits))
                direction = "exit" if p in inside else "entry"
                inside.symmetric_difference_update({p})
                world.clock.advance(rng.randint(1, 90))
                world.booth.scan(session, permits[p], direction=direction, channel="camera")
            if round_no % 9 == 0:
                add_records(world.booth, rng.randint(50, 200), note=f"round {round_no}")
            for _attempt in range(25):  # push between the scans, as a booth with a bad link would
                assert time.monotonic() < deadline, "the faulty link never let the booth catch up"
                try:
                    client.session()
                    break
                except SyncError:
                    failures += 1
        proxy.rates = dict.fromkeys(proxy.rates, 0.0)
        client.session()
    finally:
        proxy.stop()
        client.close()
    assert_hq_has_everything(world.hq, world.booth)
    assert all(proxy.counts[f] >= 3 for f in ("drop_request", "drop_response", "delay", "duplicate")), proxy.counts
    assert failures >= 5
    scans = [r for r in world.booth.ledger.records() if r.kind == "scan"]
    assert len(scans) >= 30


PUSHER = """
import sys, time
from pathlib import Path
from booth.service import Booth
from sync.client import BatchSize, SyncClient, SyncError
booth = Booth(Path(sys.argv[1]))
client = SyncClient(booth, sys.argv[2], batch=BatchSize(size=100, maximum=400))
print("ready", flush=True)
for _ in range(10_000):
    try:
        client.push_all()
        break
    except SyncError:
        time.sleep(0.02)
print("done", booth.ledger.acked_seq(), flush=True)
"""


def _pusher(booth_dir: Path, url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", PUSHER, str(booth_dir), url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_line(proc: subprocess.Popen, prefix: str, timeout: float) -> str:
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert result and result[0].startswith(prefix), f"pusher said {result!r}; stderr: {proc.stderr.read()[-2000:]}"
    return result[0]


def test_client_killed_mid_push_resumes_without_loss_or_repeat(world: World) -> None:
    SyncClient(world.booth, world.url).enrol(world.token, pin=world.fingerprint)
    add_records(world.booth, 6000)
    rng = random.Random(99)
    mid_push_kills = 0
    for kill in range(6):
        proc = _pusher(world.booth.data_dir, world.url)
        before = world.booth.ledger.acked_seq()
        _wait_line(proc, "ready", 30)
        if kill % 2:  # after its first acknowledged batch, so some kills surely land mid-push
            deadline = time.monotonic() + 20
            while world.booth.ledger.acked_seq() == before and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.05))
        else:  # anywhere: before the first request, mid-request, between HQ's answer and the ack
            time.sleep(rng.uniform(0.0, 0.35))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        acked, head = world.booth.ledger.acked_seq(), world.booth.ledger.head()[0]
        at_hq = world.hq.sync_store.booth(world.booth.ledger.booth_id).acked_seq
        assert acked <= at_hq <= head  # the booth never believes more than HQ holds
        mid_push_kills += 0 < acked < head
        add_records(world.booth, rng.randint(0, 300))  # the booth keeps recording meanwhile
    assert mid_push_kills >= 2
    proc = _pusher(world.booth.data_dir, world.url)
    _wait_line(proc, "ready", 30)
    done = _wait_line(proc, "done", 60)
    proc.wait(10)
    assert int(done.split()[1]) == world.booth.ledger.head()[0]
    assert_hq_has_everything(world.hq, world.booth)
    assert world.booth.verify_chain().ok


HQ_SERVER = """
import sys, uvicorn
from pathlib import Path
from sync.hq.server import create_app
uvicorn.run(create_app(Path(sys.argv[1])), host="127.0.0.1", port=int(sys.argv[2]), log_level="error")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spawn_hq(hq_dir: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HQ_SERVER, str(hq_dir), str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/time", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    proc.kill()
    raise AssertionError("HQ subprocess did not start")


def test_hq_killed_mid_batch_and_restarted(tmp_path: Path, hq: HQ) -> None:
    w = make_world(tmp_path, hq, serve=False)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = _spawn_hq(w.hq_dir, port)
    booth_id = w.booth.ledger.booth_id
    stop, outcomes = threading.Event(), []
    try:
        client = SyncClient(w.booth, url, batch=BatchSize(size=1000, maximum=5000))
        client.enrol(w.token, pin=w.fingerprint)
        add_records(w.booth, 30_000)

        def on_session(result, error, _wait) -> None:
            outcomes.append(error)
            if result is not None and result.acked_seq == result.head_seq:
                stop.set()

        worker = threading.Thread(
            target=client.run,
            args=(stop,),
            daemon=True,
            kwargs={"interval": 0.05, "on_session": on_session, "backoff": Backoff(base=0.05, cap=0.5)},
        )
        worker.start()
        deadline = time.monotonic() + 30
        while hq.sync_store.booth(booth_id).acked_seq == 0:  # HQ is storing batches now
            assert time.monotonic() < deadline and worker.is_alive()
            time.sleep(0.01)
        time.sleep(random.Random(4).uniform(0.02, 0.2))
        server.send_signal(signal.SIGKILL)  # mid-batch: no graceful anything
        server.wait(10)
        killed_at = hq.sync_store.booth(booth_id).acked_seq
        time.sleep(0.5)
        server = _spawn_hq(w.hq_dir, port)
        worker.join(40)
        assert not worker.is_alive() and stop.is_set()
    finally:
        stop.set()
        server.kill()
        server.wait(10)
    assert 0 < killed_at < w.booth.ledger.head()[0]
    assert any(isinstance(e, SyncError) for e in outcomes)  # it did notice HQ was gone
    assert_hq_has_everything(hq, w.booth)
    w.booth.close()


def test_ledger_stays_usable_by_another_process_during_a_push(world: World, tmp_path: Path) -> None:
    """A push never holds the ledger's write lock while on the wire: scans go on meanwhile."""
    SyncClient(world.booth, world.url).enrol(world.token, pin=world.fingerprint)
    add_records(world.booth, 20_000)
    proc = _pusher(world.booth.data_dir, world.url)
    _wait_line(proc, "ready", 30)
    other = Booth(world.booth.data_dir, clock=FixedClock(NOW), busy_timeout_ms=2000)
    for _ in range(20):
        add_records(other, 1)
    other.close()
    _wait_line(proc, "done", 60)
    proc.wait(10)
    SyncClient(world.booth, world.url).push_all()
    assert_hq_has_everything(world.hq, world.booth)
