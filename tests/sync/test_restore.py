"""Issue #16: a booth restored from a backup takes back from HQ the records it lost, with real
folders and the real server on loopback; and what it refuses (records that do not chain, a
receipt not signed by the pinned root, another booth's records, an interrupted restore)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from conftest import NOW, rogue_receipt
from test_client_support import (
    BOOTH_ID,
    World,
    add_records,
    assert_hq_has_everything,
    hq_records,
    issue,
    officer_session,
    served_world,
)

from booth.cli import main
from booth.errors import LedgerError
from booth.service import RESTORE_ACTION, Booth
from sync.client import BadReceipt, HistoryConflict, HQUnreachable, SyncClient
from sync.hq.facade import HQ
from sync.protocol.batch import Receipt, make_batch, pack_records
from sync.protocol.records import Record


@pytest.fixture
def world(tmp_path: Path, hq: HQ) -> Iterator[World]:
    yield from served_world(tmp_path, hq)


def scans(world: World, count: int) -> None:
    """``count`` entries of distinct permits (the derived tables move)."""
    session = officer_session(world.booth)
    for _ in range(count):
        world.booth.scan(session, issue(world.hq), direction="entry", channel="camera")


def backup_then_lose(world: World, tmp_path: Path) -> tuple[Path, int]:
    """Sync, copy the folder (the backup), record and sync 20 more, put the backup back."""
    data_dir = world.booth.data_dir
    client = SyncClient(world.booth, world.url)
    client.enrol(world.token, pin=world.fingerprint)
    add_records(world.booth, 45)
    client.session()
    world.booth.close()
    backup = tmp_path / "backup"
    shutil.copytree(data_dir, backup)
    world.booth = Booth(data_dir, clock=world.clock)
    backup_head = world.booth.ledger.head()[0]
    scans(world, 5)
    add_records(world.booth, 15)
    SyncClient(world.booth, world.url).session()
    assert_hq_has_everything(world.hq, world.booth)
    world.booth.close()
    shutil.rmtree(data_dir)  # the disk died
    shutil.copytree(backup, data_dir)
    world.booth = Booth(data_dir, clock=world.clock)
    return data_dir, backup_head


def cli(data_dir: Path, *args: str) -> object:
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args])


def test_a_session_takes_back_what_hq_holds_and_the_booth_carries_on(world: World, tmp_path: Path) -> None:
    data_dir, k = backup_then_lose(world, tmp_path)
    n = hq_records(world.hq)[-1].seq
    assert world.booth.ledger.head()[0] == k < n
    result = SyncClient(world.booth, world.url).session()
    assert result.restored == n - k and result.error is None
    ours = list(world.booth.ledger.records())
    assert ours[:n] == hq_records(world.hq)[:n]  # verbatim: same seq, fields and hashes
    restore = ours[n]
    assert (restore.action, restore.seq) == (RESTORE_ACTION, n + 1)
    assert f"restored records {k + 1}-{n} from HQ" in restore.note
    assert world.booth.ledger.inside_count() == 5  # the derived tables were rebuilt
    assert world.booth.verify_chain().ok
    scans(world, 1)  # the booth scans again: HQ takes it, no fork, no alert
    SyncClient(world.booth, world.url).session()
    assert_hq_has_everything(world.hq, world.booth)
    assert world.hq.sync_store.forks(BOOTH_ID) == [] and world.hq.sync_store.suspension(BOOTH_ID) is None
    assert [a for a in world.hq.sync_store.alerts() if a.booth_id == BOOTH_ID] == []
    world.booth.close()
    verified = cli(data_dir, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    world.booth = Booth(data_dir, clock=world.clock)


def test_booth_sync_restore_prints_what_it_took_back(world: World, tmp_path: Path) -> None:
    data_dir, k = backup_then_lose(world, tmp_path)
    n = hq_records(world.hq)[-1].seq
    world.booth.close()
    done = cli(data_dir, "sync", "restore")
    assert done.exit_code == 0, done.output
    assert f"took back records {k + 1}-{n} ({n - k}) from HQ" in done.output
    again = cli(data_dir, "sync", "restore")
    assert again.exit_code == 0 and "nothing to take back" in again.output
    world.booth = Booth(data_dir, clock=world.clock)


# -- what the booth refuses: nothing appended


class Tamper(httpx.BaseTransport):
    """The real transport, with the answers to one route replaced (HQ lying, or a man in the middle)."""

    def __init__(self, route: str, answer) -> None:
        self.inner = httpx.HTTPTransport()
        self.route, self.answer = route, answer

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.startswith(self.route):
            response.read()
            return self.answer(response)
        return response


def _repacked(world: World, change: Callable[[list[Record]], list[Record]]) -> Callable:
    def answer(response: httpx.Response) -> httpx.Response:
        from sync.protocol.batch import unpack_records

        batch = unpack_records(response.content, BOOTH_ID)
        records = change(list(batch.records))
        return httpx.Response(200, content=pack_records(make_batch(records)))

    return answer


def _rechained(records, start_prev):
    out, prev = [], start_prev
    for r in records:
        r = r.sealed(prev)
        out.append(r)
        prev = r.hash
    return out


@pytest.mark.parametrize(
    "how,error",
    [
        ("not_from_ours", HistoryConflict),  # HQ's first record does not chain from our record k
        ("other_end", BadReceipt),  # chains from ours but ends elsewhere than the receipt's head
        ("garbage", HQUnreachable),
        ("forged_receipt", BadReceipt),  # not signed by the pinned root
    ],
)
def test_records_or_receipts_that_do_not_hold_are_refused(world: World, tmp_path: Path, how: str, error) -> None:
    data_dir, k = backup_then_lose(world, tmp_path)
    before = list(world.booth.ledger.records())
    state = world.booth.ledger.sync_state()
    if how == "not_from_ours":
        answer = _repacked(world, lambda rs: _rechained([replace(rs[0], note="other")] + rs[1:], "00" * 32))
        transport = Tamper("/v1/records/", answer)
    elif how == "other_end":
        answer = _repacked(world, lambda rs: _rechained(rs[:-1] + [replace(rs[-1], note="x")], rs[0].prev_hash))
        transport = Tamper("/v1/records/", answer)
    elif how == "garbage":
        transport = Tamper("/v1/records/", lambda _r: httpx.Response(200, content=b"\x78\x9c" + b"\0" * 40))
    else:
        forged = rogue_receipt(Receipt(BOOTH_ID, k + 20, "ab" * 32, NOW))
        transport = Tamper("/v1/receipts/", lambda _r: httpx.Response(200, content=forged))
    with pytest.raises(error):
        SyncClient(world.booth, world.url, transport=transport).session()
    assert list(world.booth.ledger.records()) == before
    assert world.booth.ledger.sync_state().acked_seq == state.acked_seq


def test_an_interrupted_restore_leaves_the_ledger_as_before(world: World, tmp_path: Path, monkeypatch) -> None:
    _data_dir, k = backup_then_lose(world, tmp_path)
    before = list(world.booth.ledger.records())
    inside = world.booth.ledger.inside_rows()
    ledger = world.booth.ledger
    real, calls = ledger._insert, []

    def fail_after_some(record) -> None:
        calls.append(record.seq)
        if len(calls) == 7:
            raise LedgerError("injected: the power went after some records")
        real(record)

    monkeypatch.setattr(ledger, "_insert", fail_after_some)
    with pytest.raises(LedgerError, match="injected"):
        SyncClient(world.booth, world.url).restore()
    assert list(ledger.records()) == before and ledger.inside_rows() == inside
    monkeypatch.undo()
    assert SyncClient(world.booth, world.url).restore().taken == hq_records(world.hq)[-1].seq - k


_KILLED_RESTORE = """
import sys, time
from pathlib import Path
from booth.ledger.store import Ledger
from booth.service import Booth
from sync.client import SyncClient

