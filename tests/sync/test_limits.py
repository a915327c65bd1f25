"""The admission gate of POST /v1/batches, on a fake clock."""

from __future__ import annotations

import pytest

from sync.hq.limits import BatchGate, BatchLimits, TooBusy


class Clock:
    def __init__(self) -> None:
        self.at = 0.0

    def __call__(self) -> float:
        return self.at


def test_one_in_flight_per_key_and_a_global_cap() -> None:
    gate = BatchGate(BatchLimits(per_booth=1, concurrent=2, per_minute=100))
    with gate.admit(b"a"):
        with pytest.raises(TooBusy) as busy:
            with gate.admit(b"a"):
                pass
        assert (busy.value.reason, busy.value.retry_after) == ("busy", 1)
        with gate.admit(b"b"), pytest.raises(TooBusy):
            with gate.admit(b"c"):  # two at once already
                pass
    with gate.admit(b"a"), gate.admit(b"c"):  # all slots free again
        pass


def test_the_token_bucket_refills_and_refunds_unauthenticated_refusals() -> None:
    clock = Clock()
    gate = BatchGate(BatchLimits(per_minute=2), clock=clock)
    for _ in range(2):
        with gate.admit(b"a"):
            pass
    with pytest.raises(TooBusy) as limited:
        with gate.admit(b"a"):
            pass
    assert (limited.value.reason, limited.value.retry_after) == ("rate_limited", 30)
    clock.at += 30
    with gate.admit(b"a"):
        pass
    for _ in range(10):  # a stranger using key id "b": refused as unenrolled, costs "b" nothing
        with gate.admit(b"b") as refund:
            refund("unenrolled")
    assert b"b" not in gate._buckets  # and is not remembered
    with gate.admit(b"b") as refund:
        refund("gap")  # the booth's own batch: counted
    assert gate._buckets[b"b"].tokens == 1
