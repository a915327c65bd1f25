"""``booth run`` and ``booth demo``: the booth's window, on this booth's data or on a demo world."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from booth.config import default_booth_dir
from booth.service import Booth


@click.command()
@click.option("--seed", default=7, show_default=True, help="Demo data seed.")
@click.option("--terminal", is_flag=True, help="Print the verdicts instead of opening the window.")
@click.option(
    "--screenshot",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Run headless (offscreen) and save a screenshot of the main window.",
)
@click.option("--exit-after", type=float, help="Close after this many seconds.")
@click.option("--language", type=click.Choice(["en", "km", "th"]), help="Start in this language.")
@click.pass_obj
def demo(
    data_dir: Path, seed: int, terminal: bool, screenshot: Path | None, exit_after: float | None, language: str | None
) -> None:
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
    sys.exit(
        run_demo(chosen, seed=seed, terminal=terminal, screenshot=screenshot, exit_after=exit_after, language=language)
    )


@click.command()
@click.option("--camera", help="Camera source: an index (0), a video file, a folder, an rtsp/http URL, or sim.")
@click.pass_obj
def run(data_dir: Path, camera: str | None) -> None:
    """Run the booth GUI on this booth's data and camera.

    Example: booth --data-dir /var/lib/booth run --camera 0
    """
    from booth.gui.app import GuiOptions, run_gui

    Booth(data_dir).close()  # a clear error now if this is not a booth
    sys.exit(run_gui(data_dir, GuiOptions(camera=camera)))


COMMANDS = (demo, run)
