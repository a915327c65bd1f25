"""Sync by USB stick when there is no link: the same signed batches, carried by hand.

Layout (``booth-hq import DIR`` reads and writes it)::

    DIR/booth-<ID>/batch-<first>-<last>.bin   written here: the wire bytes of ``seal_batch``
    DIR/booth-<ID>/receipt-<last>.cose        written by HQ: its signed receipt
    DIR/trust.bundle                          written by HQ: its newest trust bundle

``export_to`` first takes in what HQ left on the stick (receipts advance the acknowledged
seq, the newest acceptable bundle is installed), then writes every record HQ has not
acknowledged, at most 5,000 to a file, and removes the batch files HQ has acknowledged.
The stick is never trusted: a receipt counts only if the pinned root signed it and the ledger
agrees with it, a bundle goes through ``Booth.install_bundle`` (signature, root, rollback),
and anything bad is reported and skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from booth.errors import ConfigError, TrustError
from booth.service import Booth
from booth.trust import fresher_statement, root_check, trusted_roots
from sync.client.errors import HistoryConflict, SyncError
from sync.client.proof import check_receipt
from sync.protocol.batch import Batch, BatchRefused, make_batch, seal_batch
from sync.protocol.bundle import MAX_BUNDLE_BYTES, TrustBundle, open_bundle
from sync.protocol.errors import WireError
from sync.protocol.files import atomic_write, read_capped, sync_folder
from sync.protocol.records import Record

USB_BATCH = 5000  # records per file
MAX_RECEIPT_BYTES = 64 * 1024
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_BATCH_FILE = re.compile(r"batch-(\d+)-(\d+)\.bin")


@dataclass
class UsbReport:
    folder: Path
    acked_before: int = 0
    acked_seq: int = 0
    receipts_accepted: int = 0
    bundle_installed: int | None = None  # the version installed from the stick
    written: list[str] = field(default_factory=list)
    records: int = 0
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files refused, with why
    alarms: list[str] = field(default_factory=list)  # signed by HQ yet contradicting the ledger
    lines: list[str] = field(default_factory=list)  # what happened, for the operator

    def say(self, line: str) -> None:
        self.lines.append(line)

    def problem(self, line: str) -> None:
        self.problems.append(line)
        self.lines.append(f"refused {line}")

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "acked_before": self.acked_before,
            "acked_seq": self.acked_seq,
            "receipts_accepted": self.receipts_accepted,
            "bundle_installed": self.bundle_installed,
            "files": self.written,
            "records": self.records,
            "removed": self.removed,
            "problems": self.problems,
            "alarms": self.alarms,
        }


def booth_folder(folder: Path, booth_id: str) -> Path:
    if not _SAFE_ID.fullmatch(booth_id):
        raise ConfigError(f"booth id {booth_id!r} cannot name a folder on the stick")
    return folder / f"booth-{booth_id}"


def export_to(booth: Booth, folder: Path) -> UsbReport:
    """Take in HQ's receipts and bundle from the stick, then write the unacknowledged records."""
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder (is the stick mounted?)")
    mine = booth_folder(folder, booth.ledger.booth_id)
    if mine.is_symlink() or (mine.exists() and not mine.is_dir()):
        raise ConfigError(f"{mine} on the stick is not a plain folder; refusing to use it")
    mine.mkdir(exist_ok=True)
    report = UsbReport(folder, acked_before=booth.ledger.acked_seq())
    if booth.trust.pinned_root() is None and (mine / "enrol-answer.cose").exists():
        report.say(f"HQ's enrolment answer is on the stick: booth enrol --usb {folder} --finish --pin FINGERPRINT")
    _take_receipts(booth, mine, report)
    _take_bundle(booth, folder, report)
    _write_batches(booth, mine, report)
    return report


def _take_receipts(booth: Booth, mine: Path, report: UsbReport) -> None:
    best = None
    for path in sorted(mine.glob("receipt-*.cose")):
        try:
            data = read_capped(path, MAX_RECEIPT_BYTES)
            receipt = check_receipt(booth, data)
        except HistoryConflict as exc:
            report.alarms.append(f"{path.name}: {exc}")
            report.problem(f"{path.name}: {exc}")
            continue
        except (SyncError, WireError, OSError, ValueError) as exc:
            report.problem(f"{path.name}: {exc}")
            continue
        report.receipts_accepted += 1
        if best is None or receipt.acked_seq > best[0].acked_seq:
            best = (receipt, data)
    if best is not None:
        receipt, data = best
        if booth.ledger.set_acked(
            receipt.acked_seq, receipt.head_hash, data, receipt_at=receipt.at, at=booth.clock.now()
        ):
            report.say(f"HQ's receipt acknowledges records up to {receipt.acked_seq}")
    report.acked_seq = booth.ledger.acked_seq()


