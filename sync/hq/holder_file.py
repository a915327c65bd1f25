"""HOLDER.json -> permit fields, with one clear message per problem."""

from __future__ import annotations

import datetime as dt
import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.hq.errors import InvalidHolder, PhotoError
from sync.hq.photo import fit_photo
from sync.protocol.permit import CODE, KINDS, SEXES, Permit
from sync.protocol.times import DAY

REQUIRED_TEXT = ("fn", "gn", "dob", "sx", "nat", "doc", "res", "zn")
OPTIONAL = ("nn", "no", "ty", "ph")
KNOWN = (*REQUIRED_TEXT, "cp", "stay", *OPTIONAL)


@dataclass(frozen=True)
class Holder:
    family_name: str
    given_names: str
    dob: str
    sex: str
    nationality: str
    document: str
    residence: str
    checkpoints: tuple[str, ...]
    zone: str
    stay_days: int
    kind: str = "multi"
    native_name: str | None = None
    photo: bytes | None = None
    number: str | None = None  # `no`: a permit number fixed by the office, else assigned

    def permit(self, number: str, office: str, *, issued_at: int, valid_days: int) -> Permit:
        """This holder's permit from ``office``, valid ``valid_days`` from ``issued_at``."""
        return Permit(
            number=number,
            issuer=office,
            not_before=issued_at,
            expires=issued_at + valid_days * DAY,
            issued_at=issued_at,
            kind=self.kind,
            family_name=self.family_name,
            given_names=self.given_names,
            native_name=self.native_name,
            dob=self.dob,
            sex=self.sex,
            nationality=self.nationality,
            document=self.document,
            residence=self.residence,
            checkpoints=self.checkpoints,
            zone=self.zone,
            stay_days=self.stay_days,
            photo=self.photo,
        )


def load_holder(path: Path) -> Holder:
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))  # a BOM, as Windows Notepad saves, is fine
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidHolder(f"cannot read holder file {path}: {exc}") from None
    return holder_from_json(raw, base=path.parent)


def holder_from_json(raw: Any, base: Path = Path(".")) -> Holder:
    if not isinstance(raw, dict):
        raise InvalidHolder("holder file must hold a JSON object")
    unknown = [k for k in raw if k not in KNOWN]
    if unknown:
        raise InvalidHolder(
            f"holder file has unknown field {_suggest(str(unknown[0]))} (see docs/formats.md, holder file)"
        )
    missing = [k for k in (*REQUIRED_TEXT, "cp", "stay") if k not in raw]
    if missing:
        raise InvalidHolder(f"holder file lacks: {', '.join(missing)}")
    for key in (*REQUIRED_TEXT, "nn", "no", "ty"):
        if key in raw and not isinstance(raw[key], str):
            raise InvalidHolder(f"holder field {key!r} must be text")
    cp = raw["cp"]
    if not isinstance(cp, list) or not cp or not all(isinstance(c, str) and c for c in cp):
        raise InvalidHolder("holder field 'cp' must be a non-empty list of checkpoint codes")
    stay = raw["stay"]
    if not isinstance(stay, int) or isinstance(stay, bool) or stay < 1:
        raise InvalidHolder("holder field 'stay' must be a whole number of days, at least 1")
    kind = raw.get("ty", "multi")
    if kind not in KINDS:
        raise InvalidHolder("holder field 'ty' must be 'single' or 'multi'")
    if raw["sx"] not in SEXES:
        raise InvalidHolder("holder field 'sx' must be F, M or X")
    _check_date(raw["dob"])
    if raw.get("no") and not CODE.fullmatch(raw["no"]):
        raise InvalidHolder(f"holder field 'no' {raw['no']!r} is not a permit number (capital letters, digits, dashes)")
    bad_cp = next((c for c in cp if not CODE.fullmatch(c)), None)
    if bad_cp is not None:
        raise InvalidHolder(f"holder field 'cp' holds {bad_cp!r}, not a checkpoint code like KH-PHD")
    return Holder(
        family_name=raw["fn"].strip().upper(),
        given_names=raw["gn"].strip().upper(),
        dob=raw["dob"],
        sex=raw["sx"],
        nationality=raw["nat"].upper(),
        document=raw["doc"],
        residence=raw["res"],
        checkpoints=tuple(cp),
        zone=raw["zn"],
        stay_days=stay,
        kind=kind,
        native_name=raw.get("nn") or None,
        photo=_photo(raw.get("ph"), base),
        number=raw.get("no") or None,
    )


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, KNOWN, n=1)
    return f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")


def _check_date(value: str) -> None:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidHolder(f"holder field 'dob' {value!r} is not a date like 1990-04-17") from None
    if len(value) != 10 or day.year < 1900:
        raise InvalidHolder(f"holder field 'dob' {value!r} is not a date like 1990-04-17 from 1900 on")


def _photo(value: Any, base: Path) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidHolder("holder field 'ph' must be the path of a JPEG file")
    path = (base / value) if not Path(value).is_absolute() else Path(value)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidHolder(f"cannot read photo {path}: {exc.strerror}") from None
    try:
        return fit_photo(data)
    except PhotoError as exc:
        raise InvalidHolder(f"photo {path}: {exc}") from None
