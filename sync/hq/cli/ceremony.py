"""``booth-hq ceremony``: ask the offline root, have it sign, install its answer."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from booth.cli_support import parse_time
from sync.hq import ceremony as ceremonies
from sync.hq.cli.common import pass_hq, read_passphrase
from sync.hq.custody import RootFolder
from sync.hq.facade import HQ
from sync.protocol import keys
from sync.protocol.statement import DEFAULT_SIGNER_DAYS

CUSTODIAN_HELP = (
    "A custodian who is present: NAME=FILE (the first line of FILE is NAME's passphrase) or NAME "
    "(asked at the terminal). Give at least as many as the split needs; repeat the option."
)


def custodian_passphrases(given: tuple[str, ...], *, confirm: bool = False) -> dict[str, bytes]:
    """NAME=FILE or NAME (asked in a terminal) -> {name: passphrase}."""
    out: dict[str, bytes] = {}
    for item in given:
        name, sep, file = item.partition("=")
        if not name or name in out:
            raise click.UsageError(f"--custodian {item!r}: give NAME=FILE once per custodian")
        if sep:
            out[name] = read_passphrase(Path(file))
        elif sys.stdin.isatty():
            out[name] = click.prompt(
                f"Passphrase of custodian {name}", hide_input=True, confirmation_prompt=confirm
            ).encode()
        else:
            raise click.UsageError(f"--custodian {name}: give NAME=FILE (no terminal to ask for the passphrase)")
    return out


def what_the_root_is_asked(command: Callable[..., None]) -> Callable[..., None]:
    """The options of ``ceremony request`` and ``ceremony here``: a new signer (how long), or not; a revocation."""
    for option in reversed(
        (
            click.option(
                "--days",
                type=click.IntRange(1),
                default=DEFAULT_SIGNER_DAYS,
                show_default=True,
                help="Validity of the new online signer.",
            ),
            click.option("--no-new-signer", is_flag=True, help="Only a new root statement (issuing offices changed)."),
            click.option(
                "--revoke-current", is_flag=True, help="The online signer in use was stolen or lost: revoke it."
            ),
        )
    ):
        command = option(command)
    return command


@click.group()
def ceremony() -> None:
    """Key ceremonies: what only the offline root may sign (online signers, issuing offices)."""


@ceremony.command("request")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@what_the_root_is_asked
@click.option("--signer-token", metavar="PKCS11_URI", help="Make the new online signer's key in this PKCS#11 token.")
@click.option(
    "--announce-root",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The root.pub of a new root (ceremony new-root): bundles announce it as the next root.",
)
@click.option(
    "--promote", is_flag=True, help="Ask the announced next root to take over (its first statement and signer)."
)
@pass_hq
def ceremony_request(
    hq: HQ,
    out: Path,
    days: int,
    no_new_signer: bool,
    revoke_current: bool,
    signer_token: str | None,
    announce_root: Path | None,
    promote: bool,
) -> None:
    """Write what HQ asks of the root: a new online signer (its key made here, waiting), the
    issuing offices to certify, the signers to revoke, a next root to announce; or, with
    --promote, what the announced next root is asked to sign to take over. Take OUT to the
    offline machine.

    Example: booth-hq ceremony request /media/usb/request.json --days 90
    """
    if announce_root is not None and announce_root.name != "root.pub":
        raise click.BadParameter("give the root.pub file of the new root's folder", param_hint="--announce-root")
    req = hq.ceremony_request(
        now=parse_time(None),
        new_signer=not no_new_signer,
        revoke_current=revoke_current,
        days=days,
        signer_token=signer_token,
        announce_root=RootFolder(announce_root.parent).public_key() if announce_root is not None else None,
        promote=promote,
    )
    ceremonies.write_request(req, out)
    for line in ceremonies.describe(req):
        click.echo(line)
    click.echo(f"request written to {out}: sign it with `booth-hq ceremony sign` where the root is kept")


@ceremony.command("sign")
@click.argument("request", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--root-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The ceremony folder holding the custodians' shares.",
)
@click.option("--custodian", "custodians", multiple=True, metavar="NAME[=FILE]", help=CUSTODIAN_HELP)
@click.option("--root-token", metavar="PKCS11_URI", help="The root's key in a PKCS#11 token instead of shares.")
def ceremony_sign(
    request: Path, out: Path, root_dir: Path | None, custodians: tuple[str, ...], root_token: str | None
) -> None:
    """On the offline machine: show REQUEST, unlock the root (k custodians' shares, or a token),
    sign, write the answer to OUT. Needs no HQ data folder.

    Example: booth-hq ceremony sign req.json ans.json --root-dir /mnt/root --custodian ana=a --custodian sok=s
    """
    if (root_dir is None) == (root_token is None):
        raise click.UsageError("give --root-dir DIR (with --custodian) or --root-token URI")
    req = ceremonies.read_request(request)
    for line in ceremonies.describe(req):
        click.echo(line)
    now = parse_time(None)
    if root_token is not None:
        from booth.token import open_key

        with open_key(root_token) as key:
            answer = ceremonies.sign(req, key, now=now)
    else:
        assert root_dir is not None
        if not custodians:
            raise click.UsageError("--root-dir needs the custodians present: --custodian NAME=FILE, repeated")
        root = RootFolder(root_dir).unlock(custodian_passphrases(custodians))
        answer = ceremonies.sign(req, root, now=now)
        del root
    ceremonies.write_answer(answer, out)
    click.echo(f"answer written to {out}: install it at HQ with `booth-hq ceremony install`")


@ceremony.command("install")
@click.argument("answer", type=click.Path(dir_okay=False, path_type=Path))
@pass_hq
def ceremony_install(hq: HQ, answer: Path) -> None:
    """Put the root's answer in use: its statement, and the online signer it certified.

    Example: booth-hq ceremony install /media/usb/answer.json
    """
    for line in hq.ceremony_install(ceremonies.read_answer(answer), now=parse_time(None)):
        click.echo(line)
    click.echo("the next trust bundle carries it to the booths")


@ceremony.command("here")
@what_the_root_is_asked
@pass_hq
def ceremony_here(hq: HQ, days: int, no_new_signer: bool, revoke_current: bool) -> None:
    """With the root kept on this machine (small sites): request, sign and install in one step.

    Example: booth-hq ceremony here --revoke-current
    """
    asked = {"new_signer": not no_new_signer, "revoke_current": revoke_current, "days": days}
    for line in hq.ceremony_here(now=parse_time(None), **asked):
        click.echo(line)


@ceremony.command("new-root")
@click.option(
    "--root-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="An empty folder for the new root's shares.",
)
@click.option("--custodian", "custodians", multiple=True, metavar="NAME[=FILE]", help=CUSTODIAN_HELP)
@click.option("--threshold", type=click.IntRange(2), default=2, show_default=True, help="Custodians a ceremony needs.")
def ceremony_new_root(root_dir: Path, custodians: tuple[str, ...], threshold: int) -> None:
    """On the offline machine: make a new root, split among the custodians into --root-dir (a root
    rotation: HQ then announces its root.pub with `ceremony request --announce-root`).

    Example: booth-hq ceremony new-root --root-dir /mnt/root2 --custodian ana=a --custodian sok=s
    """
    passphrases = _enough(custodians, threshold)
    root = keys.generate()
    RootFolder(root_dir).create(root, passphrases, threshold)
    click.echo(f"new root {keys.fingerprint(root)} split {threshold} of {len(passphrases)} in {root_dir}")


@ceremony.command("resplit")
@click.option(
    "--root-dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="The root folder in use."
)
@click.option("--custodian", "custodians", multiple=True, metavar="NAME[=FILE]", help=CUSTODIAN_HELP)
@click.option(
    "--to",
    "to_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="An empty folder for the new shares.",
)
@click.option(
    "--new-custodian",
    "new_custodians",
    multiple=True,
    metavar="NAME[=FILE]",
    help="A custodian of the new split (repeat).",
)
@click.option(
    "--threshold", type=click.IntRange(2), default=2, show_default=True, help="Custodians the new split needs."
)
def ceremony_resplit(
    root_dir: Path, custodians: tuple[str, ...], to_dir: Path, new_custodians: tuple[str, ...], threshold: int
) -> None:
    """On the offline machine: split the same root again among new custodians (one left, a share
    lost, another threshold). Booths see no change; destroy the old folder and its copies after.

    \b
    Example:
      booth-hq ceremony resplit --root-dir /mnt/root --custodian ana=a --custodian sok=s \\
        --to /mnt/new --new-custodian ana=a --new-custodian vy=v
    """
    if not custodians:
        raise click.UsageError("--root-dir needs the custodians present: --custodian NAME=FILE, repeated")
    passphrases = _enough(new_custodians, threshold, option="--new-custodian", confirm=True)
    root = RootFolder(root_dir).unlock(custodian_passphrases(custodians))
    RootFolder(to_dir).create(root, passphrases, threshold)
    click.echo(f"root {keys.fingerprint(root)} split again {threshold} of {len(passphrases)} in {to_dir}")
    click.echo(f"destroy {root_dir} and every copy of it: its shares still rebuild the root")


def _enough(
    given: tuple[str, ...], threshold: int, *, option: str = "--custodian", confirm: bool = True
) -> dict[str, bytes]:
    passphrases = custodian_passphrases(given, confirm=confirm)
    if len(passphrases) < threshold:
        raise click.UsageError(f"--threshold {threshold} needs at least {threshold} {option}'s")
    return passphrases


COMMANDS = (ceremony,)