real, count = Ledger._insert, [0]

def slow(self, record):
    real(self, record)
    count[0] += 1
    print("inserted", count[0], flush=True)
    if count[0] == 7:
        time.sleep(60)  # killed here, mid-transaction

Ledger._insert = slow
SyncClient(Booth(Path(sys.argv[1])), sys.argv[2]).restore()
"""


def test_a_restore_killed_mid_append_leaves_the_ledger_as_before(world: World, tmp_path: Path) -> None:
    data_dir, k = backup_then_lose(world, tmp_path)
    before = list(world.booth.ledger.records())
    world.booth.close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_RESTORE, str(data_dir), world.url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == b"inserted 7":
                break
        proc.send_signal(signal.SIGKILL)
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL, err.decode()
    world.booth = Booth(data_dir, clock=world.clock)
    assert list(world.booth.ledger.records()) == before and world.booth.verify_chain().ok
    assert SyncClient(world.booth, world.url).restore().taken == hq_records(world.hq)[-1].seq - k


# -- the route


def test_the_records_route_answers_only_its_booth_within_bounds(world: World, tmp_path: Path) -> None:
    backup_then_lose(world, tmp_path)
    client = SyncClient(world.booth, world.url)
    for path, status in [
        ("/v1/records/STB-09?from=1&limit=10", 403),
        (f"/v1/records/{BOOTH_ID}?from=0&limit=10", 400),
        (f"/v1/records/{BOOTH_ID}?from=1&limit=5001", 400),
        (f"/v1/records/{BOOTH_ID}?from=1&limit=0", 400),
        (f"/v1/records/{BOOTH_ID}?from=99999999999999999999999&limit=1", 400),
        (f"/v1/records/{BOOTH_ID}?from={2**62}&limit=5000", 404),
        (f"/v1/records/{BOOTH_ID}?from=x", 400),
        (f"/v1/records/{BOOTH_ID}", 400),
        (f"/v1/records/{BOOTH_ID}?from=1&limit=3", 200),
    ]:
        response = client._request("GET", path)
        assert response.status_code == status, (path, response.text)
    unsigned = httpx.get(f"{world.url}/v1/records/{BOOTH_ID}?from=1&limit=3")
    assert unsigned.status_code == 403 and unsigned.json()["reason"] == "unsigned"


# -- a booth that recorded after the restore, before taking back (a fork)

SUPERVISOR, SUPERVISOR_PIN = "Chan Sophal", "739154"


def test_a_forked_restored_booth_sets_its_tail_aside_on_hq_and_a_supervisors_word(
    world: World, tmp_path: Path, monkeypatch
) -> None:
    officer_session(world.booth)  # the officer first: adding one later needs the supervisor
    world.booth.add_officer(SUPERVISOR, "supervisor", SUPERVISOR_PIN)
    data_dir, k = backup_then_lose(world, tmp_path)
    n = hq_records(world.hq)[-1].seq
    add_records(world.booth, 3, note="recorded after the restore")  # k+1'..k+3': a fork of HQ's k+1..
    with pytest.raises(HistoryConflict):
        SyncClient(world.booth, world.url).session()
    store = world.hq.sync_store
    assert store.suspension(BOOTH_ID) is not None and len(store.forks(BOOTH_ID)) == 1
    add_records(world.booth, 2, note="still recording while suspended")  # a head HQ never heard
    ours = list(world.booth.ledger.records(k + 1))
    world.booth.close()

    monkeypatch.setenv("BOOTH_PIN", SUPERVISOR_PIN)
    refused = cli(data_dir, "sync", "restore", "--replace-local-tail", "--by", SUPERVISOR)
    assert refused.exit_code == 3, refused.output  # HQ has not decided yet: the new head is a fork
    store.resume(BOOTH_ID, by="Keo Vanna", note="disk restored from backup", at=NOW, restored=True)
    world.booth = Booth(data_dir, clock=world.clock)
    ours = list(world.booth.ledger.records(k + 1))  # the failed attempt may have audited its failure
    world.booth.close()
    forks_before = len(store.forks(BOOTH_ID))
    done = cli(data_dir, "sync", "restore", "--replace-local-tail", "--by", SUPERVISOR)
    assert done.exit_code == 0, done.output
    assert f"set aside this booth's {len(ours)} records after {k}" in done.output

    world.booth = Booth(data_dir, clock=world.clock)
    records = list(world.booth.ledger.records())
    assert records[:n] == hq_records(world.hq)[:n]
    audit = records[n]
    assert audit.action == RESTORE_ACTION and audit.officer == SUPERVISOR and "restored-aside-" in audit.note
    [aside] = list(data_dir.glob("restored-aside-*.json"))
    import json

    kept = json.loads(aside.read_text())
    assert [r["hash"] for r in kept["records"]] == [r.hash for r in ours]
    assert world.booth.verify_chain().ok and world.booth.ledger.inside_count() == 5
    add_records(world.booth, 2, note="after the take-back")
    SyncClient(world.booth, world.url).session()
    assert_hq_has_everything(world.hq, world.booth)
    assert len(store.forks(BOOTH_ID)) == forks_before and store.suspension(BOOTH_ID) is None


def test_replacing_the_tail_needs_a_supervisor(world: World, tmp_path: Path) -> None:
    data_dir, _k = backup_then_lose(world, tmp_path)
    world.booth.close()
    missing = cli(data_dir, "sync", "restore", "--replace-local-tail")
    assert missing.exit_code == 2 and "--by" in missing.output
    world.booth = Booth(data_dir, clock=world.clock)


def test_after_a_restored_resume_a_plain_sync_pushes_nothing_until_the_tail_is_replaced(
    world: World, tmp_path: Path
) -> None:
    """The booth forked past HQ's head (its head is beyond HQ's records): after staff resumed it
    as restored, the background sync must not push its forked records (a new suspension)."""
    officer_session(world.booth)
    world.booth.add_officer(SUPERVISOR, "supervisor", SUPERVISOR_PIN)
    data_dir, k = backup_then_lose(world, tmp_path)
    n = hq_records(world.hq)[-1].seq
    add_records(world.booth, n - k + 5, note="recorded after the restore")
    store = world.hq.sync_store
    with pytest.raises(HistoryConflict, match="different record"):  # HQ's receipt contradicts: nothing pushed
        SyncClient(world.booth, world.url).session()
    assert store.suspension(BOOTH_ID) is None and store.forks(BOOTH_ID) == []
    store.resume(BOOTH_ID, by="Keo Vanna", note="disk restored from backup", at=NOW, restored=True)  # on record
    forks = 0
    with pytest.raises(HistoryConflict):
        SyncClient(world.booth, world.url).session()
    assert store.suspension(BOOTH_ID) is None and len(store.forks(BOOTH_ID)) == forks
    by = world.booth.authorise(SUPERVISOR, SUPERVISOR_PIN)
    result = SyncClient(world.booth, world.url).replace_local_tail(by)
    assert (result.first, result.last, result.taken) == (k + 1, n, n - k) and result.set_aside >= n - k + 5
    SyncClient(world.booth, world.url).session()
    add_records(world.booth, n - k + 10, note="past the forked head HQ heard")  # no head of the old tail counts
    SyncClient(world.booth, world.url).session()
    assert_hq_has_everything(world.hq, world.booth)
    assert store.suspension(BOOTH_ID) is None and len(store.forks(BOOTH_ID)) == forks
    assert Path(result.aside_file).parent == data_dir
