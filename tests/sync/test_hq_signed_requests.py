"""Booth-signed requests (Booth-Request) over real HTTP, and the heads they carry: the
attacker's tries beside the booth's own calls, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
import zlib

import httpx
import pytest
from hq_server import NOW, SyncWorld, genesis_hash, rewrite, signed_headers

from sync.hq.errors import SyncRefused
from sync.protocol.batch import make_batch, seal_batch
from sync.protocol.keys import generate, kid_of
from sync.protocol.request_auth import HEADER, MAX_HEADER, WINDOW, Head, SignedRequest, evidence, open_request

HQ_NOW = NOW + 100


@pytest.fixture
def url(sync_world: SyncWorld) -> str:
    sync_world.enrol("PHD-01")
    sync_world.enrol("STB-01")
    return sync_world.serve(clock=lambda: HQ_NOW)


def call(
    url: str,
    world: SyncWorld,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    booth: str = "PHD-01",
    t: int = HQ_NOW,
    head: Head | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """One call signed as ``booth`` (or with the given ``headers``)."""
    headers = headers or signed_headers(world.key(booth), booth, method, path, body, t=t, head=head)
    return httpx.request(method, url + path, content=body, headers=headers, timeout=30)


def problem(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["reason"]


# -- the booth's own calls


def test_signed_calls_are_answered(url: str, sync_world: SyncWorld) -> None:
    assert call(url, sync_world, "GET", "/v1/bundle?have=0").status_code == 200
    wire = sync_world.sealed("PHD-01")
    assert call(url, sync_world, "POST", "/v1/batches", wire).status_code == 200
    assert call(url, sync_world, "GET", "/v1/receipts/PHD-01").status_code == 200
    head = call(url, sync_world, "POST", "/v1/head")
    assert head.status_code == 200 and head.json() == {
        "booth_id": "PHD-01",
        "acked_seq": len(sync_world.records("PHD-01")),
    }
    assert httpx.get(url + "/v1/time").status_code == 200  # open, as is /v1/enrol
    assert httpx.get(url + "/v1/root").json()["root_fingerprint"] == sync_world.hq.root_fingerprint()


def test_a_booth_from_before_online_signers_is_told_to_update(
    url: str, sync_world: SyncWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version-1 header (signed, genuine) gets 426 update_booth, not a bundle it would misread."""
    import sync.protocol.request_auth as request_auth

    with monkeypatch.context() as m:
        m.setattr(request_auth, "VERSION", request_auth.OUTDATED)
        headers = signed_headers(sync_world.key("PHD-01"), "PHD-01", "GET", "/v1/bundle?have=0", t=HQ_NOW)
    answer = call(url, sync_world, "GET", "/v1/bundle?have=0", headers=headers)
    assert problem(answer) == (426, "update_booth") and "update Booth" in answer.json()["detail"]
    forged = dict(headers)  # a stranger's version-1 header is refused as a stranger's, not told anything
    with monkeypatch.context() as m:
        m.setattr(request_auth, "VERSION", request_auth.OUTDATED)
        forged = signed_headers(generate(), "PHD-01", "GET", "/v1/bundle?have=0", t=HQ_NOW)
    assert problem(call(url, sync_world, "GET", "/v1/bundle?have=0", headers=forged)) == (403, "unenrolled")


# -- the attacker's


def test_unsigned_reads_are_refused_and_show_nothing(url: str) -> None:
    for path in ("/v1/bundle", "/v1/bundle?have=0", "/v1/receipts/PHD-01"):
        answer = httpx.get(url + path)
        assert problem(answer) == (403, "unsigned")
        assert answer.headers["content-type"] == "application/json" and set(answer.json()) <= {"reason", "detail"}
        assert b"KH-" not in answer.content and "x-bundle-version" not in answer.headers  # no watchlist, no version
    assert problem(httpx.post(url + "/v1/head")) == (403, "unsigned")
    assert problem(httpx.post(url + "/v1/batches", content=b"x")) == (403, "unsigned")


