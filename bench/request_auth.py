"""Signed-request benchmark: HQ's cost of checking one ``Booth-Request`` header; prints JSON.

Per request, in-process (no HTTP), wall time and this process's CPU (HQ's share; PostgreSQL's
own CPU is not in it): parsing and verifying the header (Ed25519, the booth
looked up by key id), then ``SyncStore.hear`` (one transaction: the nonce inserted, the head
checked and kept). Each figure is the mean over N requests, on SQLite (a file in a temporary
folder) and, when BOOTH_TEST_PG_URL is set, PostgreSQL (a fresh schema, dropped afterwards).
Compare with ``hq_cpu_us_per_record`` x records per batch from bench/sync.py.

Run: .venv/bin/python bench/request_auth.py [N]
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync.hq.store import SyncStore  # noqa: E402
from sync.protocol import keys  # noqa: E402
from sync.protocol.records import genesis_hash  # noqa: E402
from sync.protocol.request_auth import Head, evidence, open_request, sign_request  # noqa: E402

BOOTH_ID, NOW = "PHD-01", 1_790_000_000


def headers(key, count: int) -> list[str]:
    head = Head(0, genesis_hash(BOOTH_ID))
    return [
        sign_request(key, booth_id=BOOTH_ID, method="POST", path="/v1/head", body=b"", t=NOW, head=head)
        for _ in range(count)
    ]


def run(url: str, count: int) -> dict:
    store = SyncStore(url)
    key = keys.generate()
    store.enrol(BOOTH_ID, store.add_booth(BOOTH_ID, "KH-PHD", now=NOW), keys.raw_public(key), now=NOW)
    for i in range(20):  # a few other booths: the key-id lookup walks them
        other = f"OTH-{i:02d}"
        store.enrol(other, store.add_booth(other, "KH-PHD", now=NOW), keys.raw_public(keys.generate()), now=NOW)
    values = headers(key, count)

    def signer(kid: bytes):
        return keys.public_from_raw(store.key_of_kid(kid)[1])

    clocks = (time.perf_counter, time.process_time)
    t0 = [c() for c in clocks]
    opened = [open_request(v, signer) for v in values]
    t1 = [c() for c in clocks]
    for signed, value in zip(opened, values, strict=True):
        store.hear(signed, evidence(value), NOW)
    t2 = [c() for c in clocks]
    public = key.public_key()
    t3 = [c() for c in clocks]
    for value in values:
        open_request(value, lambda _kid: public)
    t4 = [c() for c in clocks]
    store.close()

    def us(a: list[float], b: list[float]) -> dict[str, float]:
        return {"wall": round((b[0] - a[0]) / count * 1e6, 1), "cpu": round((b[1] - a[1]) / count * 1e6, 1)}

    return {
        "requests": count,
        "header_bytes": len(values[0]),
        "parse_and_verify_us": us(t3, t4),
        "key_lookup_parse_and_verify_us": us(t0, t1),
        "hear_nonce_and_head_us": us(t1, t2),
        "total_us_per_request": us(t0, t2),
    }


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    out: dict = {"bench": "request_auth"}
    with tempfile.TemporaryDirectory(prefix="booth-bench-reqauth-") as folder:
        out["sqlite"] = run(f"sqlite:///{folder}/hq-sync.db", count)
    pg = os.environ.get("BOOTH_TEST_PG_URL")
    if pg:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = f"booth_bench_{secrets.token_hex(4)}"
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        try:
            url = make_url(pg).update_query_dict({"options": f"-csearch_path={name}"})
            out["postgresql"] = run(url.render_as_string(hide_password=False), count)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
            admin.dispose()
    else:
        out["postgresql"] = "skipped: set BOOTH_TEST_PG_URL"
    out["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
