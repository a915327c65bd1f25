"""HQ checks a booth's signed export against the booth's enrolled key and HQ's copy of its
records (SQLite and PostgreSQL): real booth ledgers, real exports, batches through the store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hq_server import NOW, SyncWorld
from sqlalchemy import update

from booth.report.model import ReportFilter
from sync.hq.cli import main as hq_main
from sync.hq.export_check import verify_export
from sync.hq.schema import records
from sync.protocol.errors import ExportSignatureInvalid
from sync.protocol.export_signature import read_signature, sign, signature_path
from sync.protocol.keys import generate

DAY = ReportFilter(NOW - 86_400, NOW + 86_400)


def _sync(world: SyncWorld, booth_id: str, last: int | None = None) -> None:
    held = world.store.booth(booth_id).acked_seq
    world.store.accept_batch(world.sealed(booth_id, held + 1, last), NOW + 120, world.hq.signers.current())


def _export(world: SyncWorld, folder: Path, fmt: str = "csv") -> Path:
    return world.booths["PHD-01"].export(DAY, fmt, folder / f"day.{fmt}", by="Chan Sophal").path


@pytest.mark.parametrize("fmt", ["csv", "json", "pdf"])
def test_an_export_checks_against_hq_once_the_booth_synced(sync_world: SyncWorld, tmp_path: Path, fmt: str) -> None:
    sync_world.enrol("PHD-01")
    n = len(sync_world.records("PHD-01"))
    _sync(sync_world, "PHD-01", n - 2)  # HQ holds all but the last two
    path = _export(sync_world, tmp_path, fmt)
    early = verify_export(sync_world.store, path)
    assert early.held_through == n - 2 and not early.all_rows_at_hq
    assert early.manifest.records == 3  # the three scans (audit events are not in a day export)
    assert early.records_checked == (3 if fmt != "pdf" else 0)
    _sync(sync_world, "PHD-01")
    later = verify_export(sync_world.store, path)
    assert later.all_rows_at_hq and later.held_through == n + 1  # the export's own audit record came too
    assert later.to_json()["booth"] == "PHD-01"


def test_a_row_that_differs_from_hqs_copy_is_named(sync_world: SyncWorld, tmp_path: Path) -> None:
    sync_world.enrol("PHD-01")
    _sync(sync_world, "PHD-01")
    path = _export(sync_world, tmp_path)
    with sync_world.store.engine.begin() as conn:  # HQ holds another history than the booth exported
        conn.execute(update(records).where(records.c.booth_id == "PHD-01", records.c.seq == 7).values(hash="ab" * 32))
    with pytest.raises(ExportSignatureInvalid, match="record #7 is not the one the ledger holds"):
        verify_export(sync_world.store, path)


def test_a_head_hq_does_not_hold_is_refused(sync_world: SyncWorld, tmp_path: Path) -> None:
    sync_world.enrol("PHD-01")
    _sync(sync_world, "PHD-01")
    path = _export(sync_world, tmp_path, "pdf")
    head = read_signature(signature_path(path).read_bytes()).manifest.head_seq
    with sync_world.store.engine.begin() as conn:
        conn.execute(
            update(records).where(records.c.booth_id == "PHD-01", records.c.seq == head).values(hash="cd" * 32)
        )
    with pytest.raises(ExportSignatureInvalid, match=f"chain head the export covers \\(#{head}\\)"):
        verify_export(sync_world.store, path)


def test_forged_unknown_and_unenrolled_signers_are_refused(sync_world: SyncWorld, tmp_path: Path) -> None:
    sync_world.enrol("PHD-01")
    _sync(sync_world, "PHD-01")
    path = _export(sync_world, tmp_path)
    manifest = read_signature(signature_path(path).read_bytes()).manifest
    signature_path(path).write_bytes(sign(manifest, generate()))  # someone else's key
    with pytest.raises(ExportSignatureInvalid, match="signed by another key"):
        verify_export(sync_world.store, path)
    stb = sync_world.booths["STB-01"].export(DAY, "csv", tmp_path / "stb.csv", by="x").path
    with pytest.raises(ExportSignatureInvalid, match="'STB-01', which HQ does not know"):
        verify_export(sync_world.store, stb)
    sync_world.add("STB-01")  # registered, never enrolled
    with pytest.raises(ExportSignatureInvalid, match="never enrolled"):
        verify_export(sync_world.store, stb)
    signature_path(path).unlink()
    with pytest.raises(ExportSignatureInvalid, match="no signature"):
        verify_export(sync_world.store, path)


def test_cli_exit_codes(sync_world: SyncWorld, tmp_path: Path) -> None:
    sync_world.enrol("PHD-01")
    _sync(sync_world, "PHD-01")
    path = _export(sync_world, tmp_path)
    args = ["--data-dir", str(sync_world.hq.paths.root)]
    if sync_world.database_url:
        args += ["--database", sync_world.database_url]
    sync_world.hq.close()  # the command opens its own
    good = CliRunner().invoke(hq_main, [*args, "export", "verify", str(path)])
    assert good.exit_code == 0, good.output
    assert json.loads(good.output)["all_rows_at_hq"] is True
    changed = tmp_path / "changed.csv"
    shutil.copy(signature_path(path), signature_path(changed))
    changed.write_text(path.read_text().replace("Sok Dara", "Sok Dana"))
    bad = CliRunner().invoke(hq_main, [*args, "export", "verify", str(changed)])
    assert bad.exit_code == 1 and "export NOT verified" in bad.output and "Traceback" not in bad.output
