"""The sync client against the real HQ server (faults injected in the transport), and against
``httpx.MockTransport`` for answers a correct HQ never gives (forged receipts, forks, 413s)."""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import NOW, hq_receipt, rogue_receipt
from test_client_support import (
    BOOTH_ID,
    CHECKPOINT,
    FaultTransport,
    World,
    add_records,
    assert_hq_has_everything,
    hq_records,
    served_world,
)

from booth.clock import FixedClock
from booth.ledger import schema
from booth.ledger.store import Ledger
from booth.service import Booth
from booth.settings import load_settings
from sync.client import (
    Backoff,
    BadBundle,
    BadReceipt,
    BatchSize,
    EnrolRefused,
    ForkDetected,
    HistoryConflict,
    HQUnreachable,
    NotEnrolled,
    PushRefused,
    SyncClient,
)
from sync.hq.facade import HQ
from sync.protocol.batch import Receipt, open_batch, sign_receipt
from sync.protocol.bundle import TrustBundle, sign_bundle
from sync.protocol.keys import fingerprint, generate, raw_public


@pytest.fixture
def world(tmp_path: Path, hq: HQ) -> Iterator[World]:
    yield from served_world(tmp_path, hq)


def enrolled(world: World, transport: httpx.BaseTransport | None = None, **options: object) -> SyncClient:
    client = SyncClient(world.booth, world.url, transport=transport, **options)
    client.enrol(world.token, pin=world.fingerprint)
    return client


# -- enrolment


def test_enrol_pins_the_root_installs_the_bundle_and_keeps_the_address(world: World) -> None:
    client = SyncClient(world.booth, world.url)
    enrolment = client.enrol(world.token, pin=world.fingerprint.lower().replace(" ", ":"))
    assert enrolment.pinned and enrolment.checkpoint == CHECKPOINT
    assert world.booth.trust.pinned_root() == world.hq.signers.root_public()
    bundle = world.booth.trust.require()
    assert BOOTH_ID in [b.booth_id for b in bundle.booths]  # HQ rebuilt it with the booth enrolled
    assert load_settings(world.booth.data_dir).hq_url == world.url
    assert [r.action for r in world.booth.recent(10, None)] == []  # audit records are not "recent" scans
    actions = [r.action for r in world.booth.ledger.records()]
    assert actions[-2:] == ["bundle_install", "enrol"]
    info = world.hq.sync_store.booth(BOOTH_ID)
    key = world.booth.data_dir / "keys" / "booth.pem"
    from sync.protocol.keys import load_private

    assert info.public_key == raw_public(load_private(key))
    # Enrolling again with the same token (the first answer lost on the way): answered again,
    # HQ keeps the first enrolment; the token stays useless with any other key (tests/sync/test_hq_store.py).
    again = client.enrol(world.token, pin=world.fingerprint)
    assert again.pinned and world.hq.sync_store.booth(BOOTH_ID).enrolled_at == info.enrolled_at


def test_enrol_without_pin_pins_nothing_until_confirmed(world: World) -> None:
    client = SyncClient(world.booth, world.url)
    assert client.peek_root() == world.fingerprint  # what the CLI shows before spending the token
    enrolment = client.enrol(world.token)
    assert not enrolment.pinned and enrolment.root_fingerprint == world.fingerprint
    assert world.booth.trust.pinned_root() is None and load_settings(world.booth.data_dir).hq_url is None
    client.confirm(enrolment)
    assert world.booth.trust.pinned_root() == enrolment.root_public_key


def test_enrol_refuses_a_wrong_pin_or_token_and_pins_nothing(world: World) -> None:
    client = SyncClient(world.booth, world.url)
    with pytest.raises(EnrolRefused, match="bad_token"):
        client.enrol("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG", pin=world.fingerprint)
    with pytest.raises(EnrolRefused, match="does not match --pin"):
        client.enrol(world.token, pin=fingerprint(generate()))
    assert world.booth.trust.pinned_root() is None
    with pytest.raises(NotEnrolled):
        client.push_once()


