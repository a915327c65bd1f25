"""``booth-hq export verify``: check a supervisor's signed export against what the booth synced.

Registered on ``sync.hq.cli.main``; the checks are in ``sync.hq.export_check``.
"""

from __future__ import annotations

from pathlib import Path

import click

from booth.cli_support import ExitCode, fail, print_json
from sync.hq.cli.common import pass_hq
from sync.hq.facade import HQ


@click.group("export")
def export_group() -> None:
    """Supervisors' signed exports (shift logs, day reports) from booths."""


@export_group.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--signature",
    "sig_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="SIG",
    help="The signature file (default: FILE.sig).",
)
@pass_hq
def export_verify(hq: HQ, file: Path, sig_path: Path | None) -> None:
    """Check an export with the booth's enrolled key and HQ's copy of its records: exit 0
    good (one JSON line), 1 not (one line saying why). CSV and JSON rows are compared with
    the records HQ holds; rows HQ does not hold yet only with their own hashes
    ("all_rows_at_hq": false).

    \b
    Example:
      booth-hq export verify /media/usb/PHD-01-shift-12.csv
    """
    from sync.hq.export_check import verify_export
    from sync.protocol.errors import ExportRefused

    if not file.is_file():
        fail(f"{file} does not exist")
    try:
        check = verify_export(hq.sync_store, file, sig_path=sig_path)
    except ExportRefused as exc:
        fail(f"export NOT verified: {exc}", code=ExitCode.NO)
    print_json(check.to_json())


COMMANDS = (export_group,)
