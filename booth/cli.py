"""``booth``: the booth's command line. Parses options, calls the services, prints JSON."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from booth import rules
from booth.cli_support import LazyGroup, fail, parse_time, print_json, read_text_arg
from booth.clock import FixedClock
from booth.config import default_booth_dir
from booth.errors import BoothError, PinPolicyError
from booth.service import Booth
from booth.settings import load_settings
from booth.trust import TrustStore, accept_bundle
from sync.protocol.bundle import TrustBundle
from sync.protocol.errors import WireError
from sync.protocol.keys import fingerprint

USAGE_ERROR = 2


@click.group(cls=LazyGroup, lazy={"scan-image": "booth.scan.cli:scan_image"})  # OpenCV, zxing: on use only
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="BOOTH_DATA_DIR",
              default=default_booth_dir, show_default="the platform's user data folder",
              help="Booth data folder (ledger, trust bundle, settings).")
@click.version_option(package_name="booth")
@click.pass_context
def main(ctx: click.Context, data_dir: Path) -> None:
    """Booth: verify border permits and record crossings, offline.

    \b
    Example:
      booth --data-dir b bundle install trust.bundle --pin "AB12 ..."
      booth --data-dir b verify --checkpoint KH-PHD 'BP1:...'
    """
    ctx.obj = data_dir


@main.group()
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
    data = bundle_file.read_bytes()
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
    print_json(_bundle_summary(TrustStore(data_dir).require()))


def _bundle_summary(b: TrustBundle) -> dict:
    from sync.protocol.times import iso

    return {
        "version": b.version, "issued_at": iso(b.issued_at), "stale_after": iso(b.stale_at()),
        "root_fingerprint": fingerprint(b.root_public_key), "issuers": len(b.issuers),
        "checkpoints": [c.code for c in b.checkpoints], "revocations": len(b.revocations),
        "watchlist": len(b.watchlist),
    }  # fmt: skip


@main.command()
@click.argument("text")
@click.option("--checkpoint", help="Checkpoint code (default: this booth's).")
@click.option("--at", "at", help="Judge as of this ISO time (default now).")
@click.option("--bundle", "bundle_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Use this bundle file instead of the installed one (it must chain to the pinned root).")
@click.option("--pin", help="Root fingerprint for --bundle when this data dir has none pinned.")
@click.pass_obj
def verify(data_dir: Path, text: str, checkpoint: str | None, at: str | None,
           bundle_file: Path | None, pin: str | None) -> None:
    """Verify a permit's QR text (or '-' for stdin) and print one JSON verdict.

    Exit 0 valid, 1 rejected, 2 usage error.

    Example: booth verify --checkpoint KH-PHD 'BP1:6BFOXN...'
    """
    try:
        ctx = rules.Context(
            checkpoint=checkpoint or _booth_checkpoint(data_dir),
            now=parse_time(at),
            bundle=_bundle_for(data_dir, bundle_file, pin),
        )
    except (BoothError, WireError) as exc:
        fail(str(exc), code=USAGE_ERROR)
    verdict = rules.check(read_text_arg(text), ctx)
    print_json(verdict.to_json())
    sys.exit(0 if verdict.valid else 1)


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
    return accept_bundle(bundle_file.read_bytes(), pinned_root=store.pinned_root(), current=None, pin=pin)


@main.command()
@click.option("--seed", default=7, show_default=True, help="Demo data seed.")
@click.option("--terminal", is_flag=True, help="Print the verdicts instead of opening the window.")
@click.option("--screenshot", type=click.Path(dir_okay=False, path_type=Path),
              help="Run headless (offscreen) and save a screenshot of the main window.")
@click.option("--exit-after", type=float, help="Close after this many seconds.")
@click.option("--language", type=click.Choice(["en", "km", "th"]), help="Start in this language.")
@click.pass_obj
def demo(data_dir: Path, seed: int, terminal: bool, screenshot: Path | None, exit_after: float | None,
         language: str | None) -> None:
    """Run the whole booth on this machine: demo HQ, permits, officers and a simulated camera.

    \b
    Example:
      booth demo
      booth demo --screenshot shot.png --exit-after 8
    """
    from booth.demo import run_demo

    if screenshot is not None and exit_after is None:
        exit_after = 8.0
    chosen = data_dir if data_dir != default_booth_dir() else None  # never the real booth's folder
    sys.exit(run_demo(chosen, seed=seed, terminal=terminal, screenshot=screenshot, exit_after=exit_after,
                      language=language))


@main.command()
@click.option("--camera", help="Camera source: an index (0), a video file, a folder, an rtsp/http URL, or sim.")
@click.pass_obj
def run(data_dir: Path, camera: str | None) -> None:
    """Run the booth GUI on this booth's data and camera.

    Example: booth --data-dir /var/lib/booth run --camera 0
    """
    from booth.gui.app import GuiOptions, run_gui

    Booth(data_dir).close()  # a clear error now if this is not a booth
    sys.exit(run_gui(data_dir, GuiOptions(camera=camera)))


# -- the booth itself: init, officers, scans, overrides, audit, status


def _booth(data_dir: Path) -> Booth:
    return Booth(data_dir)


def _read_pin(pin_stdin: bool, prompt: str = "PIN") -> str:
    """PIN from stdin (--pin-stdin), the BOOTH_PIN environment variable, or typed without echo."""
    if pin_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if os.environ.get("BOOTH_PIN"):
        return os.environ["BOOTH_PIN"]
    if not sys.stdin.isatty():
        fail("no PIN: use --pin-stdin or set BOOTH_PIN", code=USAGE_ERROR)
    return click.prompt(prompt, hide_input=True)


@main.command()
@click.option("--booth-id", required=True, help="This booth's id, as HQ knows it.")
@click.option("--checkpoint", required=True, help="The checkpoint code where the booth stands.")
@click.pass_obj
def init(data_dir: Path, booth_id: str, checkpoint: str) -> None:
    """Make a new booth: ledger, settings and signing key (refuses to overwrite).

    Example: booth --data-dir /var/lib/booth init --booth-id PHD-01 --checkpoint KH-PHD
    """
    booth = Booth.init(data_dir, booth_id=booth_id, checkpoint=checkpoint)
    click.echo(f"booth {booth_id} at {checkpoint} initialised in {data_dir}")
    booth.close()


@main.group()
def officer() -> None:
    """Officers and supervisors of this booth."""


@officer.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["officer", "supervisor"]), required=True)
@click.option("--pin-stdin", is_flag=True, help="Read the PIN from stdin instead of asking twice.")
@click.pass_obj
def officer_add(data_dir: Path, name: str, role: str, pin_stdin: bool) -> None:
    """Add an officer; the PIN is asked without echo (4-12 digits).

    Example: echo 482913 | booth officer add "Sok Dara" --role officer --pin-stdin
    """
    booth = _booth(data_dir)
    if pin_stdin:
        pin = _read_pin(True)
    else:
        pin = click.prompt("PIN", hide_input=True, confirmation_prompt=True)
    try:
        booth.add_officer(name, role, pin)
    except PinPolicyError as exc:
        fail(str(exc))
    click.echo(f"{role} {name} added")


@officer.command("list")
@click.pass_obj
def officer_list(data_dir: Path) -> None:
    """List officers as JSON lines (never the PIN hashes).

    Example: booth officer list
    """
    for o in _booth(data_dir).ledger.officers():
        print_json({"name": o.name, "role": o.role, "failed_pins": o.failed, "locked": o.locked_until is not None,
                    "active": o.active})


@officer.command("unlock")
@click.argument("name")
@click.pass_obj
def officer_unlock(data_dir: Path, name: str) -> None:
    """Clear an officer's PIN lock-out (audited).

    Example: booth officer unlock "Sok Dara"
    """
    _booth(data_dir).unlock(name)
    click.echo(f"{name} unlocked")


@main.command()
@click.argument("text")
@click.option("--officer", "name", required=True, help="The officer at the booth.")
@click.option("--direction", type=click.Choice(["entry", "exit"]), required=True)
@click.option("--channel", type=click.Choice(["cli", "wedge", "manual", "camera"]), default="cli", show_default=True)
@click.option("--at", "at", help="Booth clock override, ISO time (testing and replays).")
@click.option("--pin-stdin", is_flag=True, help="Read the PIN from the first line of stdin.")
@click.pass_obj
def scan(data_dir: Path, text: str, name: str, direction: str, channel: str, at: str | None, pin_stdin: bool) -> None:
    """Verify a permit AND record the crossing; prints the verdict with the record's seq and hash.

    Exit 0 valid, 1 rejected, 2 usage error.

    Example: BOOTH_PIN=482913 booth scan --officer "Sok Dara" --direction entry 'BP1:...'
    """
    pin = _read_pin(pin_stdin)
    booth = Booth(data_dir, clock=FixedClock(parse_time(at)) if at else None)
    session = booth.login(name, pin)
    outcome = booth.scan(session, read_text_arg(text), direction=direction, channel=channel)
    print_json(outcome.to_json())
    sys.exit(0 if outcome.verdict.valid else 1)


@main.command()
@click.argument("seq", type=int)
@click.option("--supervisor", required=True, help="The supervisor who decides.")
@click.option("--reason", required=True, help="Why the holder may pass despite the rejection.")
@click.option("--pin-stdin", is_flag=True, help="Read the supervisor's PIN from stdin.")
@click.pass_obj
def override(data_dir: Path, seq: int, supervisor: str, reason: str, pin_stdin: bool) -> None:
    """Let a rejected scan through, with the supervisor's PIN and a written reason.

    Example: BOOTH_PIN=771204 booth override 42 --supervisor "Chan Sophal" --reason "HQ confirmed by phone"
    """
    pin = _read_pin(pin_stdin, "Supervisor PIN")
    record = _booth(data_dir).override_with_pin(seq, supervisor, pin, reason)
    print_json({"seq": record.seq, "hash": record.hash, "overrides": seq})


@main.group()
def audit() -> None:
    """Checks of the ledger."""


@audit.command("verify")
@click.pass_obj
def audit_verify(data_dir: Path) -> None:
    """Walk the whole hash chain; exit 1 naming the first bad record.

    Example: booth audit verify
    """
    report = _booth(data_dir).verify_chain()
    print_json(report.to_json())
    if not report.ok:
        where = f"record {report.bad_seq}" if report.bad_seq else "the derived tables"
        fail(f"ledger tampered: {where} {report.problem}: {report.detail}")


@main.command()
@click.pass_obj
def status(data_dir: Path) -> None:
    """Print the booth's state as JSON: records, people inside, bundle age, pending sync.

    Example: booth status
    """
    print_json(_booth(data_dir).status())


def _register_commands() -> None:
    """Commands that live beside the features they drive."""
    from booth.export_cli import register
    from booth.scan.camera_cli import camera
    from booth.sync_cli import enrol, sync

    for command in (camera, enrol, sync):
        main.add_command(command)
    register(main)  # export (+ verify), shift (close, list)


_register_commands()
