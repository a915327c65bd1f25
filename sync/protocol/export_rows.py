"""The records of a CSV or JSON export, read back and checked (the formats ``booth.report.csv_json`` writes).

CSV: UTF-8 with a byte-order mark, a header row (a local-time column, then every field of
``sync.protocol.records.FIELDS``), one row per record; an empty cell is null; a leading
apostrophe (written before text a spreadsheet would run as a formula) is taken off. JSON: one
object ``{"format": "booth-export", ..., "records": [...], "count": N}``, one record a line.

``check_records`` checks every row against its own hash and, given the ledger's (or HQ's)
hashes, against the records held under those numbers; the booth and HQ both use it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

from sync.protocol.errors import ExportSignatureInvalid, ExportUnreadable
from sync.protocol.export_signature import Manifest
from sync.protocol.records import FIELDS, Record, chain_hash

JSON_FORMAT = "booth-export"
INT_FIELDS = frozenset(f.name for f in fields(Record) if str(f.type).startswith("int"))


def read_csv(path: Path) -> Iterator[Record]:
    """The records of a CSV export, streamed."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or header[1:] != list(FIELDS) or not header[0].startswith("time"):
            raise ExportUnreadable(f"{path} is not a Booth CSV export (unexpected header)")
        for row in reader:
            if len(row) != len(FIELDS) + 1:
                raise ExportUnreadable(f"{path}: line {reader.line_num} has {len(row)} cells, not {len(FIELDS) + 1}")
            cells: dict[str, Any] = {name: _cell(name, value) for name, value in zip(FIELDS, row[1:], strict=True)}
            yield Record(**cells)


def _cell(name: str, value: str) -> int | str | None:
    if value == "":
        return None
    if name in INT_FIELDS:
        return int(value)
    return value[1:] if value.startswith("'") else value


def read_json(path: Path) -> Iterator[Record]:
    """The records of a JSON export, streamed line by line (our own layout: one record a line)."""
    with open(path, encoding="utf-8") as f:
        first = f.readline()
        if not first.startswith('{"format":"booth-export"'):
            raise ExportUnreadable(f"{path} is not a Booth JSON export")
        for line in f:
            line = line.rstrip("\n")
            if line in ('"records":[', ""):
                continue
            if line == "],":
                return
            data = json.loads(line.rstrip(","))
            yield Record(**{name: data.get(name) for name in FIELDS})


def read_records(path: Path, fmt: str) -> Iterator[Record]:
    if fmt == "csv":
        return read_csv(path)
    if fmt == "json":
        return read_json(path)
    raise ExportUnreadable(f"a {fmt} export holds no records to read back (only CSV and JSON do)")


def check_records(
    path: Path,
    manifest: Manifest,
    *,
    ledger_hash: Callable[[int], str | None] | None = None,
    held_through: int | None = None,
) -> int:
    """Every record of a CSV/JSON export against its own hash (each row carries ``prev_hash``
    and ``hash``: SHA-256 over the previous hash and the record's canonical bytes), and, with
    ``ledger_hash`` (seq -> hash, e.g. HQ's copy of the booth's records), against the ledger --
    only up to ``held_through`` when given (HQ holds a booth's records up to what it synced).
    Also checks the rows are the signed count and sequence range. Returns the count."""
    count, first, last = 0, None, None
    for record in _records(path, manifest.format):
        expected = chain_hash(record.prev_hash, record.canonical()) if len(record.prev_hash or "") == 64 else None
        if expected != record.hash:
            raise ExportSignatureInvalid(f"record #{record.seq} does not match its own hash: its content was changed")
        held = ledger_hash is not None and (held_through is None or record.seq <= held_through)
        if held and ledger_hash is not None and ledger_hash(record.seq) != record.hash:
            raise ExportSignatureInvalid(f"record #{record.seq} is not the one the ledger holds under that number")
        if last is not None and record.seq <= last:
            raise ExportSignatureInvalid(f"record #{record.seq} is out of order")
        first = record.seq if first is None else first
        last = record.seq
        count += 1
    if (count, first, last) != (manifest.records, manifest.first_seq, manifest.last_seq):
        raise ExportSignatureInvalid(
            f"the file holds {count} records (#{first}-#{last}); the signature says "
            f"{manifest.records} (#{manifest.first_seq}-#{manifest.last_seq})"
        )
    return count


def _records(path: Path, fmt: str) -> Iterator[Record]:
    try:
        yield from read_records(path, fmt)
    except (ValueError, TypeError) as exc:
        raise ExportSignatureInvalid(f"{path.name} cannot be read back as a {fmt} export: {exc}") from None
