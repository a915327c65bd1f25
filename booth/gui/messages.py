"""Officer-facing words for the errors the service raises, in the officer's language."""

from __future__ import annotations

from booth import errors
from booth.gui.qt import QCoreApplication


def error_text(exc: Exception) -> str:
    def tr(text: str) -> str:
        return QCoreApplication.translate("Errors", text)

    if isinstance(exc, errors.LockedOut):
        return tr("Locked after wrong PINs. Wait, or ask a supervisor to unlock.")
    if isinstance(exc, errors.WrongPin):
        return tr("Wrong PIN. Try again.")
    if isinstance(exc, errors.OfficerDisabled):
        return tr("This officer is disabled at this booth. Ask a supervisor.")
    if isinstance(exc, errors.UnknownOfficer):
        return tr("This officer is not registered at this booth.")
    if isinstance(exc, errors.NotSupervisor):
        return tr("Only a supervisor may do this.")
    if isinstance(exc, errors.LedgerFull):
        return tr("The disk is full: the scan was NOT recorded. Call the supervisor.")
    if isinstance(exc, errors.LedgerReadOnly):
        return tr("The disk is read-only: the scan was NOT recorded. Call the supervisor.")
    if isinstance(exc, errors.LedgerBusy):
        return tr("The ledger is busy: the scan was NOT recorded. Scan again.")
    if isinstance(exc, errors.NoTrustBundle):
        return tr("No trust list is installed: permits cannot be checked. Call the supervisor.")
    if isinstance(exc, errors.OverrideRefused):
        return tr("Override refused: {0}").format(str(exc))
    if isinstance(exc, errors.BoothError):
        return str(exc)
    return tr("Unexpected error; it was logged. Call the supervisor.")
