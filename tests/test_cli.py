"""The two command lines end to end, in temp dirs, on real keys and files."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import HOLDER as BASE_HOLDER

from booth.cli import main as booth_main
from booth.cli_support import ExitCode, Group
from booth.errors import LedgerFull, LedgerIOError, WrongPin
from sync.hq.cli import main as hq_main

HOLDER = {**BASE_HOLDER, "zn": "Sa Kaeo province", "ty": "multi"}


def run(cli: click.Group, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


class World:
    """An HQ dir and a booth dir driven only through the command lines."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.hq, self.booth = tmp, str(tmp / "hq"), str(tmp / "booth")

    def hq_cmd(self, *args: str) -> tuple[int, str, str]:
        return run(hq_main, "--data-dir", self.hq, *args)

    def booth_cmd(self, *args: str) -> tuple[int, str, str]:
        return run(booth_main, "--data-dir", self.booth, *args)

    def setup(self) -> str:
        code, out, _ = self.hq_cmd("init", "--no-passphrase")
        assert code == 0
        fingerprint = re.search(r"Root fingerprint: ([0-9A-F ]+)", out).group(1)
        assert (
            self.hq_cmd("checkpoint", "add", "KH-PHD", "--name-en", "Phnom Dei", "--name-km", "ភ្នំដី", "--country", "KH")[
                0
            ]
            == 0
        )
        assert self.hq_cmd("checkpoint", "add", "KH-STB", "--name-en", "Stung But", "--country", "KH")[0] == 0
        assert (
            self.hq_cmd("issuer", "add", "KH-BTB-01", "--name", "Battambang office", "--valid-from", "2025-01-01")[0]
            == 0
        )
        return fingerprint

    def issue(self, holder: dict, *extra: str) -> str:
        path = self.tmp / "holder.json"
        path.write_text(json.dumps(holder, ensure_ascii=False), encoding="utf-8")
        code, out, err = self.hq_cmd(
            "permit",
            "issue",
            "--issuer",
            "KH-BTB-01",
            "--holder",
            str(path),
            "--valid-days",
            "365",
            "--out",
            str(self.tmp / "cards"),
            *extra,
        )
        assert code == 0, err
        return out.strip()

    def bundle(self, name: str) -> str:
        path = str(self.tmp / name)
        assert self.hq_cmd("bundle", "build", "--out", path)[0] == 0
        return path

    def verify(self, text: str, *extra: str) -> tuple[int, dict]:
        code, out, _ = self.booth_cmd("verify", *extra, text)
        return code, json.loads(out)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def test_issue_bundle_install_verify(world: World) -> None:
    fingerprint = world.setup()
    text = world.issue(HOLDER)
    assert text.startswith("BP1:")
    cards = sorted(p.name for p in (world.tmp / "cards").iterdir())
    assert any(n.endswith(".png") for n in cards) and any(n.endswith(".pdf") for n in cards)

    bundle1 = world.bundle("b1.bundle")
    code, _, err = world.booth_cmd("bundle", "install", bundle1)
    assert code == 3 and "--pin" in err  # first install must pin
    (world.tmp / "zero.bundle").symlink_to("/dev/zero")  # from a hostile stick: refused, never read forever
    code, _, err = world.booth_cmd("bundle", "install", str(world.tmp / "zero.bundle"), "--pin", fingerprint)
    assert code == 3 and "symbolic link" in err
    code, _, err = world.booth_cmd("bundle", "install", bundle1, "--pin", "00" * 32)
    assert code == 3 and "does not match the fingerprint given with --pin" in err  # nothing is pinned yet
    code, out, _ = world.booth_cmd("bundle", "install", bundle1, "--pin", fingerprint.lower().replace(" ", ":"))
    assert code == 0 and json.loads(out)["version"] == 1

    code, verdict = world.verify(text, "--checkpoint", "KH-PHD")
    assert (code, verdict["verdict"], verdict["reasons"]) == (0, "valid", [])
    assert verdict["permit"]["nn"] == "សុខ ចន្ថា" and verdict["permit"]["no"].endswith("000001")

    code, verdict = world.verify(text, "--checkpoint", "TH-NIA")
    assert (code, verdict["reasons"]) == (1, ["wrong_checkpoint"])
    code, verdict = world.verify(text, "--checkpoint", "KH-PHD", "--at", "2099-01-01T00:00:00Z")
    assert code == 1 and "expired" in verdict["reasons"] and "trust_expired" in verdict["reasons"]
    code, verdict = world.verify("BP1:GGW", "--checkpoint", "KH-PHD")
    assert (code, verdict["reasons"]) == (1, ["unreadable"])

    # Revocation reaches the booth with the next bundle; the old bundle cannot come back.
    assert world.hq_cmd("revoke", verdict_number(world, text), "--reason", "stolen")[0] == 0
    bundle2 = world.bundle("b2.bundle")
    assert world.booth_cmd("bundle", "install", bundle2)[0] == 0
    code, verdict = world.verify(text, "--checkpoint", "KH-PHD")
    assert (code, verdict["reasons"]) == (1, ["revoked"])
    code, _, err = world.booth_cmd("bundle", "install", bundle1)
    assert code == 3 and "rollback" in err
    code, _, err = world.booth_cmd("bundle", "install", bundle2)
    assert code == 3 and "rollback" in err


