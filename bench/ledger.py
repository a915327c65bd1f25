"""Ledger benchmark: prints one JSON object.

- durable record latency: p50/p99 of ``Ledger.append(record)`` (one committed, fsynced
  transaction each: WAL, synchronous=FULL) on an empty ledger and on one holding 1,000,000
  records, against raw fsyncs of the same folder timed between the appends (write 200 bytes
  + os.fsync: the yardstick, target append p99 / fsync p99 <= 3; and 24 KiB, about what one
  append writes to the WAL); plus the same appends with synchronous=OFF (the CPU share);
- ``audit verify``: ``verify_chain`` over ``chain_rows()`` on that ledger, records/s (target
  >= 300,000/s), and the whole ``Booth.verify_chain`` (chain, then replay of the derived
  'inside' and usage tables), with SQLite's share (reading rows and their canonical text);
- open + ready on a 10,000,000-record ledger: ``Ledger.open`` then ``head()``, in a fresh
  Python process (cold interpreter, warm page cache) and in this process (target <= 1 s);
- a one-day ``Ledger.summary`` on that ledger, records spread over a year (~27k a day),
  median of 5 (target <= 100 ms), with its query plan.

Big ledgers are made fast but realistic: scans (Khmer and Thai holders, permit numbers,
verdicts and reason codes, officers and shifts), overrides of rejected scans and audit
events are sealed in Python with ``Record.sealed`` onto the chain, and bulk-inserted with
``executemany(_INSERT, rows)`` in chunks of 100,000, one transaction each; the derived
'inside' and usage tables are filled as ``Ledger.append`` would have. The 10M ledger is
kept at /tmp/booth-bench-10M.db (1M with --quick) and reused while its count is intact.
All files live under /tmp (the same filesystem as /work on the reference machine; the
JSON says whether it is).

Run: .venv/bin/python bench/ledger.py [--quick]
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from booth.ledger.state import replay  # noqa: E402
from booth.ledger.store import _INSERT, Ledger  # noqa: E402
from booth.ledger.verify import verify_chain  # noqa: E402
from booth.service import Booth  # noqa: E402
from sync.protocol.records import AUDIT, ENTRY, EXIT, FIELDS, OVERRIDE, SCAN, Record  # noqa: E402

BENCH_DIR = Path("/tmp")
CACHE = "/tmp/booth-bench-{label}.db"
BOOTH_ID, CHECKPOINT = "KH-PHD-B1", "KH-PHD"
START = 1_735_689_600  # 2025-01-01 00:00 UTC
YEAR, DAY = 365 * 86400, 86400
CHUNK = 100_000
ROW = attrgetter(*FIELDS)

# -- realistic content ------------------------------------------------------------------------

# fmt: off
KHMER_FAMILY = [("SOK", "សុខ"), ("CHAN", "ចាន់"), ("KIM", "គីម"), ("LY", "លី"), ("HENG", "ហេង"),
                ("MEAS", "មាស"), ("NGUON", "ងួន"), ("PHAN", "ផាន"), ("SAO", "សៅ"), ("TOUCH", "ទូច"),
                ("VANN", "វ៉ាន់"), ("YIM", "យឹម"), ("KEO", "កែវ"), ("CHHIM", "ឈឹម"), ("PRAK", "ប្រាក់")]
KHMER_GIVEN = [("CHANTHA", "ចន្ថា"), ("DARA", "តារា"), ("SOPHEAP", "សុភាព"), ("VISAL", "វិសាល"),
               ("SREYMOM", "ស្រីមុំ"), ("RATANA", "រតនា"), ("BOPHA", "បុប្ផា"), ("KOSAL", "កុសល"),
               ("PISEY", "ពិសី"), ("VEASNA", "វាសនា"), ("SOKHA", "សុខា"), ("RITHY", "ឫទ្ធី")]
THAI_FAMILY = [("SRISUK", "ศรีสุข"), ("WONGSA", "วงศา"), ("BOONMA", "บุญมา"), ("KAEWKLA", "แก้วกล้า"),
               ("SAETANG", "แซ่ตั้ง"), ("CHAIYAPHUM", "ชัยภูมิ")]
THAI_GIVEN = [("SOMCHAI", "สมชาย"), ("MALEE", "มาลี"), ("ANAN", "อนันต์"), ("SUDA", "สุดา"),
              ("PRASERT", "ประเสริฐ"), ("NIRAN", "นิรันดร์")]
OFFICERS = ["chea.sophal", "keo.dara", "lim.sreyneang", "pich.vanna", "sok.rithy", "hem.thida",
            "nuon.bopha", "mao.sovann"]
SUPERVISORS = ["ouk.sambath", "prak.channary"]
ISSUERS = [hashlib.sha256(name.encode()).hexdigest()[:16] for name in ("KH-BTB-01", "KH-BMC-01", "TH-SKO-01")]
REJECTIONS = [("expired", 30), ("wrong_checkpoint", 15), ("already_inside", 15), ("overstay", 10),
              ("bad_signature", 8), ("unreadable", 8), ("revoked", 5), ("used_up", 5), ("watchlist", 2),
              ("expired overstay", 2)]
OVERRIDABLE = {"expired", "wrong_checkpoint", "already_inside", "overstay", "used_up", "expired overstay"}
OVERRIDE_NOTES = ["permit renewal pending at HQ, phone confirmation from Battambang office",
                  "medical emergency, holder escorted to Poipet hospital",
                  "exit scan missed last week at lane 2, CCTV checked",
                  "funeral of a family member, approved by district chief"]
AUDIT_ACTIONS = [("login", 30), ("logout", 25), ("shift_open", 10), ("shift_close", 10), ("pin_failed", 6),
                 ("sync", 12), ("export", 3), ("bundle_install", 2), ("officer_unlock", 1), ("usb_export", 1)]
# fmt: on


@dataclass
class Permit:
    number: str
    holder: str
    native_name: str
    nationality: str
    document: str
    expires: int
    stay_days: int
    kid: str


def make_permits(rng: random.Random, count: int) -> list[Permit]:
    permits = []
    for i in range(count):
        thai = rng.random() < 0.15
        family, native_family = rng.choice(THAI_FAMILY if thai else KHMER_FAMILY)
        given, native_given = rng.choice(THAI_GIVEN if thai else KHMER_GIVEN)
        permits.append(
            Permit(
                number=f"{'TH-SKO' if thai else 'KH-BTB'}-2025-{i:06d}",
                holder=f"{family} {given}",
                native_name=f"{native_given} {native_family}" if thai else f"{native_family} {native_given}",
                nationality="THA" if thai else "KHM",
                document=f"N{rng.randrange(10**8):08d}",
                expires=START + rng.randrange(YEAR // 2, 2 * YEAR),
                stay_days=rng.choice((1, 3, 7, 7, 14, 30)),
                kid=ISSUERS[2] if thai else rng.choice(ISSUERS[:2]),
            )
        )
    return permits


def weighted(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([name for name, _ in table], [w for _, w in table])[0]


@cache
def boot_id(boot: int) -> str:
    return str(uuid.UUID(bytes=hashlib.md5(b"boot%d" % boot).digest()))


@dataclass
class Traffic:
    """A year of booth traffic, record by record, with the state ``Ledger.append`` keeps.

    ``inside`` and ``usage`` mirror ``Ledger._move`` (what append writes to the derived
    tables), so a bulk-made ledger passes ``Booth.verify_chain``'s replay check.
    """

    total: int  # records spread over one year
    seed: int = 1
    seq: int = 0
    rng: random.Random = field(init=False)
    permits: list[Permit] = field(init=False)
    inside: dict[str, tuple] = field(default_factory=dict)  # permit -> (entry_seq, at, stay, holder, nat)
    usage: dict[str, int] = field(default_factory=dict)
    rejected: list[tuple[int, Permit, str, str, str]] = field(default_factory=list)  # overridable scans

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.permits = make_permits(self.rng, max(1000, self.total // 20))

    def next(self) -> Record:
        """The next unsealed record (seq and at filled in); updates the mirrored state."""
        self.seq += 1
        at = START + self.seq * YEAR // self.total
        shift = (at - START) // (8 * 3600) + 1
        boot = (at - START) // (30 * DAY)
        base = dict(
            seq=self.seq,
            at=at,
            mono_ns=(at - START - boot * 30 * DAY) * 10**9 + self.rng.randrange(10**9),
            boot_id=boot_id(boot),
            booth_id=BOOTH_ID,
            checkpoint=CHECKPOINT,
            officer=OFFICERS[(2 * shift + self.rng.randrange(2)) % len(OFFICERS)],
            shift_id=shift,
        )
        roll = self.rng.random()
        if roll < 0.08:
            return self._audit(base)
        if roll < 0.09 and self.rejected:
            return self._override(base)
        return self._scan(base)

    def _audit(self, base: dict) -> Record:
        action = weighted(self.rng, AUDIT_ACTIONS)
        note = {
            "pin_failed": "failure 1",
            "sync": f"batch up to {self.seq - 1} acknowledged by HQ",
            "export": f"shift log {base['shift_id']} to /media/usb0",
            "bundle_install": "version 42",
            "shift_open": f"shift {base['shift_id']}",
            "officer_unlock": "by ouk.sambath",
        }.get(action)
        return Record(kind=AUDIT, action=action, note=note, **base)

    def _scan(self, base: dict) -> Record:
        permit = self.rng.choice(self.permits)
        direction = EXIT if permit.number in self.inside else ENTRY
        reasons = None
        verdict = "valid"
        if self.rng.random() < 0.07:
            verdict, reasons = "rejected", weighted(self.rng, REJECTIONS)
        elif self.rng.random() < 0.02:
            reasons = "trust_stale"
        read = reasons != "unreadable"
        fields = dict(
            kid=permit.kid if read else None,
            permit_no=permit.number if read else None,
            holder=permit.holder if read else None,
            native_name=permit.native_name if read else None,
            nationality=permit.nationality if read else None,
            document=permit.document if read else None,
            expires=permit.expires if read else None,
            stay_days=permit.stay_days if read else None,
            signature_sha256=self.rng.randbytes(32).hex() if read else None,
        )
        channel = self.rng.choices(("camera", "wedge", "manual"), (80, 15, 5))[0]
        record = Record(
            kind=SCAN,
            direction=direction,
            channel=channel,
            verdict=verdict,
            reasons=reasons,
            bundle_version=1 + (base["at"] - START) // (7 * DAY),
            **fields,
            **base,
        )
        if verdict == "valid":
            self._move(base["seq"], permit, direction, base["at"])
        elif reasons in OVERRIDABLE:
            self.rejected = [*self.rejected[-20:], (base["seq"], permit, direction, reasons, base["officer"])]
        return record

    def _override(self, base: dict) -> Record:
        ref, permit, direction, reasons, officer = self.rejected.pop()
        self._move(ref, permit, direction, base["at"])
        return Record(
            kind=OVERRIDE,
            **{**base, "officer": officer},
            supervisor=self.rng.choice(SUPERVISORS),
            ref_seq=ref,
            note=self.rng.choice(OVERRIDE_NOTES),
            direction=direction,
            permit_no=permit.number,
            holder=permit.holder,
            reasons=reasons,
        )

    def _move(self, scan_seq: int, permit: Permit, direction: str, at: int) -> None:
        if direction == ENTRY:
            self.inside[permit.number] = (scan_seq, at, permit.stay_days, permit.holder, permit.nationality)
            self.usage[permit.number] = self.usage.get(permit.number, 0) + 1
        else:
            self.inside.pop(permit.number, None)


# -- building ledgers -------------------------------------------------------------------------


def sealed_chunks(traffic: Traffic, count: int, prev_hash: str) -> Iterator[list[tuple]]:
    """Rows of ``count`` records sealed onto ``prev_hash``, CHUNK at a time."""
    while count > 0:
        rows = []
        for _ in range(min(CHUNK, count)):
            record = traffic.next().sealed(prev_hash)
            prev_hash = record.hash
            rows.append(ROW(record))
        count -= len(rows)
        yield rows


def build(path: Path, traffic: Traffic, count: int) -> float:
    """Make a ledger of ``count`` bulk-inserted records; return seconds taken."""
    t0 = time.perf_counter()
    ledger = Ledger.create(path, booth_id=BOOTH_ID, checkpoint=CHECKPOINT)
    ledger.con.execute("PRAGMA synchronous=OFF")  # building the fixture only; appends are measured on a fresh open
    ledger.con.execute("PRAGMA cache_size=-1000000")

    def insert(rows: list[tuple]) -> None:
        with ledger.transaction():
            ledger.con.executemany(_INSERT, rows)

    with ThreadPoolExecutor(1) as writer:  # SQLite inserts chunk i while Python seals chunk i+1
        pending = None
        for rows in sealed_chunks(traffic, count, ledger.genesis):
            if pending is not None:
                pending.result()
            pending = writer.submit(insert, rows)
        if pending is not None:
            pending.result()
    with ledger.transaction():
        ledger.con.executemany(
            "INSERT INTO inside (permit_no, entry_seq, entered_at, stay_days, holder, nationality)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            ((p, *v) for p, v in traffic.inside.items()),
        )
        ledger.con.executemany("INSERT INTO usage (permit_no, entries) VALUES (?, ?)", traffic.usage.items())
    ledger.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ledger.close()
    return time.perf_counter() - t0


def cached_ledger(count: int, label: str) -> tuple[Path, dict]:
    """The big read-only ledger: reused if intact, else built (into a .partial, then renamed)."""
    path = Path(CACHE.format(label=label))
    if path.exists():
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            seq = con.execute("SELECT max(seq) FROM records").fetchone()[0]
            rows = con.execute("SELECT count(*) FROM records").fetchone()[0]
        if seq == rows == count:
            return path, {"path": str(path), "reused": True, "bytes": path.stat().st_size}
        path.unlink()
    partial = path.with_suffix(".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    seconds = build(partial, Traffic(count), count)
    partial.rename(path)
    return path, {"path": str(path), "reused": False, "build_s": round(seconds, 1), "bytes": path.stat().st_size}


# -- measuring --------------------------------------------------------------------------------


def percentiles(us: list[float]) -> dict[str, float]:
    q = statistics.quantiles(us, n=100, method="inclusive")
    return {
        "p50_us": round(q[49], 1),
        "p99_us": round(q[98], 1),
        "max_us": round(max(us), 1),
        "n": len(us),
        "over_5ms": sum(u > 5000 for u in us),
    }


# Yardsticks, timed between appends so that they see the same disk at the same moment:
# 200 bytes (the brief's raw fsync) and 24 KiB (about what one append writes: ~6 WAL pages).
PROBES = {"raw_fsync_200B": 200, "raw_fsync_24KiB": 6 * 4096}


def timed_us(fn, *args) -> float:
    t0 = time.perf_counter_ns()
    fn(*args)
    return (time.perf_counter_ns() - t0) / 1000


def write_fsync(fd: int, data: bytes) -> None:
    os.write(fd, data)
    os.fsync(fd)


def append_latency(ledger: Ledger, traffic: Traffic, n: int, folder: Path | None, warmup: int = 20) -> dict:
    """``Ledger.append`` of ``n`` realistic records (made beforehand), each timed alone.

    With a ``folder``, each append is followed by one raw write + fsync per PROBES size, on
    files in that folder: the yardstick, and the ratio of the append p99 to the 200 B one.
    """
    records = [traffic.next() for _ in range(warmup + n)]
    probes = {name: (folder / f"{name}.probe", b"x" * size) for name, size in PROBES.items()} if folder else {}
    fds = {name: os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) for name, (path, _) in probes.items()}
    times: dict[str, list[float]] = {"append": [], **{name: [] for name in probes}}
    try:
        for i, record in enumerate(records):
            append_us = timed_us(ledger.append, record)
            probe_us = {name: timed_us(write_fsync, fds[name], data) for name, (_, data) in probes.items()}
            if i >= warmup:
                times["append"].append(append_us)
                for name, us in probe_us.items():
                    times[name].append(us)
    finally:
        for name, fd in fds.items():
            os.close(fd)
            probes[name][0].unlink()
    out = {name: percentiles(us) for name, us in times.items()}
    if probes:
        out["append_p99_over_fsync_p99"] = round(out["append"]["p99_us"] / out["raw_fsync_200B"]["p99_us"], 2)
    return out


def cpu_only_latency(ledger: Ledger, traffic: Traffic, n: int) -> dict[str, float]:
    """The same appends with synchronous=OFF: what an append costs besides waiting for the disk."""
    ledger.con.execute("PRAGMA synchronous=OFF")
    try:
        return append_latency(ledger, traffic, n, folder=None)["append"]
    finally:
        ledger.con.execute("PRAGMA synchronous=FULL")


def audit_verify(ledger: Ledger) -> dict:
    """``verify_chain`` alone, then the whole ``Booth.verify_chain`` (chain + state replay)."""
    t0 = time.perf_counter()
    rows = sum(1 for _ in ledger.chain_rows())  # SQLite's side alone: rows with their canonical text
    rows_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = verify_chain(ledger.chain_rows(), ledger.genesis, ledger.seq_of_hash)
    chain_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    full = Booth.verify_chain(SimpleNamespace(ledger=ledger))  # the booth's method needs only its ledger
    full_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    replay(ledger.movement_rows())
    replay_s = time.perf_counter() - t0
    return {
        "records": report.records,
        "chain_ok": report.ok,
        "chain_s": round(chain_s, 3),
        "of_which_sqlite_chain_rows_s": round(rows_s, 3) if rows == report.records else None,
        "chain_records_per_s": round(report.records / chain_s),
        "booth_verify_ok": full.ok,
        "booth_verify_problem": full.problem,
        "booth_verify_s": round(full_s, 3),
        "booth_verify_records_per_s": round(full.records / full_s),
        "replay_alone_s": round(replay_s, 3),
    }


CHILD = """
import json, sys, time
t0 = time.monotonic()
sys.path.insert(0, {root!r})
from pathlib import Path
from booth.ledger.store import Ledger
t1 = time.monotonic()
ledger = Ledger.open(Path({path!r}))
seq, head = ledger.head()
t2 = time.monotonic()
print(json.dumps({{"main_at": t0, "imported_at": t1, "ready_at": t2, "seq": seq}}))
"""


def open_ready_subprocess(path: Path, runs: int = 5) -> dict:
    """Fresh ``python`` processes: spawn -> Ledger.open + head() done (CLOCK_MONOTONIC is system-wide)."""
    code = CHILD.format(root=str(ROOT), path=str(path))
    spawn, imports, open_head = [], [], []
    for i in range(runs + 1):
        t0 = time.monotonic()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        child = json.loads(out)
        if i == 0:
            continue  # warms the page cache and the .pyc files
        spawn.append((child["ready_at"] - t0) * 1000)
        imports.append((child["imported_at"] - child["main_at"]) * 1000)
        open_head.append((child["ready_at"] - child["imported_at"]) * 1000)
    return {
        "spawn_to_ready_ms": round(statistics.median(spawn), 1),
        "interpreter_start_ms": round(
            statistics.median(spawn) - statistics.median(imports) - statistics.median(open_head), 1
        ),
        "import_ledger_ms": round(statistics.median(imports), 1),
        "open_head_ms": round(statistics.median(open_head), 2),
        "runs": runs,
    }


def open_ready_in_process(path: Path, runs: int = 5) -> dict:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        ledger = Ledger.open(path)
        ledger.head()
        out.append((time.perf_counter() - t0) * 1000)
        ledger.close()
    return {"open_head_ms": round(statistics.median(out), 2), "runs": runs}


def day_summary(path: Path, runs: int = 5) -> dict:
    """``Ledger.summary`` over the middle day of the ledger (and one officer's view of it)."""
    ledger = Ledger.open(path)
    first, last = ledger.con.execute("SELECT min(at), max(at) FROM records").fetchone()
    start = (first + last) // 2 // DAY * DAY
    end = start + DAY
    timings, officer_timings = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        counts = ledger.summary(start, end)
        timings.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        ledger.summary(start, end, officer=OFFICERS[0])
        officer_timings.append((time.perf_counter() - t0) * 1000)
    in_day = ledger.con.execute("SELECT count(*) FROM records WHERE at >= ? AND at < ?", (start, end)).fetchone()[0]
    plan = ledger.con.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FILTER (WHERE kind = 'scan') FROM records WHERE at >= ? AND at < ?",
        (start, end),
    ).fetchall()
    ledger.close()
    return {
        "day_start": start,
        "records_in_day": in_day,
        "counts": counts,
        "median_ms": round(statistics.median(timings), 2),
        "officer_median_ms": round(statistics.median(officer_timings), 2),
        "query_plan": [row[-1] for row in plan],
    }


