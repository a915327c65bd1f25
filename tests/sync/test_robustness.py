"""Hostile input, generated: partner lists, trust bundles and USB sticks built by hypothesis.

Each test feeds Booth's readers what an attacker could hand them, often *signed by a key they
trust* (a partner root gone rogue, a compromised HQ root, a booth insider), and checks the
reader answers with one of its own errors or a verdict: never a crash, never a changed
ledger or key, and memory bounded (``tracemalloc`` peak per example).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import NOW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_client_support import World, add_records, issue, make_world, officer_session
from test_partner import make_hq

from booth.clock import FixedClock
from booth.errors import BoothError
from booth.service import Booth
from sync.client import SyncClient
from sync.client.usb import export_to
from sync.hq.cli import main as hq_main
from sync.hq.errors import HQError
from sync.hq.facade import HQ
from sync.hq.partner import export_partner_list, import_partner_list
from sync.protocol import bundle as bundle_format
from sync.protocol import cbor, cose
from sync.protocol import partner as partner_format
from sync.protocol.errors import WireError
from sync.protocol.keys import kid_of

MAX_PEAK = 64 * 1024 * 1024  # bytes of Python memory one hostile example may make the reader hold
SLOW = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any value CBOR can carry, nested a little: what a signed-but-hostile document may hold.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=40)
    | st.binary(max_size=40)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


@contextmanager
def bounded_memory() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MAX_PEAK, f"peak {peak} bytes"


def resigned(data: bytes, change: Callable[[dict[str, Any]], None], key: Any, what: str) -> bytes:
    """``data``'s payload changed by ``change`` and signed again by ``key``: hostile but genuine."""
    signed = cose.parse(data, what)
    payload = cbor.loads_cbor(signed.payload, what)
    change(payload)
    return cose.sign(cbor.dumps_cbor(payload), key, kid_of(key), content_type=signed.content_type)


def field_changes(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(fields), values, min_size=1, max_size=3)


def entry_changes(parts: list[str]) -> st.SearchStrategy[tuple[str, int, str, Any]]:
    """Change one field of one entry of a list part (an issuer, a revocation...)."""
    return st.tuples(st.sampled_from(parts), st.integers(0, 3), st.text(max_size=16), values)


def apply(payload: dict[str, Any], top: dict[str, Any], inner: tuple[str, int, str, Any] | None) -> None:
    payload.update(top)
    if inner is not None:
        part, index, name, value = inner
        entries = payload.get(part)
        if isinstance(entries, list) and entries and isinstance(entries[index % len(entries)], dict):
            entries[index % len(entries)][name or "permit_no"] = value


# -- partner lists signed by a pinned partner root


@pytest.fixture
def partners(tmp_path: Path) -> Iterator[tuple[HQ, HQ, bytes]]:
    kh, th = make_hq(tmp_path / "kh", "KH"), make_hq(tmp_path / "th", "TH")
    th.revoke(permit_no="TH-SKW-2026-000001", reason="lost", at=NOW - 100)
    genuine = export_partner_list(th, now=NOW)[1]
    import_partner_list(kh, genuine, pin=th.root_fingerprint(), now=NOW)
    yield kh, th, genuine
    kh.close()
    th.close()


PARTNER_FIELDS = ["version", "issued_at", "country", "root_public_key", "issuers", "revocations", "format", "extra"]


@SLOW
@given(top=field_changes(PARTNER_FIELDS), inner=st.none() | entry_changes(["issuers", "revocations"]))
def test_a_rogue_partner_list_signed_by_the_pinned_root_never_crashes_hq(
    partners: tuple[HQ, HQ, bytes], top: dict[str, Any], inner: tuple[str, int, str, Any] | None
) -> None:
    kh, th, genuine = partners
    hostile = resigned(genuine, lambda p: apply(p, top, inner), th.root_key(), "partner list")
    with bounded_memory():
        try:
            import_partner_list(kh, hostile, pin=None, now=NOW + 60)
        except (HQError, WireError):
            pass
    # Whatever happened, our own HQ still builds a bundle its booths can read.
    assert bundle_format.open_bundle(kh.build_bundle(now=NOW + 120)[1]).version >= 1


@SLOW
@given(data=st.binary(max_size=2048), cut=st.integers(0, 4096), flip=st.integers(0, 4096))
def test_partner_list_bytes_mangled_are_refused_in_one_error(
    partners: tuple[HQ, HQ, bytes], data: bytes, cut: int, flip: int
) -> None:
    kh, _, genuine = partners
    mangled = bytearray(genuine[: cut % (len(genuine) + 1)] + data)
    if mangled:
        mangled[flip % len(mangled)] ^= 0x40
    with bounded_memory(), pytest.raises((HQError, WireError)):
        import_partner_list(kh, bytes(mangled), pin=None, now=NOW + 60)
    assert partner_format.CONTENT_TYPE  # the genuine list stays the one stored:
    assert export_partner_list(kh, now=NOW + 60)[0].country == "KH"


# -- trust bundles signed by the booth's pinned root


