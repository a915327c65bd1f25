"""Checks at the door of HQ's registry: what an admin types is refused here, in one line naming
the field, before anything is written, so nothing enters the registry that a booth would later
refuse.

Codes follow the permit format (``sync.protocol.permit.CODE``) and start with their country;
names are plain text (no markup, no direction overrides) as on a permit.
"""

from __future__ import annotations

import re

from sync.hq.errors import InvalidInput
from sync.protocol.bundle import Checkpoint
from sync.protocol.partner import COUNTRIES
from sync.protocol.permit import CODE, plain_char

MAX_NAME = 80
# KH-PHD, TH-KLG: a country, a dash, letters and digits (no spaces: codes travel in QR text).
CHECKPOINT_CODE = re.compile(r"(KH|TH)-[A-Z0-9]{2,16}")
# KH-BTB-01: a country, a place, an optional desk number; permit numbers start with the first two.
OFFICE_CODE = re.compile(r"(KH|TH)-[A-Z0-9]{2,16}(-[A-Z0-9]{1,8})?")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def country(value: str, what: str = "country") -> str:
    if value not in COUNTRIES:
        raise InvalidInput(f"{what} must be one of {', '.join(COUNTRIES)}, not {value!r}")
    return value


def name(value: str, what: str, *, required: bool = True) -> str:
    """Plain text for people, stripped; empty only where it is optional."""
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{what} must not be empty")
    if len(value) > MAX_NAME:
        raise InvalidInput(f"{what} is {len(value)} characters; at most {MAX_NAME}")
    bad = next((c for c in value if not plain_char(c)), None)
    if bad is not None:
        raise InvalidInput(f"{what} contains a character not allowed in names: U+{ord(bad):04X}")
    return value


def checkpoint(cp: Checkpoint) -> Checkpoint:
    """A checkpoint as it may enter the registry (names stripped), or InvalidInput."""
    country(cp.country, "--country")
    if not CHECKPOINT_CODE.fullmatch(cp.code):
        raise InvalidInput(
            f"checkpoint code {cp.code!r} is not a code like KH-PHD (KH or TH, a dash, capital letters or digits)"
        )
    if not cp.code.startswith(cp.country + "-"):
        raise InvalidInput(f"checkpoint code {cp.code} does not start with its country {cp.country}-")
    return Checkpoint(
        cp.code,
        cp.country,
        name(cp.name_en, "the English name (--name-en)"),
        name(cp.name_km, "the Khmer name (--name-km)", required=False),
        name(cp.name_th, "the Thai name (--name-th)", required=False),
    )


def office_code(office: str) -> str:
    if not OFFICE_CODE.fullmatch(office):
        raise InvalidInput(
            f"office code {office!r} is not a code like KH-BTB-01 (KH or TH, a dash, capital letters or "
            "digits, optionally a dash and a desk number)"
        )
    return office


def window(not_before: int, not_after: int | None, what: str = "the key") -> None:
    if not_after is not None and not_after <= not_before:
        raise InvalidInput(f"{what} would stop before it starts (--valid-until is not after --valid-from)")


def signature_hash(value: str) -> str:
    """The SHA-256 of one printed copy's signature: 64 hex digits (as `permit show` prints it)."""
    value = value.strip().lower()
    if not SHA256_HEX.fullmatch(value):
        raise InvalidInput(f"{value!r} is not a signature hash (64 hex digits, as `booth-hq permit show` prints)")
    return value


def permit_number(value: str) -> str:
    if not CODE.fullmatch(value):
        raise InvalidInput(f"permit number {value!r} is not a code (capital letters, digits and dashes)")
    return value


NATIONALITY = re.compile(r"[A-Z]{3}")
MAX_DOCUMENT = 40  # as on a permit (sync.protocol.permit.MAX_TEXT)


def nationality(value: str) -> str:
    if not NATIONALITY.fullmatch(value):
        raise InvalidInput(f"nationality {value!r} is not a three-letter code like KHM or THA (ISO 3166-1 alpha-3)")
    return value


def document_number(value: str) -> str:
    if len(value) > MAX_DOCUMENT:
        raise InvalidInput(f"document number is {len(value)} characters; at most {MAX_DOCUMENT}")
    return name(value, "the document number")


def reason(value: str, what: str = "--reason") -> str:
    """A reason that must be given (an undo, a lift): plain text, not empty."""
    return name(value, what)
