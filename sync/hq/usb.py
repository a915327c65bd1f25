"""The USB fallback at HQ: import the signed batches a supervisor exported to a stick.

Layout on the stick (written by the booth's export)::

    DIR/booth-<ID>/batch-<first>-<last>.bin   signed batches, exactly as they would be POSTed
    DIR/booth-<ID>/receipt-<last>.cose        receipts, written back here by the import
    DIR/trust.bundle                          the latest trust bundle, written back here

Each batch goes through ``SyncStore.accept_batch``, the same checks as over the network; a
batch that is refused (tampered, forked, out of order) is reported and the others still go in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.hq.bundles import BundleKeeper
from sync.hq.errors import SyncRefused
from sync.hq.facade import HQ
from sync.protocol.batch import MAX_WIRE, BatchRefused, peek_kid
from sync.protocol.errors import FileTooLarge, UnsafePath
from sync.protocol.files import atomic_write, read_capped

_BATCH = re.compile(r"batch-(\d+)-(\d+)\.bin")
BUNDLE_FILE = "trust.bundle"


@dataclass(frozen=True)
class Imported:
    path: Path  # relative to the stick's folder
    outcome: str  # accepted | duplicate | refused
    reason: str = ""
    detail: str = ""
    acked_seq: int | None = None

    def line(self) -> str:
        if self.outcome == "refused":
            acked = f"; HQ holds up to {self.acked_seq}" if self.acked_seq is not None else ""
            return f"{self.path}: refused: {self.reason} ({self.detail}{acked})"
        return f"{self.path}: {self.outcome} (acknowledged up to {self.acked_seq})"


def batch_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """(claimed booth id, file) for every batch on the stick, each booth's in sequence order."""
    for booth_dir in sorted(p for p in folder.glob("booth-*") if p.is_dir() and not p.is_symlink()):
        found = [
            (tuple(map(int, m.groups())), p)
            for p in booth_dir.iterdir()
            if (m := _BATCH.fullmatch(p.name)) and not p.is_dir()  # links and devices too: reported, not read
        ]
        for _, path in sorted(found):
            yield booth_dir.name.removeprefix("booth-"), path


def import_folder(hq: HQ, folder: Path, *, now: int) -> Iterator[Imported]:
    """Import every batch under ``folder``; write receipts and the latest bundle back."""
    if not folder.is_dir():
        raise FileNotFoundError(2, "no such folder", str(folder))
    key = hq.root_key()
    for claimed, path in batch_files(folder):
        yield _import_one(hq, folder, claimed, path, key, now)
    current = BundleKeeper(hq.paths.root, hq.sync_store).current(now)
    if current is not None:
        atomic_write(folder / BUNDLE_FILE, current[1])


def _import_one(hq: HQ, folder: Path, claimed: str, path: Path, key: Ed25519PrivateKey, now: int) -> Imported:
    rel = path.relative_to(folder)
    try:
        try:
            wire = read_capped(path, MAX_WIRE)  # no link, no device, no endless file from the stick
        except FileTooLarge:
            raise BatchRefused("too_large", f"the file is over {MAX_WIRE} bytes") from None
        except UnsafePath as exc:
            raise BatchRefused("unsafe_file", str(exc)) from None
        signer = hq.sync_store.booth_by_kid(peek_kid(wire))  # the key that signed it, not what it claims
        if signer is not None and (booth_id := signer.booth_id) != claimed:
            raise BatchRefused("misplaced", f"a batch of booth {booth_id!r} in the folder of {claimed!r}")
        result = hq.sync_store.accept_batch(wire, now, key)
    except BatchRefused as exc:
        acked = exc.acked_seq if isinstance(exc, SyncRefused) else None
        return Imported(rel, "refused", exc.reason, exc.detail, acked)
    atomic_write(path.parent / f"receipt-{result.acked_seq}.cose", result.receipt)
    return Imported(rel, result.status, acked_seq=result.acked_seq)
