"""Admission for POST /v1/batches: per-booth concurrency and rate, and a global cap on batch work.

A batch's key id is read from its envelope before any work (``peek_kid``), so one booth, or
a flood under many key ids, cannot take HQ's threads from the others or from ``/v1/time``:

- at most ``per_booth`` batches of one key id in flight; another is answered 429 at once;
- at most ``concurrent`` batches checked at once over all booths; beyond that, 429;
- a token bucket per key id: ``per_minute`` batches a minute, up to ``per_minute`` at once.

A key id is not yet authenticated when it is admitted. So that a stranger using a booth's
key id cannot drain that booth's bucket, a batch refused as ``unenrolled`` or
``bad_signature`` gives its token back (and a full bucket is forgotten, so random key ids
leave nothing behind). Everything here runs on the event loop: no locks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sync.hq.errors import HQError

MAX_BUCKETS = 4096  # more than this many remembered key ids: forget those whose bucket refilled
UNAUTHENTICATED = ("unenrolled", "bad_signature")  # not the named booth's doing: no token taken


@dataclass(frozen=True)
class BatchLimits:
    """The limits on ``POST /v1/batches`` (``create_app(batch_limits=...)``)."""

    per_booth: int = 1  # batches of one key id in flight at once
    concurrent: int = 4  # batches checked at once, all booths together
    per_minute: int = 120  # batches a minute per key id (token bucket; burst the same)


class TooBusy(HQError):
    """Answered 429 with ``Retry-After``: a batch of the booth in flight already, its rate spent,
    or HQ at its cap."""

    def __init__(self, reason: str, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.retry_after = retry_after


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class BatchGate:
    limits: BatchLimits = field(default_factory=BatchLimits)
    clock: Callable[[], float] = time.monotonic
    _in_flight: dict[bytes, int] = field(default_factory=dict)
    _busy: int = 0
    _buckets: dict[bytes, _Bucket] = field(default_factory=dict)

    @contextmanager
    def admit(self, kid: bytes) -> Iterator[Callable[[str], None]]:
        """Hold a slot for one batch of ``kid``; yields ``refund(reason)`` for a refusal that
        shows the sender was not the booth. Raises ``TooBusy`` instead of waiting."""
        if self._in_flight.get(kid, 0) >= self.limits.per_booth:
            raise TooBusy("busy", "a batch of this booth is being checked; send the next after its answer", 1)
        if self._busy >= self.limits.concurrent:
            raise TooBusy("busy", "HQ is checking as many batches as it may at once", 1)
        self._take(kid)
        self._in_flight[kid] = self._in_flight.get(kid, 0) + 1
        self._busy += 1
        try:
            yield lambda reason: self._refund(kid) if reason in UNAUTHENTICATED else None
        finally:
            self._busy -= 1
            if self._in_flight[kid] <= 1:
                del self._in_flight[kid]
            else:
                self._in_flight[kid] -= 1

    def _take(self, kid: bytes) -> None:
        if len(self._buckets) > MAX_BUCKETS:
            self.forget_idle()
        bucket = self._refilled(kid)
        if bucket.tokens < 1:
            wait = math.ceil((1 - bucket.tokens) / self._rate())
            raise TooBusy("rate_limited", f"at most {self.limits.per_minute} batches a minute per booth", wait)
        bucket.tokens -= 1

    def _refund(self, kid: bytes) -> None:
        bucket = self._refilled(kid)
        bucket.tokens = min(self.limits.per_minute, bucket.tokens + 1)
        if bucket.tokens >= self.limits.per_minute:
            del self._buckets[kid]  # a full bucket is the default: keep no state for strangers

    def _refilled(self, kid: bytes) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.setdefault(kid, _Bucket(self.limits.per_minute, now))
        bucket.tokens = min(self.limits.per_minute, bucket.tokens + (now - bucket.at) * self._rate())
        bucket.at = now
        return bucket

    def _rate(self) -> float:
        return self.limits.per_minute / 60

    def forget_idle(self) -> None:
        """Drop buckets that have refilled: bounded by the booths active in the last minute."""
        for kid in [k for k in self._buckets if self._refilled(k).tokens >= self.limits.per_minute]:
            del self._buckets[kid]