def _order(bundle: TrustBundle) -> tuple[int, int]:
    """Newest first: by root statement (a newer one restarts versions), then by version."""
    return (bundle.statement.serial if bundle.statement else 0, bundle.version)


def _take_bundle(booth: Booth, folder: Path, report: UsbReport) -> None:
    """Install the newest bundle on the stick that the booth accepts."""
    try:
        current = booth.trust.current()
    except TrustError:
        current = None
    pinned = booth.trust.pinned_root()
    # Only bundles signed by a root this booth trusts are decoded at all (a stick is never trusted).
    check, roots = root_check(pinned, current, None), trusted_roots(pinned, current)
    candidates = []
    for path in _bundle_files(folder):
        try:
            data = read_capped(path, MAX_BUNDLE_BYTES)
            held = current.statement if current is not None else None
            opened = open_bundle(data, trust=check, known=roots, held=held, now=booth.clock.now())
            candidates.append((_order(opened), path, data, opened))
        except (WireError, TrustError, OSError, ValueError) as exc:
            report.problem(f"{_name(folder, path)}: {exc}")
    for _, path, data, opened in sorted(candidates, key=lambda c: c[0], reverse=True):
        name, version = _name(folder, path), opened.version
        fresher = fresher_statement(opened, current)
        if current is not None and version == current.version and not fresher:
            report.say(f"{name}: version {version} is the one installed")
            return
        if current is not None and version < current.version and not fresher:
            report.problem(f"{name}: version {version} is older than the installed {current.version} (rollback)")
            continue
        try:
            booth.install_bundle(data)
        except TrustError as exc:
            report.problem(f"{name}: {exc}")
            continue
        report.bundle_installed = version
        report.say(f"installed trust bundle version {version} from {name}")
        if not booth.trust.require().watch_readable(booth.trust.watchlist_key()):
            # A stick never carries HQ's watchlist key: it reaches a booth only over the link.
            report.say(
                "warning: this booth lacks HQ's watchlist key for this bundle: every scan says "
                "watchlist_unreadable until it syncs with HQ once, or the key is entered (booth bundle key)"
            )
        return


def _bundle_files(folder: Path) -> list[Path]:
    found = {folder / "trust.bundle", *folder.glob("*.bundle"), *folder.glob("booth-*/trust.bundle")}
    return sorted(p for p in found if p.exists() or p.is_symlink())


def _write_batches(booth: Booth, mine: Path, report: UsbReport) -> None:
    ledger = booth.ledger
    acked, head = ledger.acked_seq(), ledger.head()[0]
    key = booth.signing_key()
    # The export is itself on record, and travels in the files it writes.
    booth.audit("usb_export", note=f"records {acked + 1}-{head + 1} to {mine}")
    head += 1
    keep = set()
    for first in range(acked + 1, head + 1, USB_BATCH):
        for batch, wire in _sealed(list(ledger.records(first, min(head, first + USB_BATCH - 1))), key):
            name = f"batch-{batch.first_seq}-{batch.last_seq}.bin"
            atomic_write(mine / name, wire)
            keep.add(name)
            report.written.append(name)
            report.records += len(batch.records)
    for path in sorted(mine.glob("batch-*.bin")):
        if path.name not in keep and _BATCH_FILE.fullmatch(path.name):
            path.unlink()  # acknowledged by HQ, or re-cut into the files just written
            report.removed.append(path.name)
    sync_folder(mine)
    report.say(f"wrote records {acked + 1}-{head} in {len(report.written)} file(s) to {mine}")


def _sealed(records: list[Record], key: Ed25519PrivateKey) -> Iterator[tuple[Batch, bytes]]:
    """``records`` sealed as one batch, or as halves (and so on) if HQ could not inflate it whole."""
    batch = make_batch(records)
    try:
        yield batch, seal_batch(batch, key)
    except BatchRefused:
        if len(records) == 1:
            raise
        half = len(records) // 2
        yield from _sealed(records[:half], key)
        yield from _sealed(records[half:], key)


def _name(folder: Path, path: Path) -> str:
    return str(path.relative_to(folder))
