"""``booth-hq`` commands for sync: the server, booth enrolment, USB import, statistics and alerts.

Registered on ``sync.hq.cli.main``. The server and the database libraries are imported only
by the commands that use them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from booth.cli_support import parse_time, print_json
from sync.hq.admin import HQ
from sync.hq.cli_analytics import COMMANDS as ANALYTICS_COMMANDS
from sync.hq.cli_export import COMMANDS as EXPORT_COMMANDS
from sync.hq.cli_staff import COMMANDS as STAFF_COMMANDS
from sync.protocol.times import iso

pass_hq = click.make_pass_decorator(HQ)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8443, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--database", metavar="URL", help="Sync database URL (overrides the one given to booth-hq).")
@click.option("--ssl-certfile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TLS certificate (PEM); with --ssl-keyfile.")
@click.option("--ssl-keyfile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TLS private key (PEM); with --ssl-certfile.")
@click.option("--no-dashboard", is_flag=True, help="Serve only the booths' API, not the staff dashboard.")
@click.option("--analyse-every", default=60.0, show_default=True, type=click.FloatRange(0),
              help="Seconds between integrity analytics runs (0: never; then run `booth-hq analyse`).")
@click.option("--trust-proxy", is_flag=True,
              help="Behind a TLS-terminating proxy: believe its X-Forwarded-Proto (secure cookies).")
@pass_hq
def serve(hq: HQ, host: str, port: int, database: str | None, ssl_certfile: Path | None,
          ssl_keyfile: Path | None, no_dashboard: bool, analyse_every: float, trust_proxy: bool) -> None:
    """Run the HQ server: booths push batches to it and pull bundles from it, and HQ staff
    use its dashboard (log in with an account from `booth-hq staff add`).

    \b
    Example:
      booth-hq --data-dir hq serve --host 0.0.0.0 --port 8443 \\
          --ssl-certfile hq.crt --ssl-keyfile hq.key
    """
    import uvicorn

    from sync.hq.server import create_app

    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise click.UsageError("give both --ssl-certfile and --ssl-keyfile, or neither")
    if ssl_certfile is None and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo("warning: serving plain HTTP beyond this machine; enrolment tokens travel in clear", err=True)
    app = create_app(hq.paths.root, database or hq.database_url, dashboard=not no_dashboard,
                     analyse_every=analyse_every, trust_proxy=trust_proxy)  # fmt: skip
    uvicorn.run(app, host=host, port=port, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile, log_level="info")


@click.group("booth")
def booth_group() -> None:
    """Booths: enrol, list, revoke."""


@booth_group.command("add")
@click.argument("booth_id")
@click.option("--checkpoint", required=True, help="Checkpoint code the booth works at.")
@pass_hq
def booth_add(hq: HQ, booth_id: str, checkpoint: str) -> None:
    """Register a booth; print its one-time enrolment token and the root fingerprint.

    Type the token on the booth; check the fingerprint the booth shows is the one printed here.

    Example: booth-hq booth add PHD-01 --checkpoint KH-PHD
    """
    hq.registry.checkpoint(checkpoint)  # must exist
    token = hq.sync_store.add_booth(booth_id, checkpoint, now=parse_time(None))
    click.echo(f"booth {booth_id} at {checkpoint} added; it enrols with this one-time token:")
    click.echo(f"token: {token}")
    click.echo(f"root fingerprint (the booth must show the same): {hq.root_fingerprint()}")


@booth_group.command("list")
@pass_hq
def booth_list(hq: HQ) -> None:
    """List booths as JSON lines (state: waiting, enrolled or revoked).

    Example: booth-hq booth list
    """
    for info in hq.sync_store.booths():
        print_json(info.to_json())


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
    Exits 1 if any batch was refused.

    Example: booth-hq import /media/usb
    """
    from sync.hq.usb import import_folder

    refused = 0
    for done in import_folder(hq, folder, now=parse_time(None)):
        click.echo(done.line())
        refused += done.outcome == "refused"
    if refused:
        click.echo(f"{refused} batch file(s) refused; see the lines above and `booth-hq alerts`", err=True)
        sys.exit(1)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of a table.")
@pass_hq
def stats(hq: HQ, as_json: bool) -> None:
    """Per booth: state, last seen, acknowledged sequence, records, forks, open alerts.

    Example: booth-hq stats --json
    """
    from sync.hq.latest import load_latest

    rows = hq.sync_store.stats()
    latest = load_latest(hq.paths.root)
    if as_json:
        print_json({"booths": rows, "bundle_version": latest[0].version if latest else None,
                    "open_alerts": sum(r["open_alerts"] for r in rows)})  # fmt: skip
        return
    click.echo(f"{'booth':<16} {'state':<9} {'acked':>8} {'records':>8} {'forks':>5} {'alerts':>6}  last seen")
    for r in rows:
        seen = iso(r["last_seen"]) if r["last_seen"] else "never"
        click.echo(f"{r['booth_id']:<16} {r['state']:<9} {r['acked_seq']:>8} {r['records']:>8} {r['forks']:>5} "
                   f"{r['open_alerts']:>6}  {seen}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of text lines.")
@click.option("--all", "include_all", is_flag=True, help="Include acknowledged alerts.")
@click.option("--ack", "ack_ids", type=int, multiple=True, metavar="ID", help="Acknowledge this alert (repeatable).")
@pass_hq
def alerts(hq: HQ, as_json: bool, include_all: bool, ack_ids: tuple[int, ...]) -> None:
    """Show open alerts (forks from sync; double entries, overstays, officer outliers, silent booths,
    revoked or watch-listed permits seen, from `booth-hq analyse`), or acknowledge them.

    \b
    Example:
      booth-hq alerts --json
      booth-hq alerts --ack 3
    """
    store = hq.sync_store
    for alert_id in ack_ids:
        store.acknowledge_alert(alert_id)
        click.echo(f"alert {alert_id} acknowledged")
    if ack_ids:
        return
    found = store.alerts(include_acknowledged=include_all)
    if as_json:
        print_json([a.to_json() for a in found])
        return
    for a in found:
        state = " (acknowledged)" if a.acknowledged else ""
        click.echo(f"#{a.id} {iso(a.raised_at)} {a.kind} booth {a.booth_id} seq {a.seq}{state}: {a.detail}")
    if not found:
        click.echo("no open alerts")


COMMANDS = (serve, booth_group, import_, stats, alerts, *ANALYTICS_COMMANDS, *STAFF_COMMANDS, *EXPORT_COMMANDS)
