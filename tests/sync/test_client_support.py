"""Shared pieces of the sync client tests (no tests here): an HQ with a booth registered, a
booth, records made quickly, a fault-injecting httpx transport, and checks against HQ's store.

Nothing of ours is mocked in the end-to-end tests: the HQ is the real server (``start_hq``,
uvicorn on 127.0.0.1) over the real store; ``FaultTransport`` wraps the real network
transport and loses requests or answers on a schedule.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from conftest import HOLDER, NOW

from booth.clock import FixedClock
from booth.service import Booth, Session
from sync.hq.facade import HQ
from sync.hq.holder_file import holder_from_json
from sync.protocol.records import Record
from sync.protocol.times import DAY

BOOTH_ID, CHECKPOINT = "PHD-01", "KH-PHD"
OFFICER_PIN = "482913"


@dataclass
class World:
    """An HQ (admin API and real server) with booth PHD-01 registered, and that booth, not yet enrolled."""

    hq: HQ
    hq_dir: Path
    booth: Booth
    clock: FixedClock  # the booth's clock
    hq_clock: FixedClock  # HQ's (the server reads it)
    token: str
    database_url: str | None = None
    url: str = ""
    stop_server: Callable[[], None] | None = None

    @property
    def fingerprint(self) -> str:
        return self.hq.root_fingerprint()

    def start(self, **options: object) -> str:
        from hq_server import start_hq

        self.url, self.stop_server = start_hq(self.hq_dir, self.database_url, clock=self.hq_clock.now, **options)
        return self.url

    def stop(self) -> None:
        if self.stop_server is not None:
            self.stop_server()
            self.stop_server = None


def make_world(tmp_path: Path, hq: HQ, *, serve: bool = True, database_url: str | None = None) -> World:
    """``hq`` is the conftest fixture's; with ``database_url`` the sync store lives there instead
    (the caller closes ``world.hq``, a second admin object, then)."""
    if database_url is not None:
        hq = HQ(hq.paths.root, database_url)
    clock = FixedClock(NOW)
    token = hq.sync_store.add_booth(BOOTH_ID, CHECKPOINT, now=NOW)
    hq.build_bundle(now=NOW)
    booth = Booth.init(tmp_path / "booth", booth_id=BOOTH_ID, checkpoint=CHECKPOINT, clock=clock)
    world = World(hq, hq.paths.root, booth, clock, FixedClock(NOW), token, database_url=database_url)
    if serve:
        world.start()
    return world


def served_world(tmp_path: Path, hq: HQ) -> Iterator[World]:
    """For a ``world`` fixture: a running server, stopped afterwards."""
    w = make_world(tmp_path, hq)
    yield w
    w.stop()
    w.booth.close()


def add_records(booth: Booth, count: int, note: str = "filler") -> None:
    """``count`` audit records in one transaction (fast, and chained like any other)."""
    with booth.ledger.transaction():
        for i in range(count):
            booth.ledger.append_in_transaction(booth._audit_record("test_event", note=f"{note} {i} ស្ទឹងបត់"))


def officer_session(booth: Booth) -> Session:
    if booth.ledger.officer("Sok Dara") is None:
        booth.add_officer("Sok Dara", "officer", OFFICER_PIN)
    return booth.login("Sok Dara", OFFICER_PIN)


def issue(hq: HQ, **changes: object) -> str:
    return hq.issue(holder_from_json({**HOLDER, **changes}), office="KH-BTB-01", valid_days=365, now=NOW - DAY).text


def hq_records(hq: HQ, booth_id: str = BOOTH_ID) -> list[Record]:
    return list(hq.sync_store.records(booth_id))


def assert_hq_has_everything(hq: HQ, booth: Booth) -> None:
    """HQ holds each booth record exactly once, in order, identical field by field."""
    at_hq = hq_records(hq, booth.ledger.booth_id)
    ours = list(booth.ledger.records())
    assert [r.seq for r in at_hq] == list(range(1, len(ours) + 1))
    assert at_hq == ours
    info = hq.sync_store.booth(booth.ledger.booth_id)
    assert (info.acked_seq, info.head_hash) == booth.ledger.head()
    assert booth.ledger.acked_seq() == booth.ledger.head()[0]


class FaultTransport(httpx.BaseTransport):
    """The real network transport, but some requests never leave, and some answers are lost
    after HQ acted on the request (the nastiest case for idempotency).

    ``plan`` is consumed one entry per request: None (pass), "refuse" (connection refused),
    "lose_answer" (HQ gets it, the answer is lost), "timeout" (HQ gets it, the client times
    out); after the plan, ``rate`` of requests fail at random (seeded)."""

    def __init__(self, plan: list[str | None] | None = None, *, rate: float = 0.0, seed: int = 1) -> None:
        self.inner = httpx.HTTPTransport()
        self.plan = list(plan or [])
        self.rate = rate
        self.rng = random.Random(seed)
        self.seen: list[tuple[str, str, str]] = []  # (method, path, fault)
        self.request_bytes = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.plan.pop(0) if self.plan else None
        if fault is None and self.rate and self.rng.random() < self.rate:
            fault = self.rng.choice(["refuse", "lose_answer", "timeout"])
        self.seen.append((request.method, request.url.path, fault or "ok"))
        if fault == "refuse":
            raise httpx.ConnectError("connection refused (injected)", request=request)
        self.request_bytes += len(request.content)
        response = self.inner.handle_request(request)
        if fault in ("lose_answer", "timeout"):
            response.read()
            response.close()
            if fault == "timeout":
                raise httpx.ReadTimeout("timed out (injected)", request=request)
            raise httpx.RemoteProtocolError("connection closed mid-answer (injected)", request=request)
        return response

    def close(self) -> None:
        self.inner.close()
