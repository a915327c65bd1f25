"""The demo data tells the truth: every case gets exactly the verdict its label promises."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from booth.rules import Context, check
from sync.hq.demo_data import DemoData, make_demo_data
from sync.hq.errors import HQError
from sync.protocol.bundle import open_bundle
from sync.protocol.permit import decode

NOW = 1_790_000_000  # 2026-09-21

REJECTIONS = {
    "expired",
    "not_yet_valid",
    "revoked",
    "wrong_checkpoint",
    "watchlist",
    "unknown_issuer",
    "bad_signature",
    "issuer_not_valid",
    "bad_format",
    "unreadable",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoData:
    return make_demo_data(tmp_path_factory.mktemp("demo") / "out", seed=7, now=NOW)


def test_every_label_is_the_verdict_booth_gives(demo: DemoData) -> None:
    bundle = open_bundle(demo.bundle_file.read_bytes())
    for case in demo.cases:
        ctx = Context(checkpoint=case.checkpoint, now=NOW, bundle=bundle, watch_key=demo.watchlist_key)
        verdict = check(case.text, ctx)
        got = tuple(r.value for r in verdict.reasons)
        assert got == case.expected_reasons, (case.number, case.description, verdict.detail)
        assert verdict.verdict == ("valid" if case.label == "valid" else "rejected"), case
        assert case.label == (case.expected_reasons[0] if case.expected_reasons else "valid")
        if verdict.permit is not None:
            assert verdict.permit.number == case.number


def test_the_mix_of_cases(demo: DemoData) -> None:
    labels = Counter(c.label for c in demo.cases)
    assert len(demo.cases) >= 40
    assert labels["valid"] >= 20
    reasons = {r for c in demo.cases for r in c.expected_reasons}
    assert REJECTIONS <= reasons
    assert sum(len(c.expected_reasons) > 1 for c in demo.cases) >= 2
    # a single printed copy is revoked by its signature hash, another permit by its number
    assert sum(c.label == "revoked" for c in demo.cases) >= 2
    numbers = [c.number for c in demo.cases if c.number]
    assert len(numbers) == len(set(numbers))
    assert {c.checkpoint for c in demo.cases} == {"KH-PHD"}


def test_holders_are_plausible(demo: DemoData) -> None:
    permits = [decode(c.text).permit for c in demo.cases if c.label == "valid"]
    nats = Counter(p.nationality for p in permits)
    assert nats["KHM"] >= 10 and nats["THA"] >= 10
    for p in permits:
        assert p.native_name
        script = range(0x1780, 0x1800) if p.nationality == "KHM" else range(0x0E00, 0x0E80)
        assert any(ord(ch) in script for ch in p.native_name), p.native_name
        assert p.document.isdigit() and len(p.document) == (9 if p.nationality == "KHM" else 13)
        assert 1 <= p.stay_days <= 30
        assert "KH-PHD" in p.checkpoints
    photos = [p.photo for p in permits if p.photo]
    assert photos and all(ph.startswith(b"\xff\xd8") and len(ph) <= 1536 for ph in photos)


def test_files_written(demo: DemoData) -> None:
    out = demo.cases_file.parent
    listed = json.loads(demo.cases_file.read_text(encoding="utf-8"))
    assert [c["text"] for c in listed] == [c.text for c in demo.cases]
    assert listed[0].keys() >= {"number", "text", "label", "expected_reasons", "checkpoint", "description", "holder"}
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert demo.root_fingerprint in readme and "booth verify --checkpoint KH-PHD" in readme
    assert (demo.hq_dir / "hq.db").exists()
    assert open_bundle(demo.bundle_file.read_bytes()).root_public_key
    cards = out / "cards"
    if cards.exists():  # the card printer module may be absent in a minimal install
        pngs = {p.stem for p in cards.glob("*.png")}
        assert pngs == {c.number for c in demo.cases if c.number}
        assert 0 < len(list(cards.glob("*.pdf"))) <= 5


def _stable(data: DemoData) -> list[dict]:
    return [{k: v for k, v in c.to_json().items() if k != "text"} for c in data.cases]


def _holder_fields(data: DemoData) -> list[dict]:
    out = []
    for c in data.cases:
        if c.number is None:
            out.append({"text": c.text})
            continue
        p = decode(c.text).permit.to_json()
        out.append(p)
    return out


def test_same_seed_same_data(demo: DemoData, tmp_path: Path) -> None:
    again = make_demo_data(tmp_path / "again", seed=7, now=NOW, cards=False)
    assert _stable(again) == _stable(demo)
    assert _holder_fields(again) == _holder_fields(demo)
    assert again.root_fingerprint != demo.root_fingerprint  # keys are fresh each time
    other = make_demo_data(tmp_path / "other", seed=8, now=NOW, cards=False)
    assert _stable(other) != _stable(demo)


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me")
    with pytest.raises(HQError):
        make_demo_data(tmp_path / "busy", now=NOW)
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["notes.txt"]


def test_cli_demo_data(tmp_path: Path) -> None:
    from sync.hq.cli import main

    out = tmp_path / "cli-demo"
    args = ["demo-data", "--out", str(out), "--seed", "3", "--at", "2026-09-21T00:00:00Z"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (out / "cases.json").exists() and (out / "trust.bundle").exists()
    again = CliRunner().invoke(main, args)
    assert again.exit_code != 0 and "not an empty folder" in again.output


def test_an_interrupted_run_leaves_nothing_and_a_rerun_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the cards are drawn: no half-made folder blocks the next run."""
    import sync.hq.demo_data as demo

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "_write_cards", interrupted)
    with pytest.raises(KeyboardInterrupt):
        make_demo_data(tmp_path / "demo", now=NOW)
    assert list(tmp_path.iterdir()) == []  # neither the folder nor its hidden partial copy
    monkeypatch.undo()
    made = make_demo_data(tmp_path / "demo", now=NOW, cards=False)
    assert made.cases_file == tmp_path / "demo" / "cases.json" and made.cases_file.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]


def test_a_file_as_out_is_named_as_a_file(tmp_path: Path) -> None:
    (tmp_path / "file.json").write_text("{}")
    with pytest.raises(HQError, match="is a file"):
        make_demo_data(tmp_path / "file.json", now=NOW)
