"""The booth's own records: ``init``, ``officer``, ``scan``, ``override``, ``audit`` and ``status``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from booth.cli.common import USAGE_ERROR, open_booth, read_pin
from booth.cli_support import ExitCode, fail, parse_time, print_json, read_text_arg
from booth.clock import FixedClock
from booth.config import env_flag
from booth.errors import PinPolicyError
from booth.pins import check_policy
from booth.service import Booth

TEST_MODE = "BOOTH_TEST_MODE"


@click.command()
@click.option("--booth-id", required=True, help="This booth's id, as HQ knows it.")
@click.option("--checkpoint", required=True, help="The checkpoint code where the booth stands.")
@click.option("--supervisor", required=True, help="The booth's first supervisor (who then adds the others).")
@click.option("--pin-stdin", is_flag=True, help="Read the supervisor's new PIN from stdin instead of asking twice.")
@click.option(
    "--key-token",
    metavar="PKCS11_URI",
    help="Make the booth's key in this PKCS#11 token (a smart card, a TPM through tpm2-pkcs11); it never leaves it.",
)
@click.pass_obj
def init(
    data_dir: Path, booth_id: str, checkpoint: str, supervisor: str, pin_stdin: bool, key_token: str | None
) -> None:
    """Make a new booth: ledger, settings, signing key and its first supervisor (refuses to overwrite).

    Example: echo 771204 | booth --data-dir /var/lib/booth init --booth-id PHD-01 --checkpoint KH-PHD \\
    --supervisor "Chan Sophal" --pin-stdin
    """
    Booth.refuse_existing(data_dir)
    pin = _new_pin(pin_stdin)
    try:
        check_policy(pin)  # before anything is made: a refused PIN leaves no half-made booth
    except PinPolicyError as exc:
        fail(str(exc))
    booth = Booth.init(data_dir, booth_id=booth_id, checkpoint=checkpoint, key_token=key_token)
    try:
        booth.add_officer(supervisor, "supervisor", pin)
    finally:
        booth.close()
    click.echo(f"booth {booth_id} at {checkpoint} initialised in {data_dir}, supervisor {supervisor}")


def _new_pin(pin_stdin: bool) -> str:
    return read_pin(True) if pin_stdin else click.prompt("New PIN", hide_input=True, confirmation_prompt=True)


@click.group()
def officer() -> None:
    """Officers and supervisors of this booth."""


@officer.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["officer", "supervisor"]), required=True)
@click.option("--by", "supervisor", required=True, help="The supervisor who adds them (their PIN is asked).")
@click.option("--pin-stdin", is_flag=True, help="Read from stdin: the supervisor's PIN, then the new PIN.")
@click.pass_obj
def officer_add(data_dir: Path, name: str, role: str, supervisor: str, pin_stdin: bool) -> None:
    """Add an officer, on a supervisor's PIN; the new PIN is asked without echo (6-12 digits).

    Example: printf '771204\\n482913\\n' | booth officer add "Sok Dara" --role officer --by "Chan Sophal" --pin-stdin
    """
    booth = open_booth(data_dir)
    by = booth.authorise(supervisor, read_pin(pin_stdin, "Supervisor PIN"))
    try:
        booth.add_officer(name, role, _new_pin(pin_stdin), by=by)
    except PinPolicyError as exc:
        fail(str(exc))
    click.echo(f"{role} {name} added by {supervisor}")


@officer.command("list")
@click.pass_obj
def officer_list(data_dir: Path) -> None:
    """List officers as JSON lines: name, role, failed PINs, locked, state (enabled or disabled);
    never the PIN hashes.

    Example: booth officer list
    """
    for o in open_booth(data_dir, read_only=True).ledger.officers():
        print_json(
            {
                "name": o.name,
                "role": o.role,
                "failed_pins": o.failed,
                "locked": o.locked_until is not None,
                "active": o.active,
                "state": "enabled" if o.active else "disabled",
            }
        )


def _supervised(verb: str, done: str, action: str, help_text: str) -> None:
    """``booth officer VERB NAME --by SUPERVISOR``: ``Booth.<action>`` on a supervisor's PIN (audited)."""

    @officer.command(verb, help=help_text)
    @click.argument("name")
    @click.option("--by", "supervisor", required=True, help="The supervisor who does it (their PIN is asked).")
    @click.option("--pin-stdin", is_flag=True, help="Read the supervisor's PIN from stdin.")
    @click.pass_obj
    def command(data_dir: Path, name: str, supervisor: str, pin_stdin: bool) -> None:
        booth = open_booth(data_dir)
        getattr(booth, action)(name, by=booth.authorise(supervisor, read_pin(pin_stdin, "Supervisor PIN")))
        click.echo(f"{name} {done} by {supervisor}")


