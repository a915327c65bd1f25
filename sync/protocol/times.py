"""Time on the wire: epoch seconds UTC, written as ISO 8601 with a ``Z``."""

from __future__ import annotations

import datetime as dt

DAY = 86_400


def iso(epoch: int) -> str:
    """``2026-09-21T12:00:00Z`` for an epoch second (UTC, whole seconds)."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