def test_enrol_without_any_bundle_at_hq_writes_the_pin(tmp_path: Path, hq: HQ) -> None:
    from test_client_support import make_world

    w = make_world(tmp_path, hq)
    (hq.paths.root / "bundles" / "latest.cose").unlink()  # make_world built one: HQ has none now
    try:
        client = SyncClient(w.booth, w.url)
        assert client.peek_root() == w.fingerprint  # HQ's root, bundle or not
        client.enrol(w.token, pin=w.fingerprint)
        assert w.booth.trust.pinned_root() == raw_public(hq.root_key()) and w.booth.trust.current() is None
        add_records(w.booth, 3)
        client.push_all()
        assert w.booth.ledger.acked_seq() == w.booth.ledger.head()[0]
    finally:
        w.stop()
        w.booth.close()


def test_link_lost_after_the_token_is_spent_still_pins(world: World) -> None:
    transport = FaultTransport([None, "refuse"])  # the enrolment goes through; the bundle fetch does not
    client = SyncClient(world.booth, world.url, transport=transport)
    assert client.enrol(world.token, pin=world.fingerprint).pinned
    assert world.booth.trust.pinned_root() == world.hq.signers.root_public() and world.booth.trust.current() is None
    result = client.session()  # the bundle arrives with the first sync
    assert result.bundle_installed and world.booth.trust.require().version >= 1
    assert_hq_has_everything(world.hq, world.booth)


def test_no_hq_address_is_a_clear_error(tmp_path: Path) -> None:
    booth = Booth.init(tmp_path / "b", booth_id="X-1", checkpoint="KH-PHD")
    with pytest.raises(NotEnrolled, match="booth enrol"):
        SyncClient(booth)


# -- pushing


def test_push_grows_batches_and_hq_gets_every_record_once(world: World) -> None:
    client = enrolled(world)
    add_records(world.booth, 12_000)
    pushes = client.push_all()
    assert [p.sent for p in pushes] == [500, 1000, 2000, 4000, 4503]  # 3 enrolment records too
    assert [p.first for p in pushes] == [1, 501, 1501, 3501, 7501]
    assert client.batch.size == 5000
    assert_hq_has_everything(world.hq, world.booth)
    state = world.booth.ledger.sync_state()
    receipt = hq_receipt(state.receipt, world.hq)
    assert (receipt.acked_seq, receipt.head_hash) == world.booth.ledger.head()
    assert state.hq_time_seen == NOW and state.last_error is None
    assert client.push_once().sent == 0  # caught up: nothing sent


def test_resending_a_batch_hq_has_returns_the_same_receipt(world: World) -> None:
    lose = FaultTransport(["lose_answer"] * 0)
    client = enrolled(world, lose)
    add_records(world.booth, 40)
    lose.plan = ["lose_answer"]
    with pytest.raises(HQUnreachable):
        client.push_once()
    assert world.booth.ledger.acked_seq() == 0  # HQ stored it, but the booth never heard
    assert len(hq_records(world.hq)) == world.booth.ledger.head()[0]
    first = client.push_once()  # the same batch again: a duplicate at HQ
    assert first.caught_up
    receipt = world.booth.ledger.sync_state().receipt
    assert receipt == world.hq.sync_store.latest_receipt(BOOTH_ID)
    assert_hq_has_everything(world.hq, world.booth)


def test_a_timeout_halves_the_batch_and_a_crash_rebatch_is_a_duplicate(world: World) -> None:
    transport = FaultTransport()
    client = enrolled(world, transport, batch=BatchSize(size=400))
    add_records(world.booth, 1000)
    transport.plan = ["timeout"]
    with pytest.raises(HQUnreachable) as caught:
        client.push_once()
    assert caught.value.timeout and client.batch.size == 200
    result = client.push_once()  # 1..200 again, though HQ holds 1..400: a duplicate, receipt for 200
    assert (result.first, result.last, result.acked_seq) == (1, 200, 200)
    client.push_all()
    assert_hq_has_everything(world.hq, world.booth)


def test_booth_ahead_of_hq_resends_from_hq_acked_seq(world: World) -> None:
    client = enrolled(world)
    add_records(world.booth, 100)
    client.push_all()
    add_records(world.booth, 100)
    # The sync state claims more than HQ has (restored HQ, or someone editing the booth's state).
    world.booth.ledger.con.execute("UPDATE sync_state SET acked_seq = acked_seq + 50")
    result = client.push_once()
    assert result.resync and result.acked_seq == 103
    client.push_all()
    assert_hq_has_everything(world.hq, world.booth)


