"""``booth enrol``, ``booth sync`` and ``booth sync export``: thin shells over ``sync.client``.

Each takes the data dir from the ``booth`` group (``booth.cli``), like the other commands.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from booth.cli.common import read_pin
from booth.cli_support import ExitCode, fail, print_json
from booth.service import Booth


@click.command("enrol")
@click.option("--hq", "hq_url", help="HQ's sync address, e.g. https://hq.example:8443.")
@click.option(
    "--usb",
    "stick",
    type=click.Path(file_okay=False, path_type=Path),
    help="No network: enrol through this USB stick folder instead (with --token, then --finish).",
)
@click.option("--token", help="The one-time token from `booth-hq booth add`.")
@click.option("--finish", is_flag=True, help="With --usb: take HQ's answer from the stick (needs --pin).")
@click.option("--pin", help="HQ's root fingerprint; without it you are asked to compare it with HQ's screen.")
@click.pass_obj
def enrol(
    data_dir: Path, hq_url: str | None, stick: Path | None, token: str | None, finish: bool, pin: str | None
) -> None:
    """Enrol this booth with HQ: register its signing key, pin HQ's root key, keep the address.

    Without a network, by USB stick in two steps: --usb STICK --token T writes a signed
    request to the stick; `booth-hq import STICK` at HQ answers it; then --usb STICK --finish
    --pin FINGERPRINT checks HQ's answer against the fingerprint read out by HQ and pins it.

    \b
    Example:
      booth enrol --hq https://hq.example:8443 --token ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ
      booth enrol --hq http://10.0.0.5:8443 --token ABCD-... --pin "3F2A 9C01 ..."
      booth enrol --usb /media/usb0 --token ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ
      booth enrol --usb /media/usb0 --finish --pin "3F2A 9C01 ..."
    """
    if (hq_url is None) == (stick is None):
        raise click.UsageError("give either --hq URL or --usb STICK")
    if stick is not None:
        _enrol_usb(Booth(data_dir), stick, token, finish, pin)
        return
    if token is None or finish:
        raise click.UsageError("--hq needs --token (and takes no --finish)")
    _enrol_network(Booth(data_dir), hq_url, token, pin)


def _enrol_network(booth: Booth, hq_url: str, token: str, pin: str | None) -> None:
    from sync.client import SyncClient

    with SyncClient(booth, hq_url) as client:
        if pin is None and booth.trust.pinned_root() is None and (seen := client.peek_root()) is not None:
            _confirm(seen)  # before the one-time token is spent
            pin = seen
        enrolment = client.enrol(token, pin=pin)
        if not enrolment.pinned:  # HQ has no bundle yet: the fingerprint came with the enrolment
            _confirm(enrolment.root_fingerprint)
            client.confirm(enrolment)
    click.echo(
        f"booth {enrolment.booth_id} enrolled at {client.hq_url} (checkpoint {enrolment.checkpoint}); "
        f"HQ root {enrolment.root_fingerprint} pinned"
    )


def _enrol_usb(booth: Booth, stick: Path, token: str | None, finish: bool, pin: str | None) -> None:
    from sync.client.usb_enrol import finish as finish_usb
    from sync.client.usb_enrol import write_request

    if not finish:
        if token is None or pin is not None:
            raise click.UsageError("--usb needs --token to write the request, or --finish --pin to take the answer")
        path = write_request(booth, stick, token)
        click.echo(f"enrolment request written to {path}; take the stick to HQ (booth-hq import), then --finish")
        return
    if pin is None or token is not None:
        raise click.UsageError("--usb --finish needs --pin FINGERPRINT (read out by HQ) and no --token")
    done = finish_usb(booth, stick, pin)
    for problem in done.problems:
        click.echo(f"refused {problem}", err=True)
    bundle = f"trust bundle version {done.bundle_version} installed" if done.bundle_version else "no bundle yet"
    click.echo(
        f"booth {done.booth_id} enrolled by USB stick (checkpoint {done.checkpoint}); "
        f"HQ root {done.root_fingerprint} pinned; {bundle}"
    )


def _confirm(fingerprint: str) -> None:
    click.echo(f"HQ root fingerprint: {fingerprint}")
    try:
        same = click.confirm("Is this exactly the fingerprint on HQ's screen?", default=False)
    except click.Abort:  # no answer (stdin closed): not confirmed
        same = False
    if not same:
        fail("fingerprint not confirmed: nothing was pinned; check the HQ address and ask HQ")


@click.group("sync", invoke_without_command=True)
@click.option("--once", is_flag=True, help="One session (push all, pull the bundle), print JSON, exit.")
@click.option("--hq", "hq_url", help="HQ address (default: the one saved by `booth enrol`).")
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=60,
    show_default=True,
    help="Seconds between sessions once caught up.",
)
@click.pass_context
def sync(ctx: click.Context, once: bool, hq_url: str | None, interval: float) -> None:
    """Push recorded crossings to HQ and pull the trust bundle: until Ctrl-C, or --once.

    Exit 3 with one error line if the session fails (nothing is lost: the next one resends).

    \b
    Example:
      booth sync --once
      booth sync --hq https://hq.example:8443
    """
    if ctx.invoked_subcommand is not None:
        return
    from sync.client import SyncClient

    data_dir: Path = ctx.obj
    booth = Booth(data_dir)
    with SyncClient(booth, hq_url) as client:
        if once:
            print_json(client.session().to_json())
            return
        stop = threading.Event()

        def report(result, error, wait) -> None:
            if result is not None:
                if result.pushed or result.bundle_installed:  # quiet while there is nothing to say
                    print_json(result.to_json())
            else:
                click.echo(f"sync failed: {error}; next try in {wait:.0f} s", err=True)

        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())  # a service manager's stop
        try:
            client.run(stop, interval=interval, on_session=report)
        except KeyboardInterrupt:
            stop.set()
        finally:
            signal.signal(signal.SIGTERM, previous)
        click.echo("sync stopped", err=True)


@sync.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def sync_export(data_dir: Path, folder: Path) -> None:
    """Sync by USB stick: take in HQ's receipts and bundle from FOLDER, write the unsent records.

    Writes FOLDER/booth-<ID>/batch-<first>-<last>.bin (signed, as over the network) for
    `booth-hq import FOLDER`; files that fail a check are reported and skipped.

    Example: booth sync export /media/usb0
    """
    from sync.client.usb import export_to

    report = export_to(Booth(data_dir), folder)
    for line in report.lines:
        click.echo(line, err=True)
    print_json(report.to_json())
    if report.alarms:
        fail(
            "ALARM: a receipt signed by HQ contradicts this booth's ledger; keep the stick and call HQ",
            code=ExitCode.NO,
        )


@sync.command("restore")
@click.option("--hq", "hq_url", help="HQ address (default: the one saved by `booth enrol`).")
@click.option(
    "--replace-local-tail",
    "replace",
    is_flag=True,
    help="The booth recorded after the restore (a fork): move its own records HQ does not hold to a file aside.",
)
@click.option("--by", "supervisor", help="The supervisor who decides --replace-local-tail (their PIN is asked).")
@click.option("--pin-stdin", is_flag=True, help="Read the supervisor's PIN from stdin.")
@click.pass_obj
def sync_restore(data_dir: Path, hq_url: str | None, replace: bool, supervisor: str | None, pin_stdin: bool) -> None:
    """After restoring this booth's folder from a backup: take back the records HQ holds beyond it.

    HQ's latest receipt (signed by the pinned root) says how far HQ holds this booth's
    records; those after the ledger's head are fetched, re-hashed from the ledger's own last
    record, and taken only if they end exactly at the receipt's head, then an audit record
    says so. `booth sync` does the same by itself. Exit 3 with one line if HQ's history does
    not continue this ledger (a fork: nothing is taken; call HQ) or HQ cannot be reached.

    If the booth recorded anything after the restore and before taking back, HQ sees a fork and
    suspends it. Once HQ staff decided (`booth-hq booth resume ID --restored --note ...`), a
    supervisor runs this with --replace-local-tail: the booth's own records after the last one
    HQ shares are copied to restored-aside-<time>.json in the data folder (its SHA-256 in the
    audit record) and leave the chain; HQ's records take their place.

    \b
    Example:
      booth sync restore
      booth sync restore --replace-local-tail --by "Chan Sophal"
    """
    from sync.client import SyncClient

    if replace and not supervisor:
        fail("--replace-local-tail needs --by SUPERVISOR (their PIN is asked)", code=ExitCode.USAGE)
    booth = Booth(data_dir)
    by = booth.authorise(supervisor, read_pin(pin_stdin, "Supervisor PIN")) if replace and supervisor else None
    with SyncClient(booth, hq_url) as client:
        result = client.replace_local_tail(by) if by is not None else client.restore()
    click.echo(result.line(), err=True)
    print_json(result.to_json())


COMMANDS = (enrol, sync)
