"""The GUI's background sync against the real HQ server: between sessions it still reports the
ledger head, so HQ hears it before the records come (a later rewrite of them is a fork)."""

from __future__ import annotations

from pathlib import Path

from conftest import _hq_server_helpers

from booth.gui.sync_worker import HEAD_EVERY, SyncWorker
from sync.client import SyncClient
from sync.hq.facade import HQ


def test_the_worker_reports_the_head_between_sessions(qtbot, tmp_path: Path, hq: HQ) -> None:
    _hq_server_helpers()  # tests/sync on the path
    from test_client_support import BOOTH_ID, add_records, make_world

    assert HEAD_EVERY <= 300  # at least every 5 minutes while a link exists
    world = make_world(tmp_path, hq)  # HQ's clock is months off the worker's real one: the offset copes
    worker = SyncWorker(world.booth.data_dir, interval=3600, head_every=0.2)
    try:
        SyncClient(world.booth, world.url).enrol(world.token, pin=world.fingerprint)
        with qtbot.waitSignal(worker.finished, timeout=30_000) as first:
            worker.start()
        assert first.args[0] == 1, first.args  # one session; the next is an hour away
        assert world.hq.sync_store.booth(BOOTH_ID).acked_seq == world.booth.ledger.head()[0]
        add_records(world.booth, 3)
        head = world.booth.ledger.head()

        def heard() -> None:
            assert [(h["seq"], h["hash"]) for h in world.hq.sync_store.heads(BOOTH_ID)] == [head]

        qtbot.waitUntil(heard, timeout=15_000)
        assert world.hq.sync_store.booth(BOOTH_ID).acked_seq < head[0]  # heard, not pushed
    finally:
        worker.stop()
        world.stop()
        world.booth.close()
