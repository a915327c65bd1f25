"""``booth demo``: the whole booth on one machine.

Makes a demo HQ with offices and ~40 labelled permits, a booth at Phnom Dei that pins the
HQ root and installs its trust bundle (as a real enrolment would), demo officers, and then
either the GUI with a simulated camera showing the permit cards, or (no display, or
``--terminal``) the same verdicts printed in the terminal.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

from booth.cli_support import parse_time
from booth.demo.local_hq import LocalHQ
from booth.errors import ConfigError
from booth.reasons import ENGLISH, Reason
from booth.service import Booth
from sync.hq.demo_data import DemoCase, DemoData, make_demo_data

# (name, role, PIN): printed in the terminal when the demo starts
DEMO_OFFICERS = (
    ("Sok Dara", "officer", "482913"),
    ("Somchai Jaidee", "officer", "560271"),
    ("Chan Sophal", "supervisor", "771204"),
)
DEMO_MARKER = ".booth-demo"
DEMO_BOOTH, DEMO_CHECKPOINT = "PHD-01", "KH-PHD"


@dataclass(frozen=True)
class DemoBooth:
    data: DemoData
    booth_dir: Path


def connect_to_local_hq(demo: DemoBooth) -> LocalHQ:
    """Start the demo HQ on 127.0.0.1 and enrol the demo booth with it (token, pinned root)."""
    from sync.client.client import SyncClient
    from sync.hq.store import SyncStore, default_url

    local = LocalHQ.start(demo.data.hq_dir)
    store = SyncStore(default_url(demo.data.hq_dir))
    try:
        token = store.add_booth(DEMO_BOOTH, DEMO_CHECKPOINT, now=parse_time(None))
    finally:
        store.close()
    booth = Booth(demo.booth_dir)
    try:
        with SyncClient(booth, local.url) as client:
            client.enrol(token, pin=demo.data.root_fingerprint)
    finally:
        booth.close()
    return local


def prepare(base: Path, *, seed: int, now: int) -> DemoBooth:
    """Demo HQ data under ``base/hq-demo``; an initialised booth under ``base/booth``."""
    data = make_demo_data(base / "hq-demo", seed=seed, now=now)
    booth = Booth.init(base / "booth", booth_id=DEMO_BOOTH, checkpoint=DEMO_CHECKPOINT)
    try:
        # as an enrolment would: the bundle, and HQ's watchlist key beside it (never in the file)
        booth.install_bundle(data.bundle_file.read_bytes(), pin=data.root_fingerprint, watch_key=data.watchlist_key)
        for name, role, pin in DEMO_OFFICERS:
            booth.add_officer(name, role, pin)
    finally:
        booth.close()
    return DemoBooth(data, base / "booth")


def show_order(cases: tuple[DemoCase, ...]) -> list[DemoCase]:
    """Valid permits and rejections taking turns, one of each kind of rejection first, so a
    newcomer sees every kind of verdict within a minute (a card is held about 2.5 s)."""
    valid = [c for c in cases if c.label == "valid"]
    first_of_kind: dict[str, DemoCase] = {}
    for c in cases:
        if c.label != "valid":
            first_of_kind.setdefault(c.label, c)
    rejected = list(first_of_kind.values()) + [
        c for c in cases if c.label != "valid" and c not in first_of_kind.values()
    ]
    order: list[DemoCase] = []
    while valid or rejected:
        order += [valid.pop(0)] if valid else []
        order += [rejected.pop(0)] if rejected else []
    return order


def run_demo(
    data_dir: Path | None,
    *,
    seed: int,
    terminal: bool,
    screenshot: Path | None,
    exit_after: float | None,
    language: str | None,
) -> int:
    base = data_dir or Path(tempfile.mkdtemp(prefix="booth-demo-"))
    try:
        demo = prepare(fresh_demo_folder(base), seed=seed, now=parse_time(None))
        return _show(demo, terminal=terminal, screenshot=screenshot, exit_after=exit_after, language=language)
    finally:
        if data_dir is None:  # a folder of our own making: nothing is left behind in the temp folder
            shutil.rmtree(base, ignore_errors=True)


def fresh_demo_folder(base: Path) -> Path:
    """``base``, emptied of an earlier (or interrupted) demo, so a demo can always run again;
    a folder that holds anything else is refused untouched."""
    marker = base / DEMO_MARKER
    if base.exists() and any(base.iterdir()):
        if not marker.is_file():
            raise ConfigError(f"{base} is not empty and holds no earlier demo: give the demo a folder of its own")
        for child in base.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            elif child != marker:
                child.unlink()
    base.mkdir(parents=True, exist_ok=True)
    marker.write_text("a Booth demo: `booth demo --data-dir` may empty this folder and start again\n")
    return base


def _show(
    demo: DemoBooth, *, terminal: bool, screenshot: Path | None, exit_after: float | None, language: str | None
) -> int:
    click.echo(f"Demo HQ:    {demo.data.hq_dir} (root fingerprint {demo.data.root_fingerprint})")
    click.echo(f"Demo booth: {demo.booth_dir} ({DEMO_BOOTH} at {DEMO_CHECKPOINT})")
    click.echo("Demo officers and PINs:")
    for name, role, pin in DEMO_OFFICERS:
        click.echo(f"  {name:<16} {role:<11} PIN {pin}")
    local = connect_to_local_hq(demo)
    click.echo(f"Demo HQ server: {local.url} (the booth is enrolled and syncs with it)")
    try:
        has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        if terminal or (screenshot is None and not has_display):
            if not terminal:
                click.echo("\nNo display here: showing the verdicts in the terminal (the GUI needs a screen).")
            return terminal_demo(demo)
        return gui_demo(demo, screenshot=screenshot, exit_after=exit_after, language=language)
    finally:
        local.stop()


def gui_demo(demo: DemoBooth, *, screenshot: Path | None, exit_after: float | None, language: str | None) -> int:
    from booth.gui.app import GuiOptions, run_gui
    from booth.scan.simcam import CardSpec

    cards = [
        CardSpec.from_text(c.text, label=c.label, description=c.description, number=c.number)
        for c in show_order(demo.data.cases)
    ]
    name, _role, pin = DEMO_OFFICERS[0]
    auto = (name, pin) if screenshot is not None else None
    click.echo("\nThe simulated camera shows the demo permits in turn; F2 switches entry/exit.")
    return run_gui(
        demo.booth_dir,
        GuiOptions(screenshot=screenshot, exit_after=exit_after, auto_login=auto, language=language),
        cards=cards,
    )


def terminal_demo(demo: DemoBooth) -> int:
    """Scan every demo permit as the demo officer (each one recorded), then sync with HQ."""
    from sync.client.client import SyncClient

    booth = Booth(demo.booth_dir)
    try:
        bundle = booth.trust.require()
        name, _role, pin = DEMO_OFFICERS[0]
        session = booth.login(name, pin)
        click.echo(
            f"\nTrust bundle v{bundle.version} installed; {name} scans every demo permit at {DEMO_CHECKPOINT}:\n"
        )
        agree = 0
        for case in demo.data.cases:
            verdict = booth.scan(session, case.text, direction="entry", channel="cli").verdict
            agree += tuple(r.value for r in verdict.reasons) == case.expected_reasons
            word = click.style(" PASS ", bg="green", fg="black") if verdict.valid else click.style(" STOP ", bg="red")
            name = f"{verdict.permit.family_name} {verdict.permit.given_names}" if verdict.permit else "-"
            why = " ".join(ENGLISH[Reason(r)] for r in verdict.reasons) or "Permit valid."
            number = case.number or "-"
            click.echo(f"{word} {case.checkpoint} {number:<22} {name:<26} {why}")
        click.echo(f"\n{agree}/{len(demo.data.cases)} verdicts match the labels in {demo.data.cases_file}")
        click.echo(f"Printed cards: {demo.data.cases_file.parent / 'cards'}")
        with SyncClient(booth) as client:
            result = client.session()
        click.echo(
            f"Synced with HQ: {result.pushed} records sent, HQ acknowledges up to record "
            f"{booth.ledger.acked_seq()} of {booth.ledger.count()}; `booth audit verify`: "
            f"{'intact' if booth.verify_chain().ok else 'BROKEN'}"
        )
    finally:
        booth.close()
    return 0
