"""Schemathesis against the live server's /openapi.json: no 5xx, answers as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hq_server import SyncWorld

# A signed batch cannot be described by a schema, so schema-valid random bytes are rightly
# refused (400): the "positive data acceptance" check does not apply to POST /v1/batches.
# The signed routes declare their Booth-Request header; schemathesis cannot sign, so there it
# checks the refusals (403/431, documented) and that no header, however odd, makes a 5xx.
CHECKS = ["--checks", "all", "--exclude-checks", "positive_data_acceptance"]


def test_schemathesis_finds_no_5xx(sync_world: SyncWorld, tmp_path: Path) -> None:
    sync_world.enrol("PHD-01")
    sync_world.store.accept_batch(sync_world.sealed("PHD-01"), 1_790_000_100, sync_world.hq.signers.current())
    url = sync_world.serve()
    st = Path(sys.executable).parent / "st"
    run = subprocess.run(
        [
            str(st),
            "run",
            f"{url}/openapi.json",
            *CHECKS,
            "--max-examples",
            "40",
            "--seed",
            "20261126",
            "--generation-database",
            "none",
            "--workers",
            "1",
            "--no-color",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "8 selected / 8 total" in run.stdout
