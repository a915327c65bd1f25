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
    def root_public(self) -> Path:
        """The root's public half: what every command but a ceremony needs of the root."""
        return self.keys / "root.pub"

    @property
    def signer_key(self) -> Path:
        """The online signer's private key (PEM), or ``signer.uri`` naming it in a PKCS#11 token."""
        return self.keys / "signer.pem"

    @property
    def signer_uri(self) -> Path:
        return self.keys / "signer.uri"

    @property
    def signer_cert(self) -> Path:
        return self.keys / "signer.cert"

    @property
    def statement(self) -> Path:
        return self.keys / "statement.cose"

    @property
    def pending_signer_key(self) -> Path:
        """A new online signer's key, made by ``ceremony request``, waiting for its certificate."""
        return self.keys / "pending-signer.pem"

    @property
    def pending_signer_uri(self) -> Path:
        return self.keys / "pending-signer.uri"

    def retired_signer(self, stamp: str, suffix: str) -> Path:
        return self.keys / f"retired-signer-{stamp}{suffix}"

    @property
    def next_root_key(self) -> Path:
        return self.keys / "next-root.pem"

    @property
    def next_root_public(self) -> Path:
        return self.keys / "next-root.pub"

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
