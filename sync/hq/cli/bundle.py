"""``booth-hq bundle build``: the signed trust bundle booths install."""

from __future__ import annotations

from pathlib import Path

import click

from booth.cli_support import parse_time
from sync.hq.cli.common import pass_hq
from sync.hq.facade import DEFAULT_MAX_OFFLINE_DAYS, HQ
from sync.protocol.bundle import MAX_CERTIFIED_LIFETIME_DAYS


@click.group()
def bundle() -> None:
    """Trust bundles for booths."""


@bundle.command("build")
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path), help="Bundle file to write.")
@click.option(
    "--max-offline-age",
    "max_days",
    type=click.FloatRange(min=0.01, max=MAX_CERTIFIED_LIFETIME_DAYS),
    default=DEFAULT_MAX_OFFLINE_DAYS,
    show_default=True,
    help="Days after which booths warn the bundle is stale.",
)
@click.option("--at", "at", help="Build as of this ISO time (default now).")
@pass_hq
def bundle_build(hq: HQ, out_file: Path, max_days: float, at: str | None) -> None:
    """Sign a new trust bundle (a higher version than any before).

    Example: booth-hq bundle build --out trust.bundle --max-offline-age 7
    """
    built, data = hq.build_bundle(now=parse_time(at), max_offline_days=max_days)
    out_file.write_bytes(data)
    click.echo(
        f"bundle version {built.version} written to {out_file} ({len(data)} bytes): "
        f"{len(built.issuers)} issuers, {len(built.revocations)} revocations, "
        f"{len(built.sealed_watchlist)} watchlist entries (sealed)"
    )


COMMANDS = (bundle,)
