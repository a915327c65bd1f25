"""Exceptions of the HQ side: one tree, rooted at ``HQError``, all defined here.

    HQError                      an HQ request cannot be done; the message says why
    ├── NotInitialised           no HQ root key in this data dir
    ├── UnknownRecord            no such checkpoint / issuer / permit / booth / alert
    ├── InvalidInput             what an admin gave is refused at the door (sync.hq.validate)
    │   └── InvalidHolder        a HOLDER.json is incomplete or wrong
    ├── PhotoError               a holder's photo cannot be read or made small enough (sync.hq.photo)
    ├── CustodyError             a root custody share cannot be used: wrong passphrase, damaged, too few,
    │                            from another split (sync.hq.custody)
    ├── SchemaTooNew             the sync database was written by a newer Booth (sync.hq.schema)
    ├── EnrolmentRefused         unknown booth, wrong token or a token already used (sync.hq.enrolment);
    │                            not the booth's sync.client.errors.EnrolRefused, which is the booth's view
    ├── SyncRefused              a booth's batch refused by the store (gap, fork, unenrolled, revoked);
    │                            also a sync.protocol.errors.BatchRefused, so the wire's handlers take it
    ├── StaffError               a staff account operation cannot be done (sync.hq.dashboard.staff)
    │   └── LoginRefused         wrong name or password, locked or disabled account
    ├── AnalysisConflict         analyse kept losing the race for the derived state (sync.hq.analytics)
    ├── ServeError               the server cannot start: the address is in use or not this machine's
    └── RequestRefused           an HTTP request answered with an error status and a message
        ├── ApiError             the booths' API: answered as a JSON Problem (sync.hq.server)
        └── PageRefused          a dashboard page: answered as an error page (sync.hq.dashboard.guard)

Outside the tree on purpose: ``sync.hq.dashboard.web.LoginNeeded``, pure control flow (no
live session: the handler redirects to the login page), never an error anyone reads.
A PKCS#11 token's errors are ``booth.errors.TokenError`` (``booth.token`` serves HQ's keys and
a booth's alike; the ``booth-hq`` command line reads the booth's tree too).
Errors of the wire formats HQ reads (keys, bundles, batches, partner lists, export
signatures) are ``sync.protocol.errors.WireError``s.
"""

from __future__ import annotations

from sync.protocol.errors import BatchRefused


class HQError(Exception):
    """An HQ administration request cannot be done."""


class NotInitialised(HQError):
    """The HQ data dir has no root key yet."""


class UnknownRecord(HQError):
    """No such checkpoint, issuer, permit, booth or alert."""


class InvalidInput(HQError):
    """What an administrator gave is not acceptable; the message names the field."""


class InvalidHolder(InvalidInput):
    """A holder file is incomplete or has wrong values."""


class PhotoError(HQError):
    """The photo cannot be read or cannot be made small enough."""


class CustodyError(HQError):
    """A root custody share cannot be used: wrong passphrase, damaged, too few, from another split."""


class SchemaTooNew(HQError):
    """The sync database was written by a newer Booth: it is left untouched."""


class EnrolmentRefused(HQError):
    """Unknown booth, wrong token, or a token already used: one answer for all (``bad_token``)."""

    reason = "bad_token"


class SyncRefused(BatchRefused, HQError):
    """A refused batch; ``gap`` and ``fork`` also tell the booth how far HQ got (``acked_seq``)."""

    def __init__(self, reason: str, detail: str, acked_seq: int | None = None) -> None:
        super().__init__(reason, detail)
        self.acked_seq = acked_seq


class StaffError(HQError):
    """A staff account operation that cannot be done; the message says why."""


class LoginRefused(StaffError):
    """Wrong name or password, or a locked or disabled account (the message does not tell which name exists)."""


class AnalysisConflict(HQError):
    """Another analyse kept winning the race for the derived state (PostgreSQL); try again later."""


class ServeError(HQError):
    """``booth-hq serve`` cannot start: it cannot listen on the address given (in use, not ours)."""


class RequestRefused(HQError):
    """An HTTP request refused: ``status`` and a ``message`` for whoever sent it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class PageRefused(RequestRefused):
    """A dashboard request refused; the handler answers with an error page."""