def test_fork_is_an_alarm_and_ends_the_loop(world: World, tmp_path: Path) -> None:
    import shutil

    client = enrolled(world)
    add_records(world.booth, 10)
    client.push_all()
    twin_dir = tmp_path / "twin"
    shutil.copytree(world.booth.data_dir, twin_dir)  # the same booth (key, chain), then two histories
    twin = Booth(twin_dir, clock=world.clock)
    add_records(twin, 5, note="one history")
    add_records(world.booth, 5, note="another history")
    SyncClient(twin, world.url).push_all()
    with pytest.raises(ForkDetected, match="ALARM"):
        client.push_once()
    with pytest.raises(ForkDetected):
        client.run(threading.Event(), backoff=Backoff(base=0.001))  # not retried: a person must look
    state = world.booth.ledger.sync_state()
    assert state.last_error.startswith("fork:")
    failures = [r for r in world.booth.ledger.records() if r.action == "sync_failed"]
    assert len(failures) == 1  # one audit record, not one per attempt
    assert [f["booth_id"] for f in world.hq.sync_store.forks()] == [BOOTH_ID]
    twin.close()


def test_session_writes_one_audit_record_and_leaves_both_ends_level(world: World) -> None:
    client = enrolled(world)
    add_records(world.booth, 30)
    result = client.session()
    assert result.error is None and result.acked_seq == result.head_seq
    syncs = [r for r in world.booth.ledger.records() if r.action == "sync"]
    assert len(syncs) == 1 and "pushed 33 records (1-33)" in syncs[0].note
    head = world.booth.ledger.head()[0]
    for _ in range(3):  # nothing new: no sync noise in the ledger
        again = client.session()
        assert again.pushed == 0 and not again.bundle_installed
    assert world.booth.ledger.head()[0] == head
    assert_hq_has_everything(world.hq, world.booth)


def test_repeated_failures_of_one_kind_are_audited_once(world: World) -> None:
    transport = FaultTransport()
    client = enrolled(world, transport)
    add_records(world.booth, 5)
    transport.plan = ["refuse"] * 5
    for _ in range(5):
        with pytest.raises(HQUnreachable):
            client.session()
    assert [r.action for r in world.booth.ledger.records()].count("sync_failed") == 1
    assert world.booth.ledger.sync_state().last_error.startswith("unreachable:")
    client.session()
    assert world.booth.ledger.sync_state().last_error is None
    assert_hq_has_everything(world.hq, world.booth)


def test_run_backs_off_with_jitter_and_recovers(world: World) -> None:
    transport = FaultTransport()
    client = enrolled(world, transport)
    add_records(world.booth, 50)
    transport.plan = ["refuse"] * 4
    stop, waits = threading.Event(), []

    def on_session(result, error, wait) -> None:
        waits.append((error is None, wait))
        if result is not None and result.acked_seq == result.head_seq:
            stop.set()

    backoff = Backoff(base=0.001, cap=0.004, rng=random.Random(3))
    client.run(stop, interval=0.01, on_session=on_session, backoff=backoff)
    assert [ok for ok, _ in waits] == [False] * 4 + [True]
    assert all(0 <= w <= 0.004 for _, w in waits[:4])
    assert_hq_has_everything(world.hq, world.booth)


def test_backoff_is_full_jitter_capped() -> None:
    backoff = Backoff(rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(20)]
    assert all(0 <= d <= min(300, 2**i) for i, d in enumerate(delays))
    assert max(delays[10:]) > 30  # it does grow to minutes
    backoff.reset()
    assert backoff.next_delay() <= 1


def test_pull_bundle_installs_newer_and_refuses_rollback(world: World) -> None:
    client = enrolled(world)
    installed = world.booth.trust.require().version
    assert client.pull_bundle() is None  # HQ has nothing newer: 304
    world.hq.revoke(permit_no="KH-BTB-2026-000009", reason="stolen", at=NOW)
    newer, _ = world.hq.build_bundle(now=NOW)
    assert client.pull_bundle().version == newer.version > installed
    assert world.booth.trust.require().is_revoked("KH-BTB-2026-000009", "")


