"""``booth-hq demo-data``: a demo HQ with offices, checkpoints and labelled permits."""

from __future__ import annotations

from pathlib import Path

import click

from booth.cli_support import parse_time


@click.command("demo-data")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder to fill.")
@click.option("--seed", default=7, show_default=True, help="Same seed, same names and numbers.")
@click.option("--at", "at", help="Pretend 'now' is this ISO time (default now).")
def demo_data(out_dir: Path, seed: int, at: str | None) -> None:
    """Make a demo HQ, offices, checkpoints and ~40 labelled permits.

    Example: booth-hq demo-data --out demo/ --seed 7
    """
    from sync.hq.demo_data import make_demo_data

    made = make_demo_data(out_dir, seed=seed, now=parse_time(at))
    click.echo(f"{len(made.cases)} permits in {made.cases_file}")
    click.echo(f"HQ data dir {made.hq_dir}; bundle {made.bundle_file}; root fingerprint {made.root_fingerprint}")


COMMANDS = (demo_data,)
