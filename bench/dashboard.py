"""HQ dashboard pages over HTTP on the bench's 10-million-record stores: prints one JSON object.

Uses the stores ``bench/hq.py`` builds and keeps (run it first, same ``--records``/``--quick``
and ``--work-dir``; they are not rebuilt here). A fresh HQ data folder (root key, the twelve
checkpoints) is made in a temporary folder and the real server (``create_app``, uvicorn on
127.0.0.1, analytics timer off: ``bench/hq.py`` has run them) serves the store. One staff
member logs in, then each page is fetched ``--calls`` times with random arguments, one
request at a time, and timed from request sent to body read (httpx, keep-alive):

- ``overview``: ``/`` (today per checkpoint, people inside, booths, open alerts);
- ``alerts``: ``/alerts`` (open alerts, newest 100) and ``alerts_filtered``
  (``/alerts?state=all&checkpoint=..&kind=..``);
- ``permit``: ``/permits?q=NO`` of a random permit (its history across checkpoints);
- ``officer``: ``/officers?checkpoint=..&name=..`` of a random officer.

Target: p95 <= 200 ms for every page. The server's clock is set to the store's last day.

Run: .venv/bin/python bench/dashboard.py [--quick] [--records N] [--pg-url URL] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from hq import CHECKPOINTS, cached, percentiles, pg_url  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from sync.hq.dashboard.staff import Staff  # noqa: E402
from sync.hq.facade import HQ  # noqa: E402
from sync.hq.schema import alerts, booths, officer_stats  # noqa: E402
from sync.hq.server import create_app  # noqa: E402
from sync.hq.store import SyncStore  # noqa: E402
from sync.protocol.bundle import Checkpoint  # noqa: E402

PASSWORD = "bench password 1234"


def serve(data_dir: Path, url: str, now: int) -> tuple[str, uvicorn.Server, threading.Thread]:
    app = create_app(data_dir, url, clock=lambda: now, analyse_every=0)
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as tests/sync/hq_server.py: no 40 ms stalls
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


def log_in(client: httpx.Client, base: str) -> None:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)[1]
    answer = client.post(
        "/login", data={"csrf": token, "username": "bench", "password": PASSWORD}, headers={"origin": base}
    )
    assert answer.status_code == 303, answer.text


def timed_pages(client: httpx.Client, paths: list[str]) -> dict[str, Any]:
    ms = []
    for path in paths:
        t0 = time.perf_counter()
        answer = client.get(path)
        ms.append((time.perf_counter() - t0) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return percentiles(ms)


def run(url: str, permits: list[str], calls: int) -> dict[str, Any]:
    store = SyncStore(url)
    with store.engine.connect() as conn:
        now = max(b.last_seen or 0 for b in store.booths())
        officers = [tuple(r) for r in conn.execute(select(officer_stats.c.checkpoint, officer_stats.c.officer))]
        kinds = [k for (k,) in conn.execute(select(alerts.c.kind).distinct())]
        open_alerts = conn.execute(select(func.count()).select_from(alerts)).scalar_one()
        booth_count = conn.execute(select(func.count()).select_from(booths)).scalar_one()
    store.close()
    with tempfile.TemporaryDirectory() as folder:
        hq = HQ(Path(folder))
        hq.init()
        for code, *_ in CHECKPOINTS:
            hq.add_checkpoint(Checkpoint(code, code[:2], f"Checkpoint {code}"))
        hq.close()
        bench_store = SyncStore(url)  # the staff account lives beside the records, as on a real HQ
        accounts = Staff(bench_store.engine)
        if "bench" not in {m.username for m in accounts.members()}:
            accounts.add("bench", "Bench", PASSWORD, now=now)
        bench_store.close()
        base, server, thread = serve(Path(folder), url, now)
        rng = random.Random(11)
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                log_in(client, base)
                client.get("/")  # first request: imports and template compilation
                out = {
                    "alerts_stored": open_alerts,
                    "booths": booth_count,
                    "overview": timed_pages(client, ["/"] * calls),
                    "alerts": timed_pages(client, ["/alerts"] * calls),
                    "alerts_filtered": timed_pages(
                        client,
                        [
                            f"/alerts?state=all&checkpoint={rng.choice(CHECKPOINTS)[0]}&kind={rng.choice(kinds)}"
                            for _ in range(calls)
                        ],
                    ),
                    "permit": timed_pages(client, [f"/permits?q={rng.choice(permits)}" for _ in range(calls)]),
                    "officer": timed_pages(
                        client,
                        [
                            "/officers?" + httpx.QueryParams({"checkpoint": c, "name": o}).__str__()
                            for c, o in (rng.choice(officers) for _ in range(calls))
                        ],
                    ),
                }
        finally:
            server.should_exit = True
            thread.join(timeout=30)
    out["target_p95_le_200ms"] = all(v["p95_ms"] <= 200 for v in out.values() if isinstance(v, dict))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the 200,000-record stores")
    parser.add_argument("--records", type=int, help="the stores of this many records (overrides --quick)")
    parser.add_argument("--pg-url", default=os.environ.get("BOOTH_TEST_PG_URL"), help="PostgreSQL (SQLAlchemy URL)")
    parser.add_argument(
        "--work-dir", type=Path, default=Path("/tmp/booth-bench-hq"), help="where bench/hq.py keeps them"
    )
    parser.add_argument("--calls", type=int, default=100, help="requests per page")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    args = parser.parse_args()
    total = args.records or (200_000 if args.quick else 10_000_000)
    label = f"{total // 1_000_000}M" if total % 1_000_000 == 0 else str(total)
    saved = json.loads((args.work_dir / f"syncs-{label}.json").read_text())
    thai = set(saved["thai"])
    permits = [f"{'TH-SKO' if p in thai else 'KH-BTB'}-2025-{p:07d}" for p in range(saved["permits"])]
    targets = {}
    if args.only != "postgresql":
        targets["sqlite"] = f"sqlite:///{args.work_dir / f'hq-{label}.db'}"
    if args.only != "sqlite" and args.pg_url:
        targets["postgresql"] = pg_url(args.pg_url, label)
    out: dict[str, Any] = {
        "bench": "dashboard",
        "records": total,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    for name, url in targets.items():
        if not cached(url, total):
            out[name] = f"skipped: no {label} store; run bench/hq.py first"
            continue
        out[name] = run(url, permits, args.calls)
    if "postgresql" not in targets:
        out["postgresql"] = "skipped: give --pg-url or set BOOTH_TEST_PG_URL"
    out["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
