"""``booth-hq init`` and ``booth-hq root``: the HQ root key, its fingerprint and its rotation."""

from __future__ import annotations

import sys

import click

from booth.cli_support import parse_time, print_json
from sync.hq.cli.common import PASSPHRASE_FILE, pass_hq
from sync.hq.facade import HQ

CHOOSE = (
    "choose how HQ's keys are kept: --passphrase-file FILE (or BOOTH_HQ_PASSPHRASE_FILE) to encrypt "
    "them under a passphrase, or --no-passphrase to write them unencrypted"
)


@click.command()
@click.option(
    "--no-passphrase",
    is_flag=True,
    help="Write the root key (and the keys made after it) unencrypted; protect the folder otherwise.",
)
@pass_hq
@click.pass_context
def init(ctx: click.Context, hq: HQ, no_passphrase: bool) -> None:
    """Make the HQ root key and print its fingerprint (booths pin it).

    The key is encrypted under the passphrase of --passphrase-file (at least 12 characters; a
    terminal asks twice when no file is given); --no-passphrase writes it unencrypted.

    Example: booth-hq --data-dir hq --passphrase-file /secure/hq-pass init
    """
    given = ctx.meta.get(PASSPHRASE_FILE) is not None
    if given and no_passphrase:
        raise click.UsageError("give --passphrase-file or --no-passphrase, not both")
    if no_passphrase:
        hq.use_passphrase(None)
        click.echo("warning: the root key is written unencrypted; whoever reads the HQ folder can sign", err=True)
    elif not given:
        if not sys.stdin.isatty():
            raise click.UsageError(CHOOSE)
        hq.use_passphrase(
            click.prompt("New passphrase of HQ's keys", hide_input=True, confirmation_prompt=True).encode()
        )
    fp = hq.init()
    click.echo(f"HQ root key created in {hq.paths.root_key}")
    click.echo(f"Root fingerprint: {fp}")


@click.group()
def root() -> None:
    """The HQ root key: show it; rotate it without re-enrolling booths."""


@root.command("show")
@pass_hq
def root_show(hq: HQ) -> None:
    """Show the root's fingerprint (what booths pin), the announced next root and the retired ones (JSON).

    Example: booth-hq root show
    """
    print_json(hq.root_summary())


@root.command("rotate")
@pass_hq
def root_rotate(hq: HQ) -> None:
    """Make the next root key; every bundle built from now on announces it to booths.

    Example: booth-hq root rotate
    """
    fp = hq.prepare_root_rotation()
    click.echo(f"next root fingerprint: {fp}")
    click.echo("build and ship a bundle to every booth, then run `booth-hq root promote`")


@root.command("promote")
@pass_hq
def root_promote(hq: HQ) -> None:
    """Sign with the announced next root from now on (the old root is kept, retired).

    Example: booth-hq root promote
    """
    fp = hq.promote_next_root(now=parse_time(None))
    click.echo(f"root is now {fp}; booths that installed a bundle announcing it follow on their own")


COMMANDS = (init, root)
