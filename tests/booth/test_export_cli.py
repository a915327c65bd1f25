"""``booth export``, ``booth export verify``, ``booth shift close|list`` end to end through click,
run through ``booth.cli.main``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from test_report_world import (  # noqa: F401 - the fixtures world and world_template
    DAY_END,
    DAY_START,
    OFFICER,
    OFFICER2,
    OFFICER2_PIN,
    OFFICER_PIN,
    SUPERVISOR,
    SUPERVISOR_PIN,
    TZ,
    World,
    expected,
    world_fixture,
    world_template_fixture,
)

from booth.cli import main as booth
from booth.cli.export import export, shift
from booth.report.csv_json import read_csv
from sync.protocol import keys

ZONE = "Asia/Phnom_Penh"


def run(w: World, *args: str, input: str | None = None, env: dict | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        booth, ["--data-dir", str(w.booth.data_dir), *args], input=input, env=env, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def test_export_csv_for_a_day_then_verify(world: World, tmp_path: Path) -> None:
    out = tmp_path / "usb" / "day.csv"
    out.parent.mkdir()
    code, stdout, stderr = run(
        world,
        "export",
        "--from",
        "2026-09-22",
        "--to",
        "2026-09-22",
        "--format",
        "csv",
        "--out",
        str(out),
        "--tz",
        ZONE,
    )
    assert code == 0, stderr
    signed = json.loads(stdout)
    want = expected(world.records(), world_filter(), DAY_END)["records"]
    assert signed["records"] == len(want) and signed["first_seq"] == want[0] and signed["utc_offset"] == "UTC+07:00"
    assert signed["filter"] == {"from": DAY_START, "to": DAY_END, "officer": None, "shift": None}
    assert signed["exported_by"].startswith("command line (")
    assert [r.seq for r in read_csv(out)] == want
    assert stderr == f"Ledger head: seq {signed['head_seq']}, hash {signed['head_hash'][:16]}…\n"
    code, stdout, _ = run(world, "export", "verify", str(out), "--records")
    assert code == 0 and json.loads(stdout)["verified"] is True and json.loads(stdout)["records_checked"] is True


def world_filter():
    from booth.report.model import ReportFilter

    return ReportFilter(DAY_START, DAY_END)


def test_a_changed_byte_fails_verify_with_one_line(world: World, tmp_path: Path) -> None:
    out = tmp_path / "day.pdf"
    assert run(world, "export", "--from", "2026-09-22", "--to", "2026-09-22", "--out", str(out), "--tz", ZONE)[0] == 0
    data = bytearray(out.read_bytes())
    data[len(data) // 3] ^= 0xFF
    out.write_bytes(data)
    code, stdout, stderr = run(world, "export", "verify", str(out))
    assert code == 1 and stdout == "" and stderr.count("\n") == 1
    assert stderr.startswith("error: export NOT verified: the file was changed after export")


def test_hq_verifies_with_the_booth_public_key(world: World, tmp_path: Path) -> None:
    out = tmp_path / "sok.json"
    code, _, err = run(
        world,
        "export",
        "--from",
        "2026-09-22",
        "--to",
        "2026-09-22",
        "--officer",
        OFFICER,
        "--format",
        "json",
        "--out",
        str(out),
        "--tz",
        ZONE,
    )
    assert code == 0, err
    pem = tmp_path / "PHD-01.pem"
    keys.save_public(keys.load_private(world.booth.data_dir / "keys" / "booth.pem"), pem)
    elsewhere = CliRunner().invoke(
        booth,
        ["--data-dir", str(tmp_path / "hq-desk"), "export", "verify", str(out), "--public-key", str(pem), "--records"],
    )
    assert elsewhere.exit_code == 0, elsewhere.stderr
    assert json.loads(elsewhere.stdout)["filter"]["officer"] == OFFICER
    other = tmp_path / "other.pem"
    keys.save_public(keys.generate(), other)
    wrong = CliRunner().invoke(
        booth, ["--data-dir", str(tmp_path / "hq-desk"), "export", "verify", str(out), "--public-key", str(other)]
    )
    assert wrong.exit_code == 1 and "signed by another key" in wrong.stderr
    no_key = CliRunner().invoke(booth, ["--data-dir", str(tmp_path / "hq-desk"), "export", "verify", str(out)])
    assert no_key.exit_code == 2 and "pass --public-key" in no_key.stderr


def test_export_a_shift_as_pdf_with_format_from_the_name(world: World, tmp_path: Path) -> None:
    out = tmp_path / "shift.pdf"
    code, stdout, err = run(world, "export", "--shift", str(world.first_shift), "--out", str(out), "--tz", ZONE)
    assert code == 0, err
    assert json.loads(stdout)["format"] == "pdf" and (tmp_path / "shift.pdf.sig").is_file()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--from", "2026-09-22", "--tz", ZONE], "--out FILE"),
        (["--out", "x.csv"], "choose what to export"),
        (["--from", "2026-09-22", "--out", "x.txt"], "give --format"),
        (["--from", "22.09.2026", "--out", "x.csv"], "is not a date"),
        (["--from", "2026-09-22", "--officer", "Nobody", "--out", "x.csv"], "no officer named 'Nobody'"),
        (["--shift", "999", "--out", "x.csv"], "no shift 999"),
        (["--from", "2026-09-22", "--out", "/nonexistent-usb/x.csv"], "does not exist (is the USB stick plugged in?)"),
    ],
)
def test_export_mistakes_are_one_clear_line(world: World, args: list[str], message: str) -> None:
    code, stdout, stderr = run(world, "export", *args)
    assert code in (2, 3) and stdout == "" and message in stderr and stderr.count("\n") == 1
    assert "Traceback" not in stderr


def test_shift_close_and_list(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    code, stdout, _ = run(world, "shift", "list", "--open")
    assert code == 0
    open_shifts = [json.loads(line) for line in stdout.splitlines()]
    assert [s["officer"] for s in open_shifts] == [OFFICER, OFFICER2] and all(
        s["closed_at"] is None for s in open_shifts
    )
    code, stdout, err = run(world, "shift", "close", "--officer", OFFICER, "--pin-stdin", input=OFFICER_PIN + "\n")
    assert code == 0, err
    seq, digest = world.booth.ledger.head()
    assert f"Ledger head: seq {seq}, hash {digest[:16]}…" in err  # for the supervisor to sign
    closed = json.loads(stdout)
    assert closed["officer"] == OFFICER and closed["closed_by"] == OFFICER and closed["closed_at"].endswith("Z")
    assert closed["scans"] == 5 and closed["sync"]["as_of"] == "shift close"  # 14:00-17:45 and the next night
    monkeypatch.setenv("BOOTH_PIN", SUPERVISOR_PIN)
    code, stdout, err = run(world, "shift", "close", "--officer", OFFICER2, "--supervisor", SUPERVISOR)
    assert code == 0, err and json.loads(stdout)["closed_by"] == SUPERVISOR
    code, _, err = run(world, "shift", "close", "--officer", OFFICER2, "--supervisor", SUPERVISOR)
    assert code == 3 and err == f"error: {OFFICER2} has no open shift\n"
    monkeypatch.setenv("BOOTH_PIN", OFFICER2_PIN)
    code, _, err = run(world, "shift", "close", "--officer", OFFICER, "--supervisor", OFFICER2)
    assert (
        code == 3
        and err == f"error: {OFFICER2} is not a supervisor: only {OFFICER} or a supervisor may close the shift\n"
    )
    assert run(world, "shift", "list", "--open")[1] == ""


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        out += _commands(cmd, path) if isinstance(cmd, click.Group) else [path]
    return out


def test_every_command_has_help_with_an_example_and_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    commands = [c for c in _commands(booth) if c[0] in ("export", "shift")]
    assert sorted(commands) == [("export", "verify"), ("shift", "close"), ("shift", "list")]
    for path in [*commands, ("export",), ("shift",)]:
        result = CliRunner().invoke(booth, ["--data-dir", "x", *path, "--help"])
        assert result.exit_code == 0 and "Example" in result.stdout or path == ("shift",), path
        assert re.search(rf"booth(?: --data-dir \S+)? {' '.join(path)}\b", readme), f"booth {' '.join(path)}"
    assert export.name == "export" and shift.name == "shift"
