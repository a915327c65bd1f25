"""``booth-hq``: HQ and permit-office administration. Parses options, calls ``HQ``, prints.

``main`` (the ``booth-hq`` entry point) is here; each command group lives in its own module
and lists its commands in ``COMMANDS``:

    root        init, root rotate / promote        the HQ root key
    ceremony    ceremony request / sign / install  what only the offline root signs
    registry    checkpoint, issuer, watchlist      what the registry holds
    permits     permit issue, revoke               issuing permits and taking them back
    bundle      bundle build                       trust bundles for booths
    partner     partner export / import / list     bilateral recognition
    booths      booth add / list / revoke, import  enrolled booths, USB batches
    serve       serve                              the HQ server and dashboard
    monitoring  stats, alerts                      booths' sync and the alerts raised
    analytics   analyse, report                    integrity rules, per-checkpoint figures
    staff       staff add / passwd / unlock / ...  dashboard accounts
    export      export verify                      supervisors' signed exports
    token       token keygen                       issuing keys made in a PKCS#11 token
    demo        demo-data                          a demo HQ

``common`` holds ``pass_hq`` and ``open_hq``, the one way a command gets its HQ. The server
and the database libraries are imported only by the commands that use them.
"""

from __future__ import annotations

from pathlib import Path

import click

from booth.cli_support import EXIT_CODES_HELP, Group
from sync.hq.cli import (
    analytics,
    booths,
    bundle,
    ceremony,
    demo,
    export,
    monitoring,
    partner,
    permits,
    registry,
    root,
    serve,
    staff,
    token,
)
from sync.hq.cli.common import open_hq
from sync.hq.errors import HQError
from sync.hq.facade import HQ
from sync.hq.paths import default_hq_dir


class HQGroup(Group):
    """``booth-hq``'s group: HQ's own errors and the wire's are the user's to read."""

    expected = (*Group.expected, HQError)  # the booth's and the wire's trees, and HQ's

    def explain(self, ctx: click.Context, exc: Exception) -> str | None:
        hq = ctx.find_object(HQ)
        if hq is not None and hq.read_only and "readonly database" in str(exc):
            return f"{hq.paths.root} is read-only: this command would change it (read commands work)"
        return None


@click.group(cls=HQGroup, epilog=EXIT_CODES_HELP)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    envvar="BOOTH_HQ_DATA_DIR",
    default=default_hq_dir,
    show_default="the platform's user data folder",
    help="HQ data folder (keys and registry).",
)
@click.option(
    "--database",
    envvar="BOOTH_HQ_DATABASE",
    metavar="URL",
    help="Sync database (booths, records, receipts): a SQLAlchemy URL such as "
    "postgresql+psycopg://hq@db/booth. Default: SQLite hq-sync.db in the data folder.",
)
@click.option(
    "--passphrase-file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="BOOTH_HQ_PASSPHRASE_FILE",
    help="File whose first line is the passphrase of HQ's private keys (root, offices): read only "
    "by commands that use one. Without it, a terminal asks.",
)
@click.version_option(package_name="booth")
@click.pass_context
def main(ctx: click.Context, data_dir: Path, database: str | None, passphrase_file: Path | None) -> None:
    """Booth HQ: root key, checkpoints, issuing offices, permits, revocations, trust bundles,
    enrolled booths and the sync server.

    \b
    Example:
      booth-hq --data-dir hq --passphrase-file /secure/hq-pass init
      booth-hq --data-dir hq checkpoint add KH-PHD --name-en "Phnom Dei" --country KH
    """
    open_hq(ctx, data_dir, database, passphrase_file)


for _module in (
    root,
    ceremony,
    registry,
    permits,
    bundle,
    partner,
    booths,
    serve,
    monitoring,
    analytics,
    staff,
    export,
    token,
    demo,
):
    for _command in _module.COMMANDS:
        main.add_command(_command)
