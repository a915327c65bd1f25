"""HQ sync test helpers: a real server, real databases, real booths with real ledgers.

    base_url, stop = start_hq(hq_data_dir)               # uvicorn on 127.0.0.1, a free port
    base_url, stop = start_hq(hq_data_dir, pg_url)       # the same over PostgreSQL
    ...
    stop()

Extra keyword arguments of ``start_hq`` go to ``sync.hq.server.create_app`` (``max_body``,
``clock``). ``SyncWorld`` is an HQ and two booths (PHD-01 at KH-PHD, STB-01 at KH-STB) that
have scanned permits, copied from a template made once per session; the fixtures in
tests/conftest.py (``sync_db_url``, ``sync_world``, ``hq_server``) build on these.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import uvicorn
from conftest import HOLDER
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from booth.clock import FixedClock
from booth.service import Booth
from sync.hq.facade import HQ
from sync.hq.holder_file import holder_from_json
from sync.hq.server import create_app
from sync.protocol import keys
from sync.protocol.batch import make_batch, seal_batch
from sync.protocol.bundle import Checkpoint
from sync.protocol.records import Record, genesis_hash
from sync.protocol.request_auth import HEADER, Head, sign_request
from sync.protocol.times import DAY

NOW = 1_790_000_000  # the same fixed clock as tests/conftest.py
BOOTHS = {"PHD-01": "KH-PHD", "STB-01": "KH-STB"}
OFFICER, PIN = "Sok Dara", "482913"


# -- the server


def start_hq(data_dir: Path, database_url: str | None = None, **app_options: Any) -> tuple[str, Callable[[], None]]:
    app_options.setdefault("analyse_every", 0)  # tests run the analytics when they mean to
    app = create_app(Path(data_dir), database_url, **app_options)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets: no 40 ms stalls
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"hq-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the HQ test server did not start")
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()

    return f"http://127.0.0.1:{port}", stop


# -- databases


def fresh_pg_schema(base_url: str) -> tuple[str, Callable[[], None]]:
    """A new, empty PostgreSQL schema: (URL whose search_path is it, drop it)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"booth_test_{secrets.token_hex(6)}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={name}"})

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text("SET lock_timeout = '20s'"))
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


# -- an HQ and two booths


def issue_permit(hq: HQ, **changes: object) -> str:
    return hq.issue(holder_from_json({**HOLDER, **changes}), office="KH-BTB-01", valid_days=365, now=NOW - DAY).text


def new_hq(folder: Path) -> HQ:
    """An initialised HQ with Phnom Dei, Stung But and the Battambang office (key kept here)."""
    hq = HQ(folder)
    hq.init()
    hq.add_checkpoint(Checkpoint("KH-PHD", "KH", "Phnom Dei", "ភ្នំដី", "พนมดี"))
    hq.add_checkpoint(Checkpoint("KH-STB", "KH", "Stung But", "ស្ទឹងបត់", "สตึงบต"))
    hq.add_issuer("KH-BTB-01", name="Battambang permit office", not_before=NOW - 365 * DAY)
    return hq


def make_template(root: Path) -> Path:
    """An HQ (checkpoints, an issuer, bundle 1) and two booths that scanned a few permits."""
    hq = new_hq(root / "hq")
    permits = [issue_permit(hq), issue_permit(hq, fn="Chan", gn="Sophal", nn="ចាន់ សុផល", doc="N7654321")]
    bundle = hq.build_bundle(now=NOW)[1]
    for booth_id, checkpoint in BOOTHS.items():
        booth = Booth.init(root / booth_id, booth_id=booth_id, checkpoint=checkpoint, clock=FixedClock(NOW))
        booth.install_bundle(bundle, pin=hq.root_fingerprint())
        booth.add_officer(OFFICER, "officer", PIN)
        session = booth.login(OFFICER, PIN)
        for text in permits:
            booth.scan(session, text, direction="entry", channel="camera")
        booth.scan(session, "BP1:GGW", direction="entry", channel="wedge")  # recorded, rejected
        booth.close()
    hq.close()
    (root / "hq" / "hq-sync.db").unlink(missing_ok=True)
    for extra in (root / "hq").glob("hq-sync.db-*"):
        extra.unlink()
    return root


@dataclass
class SyncWorld:
    root: Path
    hq: HQ
    database_url: str | None
    booths: dict[str, Booth] = field(default_factory=dict)
    _stops: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def copy(cls, template: Path, dest: Path, database_url: str | None) -> SyncWorld:
        shutil.copytree(template, dest, dirs_exist_ok=True)
        world = cls(dest, HQ(dest / "hq", database_url), database_url)
        for booth_id in BOOTHS:
            world.booths[booth_id] = Booth(dest / booth_id, clock=FixedClock(NOW + 60))
        return world

    @property
    def store(self):
        return self.hq.sync_store

    def close(self) -> None:
        for stop in self._stops:
            stop()
        for booth in self.booths.values():
            booth.close()
        self.hq.close()

    def serve(self, **app_options: Any) -> str:
        """Start a server over this HQ; it stops with ``close``."""
        url, stop = start_hq(self.hq.paths.root, self.database_url, **app_options)
        self._stops.append(stop)
        return url

    # -- booths
    def add(self, booth_id: str) -> str:
        """Register the booth at HQ; return its token."""
        return self.store.add_booth(booth_id, BOOTHS[booth_id], now=NOW)

    def enrol(self, booth_id: str) -> None:
        self.store.enrol(booth_id, self.add(booth_id), keys.raw_public(self.key(booth_id)), now=NOW)

    def key(self, booth_id: str) -> Ed25519PrivateKey:
        return keys.load_private(self.root / booth_id / "keys" / "booth.pem")

    def records(self, booth_id: str, first: int = 1, last: int | None = None) -> list[Record]:
        return list(self.booths[booth_id].ledger.records(first, last))

    def more(self, booth_id: str, n: int) -> None:
        for i in range(n):
            self.booths[booth_id].audit("note", note=f"note {i}")

    def sealed(
        self, booth_id: str, first: int = 1, last: int | None = None, key: Ed25519PrivateKey | None = None
    ) -> bytes:
        return seal_batch(make_batch(self.records(booth_id, first, last)), key or self.key(booth_id))


def signed_headers(
    key: Ed25519PrivateKey,
    booth_id: str,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    t: int,
    head: Head | None = None,
    nonce: bytes | None = None,
) -> dict[str, str]:
    """A ``Booth-Request`` header for one call (head: the genesis unless given, which always matches)."""
    head = head or Head(0, genesis_hash(booth_id))
    value = sign_request(key, booth_id=booth_id, method=method, path=path, body=body, t=t, head=head, nonce=nonce)
    return {HEADER: value}


def rewrite(records: list[Record], seq: int, **changes: Any) -> list[Record]:
    """The history a booth would have if record ``seq`` were changed and the chain re-sealed."""
    out: list[Record] = []
    prev = records[0].prev_hash
    for record in records:
        if record.seq == seq:
            record = replace(record, **changes)
        if record.seq >= seq:
            record = record.sealed(prev)
        out.append(record)
        prev = record.hash
    return out


__all__ = [
    "NOW",
    "SyncWorld",
    "fresh_pg_schema",
    "genesis_hash",
    "make_template",
    "rewrite",
    "signed_headers",
    "start_hq",
]
