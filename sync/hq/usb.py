"""The USB fallback at HQ: import the signed batches a supervisor exported to a stick.

Layout on the stick (written by the booth's export)::

    DIR/booth-<ID>/batch-<first>-<last>.bin   signed batches, exactly as they would be POSTed
    DIR/booth-<ID>/receipt-<last>.cose        receipts, written back here by the import
    DIR/trust.bundle                          the latest trust bundle, written back here
    DIR/booth-<ID>/enrol-request.cose         a booth's signed enrolment request (no network at all)
    DIR/booth-<ID>/enrol-answer.cose          HQ's answer, signed by the root, written back here

Enrolment requests are taken first, through ``SyncStore.enrol`` (the same one-time token rules
as ``POST /v1/enrol``), so the batches of a booth enrolled by the same stick go in too. Each
batch goes through ``SyncStore.accept_batch``, the same checks as over the network; a
batch that is refused (tampered, forked, out of order) is reported and the others still go in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sync.hq.bundles import BundleKeeper
from sync.hq.errors import EnrolmentRefused, SyncRefused
from sync.hq.facade import HQ
from sync.hq.signers import OnlineSigner
from sync.protocol.batch import MAX_WIRE, BatchRefused, peek_kid
from sync.protocol.enrolment import MAX_REQUEST_BYTES, EnrolAnswer, open_request, sign_answer
from sync.protocol.errors import DocumentRefused, FileTooLarge, KeyFileError, UnsafePath
from sync.protocol.files import atomic_write, read_capped

_BATCH = re.compile(r"batch-(\d+)-(\d+)\.bin")
BUNDLE_FILE = "trust.bundle"
REQUEST_FILE = "enrol-request.cose"
ANSWER_FILE = "enrol-answer.cose"


@dataclass(frozen=True)
class Imported:
    path: Path  # relative to the stick's folder
    outcome: str  # accepted | duplicate | refused
    reason: str = ""
    detail: str = ""
    acked_seq: int | None = None

    def line(self) -> str:
        if self.outcome == "enrolled":
            return f"{self.path}: booth enrolled ({self.detail})"
        if self.outcome == "refused":
            acked = f"; HQ holds up to {self.acked_seq}" if self.acked_seq is not None else ""
            return f"{self.path}: refused: {self.reason} ({self.detail}{acked})"
        return f"{self.path}: {self.outcome} (acknowledged up to {self.acked_seq})"


def booth_dirs(folder: Path) -> list[Path]:
    """The booths' folders on the stick (a link is not one)."""
    return sorted(p for p in folder.glob("booth-*") if p.is_dir() and not p.is_symlink())


def batch_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """(claimed booth id, file) for every batch on the stick, each booth's in sequence order."""
    for booth_dir in booth_dirs(folder):
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
    key = hq.signers.ensure(now=now)
    for booth_dir in booth_dirs(folder):
        request = booth_dir / REQUEST_FILE
        if request.exists() or request.is_symlink():
            yield _enrol_one(hq, folder, booth_dir.name.removeprefix("booth-"), request, key, now)
    for claimed, path in batch_files(folder):
        yield _import_one(hq, folder, claimed, path, key, now)
    current = BundleKeeper(hq.paths.root, hq.sync_store, hq.passphrase).current(now)
    if current is not None:
        atomic_write(folder / BUNDLE_FILE, current[1])


def _import_one(hq: HQ, folder: Path, claimed: str, path: Path, key: OnlineSigner, now: int) -> Imported:
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


def _enrol_one(hq: HQ, folder: Path, claimed: str, path: Path, key: OnlineSigner, now: int) -> Imported:
    """Enrol the booth of a request on the stick, as ``POST /v1/enrol`` would; write the signed answer."""
    rel = path.relative_to(folder)
    try:
        request = open_request(read_capped(path, MAX_REQUEST_BYTES))
        if request.booth_id != claimed:
            return Imported(rel, "refused", "misplaced", f"a request of booth {request.booth_id!r} in {claimed!r}")
        booth = hq.sync_store.enrol(request.booth_id, request.token, request.public_key, now=now)
    except (FileTooLarge, UnsafePath, DocumentRefused, KeyFileError) as exc:
        return Imported(rel, "refused", "bad_format", str(exc))
    except EnrolmentRefused:
        return Imported(rel, "refused", "bad_token", "unknown booth, wrong token, or a token already used")
    answer = EnrolAnswer(booth.booth_id, booth.checkpoint, request.public_key, key.cert.root_public_key, now)
    atomic_write(path.parent / ANSWER_FILE, sign_answer(answer, key.key, key.cert_data))
    detail = f"{booth.booth_id} at {booth.checkpoint}; answer written to {rel.parent / ANSWER_FILE}"
    return Imported(rel, "enrolled", detail=detail)