def verdict_number(world: World, text: str) -> str:
    return world.verify(text, "--checkpoint", "KH-PHD")[1]["permit"]["no"]


def test_bundle_from_another_root_is_refused(world: World, tmp_path: Path) -> None:
    fingerprint = world.setup()
    assert world.booth_cmd("bundle", "install", world.bundle("b1.bundle"), "--pin", fingerprint)[0] == 0
    other = World(tmp_path / "other")
    (tmp_path / "other").mkdir()
    other.setup()
    for _ in range(3):  # even with a higher version number
        forged = other.bundle("evil.bundle")
    code, _, err = world.booth_cmd("bundle", "install", forged)
    assert code == 3 and "root this booth does not trust" in err


def test_verify_without_bundle_or_checkpoint_exits_3(world: World) -> None:
    code, _, err = world.booth_cmd("verify", "--checkpoint", "KH-PHD", "BP1:X")
    assert code == 3 and "no trust bundle" in err
    fingerprint = world.setup()
    world.booth_cmd("bundle", "install", world.bundle("b.bundle"), "--pin", fingerprint)
    code, _, err = world.booth_cmd("verify", "BP1:X")
    assert code == 3 and "--checkpoint" in err
    assert world.booth_cmd("verify")[0] == 2


def test_verify_reads_stdin_and_one_off_bundle(world: World) -> None:
    fingerprint = world.setup()
    text = world.issue(HOLDER)
    bundle = world.bundle("b.bundle")
    code, out, _ = run(
        booth_main,
        "--data-dir",
        world.booth,
        "verify",
        "--checkpoint",
        "KH-PHD",
        "--bundle",
        bundle,
        "--pin",
        fingerprint,
        "-",
        input=text + "\n",
    )
    assert code == 0 and json.loads(out)["verdict"] == "valid"


def test_offline_issuer_key(world: World) -> None:
    from sync.protocol.keys import generate, save_private, save_public

    world.setup()
    key = generate()
    save_private(key, world.tmp / "offline" / "key.pem")
    save_public(key, world.tmp / "offline" / "key.pub.pem")
    public = str(world.tmp / "offline" / "key.pub.pem")
    assert world.hq_cmd("issuer", "add", "KH-BMC-01", "--public-key", public)[0] == 0
    code, _, err = world.hq_cmd("issuer", "add", "KH-BMC-02", "--public-key", str(world.tmp / "offline" / "key.pem"))
    assert code == 3 and "private key" in err  # HQ never takes the private half
    holder = world.tmp / "h.json"
    holder.write_text(json.dumps(HOLDER))
    base = [
        "permit",
        "issue",
        "--issuer",
        "KH-BMC-01",
        "--holder",
        str(holder),
        "--valid-days",
        "30",
        "--out",
        str(world.tmp / "cards"),
    ]
    code, _, err = world.hq_cmd(*base)
    assert code == 3 and "kept elsewhere" in err
    code, out, _ = world.hq_cmd(*base, "--key", str(world.tmp / "offline" / "key.pem"))
    assert code == 0 and out.startswith("BP1:")


