"""``booth demo``: the whole chain on one machine, in the terminal.

Makes a demo HQ with offices and ~40 labelled permits, installs HQ's trust bundle in a
fresh booth (pinning the root as a real enrolment would), then scans every permit as the
booth at Phnom Dei would and shows the verdicts. The booth GUI builds on the same steps.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from booth import rules
from booth.cli_support import parse_time
from booth.reasons import ENGLISH, Reason
from booth.trust import TrustStore
from sync.hq.demo_data import DemoData, make_demo_data


def prepare(base: Path, *, seed: int, now: int) -> tuple[DemoData, TrustStore]:
    """Demo HQ data under ``base/hq-demo``; a booth under ``base/booth`` with the bundle installed."""
    data = make_demo_data(base / "hq-demo", seed=seed, now=now)
    store = TrustStore(base / "booth")
    store.install(data.bundle_file.read_bytes(), pin=data.root_fingerprint)
    return data, store


def run_demo(data_dir: Path | None, *, seed: int) -> None:
    base = data_dir or Path(tempfile.mkdtemp(prefix="booth-demo-"))
    now = parse_time(None)
    data, store = prepare(base, seed=seed, now=now)
    bundle = store.require()
    click.echo(f"Demo HQ in {data.hq_dir} (root fingerprint {data.root_fingerprint})")
    click.echo(f"Booth data in {store.dir.parent}; trust bundle v{bundle.version} installed\n")
    agree = 0
    for case in data.cases:
        verdict = rules.check(case.text, rules.Context(checkpoint=case.checkpoint, now=now, bundle=bundle))
        ok = tuple(r.value for r in verdict.reasons) == case.expected_reasons
        agree += ok
        word = click.style(" PASS ", bg="green", fg="black") if verdict.valid else click.style(" STOP ", bg="red")
        name = f"{verdict.permit.family_name} {verdict.permit.given_names}" if verdict.permit else "-"
        why = " ".join(ENGLISH[Reason(r)] for r in verdict.reasons) or "Permit valid."
        number = case.number or "-"
        click.echo(f"{word} {case.checkpoint} {number:<22} {name:<26} {why}")
    click.echo(f"\n{agree}/{len(data.cases)} verdicts match the labels in {data.cases_file}")
    click.echo(f"Printed cards: {data.cases_file.parent / 'cards'}")
