from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from booth.cli import main


def test_booth_demo_runs_and_every_verdict_matches_its_label(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "demo"), "demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    agree, total = map(int, re.search(r"(\d+)/(\d+) verdicts match", result.output).groups())
    assert total >= 40 and agree == total
    assert result.output.count(" PASS ") >= 20 and result.output.count(" STOP ") >= 10
    assert (tmp_path / "demo" / "booth" / "trust" / "bundle.cose").exists()