@pytest.fixture
def pinned_booth(tmp_path: Path, hq: HQ) -> Iterator[tuple[HQ, Booth, bytes]]:
    hq.revoke(permit_no="KH-BTB-2026-000009", reason="lost", at=NOW - 100)
    genuine = hq.build_bundle(now=NOW)[1]
    booth = Booth.init(tmp_path / "booth", booth_id="PHD-01", checkpoint="KH-PHD", clock=FixedClock(NOW + 60))
    booth.install_bundle(genuine, pin=hq.root_fingerprint())
    officer_session(booth)
    yield hq, booth, genuine
    booth.close()


BUNDLE_FIELDS = [
    "version",
    "issued_at",
    "expires_at",
    "hq_time",
    "max_offline_age",
    "issuers",
    "checkpoints",
    "revocations",
    "watchlist",
    "sealed_watchlist",
    "watchlist_key_id",
    "booths",
    "officers",
    "policy",
    "used_up",
    "genuine",
    "next_root_public_key",
    "format",
]


@SLOW
@given(
    top=field_changes(BUNDLE_FIELDS),
    inner=st.none() | entry_changes(["issuers", "checkpoints", "revocations", "sealed_watchlist"]),
)
def test_a_hostile_bundle_signed_by_the_pinned_root_never_crashes_the_booth(
    pinned_booth: tuple[HQ, Booth, bytes], top: dict[str, Any], inner: tuple[str, int, str, Any] | None
) -> None:
    hq, booth, genuine = pinned_booth

    def change(payload: dict[str, Any]) -> None:
        payload["version"] = payload["version"] + 1  # newer than installed, unless ``top`` says otherwise
        apply(payload, top, inner)

    hostile = resigned(genuine, change, hq.root_key(), "trust bundle")
    before = booth.ledger.head()
    with bounded_memory():
        try:
            booth.install_bundle(hostile)
        except (BoothError, WireError):
            assert booth.ledger.head() == before  # a refused bundle leaves no trace but the refusal
        outcome = booth.scan(officer_session(booth), issue(hq), direction="entry", channel="cli")
    assert outcome.verdict is not None
    assert booth.verify_chain().ok


# -- USB sticks: hostile folders for HQ's import and the booth's export


@pytest.fixture
def stick_world(tmp_path: Path, hq: HQ) -> Iterator[tuple[World, dict[str, bytes]]]:
    """An enrolled booth with records, the genuine files its export writes, and a link-free HQ."""
    w = make_world(tmp_path, hq)
    SyncClient(w.booth, w.url).enrol(w.token, pin=w.fingerprint)
    w.stop()
    w.booth.scan(officer_session(w.booth), issue(w.hq), direction="entry", channel="camera")
    add_records(w.booth, 30)
    first = tmp_path / "first-stick"
    first.mkdir()
    export_to(w.booth, first)
    genuine = {p.name: p.read_bytes() for p in (first / "booth-PHD-01").iterdir()}
    CliRunner().invoke(hq_main, ["--data-dir", str(w.hq_dir), "import", str(first)], catch_exceptions=False)
    genuine.update({p.name: p.read_bytes() for p in first.rglob("*") if p.is_file()})
    yield w, genuine
    w.booth.close()


NAMES = [
    "booth-PHD-01/batch-1-40.bin",
    "booth-PHD-01/batch-41-45.bin",
    "booth-PHD-01/receipt-40.cose",
    "booth-PHD-01/receipt-99.cose",
    "booth-PHD-02/batch-1-3.bin",
    "booth-PHD-01/trust.bundle",
    "trust.bundle",
    "old.bundle",
    "booth-PHD-01/batch-1-40.bin.tmp",
]
KINDS = ["random", "genuine", "flipped", "truncated", "empty", "folder", "link-ledger", "link-key", "link-zero", "big"]


@st.composite
def sticks(draw: st.DrawFn) -> list[tuple[str, str, bytes, int]]:
    count = draw(st.integers(1, 6))
    return [
        (
            draw(st.sampled_from(NAMES)),
            draw(st.sampled_from(KINDS)),
            draw(st.binary(max_size=300)),
            draw(st.integers(0, 10**6)),
        )
        for _ in range(count)
    ]


def lay_out(stick: Path, entries: list[tuple[str, str, bytes, int]], genuine: dict[str, bytes], w: World) -> None:
    sources = sorted(genuine)
    for name, kind, noise, n in entries:
        path = stick / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            continue
        real = genuine[sources[n % len(sources)]]
        if kind == "random":
            path.write_bytes(noise)
        elif kind == "genuine":
            path.write_bytes(real)
        elif kind == "flipped":
            flipped = bytearray(real)
            flipped[n % len(flipped)] ^= 1 << (n % 8)
            path.write_bytes(bytes(flipped))
        elif kind == "truncated":
            path.write_bytes(real[: n % len(real)])
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "folder":
            path.mkdir()
        elif kind == "big":
            with path.open("wb") as f:
                f.truncate(65 * 1024 * 1024)  # sparse: costs no disk, and is over every cap
        else:
            target = {"link-ledger": w.booth.data_dir / "ledger.db", "link-key": w.hq.paths.root_key}
            path.symlink_to(target.get(kind, Path("/dev/zero")))


