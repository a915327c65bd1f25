"""Sync by USB stick: `booth sync export`, `booth-hq import`, and back; the stick is never trusted."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import cbor2
import pytest
from click.testing import CliRunner
from conftest import NOW, rogue_receipt
from test_client_support import (
    CHECKPOINT,
    World,
    add_records,
    hq_records,
    issue,
    make_world,
    officer_session,
)

from booth.clock import FixedClock
from booth.service import Booth
from sync.client import SyncClient
from sync.client.usb import export_to
from sync.hq.cli import main as hq_main
from sync.hq.facade import HQ
from sync.protocol import cose
from sync.protocol.batch import Receipt
from sync.protocol.bundle import TrustBundle, sign_bundle
from sync.protocol.errors import DocumentRefused, UnsafePath
from sync.protocol.keys import generate, raw_public


@pytest.fixture
def usb_world(tmp_path: Path, hq: HQ) -> World:
    """A booth enrolled over the network once, whose link is now gone: the stick is all there is."""
    w = make_world(tmp_path, hq)
    SyncClient(w.booth, w.url).enrol(w.token, pin=w.fingerprint)
    w.stop()
    yield w
    w.booth.close()


def hq_import(world: World, stick: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        hq_main, ["--data-dir", str(world.hq_dir), "import", str(stick)], catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def test_round_trip_acks_and_bundle_come_back(usb_world: World, tmp_path: Path) -> None:
    w, stick = usb_world, tmp_path / "stick"
    stick.mkdir()
    session = officer_session(w.booth)
    w.booth.scan(session, issue(w.hq), direction="entry", channel="camera")
    add_records(w.booth, 6000)
    first = export_to(w.booth, stick)
    head = w.booth.ledger.head()[0]
    assert first.written == ["batch-1-5000.bin", f"batch-5001-{head}.bin"] and first.records == head
    assert first.acked_seq == 0 and not first.problems

    installed = w.booth.trust.require().version
    w.hq.revoke(permit_no="KH-BTB-2026-000042", reason="stolen", at=NOW)
    w.hq.build_bundle(now=NOW)  # HQ has news for the booth
    code, out, err = hq_import(w, stick)
    assert code == 0, out + err
    assert out.count("accepted") == 2
    assert len(hq_records(w.hq)) == head and w.booth.ledger.acked_seq() == 0  # HQ has it; the booth does not know

    w.booth.scan(session, issue(w.hq, doc="N7654321"), direction="entry", channel="camera")
    second = export_to(w.booth, stick)
    assert second.acked_seq == head and second.receipts_accepted == 2
    assert second.bundle_installed is not None and second.bundle_installed > installed
    assert w.booth.trust.require().is_revoked("KH-BTB-2026-000042", "")
    new_head = w.booth.ledger.head()[0]
    assert second.written == [f"batch-{head + 1}-{new_head}.bin"]  # only what HQ lacks
    assert sorted(second.removed) == ["batch-1-5000.bin", f"batch-5001-{head}.bin"]  # acknowledged: gone
    assert any("acknowledges records up to" in line for line in second.lines)

    assert hq_import(w, stick)[0] == 0
    third = export_to(w.booth, stick)
    assert third.acked_seq == new_head and third.bundle_installed is None and not third.problems
    assert hq_import(w, stick)[0] == 0
    export_to(w.booth, stick)
    assert w.booth.ledger.acked_seq() == w.booth.ledger.head()[0] - 1  # the last export's own audit record
    assert_hq_has_everything_but_last(w)


def assert_hq_has_everything_but_last(w: World) -> None:
    at_hq = hq_records(w.hq)
    assert at_hq == list(w.booth.ledger.records())[:-1]


def test_a_tampered_batch_is_refused_by_hq_and_the_others_still_go_in(usb_world: World, tmp_path: Path) -> None:
    w, stick = usb_world, tmp_path / "stick"
    stick.mkdir()
    other_token = w.hq.sync_store.add_booth("PHD-02", CHECKPOINT, now=NOW)
    other = Booth.init(tmp_path / "other", booth_id="PHD-02", checkpoint=CHECKPOINT, clock=FixedClock(NOW))
    w.start()
    SyncClient(other, w.url).enrol(other_token, pin=w.fingerprint)
    w.stop()
    add_records(w.booth, 7000)
    add_records(other, 10)
    export_to(w.booth, stick)
    export_to(other, stick)
    mine = stick / "booth-PHD-01"
    last = sorted(mine.glob("batch-5001-*.bin"))[0]
    signed = cose.parse_envelope(last.read_bytes())
    payload = zlib.decompress(signed.payload)
    assert b"filler 6000 " in payload
    changed = zlib.compress(payload.replace(b"filler 6000 ", b"filler 6001 "))  # a record changed
    last.write_bytes(cbor2.dumps(cbor2.CBORTag(18, [signed.protected, {}, changed, signed.signature])))

    code, out, err = hq_import(w, stick)
    assert code == 1
    assert f"{last.name}: refused: bad_signature" in out
    assert "1 file(s) refused; see the lines above\n" == err  # no alert to look for: none was raised
    assert out.count("accepted") == 2  # PHD-01's first file and PHD-02's
    assert len(hq_records(w.hq)) == 5000 and len(hq_records(w.hq, "PHD-02")) == other.ledger.head()[0]

    again = export_to(w.booth, stick)  # the receipt for 1-5000 comes back; the rest is written afresh
    assert again.acked_seq == 5000 and not again.problems
    assert hq_import(w, stick)[0] == 0
    export_to(w.booth, stick)
    assert_hq_has_everything_but_last(w)
    other.close()


def test_the_booth_refuses_tampered_receipts_and_bundles_on_the_stick(usb_world: World, tmp_path: Path) -> None:
    w, stick = usb_world, tmp_path / "stick"
    stick.mkdir()
    add_records(w.booth, 20)
    export_to(w.booth, stick)
    assert hq_import(w, stick)[0] == 0
    mine = stick / "booth-PHD-01"
    receipt = next(mine.glob("receipt-*.cose"))
    genuine_receipt = receipt.read_bytes()
    receipt.write_bytes(genuine_receipt[:-1] + bytes([genuine_receipt[-1] ^ 1]))  # signature broken
    rogue = generate()  # a receipt by another key, claiming everything
    seq, head = w.booth.ledger.head()
    (mine / f"receipt-{seq}.cose").write_bytes(rogue_receipt(Receipt("PHD-01", seq, head, NOW)))
    (mine / "receipt-9.cose").write_bytes(b"not a receipt at all")
    current = w.booth.trust.require()
    forged = sign_bundle(
        TrustBundle(
            version=current.version + 5,
            issued_at=NOW,
            expires_at=NOW + 9,
            hq_time=NOW,
            max_offline_age=9,
            root_public_key=raw_public(rogue),
        ),
        rogue,
    )
    (stick / "trust.bundle").write_bytes(forged)
    (stick / "old.bundle").write_bytes(w.booth.trust.dir.joinpath("bundle.cose").read_bytes())  # not newer
    (stick / "garbled.bundle").write_bytes(forged[:-3] + b"xyz")

    report = export_to(w.booth, stick)
    assert report.acked_seq == 0 and report.receipts_accepted == 0
    assert report.bundle_installed is None and w.booth.trust.require().version == current.version
    problems = "\n".join(report.problems)
    for name in (receipt.name, f"receipt-{seq}.cose", "receipt-9.cose", "trust.bundle", "garbled.bundle"):
        assert name in problems, problems
    assert "does not trust" in problems and "a receipt is not HQ's" in problems
    assert any("old.bundle: version" in line and "installed" in line for line in report.lines)

    receipt.write_bytes(genuine_receipt)  # the genuine one still counts
    assert export_to(w.booth, stick).acked_seq == int(receipt.stem.split("-")[1])


def test_export_command_prints_what_it_did(usb_world: World, tmp_path: Path) -> None:
    from booth.cli import main

    stick = tmp_path / "stick"
    stick.mkdir()
    add_records(usb_world.booth, 3)
    result = CliRunner().invoke(
        main, ["--data-dir", str(usb_world.booth.data_dir), "sync", "export", str(stick)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["files"] == [f"batch-1-{usb_world.booth.ledger.head()[0]}.bin"]
    assert "wrote records" in result.stderr
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(usb_world.booth.data_dir), "sync", "export", str(tmp_path / "absent")],
        catch_exceptions=False,
    )
    assert result.exit_code == 3 and "is not a folder" in result.stderr


# -- a hostile stick: links planted where Booth writes or reads


def test_a_link_on_the_stick_never_makes_hq_write_its_root_key(usb_world: World, tmp_path: Path) -> None:
    w, stick = usb_world, tmp_path / "stick"
    stick.mkdir()
    root_key = w.hq.paths.root_key
    before = root_key.read_bytes()
    (stick / "trust.bundle.tmp").symlink_to(root_key)  # the old temporary name, aimed at the key
    export_to(w.booth, stick)
    code, out, err = hq_import(w, stick)
    assert code == 0, out + err
    assert root_key.read_bytes() == before
    assert (stick / "trust.bundle.tmp").is_symlink() and not (stick / "trust.bundle").is_symlink()
    (stick / "trust.bundle").unlink()
    (stick / "trust.bundle").symlink_to(root_key)  # the bundle's own name, aimed at the key
    code, _, err = hq_import(w, stick)
    assert code == 3 and "symbolic link" in err and len(err.strip().splitlines()) == 1
    assert root_key.read_bytes() == before


def test_links_on_the_stick_never_make_the_booth_write_its_ledger(usb_world: World, tmp_path: Path) -> None:
    w, stick = usb_world, tmp_path / "stick"
    stick.mkdir()
    session = officer_session(w.booth)
    w.booth.scan(session, issue(w.hq), direction="entry", channel="camera")
    ledger = w.booth.data_dir / "ledger.db"
    head = w.booth.ledger.head()[0]
    mine = stick / f"booth-{w.booth.ledger.booth_id}"
    mine.mkdir()
    for seq in range(head, head + 3):  # temp names the old code used, aimed at the ledger
        (mine / f"batch-1-{seq}.bin.tmp").symlink_to(ledger)
    size = ledger.stat().st_size
    report = export_to(w.booth, stick)
    assert report.written and ledger.stat().st_size >= size
    assert w.booth.verify_chain().ok
    after = w.booth.ledger.head()[0]
    name = f"batch-1-{after + 1}.bin"  # what the next export writes (its own audit record is one more)
    (mine / name).symlink_to(ledger)  # the batch's own name, aimed at the ledger
    with pytest.raises(UnsafePath):
        export_to(w.booth, stick)
    assert w.booth.verify_chain().ok and (mine / name).is_symlink()


def test_hq_reads_no_link_device_or_endless_file_from_the_stick(usb_world: World, tmp_path: Path) -> None:
    w, stick = usb_world, tmp_path / "stick"
    stick.mkdir()
    mine = stick / f"booth-{w.booth.ledger.booth_id}"
    mine.mkdir()
    (mine / "batch-1-5.bin").symlink_to("/dev/zero")  # st_size 0, and it never ends
    (mine / "batch-6-9.bin").symlink_to(w.hq.paths.root_key)
    (stick / "booth-X").symlink_to(w.hq.paths.root, target_is_directory=True)  # a folder link into HQ's data
    code, out, err = hq_import(w, stick)
    assert code == 1 and "2 file(s) refused" in err
    assert out.count("refused: unsafe_file") == 2 and "booth-X" not in out
    assert not list(w.hq.paths.root.glob("receipt-*"))


def test_the_watchlist_key_never_goes_on_the_stick(usb_world: World, tmp_path: Path) -> None:
    from sync.protocol.bundle import WatchEntry

    w, stick = usb_world, tmp_path / "stick"
    stick.mkdir()
    key = w.hq.watchlist_key()
    assert w.booth.trust.watchlist_key() == key  # the booth enrolled over the network once
    export_to(w.booth, stick)
    w.hq.watch(WatchEntry(document="N123456", nationality="KHM", reason="court order"), at=NOW)
    w.hq.build_bundle(now=NOW)
    assert hq_import(w, stick)[0] == 0
    for path in stick.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert key.secret not in data and key.hex().encode() not in data and b"N123456" not in data, path

    w.booth.trust.watchlist_key_file.unlink()  # a booth without the key: told at once, refers everyone
    report = export_to(w.booth, stick)
    assert report.bundle_installed is not None and not report.problems
    assert any("watchlist_unreadable" in line for line in report.lines)
    session = officer_session(w.booth)
    outcome = w.booth.scan(session, issue(w.hq, doc="N654321"), direction="entry", channel="camera")
    assert "watchlist_unreadable" in outcome.verdict.reasons and not outcome.verdict.valid

    w.booth.install_watchlist_key(key, note="entered by hand")
    outcome = w.booth.scan(session, issue(w.hq, doc="N123456"), direction="entry", channel="camera")
    assert "watchlist" in outcome.verdict.reasons and "watchlist_unreadable" not in outcome.verdict.reasons


def _document_bomb(key, content_type: str, *, header_root: bool) -> bytes:
    """A signed document whose payload is 4 million empty CBOR arrays (~230 MB once decoded)."""
    from sync.protocol.keys import kid_of
    from sync.protocol.signed import HDR_ROOT_KEY

    count = 4_000_000
    payload = b"\x9a" + count.to_bytes(4, "big") + b"\x80" * count
    extra = {HDR_ROOT_KEY: raw_public(key)} if header_root else None
    return cose.sign(payload, key, kid_of(key), content_type=content_type, extra=extra)


def _no_big_decodes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a document payload of more than 1 MB is ever decoded."""
    import sync.protocol.cbor

    original = sync.protocol.cbor.loads_cbor

    def guarded(data: bytes, what: str = "message"):
        assert len(data) < 1_000_000, f"a {len(data)}-byte {what} was decoded before its signature was trusted"
        return original(data, what)

    monkeypatch.setattr(sync.protocol.cbor, "loads_cbor", guarded)


