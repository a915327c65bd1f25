"""Taking back from HQ the records a booth restored from a backup lacks (issue #16).

A booth whose disk died gets yesterday's copy of its folder back: its ledger ends at seq k,
while HQ holds its records up to n > k. HQ's latest receipt, signed by the root this booth
pinned, names n and the hash H of record n. The booth fetches k+1..n (``GET
/v1/records/{booth_id}``, unsigned), re-hashes every record itself from its own record k's
hash, and takes them only if the chain ends exactly at H: then its ledger was a prefix of
HQ's history and the records are HQ's, byte for byte. They go in verbatim, with an audit
record on top and the acked seq moved to n, in one transaction. Anything else appends nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from booth.ledger.store import Acked
from booth.service import Booth, Session
from sync.client.errors import BadReceipt, HistoryConflict, HQUnreachable, SyncError
from sync.client.proof import check_agreement, open_hq_receipt
from sync.protocol.batch import MAX_RECORDS, BatchRefused, Receipt, unpack_records
from sync.protocol.records import Record

Request = Callable[..., httpx.Response]


@dataclass(frozen=True)
class RestoreResult:
    booth: str
    ledger_seq: int  # the ledger's head before
    hq_seq: int  # what HQ's signed receipt says it holds
    taken: int  # records taken back (0: the ledger already had everything HQ holds)
    first: int | None = None
    last: int | None = None
    audit_seq: int | None = None  # the audit record written on top
    set_aside: int = 0  # this booth's own records moved out of the chain (``replace_local_tail``)
    aside_file: str | None = None  # where they were kept

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def line(self) -> str:
        if not self.taken:
            return f"nothing to take back: HQ holds records up to {self.hq_seq}, this ledger up to {self.ledger_seq}"
        aside = (
            f"set aside this booth's {self.set_aside} records after {self.first - 1} in {self.aside_file}; "
            if (self.set_aside and self.first)
            else ""
        )
        return (
            f"{aside}took back records {self.first}-{self.last} ({self.taken}) from HQ; "
            f"audit record {self.audit_seq} says so; the booth carries on from {self.audit_seq}"
        )


def restore(booth: Booth, request: Request, refused: Callable[[httpx.Response, str], SyncError]) -> RestoreResult:
    """Take back what HQ holds beyond this ledger's head, if the ledger is a prefix of it."""
    booth_id = booth.ledger.booth_id
    k, ours = booth.ledger.head()
    got = request("GET", f"/v1/receipts/{booth_id}")
    if got.status_code == 404:
        return RestoreResult(booth_id, k, 0, 0)
    if got.status_code != 200:
        raise refused(got, "the receipt request")
    receipt = open_hq_receipt(booth, got.content)  # signed by the pinned root, for this booth
    if receipt.acked_seq <= k:
        check_agreement(booth, receipt.acked_seq, receipt.head_hash)  # HQ holds no more: it must agree
        return RestoreResult(booth_id, k, receipt.acked_seq, 0)
    records = fetch(booth_id, request, refused, k + 1, receipt.acked_seq, ours)
    if records[-1].hash != receipt.head_hash:
        raise BadReceipt(
            f"the records HQ sent do not end at the head its receipt signs (record {receipt.acked_seq}): "
            "refused, nothing was taken back"
        )
    audit = booth.restore_records(records, _acked(receipt, got.content), note=_note(k + 1, receipt))
    return RestoreResult(booth_id, k, receipt.acked_seq, len(records), k + 1, receipt.acked_seq, audit.seq)