_supervised(
    "unlock",
    "unlocked",
    "unlock",
    """Clear an officer's PIN lock-out (audited).

    Example: BOOTH_PIN=771204 booth officer unlock "Sok Dara" --by "Chan Sophal"
    """,
)
_supervised(
    "disable",
    "disabled",
    "disable_officer",
    """Disable an officer on a supervisor's PIN: they can no longer log in (audited; their records
    stay theirs). The last enabled supervisor cannot be disabled.

    Example: BOOTH_PIN=771204 booth officer disable "Sok Dara" --by "Chan Sophal"
    """,
)
_supervised(
    "enable",
    "enabled",
    "enable_officer",
    """Enable a disabled officer again, on a supervisor's PIN (audited).

    Example: BOOTH_PIN=771204 booth officer enable "Sok Dara" --by "Chan Sophal"
    """,
)


@officer.command("pin")
@click.argument("name")
@click.option("--pin-stdin", is_flag=True, help="Read from stdin: the current PIN, then the new PIN.")
@click.pass_obj
def officer_pin(data_dir: Path, name: str, pin_stdin: bool) -> None:
    """Change your own PIN: the current PIN, then the new one twice (6-12 digits; audited).

    Example: printf '482913\\n590317\\n' | booth officer pin "Sok Dara" --pin-stdin
    """
    old = read_pin(True) if pin_stdin else click.prompt("Current PIN", hide_input=True)
    open_booth(data_dir).change_pin(name, old, _new_pin(pin_stdin))
    click.echo(f"PIN of {name} changed")


@click.command()
@click.argument("text")
@click.option("--officer", "name", required=True, help="The officer at the booth.")
@click.option("--direction", type=click.Choice(["entry", "exit"]), required=True)
@click.option("--channel", type=click.Choice(["cli", "wedge", "manual", "camera"]), default="cli", show_default=True)
@click.option(
    "--test-clock",
    "at",
    help="Test mode only (BOOTH_TEST_MODE=1): record as if the clock said this ISO "
    "time; an audit record says so first.",
)
@click.option("--pin-stdin", is_flag=True, help="Read the PIN from the first line of stdin.")
@click.pass_obj
def scan(data_dir: Path, text: str, name: str, direction: str, channel: str, at: str | None, pin_stdin: bool) -> None:
    """Verify a permit AND record the crossing; prints the verdict with the record's seq and hash.

    Exit 0 valid, 1 rejected, 2 usage error, 3 could not scan (wrong PIN, no bundle, ...).

    Example: BOOTH_PIN=482913 booth scan --officer "Sok Dara" --direction entry 'BP1:...'
    """
    if at and not env_flag(TEST_MODE):
        fail(
            f"--test-clock is for tests and demos only: set {TEST_MODE}=1 (a real booth records real times)",
            code=USAGE_ERROR,
        )
    pin = read_pin(pin_stdin)
    booth = Booth(data_dir, clock=FixedClock(parse_time(at)) if at else None)
    if at:
        booth.audit("test_clock", note=f"{TEST_MODE}: the next records use the test clock {at}")
    session = booth.login(name, pin)
    outcome = booth.scan(session, read_text_arg(text), direction=direction, channel=channel)
    print_json(outcome.to_json())
    sys.exit(ExitCode.OK if outcome.verdict.valid else ExitCode.NO)


@click.command()
@click.argument("seq", type=int)
@click.option("--supervisor", required=True, help="The supervisor who decides.")
@click.option(
    "--second-supervisor",
    help="Another supervisor: needed when the permit could not be trusted at all "
    "(unreadable, bad format or signature, unknown issuer, a stolen office key).",
)
@click.option("--reason", required=True, help="Why the holder may pass despite the rejection.")
@click.option(
    "--pin-stdin",
    is_flag=True,
    help="Read the PINs from stdin, one line each (the second supervisor's second; else BOOTH_PIN and BOOTH_PIN2).",
)
@click.pass_obj
def override(
    data_dir: Path, seq: int, supervisor: str, second_supervisor: str | None, reason: str, pin_stdin: bool
) -> None:
    """Let a rejected scan through, with the supervisor's PIN and a written reason.

    \b
    Example:
      BOOTH_PIN=771204 booth override 42 --supervisor "Chan Sophal" --reason "HQ confirmed by phone"
      booth override 43 --supervisor "Chan Sophal" --second-supervisor "Keo Vanna" --reason "..." --pin-stdin
    """
    pin = read_pin(pin_stdin, "Supervisor PIN")
    second = None
    if second_supervisor:
        second = (second_supervisor, read_pin(pin_stdin, "Second supervisor's PIN", env="BOOTH_PIN2"))
    record = open_booth(data_dir).override_with_pin(seq, supervisor, pin, reason, second=second)
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
    report = open_booth(data_dir, read_only=True).verify_chain()
    print_json(report.to_json())
    if not report.ok:
        where = f"record {report.bad_seq}" if report.bad_seq else "the derived tables"
        fail(f"ledger tampered: {where} {report.problem}: {report.detail}", code=ExitCode.NO)


@click.command()
@click.pass_obj
def status(data_dir: Path) -> None:
    """Print the booth's state as JSON: records, people inside, bundle age, pending sync.

    Example: booth status
    """
    print_json(open_booth(data_dir, read_only=True).status())


COMMANDS = (init, officer, scan, override, audit, status)
