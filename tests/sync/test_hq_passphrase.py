"""HQ's private keys encrypted under a passphrase (#17): init, every command that signs, the server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HOLDER, hq_receipt
from hq_server import NOW, SyncWorld, start_hq
from test_hq_server import Clock, Signer, client, push

from booth.cli_support import ExitCode
from sync.hq.cli import main as hq_main
from sync.hq.facade import HQ
from sync.protocol import keys
from sync.protocol.bundle import open_bundle
from sync.protocol.errors import KeyFileError

PASSPHRASE = "correct horse battery staple"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(hq_main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def passphrase_file(folder: Path, text: str = PASSPHRASE) -> str:
    path = folder / "hq-pass"
    path.write_text(text + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def encrypted_hq(tmp_path: Path) -> tuple[str, str]:
    """An HQ initialised under a passphrase with Phnom Dei: (its data dir, the passphrase file)."""
    hq, pw = str(tmp_path / "hq"), passphrase_file(tmp_path)
    code, out, _ = run("--data-dir", hq, "--passphrase-file", pw, "init")
    assert code == 0 and "Root fingerprint:" in out
    assert run("--data-dir", hq, "checkpoint", "add", "KH-PHD", "--name-en", "Phnom Dei", "--country", "KH")[0] == 0
    return hq, pw


def test_init_writes_the_root_encrypted(encrypted_hq: tuple[str, str]) -> None:
    hq, pw = encrypted_hq
    pem = (Path(hq) / "keys" / "root.pem").read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = keys.load_private(Path(hq) / "keys" / "root.pem", PASSPHRASE.encode())
    raw = key.private_bytes_raw()
    assert raw not in pem and raw.hex().encode() not in pem
    with pytest.raises(KeyFileError, match="is encrypted: give its passphrase"):
        keys.load_private(Path(hq) / "keys" / "root.pem")


def test_every_signing_command_works_with_the_passphrase(encrypted_hq: tuple[str, str], tmp_path: Path) -> None:
    hq, pw = encrypted_hq
    with_pw = ("--data-dir", hq, "--passphrase-file", pw)
    assert run(*with_pw, "issuer", "add", "KH-BTB-01", "--valid-from", "2025-01-01")[0] == 0
    office = Path(hq) / "keys" / "issuers" / "KH-BTB-01.pem"
    assert office.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    holder = tmp_path / "holder.json"
    holder.write_text(json.dumps({**HOLDER, "cp": ["KH-PHD"]}, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(*with_pw, "permit", "issue", "--issuer", "KH-BTB-01", "--holder", str(holder),
                         "--valid-days", "30", "--out", str(tmp_path / "cards"))  # fmt: skip
    assert code == 0, err
    assert run(*with_pw, "bundle", "build", "--out", str(tmp_path / "trust.bundle"))[0] == 0
    code, out, _ = run(*with_pw, "root", "rotate")
    assert code == 0 and (Path(hq) / "keys" / "next-root.pem").read_bytes().startswith(b"-----BEGIN ENCRYPTED")
    assert run(*with_pw, "bundle", "build", "--out", str(tmp_path / "trust.bundle"))[0] == 0
    assert run(*with_pw, "root", "promote")[0] == 0
    code, out, _ = run(*with_pw, "root", "show")
    assert code == 0 and len(json.loads(out)["retired"]) == 1
    env = {"BOOTH_HQ_PASSPHRASE_FILE": pw}  # the environment names the file as well
    assert run("--data-dir", hq, "bundle", "build", "--out", str(tmp_path / "trust.bundle"), env=env)[0] == 0


def test_without_the_passphrase_one_line_exit_3_nothing_changed(encrypted_hq: tuple[str, str], tmp_path: Path) -> None:
    hq, _ = encrypted_hq
    before = sorted(p.name for p in (Path(hq) / "keys").rglob("*"))
    for args in (
        ("issuer", "add", "KH-BTB-01", "--valid-from", "2025-01-01"),
        ("bundle", "build", "--out", str(tmp_path / "trust.bundle")),
        ("root", "rotate"),
    ):
        code, out, err = run("--data-dir", hq, *args)
        assert code == ExitCode.ERROR, (args, err)
        assert err.count("\n") == 1 and "is encrypted: give its passphrase (--passphrase-file" in err
    assert sorted(p.name for p in (Path(hq) / "keys").rglob("*")) == before
    code, out, _ = run("--data-dir", hq, "issuer", "list")
    assert "KH-BTB-01" not in out
    assert not (tmp_path / "trust.bundle").exists()


def test_commands_without_a_private_key_do_not_ask(encrypted_hq: tuple[str, str]) -> None:
    hq, _ = encrypted_hq
    code, out, err = run("--data-dir", hq, "checkpoint", "list")
    assert code == 0 and "KH-PHD" in out


def test_a_wrong_passphrase_is_one_line(encrypted_hq: tuple[str, str], tmp_path: Path) -> None:
    hq, _ = encrypted_hq
    (tmp_path / "other").mkdir()
    wrong = passphrase_file(tmp_path / "other", "not the passphrase at all")
    code, _, err = run(
        "--data-dir", hq, "--passphrase-file", wrong, "bundle", "build", "--out", str(tmp_path / "trust.bundle")
    )
    assert code == ExitCode.ERROR and err.count("\n") == 1 and "wrong passphrase for" in err
    code, _, err = run(
        "--data-dir",
        hq,
        "--passphrase-file",
        str(tmp_path / "missing"),
        "bundle",
        "build",
        "--out",
        str(tmp_path / "trust.bundle"),
    )
    assert code == ExitCode.ERROR and "cannot read the passphrase file" in err


def test_init_needs_an_explicit_choice(tmp_path: Path) -> None:
    hq = str(tmp_path / "hq")
    code, _, err = run("--data-dir", hq, "init")
    assert code == ExitCode.USAGE and "--passphrase-file" in err and "--no-passphrase" in err
    assert not (tmp_path / "hq" / "keys" / "root.pem").exists()
    code, _, err = run("--data-dir", hq, "--passphrase-file", passphrase_file(tmp_path), "init", "--no-passphrase")
    assert code == ExitCode.USAGE and "not both" in err


def test_no_passphrase_writes_plain_pem_with_a_warning(tmp_path: Path) -> None:
    hq = tmp_path / "hq"
    code, out, err = run("--data-dir", str(hq), "init", "--no-passphrase")
    assert code == 0 and re.search(r"Root fingerprint: [0-9A-F ]+", out) and "warning:" in err
    assert (hq / "keys" / "root.pem").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert run("--data-dir", str(hq), "issuer", "add", "KH-BTB-01", "--valid-from", "2025-01-01")[0] == 0
    assert (hq / "keys" / "issuers" / "KH-BTB-01.pem").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_a_short_passphrase_is_refused_on_init(tmp_path: Path) -> None:
    code, _, err = run(
        "--data-dir", str(tmp_path / "hq"), "--passphrase-file", passphrase_file(tmp_path, "short"), "init"
    )
    assert code == ExitCode.ERROR and "at least 12 characters" in err
    assert not (tmp_path / "hq" / "keys" / "root.pem").exists()


def test_keys_refuse_a_short_passphrase(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="at least 12"):
        keys.save_private(keys.generate(), tmp_path / "k.pem", b"short")
    assert not (tmp_path / "k.pem").exists()


def test_the_served_hq_signs_with_an_encrypted_online_signer(sync_world: SyncWorld, tmp_path: Path) -> None:
    for key_file in (sync_world.hq.paths.root_key, sync_world.hq.paths.signer_key):
        key = keys.load_private(key_file)
        key_file.unlink()
        keys.save_private(key, key_file, PASSPHRASE.encode())  # the world's HQ, its keys now encrypted
    hq = HQ(sync_world.hq.paths.root, sync_world.database_url, passphrase=PASSPHRASE.encode())
    with pytest.raises(KeyFileError, match="is encrypted"):
        start_hq(hq.paths.root, sync_world.database_url)
    clock = Clock(NOW + 100)
    url, stop = start_hq(hq.paths.root, sync_world.database_url, passphrase=PASSPHRASE.encode(), clock=clock)
    try:
        booth_id = "PHD-01"
        token = hq.sync_store.add_booth(booth_id, "KH-PHD", now=NOW)
        public = keys.raw_public(sync_world.key(booth_id)).hex()
        with client(url, Signer(sync_world, clock)) as api:
            enrolled = api.post("/v1/enrol", json={"booth_id": booth_id, "token": token, "public_key": public})
            assert enrolled.status_code == 200
            sent = push(api, sync_world.sealed(booth_id))
            assert sent.status_code == 200
            receipt = hq_receipt(sent.content, hq)
            assert receipt.booth_id == booth_id
            bundle = api.get("/v1/bundle", params={"have": 0})  # rebuilt: it now lists PHD-01
            assert bundle.status_code == 200
            opened = open_bundle(bundle.content)
            assert opened.root_public_key == hq.signers.root_public() and [b.booth_id for b in opened.booths] == [
                booth_id
            ]
    finally:
        stop()
        hq.close()


def test_the_facade_default_stays_unencrypted(tmp_path: Path) -> None:
    hq = HQ(tmp_path / "hq")
    hq.init()
    assert not hq.encrypted and hq.root_key() is not None
    hq.close()


def test_serve_asks_for_the_passphrase_once_at_start(encrypted_hq: tuple[str, str]) -> None:
    hq, _ = encrypted_hq
    code, _, err = run("--data-dir", hq, "serve", "--host", "256.0.0.1")  # asked before listening
    assert code == ExitCode.ERROR and "is encrypted: give its passphrase" in err
