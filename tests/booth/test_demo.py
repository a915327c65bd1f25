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


def test_the_demo_runs_again_in_the_same_folder_and_refuses_a_foreign_one(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    for _ in range(2):
        result = CliRunner().invoke(main, ["--data-dir", str(folder), "demo", "--terminal"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    (folder / "booth").rename(folder / "interrupted")  # a half-made demo from an interrupted run
    assert CliRunner().invoke(main, ["--data-dir", str(folder), "demo", "--terminal"]).exit_code == 0
    assert not (folder / "interrupted").exists()
    other = tmp_path / "papers"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["--data-dir", str(other), "demo", "--terminal"])
    assert result.exit_code == 3 and "not empty and holds no earlier demo" in result.output
    assert (other / "mine.txt").read_text() == "keep me"


def test_a_demo_without_a_folder_leaves_nothing_in_the_temp_folder(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = CliRunner().invoke(main, ["demo", "--terminal"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not list(tmp_path.glob("booth-demo-*"))
