"""Officer PINs: scrypt hashes, constant-time checks, and the lock-out policy.

Hashes are self-describing (``scrypt$N$r$p$salt$hash``) so the cost can be raised later
without invalidating old PINs. Lock-out grows: three free tries, then 30 s doubling per
failure up to 15 min, and after ten failures only a supervisor can unlock.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from booth.errors import PinPolicyError

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_MAXMEM = 64 * 1024 * 1024
FREE_TRIES = 3
BASE_DELAY = 30
MAX_DELAY = 15 * 60
HARD_LOCK_AFTER = 10
FOREVER = 2**62  # locked_until for "until a supervisor unlocks"
MIN_PIN, MAX_PIN = 6, 12  # 6 digits: a copied ledger's hash costs ~10^6 scrypt runs, not 10^4


def check_policy(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and MIN_PIN <= len(pin) <= MAX_PIN):
        raise PinPolicyError(f"a PIN is {MIN_PIN} to {MAX_PIN} digits")
    if len(set(pin)) == 1 or pin in "0123456789012" or pin in "9876543210987":
        raise PinPolicyError("that PIN is too easy to guess (repeated or sequential digits)")


def hash_secret(secret: str, *, n: int = SCRYPT_N) -> str:
    """A salted scrypt hash of a PIN or password, self-describing."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, maxmem=_MAXMEM, dklen=32)
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def secret_matches(secret: str, stored: str) -> bool:
    """Constant-time comparison against a stored hash; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            secret.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), maxmem=_MAXMEM, dklen=32
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(candidate, bytes.fromhex(digest))


hash_pin, pin_matches = hash_secret, secret_matches


@dataclass(frozen=True)
class Lock:
    failed: int
    locked_until: int | None

    @property
    def hard(self) -> bool:
        return self.locked_until == FOREVER


def after_failure(failed_before: int, now: int) -> Lock:
    """The lock state after one more wrong PIN."""
    failed = failed_before + 1
    if failed >= HARD_LOCK_AFTER:
        return Lock(failed, FOREVER)
    if failed < FREE_TRIES:
        return Lock(failed, None)
    return Lock(failed, now + min(BASE_DELAY * 2 ** (failed - FREE_TRIES), MAX_DELAY))
