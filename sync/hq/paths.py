"""Where HQ keeps its files: the data folder, its database and its keys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs


def default_hq_dir() -> Path:
    return Path(platformdirs.user_data_dir("booth-hq", appauthor=False))


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

    @property
    def watchlist_key(self) -> Path:
        return self.keys / "watchlist.key"

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
