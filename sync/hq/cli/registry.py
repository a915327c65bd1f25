"""``booth-hq checkpoint``, ``issuer``, ``policy`` and ``watchlist``: the registry's places, offices (their keys
retired or reported stolen), issuing caps and people to watch."""

from __future__ import annotations

from pathlib import Path

import click

from booth.cli_support import parse_time, print_json
from sync.hq.cli.common import pass_hq
from sync.hq.facade import HQ
from sync.protocol import keys
from sync.protocol.bundle import Checkpoint, WatchEntry
from sync.protocol.times import iso


@click.group()
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
    """Add (or rename) a checkpoint. The code is KH or TH, a dash, capital letters or digits,
    and starts with the country.

    Example: booth-hq checkpoint add KH-PHD --name-en "Phnom Dei" --name-km "ភ្នំដី" --country KH
    """
    hq.add_checkpoint(Checkpoint(code, country, name_en, name_km, name_th))
    click.echo(f"checkpoint {code} saved")


@checkpoint.command("list")
@pass_hq
def checkpoint_list(hq: HQ) -> None:
    """List checkpoints as JSON lines (closed ones with when and why).

    Example: booth-hq checkpoint list
    """
    for row in hq.registry.checkpoint_rows():
        print_json(row)


@checkpoint.command("close")
@click.argument("code")
@click.option("--reason", required=True, help="Why, for the record.")
@click.option("--at", "at", metavar="ISO", help="From when (default now).")
@pass_hq
def checkpoint_close(hq: HQ, code: str, reason: str, at: str | None) -> None:
    """Close a checkpoint: from then on no permit is issued for it and no booth placed there.

    It stays listed (permits already issued still name it); `checkpoint reopen` undoes it.
    Its booths are moved (`booth move`) or revoked (`booth revoke`) on their own.

    Example: booth-hq checkpoint close KH-OLD --reason "crossing closed by decree 12/2026"
    """
    when = parse_time(at)
    hq.close_checkpoint(code, at=when, reason=reason)
    click.echo(f"checkpoint {code} closed from {iso(when)}")


@checkpoint.command("reopen")
@click.argument("code")
@pass_hq
def checkpoint_reopen(hq: HQ, code: str) -> None:
    """Reopen a closed checkpoint.

    Example: booth-hq checkpoint reopen KH-OLD
    """
    hq.reopen_checkpoint(code)
    click.echo(f"checkpoint {code} is open")


@click.group()
def issuer() -> None:
    """Permit-issuing offices and their keys."""


@issuer.command("add")
@click.argument("office")
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(exists=True, path_type=Path),
    help="Register this public key; the private half stays on an offline issuing PC.",
)
@click.option(
    "--pkcs11",
    "token_uri",
    metavar="URI",
    help="Register the public half of this key in a PKCS#11 token (pkcs11:token=...;object=...?pin-source=file:...).",
)
@click.option("--name", default="", help="Office name, for people.")
@click.option("--checkpoint", "checkpoints", multiple=True, help="Limit to this checkpoint (repeatable).")
@click.option("--valid-from", help="ISO date the key starts signing (default now).")
@click.option("--valid-until", help="ISO date the key stops signing (default 5 years).")
@pass_hq
def issuer_add(
    hq: HQ,
    office: str,
    public_key_file: Path | None,
    token_uri: str | None,
    name: str,
    checkpoints: tuple[str, ...],
    valid_from: str | None,
    valid_until: str | None,
) -> None:
    """Register an issuing office, making its key pair here unless --public-key or --pkcs11 is given.

    With --pkcs11 the key stays in the token (`booth-hq token keygen` makes one); HQ keeps only
    its public half, and `permit issue --key pkcs11:...` signs with it.

    \b
    Example:
      booth-hq issuer add KH-BTB-01 --name "Battambang permit office"
      booth-hq issuer add KH-BTB-01 --pkcs11 "pkcs11:token=KH-MOI;object=KH-BTB-01?pin-source=file:pin"
    """
    if public_key_file and token_uri:
        raise click.UsageError("give --public-key or --pkcs11, not both")
    public = keys.load_public(public_key_file) if public_key_file else None
    if token_uri:
        from booth import token  # python-pkcs11: the hq extra

        public = keys.public_from_raw(token.public_key(token_uri))
    added = hq.add_issuer(
        office,
        public_key=public,
        name=name,
        checkpoints=checkpoints,
        not_before=parse_time(valid_from),
        not_after=parse_time(valid_until) if valid_until else None,
    )
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
        print_json(
            {
                "office": i.office,
                "kid": i.kid.hex(),
                "country": i.country,
                "name": i.name,
                "not_before": i.not_before,
                "not_after": i.not_after,
                "checkpoints": list(i.checkpoints),
                "compromised_at": i.compromised_at,
            }
        )


@issuer.command("retire")
@click.argument("office")
@click.option("--at", "at", metavar="ISO", help="From when the key signs nothing (default now).")
@pass_hq
def issuer_retire(hq: HQ, office: str, at: str | None) -> None:
    """Retire an office's key: permits issued from --at on are refused; those issued before stay valid.

    Takes effect at booths with the next bundle.

    Example: booth-hq issuer retire KH-BTB-01 --at 2027-01-01T00:00:00Z
    """
    retired = hq.retire_issuer(office, at=parse_time(at))
    assert retired.not_after is not None
    click.echo(f"issuer {office} signs no permit issued from {iso(retired.not_after)} on; build a bundle to ship it")


