"""Where things live: data folders and the few tunables, in one typed place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "booth"
DAY = 86_400


def default_booth_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_hq_dir() -> Path:
    return Path(platformdirs.user_data_dir("booth-hq", appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class BoothPaths:
    root: Path

    @property
    def settings(self) -> Path:
        return self.root / "booth.json"

    def ensure(self) -> BoothPaths:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self


@dataclass(frozen=True)
class HQPaths:
    root: Path

    @property
    def database(self) -> Path:
        return self.root / "hq.db"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def root_key(self) -> Path:
        return self.keys / "root.pem"

    @property
    def next_root_key(self) -> Path:
        return self.keys / "next-root.pem"

    def retired_root_key(self, stamp: str) -> Path:
        return self.keys / f"retired-root-{stamp}.pem"

    def issuer_key(self, office: str) -> Path:
        return self.keys / "issuers" / f"{safe_name(office)}.pem"

    def ensure(self) -> HQPaths:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self


def safe_name(code: str) -> str:
    """A code usable as a file name (office and permit codes are A-Z, 0-9 and '-')."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in code)
    if not cleaned or cleaned.startswith("."):
        raise ValueError(f"{code!r} cannot name a file")
    return cleaned


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")
