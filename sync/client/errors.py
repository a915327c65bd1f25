"""Exceptions of the booth's sync client.

    BoothError (booth.errors)
    └── SyncError                 a sync step failed; nothing acknowledged was lost
        ├── NotEnrolled           no HQ address or pinned root yet: run `booth enrol`
        ├── EnrolRefused          HQ refused the token, or its root is not the one expected
        ├── HQUnreachable         no answer, a timeout, or HQ busy/failing (5xx): try again later
        ├── PushRefused           HQ refused a batch (revoked, bad signature, bad format, ...)
        ├── BadReceipt            an answer claiming to be HQ's is forged or does not match
        ├── BadBundle             HQ sent a bundle the booth refuses (rollback, signature, root)
        └── HistoryConflict       HQ's history of this booth differs from the ledger: an alarm
            └── ForkDetected      HQ holds a different record under a sequence it acknowledged

``transient`` says whether waiting and retrying may help; ``run`` backs off and retries
those, and stops on a ``HistoryConflict``, which a person must look into.
"""

from __future__ import annotations

from booth.errors import BoothError


class SyncError(BoothError):
    """A sync step failed; nothing the booth recorded was lost or marked sent."""

    transient = True


class NotEnrolled(SyncError):
    transient = False


class EnrolRefused(SyncError):
    transient = False


class HQUnreachable(SyncError):
    """No answer, a timeout, a dropped connection, an HQ error (5xx), or HQ busy (429)."""

    def __init__(self, message: str, *, timeout: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.timeout = timeout  # no answer in time: the next batch is smaller
        self.retry_after = retry_after  # HQ said when to come back (429/503 Retry-After), in seconds


class PushRefused(SyncError):
    """HQ refused a batch; ``reason`` is its short code (``revoked``, ``bad_format``, ...)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class BadReceipt(SyncError):
    """Not signed by the pinned HQ root, or not about what was sent."""


class BadBundle(SyncError):
    """HQ sent a trust bundle the booth refuses (rollback, bad signature, foreign root)."""


class HistoryConflict(SyncError):
    """HQ and this booth disagree on the booth's history: never resolved automatically."""

    transient = False


class ForkDetected(HistoryConflict):
    """HQ holds a different record under a sequence number it acknowledged."""
