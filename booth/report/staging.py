"""Writing exports safely: all the files of an export land together, or none does.

Each file is written under a hidden temporary name in the target folder (same filesystem, so
the final ``os.replace`` is atomic), hashed as it is written, fsynced, and only then renamed.
Any failure — a missing folder, a full USB stick, a stick pulled out — removes the temporary
files and raises one ``ExportError`` with a sentence a supervisor can act on.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import tempfile
from pathlib import Path
from types import TracebackType

from booth.errors import ExportCancelled, ExportError
from sync.protocol.files import sha256_of, sync_folder

BUFFER = 1 << 20
__all__ = [
    "BUFFER",
    "ExportCancelled",
    "ExportError",
    "HashingFile",
    "Staged",
    "check_target",
    "sha256_of",
    "translate",
]


def check_target(path: Path) -> Path:
    """The folder ``path`` is to be written in; a clear error if it is not there."""
    folder = path.parent
    if path.is_dir():
        raise ExportError(f"{path} is a folder: give the export's file name (e.g. {path / 'shift.csv'})")
    if not folder.is_dir():
        raise ExportError(f"the folder {folder} does not exist (is the USB stick plugged in?): nothing was written")
    return folder


def translate(exc: OSError, folder: Path) -> ExportError:
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return ExportError(
            f"the disk holding {folder} is full: the export was not written (nothing was left "
            "behind); free some space or use another USB stick"
        )
    if code == errno.EROFS:
        return ExportError(f"{folder} is read-only (a locked USB stick?): the export was not written")
    if code in (errno.EACCES, errno.EPERM):
        return ExportError(f"no permission to write in {folder}: the export was not written")
    if code in (errno.ENOENT, errno.ENODEV, errno.EIO, errno.ENXIO):
        return ExportError(f"{folder} went away while writing (USB stick removed?): the export was not written")
    return ExportError(f"cannot write in {folder} ({exc.strerror or exc}): the export was not written")


class HashingFile(io.RawIOBase):
    """A raw binary sink that keeps the SHA-256 and the size of everything written to it."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._file = io.FileIO(fd, "wb", closefd=True)
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        total = len(view)
        while view:
            n = self._file.write(view)
            view = view[n:]
        self.sha256.update(data)
        self.size += total
        return total

    def sync(self) -> None:
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


class Staged:
    """Files staged in their target folders; ``commit`` puts them all in place.

    Use as a context manager: leaving it by an exception (or without ``commit``) removes
    every temporary file."""

    def __init__(self) -> None:
        self._files: list[tuple[Path, Path, HashingFile]] = []  # (temporary, final, sink)
        self._committed = False

    def open(self, final: Path) -> HashingFile:
        folder = check_target(final)
        try:
            fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{final.name}.", suffix=".part")
        except OSError as exc:
            raise translate(exc, folder) from None
        sink = HashingFile(fd)
        self._files.append((Path(temp), final, sink))
        return sink

    def guard(self, final: Path) -> _Guard:
        """``with staged.guard(path):`` turns an OSError while writing ``path`` into an ExportError."""
        return _Guard(final.parent)

    def finish(self, sink: HashingFile) -> None:
        """Flush ``sink`` to the disk (fsync) and close it."""
        folder = next(final.parent for _, final, s in self._files if s is sink)
        with _Guard(folder):
            sink.sync()
            sink.close()

    def commit(self) -> None:
        for _, _, sink in self._files:
            if not sink.closed:
                self.finish(sink)
        for temp, final, _ in reversed(self._files):  # the signature first: never an unsigned export
            with _Guard(final.parent):
                os.replace(temp, final)
        for folder in {final.parent for _, final, _ in self._files}:
            sync_folder(folder)
        self._committed = True

    def discard(self) -> None:
        for temp, _, sink in self._files:
            try:
                sink.close()
            except OSError:
                pass
            try:
                temp.unlink(missing_ok=True)
            except OSError:
                pass

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self._committed:
            self.discard()


class _Guard:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if isinstance(exc, OSError):
            raise translate(exc, self.folder) from None