def test_a_booth_reads_only_its_own_receipts(url: str, sync_world: SyncWorld) -> None:
    assert call(url, sync_world, "POST", "/v1/batches", sync_world.sealed("PHD-01")).status_code == 200
    assert call(url, sync_world, "GET", "/v1/receipts/PHD-01").status_code == 200
    assert problem(call(url, sync_world, "GET", "/v1/receipts/PHD-01", booth="STB-01")) == (403, "not_yours")


def test_a_replayed_header_is_refused(url: str, sync_world: SyncWorld) -> None:
    headers = signed_headers(sync_world.key("PHD-01"), "PHD-01", "GET", "/v1/bundle?have=0", t=HQ_NOW)
    assert call(url, sync_world, "GET", "/v1/bundle?have=0", headers=headers).status_code == 200
    assert problem(call(url, sync_world, "GET", "/v1/bundle?have=0", headers=headers)) == (403, "replayed")


def test_a_header_for_another_request_is_refused(url: str, sync_world: SyncWorld) -> None:
    headers = signed_headers(sync_world.key("PHD-01"), "PHD-01", "GET", "/v1/bundle?have=0", t=HQ_NOW)
    assert problem(call(url, sync_world, "GET", "/v1/bundle?have=7", headers=headers)) == (403, "wrong_request")
    assert problem(call(url, sync_world, "POST", "/v1/head", headers=headers)) == (403, "wrong_request")
    claimed = signed_headers(sync_world.key("PHD-01"), "STB-01", "GET", "/v1/receipts/STB-01", t=HQ_NOW)
    assert problem(call(url, sync_world, "GET", "/v1/receipts/STB-01", headers=claimed)) == (
        403,
        "bad_request_signature",
    )  # PHD-01's key, STB-01's name


def test_headers_from_unknown_or_revoked_keys_are_refused(url: str, sync_world: SyncWorld) -> None:
    stranger = signed_headers(generate(), "PHD-01", "GET", "/v1/bundle", t=HQ_NOW)
    assert problem(call(url, sync_world, "GET", "/v1/bundle", headers=stranger)) == (403, "unenrolled")
    sync_world.store.revoke_booth("STB-01", now=NOW)
    assert problem(call(url, sync_world, "GET", "/v1/bundle", booth="STB-01")) == (403, "revoked")


def test_stale_time_is_refused(url: str, sync_world: SyncWorld) -> None:
    assert call(url, sync_world, "POST", "/v1/head", t=HQ_NOW - WINDOW).status_code == 200
    assert call(url, sync_world, "POST", "/v1/head", t=HQ_NOW + WINDOW).status_code == 200
    for t in (HQ_NOW - WINDOW - 1, HQ_NOW + WINDOW + 1, 0):
        assert problem(call(url, sync_world, "POST", "/v1/head", t=t)) == (403, "stale_time")


def test_a_body_swapped_under_a_valid_header_is_refused_before_it_is_decoded(url: str, sync_world: SyncWorld) -> None:
    wire = sync_world.sealed("PHD-01")
    headers = signed_headers(sync_world.key("PHD-01"), "PHD-01", "POST", "/v1/batches", wire, t=HQ_NOW)
    other = sync_world.sealed("PHD-01", 1, 2)
    assert problem(call(url, sync_world, "POST", "/v1/batches", other, headers=headers)) == (403, "wrong_body")
    bomb = zlib.compress(b"\x9a" + (7_000_000).to_bytes(4, "big") + b"\x80" * 7_000_000, 9)  # seconds to decode
    started = time.perf_counter()
    assert problem(call(url, sync_world, "POST", "/v1/batches", bomb, headers=headers)) == (403, "wrong_body")
    assert time.perf_counter() - started < 1.0
    assert sync_world.store.booth("PHD-01").acked_seq == 0
    assert call(url, sync_world, "POST", "/v1/batches", wire, headers=headers).status_code == 200  # its own body


@pytest.mark.parametrize("size", [MAX_HEADER + 1, 60_000])
def test_a_header_too_large_is_4xx(url: str, sync_world: SyncWorld, size: int) -> None:
    answer = httpx.get(url + "/v1/bundle", headers={HEADER: "A" * size})
    assert 400 <= answer.status_code < 500
    assert httpx.get(url + "/v1/time").status_code == 200


