"""End to end on the real HQ server: the `booth enrol` / `booth sync` commands, real scans
reaching HQ field for field, idempotent re-sends, and the clock checked against HQ's time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from conftest import NOW, hq_receipt
from hq_server import signed_headers
from test_client_support import (
    BOOTH_ID,
    World,
    add_records,
    assert_hq_has_everything,
    issue,
    make_world,
    officer_session,
    served_world,
)

from booth.cli import main
from booth.service import Booth
from sync.client import SyncClient
from sync.hq.facade import HQ
from sync.protocol.batch import make_batch, seal_batch
from sync.protocol.keys import load_private


@pytest.fixture
def world(tmp_path: Path, hq: HQ) -> Iterator[World]:
    yield from served_world(tmp_path, hq)


def run(world: World, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["--data-dir", str(world.booth.data_dir), *args], input=input, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def test_enrol_and_sync_commands(world: World) -> None:
    code, out, err = run(world, "enrol", "--hq", world.url, "--token", world.token, input="n\n")
    assert code == 3 and world.fingerprint in out and "not confirmed" in err
    assert world.booth.trust.pinned_root() is None  # and the token was not spent: it was never sent
    code, out, err = run(world, "enrol", "--hq", world.url, "--token", world.token, input="y\n")
    assert code == 0, err
    assert f"HQ root {world.fingerprint} pinned" in out

    session = officer_session(world.booth)
    text = issue(world.hq)
    for direction in ("entry", "exit", "exit"):
        world.clock.advance(600)
        world.booth.scan(session, text, direction=direction, channel="camera")
    code, out, err = run(world, "sync", "--once")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["pending"] == 0 and summary["error"] is None and summary["pushed"] >= 9
    assert summary["wire_bytes"] > 0 and summary["bundle_version"] >= 1
    assert_hq_has_everything(world.hq, world.booth)
    at_hq = {r.seq: r for r in world.hq.sync_store.records(BOOTH_ID)}
    scans = [r for r in world.booth.ledger.records() if r.kind == "scan"]
    assert [at_hq[s.seq].native_name for s in scans] == ["សុខ ចន្ថា"] * 3
    assert "not_inside" in at_hq[scans[-1].seq].reasons  # (clock_suspect too: the CLI wrote at real time)

    world.stop()  # HQ gone: one clear line, exit 1, nothing lost
    code, _, err = run(world, "sync", "--once")
    assert code == 3 and err.startswith("error: ") and "no link to HQ" in err and "Traceback" not in err


def test_enrol_with_a_wrong_pin_is_one_line(world: World) -> None:
    code, _, err = run(world, "enrol", "--hq", world.url, "--token", world.token, "--pin", "00" * 32)
    assert code == 3 and err.count("\n") == 1 and "does not match --pin" in err


def test_the_same_batch_twice_gets_the_same_receipt(world: World) -> None:
    SyncClient(world.booth, world.url).enrol(world.token, pin=world.fingerprint)
    add_records(world.booth, 25)
    wire = seal_batch(
        make_batch(list(world.booth.ledger.records())), load_private(world.booth.data_dir / "keys" / "booth.pem")
    )
    key = load_private(world.booth.data_dir / "keys" / "booth.pem")

    def post() -> httpx.Response:
        headers = signed_headers(key, BOOTH_ID, "POST", "/v1/batches", wire, t=world.hq_clock.now())
        return httpx.post(f"{world.url}/v1/batches", content=wire, headers=headers)

    first, again = post(), post()
    assert first.status_code == again.status_code == 200 and first.content == again.content
    receipt = hq_receipt(first.content, world.hq)
    assert (receipt.acked_seq, receipt.head_hash) == world.booth.ledger.head()
    with SyncClient(world.booth, world.url) as client:
        assert client.push_once().acked_seq == receipt.acked_seq  # the booth learns it from the duplicate
    assert world.booth.ledger.sync_state().receipt == first.content
    assert_hq_has_everything(world.hq, world.booth)


def test_a_booth_clock_behind_hq_time_seen_makes_verdicts_clock_suspect(world: World) -> None:
    client = SyncClient(world.booth, world.url)
    client.enrol(world.token, pin=world.fingerprint)  # the bundle is rebuilt now, at HQ time NOW
    session = officer_session(world.booth)
    text = issue(world.hq)
    world.clock.advance(30)
    assert (
        "clock_suspect"
        not in world.booth.scan(session, text, direction="entry", channel="cli").verdict.to_json()["reasons"]
    )
    world.hq_clock.advance(3600)  # HQ is an hour ahead; the booth pushes and sees HQ's signed time
    client.push_all()
    assert world.booth.ledger.hq_time_seen() == NOW + 3600
    world.clock.advance(30)
    verdict = world.booth.scan(session, text, direction="exit", channel="cli").verdict
    assert verdict.valid and "clock_suspect" in [r.value for r in verdict.reasons]
    world.clock.advance(3600)  # the booth clock catches up: no more warning
    verdict = world.booth.scan(session, text, direction="entry", channel="cli").verdict
    assert "clock_suspect" not in [r.value for r in verdict.reasons]


def test_a_second_process_sees_the_sync_state(world: World) -> None:
    SyncClient(world.booth, world.url).enrol(world.token, pin=world.fingerprint)
    add_records(world.booth, 10)
    SyncClient(world.booth, world.url).session()
    other = Booth(world.booth.data_dir)
    assert other.status()["pending_sync"] == 0
    assert other.ledger.sync_state().acked_seq == world.booth.ledger.head()[0]
    other.close()


def test_push_to_each_sync_database(tmp_path: Path, hq: HQ, sync_db_url: str) -> None:
    """The same push on SQLite and PostgreSQL (skipped without BOOTH_TEST_PG_URL)."""
    w = make_world(tmp_path, hq, database_url=sync_db_url)
    try:
        client = SyncClient(w.booth, w.url)
        client.enrol(w.token, pin=w.fingerprint)
        session = officer_session(w.booth)
        w.booth.scan(session, issue(w.hq), direction="entry", channel="wedge")
        add_records(w.booth, 7000)
        result = client.session()
        assert result.error is None and result.batches >= 4
        assert client.push_once().sent == 0
        assert_hq_has_everything(w.hq, w.booth)
    finally:
        w.stop()
        w.booth.close()
        w.hq.close()


def test_an_enrolled_booth_gets_hqs_watchlist_key_and_refuses_a_watched_holder(world: World) -> None:
    from sync.protocol.bundle import WatchEntry

    with SyncClient(world.booth, world.url) as client:
        client.enrol(world.token, pin=world.fingerprint)
    key_file = world.booth.trust.watchlist_key_file
    assert world.booth.trust.watchlist_key() == world.hq.watchlist_key()  # from the enrolment answer
    assert key_file.stat().st_mode & 0o777 == 0o600
    world.hq.watch(WatchEntry(document="N123456", reason="court order"), at=NOW)
    world.hq.build_bundle(now=world.hq_clock.now())
    key_file.unlink()  # lost: the next bundle HQ sends brings it back
    with SyncClient(world.booth, world.url) as client:
        bundle = client.pull_bundle()
    assert (
        bundle is not None and bundle.sealed_watchlist and b"N123456" not in world.booth.trust._bundle_file.read_bytes()
    )
    assert world.booth.trust.watchlist_key() == world.hq.watchlist_key()
    session = officer_session(world.booth)
    watched = world.booth.scan(session, issue(world.hq, doc="N123456"), direction="entry", channel="camera")
    assert [r.value for r in watched.verdict.reasons] == ["watchlist"]
    other = world.booth.scan(session, issue(world.hq, doc="N654321"), direction="entry", channel="camera")
    assert [r.value for r in other.verdict.reasons] == []
