"""``booth-hq staff``: accounts made on the command line log in to the dashboard."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sync.hq.cli import main as hq_main
from sync.hq.dashboard.staff import Staff
from sync.hq.errors import LoginRefused
from sync.hq.store import SyncStore

T = 1_790_000_000


def _run(hq, *args: str, stdin: str | None = None):
    return CliRunner().invoke(hq_main, ["--data-dir", str(hq.paths.root), *args], input=stdin)


def _staff(hq) -> Staff:
    return Staff(SyncStore.open(hq.paths.root).engine)


def test_staff_accounts_from_the_command_line(hq) -> None:
    added = _run(
        hq, "staff", "add", "chenda", "--name", "Chenda Keo", "--password-stdin", stdin="correct horse battery\n"
    )
    assert added.exit_code == 0, added.output
    listed = [json.loads(line) for line in _run(hq, "staff", "list").output.splitlines()]
    assert listed == [
        {
            "username": "chenda",
            "name": "Chenda Keo",
            "state": "enabled",
            "disabled": False,
            "failed": 0,
            "locked_until": None,
            "language": "en",
        }
    ]
    _staff(hq).login("chenda", "correct horse battery", now=T)

    weak = _run(hq, "staff", "add", "dara", "--password-stdin", stdin="short\n")
    assert weak.exit_code == 3 and "at least 12 characters" in weak.output and "Traceback" not in weak.output
    again = _run(hq, "staff", "add", "chenda", "--password-stdin", stdin="correct horse battery\n")
    assert again.exit_code == 3 and "already exists" in again.output

    changed = _run(hq, "staff", "passwd", "chenda", "--password-stdin", stdin="a new long passphrase\n")
    assert changed.exit_code == 0
    _staff(hq).login("chenda", "a new long passphrase", now=T)

    assert _run(hq, "staff", "disable", "chenda").exit_code == 0
    with pytest.raises(LoginRefused, match="disabled"):
        _staff(hq).login("chenda", "a new long passphrase", now=T)
    unknown = _run(hq, "staff", "unlock", "nobody")
    assert unknown.exit_code == 3 and "no staff member 'nobody'" in unknown.output


def test_a_disabled_account_is_enabled_again_without_its_throttle(hq) -> None:
    _run(hq, "staff", "add", "chenda", "--password-stdin", stdin="correct horse battery\n")
    for _ in range(3):
        with pytest.raises(LoginRefused):
            _staff(hq).login("chenda", "a wrong guess", now=T)
    assert _run(hq, "staff", "disable", "chenda").exit_code == 0
    (disabled,) = [json.loads(line) for line in _run(hq, "staff", "list").output.splitlines()]
    assert disabled["state"] == "disabled" and disabled["failed"] == 3 and disabled["locked_until"] is not None

    enabled = _run(hq, "staff", "enable", "chenda")
    assert (enabled.exit_code, enabled.output) == (0, "'chenda' enabled\n")
    (listed,) = [json.loads(line) for line in _run(hq, "staff", "list").output.splitlines()]
    assert (listed["state"], listed["failed"], listed["locked_until"]) == ("enabled", 0, None)
    _staff(hq).login("chenda", "correct horse battery", now=T)  # at once: no throttle left
    unknown = _run(hq, "staff", "enable", "nobody")
    assert unknown.exit_code == 3 and unknown.stderr == "error: no staff member 'nobody'\n"


def test_no_password_without_a_terminal(hq) -> None:
    answer = _run(hq, "staff", "add", "chenda")  # CliRunner's stdin is not a terminal
    assert answer.exit_code == 2 and "--password-stdin" in answer.output


def test_a_staff_members_language_from_the_command_line(hq) -> None:
    added = _run(hq, "staff", "add", "sokha", "--language", "km", "--password-stdin", stdin="correct horse battery\n")
    assert added.exit_code == 0, added.output
    _, session = _staff(hq).login("sokha", "correct horse battery", now=T)
    assert session.language == "km"
    changed = _run(hq, "staff", "set-language", "sokha", "th")
    assert (changed.exit_code, changed.output) == (0, "'sokha' reads the dashboard in th\n")
    (listed,) = [json.loads(line) for line in _run(hq, "staff", "list").output.splitlines()]
    assert listed["language"] == "th"
    wrong = _run(hq, "staff", "set-language", "sokha", "fr")
    assert wrong.exit_code == 2 and "fr" in wrong.output
    unknown = _run(hq, "staff", "set-language", "nobody", "km")
    assert unknown.exit_code == 3 and "no staff member 'nobody'" in unknown.output
