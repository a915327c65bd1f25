"""Demo permits for the simulated camera when no demo folder is given (``--source sim``)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from booth.scan.simcam import CardSpec, cards_from_demo
from sync.hq.demo_data import make_demo_data


def fresh_demo_cards() -> list[CardSpec]:
    """The cards of a throwaway demo HQ made in a temporary folder (removed afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix="booth-sim-"))
    try:
        data = make_demo_data(folder / "demo", now=int(time.time()), cards=False)
        return cards_from_demo(data.cases_file)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