@pytest.mark.parametrize("value", ["", "!!!", "AAAA", "2IQ", "0" * 200])
def test_a_malformed_header_is_4xx(url: str, value: str) -> None:
    answer = httpx.get(url + "/v1/bundle", headers={HEADER: value})
    assert answer.status_code == 403 and answer.json()["reason"] in ("unsigned", "bad_request_signature")


def test_concurrent_identical_nonces_exactly_one_is_accepted(url: str, sync_world: SyncWorld) -> None:
    headers = signed_headers(sync_world.key("PHD-01"), "PHD-01", "POST", "/v1/head", t=HQ_NOW)
    statuses: list[int] = []
    go = threading.Barrier(8)

    def send() -> None:
        go.wait()
        statuses.append(call(url, sync_world, "POST", "/v1/head", headers=headers).status_code)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [403] * 7


# -- heads heard: fork rules 1 and 2 over HTTP, 3 in the store


def _assert_forked(world: SyncWorld, seq: int) -> None:
    assert [(a.kind, a.seq) for a in world.store.alerts()] == [("fork", seq)]
    assert world.store.suspension("PHD-01") is not None


def test_rule_1_a_head_at_a_stored_seq_with_another_hash_is_a_fork(url: str, sync_world: SyncWorld) -> None:
    mine = sync_world.records("PHD-01")
    assert call(url, sync_world, "POST", "/v1/batches", sync_world.sealed("PHD-01")).status_code == 200
    assert call(url, sync_world, "POST", "/v1/head", head=Head(3, mine[2].hash)).status_code == 200  # matches
    assert sync_world.store.heads("PHD-01") == []  # at or below the tail and checked: not kept
    other = rewrite(mine, 2, note="rewritten")[2]
    headers = signed_headers(sync_world.key("PHD-01"), "PHD-01", "POST", "/v1/head", t=HQ_NOW, head=Head(3, other.hash))
    answer = call(url, sync_world, "POST", "/v1/head", headers=headers)
    assert problem(answer) == (409, "fork") and answer.json()["acked_seq"] == len(mine)
    _assert_forked(sync_world, 3)
    assert sync_world.store.forks("PHD-01")[0]["wire"] == evidence(headers[HEADER])  # the signed header
    assert call(url, sync_world, "GET", "/v1/bundle").status_code == 200  # suspended booths still read
    assert problem(call(url, sync_world, "POST", "/v1/batches", sync_world.sealed("PHD-01"))) == (409, "suspended")
    bad_genesis = Head(0, "00" * 32)
    assert problem(call(url, sync_world, "POST", "/v1/head", booth="STB-01", head=bad_genesis)) == (409, "fork")


def test_rule_2_two_heads_at_one_seq_are_a_fork(url: str, sync_world: SyncWorld) -> None:
    sync_world.more("PHD-01", 3)
    mine = sync_world.records("PHD-01")
    n = len(mine)
    assert call(url, sync_world, "POST", "/v1/head", head=Head(n, mine[-1].hash)).status_code == 200
    assert call(url, sync_world, "POST", "/v1/head", head=Head(n, mine[-1].hash)).status_code == 200  # again: fine
    assert [(h["seq"], h["hash"]) for h in sync_world.store.heads("PHD-01")] == [(n, mine[-1].hash)]
    other = rewrite(mine, n - 1, note="rewritten")[-1]
    assert problem(call(url, sync_world, "POST", "/v1/head", head=Head(n, other.hash))) == (409, "fork")
    _assert_forked(sync_world, n)
    assert call(url, sync_world, "POST", "/v1/head", head=Head(n, other.hash)).status_code == 200  # on record
    sync_world.store.resume("PHD-01", by="alice", note="the booth's disk was restored; checked", at=HQ_NOW)
    assert sync_world.store.heads("PHD-01") == []  # staff decided: judged from here on
    forged = seal_batch(make_batch(rewrite(mine, n - 1, note="rewritten")), sync_world.key("PHD-01"))
    assert call(url, sync_world, "POST", "/v1/batches", forged, head=Head(n, other.hash)).status_code == 200


