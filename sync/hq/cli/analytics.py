"""``booth-hq analyse`` and ``booth-hq report``: integrity analytics over the synced records.

Registered on ``sync.hq.cli.main``. The rules live in ``sync.hq.analytics``.
"""

from __future__ import annotations

import datetime as dt

import click

from booth.cli_support import parse_time, print_json
from sync.hq.facade import HQ
from sync.protocol.times import iso

pass_hq = click.make_pass_decorator(HQ)


@click.command()
@click.option("--at", metavar="ISO", help="Judge as of this time (default: now); overstays and silences count to it.")
@click.option("--full", is_flag=True, help="Rebuild the derived state from every record first (slow on big stores).")
@pass_hq
def analyse(hq: HQ, at: str | None, full: bool) -> None:
    """Run every integrity rule over the records synced since the last run; store new alerts; one line per rule.

    Rules: double_entry, impossible_travel, overstay, override_outlier, manual_entry_outlier,
    odd_hours, silent_booth, clock_skew, revoked_seen, watchlist_seen, clock_backwards,
    untrusted_override, expired_trust_override, unchecked_watchlist_override, checkpoint_mismatch,
    and with HQ's registry revoked_crossed and single_entry_reused (thresholds: see sync/hq/analytics/).
    An alert already raised is not raised again; read them with `booth-hq alerts`.
    "found" counts what this run looked at: what changed since the last.

    \b
    Example:
      booth-hq analyse
      booth-hq analyse --at 2026-11-26T06:00:00Z
      booth-hq analyse --full
    """
    from sync.hq.analytics.incremental import analyse as run_analysis

    now = parse_time(at)
    results = run_analysis(
        hq.sync_store, now, revoked=hq.revoked_permits(), single=hq.single_entry_permits(), full=full
    )
    for r in results:
        click.echo(f"{r.rule:<22} {r.found:>6} found {r.raised:>6} new")
    click.echo(f"{sum(r.raised for r in results)} new alert(s); see `booth-hq alerts`")


def _day_or_time(text: str, *, end: bool) -> int:
    """ISO time, or a date: from its start (``--from``) or through its end (``--to``)."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return parse_time(text)
    moment = dt.datetime.combine(day, dt.time(), dt.UTC)
    return int(moment.timestamp()) + (86_400 if end else 0)


@click.command()
@click.option("--from", "start", required=True, metavar="DATE", help="First day (or ISO time), UTC.")
@click.option("--to", "end", required=True, metavar="DATE", help="Last day, included (or ISO time, excluded), UTC.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of a table.")
@pass_hq
def report(hq: HQ, start: str, end: str, as_json: bool) -> None:
    """Per checkpoint: entries, exits, rejections, overrides, people inside, last sync per booth.

    Counts records stamped in the period (booth clocks); people inside are counted at its end.

    \b
    Example:
      booth-hq report --from 2026-11-01 --to 2026-11-30
      booth-hq report --from 2026-11-26 --to 2026-11-26 --json
    """
    from sync.hq.analytics.checkpoint_report import report as make_report

    first, last = _day_or_time(start, end=False), _day_or_time(end, end=True)
    if last <= first:
        raise click.BadParameter("--to must come after --from", param_hint="--to")
    rows = make_report(hq.sync_store, first, last)
    if as_json:
        print_json({"from": first, "to": last, "checkpoints": rows})
        return
    click.echo(
        f"{'checkpoint':<12} {'entries':>8} {'exits':>8} {'rejected':>8} {'overrides':>9} {'inside':>7}  "
        "booths (last sync)"
    )
    for r in rows:
        synced = (
            ", ".join(f"{b['booth_id']} {iso(b['last_sync']) if b['last_sync'] else 'never'}" for b in r["booths"])
            or "-"
        )
        click.echo(
            f"{r['checkpoint']:<12} {r['entries']:>8} {r['exits']:>8} {r['rejections']:>8} "
            f"{r['overrides']:>9} {r['inside']:>7}  {synced}"
        )
    if not rows:
        click.echo("no checkpoints with booths or records")


COMMANDS = (analyse, report)
