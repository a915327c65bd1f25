"""Pacing: exponential back-off with full jitter, and the adaptive batch size."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delay before retry n (from 0): uniform in [0, min(cap, base * 2**n)] ("full jitter"),
    so booths that lost the link together do not come back in step."""

    base: float = 1.0
    cap: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(self.failures, 30))
        self.failures += 1
        return self.rng.uniform(0, ceiling)

    def reset(self) -> None:
        self.failures = 0


@dataclass
class BatchSize:
    """Records per batch: doubles after each success up to ``maximum``, halves after a timeout
    or a 413, so a slow link still gets small batches through."""

    size: int = 500
    maximum: int = 5000
    minimum: int = 1

    def grow(self) -> None:
        self.size = min(self.maximum, self.size * 2)

    def shrink(self) -> bool:
        """Halve; return False when already at the minimum."""
        if self.size <= self.minimum:
            return False
        self.size = max(self.minimum, self.size // 2)
        return True
