"""``booth-hq``: HQ and permit-office administration. Parses options, calls ``HQ``, prints."""

from __future__ import annotations

from pathlib import Path

import click

from booth.cli_support import Group, parse_time, print_json
from booth.errors import BoothError
from sync.hq.admin import DEFAULT_MAX_OFFLINE_DAYS, HQ
from sync.hq.errors import HQError
from sync.hq.holder import load_holder
from sync.hq.paths import default_hq_dir
from sync.protocol import keys
from sync.protocol.bundle import Checkpoint, WatchEntry
from sync.protocol.errors import WireError

pass_hq = click.make_pass_decorator(HQ)


class HQGroup(Group):
    """``booth-hq``'s group: HQ's own errors and the wire's are the user's to read."""

    expected = (HQError, WireError, BoothError)


@click.group(cls=HQGroup)
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="BOOTH_HQ_DATA_DIR",
              default=default_hq_dir, show_default="the platform's user data folder",
              help="HQ data folder (keys and registry).")
@click.option("--database", envvar="BOOTH_HQ_DATABASE", metavar="URL",
              help="Sync database (booths, records, receipts): a SQLAlchemy URL such as "
                   "postgresql+psycopg://hq@db/booth. Default: SQLite hq-sync.db in the data folder.")
@click.version_option(package_name="booth")
@click.pass_context
def main(ctx: click.Context, data_dir: Path, database: str | None) -> None:
    """Booth HQ: root key, checkpoints, issuing offices, permits, revocations, trust bundles,
    enrolled booths and the sync server.

    \b
    Example:
      booth-hq --data-dir hq init
      booth-hq --data-dir hq checkpoint add KH-PHD --name-en "Phnom Dei" --country KH
    """
    ctx.obj = HQ(data_dir, database)
    ctx.call_on_close(ctx.obj.close)


@main.command()
@pass_hq
def init(hq: HQ) -> None:
    """Make the HQ root key and print its fingerprint (booths pin it).

    Example: booth-hq --data-dir hq init
    """
    fp = hq.init()
    click.echo(f"HQ root key created in {hq.paths.root_key}")
    click.echo(f"Root fingerprint: {fp}")


@main.group()
def root() -> None:
    """Rotate the HQ root key without re-enrolling booths."""


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


@main.group()
def checkpoint() -> None:
    """Border checkpoints."""


@checkpoint.command("add")
@click.argument("code")
@click.option("--name-en", required=True, help="Name in English.")
@click.option("--name-km", default="", help="Name in Khmer.")
@click.option("--name-th", default="", help="Name in Thai.")
@click.option("--country", required=True, type=click.Choice(["KH", "TH"]))
@pass_hq
def checkpoint_add(hq: HQ, code: str, name_en: str, name_km: str, name_th: str, country: str) -> None:
    """Add (or rename) a checkpoint.

    Example: booth-hq checkpoint add KH-PHD --name-en "Phnom Dei" --name-km "ភ្នំដី" --country KH
    """
    hq.add_checkpoint(Checkpoint(code, country, name_en, name_km, name_th))
    click.echo(f"checkpoint {code} saved")


@checkpoint.command("list")
@pass_hq
def checkpoint_list(hq: HQ) -> None:
    """List checkpoints as JSON lines.

    Example: booth-hq checkpoint list
    """
    for cp in hq.registry.checkpoints():
        print_json(cp.__dict__)


@main.group()
def issuer() -> None:
    """Permit-issuing offices and their keys."""


@issuer.command("add")
@click.argument("office")
@click.option("--public-key", "public_key_file", type=click.Path(exists=True, path_type=Path),
              help="Register this public key; the private half stays on an offline issuing PC.")
