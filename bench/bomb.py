"""Compression bombs against POST /v1/batches: prints one JSON object.

A fresh HQ (temporary folder, SQLite sync database, one enrolled booth) is served by the real
server (``create_app``, uvicorn on 127.0.0.1, in this process so its memory is this
process's). The bombs are 15 KB of zlib holding 16 million empty CBOR arrays:

- ``unsigned``: a format-2 batch from a key HQ never enrolled, with no ``Booth-Request``
  header: what anyone on the network can send (refused before the body is read);
- under a genuine header signed with the enrolled booth's key (a stolen booth key):
  ``unknown_kid`` (the batch signed by a stranger's key), ``forged_kid`` (the booth's key id,
  another key), ``format_1`` (the old layout, zlib around the COSE_Sign1), ``insider`` (signed
  by the booth's real key: inflated up to the cap, then refused).

(a) For each: the time HQ takes to refuse one (median and max of ``--rounds``), the answer,
and this process's memory growth over those rounds (VmRSS now, and VmHWM, the peak), which
holds the server's. Targets: median <= 50 ms and < 20 MB for every kind but ``insider``.
(b) ``/v1/time`` p50/p99 (ms) asked every 10 ms while 8 clients (in another process) send
bombs back to back for ``--seconds`` (half unsigned, half under the stolen key); and without
the flood, for reference.
Target: p99 <= 100 ms.

Run: .venv/bin/python bench/bomb.py [--rounds 20] [--seconds 5]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "sync")]

import httpx  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from hq_server import start_hq  # noqa: E402

from sync.hq.facade import HQ  # noqa: E402
from sync.hq.store import SyncStore  # noqa: E402
from sync.protocol import cose, keys  # noqa: E402
from sync.protocol.batch import BATCH_TYPE, BATCH_TYPE_1  # noqa: E402
from sync.protocol.records import genesis_hash  # noqa: E402
from sync.protocol.request_auth import HEADER, Head, sign_request  # noqa: E402

NOW = 1_790_000_000
BOOTH_ID = "PHD-01"
ARRAYS = 16_000_000
UNAUTHENTICATED = ("unsigned", "unknown_kid", "forged_kid", "format_1")  # refused before inflating


def empty_arrays(count: int) -> bytes:
    return b"\x9a" + count.to_bytes(4, "big") + b"\x80" * count


def bombs(booth_key: Ed25519PrivateKey) -> dict[str, list[bytes]]:
    """A few of each kind (each unknown-key bomb under its own key id, as a flood would send)."""
    zipped = zlib.compress(empty_arrays(ARRAYS), 9)
    booth_kid = keys.kid_of(booth_key)
    strangers = [keys.generate() for _ in range(16)]
    return {
        "unsigned": [cose.sign(zipped, k, keys.kid_of(k), content_type=BATCH_TYPE) for k in strangers],
        "unknown_kid": [cose.sign(zipped, k, keys.kid_of(k), content_type=BATCH_TYPE) for k in strangers],
        "forged_kid": [cose.sign(zipped, k, booth_kid, content_type=BATCH_TYPE) for k in strangers[:1]],
        "format_1": [
            zlib.compress(cose.sign(empty_arrays(ARRAYS), booth_key, booth_kid, content_type=BATCH_TYPE_1), 9)
        ],
        "insider": [cose.sign(zipped, booth_key, booth_kid, content_type=BATCH_TYPE)],
    }


def memory_kb() -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def reset_peak() -> None:
    """Start VmHWM afresh at VmRSS (Linux: clear_refs 5), so each kind's peak is its own."""
    Path(f"/proc/{os.getpid()}/clear_refs").write_text("5")


def push(client: httpx.Client, wire: bytes, key: Ed25519PrivateKey | None = None) -> httpx.Response:
    """POST a batch; with ``key``, under a genuine ``Booth-Request`` header of the booth."""
    headers = {"Content-Type": "application/octet-stream"}
    if key is not None:
        head = Head(0, genesis_hash(BOOTH_ID))  # the booth has sent nothing: its genesis head
        t = int(time.time())
        headers[HEADER] = sign_request(
            key, booth_id=BOOTH_ID, method="POST", path="/v1/batches", body=wire, t=t, head=head
        )
    return client.post("/v1/batches", content=wire, headers=headers)


