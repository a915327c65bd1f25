"""``booth-hq partner``: bilateral recognition, signed issuer lists exchanged with the partner HQ."""

from __future__ import annotations

from pathlib import Path

import click

from booth.cli_support import parse_time, print_json
from sync.hq.cli.common import pass_hq
from sync.hq.facade import HQ
from sync.protocol.keys import fingerprint


@click.group()
def partner() -> None:
    """Bilateral recognition: exchange signed issuer lists with the partner country's HQ."""


@partner.command("export")
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path), help="Partner list file to write.")
@click.option(
    "--country", type=click.Choice(["KH", "TH"]), help="Our country (default: the country of our issuing offices)."
)
@click.option("--at", "at", help="Export as of this ISO time (default now).")
@pass_hq
def partner_export(hq: HQ, out_file: Path, country: str | None, at: str | None) -> None:
    """Write our issuing offices and revocations, signed by our root, for the partner HQ.

    Each export has a higher version than the one before; give the partner our root
    fingerprint (booth-hq init printed it) by a separate channel so they can --pin it.
    After `booth-hq root rotate` the list announces our next root: have the partner import
    it before `booth-hq root promote`, and their pin follows us.

    Example: booth-hq partner export --out kh-partner.list
    """
    from sync.hq.partner import export_partner_list

    plist, data = export_partner_list(hq, now=parse_time(at), country=country)
    out_file.write_bytes(data)
    if plist.next_root_public_key is not None:
        click.echo(f"Announces our next root: {fingerprint(plist.next_root_public_key)}")
    click.echo(
        f"partner list {plist.country} version {plist.version} written to {out_file}: "
        f"{len(plist.issuers)} issuers, {len(plist.revocations)} revocations"
    )
    click.echo(f"Root fingerprint: {hq.root_fingerprint()}")


@partner.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pin", help="The partner HQ's root fingerprint; required on the first import from a country.")
@pass_hq
def partner_import(hq: HQ, file: Path, pin: str | None) -> None:
    """Accept a partner HQ's signed issuer list; the next bundle build folds it in.

    The first import pins the partner root (--pin); later ones must be signed by it and
    carry a higher version, or they are refused. After the partner rotated its root, a list
    signed by the next root that the pinned root's last list announced is accepted and the
    pin moves to it (booth-hq partner list shows the move).

    Example: booth-hq partner import th-partner.list --pin "3F2A 9C01 ..."
    """
    from sync.hq.partner import import_partner_list
    from sync.protocol.files import read_capped
    from sync.protocol.partner import MAX_PARTNER_LIST_BYTES

    data = read_capped(file, MAX_PARTNER_LIST_BYTES)  # a file from outside: no link, no device, no endless file
    result = import_partner_list(hq, data, pin=pin, now=parse_time(None))
    plist = result.plist
    pinned = " (root pinned: " + result.fingerprint + ")" if result.first else ""
    if result.moved:
        pinned = " (signed by the next root the partner announced: pin moved to " + result.fingerprint + ")"
    click.echo(
        f"partner list {plist.country} version {plist.version} accepted{pinned}: "
        f"{len(plist.issuers)} issuers, {len(plist.revocations)} revocations; "
        f"run `booth-hq bundle build` to ship them to booths"
    )


@partner.command("list")
@pass_hq
def partner_list(hq: HQ) -> None:
    """List imported partner HQs as JSON lines (country, pinned and announced root, version, offices).

    Example: booth-hq partner list
    """
    from sync.hq.partner import partner_summaries

    for row in partner_summaries(hq):
        print_json(row)


COMMANDS = (partner,)
