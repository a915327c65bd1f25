"""HQ analytics benchmark: prints one JSON object.

A sync store holding N records (10,000,000; 200,000 with --quick) from 35 booths at 12
checkpoints over one year, on SQLite and on PostgreSQL (skipped, with the reason, without
``--pg-url`` or $BOOTH_TEST_PG_URL). Figures, per database:

- ``full_analyse_s``: ``analyse(store, now, revoked=..., full=True)``: rebuilding the derived
  state (permit states, officer counters, watermarks) from every record and running every rule,
  alerts stored; a first run, or ``booth-hq analyse --full``.
- ``idle_analyse_s``: ``analyse`` right after, nothing new: the fixed cost of a run.
- ``syncs``: three times, 10,000 records stored as the booths' batches are (``records`` rows
  and the booth's ``acked_seq`` in one transaction per batch of at most 5,000) -- the next
  records of six booths that were offline for days, so they interleave in time with what HQ
  holds -- then ``analyse`` timed (``analyse_s``; target <= 1 s each).
- ``reads``: the dashboard's read functions (``sync.hq.overview``), each call in its own
  connection as a page makes it, p50/p95/max in ms over many calls (target p95 <= 200 ms):
  ``checkpoint_overview`` of a random day, ``permit_history`` of a random permit,
  ``officer_record`` of a random officer; and ``checkpoint_report.report`` of a random day (the CLI).

The traffic: ~N/20 permits with a home checkpoint (some a second one), visits of a few hours
to their stay (1-30 days), entries and exits in opening hours (06:00-22:00 local), 7% of
crossings first rejected (a quarter of those overridden by a supervisor), audit events, a few
revoked and watch-listed permits presented, and a few anomalies: cloned permits, quick travel
between checkpoints, overstays, missed exit scans, one officer overriding far more than their
peers, one typing permits in by hand, one scanning at night, a booth clock running 40 min fast.
Hashes and signatures are random hex of the right size (the analytics never read them).

Loading: PostgreSQL with COPY (psycopg), SQLite with executemany in transactions of 500,000
rows and synchronous=OFF (the load only); secondary indexes are made after the load. On
PostgreSQL the bench then runs VACUUM ANALYZE, as autovacuum would after such a load. The
same is done after each reset and after the full analyse (autovacuum would, within minutes,
before the syncs come; without it, repeated runs measure their own bloat). The
databases are kept (``--work-dir``, default /tmp/booth-bench-hq; PostgreSQL: schema
booth_bench_hq_<size>) and reused while their recipe matches; each run first takes out the
previous run's syncs and alerts. ``--fresh`` rebuilds them.

Run: .venv/bin/python bench/hq.py [--quick] [--records N] [--pg-url URL] [--work-dir DIR] [--fresh]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from ledger import KHMER_FAMILY, KHMER_GIVEN, OVERRIDE_NOTES, SUPERVISORS, THAI_FAMILY, THAI_GIVEN  # noqa: E402
from sqlalchemy import delete, insert, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from sync.hq import overview  # noqa: E402
from sync.hq.analytics import checkpoint_report, incremental  # noqa: E402
from sync.hq.schema import alerts, booths, meta, officer_stats, records  # noqa: E402
from sync.hq.store import SyncStore  # noqa: E402
from sync.protocol import keys  # noqa: E402
from sync.protocol.keys import generate  # noqa: E402
from sync.protocol.records import FIELDS  # noqa: E402

RECIPE = 1  # bump when the generator changes: cached databases are rebuilt
SEED = 9
DAY, HOUR = 86_400, 3_600
START = 1_735_689_600  # 2025-01-01 00:00 UTC
LOCAL = 7 * HOUR
OPEN, CLOSE = 6 * HOUR, 22 * HOUR  # local opening hours
SYNCS, SYNC_SIZE, OFFLINE_BOOTHS = 3, 10_000, 6
CHUNK = 500_000
# name, booths, share of the traffic
CHECKPOINTS = [
    ("KH-PHD", 4, 10),
    ("KH-STB", 2, 4),
    ("KH-OSM", 3, 6),
    ("KH-PLN", 4, 8),
    ("KH-CHA", 2, 3),
    ("KH-DAU", 3, 5),
    ("TH-ARN", 4, 10),
    ("TH-BAN", 2, 3),
    ("TH-KLG", 3, 5),
    ("TH-CHO", 2, 2),
    ("TH-SAM", 3, 4),
    ("TH-HAT", 3, 4),
]
REJECTIONS = [
    ("expired", 35),
    ("wrong_checkpoint", 15),
    ("already_inside", 10),
    ("overstay", 10),
    ("bad_signature", 8),
    ("unreadable", 12),
    ("used_up", 5),
    ("expired overstay", 5),
]
OVERRIDABLE = {"expired", "wrong_checkpoint", "already_inside", "overstay", "used_up", "expired overstay"}
AUDITS = [
    ("login", 30),
    ("logout", 25),
    ("shift_open", 10),
    ("shift_close", 10),
    ("pin_failed", 6),
    ("sync", 12),
    ("export", 3),
    ("bundle_install", 2),
    ("officer_unlock", 1),
    ("usb_export", 1),
]
SCAN, OVERRIDE, AUDIT = 0, 1, 2
KINDS = ["scan", "override", "audit"]
REASONS = [None, *(r for r, _ in REJECTIONS), "revoked", "watchlist"]
COLUMNS = [*FIELDS, "received_at"]
PAGES = ("checkpoint_overview", "checkpoint_overview_today", "permit_history", "officer_record", "freshness")


# -- the traffic -------------------------------------------------------------------------------


class Traffic:
    """Every record of the year as numpy columns (one entry per record), in time order."""

    def __init__(self, total: int, seed: int = SEED) -> None:
        rng = np.random.default_rng(seed)
        self.rng = rng
        self.booth_cp = np.array([c for c, (_, n, _) in enumerate(CHECKPOINTS) for _ in range(n)])
        self.booth_names = [f"{name}-{i + 1:02d}" for name, n, _ in CHECKPOINTS for i in range(n)]
        self.booth_local = np.array([i for _, n, _ in CHECKPOINTS for i in range(n)])
        first_booth = np.cumsum([0] + [n for _, n, _ in CHECKPOINTS])[:-1]
        booths_at = np.array([n for _, n, _ in CHECKPOINTS])
        self.officers = _officer_names(rng)
        self.permits = max(2_000, total // 20)
        self._permits(rng)
        # crossings needed (7% come with a rejected scan; audits and the rest are added), 1% spare:
        # the cut below drops the latest records, so the year ends a few days early, visits open
        need = (total + SYNCS * SYNC_SIZE) * 0.919 / 1.07 * 1.01
        visits = int(need / 2)
        for _ in range(5):  # overlapping visits are dropped, more so the more there are: aim again
            t, pid, cp, direction = self._crossings(np.random.default_rng(seed), visits)
            if len(t) >= need:
                break
            visits = int(visits * need / len(t) * 1.002)
        booth = first_booth[cp] + rng.integers(0, booths_at[cp])
        n = len(t)
        # a rejected scan before 7% of crossings; a quarter of the overridable ones overridden
        rejected = rng.random(n) < 0.07
        reason = 1 + rng.choice(len(REJECTIONS), n, p=_weights(REJECTIONS))
        officer = self._officer(booth, t, rng)
        keen = officer == 0  # officer 0 of KH-PHD (checkpoint 0) overrides whatever can be
        overridable = np.isin(reason, [REASONS.index(r) for r in OVERRIDABLE])
        overridden = rejected & overridable & ((rng.random(n) < 0.25) | keen)
        # the rejected scans: before the crossing, same booth and direction
        rt = t - rng.integers(30, 600, n)
        sel = np.flatnonzero(rejected)
        cols = {
            "at": np.concatenate([t, rt[sel]]),
            "booth": np.concatenate([booth, booth[sel]]),
            "kind": np.concatenate([np.where(overridden, OVERRIDE, SCAN), np.full(len(sel), SCAN)]),
            "direction": np.concatenate([direction, direction[sel]]),
            "pid": np.concatenate([pid, pid[sel]]),
            "verdict": np.concatenate([np.where(overridden, -1, 0), np.full(len(sel), 1)]),
            "reason": np.concatenate([np.where(overridden, reason, 0), reason[sel]]),
            "ref": np.concatenate([np.full(n, -1), np.full(len(sel), -1)]),
            "officer": np.concatenate([officer, officer[sel]]),
        }
        ref = np.full(n, -1)
        ref[sel] = n + np.arange(len(sel))
        cols["ref"][:n] = np.where(overridden, ref, -1)
        self._add_extras(cols, rng, total)
        order = np.argsort(cols["at"], kind="stable")
        keep = order[: total + SYNCS * SYNC_SIZE]  # cut at the count: the latest visits are open
        where = np.full(len(order), -1)
        where[keep] = np.arange(len(keep))
        self.cols = {k: v[keep] for k, v in cols.items()}
        self.now = int(self.cols["at"].max()) + 1800  # the analyses run half an hour after the last record
        self.cols["ref"] = np.where(self.cols["ref"] >= 0, where[np.maximum(self.cols["ref"], 0)], -1)
        self._finish(rng)

    def _permits(self, rng: np.random.Generator) -> None:
        p = self.permits
        self.thai = rng.random(p) < 0.15
        self.home = rng.choice(len(CHECKPOINTS), p, p=_weights(CHECKPOINTS, 2))
        self.alt = np.where(rng.random(p) < 0.3, rng.integers(0, len(CHECKPOINTS), p), self.home)
        self.stay = rng.choice(np.array([1, 3, 7, 7, 14, 30]), p)
        self.activity = rng.lognormal(0, 1, p)
        self.family = rng.integers(0, 1000, p)
        self.given = rng.integers(0, 1000, p)
        self.expires = START + rng.integers(180, 730, p) * DAY
        self.document = rng.integers(0, 10**8, p)

    def _crossings(self, rng: np.random.Generator, visits: int) -> tuple[np.ndarray, ...]:
        """Entries and exits of ``visits`` visits (fewer: overlapping ones are dropped)."""
        pid = rng.choice(self.permits, visits, p=self.activity / self.activity.sum())
        day = rng.integers(0, 365, visits)
        tod = rng.integers(OPEN, CLOSE - HOUR, visits)
        entry = START - LOCAL + day * DAY + tod
        stay = self.stay[pid]
        days = np.floor(stay * rng.random(visits) * 0.9).astype(np.int64)
        over = rng.random(visits) < 0.002  # overstays
        days = np.where(over, np.ceil(stay * rng.uniform(1.1, 2.5, visits)).astype(np.int64), days)
        same_day_exit = tod + rng.integers(20 * 60, 6 * HOUR, visits)
        exit_tod = np.where(days == 0, same_day_exit, rng.integers(OPEN, CLOSE, visits))
        days = np.where((days == 0) & (exit_tod >= CLOSE), 1, days)
        exit_tod = np.where(exit_tod >= CLOSE, rng.integers(OPEN, CLOSE, visits), exit_tod)
        leave = START - LOCAL + (day + days) * DAY + exit_tod
        order = np.lexsort((entry, pid))
        pid, entry, leave = pid[order], entry[order], leave[order]
        while True:  # a permit's visits must not overlap: drop those that start too soon
            clash = np.zeros(len(pid), bool)
            clash[1:] = (pid[1:] == pid[:-1]) & (entry[1:] <= leave[:-1] + 600)
            if not clash.any():
                break
            pid, entry, leave = pid[~clash], entry[~clash], leave[~clash]
        n = len(pid)
        in_cp = np.where(rng.random(n) < 0.8, self.home[pid], self.alt[pid])
        other = np.where(in_cp == self.home[pid], self.alt[pid], self.home[pid])
        out_cp = np.where(rng.random(n) < 0.85, in_cp, other)
        missed = rng.random(n) < 0.0005  # exit scans missed: an overstay or a double entry later
        # anomalies: cloned permits (a second entry elsewhere while inside), quick travel after an exit
        clones = rng.choice(n, 60, replace=False)
        quick = rng.choice(n, 60, replace=False)
        elsewhere = (in_cp + 1 + rng.integers(0, len(CHECKPOINTS) - 1, n)) % len(CHECKPOINTS)
        cl_t = entry[clones] + ((leave[clones] - entry[clones]) * rng.uniform(0.2, 0.8, 60)).astype(np.int64)
        q_t = leave[quick] + rng.integers(10 * 60, 50 * 60, 60)
        t = np.concatenate([entry, leave[~missed], cl_t, q_t, q_t + 3 * HOUR])
        pids = np.concatenate([pid, pid[~missed], pid[clones], pid[quick], pid[quick]])
        cps = np.concatenate([in_cp, out_cp[~missed], elsewhere[clones], elsewhere[quick], elsewhere[quick]])
        direction = np.concatenate(
            [
                np.zeros(n, np.int64),
                np.ones(int((~missed).sum()), np.int64),
                np.zeros(60, np.int64),
                np.zeros(60, np.int64),
                np.ones(60, np.int64),
            ]
        )
        year = t < START + 365 * DAY  # later exits are not made yet: inside at the end
        return t[year], pids[year], cps[year], direction[year]

    def _officer(self, booth: np.ndarray, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Global officer index on duty at ``booth`` at ``t``: two shifts a day, a few swaps."""
        local = t + LOCAL
        shift = (local // DAY) * 2 + ((local % DAY) >= 14 * HOUR)
        cp = self.booth_cp[booth]
        per_cp = np.array([len(o) for o in self.officers])
        first = np.cumsum([0, *per_cp])[:-1]
        swap = (rng.random(len(t)) < 0.1).astype(np.int64)
        return first[cp] + (shift * 3 + self.booth_local[booth] * 2 + swap) % per_cp[cp]

    def _add_extras(self, cols: dict[str, np.ndarray], rng: np.random.Generator, total: int) -> None:
        """Audit events, revoked / watch-listed permits presented, one officer scanning at night."""
        n_audit, n_flag, n_night = int(total * 0.08), max(20, total // 1250), 40
        booth = rng.integers(0, len(self.booth_cp), n_audit + n_flag)
        day = rng.integers(0, 365, n_audit + n_flag)
        at = START - LOCAL + day * DAY + rng.integers(OPEN, CLOSE, n_audit + n_flag)
        night_booth = np.flatnonzero(self.booth_cp == 2)[0]  # KH-OSM
        night_at = START - LOCAL + rng.integers(0, 365, n_night) * DAY + rng.integers(2 * HOUR, 3 * HOUR, n_night)
        flag = np.where(rng.random(n_flag) < 0.7, REASONS.index("revoked"), REASONS.index("watchlist"))
        extra = {
            "at": np.concatenate([at, night_at]),
            "booth": np.concatenate([booth, np.full(n_night, night_booth)]),
            "kind": np.concatenate([np.full(n_audit, AUDIT), np.full(n_flag + n_night, SCAN)]),
            "direction": np.concatenate([np.full(n_audit, -1), rng.integers(0, 2, n_flag), np.zeros(n_night, int)]),
            "pid": np.concatenate([np.full(n_audit, -1), rng.integers(0, self.permits, n_flag + n_night)]),
            "verdict": np.concatenate([np.full(n_audit, -1), np.ones(n_flag + n_night, int)]),
            "reason": np.concatenate([np.zeros(n_audit, int), flag, np.full(n_night, REASONS.index("expired"))]),
            "ref": np.full(n_audit + n_flag + n_night, -1),
        }
        # the night scans are made by KH-OSM's first officer (checkpoints 0 and 1 come before it)
        night_officer = len(self.officers[0]) + len(self.officers[1])
        extra["officer"] = np.concatenate(
            [self._officer(extra["booth"][: n_audit + n_flag], at, rng), np.full(n_night, night_officer)]
        )
        for k in cols:
            cols[k] = np.concatenate([cols[k], extra[k]])

    def _finish(self, rng: np.random.Generator) -> None:
        """Officers, channels, clocks, sequence numbers and arrival times of the kept records."""
        c = self.cols
        n = len(c["at"])
        true_at = c["at"].copy()
        manual_one = c["officer"] == len(self.officers[0])  # KH-STB's first officer types permits in
        roll = rng.random(n)
        c["channel"] = np.where(roll < np.where(manual_one, 0.45, 0.05), 2, np.where(roll < 0.8, 0, 1))
        skewed = (c["booth"] == 5) & (true_at >= START + 100 * DAY) & (true_at < START + 102 * DAY)
        c["at"] = np.where(skewed, true_at + 40 * 60, true_at)  # KH-STB-02's clock, 40 min fast for two days
        offline = rng.random((len(self.booth_cp), 366)) < 0.03
        day = (true_at - START) // DAY
        delay = np.where(
            offline[c["booth"], np.clip(day, 0, 365)], DAY + rng.integers(0, 6 * HOUR, n), rng.integers(20, 600, n)
        )
        c["received_at"] = true_at + delay
        order = np.lexsort((np.arange(n), true_at, c["booth"]))
        seq = np.empty(n, np.int64)
        starts = np.searchsorted(c["booth"][order], np.arange(len(self.booth_cp)))
        seq[order] = np.arange(n) - starts[c["booth"][order]] + 1
        c["seq"] = seq
        c["action"] = np.where(c["kind"] == AUDIT, rng.choice(len(AUDITS), n, p=_weights(AUDITS)), -1)
        # the syncs: the last records of six booths, offline for their last days
        last = np.array([seq[c["booth"] == b].max() for b in range(len(self.booth_cp))])
        offline_booths = np.argsort(-last, kind="stable")[:OFFLINE_BOOTHS]  # busy ones: a few days is 5,000
        per_booth = SYNCS * SYNC_SIZE // OFFLINE_BOOTHS
        held = np.isin(c["booth"], offline_booths) & (seq > last[c["booth"]] - per_booth)
        self.held = held
        self.base_seq = {
            self.booth_names[b]: int(last[b] - (per_booth if b in offline_booths else 0))
            for b in range(len(self.booth_cp))
        }

    # -- rows

    def permit_no(self, p: int) -> str:
        return f"{'TH-SKO' if self.thai[p] else 'KH-BTB'}-2025-{p:07d}"

    def rows(self, index: np.ndarray) -> Iterator[tuple]:
        """Rows of ``records`` (``COLUMNS`` order) for the records at ``index``, CHUNK at a time."""
        names = np.array(self.booth_names, dtype=object)
        cps = np.array([name for name, _, _ in CHECKPOINTS], dtype=object)
        officer_names = np.array([o for per_cp in self.officers for o in per_cp], dtype=object)
        permit_nos = np.array([self.permit_no(p) for p in range(self.permits)], dtype=object)
        holders = np.array(
            [_holder(bool(self.thai[p]), self.family[p], self.given[p]) for p in range(self.permits)], dtype=object
        )
        kinds = np.array(KINDS, dtype=object)
        directions = np.array(["entry", "exit"], dtype=object)
        channels = np.array(["camera", "wedge", "manual"], dtype=object)
        verdicts = np.array(["valid", "rejected"], dtype=object)
        reasons = np.array(REASONS, dtype=object)
        actions = np.array([a for a, _ in AUDITS], dtype=object)
        c = self.cols
        for part in (index[i : i + CHUNK] for i in range(0, len(index), CHUNK)):
            n = len(part)
            kind, pid, booth = c["kind"][part], c["pid"][part], c["booth"][part]
            at, seq = c["at"][part], c["seq"][part]
            reason = c["reason"][part]
            read = (pid >= 0) & (reasons[reason] != "unreadable")
            scan, over, audit = kind == SCAN, kind == OVERRIDE, kind == AUDIT
            p = np.maximum(pid, 0)
            boot = (at - START) // (30 * DAY)  # a reboot a month
            ref = c["ref"][part]
            col = {
                "seq": seq,
                "kind": kinds[kind],
                "at": at,
                "mono_ns": (at - START - boot * 30 * DAY) * 10**9,
                "boot_id": _boot_ids(booth, boot),
                "booth_id": names[booth],
                "checkpoint": cps[self.booth_cp[booth]],
                "officer": officer_names[c["officer"][part]],
                "shift_id": (at + LOCAL - START) // (12 * HOUR),
                "action": _null(actions[np.maximum(c["action"][part], 0)], ~audit),
                "direction": _null(directions[np.maximum(c["direction"][part], 0)], audit),
                "channel": _null(channels[c["channel"][part]], ~scan),
                "verdict": _null(verdicts[np.maximum(c["verdict"][part], 0)], ~scan),
                "reasons": _null(reasons[reason], reason == 0),
                "permit_no": _null(permit_nos[p], ~read & ~over),
                "kid": _null(_hexes(n, 8), ~read | ~scan),
                "signature_sha256": _null(_hexes(n, 32), ~read | ~scan),
                "holder": _null(holders[p, 0], ~read & ~over),
                "native_name": _null(holders[p, 1], ~read | ~scan),
                "nationality": _null(np.where(self.thai[p], "THA", "KHM").astype(object), ~read | ~scan),
                "document": _null(np.char.add("N", self.document[p].astype(str)).astype(object), ~read | ~scan),
                "expires": _null(self.expires[p], ~read | ~scan),
                "stay_days": _null(self.stay[p], ~read | ~scan),
                "bundle_version": _null(1 + (at - START) // (7 * DAY), audit),
                "ref_seq": _null(c["seq"][np.maximum(ref, 0)], ~over),
                "supervisor": _null(np.array(SUPERVISORS, dtype=object)[seq % len(SUPERVISORS)], ~over),
                "note": _null(np.array(OVERRIDE_NOTES, dtype=object)[seq % len(OVERRIDE_NOTES)], ~over),
                "prev_hash": _hexes(n, 32),
                "hash": _hexes(n, 32),
                "received_at": c["received_at"][part],
            }
            yield from zip(*(col[name].tolist() for name in COLUMNS), strict=True)


def _weights(table: list, at: int = 1) -> np.ndarray:
    w = np.array([row[at] for row in table], float)
    return w / w.sum()


def _officer_names(rng: np.random.Generator) -> list[list[str]]:
    names = []
    for cp, (name, n_booths, _) in enumerate(CHECKPOINTS):
        thai = name.startswith("TH")
        family, given = (THAI_FAMILY, THAI_GIVEN) if thai else (KHMER_FAMILY, KHMER_GIVEN)
        names.append(
            [
                f"{given[(cp + i) % len(given)][0].lower()}.{family[(3 * cp + i) % len(family)][0].lower()}{i:02d}"
                for i in range(2 * n_booths + 4)
            ]
        )
    return names


def _holder(thai: bool, family: int, given: int) -> tuple[str, str]:
    fam, giv = (THAI_FAMILY, THAI_GIVEN) if thai else (KHMER_FAMILY, KHMER_GIVEN)
    f, g = fam[family % len(fam)], giv[given % len(giv)]
    return f"{f[0]} {g[0]}", (f"{g[1]} {f[1]}" if thai else f"{f[1]} {g[1]}")


def _null(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    out = values.astype(object)
    out[missing] = None
    return out


def _hexes(n: int, size: int) -> np.ndarray:
    blob = os.urandom(n * size).hex()
    step = 2 * size
    return np.array([blob[i : i + step] for i in range(0, len(blob), step)], dtype=object)


def _boot_ids(booth: np.ndarray, boot: np.ndarray) -> np.ndarray:
    cache: dict[tuple[int, int], str] = {}
    out = []
    for b, k in zip(booth.tolist(), boot.tolist(), strict=True):
        if (b, k) not in cache:
            digest = hashlib.md5(f"boot {b} {k}".encode()).hexdigest()
            cache[(b, k)] = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        out.append(cache[(b, k)])
    return np.array(out, dtype=object)


# -- the databases -----------------------------------------------------------------------------


def recipe(total: int) -> str:
    return json.dumps({"recipe": RECIPE, "records": total, "seed": SEED, "syncs": [SYNCS, SYNC_SIZE]})


def cached(url: str, total: int) -> bool:
    try:
        store = SyncStore(url)
    except Exception:
        return False
    try:
        with store.engine.connect() as conn:
            return conn.execute(select(meta.c.value).where(meta.c.key == "bench_hq")).scalar() == recipe(total)
    finally:
        store.close()


def load(url: str, traffic: Traffic, total: int) -> float:
    """Make the store: booths enrolled through ``SyncStore``, records bulk-loaded; seconds taken."""
    t0 = time.perf_counter()
    store = SyncStore(url)
    c = traffic.cols
    base = ~traffic.held
    index = np.flatnonzero(base)  # in time order
    last_at = {}
    for b, name in enumerate(traffic.booth_names):
        mine = np.flatnonzero(base & (c["booth"] == b))
        last_at[name] = int(c["received_at"][mine].max())
    for b, name in enumerate(traffic.booth_names):
        token = store.add_booth(name, CHECKPOINTS[traffic.booth_cp[b]][0], now=START - 30 * DAY)
        store.enrol(name, token, keys.raw_public(generate()), now=START - 30 * DAY)
    secondary = [i for i in records.indexes]
    with store.engine.begin() as conn:
        for index_ in secondary:
            index_.drop(conn)
    if store.engine.dialect.name == "postgresql":
        _copy(store, traffic.rows(index))
    else:
        _executemany(url, traffic.rows(index))
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "postgresql":
            conn.execute(text("SET maintenance_work_mem = '1GB'"))  # the bench's load only
        for index_ in secondary:
            index_.create(conn)
        for name, seq in traffic.base_seq.items():
            conn.execute(update(booths).where(booths.c.booth_id == name).values(acked_seq=seq, last_seen=last_at[name]))
        conn.execute(
            insert(meta).values(
                key="bench_hq_base",
                value=json.dumps({"base_seq": traffic.base_seq, "last_seen": last_at, "now": traffic.now}),
            )
        )
        conn.execute(insert(meta).values(key="bench_hq", value=recipe(total)))
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE records"))  # as autovacuum would after a load this size
    store.close()
    return time.perf_counter() - t0


def _copy(store: SyncStore, rows: Iterator[tuple]) -> None:
    raw = store.engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cur:
            with cur.copy(f"COPY records ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _executemany(url: str, rows: Iterator[tuple]) -> None:
    con = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")  # the load only; the store opens with FULL
    con.execute("PRAGMA cache_size=-1000000")
    sql = f"INSERT INTO records ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            con.execute("BEGIN")
            con.executemany(sql, batch)
            con.execute("COMMIT")
            batch = []
    if batch:
        con.execute("BEGIN")
        con.executemany(sql, batch)
        con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def held_batches(traffic: Traffic) -> list[list[dict[str, Any]]]:
    """The three syncs: each the next SYNC_SIZE records of the offline booths, in seq order."""
    c = traffic.cols
    held = np.flatnonzero(traffic.held)
    held = held[np.lexsort((c["seq"][held], c["booth"][held]))]
    rows = [dict(zip(COLUMNS, row, strict=True)) for row in traffic.rows(held)]
    per_booth: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        per_booth.setdefault(row["booth_id"], []).append(row)
    share = SYNC_SIZE // OFFLINE_BOOTHS
    syncs = []
    for k in range(SYNCS):
        last = k == SYNCS - 1
        syncs.append(
            [r for booth_rows in per_booth.values() for r in booth_rows[k * share : None if last else (k + 1) * share]]
        )
    return syncs


def reset(store: SyncStore) -> int:
    """Back to the loaded records: the previous run's syncs, alerts and analysis taken out; the
    time the analyses run at (half an hour after the last record)."""
    with store.engine.begin() as conn:
        base = json.loads(conn.execute(select(meta.c.value).where(meta.c.key == "bench_hq_base")).scalar())
        for name, seq in base["base_seq"].items():
            conn.execute(delete(records).where(records.c.booth_id == name, records.c.seq > seq))
            conn.execute(
                update(booths).where(booths.c.booth_id == name).values(acked_seq=seq, last_seen=base["last_seen"][name])
            )
        conn.execute(delete(alerts))
        conn.execute(delete(meta).where(meta.c.key == "analysis"))
    return base["now"]


def sync(store: SyncStore, rows: list[dict[str, Any]], now: int) -> float:
    """Store ``rows`` as ``accept_batch`` stores batches: per booth, at most 5,000 per transaction."""
    t0 = time.perf_counter()
    per_booth: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        per_booth.setdefault(row["booth_id"], []).append(row)
    for booth_id, mine in per_booth.items():
        for start in range(0, len(mine), 5000):
            batch = mine[start : start + 5000]
            with store.engine.begin() as conn:
                conn.execute(insert(records), [{**r, "received_at": now} for r in batch])
                conn.execute(
                    update(booths)
                    .where(booths.c.booth_id == booth_id)
                    .values(acked_seq=batch[-1]["seq"], head_hash=batch[-1]["hash"], last_seen=now)
                )
    return time.perf_counter() - t0


# -- measuring ---------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def percentiles(ms: list[float]) -> dict[str, float]:
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"p50_ms": round(q[49], 2), "p95_ms": round(q[94], 2), "max_ms": round(max(ms), 2), "n": len(ms)}


def reads(store: SyncStore, traffic_permits: list[str], end: int, calls: int) -> dict[str, Any]:
    """The dashboard's read functions, each call in a fresh connection, on random arguments."""
    rng = random.Random(5)
    with store.engine.connect() as conn:
        officers = [tuple(r) for r in conn.execute(select(officer_stats.c.checkpoint, officer_stats.c.officer))]
    day0 = (end + LOCAL) // DAY * DAY - LOCAL  # local midnight of the last day

    def page(fn: Callable[[Any], Any]) -> float:
        t0 = time.perf_counter()
        with store.engine.connect() as conn:
            fn(conn)
        return (time.perf_counter() - t0) * 1000

    out: dict[str, Any] = {}
    days = [day0 - rng.randrange(365) * DAY for _ in range(calls)]
    out["checkpoint_overview"] = percentiles(
        [page(lambda c, d=d: overview.checkpoint_overview(c, d, d + DAY)) for d in days]
    )
    out["checkpoint_overview_today"] = percentiles(
        [page(lambda c: overview.checkpoint_overview(c, day0, day0 + DAY)) for _ in range(calls)]
    )
    permits = [rng.choice(traffic_permits) for _ in range(calls)]
    sizes = []

    def history(conn: Any, permit: str) -> None:
        sizes.append(len(overview.permit_history(conn, permit)))

    out["permit_history"] = {
        **percentiles([page(lambda c, p=p: history(c, p)) for p in permits]),
        "records_per_permit_median": statistics.median(sizes),
        "records_max": max(sizes),
    }
    picks = [rng.choice(officers) for _ in range(calls)]
    out["officer_record"] = percentiles([page(lambda c, o=o: overview.officer_record(c, *o)) for o in picks])
    # the CLI report (people inside re-read from the records for permits that crossed since its end)
    out["report_today"] = percentiles(
        [timed(lambda: checkpoint_report.report(store, day0, day0 + DAY))[0] * 1000 for _ in range(5)]
    )
    week_ago = timed(lambda: checkpoint_report.report(store, day0 - 7 * DAY, day0 - 6 * DAY))[0]
    out["report_a_week_ago_ms"] = round(week_ago * 1000)
    out["freshness"] = percentiles([page(overview.freshness) for _ in range(calls)])
    return out


def run(url: str, syncs: list, permits: list[str], calls: int) -> dict:
    store = SyncStore(url)
    try:
        now = reset(store)
        revoked = _revocations(permits)
        _vacuum(store)
        full_s, results = timed(lambda: incremental.analyse(store, now, revoked=revoked, full=True))
        _vacuum(store)
        idle_s, _ = timed(lambda: incremental.analyse(store, now, revoked=revoked))
        runs = []
        for k, rows in enumerate(syncs, 1):
            at = now + k * 600
            store_s = sync(store, rows, at)
            seconds, found = timed(lambda at=at: incremental.analyse(store, at, revoked=revoked))
            runs.append(
                {
                    "records": len(rows),
                    "store_s": round(store_s, 2),
                    "analyse_s": round(seconds, 3),
                    "raised": {r.rule: r.raised for r in found if r.raised},
                }
            )
        held = sum(b.acked_seq for b in store.booths())
        measured = reads(store, permits, now, calls)
        return {
            "records": held,
            "full_analyse_s": round(full_s, 1),
            "full_found": {r.rule: r.found for r in results},
            "idle_analyse_s": round(idle_s, 3),
            "syncs": runs,
            "reads": measured,
            "targets": {
                "incremental_analyse_le_1s": all(r["analyse_s"] <= 1 for r in runs),
                "read_p95_le_200ms": all(measured[k]["p95_ms"] <= 200 for k in PAGES),
            },
        }
    finally:
        store.close()


def _vacuum(store: SyncStore) -> None:
    """PostgreSQL: VACUUM ANALYZE, as autovacuum does within minutes of a change this size (the
    reset and the full rebuild each delete and write hundreds of thousands of rows)."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE records, permit_state, officer_stats, alerts, booths"))


def _revocations(permits: list[str]) -> dict[str, int]:
    """HQ's revocations, as the server passes them: one permit in 2,000 revoked during the year."""
    rng = random.Random(3)
    return {p: START + rng.randrange(365 * DAY) for p in rng.sample(permits, max(10, len(permits) // 2000))}


def pg_url(base: str, label: str) -> str:
    """The bench's own schema in ``base``'s database (made if missing, kept between runs)."""
    from sqlalchemy import create_engine

    name = f"booth_bench_hq_{label.lower()}"  # unquoted in search_path: lower case
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{name}"'))
    admin.dispose()
    return make_url(base).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)


def drop_pg_schema(base: str, label: str) -> None:
    from sqlalchemy import create_engine

    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "booth_bench_hq_{label.lower()}" CASCADE'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200,000 records instead of 10,000,000")
    parser.add_argument("--records", type=int, help="records to load (overrides --quick)")
    parser.add_argument("--pg-url", default=os.environ.get("BOOTH_TEST_PG_URL"), help="PostgreSQL (SQLAlchemy URL)")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/booth-bench-hq"), help="where databases are kept")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached databases")
    parser.add_argument("--calls", type=int, default=200, help="calls per read function")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    args = parser.parse_args()
    total = args.records or (200_000 if args.quick else 10_000_000)
    label = f"{total // 1_000_000}M" if total % 1_000_000 == 0 else str(total)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    targets = {}
    if args.only != "postgresql":
        path = args.work_dir / f"hq-{label}.db"
        if args.fresh:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
        targets["sqlite"] = f"sqlite:///{path}"
    if args.only != "sqlite" and args.pg_url:
        if args.fresh:
            drop_pg_schema(args.pg_url, label)
        targets["postgresql"] = pg_url(args.pg_url, label)
    sync_file = args.work_dir / f"syncs-{label}.json"
    traffic, built = None, {}
    stale = {name: url for name, url in targets.items() if not cached(url, total)}
    if stale or not sync_file.exists() or args.fresh:
        t0 = time.perf_counter()
        traffic = Traffic(total)
        built["generate_s"] = round(time.perf_counter() - t0, 1)
        syncs = held_batches(traffic)
        sync_file.write_text(
            json.dumps(
                {
                    "recipe": recipe(total),
                    "syncs": syncs,
                    "permits": traffic.permits,
                    "thai": np.flatnonzero(traffic.thai).tolist(),
                }
            )
        )
        for name, url in stale.items():
            if name == "postgresql":
                drop_pg_schema(args.pg_url, label)
                url = targets[name] = pg_url(args.pg_url, label)
            else:
                path = Path(url.removeprefix("sqlite:///"))
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    leftover.unlink(missing_ok=True)
            built[f"{name}_load_s"] = round(load(url, traffic, total), 1)
    saved = json.loads(sync_file.read_text())
    thai = set(saved["thai"])
    permits = [f"{'TH-SKO' if p in thai else 'KH-BTB'}-2025-{p:07d}" for p in range(saved["permits"])]
    out: dict[str, Any] = {
        "bench": "hq",
        "quick": args.quick,
        "records": total,
        "machine": {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "built": built or "reused the cached databases",
    }
    for name in ("sqlite", "postgresql"):
        if name in targets:
            out[name] = run(targets[name], saved["syncs"], permits, args.calls)
        elif name == "postgresql" and args.only != "sqlite":
            out[name] = "skipped: give --pg-url or set BOOTH_TEST_PG_URL"
    if "postgresql" in out and not isinstance(out["postgresql"], str):
        with SyncStore(targets["postgresql"]).engine.connect() as conn:
            out["postgresql"]["server"] = {
                k: conn.execute(text(f"SHOW {k}")).scalar() for k in ("server_version", "shared_buffers", "work_mem")
            }
    out["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
