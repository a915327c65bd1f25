"""HQ's sync store on SQLite and PostgreSQL: enrolment, the batch decisions, evidence, alerts."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from conftest import hq_receipt
from hq_server import NOW, SyncWorld, rewrite

from sync.hq.errors import EnrolmentRefused, HQError, SyncRefused
from sync.hq.store import SyncStore
from sync.protocol import keys
from sync.protocol.batch import BatchRefused, make_batch, seal_batch
from sync.protocol.bundle import open_bundle
from sync.protocol.keys import generate
from sync.protocol.records import genesis_hash


def root(world: SyncWorld):
    return world.hq.signers.current()


def accept(world: SyncWorld, wire: bytes, at: int = NOW + 100):
    return world.store.accept_batch(wire, at, root(world))


def refused(world: SyncWorld, wire: bytes) -> BatchRefused:
    with pytest.raises(BatchRefused) as caught:
        accept(world, wire)
    return caught.value


# -- enrolment


def test_enrol_pins_the_key_once(sync_world: SyncWorld) -> None:
    store, key = sync_world.store, keys.raw_public(sync_world.key("PHD-01"))
    token = sync_world.add("PHD-01")
    assert store.booth("PHD-01").state == "waiting"
    with pytest.raises(EnrolmentRefused):
        store.enrol("PHD-01", "AAAA-" + token[5:], key, now=NOW)  # wrong token
    with pytest.raises(EnrolmentRefused):
        store.enrol("NOPE-01", token, key, now=NOW)  # unknown booth
    info = store.enrol("PHD-01", token.lower().replace("-", " "), key, now=NOW)  # case and separators do not matter
    assert (info.state, info.public_key, info.enrolled_at) == ("enrolled", key, NOW)
    with pytest.raises(EnrolmentRefused):
        store.enrol("PHD-01", token, keys.raw_public(generate()), now=NOW)  # one key only
    # The same token and key again (the booth never got the answer): answered, nothing changes.
    again = store.enrol("PHD-01", token, key, now=NOW + 300)
    assert (again.public_key, again.enrolled_at) == (key, NOW)
    assert store.booth("PHD-01").public_key == key


def test_add_booth_checks_and_token_is_not_stored(sync_world: SyncWorld) -> None:
    token = sync_world.add("PHD-01")
    assert len(token.replace("-", "")) == 26  # 128 bits in base32
    with pytest.raises(HQError, match="already exists"):
        sync_world.add("PHD-01")
    with pytest.raises(HQError, match="not a booth id"):
        sync_world.store.add_booth("../etc", "KH-PHD", now=NOW)
    assert all(token.replace("-", "") not in str(b.to_json()) for b in sync_world.store.booths())


def test_revoked_before_enrolment_cannot_enrol(sync_world: SyncWorld) -> None:
    token = sync_world.add("PHD-01")
    sync_world.store.revoke_booth("PHD-01", now=NOW)
    with pytest.raises(EnrolmentRefused):
        sync_world.store.enrol("PHD-01", token, keys.raw_public(sync_world.key("PHD-01")), now=NOW)


# -- batches


def test_accept_stores_every_field_and_signs_a_receipt(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    mine = sync_world.records("PHD-01")
    result = accept(sync_world, sync_world.sealed("PHD-01"))
    assert (result.status, result.acked_seq, result.stored) == ("accepted", len(mine), len(mine))
    receipt = hq_receipt(result.receipt, sync_world.hq)
    assert (receipt.booth_id, receipt.acked_seq, receipt.head_hash, receipt.at) == (
        "PHD-01",
        len(mine),
        mine[-1].hash,
        NOW + 100,
    )
    assert list(sync_world.store.records("PHD-01")) == mine  # every field, Khmer names included
    assert any(r.native_name == "សុខ ចន្ថា" for r in mine)
    assert sync_world.store.latest_receipt("PHD-01") == result.receipt
    info = sync_world.store.booth("PHD-01")
    assert (info.acked_seq, info.head_hash, info.last_seen) == (len(mine), mine[-1].hash, NOW + 100)


def test_resend_returns_the_same_receipt(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    wire = sync_world.sealed("PHD-01")
    first = accept(sync_world, wire)
    again = accept(sync_world, wire, at=NOW + 5000)
    assert again.status == "duplicate" and again.stored == 0 and again.receipt == first.receipt
    sync_world.more("PHD-01", 3)
    accept(sync_world, sync_world.sealed("PHD-01", first.acked_seq + 1))
    assert accept(sync_world, wire).receipt == first.receipt  # still, after later batches


def test_resend_of_a_part_gets_a_receipt_kept_from_then_on(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    accept(sync_world, sync_world.sealed("PHD-01"))
    part = sync_world.sealed("PHD-01", 1, 3)
    result = accept(sync_world, part, at=NOW + 200)
    receipt = hq_receipt(result.receipt, sync_world.hq)
    third = sync_world.records("PHD-01")[2]
    assert (result.status, receipt.acked_seq, receipt.head_hash) == ("duplicate", 3, third.hash)
    assert accept(sync_world, part, at=NOW + 300).receipt == result.receipt
    assert hq_receipt(sync_world.store.latest_receipt("PHD-01"), sync_world.hq).acked_seq > 3


def test_gap_tells_where_hq_is(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    accept(sync_world, sync_world.sealed("PHD-01", 1, 3))
    sync_world.more("PHD-01", 2)
    error = refused(sync_world, sync_world.sealed("PHD-01", 5))
    assert isinstance(error, SyncRefused) and (error.reason, error.acked_seq) == ("gap", 3)
    assert sync_world.store.booth("PHD-01").acked_seq == 3


def test_overlap_stores_only_the_new_part(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    n = len(sync_world.records("PHD-01"))
    accept(sync_world, sync_world.sealed("PHD-01", 1, n - 2))
    sync_world.more("PHD-01", 4)
    result = accept(sync_world, sync_world.sealed("PHD-01", 2))
    assert (result.status, result.stored, result.acked_seq) == ("accepted", 6, n + 4)
    assert list(sync_world.store.records("PHD-01")) == sync_world.records("PHD-01")


@pytest.mark.parametrize("case", ["forged", "not_enrolled", "unknown", "other_booths_id"])
def test_signatures_and_enrolment(sync_world: SyncWorld, case: str) -> None:
    sync_world.enrol("PHD-01")
    if case == "forged":
        wire, reason = sync_world.sealed("PHD-01", key=generate()), "unenrolled"  # no booth has that key
    elif case == "not_enrolled":
        sync_world.add("STB-01")
        wire, reason = sync_world.sealed("STB-01"), "unenrolled"
    elif case == "unknown":
        wire, reason = sync_world.sealed("STB-01"), "unenrolled"
    else:  # STB-01's records, claiming to be STB-01, signed with PHD-01's key
        sync_world.enrol("STB-01")
        wire, reason = sync_world.sealed("STB-01", key=sync_world.key("PHD-01")), "bad_signature"
    assert refused(sync_world, wire).reason == reason
    assert not list(sync_world.store.records("STB-01"))


def test_revoked_booth_is_refused(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    accept(sync_world, sync_world.sealed("PHD-01", 1, 2))
    sync_world.store.revoke_booth("PHD-01", now=NOW)
    assert refused(sync_world, sync_world.sealed("PHD-01", 3)).reason == "revoked"
    assert sync_world.store.booth("PHD-01").acked_seq == 2


def test_changed_record_under_the_signed_head_is_bad_chain(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    batch = make_batch(sync_world.records("PHD-01"))
    records = list(batch.records)
    records[3] = replace(records[3], holder="SOMEONE ELSE")
    wire = seal_batch(replace(batch, records=tuple(records)), sync_world.key("PHD-01"))  # signed, head unchanged
    assert refused(sync_world, wire).reason == "bad_chain"
    assert not list(sync_world.store.records("PHD-01")) and not sync_world.store.forks()


def test_rewritten_history_is_a_fork_kept_as_evidence(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    mine = sync_world.records("PHD-01")
    accept(sync_world, sync_world.sealed("PHD-01"))
    forged = rewrite(mine, 4, holder="SOMEONE ELSE")  # the booth's own key, a consistent new chain
    wire = seal_batch(make_batch(forged), sync_world.key("PHD-01"))
    error = refused(sync_world, wire)
    assert isinstance(error, SyncRefused) and (error.reason, error.acked_seq) == ("fork", len(mine))
    [evidence] = sync_world.store.forks("PHD-01")
    assert (evidence["seq"], evidence["stored_hash"], evidence["offered_hash"]) == (4, mine[3].hash, forged[3].hash)
    assert evidence["wire"] == wire
    [alert] = sync_world.store.alerts()
    assert (alert.kind, alert.booth_id, alert.seq) == ("fork", "PHD-01", 4)
    assert list(sync_world.store.records("PHD-01")) == mine  # nothing else stored
    refused(sync_world, wire)  # the same batch again: no second copy, no second alert
    assert len(sync_world.store.forks()) == 1 and len(sync_world.store.alerts()) == 1
    stats = {s["booth_id"]: s for s in sync_world.store.stats()}["PHD-01"]
    assert (stats["forks"], stats["open_alerts"], stats["records"]) == (1, 1, len(mine))
    sync_world.store.acknowledge_alert(alert.id, by="test", at=NOW)
    assert not sync_world.store.alerts() and sync_world.store.alerts(include_acknowledged=True)[0].acknowledged


def test_fork_on_the_hash_before_the_batch(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    mine = sync_world.records("PHD-01")
    accept(sync_world, sync_world.sealed("PHD-01"))
    sync_world.more("PHD-01", 2)
    forged = rewrite(sync_world.records("PHD-01"), len(mine), note="rewritten")
    error = refused(sync_world, seal_batch(make_batch(forged[len(mine) :]), sync_world.key("PHD-01")))
    assert error.reason == "fork"
    assert sync_world.store.forks()[0]["seq"] == len(mine)


def test_fork_at_the_genesis(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    mine = sync_world.records("PHD-01")
    other_start = rewrite([replace(mine[0], prev_hash=genesis_hash("STB-01"))] + mine[1:], 1)
    wire = seal_batch(make_batch(other_start), sync_world.key("PHD-01"))
    assert refused(sync_world, wire).reason == "fork"
    assert sync_world.store.forks()[0]["seq"] == 0


def test_numbers_out_of_range_are_bad_format(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    mine = sync_world.records("PHD-01")
    huge = rewrite(mine, 2, at=2**70)
    assert refused(sync_world, seal_batch(make_batch(huge), sync_world.key("PHD-01"))).reason == "bad_format"
    zero = [replace(r, seq=r.seq - 1) for r in mine]
    zero = rewrite([replace(zero[0], prev_hash=genesis_hash("PHD-01"))] + zero[1:], 0)
    assert refused(sync_world, seal_batch(make_batch(zero), sync_world.key("PHD-01"))).reason == "bad_format"
    assert not list(sync_world.store.records("PHD-01"))


def test_concurrent_pushes_store_each_record_once(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    sync_world.more("PHD-01", 40)
    n = len(sync_world.records("PHD-01"))
    wires = [sync_world.sealed("PHD-01"), sync_world.sealed("PHD-01"), sync_world.sealed("PHD-01", 1, n - 10)]
    stores = [SyncStore(sync_world.store.url) for _ in wires]  # separate connection pools, as separate workers
    results, errors = [], []

    def push(store: SyncStore, wire: bytes) -> None:
        try:
            results.append(store.accept_batch(wire, NOW, root(sync_world)))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=push, args=pair) for pair in zip(stores, wires, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for store in stores:
        store.close()
    assert not errors and len(results) == 3
    assert sum(r.stored for r in results) == n
    full = [r.receipt for r in results if r.acked_seq == n]
    assert len(full) == 2 and full[0] == full[1]
    assert list(sync_world.store.records("PHD-01")) == sync_world.records("PHD-01")


def test_bundle_lists_enrolled_booths_only(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    sync_world.enrol("STB-01")
    sync_world.store.revoke_booth("STB-01", now=NOW)
    bundle = open_bundle(sync_world.hq.build_bundle(now=NOW)[1])
    assert [(b.booth_id, b.checkpoint, b.public_key) for b in bundle.booths] == [
        ("PHD-01", "KH-PHD", keys.raw_public(sync_world.key("PHD-01")))
    ]


def test_schema_version_from_the_future_is_refused(sync_world: SyncWorld) -> None:
    from sqlalchemy import update

    from sync.hq.schema import meta

    with sync_world.store.engine.begin() as conn:
        conn.execute(update(meta).where(meta.c.key == "schema_version").values(value="99"))
    with pytest.raises(HQError, match="newer Booth"):
        SyncStore(sync_world.store.url)


def test_a_fork_suspends_the_booth_until_staff_resume_it(sync_world: SyncWorld) -> None:
    """One booth key posting forks without end: the first suspends its sync; the rest cost nothing."""
    from sync.hq.errors import HQError
    from sync.hq.store import MAX_FORKS_KEPT

    sync_world.enrol("PHD-01")
    mine = sync_world.records("PHD-01")
    accept(sync_world, sync_world.sealed("PHD-01"))
    for i in range(20):  # 20 forged versions of record 1, each a consistent signed chain
        forged = rewrite(mine, 1, note=f"forged {i}")
        error = refused(sync_world, seal_batch(make_batch(forged), sync_world.key("PHD-01")))
        assert error.reason == ("fork" if i == 0 else "suspended")
    assert len(sync_world.store.forks("PHD-01")) == 1 and len(sync_world.store.alerts()) == 1
    assert sync_world.store.suspension("PHD-01")["reason"] == "fork at record 1"
    assert {s["booth_id"]: s["state"] for s in sync_world.store.stats()}["PHD-01"] == "suspended"
    sync_world.more("PHD-01", 2)
    assert refused(sync_world, sync_world.sealed("PHD-01", len(mine) + 1)).reason == "suspended"
    with pytest.raises(HQError, match="write what was decided"):
        sync_world.store.resume("PHD-01", by="chenda", note=" ", at=NOW)
    sync_world.store.resume("PHD-01", by="chenda", note="a test booth; records checked", at=NOW)
    assert sync_world.store.suspension("PHD-01") is None
    accept(sync_world, sync_world.sealed("PHD-01", len(mine) + 1))  # syncs again
    for i in range(MAX_FORKS_KEPT + 2):  # later forks: each suspends again, evidence stays capped
        refused(sync_world, seal_batch(make_batch(rewrite(mine, 2, note=f"again {i}")), sync_world.key("PHD-01")))
        if sync_world.store.suspension("PHD-01"):
            sync_world.store.resume("PHD-01", by="chenda", note="looked at it", at=NOW)
    assert len(sync_world.store.forks("PHD-01")) == MAX_FORKS_KEPT
