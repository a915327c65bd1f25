"""``booth export`` and ``booth shift``: signed shift logs, their check, and closing shifts.

They run inside ``booth.cli``'s group, so every
``BoothError`` (a missing folder, a full stick, a bad PIN) is one line and a non-zero exit.

Closing a shift: the officer closes their own with their PIN, or a supervisor closes
anyone's with the supervisor's own PIN (``--supervisor``); the PIN comes from
``--pin-stdin`` or ``BOOTH_PIN`` as for ``booth scan``. The command line exports as the OS
user running it (named in the ``export`` audit record): whoever can run it can read the
ledger file anyway; in the GUI only a logged-in supervisor can.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import click

from booth.cli.common import USAGE_ERROR, read_pin
from booth.cli_support import ExitCode, fail, print_json
from booth.errors import ConfigError, UnknownOfficer
from booth.report.model import ReportFilter, head_line, period, zone
from booth.report.signature import FORMATS, ExportInvalid, verify
from booth.report.signed_export import check_records
from booth.service import Booth
from sync.protocol.keys import load_public
from sync.protocol.times import iso


@click.group("export", invoke_without_command=True)
@click.option("--from", "date_from", metavar="DATE", help="First day (YYYY-MM-DD, local time) or an ISO time.")
@click.option("--to", "date_to", metavar="DATE", help="Last day, included (or an ISO time, excluded).")
@click.option("--officer", help="Only this officer's scans (and the overrides of them).")
@click.option("--shift", "shift_id", type=int, metavar="ID", help="Only this shift (`booth shift list` shows ids).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="csv, json or pdf (default: --out's extension).")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="The file to write; FILE.sig (its signature) is written next to it.",
)
@click.option(
    "--tz",
    "tz_name",
    metavar="ZONE",
    help="Time zone of the dates and hours, e.g. Asia/Phnom_Penh (default: this machine's).",
)
@click.pass_context
def export(
    ctx: click.Context,
    date_from: str | None,
    date_to: str | None,
    officer: str | None,
    shift_id: int | None,
    fmt: str | None,
    out: Path | None,
    tz_name: str | None,
) -> None:
    """Export a signed shift log (CSV, JSON or PDF) of a shift, a day or a period.

    Prints what was signed as JSON. The file and FILE.sig appear together or not at all.

    \b
    Example:
      booth export --from 2026-09-22 --to 2026-09-22 --format pdf --out /media/usb/day.pdf
      booth export --shift 12 --officer "Sok Dara" --format csv --out /media/usb/shift-12.csv
      booth export verify /media/usb/day.pdf
    """
    given = any(v is not None for v in (date_from, date_to, officer, shift_id, fmt, out, tz_name))
    if ctx.invoked_subcommand is not None:
        if given:
            fail(f"put the options after `export {ctx.invoked_subcommand}`", code=USAGE_ERROR)
        return
    if out is None:
        fail("say where to write: --out FILE (e.g. /media/usb/shift.pdf)", code=USAGE_ERROR)
    if date_from is None and date_to is None and shift_id is None:
        fail("choose what to export: --from DATE --to DATE, and/or --shift ID", code=USAGE_ERROR)
    if fmt is None:
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            fail(f"give --format ({', '.join(FORMATS)}): {out.name} has no such extension", code=USAGE_ERROR)
    tz = zone(tz_name)
    start, end = period(date_from, date_to, tz)
    booth = Booth(ctx.obj)
    try:
        if officer is not None and booth.ledger.officer(officer) is None:
            raise UnknownOfficer(f"no officer named {officer!r} at this booth")
        result = booth.export(
            ReportFilter(start, end, officer, shift_id), fmt, out, tz=tz, by=f"command line ({_os_user()})"
        )
    finally:
        booth.close()
    print_json(result.to_json())
    click.echo(head_line(result.manifest.head_seq, result.manifest.head_hash), err=True)  # JSON stays on stdout


@export.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="PEM",
    help="The booth's public key (HQ, auditors); default: this booth's own key.",
)
@click.option(
    "--signature",
    "sig_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="SIG",
    help="The signature file (default: FILE.sig).",
)
@click.option(
    "--records", is_flag=True, help="Also check every record's hash (CSV, JSON); on the booth, against its ledger too."
)
@click.pass_obj
def export_verify(data_dir: Path, file: Path, public_key: Path | None, sig_path: Path | None, records: bool) -> None:
    """Check an export against its signature: exit 0 good, 1 bad (one line saying why).

    \b
    Example:
      booth export verify /media/usb/day.pdf
      booth export verify day.csv --public-key PHD-01.pem --records
    """
    if not file.is_file():
        fail(f"{file} does not exist")
    try:
        if public_key is not None:
            manifest = verify(file, load_public(public_key), sig_path=sig_path)
            if records and manifest.format in ("csv", "json"):
                check_records(file, manifest)
        else:
            try:
                booth = Booth(data_dir, read_only=True)
            except ConfigError:
                fail(
                    f"{data_dir} is not a booth, so there is no booth key here: pass --public-key BOOTH.pem",
                    code=USAGE_ERROR,
                )
            try:
                manifest = booth.verify_export(file, records=records, sig_path=sig_path)
            finally:
                booth.close()
    except ExportInvalid as exc:
        fail(f"export NOT verified: {exc}", code=ExitCode.NO)
    print_json(
        {"verified": True, **manifest.to_json(), "records_checked": records and manifest.format in ("csv", "json")}
    )


@click.group("shift")
def shift() -> None:
    """Officers' shifts: list them, close one.

    Example: booth shift list --open
    """


@shift.command("close")
@click.option("--officer", "name", required=True, help="Whose shift to close.")
@click.option("--supervisor", help="A supervisor closing someone else's shift (their PIN is asked).")
@click.option("--pin-stdin", is_flag=True, help="Read the PIN from the first line of stdin.")
@click.pass_obj
def shift_close(data_dir: Path, name: str, supervisor: str | None, pin_stdin: bool) -> None:
    """Close an officer's open shift (their PIN, or a supervisor's with --supervisor); print its summary.

    \b
    Example:
      BOOTH_PIN=482913 booth shift close --officer "Sok Dara"
      echo 771204 | booth shift close --officer "Sok Dara" --supervisor "Chan Sophal" --pin-stdin
    """

    pin = read_pin(pin_stdin, "Supervisor PIN" if supervisor else "PIN")
    booth = Booth(data_dir)
    try:
        closed = booth.close_shift_by_name(name, pin, supervisor=supervisor)
        report = booth.report(ReportFilter(shift_id=closed.id))
    finally:
        booth.close()
    print_json(
        {
            "shift": closed.id,
            "officer": closed.officer,
            "opened_at": iso(closed.opened_at),
            "closed_at": iso(closed.closed_at),
            "closed_by": supervisor or name,
            **report.totals(),
            "sync": report.to_json()["sync"],
            "export": f"booth export --shift {closed.id} --format pdf --out FILE",
        }
    )
    click.echo(head_line(report.head_seq, report.head_hash), err=True)


@shift.command("list")
@click.option("--officer", help="Only this officer's shifts.")
@click.option("--open", "open_only", is_flag=True, help="Only shifts still open.")
@click.option("--limit", default=50, show_default=True, help="How many, newest first.")
@click.pass_obj
def shift_list(data_dir: Path, officer: str | None, open_only: bool, limit: int) -> None:
    """List shifts as JSON lines, newest first (the ids `booth export --shift` takes).

    Example: booth shift list --open
    """
    booth = Booth(data_dir, read_only=True)
    try:
        for s in booth.shifts(officer=officer, open_only=open_only, limit=limit):
            print_json(
                {
                    "shift": s.id,
                    "officer": s.officer,
                    "opened_at": iso(s.opened_at),
                    "closed_at": iso(s.closed_at) if s.closed_at else None,
                }
            )
    finally:
        booth.close()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown user"


COMMANDS = (export, shift)
