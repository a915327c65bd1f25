"""The booth's own records: ``init``, ``officer``, ``scan``, ``override``, ``audit`` and ``status``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from booth.cli.common import open_booth, read_pin
from booth.cli_support import fail, parse_time, print_json, read_text_arg
from booth.clock import FixedClock
from booth.errors import PinPolicyError
from booth.service import Booth


@click.command()
@click.option("--booth-id", required=True, help="This booth's id, as HQ knows it.")
@click.option("--checkpoint", required=True, help="The checkpoint code where the booth stands.")
@click.pass_obj
def init(data_dir: Path, booth_id: str, checkpoint: str) -> None:
    """Make a new booth: ledger, settings and signing key (refuses to overwrite).

    Example: booth --data-dir /var/lib/booth init --booth-id PHD-01 --checkpoint KH-PHD
    """
    booth = Booth.init(data_dir, booth_id=booth_id, checkpoint=checkpoint)
    click.echo(f"booth {booth_id} at {checkpoint} initialised in {data_dir}")
    booth.close()


@click.group()
def officer() -> None:
    """Officers and supervisors of this booth."""


@officer.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["officer", "supervisor"]), required=True)
@click.option("--pin-stdin", is_flag=True, help="Read the PIN from stdin instead of asking twice.")
@click.pass_obj
def officer_add(data_dir: Path, name: str, role: str, pin_stdin: bool) -> None:
    """Add an officer; the PIN is asked without echo (4-12 digits).

    Example: echo 482913 | booth officer add "Sok Dara" --role officer --pin-stdin
    """
    booth = open_booth(data_dir)
    if pin_stdin:
        pin = read_pin(True)
    else:
        pin = click.prompt("PIN", hide_input=True, confirmation_prompt=True)
    try:
        booth.add_officer(name, role, pin)
    except PinPolicyError as exc:
        fail(str(exc))
    click.echo(f"{role} {name} added")


@officer.command("list")
@click.pass_obj
def officer_list(data_dir: Path) -> None:
    """List officers as JSON lines (never the PIN hashes).

    Example: booth officer list
    """
    for o in open_booth(data_dir).ledger.officers():
        print_json({"name": o.name, "role": o.role, "failed_pins": o.failed, "locked": o.locked_until is not None,
                    "active": o.active})


@officer.command("unlock")
@click.argument("name")
@click.pass_obj
def officer_unlock(data_dir: Path, name: str) -> None:
    """Clear an officer's PIN lock-out (audited).

    Example: booth officer unlock "Sok Dara"
    """
    open_booth(data_dir).unlock(name)
    click.echo(f"{name} unlocked")


@click.command()
@click.argument("text")
@click.option("--officer", "name", required=True, help="The officer at the booth.")
@click.option("--direction", type=click.Choice(["entry", "exit"]), required=True)
@click.option("--channel", type=click.Choice(["cli", "wedge", "manual", "camera"]), default="cli", show_default=True)
@click.option("--at", "at", help="Booth clock override, ISO time (testing and replays).")
@click.option("--pin-stdin", is_flag=True, help="Read the PIN from the first line of stdin.")
@click.pass_obj
def scan(data_dir: Path, text: str, name: str, direction: str, channel: str, at: str | None, pin_stdin: bool) -> None:
    """Verify a permit AND record the crossing; prints the verdict with the record's seq and hash.

    Exit 0 valid, 1 rejected, 2 usage error.

    Example: BOOTH_PIN=482913 booth scan --officer "Sok Dara" --direction entry 'BP1:...'
    """
    pin = read_pin(pin_stdin)
    booth = Booth(data_dir, clock=FixedClock(parse_time(at)) if at else None)
    session = booth.login(name, pin)
    outcome = booth.scan(session, read_text_arg(text), direction=direction, channel=channel)
    print_json(outcome.to_json())
    sys.exit(0 if outcome.verdict.valid else 1)


@click.command()
@click.argument("seq", type=int)
@click.option("--supervisor", required=True, help="The supervisor who decides.")
@click.option("--reason", required=True, help="Why the holder may pass despite the rejection.")
@click.option("--pin-stdin", is_flag=True, help="Read the supervisor's PIN from stdin.")
@click.pass_obj
def override(data_dir: Path, seq: int, supervisor: str, reason: str, pin_stdin: bool) -> None:
    """Let a rejected scan through, with the supervisor's PIN and a written reason.

    Example: BOOTH_PIN=771204 booth override 42 --supervisor "Chan Sophal" --reason "HQ confirmed by phone"
    """
    pin = read_pin(pin_stdin, "Supervisor PIN")
    record = open_booth(data_dir).override_with_pin(seq, supervisor, pin, reason)
    print_json({"seq": record.seq, "hash": record.hash, "overrides": seq})


@click.group()
def audit() -> None:
    """Checks of the ledger."""


@audit.command("verify")
@click.pass_obj
def audit_verify(data_dir: Path) -> None:
    """Walk the whole hash chain; exit 1 naming the first bad record.

    Example: booth audit verify
    """
    report = open_booth(data_dir).verify_chain()
    print_json(report.to_json())
    if not report.ok:
        where = f"record {report.bad_seq}" if report.bad_seq else "the derived tables"
        fail(f"ledger tampered: {where} {report.problem}: {report.detail}")


@click.command()
@click.pass_obj
def status(data_dir: Path) -> None:
    """Print the booth's state as JSON: records, people inside, bundle age, pending sync.

    Example: booth status
    """
    print_json(open_booth(data_dir).status())


COMMANDS = (init, officer, scan, override, audit, status)
