"""``booth-hq stats`` and ``booth-hq alerts``: what HQ knows of the booths' sync and the alerts raised."""

from __future__ import annotations

import getpass
import time

import click

from booth.cli_support import print_json
from sync.hq.cli.common import pass_hq
from sync.hq.facade import HQ
from sync.protocol.times import iso


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of a table.")
@pass_hq
def stats(hq: HQ, as_json: bool) -> None:
    """Per booth: state, last seen, acknowledged sequence, records, forks, open alerts.

    Example: booth-hq stats --json
    """
    from sync.hq.bundle_file import load_latest

    rows = hq.sync_store.stats()
    latest = load_latest(hq.paths.root)
    if as_json:
        print_json(
            {
                "booths": rows,
                "bundle_version": latest[0].version if latest else None,
                "open_alerts": sum(r["open_alerts"] for r in rows),
            }
        )
        return
    click.echo(f"{'booth':<16} {'state':<9} {'acked':>8} {'records':>8} {'forks':>5} {'alerts':>6}  last seen")
    for r in rows:
        seen = iso(r["last_seen"]) if r["last_seen"] else "never"
        click.echo(
            f"{r['booth_id']:<16} {r['state']:<9} {r['acked_seq']:>8} {r['records']:>8} {r['forks']:>5} "
            f"{r['open_alerts']:>6}  {seen}"
        )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of text lines.")
@click.option("--all", "include_all", is_flag=True, help="Include acknowledged alerts.")
@click.option("--ack", "ack_ids", type=int, multiple=True, metavar="ID", help="Acknowledge this alert (repeatable).")
@click.option("--by", help="Who acknowledges (default: the login name); kept with the time, as the dashboard does.")
@click.option("--note", default="", help="Why it needs no more action (kept with the acknowledgement).")
@pass_hq
def alerts(hq: HQ, as_json: bool, include_all: bool, ack_ids: tuple[int, ...], by: str | None, note: str) -> None:
    """Show open alerts, or acknowledge them.

    \b
    Kinds (docs/formats.md, "HQ alerts"):
      fork                    a booth's history rewritten after HQ acknowledged it (from sync)
      double_entry            entered twice, at two booths, without an exit
      impossible_travel       two checkpoints too quickly
      overstay                inside longer than the permit's stay
      override_outlier        an officer with far more overrides than peers
      manual_entry_outlier    an officer typing in far more permits than peers
      odd_hours               an officer scanning at night when peers do not
      silent_booth            a booth not heard from for hours
      clock_skew              a booth clock ahead of HQ's
      clock_backwards         a booth clock set back (records going back in time)
      revoked_seen            a revoked permit presented or let through
      watchlist_seen          a watch-listed permit presented
      single_entry_reused     a single-entry permit entered more than once
      unregistered_permit     a permit under one of HQ's office keys that no office registered
      checkpoint_mismatch     records naming another checkpoint than HQ gave the booth
      untrusted_override      a permit refused as untrustworthy let through by two supervisors
      expired_trust_override  someone let through while the booth's trust bundle had expired
      unchecked_watchlist_override  someone let through while the booth could not check the watchlist

    \b
    Example:
      booth-hq alerts --json
      booth-hq alerts --ack 3
    """
    store = hq.sync_store
    who = by or getpass.getuser()
    for alert_id in ack_ids:
        if store.acknowledge_alert(alert_id, by=who, at=int(time.time()), note=note):
            click.echo(f"alert {alert_id} acknowledged by {who}")
        else:
            click.echo(f"alert {alert_id} was acknowledged already; the first acknowledgement stands")
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


COMMANDS = (stats, alerts)
