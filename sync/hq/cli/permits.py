"""``booth-hq permit issue`` and ``booth-hq revoke``: signing permits, and taking them back."""

from __future__ import annotations

from pathlib import Path

import click

from booth.cli_support import parse_time, print_json
from sync.hq.cli.common import pass_hq
from sync.hq.facade import HQ
from sync.hq.holder_file import load_holder
from sync.protocol import keys


@click.group()
def permit() -> None:
    """Issue permits; re-list genuine ones under a stolen key."""


@permit.command("issue")
@click.option("--issuer", "office", required=True, help="Issuing office code.")
@click.option(
    "--holder",
    "holder_file",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="HOLDER.json with the permit body keys of DESIGN.md.",
)
@click.option("--valid-days", required=True, type=click.IntRange(min=1), help="Days the permit is valid.")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder for PNG and PDF.")
@click.option(
    "--key",
    "key_file",
    type=click.Path(exists=True, path_type=Path),
    help="The office's private key, when it is not kept in the HQ data dir.",
)
@click.option("--at", "at", help="Issue as of this ISO time (default now).")
@pass_hq
def permit_issue(
    hq: HQ, office: str, holder_file: Path, valid_days: int, out_dir: Path, key_file: Path | None, at: str | None
) -> None:
    """Sign a permit; print its QR text; write PERMIT_NO.png and PERMIT_NO.pdf.

    Example: booth-hq permit issue --issuer KH-BTB-01 --holder sok.json --valid-days 365 --out cards/
    """
    key = keys.load_private(key_file) if key_file else None
    issued = hq.issue(load_holder(holder_file), office=office, valid_days=valid_days, now=parse_time(at), key=key)
    png, pdf = hq.print_card(issued, out_dir)
    click.echo(issued.text)
    click.echo(f"wrote {png} and {pdf}", err=True)


@permit.command("genuine")
@click.argument("permit_no", required=False)
@click.option("--reason", default="", help="How it was checked, for the record.")
@click.option("--undo", is_flag=True, help="Take the permit off the genuine list.")
@click.option("--list", "as_list", is_flag=True, help="List the permits re-listed as genuine (JSON lines).")
@pass_hq
def permit_genuine(hq: HQ, permit_no: str | None, reason: str, undo: bool, as_list: bool) -> None:
    """Re-list a permit as genuine although its issuer's key was reported stolen (the bundle's
    `genuine` list): booths then judge it as usual instead of refusing it (issuer_revoked).

    \b
    Example:
      booth-hq permit genuine KH-BTB-2026-000017 --reason "holder seen with original papers"
      booth-hq permit genuine --list
      booth-hq permit genuine KH-BTB-2026-000017 --undo
    """
    if as_list:
        for row in hq.registry.genuine():
            print_json(row)
        return
    if not permit_no:
        raise click.UsageError("name a permit number (or --list)")
    if undo:
        hq.unmark_genuine(permit_no)
        click.echo(f"{permit_no} is no longer re-listed as genuine; takes effect with the next bundle")
        return
    ours_compromised = hq.mark_genuine(permit_no, reason=reason, at=parse_time(None))
    click.echo(f"{permit_no} re-listed as genuine; takes effect with the next bundle")
    if not ours_compromised:
        click.echo(f"note: {permit_no} is not a permit of ours under a key reported compromised", err=True)


@click.command()
@click.argument("permit_no", required=False)
@click.option("--reason", default="", help="Why, for the record.")
@click.option("--signature-sha256", help="Revoke only the printed copy whose signature has this SHA-256.")
@pass_hq
def revoke(hq: HQ, permit_no: str | None, reason: str, signature_sha256: str | None) -> None:
    """Revoke a permit (all copies), or one printed copy by its signature hash.

    Example: booth-hq revoke KH-BTB-2026-000017 --reason "reported stolen"
    """
    known = hq.revoke(permit_no=permit_no, signature_sha256=signature_sha256, reason=reason, at=parse_time(None))
    click.echo(f"revoked {permit_no or signature_sha256}; it takes effect in booths with the next bundle")
    if permit_no and not known:
        click.echo(f"note: {permit_no} was not issued by this HQ", err=True)


COMMANDS = (permit, revoke)
