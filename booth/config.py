"""Where things live: data folders and the few tunables, in one typed place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "booth"


def default_booth_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


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


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")