@click.option("--name", default="", help="Office name, for people.")
@click.option("--checkpoint", "checkpoints", multiple=True, help="Limit to this checkpoint (repeatable).")
@click.option("--valid-from", help="ISO date the key starts signing (default now).")
@click.option("--valid-until", help="ISO date the key stops signing (default 5 years).")
@pass_hq
def issuer_add(hq: HQ, office: str, public_key_file: Path | None, name: str, checkpoints: tuple[str, ...],
               valid_from: str | None, valid_until: str | None) -> None:
    """Register an issuing office, making its key pair here unless --public-key is given.

    Example: booth-hq issuer add KH-BTB-01 --name "Battambang permit office"
    """
    public = keys.load_public(public_key_file) if public_key_file else None
    added = hq.add_issuer(
        office, public_key=public, name=name, checkpoints=checkpoints,
        not_before=parse_time(valid_from), not_after=parse_time(valid_until) if valid_until else None,
    )  # fmt: skip
    click.echo(f"issuer {office} kid {added.kid.hex()} fingerprint {keys.fingerprint(added.public_key)}")
    if public is None:
        click.echo(f"private key: {hq.paths.issuer_key(office)}")


@issuer.command("list")
@pass_hq
def issuer_list(hq: HQ) -> None:
    """List issuing offices as JSON lines.

    Example: booth-hq issuer list
    """
    for i in hq.registry.issuers():
        print_json({"office": i.office, "kid": i.kid.hex(), "country": i.country, "name": i.name,
                    "not_before": i.not_before, "not_after": i.not_after, "checkpoints": list(i.checkpoints)})


@main.group()
def permit() -> None:
    """Issue permits."""


@permit.command("issue")
@click.option("--issuer", "office", required=True, help="Issuing office code.")
@click.option("--holder", "holder_file", required=True, type=click.Path(exists=True, path_type=Path),
              help="HOLDER.json with the permit body keys of DESIGN.md.")
@click.option("--valid-days", required=True, type=click.IntRange(min=1), help="Days the permit is valid.")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder for PNG and PDF.")
@click.option("--key", "key_file", type=click.Path(exists=True, path_type=Path),
              help="The office's private key, when it is not kept in the HQ data dir.")
@click.option("--at", "at", help="Issue as of this ISO time (default now).")
@pass_hq
def permit_issue(hq: HQ, office: str, holder_file: Path, valid_days: int, out_dir: Path,
                 key_file: Path | None, at: str | None) -> None:
    """Sign a permit; print its QR text; write PERMIT_NO.png and PERMIT_NO.pdf.

    Example: booth-hq permit issue --issuer KH-BTB-01 --holder sok.json --valid-days 365 --out cards/
    """
    key = keys.load_private(key_file) if key_file else None
    issued = hq.issue(load_holder(holder_file), office=office, valid_days=valid_days, now=parse_time(at), key=key)
    png, pdf = hq.print_card(issued, out_dir)
    click.echo(issued.text)
    click.echo(f"wrote {png} and {pdf}", err=True)


@main.command()
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


@main.group()
def watchlist() -> None:
    """Watchlist of permits and identity documents."""


@watchlist.command("add")
@click.option("--permit", "permit_no", help="Permit number.")
@click.option("--document", help="Identity document number.")
@click.option("--nationality", help="ISO alpha-3, narrows a document match.")
@click.option("--reason", required=True, help="What the officer should know.")
@pass_hq
def watchlist_add(hq: HQ, permit_no: str | None, document: str | None, nationality: str | None, reason: str) -> None:
    """Add a watchlist entry.

    Example: booth-hq watchlist add --document N0123456 --nationality KHM --reason "court order"
    """
    hq.watch(WatchEntry(permit_no, document, nationality, reason), at=parse_time(None))
    click.echo("watchlist entry added")


@main.group()
def bundle() -> None:
    """Trust bundles for booths."""


@bundle.command("build")
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path), help="Bundle file to write.")
@click.option("--max-offline-age", "max_days", type=click.FloatRange(min=0.01), default=DEFAULT_MAX_OFFLINE_DAYS,
              show_default=True, help="Days after which booths warn the bundle is stale.")