def test_rule_3_a_batch_disagreeing_with_a_heard_head_is_a_fork(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    store, key = sync_world.store, sync_world.key("PHD-01")
    mine = sync_world.records("PHD-01")
    n = len(mine)
    store.accept_batch(sync_world.sealed("PHD-01", 1, n - 4), HQ_NOW, sync_world.hq.signers.current())

    def hear(seq: int, digest: str) -> None:
        heard = SignedRequest(
            "PHD-01",
            "POST",
            "/v1/head",
            b"\0" * 32,
            HQ_NOW,
            generate().private_bytes_raw()[:16],
            Head(seq, digest),
            kid_of(key),
        )
        store.hear(heard, b"evidence %d" % seq, HQ_NOW)

    hear(n - 2, mine[n - 3].hash)
    hear(n, mine[n - 1].hash)
    forged = rewrite(mine, n - 3, note="rewritten")  # records n-3.. differ, so does n-2
    with pytest.raises(SyncRefused, match="fork"):
        store.accept_batch(seal_batch(make_batch(forged[n - 4 :]), key), HQ_NOW, sync_world.hq.signers.current())
    assert [(a.kind, a.seq) for a in store.alerts()] == [("fork", n - 2)]
    assert store.suspension("PHD-01") is not None and store.booth("PHD-01").acked_seq == n - 4


def test_heard_heads_are_checked_and_dropped_when_the_records_come(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    store, key = sync_world.store, sync_world.key("PHD-01")
    mine = sync_world.records("PHD-01")
    for seq in range(1, len(mine) + 1):
        value = signed_headers(key, "PHD-01", "POST", "/v1/head", t=HQ_NOW, head=Head(seq, mine[seq - 1].hash))[HEADER]
        store.hear(open_request(value, lambda _kid: key.public_key()), evidence(value), HQ_NOW)
    assert [h["seq"] for h in store.heads("PHD-01")] == list(range(1, len(mine) + 1))
    store.accept_batch(sync_world.sealed("PHD-01", 1, 3), HQ_NOW, sync_world.hq.signers.current())
    assert [h["seq"] for h in store.heads("PHD-01")] == list(range(4, len(mine) + 1))
    store.accept_batch(sync_world.sealed("PHD-01"), HQ_NOW, sync_world.hq.signers.current())
    assert store.heads("PHD-01") == [] and store.alerts() == []


def test_pending_heads_are_bounded(sync_world: SyncWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    from sync.hq import store as store_module

    monkeypatch.setattr(store_module, "MAX_HEADS_KEPT", 5)
    sync_world.enrol("PHD-01")
    key = sync_world.key("PHD-01")
    for seq in range(100, 112):
        value = signed_headers(key, "PHD-01", "POST", "/v1/head", t=HQ_NOW, head=Head(seq, "ab" * 32))[HEADER]
        sync_world.store.hear(open_request(value, lambda _kid: key.public_key()), evidence(value), HQ_NOW)
    assert [h["seq"] for h in sync_world.store.heads("PHD-01")] == list(range(107, 112))  # the newest five


def test_the_genesis_head_of_a_new_booth_matches(url: str, sync_world: SyncWorld) -> None:
    assert call(url, sync_world, "POST", "/v1/head", head=Head(0, genesis_hash("PHD-01"))).status_code == 200


def test_nonces_are_pruned_once_out_of_the_window(sync_world: SyncWorld) -> None:
    from sync.hq.schema import request_nonces
    from sync.hq.store import PRUNE_EVERY

    sync_world.enrol("PHD-01")
    store, key = sync_world.store, sync_world.key("PHD-01")

    def hear(t: int, now: int) -> None:
        value = signed_headers(key, "PHD-01", "POST", "/v1/head", t=t)[HEADER]
        store.hear(open_request(value, lambda _kid: key.public_key()), evidence(value), now)

    def kept() -> list[int]:
        with store.engine.connect() as conn:
            return sorted(conn.execute(request_nonces.select().with_only_columns(request_nonces.c.t)).scalars())

    hear(HQ_NOW, HQ_NOW)
    later = HQ_NOW + 2 * WINDOW + PRUNE_EVERY + 1
    hear(later, later)  # the first is out of the window: a replay of it is refused as stale anyway
    assert kept() == [later]
