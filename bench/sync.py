"""Sync benchmark: prints one JSON object.

A booth with a backlog of 100,000 realistic records (10,000 with --quick) pushes it to a
real HQ server on 127.0.0.1 (uvicorn in a subprocess, so its CPU time is its own), through
``SyncClient.push_all`` with its adaptive batches (500 doubling up to 5,000), receipts
checked and acknowledgements recorded as in the field. Measured:

- records/s end to end (target >= 5,000/s): from the first request to the last receipt
  recorded, reading, sealing, sending, HQ checking and storing, and the booth recording;
- bytes on the wire per record (target <= 150): request bodies as sent (the zlib-compressed
  signed batches); answers (receipts) are reported apart;
- HQ CPU per record: user + system CPU of the server process (/proc/PID/stat) over the push;
  the booth's CPU per record (this process) too, and the sealing alone.

The backlog is made as bench/ledger.py makes its ledgers: ``Traffic`` (scans with Khmer and
Thai holders, rejections, overrides, audit events) sealed onto the chain in Python and
bulk-inserted, after a real enrolment. Run once on SQLite (the sync store in the HQ data dir)
and, when BOOTH_TEST_PG_URL is set, on PostgreSQL (in a fresh schema, dropped afterwards).

Run: .venv/bin/python bench/sync.py [--quick]
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import ledger as ledger_bench  # noqa: E402 - bench/ledger.py: realistic traffic, bulk sealing

from booth.ledger.store import _INSERT  # noqa: E402
from booth.service import Booth  # noqa: E402
from sync.client import SyncClient  # noqa: E402
from sync.hq.facade import HQ  # noqa: E402
from sync.protocol.batch import make_batch, seal_batch  # noqa: E402
from sync.protocol.bundle import Checkpoint  # noqa: E402
from sync.protocol.keys import load_private  # noqa: E402
from sync.protocol.times import DAY  # noqa: E402

BOOTH_ID, CHECKPOINT = ledger_bench.BOOTH_ID, ledger_bench.CHECKPOINT
SERVER = """
import sys, uvicorn
from pathlib import Path
from sync.hq.server import create_app
uvicorn.run(create_app(Path(sys.argv[1]), sys.argv[3] or None), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning")
"""
TICKS = os.sysconf("SC_CLK_TCK")


class CountingTransport(httpx.HTTPTransport):
    """The real transport, counting request and answer body bytes."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = self.received = self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        self.sent += len(request.content)
        response = super().handle_request(request)
        response.read()
        self.received += len(response.content)
        return response


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(hq_dir: Path, database_url: str | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(hq_dir), str(port), database_url or ""],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"HQ server died: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{url}/v1/time", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("HQ server did not start")


def pg_schema(base_url: str) -> tuple[str, object]:
    """A fresh PostgreSQL schema for this run: (URL using it, drop function)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"booth_bench_{secrets.token_hex(4)}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()

    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={name}"})
    return url.render_as_string(hide_password=False), drop


def make_backlog(booth: Booth, count: int) -> float:
    """Append ``count`` realistic records after the booth's head, in bulk; return seconds."""
    t0 = time.perf_counter()
    ledger = booth.ledger
    seq, head = ledger.head()
    traffic = ledger_bench.Traffic(count)
    traffic.seq = seq
    for rows in ledger_bench.sealed_chunks(traffic, count, head):
        with ledger.transaction():
            ledger.con.executemany(_INSERT, rows)
    return time.perf_counter() - t0


def seal_only(booth: Booth, first: int, last: int, size: int = 5000) -> float:
    """Read and seal first..last in batches of ``size``, sending nothing: the booth's share."""
    key = load_private(booth.data_dir / "keys" / "booth.pem")
    t0 = time.perf_counter()
    for start in range(first, last + 1, size):
        seal_batch(make_batch(list(booth.ledger.records(start, min(last, start + size - 1)))), key)
    return time.perf_counter() - t0


def run(count: int, database: str | None) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="booth-bench-sync-", dir="/tmp"))
    url, drop = pg_schema(database) if database else (None, None)
    server = None
    try:
        now = int(time.time())
        hq = HQ(folder / "hq", url)
        fingerprint = hq.init()
        hq.add_checkpoint(Checkpoint(CHECKPOINT, "KH", "Phnom Dei", "ភ្នំដី", "พนมดี"))
        hq.add_issuer("KH-BTB-01", name="Battambang permit office", not_before=now - 365 * DAY)
        token = hq.sync_store.add_booth(BOOTH_ID, CHECKPOINT, now=now)
        hq.build_bundle(now=now)
        server, base = start_server(folder / "hq", url)
        booth = Booth.init(folder / "booth", booth_id=BOOTH_ID, checkpoint=CHECKPOINT)
        SyncClient(booth, base).enrol(token, pin=fingerprint)
        SyncClient(booth, base).push_all()  # the enrolment's own records: the backlog starts clean
        acked = booth.ledger.acked_seq()
        build_s = make_backlog(booth, count)
        head = booth.ledger.head()[0]
        sealing_s = seal_only(booth, acked + 1, head)

        transport = CountingTransport()
        client = SyncClient(booth, base, transport=transport)
        cpu0, mine0, t0 = process_cpu(server.pid), time.process_time(), time.perf_counter()
        pushes = client.push_all()
        seconds = time.perf_counter() - t0
        hq_cpu, booth_cpu = process_cpu(server.pid) - cpu0, time.process_time() - mine0
        pushed = sum(p.sent for p in pushes)
        at_hq = hq.sync_store.booth(BOOTH_ID)
        ok = (
            pushed == count
            and at_hq.acked_seq == head == booth.ledger.acked_seq()
            and (at_hq.head_hash == booth.ledger.head()[1])
        )
        rate = pushed / seconds
        per_record = transport.sent / pushed
        client.close()
        hq.close()
        booth.close()
        return {
            "records": pushed,
            "all_at_hq_and_acked": ok,
            "seconds": round(seconds, 2),
            "records_per_s": round(rate),
            "batches": [p.sent for p in pushes if p.sent],
            "requests": transport.requests,
            "wire_bytes_per_record": round(per_record, 1),
            "request_bytes": transport.sent,
            "receipt_bytes_total": transport.received,
            "hq_cpu_s": round(hq_cpu, 2),
            "hq_cpu_us_per_record": round(hq_cpu / pushed * 1e6, 1),
            "booth_cpu_us_per_record": round(booth_cpu / pushed * 1e6, 1),
            "booth_read_and_seal_only_records_per_s": round(count / sealing_s),
            "backlog_build_s": round(build_s, 1),
            "targets": {"records_per_s_ge_5000": rate >= 5000, "wire_bytes_per_record_le_150": per_record <= 150},
        }
    finally:
        if server is not None:
            server.kill()
            server.wait(10)
        if drop is not None:
            drop()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    quick = "--quick" in sys.argv
    count = 10_000 if quick else 100_000
    out = {
        "bench": "sync",
        "quick": quick,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "sqlite": run(count, None),
    }
    pg = os.environ.get("BOOTH_TEST_PG_URL")
    out["postgresql"] = run(count, pg) if pg else "skipped: set BOOTH_TEST_PG_URL"
    out["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
