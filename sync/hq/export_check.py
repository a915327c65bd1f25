"""HQ's check of a supervisor's signed export (shift log, day report) against what booths synced.

A booth signs each export with its own key (``sync.protocol.export_signature``). HQ holds every
enrolled booth's public key and its records up to what it synced, so HQ can check more than
an auditor with only the file: that the signature is by that booth's enrolled key, that the
chain head the export covers is the record HQ holds under that number (else the booth's
ledger was rewritten, or the export did not come from it), and, for CSV and JSON, that every
row is the very record HQ holds. Rows past what HQ holds yet are checked against their own
hashes only (``all_rows_at_hq`` is then false: sync the booth and check again).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.hq.errors import UnknownRecord
from sync.hq.store import SyncStore
from sync.protocol.errors import ExportSignatureInvalid, KeyFileError
from sync.protocol.export_rows import check_records
from sync.protocol.export_signature import Manifest, read_signature_file, signature_path, verify
from sync.protocol.keys import public_from_raw


@dataclass(frozen=True)
class HQExportCheck:
    manifest: Manifest
    held_through: int  # HQ holds the booth's records 1..held_through
    records_checked: int  # rows of a CSV/JSON export checked (0 for a PDF)
    all_rows_at_hq: bool  # every row was compared with HQ's copy (false: some are past what HQ holds)

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": True,
            **self.manifest.to_json(),
            "hq_holds_through": self.held_through,
            "records_checked": self.records_checked,
            "all_rows_at_hq": self.all_rows_at_hq,
        }


def verify_export(store: SyncStore, path: Path, *, sig_path: Path | None = None) -> HQExportCheck:
    """Check ``path`` against its signature and HQ's copy of the booth's records.

    ``ExportSignatureInvalid`` says why not (``ExportUnreadable``: a file cannot be read)."""
    sig_path = sig_path or signature_path(path)
    booth_id = read_signature_file(sig_path).manifest.booth_id  # not yet trusted: it only picks the key
    try:
        booth = store.booth(booth_id)
    except UnknownRecord:
        raise ExportSignatureInvalid(f"signed as booth {booth_id!r}, which HQ does not know") from None
    if booth.public_key is None:
        raise ExportSignatureInvalid(f"booth {booth_id} never enrolled: HQ has no key to check its signature with")
    try:
        public = public_from_raw(booth.public_key)
    except (ValueError, KeyFileError):
        raise ExportSignatureInvalid(f"HQ's key for booth {booth_id} is unreadable") from None
    manifest = verify(path, public, sig_path=sig_path)
    held = booth.acked_seq
    if manifest.head_seq <= held:
        stored = next(iter(store.records(booth_id, manifest.head_seq, manifest.head_seq)), None)
        if stored is None or stored.hash != manifest.head_hash:
            raise ExportSignatureInvalid(
                f"the chain head the export covers (#{manifest.head_seq}) is not the record "
                "HQ holds under that number: the booth's ledger was rewritten after it synced"
            )
    checked = 0
    if manifest.format in ("csv", "json") and manifest.records:
        first, last = manifest.first_seq or 1, manifest.last_seq or 0
        hashes = {r.seq: r.hash for r in store.records(booth_id, first, min(last, held))} if first <= held else {}
        checked = check_records(path, manifest, ledger_hash=hashes.get, held_through=held)
    return HQExportCheck(manifest, held, checked, (manifest.last_seq or 0) <= held)
