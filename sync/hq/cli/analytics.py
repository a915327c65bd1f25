"""``booth-hq analyse`` and ``booth-hq report``: integrity analytics over the synced records.

Registered on ``sync.hq.cli.main``. The rules live in ``sync.hq.analytics``.
"""

from __future__ import annotations

import datetime as dt

import click

from booth.cli_support import parse_time, print_json
from sync.hq.facade import HQ

pass_hq = click.make_pass_decorator(HQ)
FUTURE_SLACK = 300  # seconds: clocks of HQ machines may differ by this much


@click.command()
@click.option("--at", metavar="ISO", help="Judge as of this time (default: now); overstays and silences count to it.")
@click.option("--full", is_flag=True, help="Rebuild the derived state from every record first (slow on big stores).")
@pass_hq
def analyse(hq: HQ, at: str | None, full: bool) -> None:
    """Run every integrity rule over the records synced since the last run; store new alerts; one line per rule.

    Rules: double_entry, impossible_travel, overstay, override_outlier, manual_entry_outlier,
    odd_hours, silent_booth, clock_skew, revoked_seen, watchlist_seen, clock_backwards,
    untrusted_override, expired_trust_override, unchecked_watchlist_override, checkpoint_mismatch,
    and with HQ's registry revoked_crossed, single_entry_reused and unregistered_permit (a permit
    under one of HQ's office keys that no office registered; thresholds: see sync/hq/analytics/).
    An alert already raised is not raised again; read them with `booth-hq alerts`.
    "found" counts what this run looked at: what changed since the last.

    \b
    Example:
      booth-hq analyse
      booth-hq analyse --at 2026-11-26T06:00:00Z
      booth-hq analyse --full
    """
    from sync.hq.analytics.incremental import analyse as run_analysis

    now, real_now = parse_time(at), parse_time(None)
    if now > real_now + FUTURE_SLACK:
        # the alerts and derived state it stores would be from the future, shown as current
        raise click.BadParameter(
            f"{at} is in the future; analysis stores what it finds, so it judges up to now", param_hint="--at"
        )
    results = run_analysis(
        hq.sync_store,
        now,
        revoked=hq.revoked_permits(),
        single=hq.single_entry_permits(),
        issued=hq.issued(),
        full=full,
    )
    for r in results:
        click.echo(f"{r.rule:<22} {r.found:>6} found {r.raised:>6} new")
    click.echo(f"{sum(r.raised for r in results)} new alert(s); see `booth-hq alerts`")


DEFAULT_TZ = "Asia/Phnom_Penh"  # the checkpoints' clocks: Cambodia and Thailand are both UTC+7


def _day_or_time(text: str, tz: dt.tzinfo, *, end: bool) -> int:
    """ISO time, or a date in ``tz``: from its start (``--from``) or through its end (``--to``)."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return parse_time(text)
    if end:
        day += dt.timedelta(days=1)
    return int(dt.datetime.combine(day, dt.time(), tz).timestamp())


def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(
            f"unknown time zone {name!r} (a name such as Asia/Bangkok)", param_hint="--tz"
        ) from None


def _local(at: int, tz: dt.tzinfo) -> str:
    return dt.datetime.fromtimestamp(at, tz).isoformat(timespec="seconds")


@click.command()
@click.option("--from", "start", required=True, metavar="DATE", help="First day (or ISO time).")
@click.option("--to", "end", required=True, metavar="DATE", help="Last day, included (or ISO time, excluded).")
@click.option(
    "--tz", "tz_name", default=DEFAULT_TZ, show_default=True, metavar="ZONE", help="Days and times in this zone."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of a table.")
@pass_hq
def report(hq: HQ, start: str, end: str, tz_name: str, as_json: bool) -> None:
    """Per checkpoint: entries, exits, rejections, overrides, people inside, last sync per booth.

    Counts records stamped in the period (booth clocks); people inside are counted at its end.
    Entries and exits are people let through, overrides included (as the booth's report and the
    dashboard count them). Days run midnight to midnight in --tz, the checkpoints' zone by default.

    \b
    Example:
      booth-hq report --from 2026-11-01 --to 2026-11-30
      booth-hq report --from 2026-11-26 --to 2026-11-26 --json
    """
    from sync.hq.analytics.checkpoint_report import report as make_report

    tz = _zone(tz_name)
    first, last = _day_or_time(start, tz, end=False), _day_or_time(end, tz, end=True)
    if last <= first:
        raise click.BadParameter("--to must come after --from", param_hint="--to")
    rows = make_report(hq.sync_store, first, last)
    if as_json:
        print_json({"from": first, "to": last, "tz": tz_name, "checkpoints": rows})
        return
    click.echo(f"{_local(first, tz)} to {_local(last, tz)} ({tz_name})")
    click.echo(
        f"{'checkpoint':<12} {'entries':>8} {'exits':>8} {'rejected':>8} {'overrides':>9} {'inside':>7}  "
        "booths (last sync)"
    )
    for r in rows:
        synced = (
            ", ".join(
                f"{b['booth_id']} {_local(b['last_sync'], tz) if b['last_sync'] else 'never'}" for b in r["booths"]
            )
            or "-"
        )
        click.echo(
            f"{r['checkpoint']:<12} {r['entries']:>8} {r['exits']:>8} {r['rejections']:>8} "
            f"{r['overrides']:>9} {r['inside']:>7}  {synced}"
        )
    if not rows:
        click.echo("no checkpoints with booths or records")


COMMANDS = (analyse, report)