# -- machine facts ----------------------------------------------------------------------------


def filesystem(path: Path) -> dict:
    """Device, type and mount point holding ``path``; whether it is the same as /work's."""
    real = os.path.realpath(path)
    best = ("?", "?", "/")
    with open("/proc/mounts") as mounts:
        for line in mounts:
            device, mount, kind = line.split()[:3]
            if (real == mount or real.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best[1]):
                best = (device, mount, kind)
    return {
        "path": str(path),
        "device": best[0],
        "mount": best[1],
        "type": best[2],
        "same_filesystem_as_work": os.stat(path).st_dev == os.stat("/work").st_dev,
    }


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "db_filesystem": filesystem(BENCH_DIR),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# -- main -------------------------------------------------------------------------------------


def met(value: float, limit: float, *, at_most: bool = True) -> bool:
    return value <= limit if at_most else value >= limit


def durable_and_verify(folder: Path, big: int, n: int) -> dict:
    """Sections 1 and 2: append latency at 0 and ``big`` records with their yardsticks, audit verify."""
    empty = Ledger.create(folder / "empty.db", booth_id=BOOTH_ID, checkpoint=CHECKPOINT)
    at_zero = append_latency(empty, Traffic(big), n, folder)
    empty.close()
    traffic = Traffic(big)
    build_s = build(folder / "big.db", traffic, big)
    ledger = Ledger.open(folder / "big.db")
    at_big = append_latency(ledger, traffic, n, folder)
    cpu_only = cpu_only_latency(ledger, traffic, n)
    verify = audit_verify(ledger)
    ledger.close()
    return {
        "append_at_0": at_zero,
        f"append_at_{big}": {**at_big, "ledger_build_s": round(build_s, 1)},
        f"append_at_{big}_synchronous_off": cpu_only,
        "audit_verify": verify,
    }


