"""Verdict reason codes (docs/formats.md §1 "Reading a permit") and their severity."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    UNREADABLE = "unreadable"
    BAD_FORMAT = "bad_format"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_ISSUER = "unknown_issuer"
    ISSUER_NOT_VALID = "issuer_not_valid"
    ISSUER_REVOKED = "issuer_revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REVOKED = "revoked"
    WRONG_CHECKPOINT = "wrong_checkpoint"
    ALREADY_INSIDE = "already_inside"
    NOT_INSIDE = "not_inside"
    OVERSTAY = "overstay"
    USED_UP = "used_up"
    WATCHLIST = "watchlist"
    WATCHLIST_UNREADABLE = "watchlist_unreadable"
    TRUST_STALE = "trust_stale"
    TRUST_EXPIRED = "trust_expired"
    CLOCK_SUSPECT = "clock_suspect"


# Warnings are shown and recorded but do not by themselves stop the holder.
WARNINGS = frozenset({Reason.NOT_INSIDE, Reason.TRUST_STALE, Reason.CLOCK_SUSPECT})


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks ``text`` for Qt's translation tools without importing Qt into the core."""
    return text


# The officer-facing sentences; the GUI translates them (context "Reason") with Qt.
ENGLISH: dict[Reason, str] = {
    Reason.UNREADABLE: QT_TRANSLATE_NOOP("Reason", "The code could not be read as a border permit."),
    Reason.BAD_FORMAT: QT_TRANSLATE_NOOP("Reason", "The permit data is damaged or not a valid permit."),
    Reason.BAD_SIGNATURE: QT_TRANSLATE_NOOP("Reason", "The permit's signature is false: it was altered or forged."),
    Reason.UNKNOWN_ISSUER: QT_TRANSLATE_NOOP(
        "Reason", "The permit was signed by an office this booth does not recognise."
    ),
    Reason.ISSUER_NOT_VALID: QT_TRANSLATE_NOOP("Reason", "The issuing office was not allowed to issue this permit."),
    Reason.ISSUER_REVOKED: QT_TRANSLATE_NOOP(
        "Reason", "The issuing office's key was reported stolen: this permit cannot be trusted."
    ),
    Reason.EXPIRED: QT_TRANSLATE_NOOP("Reason", "The permit has expired."),
    Reason.NOT_YET_VALID: QT_TRANSLATE_NOOP("Reason", "The permit is not valid yet."),
    Reason.REVOKED: QT_TRANSLATE_NOOP("Reason", "The permit has been revoked."),
    Reason.WRONG_CHECKPOINT: QT_TRANSLATE_NOOP("Reason", "The permit is not valid at this checkpoint."),
    Reason.ALREADY_INSIDE: QT_TRANSLATE_NOOP("Reason", "The holder already entered and has not exited."),
    Reason.NOT_INSIDE: QT_TRANSLATE_NOOP("Reason", "No entry is on record for this exit."),
    Reason.OVERSTAY: QT_TRANSLATE_NOOP("Reason", "The holder stayed longer than the permit allows."),
    Reason.USED_UP: QT_TRANSLATE_NOOP("Reason", "This single-use permit has already been used."),
    Reason.WATCHLIST: QT_TRANSLATE_NOOP("Reason", "The holder is on the watchlist: call the supervisor."),
    Reason.WATCHLIST_UNREADABLE: QT_TRANSLATE_NOOP(
        "Reason", "The watchlist cannot be checked on this booth: call the supervisor."
    ),
    Reason.TRUST_STALE: QT_TRANSLATE_NOOP("Reason", "The trust list is out of date: sync with HQ."),
    Reason.TRUST_EXPIRED: QT_TRANSLATE_NOOP(
        "Reason", "The trust list has expired: no one may cross until this booth syncs with HQ."
    ),
    Reason.CLOCK_SUSPECT: QT_TRANSLATE_NOOP("Reason", "The booth clock looks wrong: check the date and time."),
}
