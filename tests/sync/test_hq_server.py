"""The HQ server over real HTTP (uvicorn on 127.0.0.1), on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
import os
import random
import socket
import threading
import zlib
from dataclasses import replace
from urllib.parse import urlsplit

import cbor2
import httpx
import pytest
from conftest import hq_receipt
from hq_server import NOW, SyncWorld, rewrite, signed_headers

from sync.protocol import cbor, cose, keys
from sync.protocol.batch import BATCH_TYPE, make_batch, seal_batch
from sync.protocol.bundle import WatchlistKey, open_bundle
from sync.protocol.keys import generate
from sync.protocol.times import DAY


class Clock:
    def __init__(self, at: int) -> None:
        self.at = at

    def __call__(self) -> int:
        return self.at


class Signer:
    """An httpx request hook: signs every call but the open ones as booth ``as_booth``, at HQ's time."""

    def __init__(self, world: SyncWorld, clock: Clock, as_booth: str = "PHD-01") -> None:
        self.world, self.clock, self.as_booth = world, clock, as_booth

    def __call__(self, request: httpx.Request) -> None:
        if request.url.path in ("/v1/time", "/v1/enrol", "/v1/root"):
            return
        body = request.read()
        path = request.url.raw_path.decode()
        key = self.world.key(self.as_booth)
        request.headers.update(signed_headers(key, self.as_booth, request.method, path, body, t=self.clock()))


def client(base_url: str | httpx.URL, signer: Signer | None = None) -> httpx.Client:
    hooks = {"request": [signer]} if signer else {}
    return httpx.Client(base_url=base_url, timeout=60, event_hooks=hooks)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW + 100)


@pytest.fixture
def signer(sync_world: SyncWorld, clock: Clock) -> Signer:
    return Signer(sync_world, clock)


@pytest.fixture
def api(sync_world: SyncWorld, clock: Clock, signer: Signer):
    with client(sync_world.serve(clock=clock), signer) as api:
        yield api


def enrol(api: httpx.Client, world: SyncWorld, booth_id: str, token: str | None = None) -> httpx.Response:
    token = token or world.add(booth_id)
    return api.post(
        "/v1/enrol",
        json={"booth_id": booth_id, "token": token, "public_key": keys.raw_public(world.key(booth_id)).hex()},
    )


def push(api: httpx.Client, wire: bytes) -> httpx.Response:
    return api.post("/v1/batches", content=wire, headers={"Content-Type": "application/octet-stream"})


def test_time(api: httpx.Client) -> None:
    assert api.get("/v1/time").json() == {"hq_time": NOW + 100}


