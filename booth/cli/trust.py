"""``booth bundle`` and ``booth verify``: the trust bundle, and a permit judged against it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from booth import rules
from booth.cli_support import ExitCode, parse_time, print_json, read_text_arg
from booth.errors import BoothError
from booth.service import Booth
from booth.settings import load_settings
from booth.trust import TrustStore, accept_bundle
from sync.protocol.bundle import MAX_BUNDLE_BYTES, TrustBundle
from sync.protocol.files import read_capped
from sync.protocol.keys import fingerprint
from sync.protocol.watchlist import WatchlistKey


@click.group()
def bundle() -> None:
    """The trust bundle from HQ."""


@bundle.command("install")
@click.argument("bundle_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pin", help="HQ root fingerprint (needed the first time; `booth-hq init` shows it).")
@click.pass_obj
def bundle_install(data_dir: Path, bundle_file: Path, pin: str | None) -> None:
    """Install a trust bundle: the first pins HQ's root, later ones must be newer and signed by it.

    Example: booth bundle install /media/usb/trust.bundle --pin "3F2A 9C01 ..."
    """
    data = read_capped(bundle_file, MAX_BUNDLE_BYTES)  # often from a stick: no link, device or endless file
    if load_settings(data_dir) is None:  # not a booth yet: just the trust store
        installed = TrustStore(data_dir).install(data, pin=pin)
    else:  # a booth: the install is an audit record too
        booth = Booth(data_dir)
        booth.install_bundle(data, pin=pin)
        installed = booth.trust.require()
    print_json(_bundle_summary(installed))


@bundle.command("show")
@click.pass_obj
def bundle_show(data_dir: Path) -> None:
    """Print the installed bundle's summary as JSON.

    Example: booth bundle show
    """
    store = TrustStore(data_dir)
    installed = store.require()
    print_json({**_bundle_summary(installed), "watchlist_readable": installed.watch_readable(store.watchlist_key())})


@bundle.command("key")
@click.argument("key_hex")
@click.pass_obj
def bundle_key(data_dir: Path, key_hex: str) -> None:
    """Enter HQ's watchlist key ('-' reads it from stdin), for a booth fed only by USB sticks.

    Booths that enrol or sync over the network get it from HQ; `booth-hq watchlist key --show` prints it.

    Example: booth bundle key - < watchlist.key
    """
    try:
        key = WatchlistKey.from_hex(read_text_arg(key_hex))
    except ValueError:
        raise click.BadParameter("a watchlist key is 64 hexadecimal digits", param_hint="KEY_HEX") from None
    if load_settings(data_dir) is None:  # not a booth yet: just the trust store
        store = TrustStore(data_dir)
        new, bundle = store.save_watchlist_key(key), store.current()
    else:  # a booth: the new key is an audit record too
        booth = Booth(data_dir)
        try:
            new, bundle = booth.install_watchlist_key(key, note="entered by hand"), booth.trust.current()
        finally:
            booth.close()
    print_json(
        {
            "key_id": key.kid.hex(),
            "new": new,
            "fits_installed_bundle": bundle.watch_readable(key) if bundle else None,
        }
    )


def _bundle_summary(b: TrustBundle) -> dict:
    from sync.protocol.times import iso

    return {
        "version": b.version,
        "issued_at": iso(b.issued_at),
        "stale_after": iso(b.stale_at()),
        "root_fingerprint": fingerprint(b.root_public_key),
        "issuers": len(b.issuers),
        "checkpoints": [c.code for c in b.checkpoints],
        "revocations": len(b.revocations),
        "watchlist": len(b.watchlist) + len(b.sealed_watchlist),
        "watchlist_key_id": b.watchlist_key_id.hex() if b.watchlist_key_id else None,
        "format": b.format,
        "root_statement": b.statement.serial if b.statement else None,
        "signed_by": {"online_signer": b.signer.kid.hex(), "valid_until": iso(b.signer.not_after)}
        if b.signer
        else "root",
    }


@click.command()
@click.argument("text")
@click.option("--checkpoint", help="Checkpoint code (default: this booth's).")
@click.option("--at", "at", help="Judge as of this ISO time (default now).")
@click.option(
    "--bundle",
    "bundle_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use this bundle file instead of the installed one (it must chain to the pinned root).",
)
@click.option("--pin", help="Root fingerprint for --bundle when this data dir has none pinned.")
@click.pass_obj
def verify(
    data_dir: Path, text: str, checkpoint: str | None, at: str | None, bundle_file: Path | None, pin: str | None
) -> None:
    """Verify a permit's QR text (or '-' for stdin) and print one JSON verdict.

    Exit 0 valid, 1 rejected, 2 usage error, 3 no verdict (no trust bundle, no checkpoint, a refused --bundle).

    Example: booth verify --checkpoint KH-PHD 'BP1:6BFOXN...'
    """
    ctx = rules.Context(
        checkpoint=checkpoint or _booth_checkpoint(data_dir),
        now=parse_time(at),
        bundle=_bundle_for(data_dir, bundle_file, pin),
        watch_key=TrustStore(data_dir).watchlist_key(),
    )
    verdict = rules.check(read_text_arg(text), ctx)
    print_json(verdict.to_json())
    sys.exit(ExitCode.OK if verdict.valid else ExitCode.NO)


def _booth_checkpoint(data_dir: Path) -> str:
    settings = load_settings(data_dir)
    if settings is None:
        raise BoothError("no checkpoint: pass --checkpoint CODE (this data dir is not an initialised booth)")
    return settings.checkpoint


def _bundle_for(data_dir: Path, bundle_file: Path | None, pin: str | None) -> TrustBundle:
    store = TrustStore(data_dir)
    if bundle_file is None:
        return store.require()
    # A file given for one verification must chain to the pinned root, but need not be newer.
    data = read_capped(bundle_file, MAX_BUNDLE_BYTES)
    return accept_bundle(data, pinned_root=store.pinned_root(), current=None, pin=pin, now=int(time.time()))


COMMANDS = (bundle, verify)