def replace_local_tail(
    booth: Booth, request: Request, refused: Callable[[httpx.Response, str], SyncError], *, by: Session
) -> RestoreResult:
    """A booth that recorded after a restore, before taking back (a fork): on a supervisor's
    word, its own records after the last one HQ shares move to a file in its data folder, HQ's
    take their place. HQ's records must chain from the last record HQ acknowledged to this
    booth and end at HQ's signed receipt; the copy aside is written (and synced) first."""
    booth_id = booth.ledger.booth_id
    got = request("GET", f"/v1/receipts/{booth_id}")
    if got.status_code != 200:
        raise refused(got, "the receipt request")
    receipt = open_hq_receipt(booth, got.content)
    acked = booth.ledger.acked_seq()  # proved by a receipt earlier: HQ holds 1..acked as we do
    head = booth.ledger.head()[0]
    if receipt.acked_seq <= acked:
        check_agreement(booth, receipt.acked_seq, receipt.head_hash)
        return RestoreResult(booth_id, head, receipt.acked_seq, 0)
    start = booth.ledger.genesis if acked == 0 else booth.ledger.record(acked).hash
    theirs = fetch(booth_id, request, refused, acked + 1, receipt.acked_seq, start)
    if theirs[-1].hash != receipt.head_hash:
        raise BadReceipt("the records HQ sent do not end at the head its receipt signs: refused, nothing was changed")
    keep = _shared(booth, acked, theirs)
    tail = list(booth.ledger.records(keep + 1, head))
    taken = theirs[keep - acked :]
    if not tail:  # nothing of ours to set aside: a plain restore
        audit = booth.restore_records(taken, _acked(receipt, got.content), note=_note(keep + 1, receipt))
        return RestoreResult(booth_id, head, receipt.acked_seq, len(taken), keep + 1, receipt.acked_seq, audit.seq)
    path, digest = set_aside(booth, tail, receipt)
    note = f"set aside this booth's records {keep + 1}-{head} in {path.name} (sha256 {digest}); " + _note(
        keep + 1, receipt
    )
    audit = booth.replace_tail(keep, taken, _acked(receipt, got.content), by=by, note=note)
    return RestoreResult(
        booth_id, head, receipt.acked_seq, len(taken), keep + 1, receipt.acked_seq, audit.seq, len(tail), str(path)
    )


def _shared(booth: Booth, acked: int, theirs: list[Record]) -> int:
    """The last seq at which this ledger and HQ's records agree (at least ``acked``)."""
    keep = acked
    for hq_record, ours in zip(theirs, booth.ledger.records(acked + 1, theirs[-1].seq), strict=False):
        if hq_record.hash != ours.hash:
            break
        keep = ours.seq
    return keep


def set_aside(booth: Booth, tail: list[Record], receipt: Receipt) -> tuple[Path, str]:
    """Write ``tail`` to ``restored-aside-<time>.json`` in the data folder (0600, synced); its SHA-256."""
    stamp = booth.clock.now()
    document = {
        "kind": "booth-restored-aside",
        "booth_id": booth.ledger.booth_id,
        "set_aside_at": stamp,
        "reason": f"HQ holds records up to {receipt.acked_seq} (receipt head {receipt.head_hash}) that differ",
        "records": [r.to_json() for r in tail],
    }
    data = json.dumps(document, ensure_ascii=False, indent=1).encode()
    path = booth.data_dir / f"restored-aside-{stamp}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return path, hashlib.sha256(data).hexdigest()


def fetch(
    booth_id: str,
    request: Request,
    refused: Callable[[httpx.Response, str], SyncError],
    first: int,
    last: int,
    prev: str,
) -> list[Record]:
    """Records ``first..last`` from HQ, page by page, each page chained from the one before
    (the first from ``prev``, this ledger's own head hash); every hash recomputed here."""
    records: list[Record] = []
    while first <= last:
        limit = min(MAX_RECORDS, last - first + 1)
        response = request("GET", f"/v1/records/{booth_id}?from={first}&limit={limit}")
        if response.status_code != 200:
            raise refused(response, f"the request for records {first}-{last}")
        try:
            page = unpack_records(response.content, booth_id)
        except BatchRefused as exc:
            raise HQUnreachable(f"HQ's records from {first} are unreadable ({exc.reason}: {exc.detail})") from None
        if page.first_seq != first or page.last_seq > last:
            raise BadReceipt(f"HQ sent records {page.first_seq}-{page.last_seq}, not from {first} up to {last}")
        if page.prev_hash != prev:
            raise HistoryConflict(
                f"HQ's record {first} does not chain from this booth's record {first - 1}: the histories differ "
                "(a real fork); nothing was taken back, keep the ledger as evidence and call HQ"
            )
        records.extend(page.records)
        first, prev = page.last_seq + 1, page.head_hash
    return records


def _acked(receipt: Receipt, data: bytes) -> Acked:
    return Acked(receipt.acked_seq, receipt.head_hash, data, receipt.at)


def _note(first: int, receipt: Receipt) -> str:
    return (
        f"restored records {first}-{receipt.acked_seq} from HQ "
        f"(receipt: acked {receipt.acked_seq}, head {receipt.head_hash[:16]}, HQ time {receipt.at})"
    )
