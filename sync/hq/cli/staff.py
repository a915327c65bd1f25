"""``booth-hq staff ...``: the HQ staff accounts that log in to the dashboard.

Registered on ``sync.hq.cli.main``. Accounts live in the sync database beside the
records (``sync.hq.dashboard.staff``).
"""

from __future__ import annotations

import sys

import click

from booth.cli_support import parse_time, print_json
from sync.hq.cli.common import pass_hq
from sync.hq.facade import HQ

LANGUAGES = ("en", "km", "th")  # sync.hq.dashboard.staff.LANGUAGES (not imported: the CLI starts fast)


def _staff(hq: HQ):
    from sync.hq.dashboard.staff import Staff

    return Staff(hq.sync_store.engine)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise click.UsageError("no password: use --password-stdin, or run this in a terminal")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _run(work) -> None:
    from sync.hq.errors import StaffError

    try:
        work()
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("staff")
def staff_group() -> None:
    """HQ staff accounts for the dashboard (served by `booth-hq serve`)."""


@staff_group.command("add")
@click.argument("username")
@click.option("--name", "display_name", default="", help="Name shown on the dashboard (default: the user name).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option(
    "--language", type=click.Choice(LANGUAGES), default="en", show_default=True, help="The dashboard's language."
)
@pass_hq
def staff_add(hq: HQ, username: str, display_name: str, password_stdin: bool, language: str) -> None:
    """Add a staff account; the password (12 characters or more) is asked for, or read from stdin.

    \b
    Example:
      booth-hq staff add chenda --name "Chenda Keo" --language km
      printf '%s\\n' "$PASSWORD" | booth-hq staff add chenda --password-stdin
    """
    password = _password(password_stdin)
    _run(lambda: _staff(hq).add(username, display_name, password, now=parse_time(None), language=language))
    click.echo(f"staff account {username!r} added")


@staff_group.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of stdin.")
@pass_hq
def staff_passwd(hq: HQ, username: str, password_stdin: bool) -> None:
    """Set a new password (and unlock); ends the account's sessions.

    Example: booth-hq staff passwd chenda
    """
    password = _password(password_stdin)
    _run(lambda: _staff(hq).set_password(username, password))
    click.echo(f"password of {username!r} changed; its sessions ended")


@staff_group.command("unlock")
@click.argument("username")
@pass_hq
def staff_unlock(hq: HQ, username: str) -> None:
    """Unlock an account locked by wrong passwords.

    Example: booth-hq staff unlock chenda
    """
    _run(lambda: _staff(hq).unlock(username))
    click.echo(f"{username!r} unlocked")


@staff_group.command("disable")
@click.argument("username")
@pass_hq
def staff_disable(hq: HQ, username: str) -> None:
    """Disable an account and end its sessions (kept, so who acknowledged what stays readable).

    Example: booth-hq staff disable chenda
    """
    _run(lambda: _staff(hq).disable(username))
    click.echo(f"{username!r} disabled; its sessions ended")


@staff_group.command("enable")
@click.argument("username")
@pass_hq
def staff_enable(hq: HQ, username: str) -> None:
    """Enable a disabled account again (and clear its wrong-password throttle).

    Example: booth-hq staff enable chenda
    """
    _run(lambda: _staff(hq).enable(username))
    click.echo(f"{username!r} enabled")


@staff_group.command("set-language")
@click.argument("username")
@click.argument("language", type=click.Choice(LANGUAGES))
@pass_hq
def staff_set_language(hq: HQ, username: str, language: str) -> None:
    """Set the language the dashboard speaks to a staff member: en (English), km (Khmer), th (Thai).

    Staff can also switch it themselves from the dashboard's header.

    Example: booth-hq staff set-language chenda km
    """
    _run(lambda: _staff(hq).set_language(username, language))
    click.echo(f"{username!r} reads the dashboard in {language}")


@staff_group.command("list")
@pass_hq
def staff_list(hq: HQ) -> None:
    """List staff accounts as JSON lines (user name, name, state: enabled or disabled, failed
    logins, locked until).

    Example: booth-hq staff list
    """
    for m in _staff(hq).members():
        print_json(
            {
                "username": m.username,
                "name": m.display_name,
                "state": "disabled" if m.disabled else "enabled",
                "disabled": m.disabled,
                "failed": m.failed,
                "locked_until": m.locked_until,
                "language": m.language,
            }
        )


COMMANDS = (staff_group,)
