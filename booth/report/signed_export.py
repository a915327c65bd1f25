"""Making a signed export: CSV, JSON or PDF, with its detached signature, atomically.

Order of work: everything is read from one ledger snapshot and written to temporary files
in the target folder (hashed as written); the signature is made over the finished file's
SHA-256; the caller's ``before_commit`` (the service appends the ``export`` audit record
there) runs; only then do both files take their names. A failure at any step leaves neither
file behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from threading import Event

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from booth.ledger.store import Ledger
from booth.report import pdf
from booth.report.csv_json import Progress, Written, write_csv, write_json
from booth.report.model import ReportFilter, collect, offset_label, report_offset, shift_of
from booth.report.signature import FORMATS, Manifest, booth_errors, sign, signature_path
from booth.report.staging import ExportError, Staged, check_target
from sync.protocol import export_rows
from sync.protocol.keys import Signer


@dataclass(frozen=True)
class ExportResult:
    path: Path
    signature: Path
    manifest: Manifest

    def to_json(self) -> dict:
        return {"file": str(self.path), "signature": str(self.signature), **self.manifest.to_json()}


def export(
    ledger: Ledger,
    flt: ReportFilter,
    fmt: str,
    out: Path,
    *,
    key: Ed25519PrivateKey | Signer,
    now: int,
    tz: dt.tzinfo,
    by: str | None = None,
    checkpoint_names: dict[str, str] | None = None,
    progress: Progress | None = None,
    cancel: Event | None = None,
    before_commit: Callable[[Manifest], None] | None = None,
) -> ExportResult:
    """Write ``out`` and ``out.sig``; return what was signed."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    check_target(out)
    with Staged() as staged:
        with ledger.snapshot():
            shift = shift_of(ledger, flt)
            offset = report_offset(flt, shift, tz)
            seconds = int(offset.utcoffset(None).total_seconds())
            head_seq, head_hash = ledger.head()
            sel = ledger.selection(**flt.where())
            sink = staged.open(out)
            with staged.guard(out):
                if fmt == "csv":
                    written = write_csv(
                        ledger,
                        sel,
                        sink,
                        utc_offset=seconds,
                        offset_label=offset_label(offset),
                        progress=progress,
                        cancel=cancel,
                    )
                else:
                    report = collect(ledger, flt, now=now, tz=tz, checkpoint_names=checkpoint_names)
                    if fmt == "json":
                        written = write_json(
                            ledger, sel, sink, report=report.to_json(), progress=progress, cancel=cancel
                        )
                    else:
                        if progress is not None:
                            progress(0, 1)
                        sink.write(pdf.render(report, file_name=out.name))
                        written = Written(report.records, report.first_seq, report.last_seq)
                        if progress is not None:
                            progress(1, 1)
            staged.finish(sink)
        manifest = Manifest(
            ledger.booth_id,
            ledger.checkpoint,
            out.name,
            fmt,
            sink.size,
            sink.sha256.hexdigest(),
            written.records,
            written.first_seq,
            written.last_seq,
            head_seq,
            head_hash,
            flt,
            now,
            by,
            offset_label(offset),
        )
        sig = signature_path(out)
        sig_sink = staged.open(sig)
        with staged.guard(sig):
            sig_sink.write(sign(manifest, key))
        staged.finish(sig_sink)
        if before_commit is not None:
            before_commit(manifest)
        staged.commit()
    return ExportResult(out, sig, manifest)


def check_records(
    path: Path,
    manifest: Manifest,
    *,
    ledger_hash: Callable[[int], str | None] | None = None,
    held_through: int | None = None,
) -> int:
    """``sync.protocol.export_rows.check_records``, refusing with the booth's ``ExportInvalid``."""
    with booth_errors():
        return export_rows.check_records(path, manifest, ledger_hash=ledger_hash, held_through=held_through)
