"""``booth-hq init`` and ``booth-hq root``: the HQ root key, its fingerprint and its rotation."""

from __future__ import annotations

import click

from booth.cli_support import parse_time, print_json
from sync.hq.cli.common import pass_hq
from sync.hq.facade import HQ


@click.command()
@pass_hq
def init(hq: HQ) -> None:
    """Make the HQ root key and print its fingerprint (booths pin it).

    Example: booth-hq --data-dir hq init
    """
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
