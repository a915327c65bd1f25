"""Writing files whole or not at all: a power cut or a pulled USB stick leaves the old file
or the new one, never half of one."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

BUFFER = 1 << 20


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary sibling, fsync it, rename it over ``path``, fsync the folder."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """Make renames in ``folder`` durable; best effort (some filesystems refuse a folder fsync)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sha256_of(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in 1 MiB blocks (constant memory)."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while block := f.read(BUFFER):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size