def main() -> None:
    quick = "--quick" in sys.argv
    facts = machine()
    big, huge, n = (100_000, 1_000_000, 200) if quick else (1_000_000, 10_000_000, 500)
    folder = Path(tempfile.mkdtemp(prefix="booth-bench-", dir=BENCH_DIR))
    try:
        first = durable_and_verify(folder, big, n)
    finally:
        shutil.rmtree(folder)
    path, cache = cached_ledger(huge, f"{huge // 1_000_000}M")
    cold = open_ready_subprocess(path)
    warm = open_ready_in_process(path)
    shift = day_summary(path)
    at_big, verify = first[f"append_at_{big}"], first["audit_verify"]
    print(
        json.dumps(
            {
                "bench": "ledger",
                "quick": quick,
                "machine": facts,
                **first,
                f"ledger_{huge}": {**cache, "open_ready_subprocess": cold, "open_ready_in_process": warm},
                "day_summary": shift,
                "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                "targets": {
                    "append_p99_over_fsync_p99_le_3": {
                        "at_0": met(first["append_at_0"]["append_p99_over_fsync_p99"], 3),
                        f"at_{big}": met(at_big["append_p99_over_fsync_p99"], 3),
                    },
                    "verify_ge_300k_per_s": met(verify["chain_records_per_s"], 300_000, at_most=False),
                    "booth_verify_ge_300k_per_s": met(verify["booth_verify_records_per_s"], 300_000, at_most=False),
                    "open_ready_le_1s": {
                        "subprocess": met(cold["spawn_to_ready_ms"], 1000),
                        "in_process": met(warm["open_head_ms"], 1000),
                    },
                    "day_summary_le_100ms": met(shift["median_ms"], 100),
                },
            },
            indent=1,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
