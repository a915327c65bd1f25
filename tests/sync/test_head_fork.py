"""Issue #15, attack 7: root on a booth PC rewrites the ledger's unsynced tail and re-chains it,
so `audit verify` passes; HQ heard the old head earlier (a signed head report), so the push of
the rewritten records is refused as a fork, alerted and suspended. Without that report the
same push is accepted: the difference is the head heard."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from test_client_support import BOOTH_ID, World, add_records, served_world

from booth.service import LEDGER_FILE, Booth
from sync.client import ForkDetected, SyncClient
from sync.hq.facade import HQ
from sync.protocol.records import FIELDS, Record


@pytest.fixture
def world(tmp_path: Path, hq: HQ) -> Iterator[World]:
    yield from served_world(tmp_path, hq)


def rewrite_tail(data_dir: Path, drop: int) -> None:
    """The attacker (root, plain sqlite3): drop record ``drop``, renumber the rest, re-append one
    record in its place at the end, re-chain from ``drop`` on; the triggers are put back after."""
    con = sqlite3.connect(data_dir / LEDGER_FILE, isolation_level=None)
    try:
        triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _ in triggers:
            con.execute(f"DROP TRIGGER {name}")
        columns = ", ".join(FIELDS)
        rows = [
            Record(*row) for row in con.execute(f"SELECT {columns} FROM records WHERE seq >= ? ORDER BY seq", (drop,))
        ]
        tail = rows[1:] + [replace(rows[-1], note="re-appended by the attacker")]
        prev = con.execute("SELECT hash FROM records WHERE seq = ?", (drop - 1,)).fetchone()[0]
        con.execute("DELETE FROM records WHERE seq >= ?", (drop,))
        for seq, record in enumerate(tail, start=drop):
            record = replace(record, seq=seq).sealed(prev)
            con.execute(
                f"INSERT INTO records ({columns}) VALUES ({', '.join('?' * len(FIELDS))})",
                tuple(getattr(record, f) for f in FIELDS),
            )
            prev = record.hash
        for _, sql in triggers:
            con.execute(sql)
    finally:
        con.close()


@pytest.mark.parametrize("heard", [True, False], ids=["head-heard", "head-not-heard"])
def test_a_rewritten_unsynced_tail_is_a_fork_if_hq_heard_the_head(world: World, heard: bool) -> None:
    client = SyncClient(world.booth, world.url)
    client.enrol(world.token, pin=world.fingerprint)
    client.push_all()
    acked = world.booth.ledger.acked_seq()
    add_records(world.booth, 6, note="crossing")  # recorded, not yet sent
    old_head = world.booth.ledger.head()
    if heard:
        assert client.report_head() == acked  # a few hundred bytes; HQ keeps the signed head
        assert [(h["seq"], h["hash"]) for h in world.hq.sync_store.heads(BOOTH_ID)] == [old_head]
    client.close()
    data_dir = world.booth.data_dir
    world.booth.close()

    rewrite_tail(data_dir, drop=acked + 3)
    world.booth = Booth(data_dir, clock=world.clock)
    report = world.booth.verify_chain()
    assert report.ok and world.booth.ledger.head()[0] == old_head[0]  # `audit verify` passes
    assert world.booth.ledger.head()[1] != old_head[1]

    with SyncClient(world.booth, world.url) as again:
        if heard:
            with pytest.raises(ForkDetected, match="ALARM"):
                again.push_all()
            store = world.hq.sync_store
            assert [(a.kind, a.booth_id, a.seq) for a in store.alerts()] == [("fork", BOOTH_ID, old_head[0])]
            assert store.suspension(BOOTH_ID) is not None and store.booth(BOOTH_ID).acked_seq == acked
            assert [f["offered_hash"] for f in store.forks(BOOTH_ID)] == [world.booth.ledger.head()[1]]
        else:
            again.push_all()  # nothing told HQ otherwise: the rewritten history is accepted
            assert world.hq.sync_store.booth(BOOTH_ID).head_hash == world.booth.ledger.head()[1]
            assert world.hq.sync_store.alerts() == []


def test_a_session_with_nothing_to_push_still_reports_the_head(world: World) -> None:
    client = SyncClient(world.booth, world.url)
    client.enrol(world.token, pin=world.fingerprint)
    client.session()
    before = world.hq.sync_store.booth(BOOTH_ID).last_seen
    world.hq_clock.advance(120)
    client.session()  # nothing new: the session's signed calls carry the head all the same
    assert world.hq.sync_store.booth(BOOTH_ID).last_seen == before + 120


def test_a_booth_clock_two_hours_wrong_still_syncs(world: World) -> None:
    client = SyncClient(world.booth, world.url)
    client.enrol(world.token, pin=world.fingerprint)
    world.clock.advance(-2 * 3600)  # the booth's clock: two hours behind HQ's
    add_records(world.booth, 5)
    result = SyncClient(world.booth, world.url).session()  # a fresh client: stale once, measures, retries
    assert result.error is None and result.pushed >= 5
    assert world.booth.ledger.sync_state().clock_skew == 2 * 3600
    assert world.hq.sync_store.booth(BOOTH_ID).acked_seq == world.booth.ledger.head()[0]
