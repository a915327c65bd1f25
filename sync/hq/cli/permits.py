"""``booth-hq permit``, ``revoke``, ``revoke-copy`` and ``revocation``: signing permits, looking
them up, and taking them back (a whole permit, or one printed copy), or lifting a mistake."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from booth.cli_support import ExitCode, fail, parse_time, print_json
from sync.hq.cli.common import pass_hq
from sync.hq.facade import HQ
from sync.hq.holder_file import load_holder
from sync.protocol import keys

FUTURE_SLACK = 300  # seconds: clocks of HQ machines may differ by this much


@click.group()
def permit() -> None:
    """Issue permits; re-list genuine ones under a stolen key."""


@permit.command("issue", epilog="The holder file: docs/formats.md, 'The holder file'.")
@click.option("--issuer", "office", required=True, help="Issuing office code.")
@click.option(
    "--holder",
    "holder_file",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="HOLDER.json: the holder's fields (docs/formats.md, 'The holder file').",
)
@click.option("--valid-days", required=True, type=click.IntRange(min=1), help="Days the permit is valid.")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder for PNG and PDF.")
@click.option(
    "--key",
    "key_source",
    metavar="FILE.pem|URI",
    help="The office's private key, when it is not kept in the HQ data dir: a PEM file, or a key in "
    "a PKCS#11 token (pkcs11:token=...;object=...?pin-source=file:...).",
)
@click.option("--at", "at", help="Issue as of this ISO time (default now).")
@click.option("--new-copy", is_flag=True, help="Print another copy of the permit numbered in the holder file ('no').")
@click.option(
    "--despite-duplicate",
    metavar="REASON",
    help="Issue although the holder looks like one of a live permit: a supervisor's decision, kept with why.",
)
@pass_hq
def permit_issue(
    hq: HQ,
    office: str,
    holder_file: Path,
    valid_days: int,
    out_dir: Path,
    key_source: str | None,
    at: str | None,
    new_copy: bool,
    despite_duplicate: str | None,
) -> None:
    """Sign a permit; print its QR text; write PERMIT_NO.png and PERMIT_NO.pdf.

    The card files are written before the permit is recorded: if anything fails, nothing is
    recorded and no number is used up. A holder who looks like the holder of a live permit
    (another spelling or name order, a typo in the birth date, the same document) is refused,
    exit 1, with the permits side by side, unless --despite-duplicate gives a supervisor's reason.
    A lost card: issue a new copy (--new-copy, with the holder file naming the number in 'no'),
    then `booth-hq revoke-copy` the lost one.

    \b
    Example:
      booth-hq permit issue --issuer KH-BTB-01 --holder sok.json --valid-days 365 --out cards/
      booth-hq permit issue --issuer KH-BTB-01 --holder sok.json --valid-days 365 --out cards/ \\
        --key "pkcs11:token=KH-MOI;object=KH-BTB-01?pin-source=file:pin"
    """
    when = parse_time(at)
    if when > parse_time(None) + FUTURE_SLACK:  # a permit dated ahead would be recorded as issued then
        raise click.BadParameter(
            f"{at} is in the future; a permit is issued now or as of a past time", param_hint="--at"
        )
    holder = load_holder(holder_file)
    if new_copy and not holder.number:
        raise click.UsageError("--new-copy needs the permit number in the holder file ('no')")
    hq.check_issuing(holder, office=office, valid_days=valid_days, now=when)  # a plain mistake first
    # the permit the holder file names is its own business (--new-copy, or "already issued")
    matches = [] if new_copy else [m for m in hq.likely_duplicates(holder, now=when) if m.person.ref != holder.number]
    if matches and despite_duplicate is None:
        for m in matches:
            p = m.person
            click.echo(f"likely the holder of {p.ref}: {p.family_name} {p.given_names} {p.native_name}".rstrip()
                       + f", born {p.dob}, document {p.document} ({', '.join(m.reasons)})")  # fmt: skip
        fail("this applicant looks like the holder of a live permit: a supervisor checks both side by side; "
             "issue anyway with --despite-duplicate REASON", code=ExitCode.NO)  # fmt: skip
    with ExitStack() as stack:
        key: Ed25519PrivateKey | keys.Signer | None = None
        if key_source is not None and key_source.startswith("pkcs11:"):
            from booth import token  # python-pkcs11: the hq extra

            key = stack.enter_context(token.open_key(key_source))
        elif key_source is not None:
            if not Path(key_source).exists():
                raise click.BadParameter(f"{key_source} does not exist", param_hint="--key")
            key = hq.load_key(Path(key_source))
        issued = hq.issue(
            holder, office=office, valid_days=valid_days, now=when, key=key, out_dir=out_dir, new_copy=new_copy
        )
    if matches and despite_duplicate is not None:
        hq.registry.record_duplicate_decision(
            issued.permit.number, [m.person.ref for m in matches], sorted({r for m in matches for r in m.reasons}),
            despite_duplicate, when,
        )  # fmt: skip
    click.echo(issued.text)
    png, pdf = issued.card_files
    click.echo(f"copy {issued.copy} of {issued.permit.number}: wrote {png} and {pdf}", err=True)
    click.echo(f"signature sha256 of this copy: {issued.signature_sha256}", err=True)


@permit.command("list")
@click.option("--office", help="Only permits of this office.")
@click.option("--name", help="Only holders whose family or given names contain this (any case).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=1000, show_default=True, help="At most this many.")
@pass_hq
def permit_list(hq: HQ, office: str | None, name: str | None, limit: int) -> None:
    """List permits issued here, newest first, as JSON lines.

    \b
    Example:
      booth-hq permit list --office KH-BTB-01
      booth-hq permit list --name sok
    """
    for row in hq.registry.permits(office=office, name=name, limit=limit):
        print_json(row)


@permit.command("show")
@click.argument("permit_no")
@pass_hq
def permit_show(hq: HQ, permit_no: str) -> None:
    """Show one permit issued here: holder, dates, every printed copy with its signature hash,
    and its revocations (as JSON).

    Example: booth-hq permit show KH-BTB-2026-000017
    """
    print_json(hq.permit_record(permit_no))


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
@click.argument("permit_no")
@click.option("--reason", default="", help="Why, for the record.")
@pass_hq
def revoke(hq: HQ, permit_no: str, reason: str) -> None:
    """Revoke a permit: every printed copy of it. One copy only: `booth-hq revoke-copy`.

    Example: booth-hq revoke KH-BTB-2026-000017 --reason "reported stolen"
    """
    known = hq.revoke(permit_no=permit_no, reason=reason, at=parse_time(None))
    click.echo(f"revoked {permit_no} (every copy); it takes effect in booths with the next bundle")
    if not known:
        click.echo(f"note: {permit_no} was not issued by this HQ", err=True)


@click.command("revoke-copy")
@click.argument("signature_sha256")
@click.option("--reason", default="", help="Why, for the record.")
@pass_hq
def revoke_copy(hq: HQ, signature_sha256: str, reason: str) -> None:
    """Revoke one printed copy of a permit, by its signature hash (`booth-hq permit show` lists
    each copy's); the permit's other copies stay good.

    Example: booth-hq revoke-copy 3f2a…e9 --reason "card reported lost; copy 2 printed"
    """
    hq.revoke(signature_sha256=signature_sha256, reason=reason, at=parse_time(None))
    number = hq.registry.permit_with_signature(signature_sha256.strip().lower())
    whose = f"a copy of {number}" if number else "a copy not issued by this HQ"
    click.echo(f"revoked {whose}; it takes effect in booths with the next bundle")


@click.group()
def revocation() -> None:
    """Revocations: list them, lift one made by mistake."""


@revocation.command("list")
@click.option("--in-force", is_flag=True, help="Only those not lifted.")
@pass_hq
def revocation_list(hq: HQ, in_force: bool) -> None:
    """List revocations as JSON lines (id, permit or copy, reason, when; lifted ones say when and why).

    Example: booth-hq revocation list
    """
    for row in hq.registry.revocation_rows(lifted=not in_force):
        print_json(row)


@revocation.command("lift")
@click.argument("rev_id", metavar="ID", type=int)
@click.option("--reason", required=True, help="Why it is taken back, for the record.")
@pass_hq
def revocation_lift(hq: HQ, rev_id: int, reason: str) -> None:
    """Lift a revocation made by mistake; it stays listed, lifted, with the reason.

    Example: booth-hq revocation lift 7 --reason "wrong permit number typed"
    """
    row = hq.lift_revocation(rev_id, reason=reason, at=parse_time(None))
    what = row["permit_no"] or f"copy {row['signature_sha256']}"
    click.echo(f"revocation {rev_id} of {what} lifted; it takes effect in booths with the next bundle")


COMMANDS = (permit, revoke, revoke_copy, revocation)
