"""A flood of dashboard logins against the booths' API: prints one JSON object.

A fresh HQ (temporary folder, SQLite sync database, one staff account) is served by the real
server (``create_app``, uvicorn on 127.0.0.1). 60 clients post a wrong password at once while
one client asks ``/v1/time`` every 10 ms; the figures are that call's p50/p99/max latency (ms),
the logins' statuses (403 refused, 429 try again later) and logins/s. Run twice: with the
per-address limit (as served), and without it (``--no-address-limit``: every login waits for
one of the two scrypt slots).

Target: p99 of /v1/time <= 200 ms, no 5xx.

Run: .venv/bin/python bench/login_flood.py [--logins 60] [--no-address-limit]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), *(str(ROOT / "tests" / p) for p in ("", "sync", "sync/dashboard"))]

from dashboard_helpers import PASSWORD, USER, login_flood  # noqa: E402
from hq_server import start_hq  # noqa: E402

from sync.hq.dashboard import web  # noqa: E402
from sync.hq.dashboard.staff import Staff  # noqa: E402
from sync.hq.facade import HQ  # noqa: E402
from sync.hq.store import SyncStore  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=60)
    parser.add_argument("--no-address-limit", action="store_true")
    args = parser.parse_args()
    if args.no_address_limit:
        web.LOGINS_PER_ADDRESS = 10**9
    with tempfile.TemporaryDirectory() as folder:
        hq = HQ(Path(folder))
        hq.init()
        store = SyncStore.open(Path(folder))
        Staff(store.engine).add(USER, "", PASSWORD, now=1_790_000_000)
        store.close()
        url, stop = start_hq(Path(folder))
        try:
            figures = login_flood(url, args.logins)
        finally:
            stop()
    figures.update(address_limit=not args.no_address_limit, login_hashes=web.LOGIN_HASHES)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
