"""The booth's side of sync: push signed batches to HQ, pull the trust bundle, USB export.

SyncClient(booth, hq_url)    enrol, push_once/push_all, pull_bundle, measure_time, session, run
export_to(booth, folder)     the same signed batches on a USB stick, and HQ's answers back
"""

from sync.client.backoff import Backoff, BatchSize
from sync.client.client import Enrolment, PushResult, SessionResult, SyncClient
from sync.client.errors import (
    BadBundle,
    BadReceipt,
    EnrolRefused,
    ForkDetected,
    HistoryConflict,
    HQUnreachable,
    NotEnrolled,
    PushRefused,
    SyncError,
)
from sync.client.usb import UsbReport, export_to

__all__ = [
    "Backoff",
    "BatchSize",
    "Enrolment",
    "PushResult",
    "SessionResult",
    "SyncClient",
    "UsbReport",
    "export_to",
    "BadBundle",
    "BadReceipt",
    "EnrolRefused",
    "ForkDetected",
    "HistoryConflict",
    "HQUnreachable",
    "NotEnrolled",
    "PushRefused",
    "SyncError",
]
