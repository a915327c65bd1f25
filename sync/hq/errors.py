"""Exceptions of the HQ side.

    HQError                      an HQ administration request cannot be done
    ├── NotInitialised           no HQ root key in this data dir
    ├── UnknownRecord            no such checkpoint / issuer / permit
    └── InvalidHolder            a HOLDER.json is incomplete or wrong
"""

from __future__ import annotations


class HQError(Exception):
    """An HQ administration request cannot be done."""


class NotInitialised(HQError):
    """The HQ data dir has no root key yet."""


class UnknownRecord(HQError):
    """No such checkpoint, issuer or permit."""


class InvalidHolder(HQError):
    """A holder file is incomplete or has wrong values."""
