"""Enrolment by USB stick, for a booth with no network at all: booth -> stick -> HQ -> stick -> booth."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import NOW
from test_client_support import BOOTH_ID, CHECKPOINT, World, add_records, hq_records, make_world

from booth.cli import main as booth_main
from sync.client.errors import EnrolRefused
from sync.client.usb import export_to
from sync.client.usb_enrol import ANSWER_FILE, REQUEST_FILE, finish, write_request
from sync.hq.cli import main as hq_main
from sync.hq.facade import HQ
from sync.hq.signers import certify
from sync.protocol.enrolment import EnrolAnswer, EnrolRequest, open_request, sign_answer, sign_request
from sync.protocol.keys import generate, load_private, raw_public


@pytest.fixture
def world(tmp_path: Path, hq: HQ) -> World:
    """HQ with booth PHD-01 registered (its token), and the booth, never linked to any network."""
    w = make_world(tmp_path, hq, serve=False)
    yield w
    w.booth.close()


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    path = tmp_path / "stick"
    path.mkdir()
    return path


def booth_cli(w: World, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(booth_main, ["--data-dir", str(w.booth.data_dir), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def hq_import(w: World, stick: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(hq_main, ["--data-dir", str(w.hq_dir), "import", str(stick)], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def mine(stick: Path) -> Path:
    return stick / f"booth-{BOOTH_ID}"


def test_round_trip_then_usb_sync(world: World, stick: Path) -> None:
    w = world
    code, out, err = booth_cli(w, "enrol", "--usb", str(stick), "--token", w.token)
    assert code == 0 and "enrolment request written" in out, err
    code, out, err = booth_cli(w, "enrol", "--usb", str(stick), "--finish", "--pin", w.fingerprint)
    assert code == 3 and "has HQ imported the stick" in err  # no answer yet
    code, out, err = hq_import(w, stick)
    assert code == 0 and f"booth enrolled ({BOOTH_ID} at {CHECKPOINT}" in out, out + err
    assert w.hq.sync_store.booth(BOOTH_ID).state == "enrolled"
    assert (mine(stick) / ANSWER_FILE).is_file() and (stick / "trust.bundle").is_file()
    assert any("--finish --pin" in line for line in export_to(w.booth, stick).lines)  # the hint, before pinning

    code, out, err = booth_cli(w, "enrol", "--usb", str(stick), "--finish", "--pin", w.fingerprint)
    assert code == 0 and "enrolled by USB stick" in out and "pinned; trust bundle version" in out, err
    assert w.booth.trust.pinned_root() == w.hq.signers.root_public()
    assert BOOTH_ID in {b.booth_id for b in w.booth.trust.require().booths}  # HQ rebuilt it with the booth
    assert not (mine(stick) / REQUEST_FILE).exists()  # spent: the token leaves the stick
    assert any(r.action == "enrol" and "USB stick" in r.note for r in w.booth.ledger.records(1, 99))

    add_records(w.booth, 5)
    assert export_to(w.booth, stick).written
    code, out, err = hq_import(w, stick)
    assert code == 0 and "accepted" in out, out + err
    assert len(hq_records(w.hq)) == w.booth.ledger.head()[0]
    assert export_to(w.booth, stick).acked_seq == len(hq_records(w.hq))


def test_the_same_request_again_is_answered_again(world: World, stick: Path) -> None:
    write_request(world.booth, stick, world.token)
    assert hq_import(world, stick)[0] == 0
    (mine(stick) / ANSWER_FILE).unlink()  # the answer was lost on the way
    code, out, _ = hq_import(world, stick)
    assert code == 0 and "booth enrolled" in out
    assert finish(world.booth, stick, world.fingerprint).booth_id == BOOTH_ID


def test_wrong_token_is_refused(world: World, stick: Path) -> None:
    write_request(world.booth, stick, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG")
    code, out, err = hq_import(world, stick)
    assert code == 1 and "refused: bad_token" in out and "1 file(s) refused" in err
    assert not (mine(stick) / ANSWER_FILE).exists()
    assert world.hq.sync_store.booth(BOOTH_ID).state == "waiting"


def test_a_replayed_request_with_another_key_is_refused(world: World, stick: Path) -> None:
    write_request(world.booth, stick, world.token)
    assert hq_import(world, stick)[0] == 0
    stolen = open_request((mine(stick) / REQUEST_FILE).read_bytes())  # a finder copies the token
    thief = generate()
    forged = sign_request(EnrolRequest(BOOTH_ID, raw_public(thief), stolen.token, NOW), thief)
    (mine(stick) / REQUEST_FILE).write_bytes(forged)
    (mine(stick) / ANSWER_FILE).unlink()
    code, out, _ = hq_import(world, stick)
    assert code == 1 and "refused: bad_token" in out and not (mine(stick) / ANSWER_FILE).exists()
    own = raw_public(load_private(world.booth.data_dir / "keys" / "booth.pem"))
    assert world.hq.sync_store.booth(BOOTH_ID).public_key == own


def test_a_request_not_signed_by_its_key_is_refused(world: World, stick: Path) -> None:
    write_request(world.booth, stick, world.token)
    data = bytearray((mine(stick) / REQUEST_FILE).read_bytes())
    data[-1] ^= 1
    (mine(stick) / REQUEST_FILE).write_bytes(bytes(data))
    code, out, _ = hq_import(world, stick)
    assert code == 1 and "refused: bad_format" in out and "forged" in out
    assert world.hq.sync_store.booth(BOOTH_ID).state == "waiting"


def test_a_forged_answer_is_refused(world: World, stick: Path) -> None:
    write_request(world.booth, stick, world.token)
    assert hq_import(world, stick)[0] == 0
    impostor, their_signer = generate(), generate()  # a root of their own, certifying a signer of theirs
    own = raw_public(load_private(world.booth.data_dir / "keys" / "booth.pem"))
    forged = EnrolAnswer(BOOTH_ID, CHECKPOINT, own, raw_public(impostor), NOW)
    cert = certify(impostor, raw_public(their_signer), now=NOW, days=30)
    (mine(stick) / ANSWER_FILE).write_bytes(sign_answer(forged, their_signer, cert))
    with pytest.raises(EnrolRefused, match="not the --pin root"):
        finish(world.booth, stick, world.fingerprint)
    assert world.booth.trust.pinned_root() is None
    code, _, err = booth_cli(world, "enrol", "--usb", str(stick), "--finish", "--pin", world.fingerprint)
    assert code == 3 and err.startswith("error: ") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("booth_id", "other_key", "checkpoint", "match"),
    [
        ("PHD-02", False, CHECKPOINT, "for booth 'PHD-02'"),
        (BOOTH_ID, True, CHECKPOINT, "another key"),
        (BOOTH_ID, False, "KH-STB", "for checkpoint KH-STB"),
    ],
)
def test_an_answer_for_another_booth_is_refused(
    world: World, stick: Path, booth_id: str, other_key: bool, checkpoint: str, match: str
) -> None:
    write_request(world.booth, stick, world.token)
    own = raw_public(load_private(world.booth.data_dir / "keys" / "booth.pem"))
    key = raw_public(generate()) if other_key else own
    signer = world.hq.signers.current()
    answer = EnrolAnswer(booth_id, checkpoint, key, signer.cert.root_public_key, NOW)  # signed by HQ, for someone else
    (mine(stick) / ANSWER_FILE).write_bytes(sign_answer(answer, signer.key, signer.cert_data))
    with pytest.raises(EnrolRefused, match=match):
        finish(world.booth, stick, world.fingerprint)
    assert world.booth.trust.pinned_root() is None


def test_oversized_and_linked_files_on_the_stick_are_refused(world: World, stick: Path, tmp_path: Path) -> None:
    folder = mine(stick)
    folder.mkdir()
    (folder / REQUEST_FILE).write_bytes(b"\0" * 100_000)
    code, out, _ = hq_import(world, stick)
    assert code == 1 and "refused: bad_format" in out and "larger than" in out
    (folder / REQUEST_FILE).unlink()
    secret = tmp_path / "secret"
    secret.write_bytes(b"not for the stick")
    os.symlink(secret, folder / REQUEST_FILE)
    code, out, _ = hq_import(world, stick)
    assert code == 1 and "symbolic link" in out
    assert world.hq.sync_store.booth(BOOTH_ID).state == "waiting"

    os.symlink(secret, folder / ANSWER_FILE)
    with pytest.raises(EnrolRefused, match="symbolic link"):
        finish(world.booth, stick, world.fingerprint)
    (folder / ANSWER_FILE).unlink()
    (folder / ANSWER_FILE).write_bytes(b"\0" * 100_000)
    with pytest.raises(EnrolRefused, match="larger than"):
        finish(world.booth, stick, world.fingerprint)
    assert world.booth.trust.pinned_root() is None


def test_usage_errors(world: World, stick: Path) -> None:
    for args in (
        ("enrol", "--token", "T"),
        ("enrol", "--hq", "http://x", "--usb", str(stick), "--token", "T"),
        ("enrol", "--usb", str(stick)),
        ("enrol", "--usb", str(stick), "--finish"),
        ("enrol", "--hq", "http://x"),
    ):
        code, _, err = booth_cli(world, *args)
        assert code == 2, (args, err)
