"""The latest trust bundle, kept at ``<hq data dir>/bundles/latest.cose`` for the server to serve.

Every bundle HQ builds is offered here; it replaces the file only if its version is higher,
under a file lock, so a CLI build and a server rebuild racing can never leave an older one.
The file is written to a temporary name, flushed to disk and renamed over the old one.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sync.protocol.bundle import TrustBundle, open_bundle
from sync.protocol.errors import DocumentRefused
from sync.protocol.files import atomic_write

BUNDLES_DIR = "bundles"
LATEST_FILE = "latest.cose"


def latest_path(data_dir: Path) -> Path:
    return Path(data_dir) / BUNDLES_DIR / LATEST_FILE


def load_latest(data_dir: Path) -> tuple[TrustBundle, bytes] | None:
    path = latest_path(data_dir)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return open_bundle(data, own_file=True), data  # HQ's own file: one from before the root header is read


def save_latest(data_dir: Path, bundle: TrustBundle, data: bytes) -> bool:
    """Make ``data`` the latest bundle unless a newer one is there; return whether it was written."""
    path = latest_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _locked(path.parent / ".lock"):
        try:
            current = load_latest(data_dir)
        except DocumentRefused:
            current = None  # a damaged file is replaced
        if current is not None and current[0].version >= bundle.version:
            return False
        atomic_write(path, data)
    return True


@contextmanager
def _locked(lock_file: Path) -> Iterator[None]:
    with open(lock_file, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