def test_bundle_bombs_on_the_stick_are_refused_before_decoding(usb_world: World, tmp_path: Path, monkeypatch) -> None:
    from sync.protocol.bundle import CONTENT_TYPE
    from sync.protocol.keys import kid_of

    w, stick = usb_world, tmp_path / "stick"
    stick.mkdir()
    rogue = generate()
    (stick / "trust.bundle").write_bytes(_document_bomb(rogue, CONTENT_TYPE, header_root=True))
    (stick / "old-style.bundle").write_bytes(_document_bomb(rogue, CONTENT_TYPE, header_root=False))
    pinned = w.booth.trust.pinned_root()
    impostor = cose.sign(
        b"\x9a\x00\x3d\x09\x00" + b"\x80" * 4_000_000, rogue, kid_of(pinned), content_type=CONTENT_TYPE
    )
    (stick / "impostor.bundle").write_bytes(impostor)  # the pinned root's key id, another key
    _no_big_decodes(monkeypatch)
    report = export_to(w.booth, stick)
    assert report.bundle_installed is None
    problems = "\n".join(report.problems)
    assert "trust.bundle: bundle is signed by a root this booth does not trust" in problems, problems
    assert "old-style.bundle: trust bundle names no root key in its header" in problems, problems
    assert "impostor.bundle: trust bundle is damaged or forged: signature does not match" in problems, problems