def test_measure_time_keeps_the_skew(world: World) -> None:
    client = enrolled(world)
    world.clock.advance(-600)  # the booth clock is 10 minutes behind HQ's
    assert client.measure_time() == 600
    assert world.booth.ledger.sync_state().clock_skew == 600


# -- answers a correct HQ never gives (MockTransport)


class FakeHQ:
    """Answers POST /v1/batches like HQ would, unless told to misbehave."""

    def __init__(self, hq: HQ, booth: Booth) -> None:
        self.signer = hq.signers.current()
        self.booth = booth
        self.key = generate()
        self.acked = 0
        self.mode = "ok"
        self.sizes: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/bundle":
            return httpx.Response(304)
        if request.url.path == "/v1/head":
            return httpx.Response(200, json={"booth_id": BOOTH_ID, "acked_seq": self.acked})
        if request.url.path.startswith("/v1/receipts/"):
            return httpx.Response(200, content=self._receipt(self.acked, "ab" * 32))
        batch = open_batch(request.content, lambda _kid: (BOOTH_ID, self.booth_key()))
        self.sizes.append(len(batch.records))
        if self.mode == "413" and len(batch.records) > 100:
            return httpx.Response(413, json={"reason": "too_large"})
        if self.mode == "forged":
            return httpx.Response(200, content=rogue_receipt(Receipt(BOOTH_ID, batch.last_seq, batch.head_hash, NOW)))
        if self.mode == "other_booth":
            return httpx.Response(200, content=self._receipt(batch.last_seq, batch.head_hash, booth="STB-09"))
        if self.mode == "short":
            return httpx.Response(200, content=self._receipt(batch.first_seq, batch.records[0].hash))
        if self.mode == "gap_ahead":
            return httpx.Response(409, json={"reason": "gap", "acked_seq": 10**6})
        if self.mode == "gap_fork":
            return httpx.Response(409, json={"reason": "gap", "acked_seq": self.acked})
        if self.mode == "500":
            return httpx.Response(500, json={"reason": "internal"})
        if self.mode == "429":
            return httpx.Response(429, json={"reason": "busy"}, headers={"Retry-After": "7"})
        if self.mode == "revoked":
            return httpx.Response(403, json={"reason": "revoked"})
        self.acked = batch.last_seq
        return httpx.Response(200, content=self._receipt(batch.last_seq, batch.head_hash))

    def booth_key(self):
        from sync.protocol.keys import load_private

        return load_private(self.booth.data_dir / "keys" / "booth.pem").public_key()

    def _receipt(self, seq: int, head: str, booth: str = BOOTH_ID) -> bytes:
        return sign_receipt(Receipt(booth, seq, head, NOW), self.signer.key, self.signer.cert_data)


@pytest.fixture
def fake(tmp_path: Path, hq: HQ, bundle_bytes: bytes) -> FakeHQ:
    booth = Booth.init(tmp_path / "booth", booth_id=BOOTH_ID, checkpoint=CHECKPOINT, clock=FixedClock(NOW))
    booth.install_bundle(bundle_bytes, pin=hq.root_fingerprint())
    add_records(booth, 1000)
    yield FakeHQ(hq, booth)
    booth.close()


def fake_client(fake: FakeHQ, **options: object) -> SyncClient:
    return SyncClient(fake.booth, "http://hq.test", transport=httpx.MockTransport(fake), **options)


def test_413_halves_the_batch_at_once(fake: FakeHQ) -> None:
    fake.mode = "413"
    client = fake_client(fake)
    result = client.push_once()
    assert fake.sizes == [500, 250, 125, 62] and result.sent == 62
    fake.mode = "ok"
    client.push_all()
    assert fake.booth.ledger.acked_seq() == fake.booth.ledger.head()[0]


@pytest.mark.parametrize(
    "mode,error",
    [
        ("forged", BadReceipt),
        ("other_booth", BadReceipt),
        ("short", BadReceipt),
        ("gap_ahead", HistoryConflict),
        ("500", HQUnreachable),
        ("revoked", PushRefused),
    ],
)
def test_wrong_answers_never_advance_the_acked_seq(fake: FakeHQ, mode: str, error: type) -> None:
    fake.mode = mode
    with pytest.raises(error):
        fake_client(fake).push_once()
    assert fake.booth.ledger.acked_seq() == 0


