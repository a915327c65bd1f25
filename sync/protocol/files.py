"""Writing files whole or not at all, and never through a link someone else planted.

A power cut or a pulled USB stick leaves the old file or the new one, never half of one. A
folder on a stick, an import folder or a booth's data folder may hold links made by whoever
had the stick or the PC: a temporary file named like ours that points at HQ's root key or
the booth's ledger must not be written through. So the temporary file is a fresh, randomly
named file made with ``O_CREAT | O_EXCL | O_NOFOLLOW`` in the target folder, and a target
that is itself a link, or a folder that is a link, is refused.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import sqlite3
import stat
from pathlib import Path
from typing import BinaryIO

from sync.protocol.errors import FileTooLarge, UnsafePath

BUFFER = 1 << 20

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to a fresh temporary sibling, fsync it, rename it over ``path``, fsync the folder.

    Raises ``UnsafePath`` when ``path`` or its folder is a symbolic link (nothing is written)."""
    check_not_linked(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


def read_capped(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most ``limit`` of them, opened without following a link.

    For files from outside (a USB stick, an import folder): a link planted there could aim at a
    key, a device that never ends (``/dev/zero``) or a fifo that blocks; all are refused."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePath(f"{path} is a symbolic link; refusing to read it") from None
        raise
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePath(f"{path} is not a regular file; refusing to read it")
        if info.st_size > limit:  # refused before a byte is read; the capped read below still holds
            raise FileTooLarge(f"{path} is larger than {limit} bytes; refused")
        data = _read_upto(f, limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"{path} is larger than {limit} bytes; refused")
    return data


def _read_upto(f: BinaryIO, most: int) -> bytes:
    """At most ``most`` bytes, in chunks: ``f.read(most)`` would allocate ``most`` bytes at once
    even for an empty file."""
    chunks, left = [], most
    while left > 0 and (chunk := f.read(min(left, 1 << 20))):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def check_not_linked(path: Path) -> None:
    """Refuse a target that is a symbolic link, or whose folder is one (on a stick: someone else's)."""
    for candidate, what in ((path.parent, "folder"), (path, "file")):
        try:
            info = candidate.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode):
            raise UnsafePath(f"{candidate} is a symbolic link; refusing to write the {what} through it")


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


def sqlite_read_only(path: Path, probe: str = "SELECT count(*) FROM sqlite_master") -> sqlite3.Connection:
    """A SQLite database opened so that nothing is written, not even the WAL's index: a seized
    disk, an archive, a read-only mount. With its ``-wal`` file present SQLite reads through it
    (``mode=ro``); where that cannot work on a read-only medium and the ``-wal`` holds nothing,
    the file is read as it is (``immutable``); otherwise UnsafePath says what to do."""
    uri = path.resolve().as_uri()
    wal = path.with_name(path.name + "-wal")
    try:
        con = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        con.execute(probe).fetchone()
    except sqlite3.OperationalError:
        if wal.exists() and wal.stat().st_size > 0:
            raise UnsafePath(
                f"{path} has unsaved pages in {wal.name} and its folder is read-only: copy the folder to a "
                "writable place and read the copy"
            ) from None
        con = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA query_only=ON")
    return con