def refusal_times(url: str, kinds: dict[str, list[bytes]], rounds: int, key: Ed25519PrivateKey) -> dict[str, dict]:
    out = {}
    with httpx.Client(base_url=url, timeout=60) as client:
        client.get("/v1/time")  # connection open
        for kind, wires in kinds.items():
            reset_peak()
            before = memory_kb()
            times, answers = [], set()
            for wire in itertools.islice(itertools.cycle(wires), rounds):
                t0 = time.perf_counter()
                answer = push(client, wire, None if kind == "unsigned" else key)
                times.append((time.perf_counter() - t0) * 1000)
                answers.add(f"{answer.status_code} {answer.json()['reason']}")
            after = memory_kb()
            out[kind] = {
                "wire_bytes": len(wires[0]),
                "answers": sorted(answers),
                "median_ms": round(statistics.median(times), 2),
                "max_ms": round(max(times), 2),
                "rss_growth_mb": round((after["VmRSS"] - before["VmRSS"]) / 1024, 1),
                "peak_growth_mb": round((after["VmHWM"] - before["VmHWM"]) / 1024, 1),
            }
    return out


def bomber_process(url: str, flood_file: Path, seconds: float) -> subprocess.Popen:
    """8 clients sending the bombs in ``flood_file`` back to back, in another process (as a
    flood from outside would be: its CPU is not HQ's, nor does it hold HQ's interpreter lock)."""
    command = [sys.executable, __file__, "--bomber", url, str(flood_file), str(seconds)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def bomb_for(url: str, flood_file: Path, seconds: float) -> None:
    """The bomber process: prints the answers' statuses as JSON."""
    flood = json.loads(flood_file.read_text())
    key = keys.load_private(Path(flood["key"]))
    wires = [(bytes.fromhex(w), None) for w in flood["unsigned"]] + [(bytes.fromhex(w), key) for w in flood["signed"]]
    end = time.monotonic() + seconds
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def bomber(offset: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            for wire, key in itertools.cycle(wires[offset:] + wires[:offset]):
                if time.monotonic() > end:
                    return
                status = str(push(client, wire, key).status_code)
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(bomber, range(8)))
    print(json.dumps(dict(sorted(statuses.items()))))


def time_latency(url: str, seconds: float, flood_file: Path | None) -> dict:
    """/v1/time every 10 ms for ``seconds``, while 8 bombers run if ``flood_file`` is given."""
    bombers = bomber_process(url, flood_file, seconds + 1) if flood_file else None
    times: list[float] = []
    with httpx.Client(base_url=url, timeout=60) as client:
        client.get("/v1/time")
        time.sleep(1 if bombers else 0)  # the flood is under way
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t0 = time.perf_counter()
            client.get("/v1/time").raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.01)
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    figures: dict[str, object] = {
        "calls": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p99_ms": round(cuts[98], 1),
    }
    if bombers:
        out, _ = bombers.communicate(timeout=seconds + 120)
        figures["bomb_answers"] = json.loads(out)
    return figures


def main() -> None:
    if sys.argv[1:2] == ["--bomber"]:
        bomb_for(sys.argv[2], Path(sys.argv[3]), float(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        HQ(Path(folder)).init()
        booth_key = keys.generate()
        keys.save_private(booth_key, Path(folder) / "booth.pem")
        store = SyncStore.open(Path(folder))
        store.enrol(BOOTH_ID, store.add_booth(BOOTH_ID, "KH-PHD", now=NOW), keys.raw_public(booth_key), now=NOW)
        store.close()
        kinds = bombs(booth_key)
        url, stop = start_hq(Path(folder))
        try:
            refused = refusal_times(url, kinds, args.rounds, booth_key)
            quiet = time_latency(url, args.seconds, None)
            flood_file = Path(folder) / "flood.json"
            signed = [w.hex() for kind in UNAUTHENTICATED[1:] for w in kinds[kind]]
            flood = {
                "unsigned": [w.hex() for w in kinds["unsigned"]],
                "signed": signed,
                "key": str(Path(folder) / "booth.pem"),
            }
            flood_file.write_text(json.dumps(flood))
            flooded = time_latency(url, args.seconds, flood_file)
        finally:
            stop()
    print(
        json.dumps(
            {
                "bench": "bomb",
                "machine": {"cpus": os.cpu_count()},
                "bomb_inflates_to_bytes": len(empty_arrays(ARRAYS)),
                "refusal": refused,
                "time_quiet": quiet,
                "time_under_8_bombers": flooded,
                "targets": {
                    "refusal_median_le_50_ms": all(refused[k]["median_ms"] <= 50 for k in UNAUTHENTICATED),
                    "memory_lt_20_mb": all(refused[k]["peak_growth_mb"] < 20 for k in UNAUTHENTICATED),
                    "time_p99_le_100_ms": flooded["p99_ms"] <= 100,
                },
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