def test_a_batch_too_large_to_inflate_is_halved_before_it_is_sent(fake: FakeHQ, monkeypatch) -> None:
    import sync.protocol.batch

    monkeypatch.setattr(sync.protocol.batch, "MAX_INFLATED", 20_000)  # fewer than 500 records fit
    result = fake_client(fake).push_once()
    assert fake.sizes == [result.sent] and result.sent < 500


def test_run_waits_at_least_what_a_429_retry_after_asks(fake: FakeHQ) -> None:
    """HQ's per-booth limits answer 429 with Retry-After; the booth's back-off (here at most
    1 ms) waits that long instead, and nothing is acknowledged."""
    fake.mode = "429"
    client = fake_client(fake)
    stop, waits = threading.Event(), []

    def on_session(result, error, wait) -> None:
        waits.append((error, wait))
        stop.set()

    client.run(stop, on_session=on_session, backoff=Backoff(base=0.001, cap=300, rng=random.Random(1)))
    [(error, wait)] = waits
    assert isinstance(error, HQUnreachable) and error.retry_after == 7 and wait == 7
    assert fake.booth.ledger.acked_seq() == 0
    fake.mode = "ok"
    client.push_all()
    assert fake.booth.ledger.acked_seq() == fake.booth.ledger.head()[0]


def test_a_signed_receipt_disagreeing_with_the_ledger_is_a_fork(fake: FakeHQ) -> None:
    client = fake_client(fake)
    client.push_once()
    fake.booth.ledger.con.execute("UPDATE sync_state SET acked_seq = 700")
    fake.mode = "gap_fork"  # HQ says 500 and shows a receipt for 500 with another hash
    with pytest.raises(ForkDetected):
        client.push_once()
    assert fake.booth.ledger.acked_seq() == 700  # nothing changed on a conflict


def test_a_forged_bundle_is_refused_and_the_installed_one_kept(fake: FakeHQ) -> None:
    current = fake.booth.trust.require()
    rogue = generate()
    forged = sign_bundle(
        TrustBundle(
            version=current.version + 1,
            issued_at=NOW,
            expires_at=NOW + 9,
            hq_time=NOW,
            max_offline_age=9,
            root_public_key=raw_public(rogue),
        ),
        rogue,
    )
    client = SyncClient(
        fake.booth, "http://hq.test", transport=httpx.MockTransport(lambda _: httpx.Response(200, content=forged))
    )
    with pytest.raises(BadBundle, match="does not trust"):
        client.pull_bundle()
    assert fake.booth.trust.require().version == current.version


# -- the ledger side


def test_migration_2_upgrades_a_version_1_ledger(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript(
        f"BEGIN;{schema.MIGRATIONS[0]};PRAGMA application_id={schema.APPLICATION_ID};PRAGMA user_version=1;COMMIT;"
    )
    con.execute("INSERT INTO meta VALUES ('booth_id', 'OLD-1'), ('checkpoint', 'KH-PHD'), ('genesis', ?)", ("00" * 32,))
    con.execute("UPDATE sync_state SET acked_seq = 7, acked_hash = ?", ("11" * 32,))
    con.close()
    ledger = Ledger.open(path)
    state = ledger.sync_state()
    assert (state.acked_seq, state.acked_hash, state.receipt, state.hq_time_seen) == (7, "11" * 32, None, None)
    assert ledger.con.execute("PRAGMA user_version").fetchone()[0] == len(schema.MIGRATIONS)
    ledger.close()


def test_the_acked_seq_never_goes_back_without_a_proof(tmp_path: Path) -> None:
    booth = Booth.init(tmp_path / "b", booth_id="X-1", checkpoint="KH-PHD", clock=FixedClock(NOW))
    add_records(booth, 10)
    ledger = booth.ledger
    assert ledger.set_acked(8, "aa" * 32, b"r", receipt_at=NOW, at=NOW)
    assert not ledger.set_acked(5, "bb" * 32, b"old", receipt_at=NOW - 5, at=NOW)
    assert ledger.sync_state().acked_seq == 8 and ledger.hq_time_seen() == NOW
    assert ledger.set_acked(5, "bb" * 32, b"proof", receipt_at=NOW - 5, at=NOW, backwards=True)
    assert ledger.acked_seq() == 5 and ledger.hq_time_seen() == NOW  # the time seen never goes back
    booth.close()
