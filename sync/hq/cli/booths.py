"""``booth-hq booth`` and ``booth-hq import``: registering, enrolling and revoking booths, and
taking in the batches they exported to a USB stick.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from booth.cli_support import ExitCode, parse_time, print_json
from sync.hq.cli.common import pass_hq
from sync.hq.facade import HQ


@click.group("booth")
def booth_group() -> None:
    """Booths: enrol, list, move, revoke."""


@booth_group.command("add")
@click.argument("booth_id")
@click.option("--checkpoint", required=True, help="Checkpoint code the booth works at.")
@pass_hq
def booth_add(hq: HQ, booth_id: str, checkpoint: str) -> None:
    """Register a booth; print its one-time enrolment token and the root fingerprint.

    Type the token on the booth; check the fingerprint the booth shows is the one printed here.

    Example: booth-hq booth add PHD-01 --checkpoint KH-PHD
    """
    now = parse_time(None)
    hq.open_checkpoint(checkpoint, at=now)  # must exist, and be open
    token = hq.sync_store.add_booth(booth_id, checkpoint, now=now)
    _say_token(hq, f"booth {booth_id} at {checkpoint} added; it enrols with this one-time token:", token)


@booth_group.command("token")
@click.argument("booth_id")
@pass_hq
def booth_token(hq: HQ, booth_id: str) -> None:
    """Issue a new one-time enrolment token for a booth not yet enrolled (a lost token); the old one stops working.

    Example: booth-hq booth token PHD-01
    """
    token = hq.sync_store.reissue_token(booth_id)
    _say_token(hq, f"booth {booth_id}: the earlier token no longer works; it enrols with this one:", token)


def _say_token(hq: HQ, headline: str, token: str) -> None:
    """The token to type on the booth, and the root fingerprint the booth must show."""
    click.echo(headline)
    click.echo(f"token: {token}")
    click.echo(f"root fingerprint (the booth must show the same): {hq.root_fingerprint()}")


@booth_group.command("key")
@click.argument("booth_id")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the PEM to this file.")
@pass_hq
def booth_key(hq: HQ, booth_id: str, out: Path | None) -> None:
    """Print an enrolled booth's public key (PEM) and fingerprint, for an auditor checking its exports.

    Example: booth-hq booth key PHD-01 --out PHD-01.pub.pem
    """
    from sync.protocol import keys
    from sync.protocol.files import atomic_write

    info = hq.sync_store.booth(booth_id)
    if info.public_key is None:
        raise click.ClickException(f"booth {booth_id} has not enrolled yet: it has no key")
    public = keys.public_from_raw(info.public_key)
    pem = keys.public_pem(public)
    click.echo(pem.decode().rstrip())
    click.echo(f"fingerprint: {keys.fingerprint(public)}")
    if out is not None:
        atomic_write(out, pem)
        click.echo(f"wrote {out}", err=True)


@booth_group.command("list")
@click.option("--moves", is_flag=True, help="List the booths' moves between checkpoints instead.")
@pass_hq
def booth_list(hq: HQ, moves: bool) -> None:
    """List booths as JSON lines (state: waiting, enrolled or revoked), or their moves.

    \b
    Example:
      booth-hq booth list
      booth-hq booth list --moves
    """
    if moves:
        for move in hq.sync_store.moves():
            print_json(move)
        return
    for info in hq.sync_store.booths():
        print_json(info.to_json())


@booth_group.command("move")
@click.argument("booth_id")
@click.option("--checkpoint", required=True, help="The checkpoint code the booth now works at.")
@click.option("--by", default=None, help="Who moves it, for the record (default: your login name).")
@pass_hq
def booth_move(hq: HQ, booth_id: str, checkpoint: str, by: str | None) -> None:
    """Reassign a booth to another checkpoint; the next bundle tells the booth where it stands.

    Its records under later bundles must name the new checkpoint, under earlier ones the old
    (else a checkpoint_mismatch alert). `booth-hq booth list --moves` shows past moves.

    Example: booth-hq booth move PHD-02 --checkpoint KH-STB --by "Chan Sophal"
    """
    import getpass

    who = by if by is not None else getpass.getuser()
    old = hq.move_booth(booth_id, checkpoint, by=who, now=parse_time(None))
    click.echo(f"booth {booth_id} moved from {old} to {checkpoint} by {who}; build a bundle to tell it")


@booth_group.command("resume")
@click.argument("booth_id")
@click.option("--note", required=True, help="What HQ decided about the fork, for the record.")
@click.option("--by", default=None, help="Who decides (default: your login name).")
@click.option(
    "--restored",
    is_flag=True,
    help="The booth was restored from a backup and recorded before taking back HQ's records: "
    "let it take them back (booth sync restore --replace-local-tail).",
)
@pass_hq
def booth_resume(hq: HQ, booth_id: str, note: str, by: str | None, restored: bool) -> None:
    """Let a booth sync again after a fork suspended it (the fork's evidence and alert stay).

    With --restored, HQ's records stay the booth's history: until the booth sends records
    past those HQ holds now, its signed heads are not judged, so a supervisor there can move
    its own records aside and take back HQ's (`booth sync restore --replace-local-tail`).

    \b
    Example:
      booth-hq booth resume PHD-01 --note "records checked" --by "Chan Sophal"
      booth-hq booth resume PHD-01 --restored --note "disk restored from backup" --by "Chan Sophal"
    """
    import getpass

    who = by if by is not None else getpass.getuser()
    hq.sync_store.resume(booth_id, by=who, note=note, at=parse_time(None), restored=restored)
    if restored:
        click.echo(
            f"booth {booth_id} may sync again (resumed by {who}, as restored from a backup): at the booth, "
            "a supervisor runs `booth sync restore --replace-local-tail --by NAME`"
        )
        return
    click.echo(f"booth {booth_id} may sync again (resumed by {who})")


@booth_group.command("revoke")
@click.argument("booth_id")
@pass_hq
def booth_revoke(hq: HQ, booth_id: str) -> None:
    """Revoke a booth (lost, stolen, retired): its batches are refused from now on.

    Example: booth-hq booth revoke PHD-01
    """
    hq.sync_store.revoke_booth(booth_id, now=parse_time(None))
    click.echo(f"booth {booth_id} revoked; its batches are refused and the next bundle no longer lists it")


@click.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@pass_hq
def import_(hq: HQ, folder: Path) -> None:
    """Import batches a booth exported to a USB stick; write receipts and the latest bundle back.

    Reads FOLDER/booth-ID/batch-FIRST-LAST.bin, prints one line per file (accepted, duplicate,
    or refused: reason), writes FOLDER/booth-ID/receipt-LAST.cose and FOLDER/trust.bundle.
    A booth without any network enrols the same way: its FOLDER/booth-ID/enrol-request.cose
    (booth enrol --usb) is checked like POST /v1/enrol and answered in enrol-answer.cose.
    Exits 1 if any file was refused.

    Example: booth-hq import /media/usb
    """
    from sync.hq.usb import import_folder

    refused, alerted = 0, False
    for done in import_folder(hq, folder, now=parse_time(None)):
        click.echo(done.line())
        refused += done.outcome == "refused"
        alerted |= done.reason in ALERTING  # only these raise an alert; the others are told here only
    if refused:
        where = "the lines above and `booth-hq alerts`" if alerted else "the lines above"
        click.echo(f"{refused} file(s) refused; see {where}", err=True)
        sys.exit(ExitCode.NO)


ALERTING = frozenset({"fork"})  # refusals the store keeps as evidence with an alert


COMMANDS = (booth_group, import_)
