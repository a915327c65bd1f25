"""What the booth accepts as HQ's word: receipts signed by HQ's online signer, matching the ledger.

Shared by the network client and the USB export: a receipt is believed only if it is signed
by an online signer certified for receipts by the root this booth pinned at enrolment (or the
next root its installed bundle announced), valid at the booth's time and not revoked by the
root statement of the installed bundle,
names this booth, and acknowledges a record this ledger holds with the same hash. A signed
receipt that disagrees with the ledger is HQ's own word that the histories differ: an alarm.
"""

from __future__ import annotations

import hmac

from booth.errors import TrustError
from booth.service import Booth
from sync.client.errors import BadReceipt, ForkDetected, HistoryConflict, NotEnrolled
from sync.protocol.batch import BatchRefused, Receipt, open_receipt
from sync.protocol.bundle import TrustBundle
from sync.protocol.errors import DocumentRefused


def trusted_roots(booth: Booth) -> list[bytes]:
    """The pinned HQ root, and the next root the installed bundle announces (rotation)."""
    pinned = booth.trust.pinned_root()
    if pinned is None:
        raise NotEnrolled("no HQ root is pinned: run `booth enrol --hq URL --token T` first")
    roots = [pinned]
    current = _installed(booth)
    if current is not None and current.next_root_public_key and current.next_root_public_key != pinned:
        roots.append(current.next_root_public_key)
    return roots


def _installed(booth: Booth) -> TrustBundle | None:
    try:
        return booth.trust.current()
    except TrustError:
        return None


def open_hq_receipt(booth: Booth, data: bytes) -> Receipt:
    """Check the signature (an online signer the pinned root certified, not revoked by the root
    statement installed, valid now) and the booth; raise ``BadReceipt`` otherwise."""
    roots = trusted_roots(booth)
    current = _installed(booth)

    def trust(root: bytes) -> None:
        if not any(hmac.compare_digest(root, r) for r in roots):
            raise DocumentRefused("its signer is certified by a root this booth does not trust")

    rules = current.statement.signer_rules() if current is not None and current.statement is not None else None
    try:
        receipt = open_receipt(data, trust=trust, rules=rules, now=booth.clock.now())
    except BatchRefused as exc:
        raise BadReceipt(f"a receipt is not HQ's ({exc.detail})") from None
    if not isinstance(receipt.acked_seq, int) or not isinstance(receipt.at, int) or receipt.acked_seq < 0:
        raise BadReceipt("a receipt has malformed fields")
    if receipt.booth_id != booth.ledger.booth_id:
        raise BadReceipt(f"a receipt is for booth {receipt.booth_id!r}, not this booth ({booth.ledger.booth_id})")
    return receipt


def check_receipt(booth: Booth, data: bytes) -> Receipt:
    """A receipt HQ signed for this booth whose acknowledged record is in this ledger, same hash."""
    receipt = open_hq_receipt(booth, data)
    check_agreement(booth, receipt.acked_seq, receipt.head_hash)
    return receipt


def check_agreement(booth: Booth, seq: int, digest: str | None) -> None:
    """Raise a ``HistoryConflict`` unless the ledger holds ``seq`` with hash ``digest``."""
    head_seq = booth.ledger.head()[0]
    if seq > head_seq:
        raise HistoryConflict(
            f"HQ acknowledges records up to {seq} but this booth's ledger ends at {head_seq}: "
            "ALARM, the booth's ledger may have been replaced; keep it as evidence and call HQ"
        )
    if digest is None:
        return
    ours = booth.ledger.genesis if seq == 0 else booth.ledger.record(seq).hash
    if ours != digest:
        raise ForkDetected(
            f"HQ holds a different record {seq} than this booth: ALARM, the histories differ; "
            "do not reset the booth, keep its ledger as evidence and call HQ"
        )


def write_pin(booth: Booth, root: bytes) -> None:
    """Pin ``root`` when HQ has no bundle to install yet."""
    booth.trust.pin_root(root)