def test_a_partner_list_bomb_is_refused_before_decoding(hq: HQ, monkeypatch) -> None:
    from sync.hq.partner import PartnerError, import_partner_list
    from sync.protocol.partner import CONTENT_TYPE

    rogue = generate()
    _no_big_decodes(monkeypatch)
    for header_root in (True, False):
        with pytest.raises((PartnerError, DocumentRefused)):
            import_partner_list(hq, _document_bomb(rogue, CONTENT_TYPE, header_root=header_root), pin=None, now=NOW)
        with pytest.raises((PartnerError, DocumentRefused)):
            import_partner_list(
                hq, _document_bomb(rogue, CONTENT_TYPE, header_root=header_root), pin=hq.root_fingerprint(), now=NOW
            )


def test_records_too_long_for_one_batch_are_split_on_the_stick(usb_world: World, tmp_path: Path, monkeypatch) -> None:
    import sync.protocol.batch

    w, stick = usb_world, tmp_path / "stick"
    stick.mkdir()
    add_records(w.booth, 40)
    monkeypatch.setattr(sync.protocol.batch, "MAX_INFLATED", 4000)  # a few records' worth
    report = export_to(w.booth, stick)
    assert len(report.written) >= 2 and report.records == w.booth.ledger.head()[0]  # not one file of all
    monkeypatch.undo()
    assert hq_import(w, stick)[0] == 0
    assert len(hq_records(w.hq)) == w.booth.ledger.head()[0]