def fingerprints(w: World) -> tuple[bytes, bytes]:
    return w.hq.paths.root_key.read_bytes(), (w.booth.data_dir / "keys" / "booth.pem").read_bytes()


@SLOW
@given(entries=sticks())
def test_a_hostile_stick_never_crashes_hq_or_the_booth(
    stick_world: tuple[World, dict[str, bytes]], entries: list[tuple[str, str, bytes, int]]
) -> None:
    w, genuine = stick_world
    keys_before = fingerprints(w)
    stick = Path(tempfile.mkdtemp(dir=w.booth.data_dir.parent))
    try:
        lay_out(stick, entries, genuine, w)
        with bounded_memory():
            result = CliRunner().invoke(hq_main, ["--data-dir", str(w.hq_dir), "import", str(stick)])
        # 1: batches refused; 3: the stick itself refused (a folder where a file must go); never 4, a fault
        assert result.exit_code in (0, 1, 3), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        if result.exit_code != 0:
            assert result.stderr.strip(), "a refusal says why"
        with bounded_memory():
            try:
                export_to(w.booth, stick)
            except (BoothError, WireError, OSError):
                pass
    finally:
        shutil.rmtree(stick)
    assert fingerprints(w) == keys_before
    assert w.booth.verify_chain().ok
    at_hq = list(w.hq.sync_store.records("PHD-01"))
    assert at_hq == list(w.booth.ledger.records(1, len(at_hq)))  # HQ holds a true prefix, nothing else
    assert not os.path.exists(w.hq_dir / "hq.db.tmp")


# -- batches to the live server, signed by an enrolled booth's key (an insider)


def hostile_batch(key: Any, header: dict[str, Any], records: list[Any], raw: bool) -> bytes:
    """A format-2 batch built by hand: ``header`` and ``records`` as given (CBOR values, or bytes
    used as they are when ``raw``), compressed and signed by ``key``."""
    import zlib

    from sync.protocol.batch import BATCH_TYPE

    encoded = [r if raw and isinstance(r, bytes) else cbor.dumps_cbor(r) for r in records]
    inflated = cbor.dumps_cbor([cbor.dumps_cbor(header), encoded])
    return cose.sign(zlib.compress(inflated, 6), key, kid_of(key), content_type=BATCH_TYPE)


def genuine_parts(world: Any) -> tuple[dict[str, Any], list[list[Any]]]:
    """The header and records of the booth's genuine first batch, to mutate."""
    from sync.protocol.batch import _wire

    records = world.records("PHD-01")
    header = {
        "v": 2,
        "booth": "PHD-01",
        "first": records[0].seq,
        "last": records[-1].seq,
        "prev": bytes.fromhex(records[0].prev_hash),
        "head": bytes.fromhex(records[-1].hash),
    }
    return header, [_wire(r) for r in records]


HEADER_FIELDS = ["v", "booth", "first", "last", "prev", "head", "extra"]
record_values = st.lists(values, max_size=24) | values


@pytest.fixture
def insider(sync_world: Any) -> Iterator[tuple[Any, Callable[[bytes], Any]]]:
    """A live server, and a way to POST a batch under PHD-01's genuine signed request header."""
    import httpx
    from hq_server import signed_headers

    sync_world.enrol("PHD-01")
    url = sync_world.serve()
    key = sync_world.key("PHD-01")
    with httpx.Client(base_url=url, timeout=60) as http:

        def post(wire: bytes) -> httpx.Response:
            import time

            headers = signed_headers(key, "PHD-01", "POST", "/v1/batches", wire, t=int(time.time()))
            return http.post(
                "/v1/batches", content=wire, headers={**headers, "Content-Type": "application/octet-stream"}
            )

        yield sync_world, post


@SLOW
@given(
    header_changes=st.dictionaries(st.sampled_from(HEADER_FIELDS), values, max_size=2),
    record_changes=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 30), values), max_size=3),
    extra=st.lists(record_values | st.binary(max_size=64), max_size=2),
    drop=st.integers(0, 3),
    raw=st.booleans(),
)
def test_hostile_but_signed_batches_never_make_hq_answer_5xx(
    insider: tuple[Any, Callable[[bytes], Any]],
    header_changes: dict[str, Any],
    record_changes: list[tuple[int, int, Any]],
    extra: list[Any],
    drop: int,
    raw: bool,
) -> None:
    """Mutations of a genuine batch (its header, some record fields, records added or dropped),
    signed again by the booth's own key: refused with a reason, or stored as true history."""
    world, post = insider
    header, records = genuine_parts(world)
    header.update(header_changes)
    for index, field, value in record_changes:
        record = records[index % len(records)]
        record[field % len(record)] = value
    records = records[: len(records) - drop] + extra
    answer = post(hostile_batch(world.key("PHD-01"), header, records, raw))
    assert answer.status_code < 500, answer.text
    assert answer.status_code == 200 or "reason" in answer.json()
    stored = list(world.store.records("PHD-01"))
    assert stored == world.records("PHD-01")[: len(stored)]  # only ever the booth's true history