@click.option("--at", "at", help="Build as of this ISO time (default now).")
@pass_hq
def bundle_build(hq: HQ, out_file: Path, max_days: float, at: str | None) -> None:
    """Sign a new trust bundle (a higher version than any before).

    Example: booth-hq bundle build --out trust.bundle --max-offline-age 7
    """
    built, data = hq.build_bundle(now=parse_time(at), max_offline_days=max_days)
    out_file.write_bytes(data)
    click.echo(f"bundle version {built.version} written to {out_file} ({len(data)} bytes): "
               f"{len(built.issuers)} issuers, {len(built.revocations)} revocations, "
               f"{len(built.watchlist)} watchlist entries")


@main.group()
def partner() -> None:
    """Bilateral recognition: exchange signed issuer lists with the partner country's HQ."""


@partner.command("export")
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path), help="Partner list file to write.")
@click.option("--country", type=click.Choice(["KH", "TH"]),
              help="Our country (default: the country of our issuing offices).")
@click.option("--at", "at", help="Export as of this ISO time (default now).")
@pass_hq
def partner_export(hq: HQ, out_file: Path, country: str | None, at: str | None) -> None:
    """Write our issuing offices and revocations, signed by our root, for the partner HQ.

    Each export has a higher version than the one before; give the partner our root
    fingerprint (booth-hq init printed it) by a separate channel so they can --pin it.

    Example: booth-hq partner export --out kh-partner.list
    """
    from sync.hq.partner import export_partner_list

    plist, data = export_partner_list(hq, now=parse_time(at), country=country)
    out_file.write_bytes(data)
    click.echo(f"partner list {plist.country} version {plist.version} written to {out_file}: "
               f"{len(plist.issuers)} issuers, {len(plist.revocations)} revocations")
    click.echo(f"Root fingerprint: {hq.root_fingerprint()}")


@partner.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pin", help="The partner HQ's root fingerprint; required on the first import from a country.")
@pass_hq
def partner_import(hq: HQ, file: Path, pin: str | None) -> None:
    """Accept a partner HQ's signed issuer list; the next bundle build folds it in.

    The first import pins the partner root (--pin); later ones must be signed by it and
    carry a higher version, or they are refused.

    Example: booth-hq partner import th-partner.list --pin "3F2A 9C01 ..."
    """
    from sync.hq.partner import import_partner_list

    result = import_partner_list(hq, file.read_bytes(), pin=pin, now=parse_time(None))
    plist = result.plist
    click.echo(f"partner list {plist.country} version {plist.version} accepted"
               f"{' (root pinned: ' + result.fingerprint + ')' if result.first else ''}: "
               f"{len(plist.issuers)} issuers, {len(plist.revocations)} revocations; "
               f"run `booth-hq bundle build` to ship them to booths")


@partner.command("list")
@pass_hq
def partner_list(hq: HQ) -> None:
    """List imported partner HQs as JSON lines (country, root fingerprint, version, offices).

    Example: booth-hq partner list
    """
    from sync.hq.partner import partner_summaries

    for row in partner_summaries(hq):
        print_json(row)


@main.command("demo-data")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder to fill.")
@click.option("--seed", default=7, show_default=True, help="Same seed, same names and numbers.")
@click.option("--at", "at", help="Pretend 'now' is this ISO time (default now).")
def demo_data(out_dir: Path, seed: int, at: str | None) -> None:
    """Make a demo HQ, offices, checkpoints and ~40 labelled permits.

    Example: booth-hq demo-data --out demo/ --seed 7
    """
    from sync.hq.demo_data import make_demo_data

    made = make_demo_data(out_dir, seed=seed, now=parse_time(at))
    click.echo(f"{len(made.cases)} permits in {made.cases_file}")
    click.echo(f"HQ data dir {made.hq_dir}; bundle {made.bundle_file}; root fingerprint {made.root_fingerprint}")


def _add_sync_commands() -> None:
    from sync.hq.cli_sync import COMMANDS

    for command in COMMANDS:
        main.add_command(command)


_add_sync_commands()


if __name__ == "__main__":  # `python -m sync.hq.cli`, as the demo starts its local HQ
    main()
