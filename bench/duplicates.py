"""Duplicate-check benchmark (issue #18): ``Register.likely`` against N synthetic people; prints JSON.

Builds a register of N people (default 1,000,000; Khmer and Thai names from syllable lists,
random dates of birth, the population of tests/booth/office/test_duplicates.py), then times
``likely()`` for 1,000 probes: half re-applications of registered people (respelt, some with
names swapped, a dob typo or a new document), half new people. Reports the build time, the
probe's p50/p95/p99 in ms (target: p95 <= 200 ms at 1M), the recall on re-applications, the
share of new people flagged likely (false positives), and memory: the peak RSS (ru_maxrss) of
the process in MB, before the people, with them, and what the register's index added.

Run: .venv/bin/python bench/duplicates.py [N]
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "booth" / "office")]

from test_duplicates import person, population, reapply  # noqa: E402

from booth.office.duplicates import Register  # noqa: E402

PROBES = 1000


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank), rounded to 0.01."""
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 2)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    people = population(n)
    rss_people = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    register = Register(people)
    build = time.perf_counter() - t0
    rng = random.Random(2026)
    again = [(reapply(h, rng, "again"), h.ref) for h in rng.sample(people, PROBES // 2)]
    new = [(person(rng, "new"), "") for _ in range(PROBES - len(again))]
    probes = again + new
    rng.shuffle(probes)
    times, hits, flagged, candidates = [], 0, 0, 0
    for probe, ref in probes:
        t = time.perf_counter()
        found = register.likely(probe)
        times.append((time.perf_counter() - t) * 1000)
        if ref:
            hits += any(m.person.ref == ref for m in found)
        else:
            flagged += bool(found)
        candidates += len(register._candidates(probe))
    out = {
        "bench": "duplicates",
        "register": n,
        "probes": len(probes),
        "build_s": round(build, 1),
        "likely_ms": {
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
            "p99": percentile(times, 99),
            "mean": round(statistics.fmean(times), 2),
        },
        "target_p95_ms": 200,
        "candidates_per_probe": round(candidates / len(probes), 1),
        "recall_on_reapplications": round(hits / len(again), 4),
        "false_positive_rate_new_people": round(flagged / len(new), 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rss_before_people_mb": round(rss_before),
        "rss_with_people_mb": round(rss_people),  # the people themselves: the caller's data, not the index
        "index_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_people),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
