"""``booth-hq`` sync commands end to end, on SQLite and PostgreSQL (``--database``)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from conftest import hq_receipt
from hq_server import SyncWorld, rewrite

from sync.hq.cli import main as hq_main
from sync.protocol import keys
from sync.protocol.batch import make_batch, seal_batch
from sync.protocol.bundle import open_bundle
from sync.protocol.keys import generate, kid_of


def hq_cmd(world: SyncWorld, *args: str) -> tuple[int, str, str]:
    base = ["--data-dir", str(world.hq.paths.root), "--database", world.database_url]
    result = CliRunner().invoke(hq_main, [*base, *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_booth_add_list_revoke(sync_world: SyncWorld) -> None:
    code, out, _ = hq_cmd(sync_world, "booth", "add", "PHD-01", "--checkpoint", "KH-PHD")
    assert code == 0
    token = re.search(r"token: (\S+)", out).group(1)
    assert sync_world.hq.root_fingerprint() in out
    sync_world.store.enrol("PHD-01", token, keys.raw_public(sync_world.key("PHD-01")), now=0)
    assert hq_cmd(sync_world, "booth", "add", "STB-01", "--checkpoint", "KH-STB")[0] == 0
    code, out, _ = hq_cmd(sync_world, "booth", "list")
    listed = {b["booth_id"]: b for b in map(json.loads, out.splitlines())}
    assert (listed["PHD-01"]["state"], listed["STB-01"]["state"]) == ("enrolled", "waiting")
    assert listed["PHD-01"]["public_key"] == keys.raw_public(sync_world.key("PHD-01")).hex()
    assert "token_hash" not in listed["PHD-01"]

    code, _, err = hq_cmd(sync_world, "booth", "add", "PHD-01", "--checkpoint", "KH-PHD")
    assert code == 3 and err.count("\n") == 1 and "already exists" in err
    code, _, err = hq_cmd(sync_world, "booth", "add", "XX-01", "--checkpoint", "KH-NOPE")
    assert code == 3 and "no checkpoint" in err
    assert hq_cmd(sync_world, "booth", "revoke", "PHD-01")[0] == 0
    assert sync_world.store.booth("PHD-01").state == "revoked"
    code, _, err = hq_cmd(sync_world, "booth", "revoke", "NOPE-01")
    assert code == 3 and "no booth" in err

    bundle_file = sync_world.root / "b.bundle"
    assert hq_cmd(sync_world, "bundle", "build", "--out", str(bundle_file))[0] == 0
    assert open_bundle(bundle_file.read_bytes()).booths == ()  # revoked booths are not listed
    latest = sync_world.hq.paths.root / "bundles" / "latest.cose"
    assert latest.read_bytes() == bundle_file.read_bytes()  # what the server serves


def _stick(world: SyncWorld, folder: Path) -> dict[str, Path]:
    """Batches as the booths' USB export writes them; one of STB-01's tampered with on the stick."""
    world.enrol("PHD-01")
    world.enrol("STB-01")
    world.more("PHD-01", 5)
    n = len(world.records("PHD-01"))
    files = {}
    for booth_id, first, last in (("PHD-01", 1, 4), ("PHD-01", 5, n), ("STB-01", 1, 3)):
        path = folder / f"booth-{booth_id}" / f"batch-{first}-{last}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(world.sealed(booth_id, first, last))
        files[f"{booth_id}:{first}"] = path
    stb = world.records("STB-01")
    edited = rewrite(stb, 2, holder="SOMEONE ELSE")  # edited on the stick: re-chained, but no booth key
    tampered = folder / "booth-STB-01" / f"batch-4-{len(stb)}.bin"
    stranger = generate()  # whoever edited it has no booth's key: the key id names no booth
    tampered.write_bytes(seal_batch(make_batch(edited[3:]), stranger))
    files["tampered"] = tampered
    files["kid"] = kid_of(stranger).hex()
    return files


def test_import_round_trip(sync_world: SyncWorld, tmp_path: Path) -> None:
    stick = tmp_path / "usb"
    files = _stick(sync_world, stick)
    code, out, err = hq_cmd(sync_world, "import", str(stick))
    lines = out.splitlines()
    n = len(sync_world.records("PHD-01"))
    assert code == 1 and "1 file(s) refused" in err
    assert lines == [
        "booth-PHD-01/batch-1-4.bin: accepted (acknowledged up to 4)",
        f"booth-PHD-01/batch-5-{n}.bin: accepted (acknowledged up to {n})",
        "booth-STB-01/batch-1-3.bin: accepted (acknowledged up to 3)",
        f"booth-STB-01/{files['tampered'].name}: refused: unenrolled (no enrolled booth has key id {files['kid']})",
    ]
    for booth_id, seq in (("PHD-01", 4), ("PHD-01", n), ("STB-01", 3)):
        receipt = hq_receipt((stick / f"booth-{booth_id}" / f"receipt-{seq}.cose").read_bytes(), sync_world.hq)
        assert (receipt.booth_id, receipt.acked_seq) == (booth_id, seq)
    assert not list((stick / "booth-STB-01").glob(f"receipt-{files['tampered'].name.split('-')[-1]}*"))
    bundle = open_bundle((stick / "trust.bundle").read_bytes())
    assert {b.booth_id for b in bundle.booths} == {"PHD-01", "STB-01"}
    assert list(sync_world.store.records("PHD-01")) == sync_world.records("PHD-01")
    assert [r.seq for r in sync_world.store.records("STB-01")] == [1, 2, 3]

    before = (stick / "booth-PHD-01" / "receipt-4.cose").read_bytes()
    files["tampered"].unlink()
    code, out, _ = hq_cmd(sync_world, "import", str(stick))  # the same stick again: nothing new, same receipts
    assert code == 0 and all(": duplicate (" in line for line in out.splitlines())
    assert (stick / "booth-PHD-01" / "receipt-4.cose").read_bytes() == before


def test_import_refuses_misplaced_and_damaged_files(sync_world: SyncWorld, tmp_path: Path) -> None:
    stick = tmp_path / "usb"
    files = _stick(sync_world, stick)
    files["tampered"].unlink()
    misplaced = stick / "booth-STB-01" / "batch-1-4.bin"
    misplaced.write_bytes(files["PHD-01:1"].read_bytes())
    damaged = files["PHD-01:5"]
    damaged.write_bytes(damaged.read_bytes()[:-7])
    (stick / "booth-PHD-01" / "notes.txt").write_text("ignored")
    code, out, _ = hq_cmd(sync_world, "import", str(stick))
    assert code == 1
    assert "booth-STB-01/batch-1-4.bin: refused: misplaced" in out
    assert re.search(r"booth-PHD-01/batch-5-\d+\.bin: refused: bad_format", out)
    assert "notes.txt" not in out and out.count("accepted") == 2


def test_stats_and_alerts(sync_world: SyncWorld) -> None:
    sync_world.enrol("PHD-01")
    sync_world.add("STB-01")
    mine = sync_world.records("PHD-01")
    key, root = sync_world.key("PHD-01"), sync_world.hq.signers.ensure(now=1_790_000_500)
    sync_world.store.accept_batch(sync_world.sealed("PHD-01"), 1_790_000_500, root)
    forged = rewrite(mine, 3, note="rewritten")
    with pytest.raises(Exception, match="fork"):
        sync_world.store.accept_batch(seal_batch(make_batch(forged), key), 1_790_000_600, root)

    code, out, _ = hq_cmd(sync_world, "stats", "--json")
    stats = json.loads(out)
    by_id = {b["booth_id"]: b for b in stats["booths"]}
    assert code == 0 and stats["open_alerts"] == 1 and stats["bundle_version"] == 1
    assert by_id["PHD-01"] == {
        "booth_id": "PHD-01",
        "checkpoint": "KH-PHD",
        "state": "suspended",  # the fork stopped its sync until HQ staff resume it
        "last_seen": 1_790_000_600,
        "acked_seq": len(mine),
        "records": len(mine),
        "forks": 1,
        "open_alerts": 1,
    }
    assert by_id["STB-01"]["state"] == "waiting" and by_id["STB-01"]["last_seen"] is None
    code, out, _ = hq_cmd(sync_world, "stats")
    assert code == 0 and "PHD-01" in out and "never" in out

    code, out, _ = hq_cmd(sync_world, "alerts", "--json")
    [alert] = json.loads(out)
    assert (alert["kind"], alert["booth_id"], alert["seq"], alert["acknowledged"]) == ("fork", "PHD-01", 3, False)
    code, out, _ = hq_cmd(sync_world, "alerts")
    assert code == 0 and f"#{alert['id']}" in out and "fork" in out
    code, out, _ = hq_cmd(sync_world, "alerts", "--ack", str(alert["id"]), "--by", "chenda", "--note", "seen")
    assert code == 0 and "acknowledged by chenda" in out
    from sync.hq.dashboard.staff import Staff

    who, at, note = Staff(sync_world.store.engine).acks([alert["id"]])[alert["id"]]
    assert (who, note) == ("chenda", "seen") and at > 0  # the same record of who and when as the dashboard's
    code, out, _ = hq_cmd(sync_world, "alerts", "--ack", str(alert["id"]), "--by", "someone-else")
    assert code == 0 and "acknowledged already" in out
    assert Staff(sync_world.store.engine).acks([alert["id"]])[alert["id"]][0] == "chenda"
    assert hq_cmd(sync_world, "alerts")[1].strip() == "no open alerts"
    assert json.loads(hq_cmd(sync_world, "alerts", "--json", "--all")[1])[0]["acknowledged"] is True
    code, _, err = hq_cmd(sync_world, "alerts", "--ack", "999")
    assert code == 3 and "no alert 999" in err


def test_unreachable_database_is_one_line(tmp_path: Path, hq) -> None:
    runner = CliRunner()
    result = runner.invoke(
        hq_main,
        [
            "--data-dir",
            str(hq.paths.root),
            "--database",
            "postgresql+psycopg://nobody:secret@127.0.0.1:1/none",
            "booth",
            "list",
        ],
    )
    assert result.exit_code == 3 and result.stderr.count("\n") == 1
    assert "cannot open the sync database" in result.stderr and "secret" not in result.stderr


def test_serve_runs_uvicorn(hq, tmp_path: Path) -> None:
    hq.build_bundle(now=1_790_000_000)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = Path(sys.executable).parent / "booth-hq"
    code = CliRunner().invoke(hq_main, ["--data-dir", str(hq.paths.root), "serve", "--ssl-certfile", str(script)])
    assert code.exit_code == 2 and "--ssl-keyfile" in code.stderr
    proc = subprocess.Popen(
        [str(script), "--data-dir", str(hq.paths.root), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "BOOTH_HQ_DATABASE": ""},
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/v1/root", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()
                time.sleep(0.1)
        assert answer.status_code == 200 and answer.json()["root_fingerprint"] == hq.root_fingerprint()
        unsigned = httpx.get(f"http://127.0.0.1:{port}/v1/bundle", timeout=2)  # the watchlist: booths only
        assert (unsigned.status_code, unsigned.json()["reason"]) == (403, "unsigned")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_on_a_port_in_use_or_a_bad_host_is_one_line_exit_3(hq) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, _, err = run_hq(hq, "serve", "--port", str(port))
    assert code == 3 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: cannot listen on 127.0.0.1:{port}: address already in use")
    code, _, err = run_hq(hq, "serve", "--host", "no-such-host.invalid", "--port", str(port))
    assert code == 3 and err.count("\n") == 1 and err.startswith("error: cannot listen on no-such-host.invalid:")


def run_hq(hq, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(hq_main, ["--data-dir", str(hq.paths.root), *args])
    return result.exit_code, result.stdout, result.stderr


def test_output_into_a_closed_pipe_is_quiet(hq) -> None:
    """`booth-hq ... | head -1`: the reader goes away; no "error: Broken pipe", exit 141 (128 + SIGPIPE)."""
    script = Path(sys.executable).parent / "booth-hq"
    for args in (["checkpoint", "list"], ["--help"]):
        read, write = os.pipe()
        os.close(read)  # the reader is gone before the first line
        try:
            done = subprocess.run(
                [str(script), "--data-dir", str(hq.paths.root), *args], stdout=write, stderr=subprocess.PIPE, timeout=60
            )
        finally:
            os.close(write)
        assert (done.returncode, done.stderr) == (141, b""), args
    shell = subprocess.run(
        f"set -o pipefail; '{script}' --data-dir '{hq.paths.root}' checkpoint list | head -1",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shell.stdout.count("\n") == 1 and "KH-" in shell.stdout and shell.returncode in (0, 141)
    assert "rror" not in shell.stderr


def test_usage_errors_are_one_line_exit_2(hq) -> None:
    code, out, err = run_hq(hq, "bundle", "build", "--frob")
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.startswith("error: no such option '--frob'") and "bundle build --help" in err
    code, _, err = run_hq(hq, "booth", "add")
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: missing argument")
    code, _, err = run_hq(hq, "import", "/no/such/stick")
    assert code == 3 and err == "error: directory '/no/such/stick' does not exist\n"


def test_batch_file_layout_helper_orders_by_sequence(tmp_path: Path) -> None:
    from sync.hq.usb import batch_files

    folder = tmp_path / "booth-PHD-01"
    folder.mkdir()
    for name in ("batch-10-19.bin", "batch-2-9.bin", "batch-1-1.bin", "batch-x-1.bin", "receipt-9.cose"):
        (folder / name).write_bytes(b"")
    assert [p.name for _, p in batch_files(tmp_path)] == ["batch-1-1.bin", "batch-2-9.bin", "batch-10-19.bin"]


def test_booth_resume_is_on_record(sync_world) -> None:
    code, _, err = hq_cmd(sync_world, "booth", "resume", "PHD-01", "--note", "checked")
    assert code == 3 and "is not suspended" in err
    sync_world.enrol("PHD-01")
    with sync_world.store.engine.begin() as conn:  # as a fork leaves it
        from sync.hq.schema import booth_suspensions

        conn.execute(booth_suspensions.insert().values(booth_id="PHD-01", suspended_at=1, reason="fork at record 3"))
    code, out, _ = hq_cmd(sync_world, "booth", "resume", "PHD-01", "--note", "restored from backup", "--by", "chenda")
    assert code == 0 and "resumed by chenda" in out
    assert sync_world.store.suspension("PHD-01") is None
