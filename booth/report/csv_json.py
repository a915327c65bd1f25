"""CSV and JSON exports, streamed row by row (constant memory); reading them back is the wire
core's (``sync.protocol.export_rows``, HQ reads them too).

CSV: UTF-8 with a byte-order mark (so Excel and LibreOffice take it as UTF-8 and Khmer/Thai
names show), RFC 4180 (CRLF, quotes where needed), a header row, one row per record (scans
and overrides). The first column is the local time; then every ledger field, named as in
``sync.protocol.records.FIELDS``, so each row can be checked against its ``hash``. An empty
cell is null (the ledger never stores empty text). Text a spreadsheet would run as a formula
(starting with = + - @) or that starts with an apostrophe is written with one apostrophe in
front; ``read_csv`` takes it off again.

JSON: one object ``{"format": "booth-export", "version": 1, "report": {...}, "records": [...],
"count": N}``, one record per line, each record an object of the ledger fields. Both the
CSV cells and the JSON objects are made by SQLite (``Ledger.csv_rows``/``json_rows``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from threading import Event

from booth.ledger.store import Ledger, Selection
from booth.report.staging import BUFFER, ExportCancelled, HashingFile
from sync.protocol.export_rows import JSON_FORMAT, read_csv, read_json, read_records
from sync.protocol.records import FIELDS

CHUNK = 5000
Progress = Callable[[int, int], None]  # (done, total), total being an estimate
__all__ = ["JSON_FORMAT", "Progress", "Written", "read_csv", "read_json", "read_records", "write_csv", "write_json"]


@dataclass
class Written:
    records: int = 0
    first_seq: int | None = None
    last_seq: int | None = None


def _tick(sel: Selection, last_seq: int, progress: Progress | None, cancel: Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise ExportCancelled("the export was cancelled: nothing was written")
    if progress is not None:
        progress(last_seq - sel.first + 1, max(sel.last - sel.first + 1, 1))


def time_header(offset_label: str) -> str:
    return f"time ({offset_label})"


def write_csv(
    ledger: Ledger,
    sel: Selection,
    sink: HashingFile,
    *,
    utc_offset: int,
    offset_label: str,
    progress: Progress | None = None,
    cancel: Event | None = None,
) -> Written:
    """The header (by Python's csv module), then the lines SQLite makes (``Ledger.csv_rows``)."""
    out = Written()
    buffered = io.BufferedWriter(sink, BUFFER)
    head = io.StringIO()
    csv.writer(head).writerow([time_header(offset_label), *FIELDS])  # excel dialect: CRLF
    buffered.write(("\ufeff" + head.getvalue()).encode())
    cursor = ledger.csv_rows(sel, utc_offset=utc_offset)
    while rows := cursor.fetchmany(CHUNK):
        buffered.write(b"\r\n".join(line for _, line in rows) + b"\r\n")
        out.records += len(rows)
        if out.first_seq is None:
            out.first_seq = rows[0][0]
        out.last_seq = rows[-1][0]
        _tick(sel, out.last_seq, progress, cancel)
    buffered.flush()
    buffered.detach()
    return out


def write_json(
    ledger: Ledger,
    sel: Selection,
    sink: HashingFile,
    *,
    report: dict,
    progress: Progress | None = None,
    cancel: Event | None = None,
) -> Written:
    out = Written()
    buffered = io.BufferedWriter(sink, BUFFER)
    text = io.TextIOWrapper(buffered, encoding="utf-8", newline="\n", write_through=False)
    head = {"format": JSON_FORMAT, "version": 1, "report": report}
    text.write(json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1])
    text.write(',\n"records":[')
    cursor = ledger.json_rows(sel)
    sep = "\n"
    while rows := cursor.fetchmany(CHUNK):
        text.write(sep + ",\n".join(obj for _, obj in rows))
        sep = ",\n"
        out.records += len(rows)
        if out.first_seq is None:
            out.first_seq = rows[0][0]
        out.last_seq = rows[-1][0]
        _tick(sel, out.last_seq, progress, cancel)
    text.write(f'\n],\n"count":{out.records}}}\n')
    text.flush()
    text.detach()
    buffered.flush()
    buffered.detach()
    return out
