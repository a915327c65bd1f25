"""``booth-hq init`` and ``booth-hq root``: the HQ root key, its fingerprint and its rotation."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from booth.cli_support import parse_time, print_json
from sync.hq.cli.ceremony import CUSTODIAN_HELP, custodian_passphrases
from sync.hq.cli.common import PASSPHRASE_FILE, pass_hq
from sync.hq.custody import RootFolder
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
@click.option(
    "--offline-root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the root out of HQ: split it among --custodian's, their shares written to this folder.",
)
@click.option("--custodian", "custodians", multiple=True, metavar="NAME[=FILE]", help=CUSTODIAN_HELP)
@click.option("--threshold", type=click.IntRange(2), default=2, show_default=True, help="Custodians a ceremony needs.")
@click.option("--root-token", metavar="PKCS11_URI", help="Make the root in this PKCS#11 token (it never leaves it).")
@pass_hq
@click.pass_context
def init(
    ctx: click.Context,
    hq: HQ,
    no_passphrase: bool,
    offline_root: Path | None,
    custodians: tuple[str, ...],
    threshold: int,
    root_token: str | None,
) -> None:
    """Make the HQ root key and print its fingerprint (booths pin it); certify a first online
    signer (bundles and receipts) with it.

    HQ's keys are encrypted under the passphrase of --passphrase-file (at least 12 characters; a
    terminal asks twice when no file is given); --no-passphrase writes them unencrypted. With
    --offline-root DIR the root never touches HQ's folder: it is split among the custodians
    (each share under the custodian's own passphrase) in DIR, to be kept offline.

    Example: booth-hq --passphrase-file hq.pass init --offline-root /mnt/root --custodian ana=a --custodian sok=s
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
    split = None
    if offline_root is not None:
        passphrases = custodian_passphrases(custodians, confirm=True)
        if len(passphrases) < threshold:
            raise click.UsageError(f"--threshold {threshold} needs at least {threshold} --custodian's")
        folder = RootFolder(offline_root)

        def split(root: Ed25519PrivateKey) -> None:
            folder.create(root, passphrases, threshold)

    elif custodians:
        raise click.UsageError("--custodian goes with --offline-root DIR")
    if root_token is not None:
        if offline_root is not None:
            raise click.UsageError("give --offline-root DIR or --root-token URI, not both")
        fp = _init_in_token(hq, root_token)
    else:
        fp = hq.init(offline_root=split)
    if root_token is not None:
        click.echo("HQ root made in the token; HQ's folder holds no root private key")
    elif offline_root is not None:
        click.echo(f"HQ root split {threshold} of {len(custodians)} among the custodians in {offline_root}")
        click.echo("HQ's folder holds no root private key; keep that folder offline")
    else:
        click.echo(f"HQ root key created in {hq.paths.root_key}")
    click.echo(f"Root fingerprint: {fp}")


def _init_in_token(hq: HQ, uri: str) -> str:
    from booth import token

    token.keygen(uri)
    with token.open_key(uri) as key:
        return hq.init(root_token=key)


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
