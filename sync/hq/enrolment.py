"""Enrolment tokens and booth identifiers.

A token is 128 random bits, shown to the administrator once as 26 base32 letters and digits
in groups (``ABCD-EFGH-...``) to be typed on the booth's screen. HQ keeps only its SHA-256:
a 128-bit secret needs no slow hash, and the comparison is constant-time. A booth may type
it in any case, with or without the dashes or spaces.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from sync.hq.errors import HQError

TOKEN_BYTES = 16
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_BOOTH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def valid_booth_id(booth_id: object) -> bool:
    return isinstance(booth_id, str) and _BOOTH_ID.fullmatch(booth_id) is not None


def check_booth_id(booth_id: str) -> str:
    if not valid_booth_id(booth_id):
        raise HQError(f"{booth_id!r} is not a booth id: use 1-64 letters, digits, '-', '_' or '.'")
    return booth_id


def new_token() -> str:
    text = base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode().rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def token_hash(token: str) -> str:
    """SHA-256 of the token's letters and digits, upper case (dashes, spaces and case do not matter)."""
    letters = "".join(ch for ch in token.upper() if ch in _ALPHABET)
    return hashlib.sha256(letters.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(token_hash(token), stored_hash)
