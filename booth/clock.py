"""The one clock the booth reads, injectable so rules and tests agree on 'now'."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Wall-clock time, epoch seconds UTC."""

    def monotonic_ns(self) -> int:
        """A counter that never goes back within one boot."""


class SystemClock:
    def now(self) -> int:
        return int(time.time())

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()


@dataclass
class FixedClock:
    """A clock that moves only when told: for tests and ``--at``."""

    at: int
    mono: int = field(default=0)

    def now(self) -> int:
        return self.at

    def monotonic_ns(self) -> int:
        self.mono += 1
        return self.mono

    def advance(self, seconds: int) -> None:
        self.at += seconds
        self.mono += seconds * 1_000_000_000


def boot_id() -> str:
    """This boot's id (Linux), so monotonic readings from different boots are not compared."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"
