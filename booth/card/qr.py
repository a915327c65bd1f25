"""The permit QR as docs/formats.md prints it: alphanumeric mode, ECC level Q, no error-level
boost (so the printed level is exactly Q), quiet zone of 4 modules."""

from __future__ import annotations

from pathlib import Path

import segno

from booth.errors import CardError

__all__ = ["QUIET", "make_qr", "qr_png"]

QUIET = 4  # modules of quiet zone around the QR


def make_qr(text: str) -> segno.QRCode:
    """The permit QR exactly as docs/formats.md prints it: alphanumeric, level Q, no boost."""
    try:
        return segno.make_qr(text, error="q", mode="alphanumeric", boost_error=False)
    except (ValueError, segno.DataOverflowError) as exc:
        raise CardError(f"cannot encode the permit text as an alphanumeric QR: {exc}") from None


def qr_png(text: str, path: Path, scale: int = 8) -> int:
    """Write the permit QR as a PNG (quiet zone 4 modules); return the QR version."""
    qr = make_qr(text)
    qr.save(str(path), kind="png", scale=scale, border=QUIET)
    return int(qr.version)
