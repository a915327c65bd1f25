"""The per-checkpoint report (``booth-hq report``): a period's crossings, rejections and overrides,
the people inside at its end, each booth's last sync."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from sync.hq.analytics import derived_state
from sync.hq.schema import (
    booths,
)


def report(store: Any, start: int, end: int) -> list[dict[str, Any]]:
    """Per checkpoint, for records stamped in [start, end): entries and exits (crossings),
    rejected scans, overrides; people inside at ``end``; each booth's last sync.

    People inside come from the derived state plus the records stored since the last analyse
    (``derived_state.inside_counts(fresh=True)``): exact, and quick when analyse runs regularly.
    """
    with store.engine.connect() as conn:
        counts = derived_state.period_counts(conn, start, end)
        inside = derived_state.inside_counts(conn, before=end, fresh=True)
        booth_rows = conn.execute(
            select(booths.c.booth_id, booths.c.checkpoint, booths.c.last_seen, booths.c.acked_seq).order_by(
                booths.c.booth_id
            )
        ).all()
    per_booth: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for b in booth_rows:
        per_booth[b.checkpoint].append({"booth_id": b.booth_id, "last_sync": b.last_seen, "acked_seq": b.acked_seq})
    out = []
    for checkpoint in sorted(set(counts) | set(inside) | set(per_booth)):
        tally = counts.get(checkpoint, derived_state.PeriodCounts())
        out.append(
            {
                "checkpoint": checkpoint,
                "entries": tally.entries,
                "exits": tally.exits,
                "rejections": tally.rejections,
                "overrides": tally.overrides,
                "inside": inside.get(checkpoint, 0),
                "booths": per_booth.get(checkpoint, []),
            }
        )
    return out