def test_enrol(api: httpx.Client, sync_world: SyncWorld) -> None:
    token = sync_world.add("PHD-01")
    wrong = enrol(api, sync_world, "PHD-01", token="ABCD-" + token[5:])
    assert (wrong.status_code, wrong.json()) == (403, {"reason": "bad_token"})
    unknown = enrol(api, sync_world, "STB-01", token=token)
    assert (unknown.status_code, unknown.json()) == (403, {"reason": "bad_token"})
    ok = enrol(api, sync_world, "PHD-01", token=token)
    root = sync_world.hq.root_key()
    assert ok.status_code == 200 and ok.json() == {
        "booth_id": "PHD-01",
        "checkpoint": "KH-PHD",
        "root_public_key": keys.raw_public(root).hex(),
        "root_fingerprint": keys.fingerprint(root),
        "hq_time": NOW + 100,
        "watchlist_key": sync_world.hq.watchlist_key().hex(),
    }
    repeated = enrol(api, sync_world, "PHD-01", token=token)  # the answer was lost: same key, same answer
    assert repeated.status_code == 200 and repeated.json() == ok.json()
    reused = api.post(
        "/v1/enrol", json={"booth_id": "PHD-01", "token": token, "public_key": keys.raw_public(keys.generate()).hex()}
    )
    assert (reused.status_code, reused.json()) == (403, {"reason": "bad_token"})  # another key: refused


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[]",
        b'{"booth_id": "PHD-01"}',
        b'{"booth_id": 5, "token": "x", "public_key": "00"}',
        b'{"booth_id": "a\\u0000", "token": "\\ud800", "public_key": "' + b"0" * 64 + b'"}',
        os.urandom(300),
    ],
)
def test_enrol_bad_input_is_4xx_json(api: httpx.Client, body: bytes) -> None:
    answer = api.post("/v1/enrol", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code in (400, 403) and "reason" in answer.json()


def test_batch_receipt_resend_gap_and_latest(api: httpx.Client, sync_world: SyncWorld, clock: Clock) -> None:
    assert enrol(api, sync_world, "PHD-01").status_code == 200
    n = len(sync_world.records("PHD-01"))
    first = push(api, sync_world.sealed("PHD-01", 1, n - 2))
    assert first.status_code == 200 and first.headers["content-type"] == "application/cose"
    assert first.headers["x-acked-seq"] == str(n - 2)
    receipt = hq_receipt(first.content, sync_world.hq)
    assert (receipt.booth_id, receipt.acked_seq, receipt.at) == ("PHD-01", n - 2, NOW + 100)
    clock.at += 60
    again = push(api, sync_world.sealed("PHD-01", 1, n - 2))
    assert again.status_code == 200 and again.content == first.content  # the same bytes

    sync_world.more("PHD-01", 3)
    gap = push(api, sync_world.sealed("PHD-01", n + 1))
    assert (gap.status_code, gap.json()["reason"], gap.json()["acked_seq"]) == (409, "gap", n - 2)
    overlap = push(api, sync_world.sealed("PHD-01", n - 3))
    assert overlap.status_code == 200 and overlap.headers["x-acked-seq"] == str(n + 3)
    assert list(sync_world.store.records("PHD-01")) == sync_world.records("PHD-01")
    latest = api.get("/v1/receipts/PHD-01")
    assert latest.status_code == 200 and latest.content == overlap.content
    other = api.get("/v1/receipts/STB-01")  # another booth's activity is not PHD-01's to read
    assert (other.status_code, other.json()["reason"]) == (403, "not_yours")


def test_refusals(api: httpx.Client, sync_world: SyncWorld) -> None:
    assert enrol(api, sync_world, "PHD-01").status_code == 200
    mine = sync_world.records("PHD-01")

    def reason(wire: bytes) -> tuple[int, str]:
        answer = push(api, wire)
        return answer.status_code, answer.json()["reason"]

    # the caller is PHD-01: a batch signed by any other key is refused before it is read
    assert reason(sync_world.sealed("STB-01")) == (403, "bad_signature")
    assert reason(sync_world.sealed("PHD-01", key=generate())) == (403, "bad_signature")
    assert enrol(api, sync_world, "STB-01").status_code == 200
    assert reason(sync_world.sealed("STB-01", key=sync_world.key("PHD-01"))) == (403, "bad_signature")
    batch = make_batch(mine)
    changed = (*batch.records[:2], replace(batch.records[2], note="x"), *batch.records[3:])
    assert reason(seal_batch(replace(batch, records=changed), sync_world.key("PHD-01"))) == (400, "bad_chain")
    assert push(api, sync_world.sealed("PHD-01")).status_code == 200
    forged = seal_batch(make_batch(rewrite(mine, 2, note="rewritten")), sync_world.key("PHD-01"))
    fork = push(api, forged)
    assert (fork.status_code, fork.json()["reason"], fork.json()["acked_seq"]) == (409, "fork", len(mine))
    assert sync_world.store.forks("PHD-01")[0]["wire"] == forged
    sync_world.store.revoke_booth("PHD-01", now=NOW)
    assert reason(sync_world.sealed("PHD-01")) == (403, "revoked")


@functools.cache
def _bomb() -> bytes:
    return zlib.compress(b"\0" * (80 * 1024 * 1024), 9)  # 80 KiB that inflate to 80 MiB


def _junk(rng: random.Random) -> bytes:
    kind = rng.randrange(5)
    if kind == 0:
        return rng.randbytes(rng.randrange(1, 2000))
    if kind == 1:  # valid zlib of junk
        return zlib.compress(rng.randbytes(rng.randrange(0, 500)))
    if kind == 2:  # zlib of random CBOR
        return zlib.compress(cbor2.dumps(rng.choice([{}, [1, 2], "x", {"v": 1, "booth": "PHD-01"}, 2**80, None])))
    if kind == 3:  # a COSE_Sign1 with a hostile payload, signed by someone
        payload = rng.choice(
            [
                {
                    "v": 1,
                    "booth": "PHD-01",
                    "first": 1,
                    "last": 1,
                    "prev": b"\0" * 32,
                    "head": b"\0" * 32,
                    "records": [[1] * 27],
                },
                {
                    "v": 1,
                    "booth": "x\0y",
                    "first": -5,
                    "last": -5,
                    "prev": b"\0" * 32,
                    "head": b"\0" * 32,
                    "records": [None],
                },
                {
                    "v": 1,
                    "booth": "PHD-01",
                    "first": 2**70,
                    "last": 2**70,
                    "prev": b"1" * 32,
                    "head": b"2" * 32,
                    "records": [[2**70] * 27],
                },
            ]
        )
        return cose.sign(zlib.compress(cbor.dumps_cbor(payload)), generate(), b"12345678", content_type=BATCH_TYPE)
    return b"\xd2\x84" + rng.randbytes(40)


def test_junk_is_400_never_500(api: httpx.Client, sync_world: SyncWorld) -> None:
    assert enrol(api, sync_world, "PHD-01").status_code == 200
    rng = random.Random(7)
    good = sync_world.sealed("PHD-01")
    bodies = [_junk(rng) for _ in range(60)] + [good[: len(good) // 2], good + b"x", b"", _bomb()]
    for body in bodies:
        answer = push(api, body)
        assert answer.status_code in (400, 403, 413), (answer.status_code, answer.text, body[:40])
        assert answer.json()["reason"]
    assert push(api, good).status_code == 200


def test_too_large_is_413_and_the_server_lives_on(sync_world: SyncWorld, signer: Signer, clock: Clock) -> None:
    limit = 256 * 1024
    sync_world.enrol("PHD-01")
    with client(sync_world.serve(max_body=limit, clock=clock), signer) as api:
        declared = push(api, b"\0" * (limit + 1))
        assert (declared.status_code, declared.json()["reason"]) == (413, "too_large")
        streamed = api.post("/v1/batches", content=iter([b"\0" * 65536] * 8))  # chunked: no Content-Length
        assert (streamed.status_code, streamed.json()["reason"]) == (413, "too_large")
        host, port = urlsplit(str(api.base_url)).hostname, urlsplit(str(api.base_url)).port
        with socket.create_connection((host, port), timeout=10) as raw:  # claims 10 GB, sends little
            header = signed_headers(sync_world.key("PHD-01"), "PHD-01", "POST", "/v1/batches", b"abc", t=clock())
            head = f"POST /v1/batches HTTP/1.1\r\nHost: x\r\nBooth-Request: {header['Booth-Request']}\r\n"
            raw.sendall(head.encode() + b"Content-Length: 10000000000\r\n\r\nabc")
            assert raw.recv(4096).startswith(b"HTTP/1.1 413")
        assert api.get("/v1/time").status_code == 200


def test_bundle_200_304_and_rebuilt(api: httpx.Client, sync_world: SyncWorld, clock: Clock, signer: Signer) -> None:
    assert enrol(api, sync_world, "STB-01").status_code == 200  # the caller; the bundle lists it
    signer.as_booth = "STB-01"
    first = api.get("/v1/bundle", params={"have": 0})
    assert first.status_code == 200 and first.headers["content-type"] == "application/cose"
    version = open_bundle(first.content).version
    assert first.headers["x-bundle-version"] == str(version)
    key = WatchlistKey.from_hex(first.headers["x-watchlist-key"])
    assert key == sync_world.hq.watchlist_key() and key.kid == open_bundle(first.content).watchlist_key_id
    assert key.secret not in first.content and key.hex().encode() not in first.content
    assert api.get("/v1/bundle", params={"have": version}).status_code == 304
    assert api.get("/v1/bundle", params={"have": version + 5}).status_code == 304
    assert api.get("/v1/bundle", params={"have": "x"}).status_code == 400

    assert enrol(api, sync_world, "PHD-01").status_code == 200  # a new booth: the bundle lists it
    listed = open_bundle(api.get("/v1/bundle", params={"have": version}).content)
    assert listed.version > version and [b.booth_id for b in listed.booths] == ["PHD-01", "STB-01"]
    assert api.get("/v1/bundle", params={"have": listed.version}).status_code == 304

    clock.at = listed.issued_at + listed.max_offline_age // 2 + 1  # half its age gone: rebuilt
    fresh = open_bundle(api.get("/v1/bundle", params={"have": listed.version}).content)
    assert fresh.version > listed.version and fresh.issued_at == clock.at
    assert fresh.max_offline_age == listed.max_offline_age == 7 * DAY
    assert api.get("/v1/bundle", params={"have": fresh.version}).status_code == 304
    built = sync_world.hq.build_bundle(now=clock.at, max_offline_days=3)[0]  # booth-hq bundle build: served at once
    assert open_bundle(api.get("/v1/bundle").content).version == built.version


def test_no_bundle_yet_is_404(sync_world: SyncWorld, signer: Signer, clock: Clock) -> None:
    (sync_world.hq.paths.root / "bundles" / "latest.cose").unlink()
    sync_world.enrol("PHD-01")
    with client(sync_world.serve(clock=clock), signer) as api:
        answer = api.get("/v1/bundle")
        assert (answer.status_code, answer.json()["reason"]) == (404, "no_bundle")


def test_concurrent_http_pushes(sync_world: SyncWorld, clock: Clock, signer: Signer) -> None:
    """The store under concurrent pushes of one booth (the server's per-booth limit lifted)."""
    from sync.hq.limits import BatchLimits

    api = client(sync_world.serve(clock=clock, batch_limits=BatchLimits(per_booth=8, concurrent=8)), signer)
    assert enrol(api, sync_world, "PHD-01").status_code == 200
    sync_world.more("PHD-01", 30)
    wires = [sync_world.sealed("PHD-01")] * 4 + [sync_world.sealed("PHD-01", 1, 10)] * 2
    answers: list[httpx.Response] = []

    def send(wire: bytes) -> None:
        with client(api.base_url, signer) as own:
            answers.append(push(own, wire))

    threads = [threading.Thread(target=send, args=(w,)) for w in wires]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200] * 6
    assert len({a.content for a in answers if a.headers["x-acked-seq"] == "10"}) == 1
    assert len({a.content for a in answers if a.headers["x-acked-seq"] != "10"}) == 1
    assert list(sync_world.store.records("PHD-01")) == sync_world.records("PHD-01")


def test_unknown_paths_and_methods_are_json(api: httpx.Client) -> None:
    missing = api.get("/v1/nothing")
    assert (missing.status_code, missing.json()["reason"]) == (404, "not_found")
    wrong = api.delete("/v1/batches")
    assert (wrong.status_code, wrong.json()["reason"]) == (405, "method_not_allowed")
    assert api.get("/openapi.json").json()["paths"].keys() >= {
        "/v1/time",
        "/v1/enrol",
        "/v1/batches",
        "/v1/receipts/{booth_id}",
        "/v1/bundle",
        "/v1/head",
        "/v1/root",
    }


def test_unexpected_failure_is_a_json_500_and_the_server_lives_on(api: httpx.Client, sync_world: SyncWorld) -> None:
    assert enrol(api, sync_world, "PHD-01").status_code == 200
    cert_file = sync_world.hq.paths.signer_cert
    good = cert_file.read_bytes()
    cert_file.write_bytes(b"damaged")  # the online signer's certificate, unreadable
    try:
        broken = push(api, sync_world.sealed("PHD-01"))
        assert (broken.status_code, broken.json()) == (500, {"reason": "internal"})
    finally:
        cert_file.write_bytes(good)
    assert push(api, sync_world.sealed("PHD-01")).status_code == 200


def _empty_arrays(count: int) -> bytes:
    """CBOR array(count) of empty arrays: a few KB of zlib that a decoder would build into millions of lists."""
    return b"\x9a" + count.to_bytes(4, "big") + b"\x80" * count


def _never_inflate(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server runs in this process: any call to the batch inflater fails the test."""
    import sync.protocol.batch

    def refuse(*_args: object) -> bytes:
        raise AssertionError("a batch was inflated before its sender was authenticated")

    monkeypatch.setattr(sync.protocol.batch, "inflate", refuse)


def test_a_bomb_from_an_unknown_key_is_refused_without_inflating(api, sync_world, monkeypatch) -> None:
    """The attack: 15 KB of zlib holding 16 million empty CBOR arrays, in a well-formed format-2
    envelope. The sender is looked up by the key id in the protected header and refused: its
    payload is never inflated, let alone decoded."""
    import time

    from sync.protocol.keys import kid_of

    sync_world.enrol("PHD-01")  # the caller (the Signer) is enrolled; the batch's key is a stranger's
    _never_inflate(monkeypatch)
    bomb = zlib.compress(_empty_arrays(16_000_000), 9)
    assert len(bomb) < 20 * 1024
    stranger = generate()
    unknown = cose.sign(bomb, stranger, kid_of(stranger), content_type=BATCH_TYPE)
    impostor = cose.sign(bomb, stranger, kid_of(sync_world.key("PHD-01")), content_type=BATCH_TYPE)
    # not the calling booth's key: refused at once; its key id with another key: refused by the signature
    for wire, expected in ((unknown, (403, "bad_signature")), (impostor, (403, "bad_signature"))):
        started = time.perf_counter()
        answer = push(api, wire)
        took = time.perf_counter() - started
        assert (answer.status_code, answer.json()["reason"]) == expected
        assert took < 0.5, took  # inflating and decoding it first took seconds and gigabytes


def test_a_format_1_batch_is_refused_with_a_clear_reason(api, sync_world, monkeypatch) -> None:
    """Format 1 put zlib outside the signature; HQ no longer inflates anything to find a sender."""
    from sync.protocol.batch import BATCH_TYPE_1, FORMAT_1_REFUSED
    from sync.protocol.keys import kid_of

    assert enrol(api, sync_world, "PHD-01").status_code == 200
    _never_inflate(monkeypatch)
    key = sync_world.key("PHD-01")
    old_bomb = zlib.compress(cose.sign(_empty_arrays(16_000_000), key, kid_of(key), content_type=BATCH_TYPE_1), 9)
    old_batch = zlib.compress(cose.sign(b"\xa0", key, kid_of(key), content_type=BATCH_TYPE_1), 6)
    old_type_unzipped = cose.sign(b"\xa0", key, kid_of(key), content_type=BATCH_TYPE_1)
    for wire in (old_bomb, old_batch, old_type_unzipped):
        answer = push(api, wire)
        assert (answer.status_code, answer.json()) == (400, {"reason": "bad_format", "detail": FORMAT_1_REFUSED})


def test_one_batch_in_flight_per_booth_while_other_booths_get_through(
    api, sync_world, monkeypatch, signer, clock
) -> None:
    """A second batch from a booth whose first is still being checked gets 429 with Retry-After
    at once, not a thread; another booth's batch goes through meanwhile."""
    from concurrent.futures import ThreadPoolExecutor

    from sync.hq.store import SyncStore
    from sync.protocol.batch import peek_kid
    from sync.protocol.keys import kid_of

    sync_world.enrol("PHD-01")
    sync_world.enrol("STB-01")
    entered, release = threading.Event(), threading.Event()
    original = SyncStore.accept_batch

    def slow(self, wire, now, key):
        if peek_kid(wire) == kid_of(sync_world.key("PHD-01")) and not release.is_set():
            entered.set()
            release.wait(30)
        return original(self, wire, now, key)

    monkeypatch.setattr(SyncStore, "accept_batch", slow)
    stb = Signer(sync_world, clock, as_booth="STB-01")
    with (
        ThreadPoolExecutor(1) as pool,
        client(api.base_url, signer) as other_link,
        client(api.base_url, stb) as stb_link,
    ):
        first = pool.submit(push, other_link, sync_world.sealed("PHD-01"))
        assert entered.wait(30)
        second = push(api, sync_world.sealed("PHD-01"))
        assert (second.status_code, second.json()["reason"], second.headers["retry-after"]) == (429, "busy", "1")
        assert push(stb_link, sync_world.sealed("STB-01")).status_code == 200
        assert api.get("/v1/time").status_code == 200
        release.set()
        assert first.result(30).status_code == 200
    assert push(api, sync_world.sealed("PHD-01")).status_code == 200  # the slot is free again


def test_a_booths_rate_is_limited_and_forgeries_do_not_spend_it(sync_world, clock, signer) -> None:
    from sync.hq.limits import BatchLimits

    sync_world.enrol("PHD-01")
    with client(sync_world.serve(clock=clock, batch_limits=BatchLimits(per_minute=3)), signer) as api:
        from sync.protocol.keys import kid_of

        payload = cose.parse_envelope(sync_world.sealed("PHD-01")).payload
        forged = cose.sign(payload, generate(), kid_of(sync_world.key("PHD-01")), content_type=BATCH_TYPE)
        unknown = sync_world.sealed("PHD-01", key=generate())
        for _ in range(10):
            assert push(api, forged).json()["reason"] == "bad_signature"
            assert push(api, unknown).json()["reason"] == "bad_signature"  # not the caller's key
        assert [push(api, sync_world.sealed("PHD-01")).status_code for _ in range(3)] == [200] * 3
        limited = push(api, sync_world.sealed("PHD-01"))
        assert (limited.status_code, limited.json()["reason"]) == (429, "rate_limited")
        assert int(limited.headers["retry-after"]) == 20  # one batch every 20 s at 3 a minute
