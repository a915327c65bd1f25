"""``booth``: the booth's command line. Parses options, calls the services, prints JSON.

One module per group of commands (``trust``, ``ledger``, ``app``, ``sync``, ``export``,
``camera``, ``scan_image``), each listing its ``COMMANDS``; ``scan-image`` is registered
lazily, so commands that need no camera load no OpenCV.
"""

from __future__ import annotations

from pathlib import Path

import click

from booth.cli import app, camera, export, ledger, sync, trust
from booth.cli_support import EXIT_CODES_HELP, LazyGroup
from booth.config import default_booth_dir


@click.group(
    cls=LazyGroup,
    lazy={"scan-image": "booth.cli.scan_image:scan_image"},  # OpenCV, zxing: on use only
    epilog=EXIT_CODES_HELP,
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    envvar="BOOTH_DATA_DIR",
    default=default_booth_dir,
    show_default="the platform's user data folder",
    help="Booth data folder (ledger, trust bundle, settings).",
)
@click.version_option(package_name="booth")
@click.pass_context
def main(ctx: click.Context, data_dir: Path) -> None:
    """Booth: verify border permits and record crossings, offline.

    \b
    Example:
      booth --data-dir b bundle install trust.bundle --pin "AB12 ..."
      booth --data-dir b verify --checkpoint KH-PHD 'BP1:...'
    """
    ctx.obj = data_dir


for _module in (trust, ledger, app, sync, export, camera):
    for _command in _module.COMMANDS:
        main.add_command(_command)
