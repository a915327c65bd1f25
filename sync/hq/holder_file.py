"""HOLDER.json -> permit fields, with one clear message per problem."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.hq.errors import InvalidHolder, PhotoError
from sync.hq.photo import fit_photo
from sync.protocol.permit import KINDS, SEXES

REQUIRED_TEXT = ("fn", "gn", "dob", "sx", "nat", "doc", "res", "zn")


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


def load_holder(path: Path) -> Holder:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidHolder(f"cannot read holder file {path}: {exc}") from None
    return holder_from_json(raw, base=path.parent)


def holder_from_json(raw: Any, base: Path = Path(".")) -> Holder:
    if not isinstance(raw, dict):
        raise InvalidHolder("holder file must hold a JSON object")
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