@issuer.command("revoke")
@click.argument("office")
@click.option("--compromised", is_flag=True, help="The key was stolen or copied (required: say so).")
@click.option("--at", "at", metavar="ISO", help="When it was found out (default now).")
@pass_hq
def issuer_revoke(hq: HQ, office: str, compromised: bool, at: str | None) -> None:
    """Report an office's key stolen: booths refuse EVERY permit it signed (issuer_revoked), except
    those re-listed with `booth-hq permit genuine`.

    Use `issuer retire` to merely stop a key signing from a date on.

    Example: booth-hq issuer revoke KH-BTB-01 --compromised
    """
    if not compromised:
        raise click.UsageError(
            "say --compromised: every permit the key signed will be refused; to stop it signing "
            "from a date on, use `booth-hq issuer retire`"
        )
    hq.compromise_issuer(office, at=parse_time(at))
    click.echo(
        f"issuer {office} reported compromised: booths refuse every permit it signed once they have the next "
        "bundle; re-list genuine ones with `booth-hq permit genuine NUMBER`"
    )


@click.group()
def policy() -> None:
    """What each country's offices may issue; shipped in every bundle, enforced at booths."""


@policy.command("set")
@click.option("--country", required=True, type=click.Choice(["KH", "TH"]), help="Issuing country.")
@click.option("--max-validity-days", type=click.IntRange(min=1), help="Longest validity of a permit, in days.")
@click.option("--max-stay-days", type=click.IntRange(min=1), help="Longest stay a permit may allow, in days.")
@pass_hq
def policy_set(hq: HQ, country: str, max_validity_days: int | None, max_stay_days: int | None) -> None:
    """Set the caps on permits issued by a country's offices (ours and the partner's).

    Booths refuse a permit beyond them (issuer_not_valid); HQ refuses to issue one.

    Example: booth-hq policy set --country TH --max-validity-days 365 --max-stay-days 3
    """
    if max_validity_days is None and max_stay_days is None:
        raise click.UsageError("give --max-validity-days and/or --max-stay-days")
    new = hq.set_policy(country, max_validity_days=max_validity_days, max_stay_days=max_stay_days, at=parse_time(None))
    click.echo(
        f"{country}: permits valid at most {new.max_validity_days} days, stays at most {new.max_stay_days} days; "
        "build a bundle to ship it"
    )


@policy.command("show")
@pass_hq
def policy_show(hq: HQ) -> None:
    """Each country's caps as JSON lines (the defaults unless set).

    Example: booth-hq policy show
    """
    for p in hq.policies():
        print_json(p.__dict__)


@click.group()
def watchlist() -> None:
    """Watchlist of permits and identity documents."""


@watchlist.command("add")
@click.option("--permit", "permit_no", help="Permit number.")
@click.option("--document", help="Identity document number.")
@click.option("--nationality", help="ISO alpha-3 (KHM, THA), narrows a document match.")
@click.option("--reason", required=True, help="What the officer should know.")
@pass_hq
def watchlist_add(hq: HQ, permit_no: str | None, document: str | None, nationality: str | None, reason: str) -> None:
    """Add a watchlist entry: a permit number, or a document number (with its nationality if known).

    Example: booth-hq watchlist add --document N0123456 --nationality KHM --reason "court order"
    """
    hq.watch(WatchEntry(permit_no, document, nationality, reason), at=parse_time(None))
    click.echo("watchlist entry added (booths get it with the next bundle, as hashes)")


@watchlist.command("list")
@click.option("--in-force", is_flag=True, help="Only entries not removed.")
@pass_hq
def watchlist_list(hq: HQ, in_force: bool) -> None:
    """List watchlist entries as JSON lines (removed ones with when and why).

    Example: booth-hq watchlist list
    """
    for row in hq.registry.watchlist_rows(removed=not in_force):
        print_json(row)


@watchlist.command("remove")
@click.argument("entry_id", metavar="ID", type=int)
@click.option("--reason", required=True, help="Why it comes off, for the record.")
@pass_hq
def watchlist_remove(hq: HQ, entry_id: int, reason: str) -> None:
    """Take an entry off the watchlist (it stays listed, removed, with the reason).

    Example: booth-hq watchlist remove 4 --reason "court order lifted"
    """
    row = hq.unwatch(entry_id, reason=reason, at=parse_time(None))
    named = row["permit_no"] or row["document"]
    click.echo(f"watchlist entry {entry_id} ({named}) removed; booths drop it with the next bundle")


@watchlist.command("key")
@click.option("--show", is_flag=True, help="Also print the secret key itself (for a booth fed only by USB sticks).")
@pass_hq
def watchlist_key(hq: HQ, show: bool) -> None:
    """The watchlist key's id; with --show the key, to enter on a booth that never syncs over the network.

    Bundles carry the watchlist as hashes under this key; enrolled booths get it from HQ, sticks never
    carry it. Anyone holding it can test guessed numbers against a bundle: pass it by hand, not by stick.

    Example: booth-hq watchlist key --show
    """
    key = hq.watchlist_key()
    print_json({"key_id": key.kid.hex(), "file": str(hq.paths.watchlist_key), **({"key": key.hex()} if show else {})})


COMMANDS = (checkpoint, issuer, policy, watchlist)