def test_key_readable_by_others_is_refused(world: World) -> None:
    world.setup()
    key = Path(world.hq) / "keys" / "root.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    os.chmod(key, 0o644)
    code, _, err = world.hq_cmd("bundle", "build", "--out", str(world.tmp / "b"))
    assert code == 3 and "readable by others" in err and "chmod 600" in err


def test_bad_holder_file_gives_one_line(world: World) -> None:
    world.setup()
    bad = dict(HOLDER)
    del bad["doc"]
    path = world.tmp / "bad.json"
    path.write_text(json.dumps(bad))
    code, _, err = world.hq_cmd(
        "permit", "issue", "--issuer", "KH-BTB-01", "--holder", str(path), "--valid-days", "30", "--out", str(world.tmp)
    )
    assert code == 3 and err.strip().count("\n") == 0 and "doc" in err


def test_installed_scripts_print_no_traceback(tmp_path: Path) -> None:
    """The real console scripts: a broken bundle file is one line on stderr, never a traceback."""
    junk = tmp_path / "junk.bundle"
    junk.write_bytes(os.urandom(300))
    bindir = Path(sys.executable).parent
    proc = subprocess.run(
        [str(bindir / "booth"), "--data-dir", str(tmp_path / "b"), "bundle", "install", str(junk), "--pin", "00" * 32],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: ")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # lazy commands (booth.cli_support.LazyGroup) too
        cmd = group.get_command(ctx, name)
        path = (*prefix, name)
        out += _commands(cmd, path) if isinstance(cmd, click.Group) else [path]
    return out


@pytest.mark.parametrize("cli,prog", [(booth_main, "booth"), (hq_main, "booth-hq")])
def test_every_command_has_help_with_example_and_is_documented(cli: click.Group, prog: str) -> None:
    docs = Path(__file__).resolve().parent.parent / "README.md"
    text = docs.read_text() + "".join(p.read_text() for p in docs.parent.glob("docs/*.md"))
    for path in _commands(cli):
        code, out, _ = run(cli, *path, "--help")
        assert code == 0 and "Example" in out, f"{prog} {' '.join(path)} --help lacks an example"
        usage = re.compile(rf"{prog}(?: --data-dir \S+)? {' '.join(path)}\b")
        assert usage.search(text), f"{prog} {' '.join(path)} is not documented"


def init_booth(world: World, *, pins: str) -> tuple[int, str, str]:
    """``booth init`` of PHD-01 at KH-PHD with its first supervisor, Chan Sophal (PIN on stdin)."""
    args = ("init", "--booth-id", "PHD-01", "--checkpoint", "KH-PHD", "--supervisor", "Chan Sophal", "--pin-stdin")
    return run(booth_main, "--data-dir", world.booth, *args, input=pins)


def add_officer(world: World, name: str, role: str, *, by: str, pins: str) -> tuple[int, str, str]:
    """``booth officer add`` with the supervisor's PIN, then the new one, on stdin."""
    args = ("officer", "add", name, "--role", role, "--by", by, "--pin-stdin")
    return run(booth_main, "--data-dir", world.booth, *args, input=pins)


def test_booth_ledger_commands(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    fingerprint = world.setup()
    text = world.issue(HOLDER)
    code, _, err = init_booth(world, pins="1234\n")
    assert code == 3 and "6 to 12 digits" in err and not Path(world.booth).exists()  # nothing half-made
    code, _, _ = run(
        booth_main,
        "--data-dir",
        world.booth,
        "init",
        "--booth-id",
        "PHD-01",
        "--checkpoint",
        "KH-PHD",
        "--supervisor",
        "Chan Sophal",
        input="771204\n771204\n",
    )  # asked twice, without echo
    assert code == 0
    code, _, err = world.booth_cmd(
        "init", "--booth-id", "PHD-02", "--checkpoint", "KH-PHD", "--supervisor", "X", "--pin-stdin"
    )
    assert code == 3 and "already a booth" in err
    assert world.booth_cmd("bundle", "install", world.bundle("b.bundle"), "--pin", fingerprint)[0] == 0
    # no one at the keyboard makes themselves a supervisor: adding needs a supervisor's PIN
    code, _, err = add_officer(world, "Mallory", "supervisor", by="Chan Sophal", pins="000000\n482913\n")
    assert code == 3 and "wrong PIN" in err
    code, out, _ = add_officer(world, "Sok Dara", "officer", by="Chan Sophal", pins="771204\n482913\n")
    assert code == 0, out
    code, _, err = add_officer(world, "Mallory", "supervisor", by="Sok Dara", pins="482913\n482914\n")
    assert code == 3 and "not a supervisor" in err
    code, _, err = add_officer(world, "Weak", "officer", by="Chan Sophal", pins="771204\n123456\n")
    assert code == 3 and "too easy" in err

    monkeypatch.setenv("BOOTH_PIN", "482913")
    code, out, _ = world.booth_cmd("scan", "--officer", "Sok Dara", "--direction", "entry", text)
    entry = json.loads(out)
    assert code == 0 and entry["verdict"] == "valid" and entry["seq"] > 0 and len(entry["hash"]) == 64
    code, out, _ = world.booth_cmd("scan", "--officer", "Sok Dara", "--direction", "entry", text)
    again = json.loads(out)
    assert code == 1 and again["reasons"] == ["already_inside"]

    monkeypatch.setenv("BOOTH_PIN", "000000")
    code, _, err = world.booth_cmd("scan", "--officer", "Sok Dara", "--direction", "exit", text)
    assert code == 3 and "wrong PIN" in err
    code, _, err = world.booth_cmd("override", str(again["seq"]), "--supervisor", "Chan Sophal", "--reason", "x")
    assert code == 3 and "wrong PIN" in err
    monkeypatch.setenv("BOOTH_PIN", "771204")
    code, out, _ = world.booth_cmd(
        "override", str(again["seq"]), "--supervisor", "Chan Sophal", "--reason", "re-entry approved by phone"
    )
    assert code == 0 and json.loads(out)["overrides"] == again["seq"]

    code, out, _ = world.booth_cmd("audit", "verify")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["records"] >= 8
    code, out, _ = world.booth_cmd("status")
    status = json.loads(out)
    assert status["booth"] == "PHD-01" and status["inside"] == 1 and status["records"] == report["records"]
    officers = [json.loads(line) for line in world.booth_cmd("officer", "list")[1].splitlines()]
    sok = next(o for o in officers if o["name"] == "Sok Dara")
    assert sok["failed_pins"] == 1 and "pin_hash" not in sok
    assert world.booth_cmd("officer", "unlock", "Sok Dara", "--by", "Chan Sophal")[0] == 0  # BOOTH_PIN=771204
    monkeypatch.delenv("BOOTH_PIN")
    code, _, err = world.booth_cmd("scan", "--officer", "Sok Dara", "--direction", "exit", text)
    assert code == 2 and "BOOTH_PIN" in err  # no PIN source and no terminal


def test_officers_disabled_enabled_and_changing_their_pin(world: World) -> None:
    world.setup()
    assert init_booth(world, pins="771204\n")[0] == 0
    assert add_officer(world, "Sok Dara", "officer", by="Chan Sophal", pins="771204\n482913\n")[0] == 0

    def officer(*args: str, pins: str) -> tuple[int, str, str]:
        return run(booth_main, "--data-dir", world.booth, "officer", *args, input=pins)

    def state() -> dict[str, str]:
        lines = world.booth_cmd("officer", "list")[1].splitlines()
        return {o["name"]: o["state"] for o in map(json.loads, lines)}

    # an officer cannot disable anyone: their own PIN is not a supervisor's, a guess is a wrong PIN
    code, _, err = officer("disable", "Chan Sophal", "--by", "Sok Dara", "--pin-stdin", pins="482913\n")
    assert code == 3 and err == "error: Sok Dara is not a supervisor: only a supervisor may disable an officer\n"
    code, _, err = officer("disable", "Sok Dara", "--by", "Chan Sophal", "--pin-stdin", pins="000000\n")
    assert code == 3 and err == "error: wrong PIN for Chan Sophal\n"
    code, _, err = officer("disable", "Chan Sophal", "--by", "Chan Sophal", "--pin-stdin", pins="771204\n")
    assert code == 3 and "Chan Sophal is the last enabled supervisor" in err and err.count("\n") == 1
    assert state() == {"Chan Sophal": "enabled", "Sok Dara": "enabled"}

    code, out, _ = officer("disable", "Sok Dara", "--by", "Chan Sophal", "--pin-stdin", pins="771204\n")
    assert (code, out) == (0, "Sok Dara disabled by Chan Sophal\n") and state()["Sok Dara"] == "disabled"
    scan = ("scan", "--officer", "Sok Dara", "--direction", "entry", "--pin-stdin", "BP1:X")
    code, _, err = run(booth_main, "--data-dir", world.booth, *scan, input="482913\n")
    assert code == 3 and err == "error: Sok Dara is disabled at this booth: a supervisor can enable them again\n"
    code, _, err = officer("pin", "Sok Dara", "--pin-stdin", pins="482913\n590317\n")
    assert code == 3 and "disabled" in err
    code, out, _ = officer("enable", "Sok Dara", "--by", "Chan Sophal", "--pin-stdin", pins="771204\n")
    assert (code, out) == (0, "Sok Dara enabled by Chan Sophal\n") and state()["Sok Dara"] == "enabled"

    code, _, err = officer("pin", "Sok Dara", "--pin-stdin", pins="000000\n590317\n")
    assert code == 3 and err == "error: wrong PIN for Sok Dara\n"
    code, _, err = officer("pin", "Sok Dara", "--pin-stdin", pins="482913\n123456\n")
    assert code == 3 and "too easy" in err
    code, out, _ = officer("pin", "Sok Dara", pins="482913\n590317\n590317\n")  # asked: old, new, new again
    assert (code, out.splitlines()[-1]) == (0, "PIN of Sok Dara changed")
    code, _, err = officer("disable", "Chan Sophal", "--by", "Sok Dara", "--pin-stdin", pins="590317\n")
    assert code == 3 and "not a supervisor" in err  # the new PIN works, and grants nothing more

    from booth.service import Booth

    booth = Booth(Path(world.booth), read_only=True)
    actions = [(r.action, r.officer, r.note) for r in booth.ledger.records() if r.kind == "audit"]
    booth.close()
    assert ("officer_disable", "Sok Dara", "by Chan Sophal") in actions
    assert ("officer_enable", "Sok Dara", "by Chan Sophal") in actions
    assert ("pin_change", "Sok Dara", "by themselves") in actions


def test_usage_errors_are_one_line_naming_the_help(world: World) -> None:
    code, out, err = world.booth_cmd("officer", "add", "X", "--frob")
    assert (code, out) == (2, "") and err.startswith("error: no such option '--frob' (")
    assert err.endswith(" officer add --help)\n") and err.count("\n") == 1
    code, _, err = world.booth_cmd("scan", "--officer", "X", "--direction", "sideways", "BP1:X")
    assert code == 2 and err.startswith("error: invalid value for '--direction'") and err.count("\n") == 1
    code, _, err = world.booth_cmd("bundle", "install", str(world.tmp / "missing.bundle"))
    assert code == 3 and err == f"error: file '{world.tmp / 'missing.bundle'}' does not exist\n"
    # a required file option left out is a usage error that says which (its message is not blank)
    code, _, err = world.hq_cmd("permit", "issue", "--issuer", "KH-BTB-01", "--holder", __file__, "--valid-days", "3")
    assert code == 2 and err.startswith("error: missing option '--out'") and err.count("\n") == 1
    code, out, err = world.booth_cmd("officer")  # a group without its command: its help, usage error
    assert code == 2 and "Commands:" in err


def test_a_scan_at_another_time_needs_the_named_test_mode(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from booth.service import Booth

    fingerprint = world.setup()
    text = world.issue(HOLDER)
    code, _, _ = init_booth(world, pins="771204\n")
    assert code == 0
    assert world.booth_cmd("bundle", "install", world.bundle("b.bundle"), "--pin", fingerprint)[0] == 0
    monkeypatch.setenv("BOOTH_PIN", "771204")
    monkeypatch.delenv("BOOTH_TEST_MODE", raising=False)
    args = ("scan", "--officer", "Chan Sophal", "--direction", "entry", "--test-clock", "2030-01-01T00:00:00Z", text)
    before = json.loads(world.booth_cmd("status")[1])["records"]
    code, _, err = world.booth_cmd(*args)
    assert code == 2 and "BOOTH_TEST_MODE=1" in err
    assert json.loads(world.booth_cmd("status")[1])["records"] == before  # nothing recorded
    monkeypatch.setenv("BOOTH_TEST_MODE", "1")
    code, out, _ = world.booth_cmd(*args)
    seq = json.loads(out)["seq"]
    booth = Booth(Path(world.booth))
    try:
        marks = [r for r in booth.ledger.records() if r.action == "test_clock"]
        assert len(marks) == 1 and marks[0].seq < seq and "2030-01-01" in marks[0].note
    finally:
        booth.close()


def test_read_commands_work_on_a_read_only_copy_of_a_booth(world: World, read_only_copy, monkeypatch) -> None:
    import shutil

    fingerprint = world.setup()
    text = world.issue(HOLDER)
    assert init_booth(world, pins="771204\n")[0] == 0
    assert world.booth_cmd("bundle", "install", world.bundle("b.bundle"), "--pin", fingerprint)[0] == 0
    monkeypatch.setenv("BOOTH_PIN", "771204")
    assert world.booth_cmd("scan", "--officer", "Chan Sophal", "--direction", "entry", text)[0] == 0
    export = Path(world.booth).parent / "day.csv"
    code, out, err = world.booth_cmd("export", "--shift", "1", "--format", "csv", "--out", str(export))
    assert code == 0, out + err
    source, view = read_only_copy
    shutil.copytree(world.booth, source / "booth")  # the booth closed cleanly: no -wal file left
    shutil.copy(export, source / "day.csv")
    shutil.copy(Path(str(export) + ".sig"), source / "day.csv.sig")
    copy = view / "booth"
    with pytest.raises(OSError):
        (copy / "probe").write_text("x")  # really read-only, even for root
    listing = sorted(p.name for p in copy.iterdir())
    for args in (
        ["status"],
        ["audit", "verify"],
        ["officer", "list"],
        ["shift", "list"],
        ["export", "verify", str(view / "day.csv"), "--records"],
    ):
        code, out, err = run(booth_main, "--data-dir", str(copy), *args)
        assert code == 0, (args, out, err)
    assert json.loads(run(booth_main, "--data-dir", str(copy), "status")[1])["records"] >= 4
    assert sorted(p.name for p in copy.iterdir()) == listing  # not even a -shm file was made


def test_a_watchlist_needs_hqs_key_which_a_stick_fed_booth_gets_by_hand(world: World) -> None:
    fingerprint = world.setup()
    watched = world.issue(HOLDER)
    other = world.issue({**HOLDER, "doc": "N7654321"}, "--despite-duplicate", "a second passport, checked")
    code, _, err = world.hq_cmd("watchlist", "add", "--document", HOLDER["doc"], "--reason", "court order")
    assert code == 0, err
    bundle = world.bundle("watched.bundle")
    assert HOLDER["doc"].encode() not in Path(bundle).read_bytes()
    assert world.booth_cmd("bundle", "install", bundle, "--pin", fingerprint)[0] == 0
    for text in (watched, other):  # no key: no one passes unseen
        code, verdict = world.verify(text, "--checkpoint", "KH-PHD")
        assert (code, verdict["reasons"]) == (1, ["watchlist_unreadable"])
    code, out, _ = world.hq_cmd("watchlist", "key")
    assert code == 0 and "key" not in json.loads(out)  # the id only, unless asked
    code, out, _ = world.hq_cmd("watchlist", "key", "--show")
    shown = json.loads(out)
    code, out, err = run(booth_main, "--data-dir", world.booth, "bundle", "key", "-", input=shown["key"] + "\n")
    assert code == 0, err
    assert json.loads(out) == {"key_id": shown["key_id"], "new": True, "fits_installed_bundle": True}
    assert world.verify(watched, "--checkpoint", "KH-PHD")[1]["reasons"] == ["watchlist"]
    assert world.verify(other, "--checkpoint", "KH-PHD")[0] == 0
    assert world.booth_cmd("bundle", "key", "xyz")[0] == 2


@pytest.mark.parametrize(
    "raised,code,line",
    [
        (OSError(errno.ENOSPC, "No space left on device", "/media/usb/x"), 4, "no space left on device: /media/usb/x"),
        (OSError(errno.EIO, "Input/output error"), 4, "input/output error"),
        (PermissionError(errno.EACCES, "Permission denied", "k.pem"), 3, "permission denied: k.pem"),
        (FileNotFoundError(errno.ENOENT, "No such file or directory", "x"), 3, "no such file or directory: x"),
        (LedgerFull("the disk is full: nothing was recorded"), 4, "the disk is full: nothing was recorded"),
        (LedgerIOError("disk error (disk I/O error)"), 4, "disk error (disk I/O error)"),
        (WrongPin("wrong PIN for X"), 3, "wrong PIN for X"),
        (KeyboardInterrupt(), 130, "interrupted"),
        (click.Abort(), 130, "interrupted"),
    ],
)
def test_every_way_out_is_one_line_and_its_exit_code(raised: BaseException, code: int, line: str) -> None:
    @click.group(cls=Group)
    def cli() -> None:
        pass

    @cli.command()
    def act() -> None:
        raise raised

    result = CliRunner().invoke(cli, ["act"])
    assert (result.exit_code, result.stdout, result.stderr) == (code, "", f"error: {line}\n")


def test_an_internal_error_is_a_fault_with_its_trace_logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("booth.cli_support.log_dir", lambda: tmp_path)

    @click.group(cls=Group)
    def cli() -> None:
        pass

    @cli.command()
    def act() -> None:
        raise ZeroDivisionError("a bug")

    result = CliRunner().invoke(cli, ["act"])
    assert result.exit_code == ExitCode.FAULT == 4 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: internal error (ZeroDivisionError: a bug); details in ")
    assert "ZeroDivisionError" in (tmp_path / "crash.log").read_text()


def test_the_exit_codes_are_documented_in_both_helps_and_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for cli in (booth_main, hq_main):
        help_text = " ".join(run(cli, "--help")[1].split())
        assert "Exit status: 0 done" in help_text and "3 could not run" in help_text and "130 interrupted" in help_text
    for code in ExitCode:
        assert f"| {code.value} |" in readme, f"exit code {code.value} ({code.name}) is not in README.md"


def test_a_question_left_unanswered_is_not_an_interrupt(world: World) -> None:
    args = ("init", "--booth-id", "PHD-01", "--checkpoint", "KH-PHD", "--supervisor", "Chan Sophal")
    code, out, err = run(booth_main, "--data-dir", world.booth, *args, input="")  # the PIN is asked; stdin is empty
    assert code == 3 and err.endswith("error: no answer: the input ended before the question was answered\n")
