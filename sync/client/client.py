"""The booth's side of the sync contract (docs/formats.md §5–6, "Sync batches" and "Receipts"), over HTTP with httpx.

The only state is the ledger's durable ``sync_state``: HQ has every record up to
``acked_seq``, proved by the signed receipt kept next to it. A push reads the records after
it, seals them, POSTs them, checks the receipt against the pinned root and the ledger, and
only then records the new acked seq, in one transaction. A crash anywhere in between only
means the same records are sent again, and HQ answers a batch it has with the same receipt.
Nothing is ever marked sent that HQ did not sign for, and records always go in sequence.

One sync session (``session``) pushes until caught up, pulls a newer trust bundle, measures
the clock against HQ, and writes one audit record, only when it did something or failed in a
new way, so a booth that syncs every minute does not fill its ledger with "sync" lines.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from booth.clock import Clock
from booth.errors import BoothError, LedgerBusy, TrustError
from booth.service import Booth, Session
from booth.settings import save_settings
from booth.trust import fingerprints_match
from sync.client.backoff import Backoff, BatchSize
from sync.client.errors import (
    BadBundle,
    BadReceipt,
    EnrolRefused,
    ForkDetected,
    HistoryConflict,
    HQUnreachable,
    NotEnrolled,
    PushRefused,
    SyncError,
)
from sync.client.proof import check_agreement, check_receipt, write_pin
from sync.client.restore import RestoreResult, replace_local_tail
from sync.client.restore import restore as take_back
from sync.protocol.batch import BatchRefused, make_batch, seal_batch
from sync.protocol.bundle import TrustBundle
from sync.protocol.keys import fingerprint, raw_public
from sync.protocol.records import AUDIT
from sync.protocol.request_auth import HEADER, Head, sign_request
from sync.protocol.watchlist import WatchlistKey

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)
SYNC_ACTION = "sync"
WATCHLIST_KEY_HEADER = "X-Watchlist-Key"  # sync.hq.server: the key beside the bundle
SESSION_INTERVAL = 60.0  # seconds between sessions once caught up
MAX_RESYNCS = 3  # 409 gap answers in a row before giving up on this session
OPEN_PATHS = ("/v1/time", "/v1/enrol", "/v1/root")  # every other call is signed (Booth-Request)


@dataclass(frozen=True)
class Enrolment:
    hq_url: str
    booth_id: str
    checkpoint: str
    root_public_key: bytes
    root_fingerprint: str
    hq_time: int
    pinned: bool  # False: the operator must confirm the fingerprint, then ``SyncClient.confirm``
    watchlist_key: WatchlistKey | None = field(default=None, repr=False)  # kept once the root is confirmed


@dataclass(frozen=True)
class PushResult:
    sent: int  # records in the batch sent; 0 when there was nothing to send (or a resync)
    first: int | None
    last: int | None
    acked_seq: int  # HQ's acknowledged seq after this push
    head_seq: int  # the ledger head when the push started
    wire_bytes: int  # request body bytes
    resync: bool = False  # HQ answered "gap": the acked seq moved to HQ's, proved by its receipt

    @property
    def caught_up(self) -> bool:
        return self.acked_seq >= self.head_seq


@dataclass
class SessionResult:
    booth: str
    hq: str
    pushed: int = 0
    batches: int = 0
    wire_bytes: int = 0
    acked_seq: int = 0
    head_seq: int = 0
    bundle_version: int | None = None
    bundle_installed: bool = False
    clock_skew: int | None = None
    restored: int = 0  # records taken back from HQ (a booth restored from a backup)
    error: str | None = None
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "pending": self.head_seq - self.acked_seq}


class SyncClient:
    def __init__(
        self,
        booth: Booth,
        hq_url: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        timeout: httpx.Timeout = TIMEOUT,
        rng: random.Random | None = None,
        batch: BatchSize | None = None,
    ) -> None:
        url = hq_url or booth.settings.hq_url
        if not url:
            raise NotEnrolled("no HQ address: run `booth enrol --hq URL --token T`, or pass --hq URL")
        self.booth = booth
        self.hq_url = url.rstrip("/")
        self.clock = clock or booth.clock
        self.rng = rng or random.Random()
        self.batch = batch or BatchSize()
        self.http = httpx.Client(
            base_url=self.hq_url,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": f"booth-sync/1 ({booth.ledger.booth_id})"},
        )
        self._key: Ed25519PrivateKey | None = None
        self._behind = False  # HQ holds more than this ledger (restored from a backup), not yet taken back

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def ledger(self):
        return self.booth.ledger

    def _booth_key(self) -> Ed25519PrivateKey:
        if self._key is None:
            self._key = self.booth.signing_key()
        return self._key

    # -- HTTP
    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request, signed unless the route is open; every way the link can fail becomes
        ``HQUnreachable``. A "stale_time" refusal (this booth's clock, or the offset measured
        for it, is off by minutes) is answered by measuring the offset again and one retry."""
        for attempt in (1, 2):
            request = self.http.build_request(method, path, **kwargs)
            if path.split("?")[0] not in OPEN_PATHS:
                request.headers[HEADER] = self._sign(request)
            response = self._send(request)
            if attempt == 1 and response.status_code == 403 and _reason(response) == "stale_time":
                self.measure_time()
                continue
            break
        return response

    def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self.http.send(request)
        except httpx.TimeoutException as exc:
            raise HQUnreachable(f"HQ did not answer in time ({type(exc).__name__})", timeout=True) from None
        except httpx.HTTPError as exc:
            raise HQUnreachable(f"no link to HQ at {self.hq_url} ({type(exc).__name__}: {exc})") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise HQUnreachable(
                f"HQ answered {response.status_code} ({_reason(response)}); will try again",
                retry_after=retry_after(response),
            )
        return response

    def _sign(self, request: httpx.Request) -> str:
        """The ``Booth-Request`` header: this request, signed at HQ's time, with the ledger head."""
        seq, digest = self.ledger.head()
        return sign_request(
            self._booth_key(),
            booth_id=self.ledger.booth_id,
            method=request.method,
            path=request.url.raw_path.decode("ascii"),
            body=request.read(),
            t=self.hq_now(),
            head=Head(seq, digest),
        )

    def hq_now(self) -> int:
        """HQ's time as this booth best knows it: its clock plus the offset last measured."""
        return self.clock.now() + (self.ledger.sync_state().clock_skew or 0)

    def report_head(self) -> int:
        """Tell HQ this booth's ledger head (signed), nothing else; return what HQ has acknowledged.

        A few hundred bytes: HQ then knows the head before it gets the records, so a rewrite
        of records not yet sent is caught as a fork when they come (docs/threat-model.md)."""
        response = self._request("POST", "/v1/head")
        if response.status_code == 200:
            try:
                return int(response.json()["acked_seq"])
            except (ValueError, KeyError, TypeError):
                raise HQUnreachable("HQ's answer to the head report is malformed") from None
        raise self._refused(response, "the head report")

    def _refused(self, response: httpx.Response, what: str) -> SyncError:
        """The error for a refused signed call: a fork is an alarm, the rest say HQ's reason."""
        reason = _reason(response)
        if response.status_code == 409 and reason == "fork":
            return ForkDetected(
                f"HQ refused {what} as a fork (this booth's signed head differs from what HQ heard or holds): "
                "ALARM, do not reset the booth, keep its ledger as evidence and call HQ"
            )
        return PushRefused(reason, f"HQ refused {what}: {reason} (HTTP {response.status_code})")

    # -- enrolment
    def enrol(self, token: str, pin: str | None = None) -> Enrolment:
        """Register the booth's key with HQ using a one-time token; learn HQ's root key.

        The root is pinned at once when it matches ``pin`` (or the root this booth already
        pinned). Without a pin nothing is pinned: show ``root_fingerprint`` to the operator,
        who compares it with HQ's screen and then calls ``confirm``."""
        booth_id = self.ledger.booth_id
        public = raw_public(self._booth_key()).hex()
        response = self._request("POST", "/v1/enrol", json={"booth_id": booth_id, "token": token, "public_key": public})
        if response.status_code == 403:
            raise EnrolRefused(f"HQ refused the enrolment ({_reason(response)}): ask HQ for a new one-time token")
        if response.status_code != 200:
            raise EnrolRefused(f"HQ answered {response.status_code} to the enrolment ({_reason(response)})")
        enrolment = self._enrolment(response)
        pinned = self.booth.trust.pinned_root()
        if pinned is not None and pinned != enrolment.root_public_key:
            raise EnrolRefused(
                f"HQ's root {enrolment.root_fingerprint} is not the root this booth already pinned "
                f"({fingerprint(pinned)}): refused"
            )
        if pin is not None and not fingerprints_match(pin, enrolment.root_fingerprint):
            raise EnrolRefused(
                f"HQ's root fingerprint {enrolment.root_fingerprint} does not match --pin: refused, nothing was pinned"
            )
        if pinned is None and pin is None:
            return enrolment
        self.confirm(enrolment)
        return replace(enrolment, pinned=True)

    def peek_root(self) -> str | None:
        """The fingerprint of HQ's root key (``/v1/root``, open), before spending the token
        (so the operator can compare it with HQ's screen first); None if HQ does not say.
        Only a hint: ``enrol`` must then be given this fingerprint as ``pin``."""
        response = self._request("GET", "/v1/root")
        if response.status_code != 200:
            return None
        try:
            root = bytes.fromhex(response.json()["root_public_key"])
            return fingerprint(root) if len(root) == 32 else None
        except (ValueError, KeyError, TypeError):
            return None

    def _enrolment(self, response: httpx.Response) -> Enrolment:
        try:
            body = response.json()
            root = bytes.fromhex(body["root_public_key"])
            enrolment = Enrolment(
                self.hq_url,
                str(body["booth_id"]),
                str(body["checkpoint"]),
                root,
                fingerprint(root),
                int(body["hq_time"]),
                pinned=False,
                watchlist_key=WatchlistKey.from_hex(str(body["watchlist_key"])) if body.get("watchlist_key") else None,
            )
            claimed = str(body["root_fingerprint"])
        except (ValueError, KeyError, TypeError):
            raise EnrolRefused("HQ's enrolment answer is malformed") from None
        if len(root) != 32 or not fingerprints_match(claimed, enrolment.root_fingerprint):
            raise EnrolRefused("HQ's enrolment answer is inconsistent (the root key and its fingerprint differ)")
        if enrolment.booth_id != self.ledger.booth_id:
            raise EnrolRefused(f"HQ enrolled booth {enrolment.booth_id!r}, not {self.ledger.booth_id!r}")
        if enrolment.checkpoint != self.booth.settings.checkpoint:
            raise EnrolRefused(
                f"HQ enrolled this booth for checkpoint {enrolment.checkpoint}, but it is set up for "
                f"{self.booth.settings.checkpoint}"
            )
        return enrolment

    def confirm(self, enrolment: Enrolment) -> None:
        """Pin HQ's root (the operator saw the same fingerprint on both screens), keep the HQ
        address, and write the enrolment into the ledger. Pinning installs HQ's current bundle
        when it has one (which also pins); otherwise, or if the link drops now that the token is
        spent, it writes the pin alone and the bundle comes with the next sync."""
        pinned = self.booth.trust.pinned_root()
        if pinned is not None and pinned != enrolment.root_public_key:
            raise EnrolRefused("this booth already pinned another HQ root: refused")
        if pinned is None:
            try:
                response = self._request("GET", "/v1/bundle", params={"have": 0})
            except HQUnreachable:
                response = None
            if response is not None and response.status_code == 200:
                try:
                    self.booth.install_bundle(
                        response.content, pin=enrolment.root_fingerprint, watch_key=_watchlist_key(response)
                    )
                except TrustError as exc:
                    raise EnrolRefused(f"HQ's trust bundle is refused: {exc}") from None
            else:
                write_pin(self.booth, enrolment.root_public_key)
        self.booth.settings = replace(self.booth.settings, hq_url=self.hq_url)
        save_settings(self.booth.data_dir, self.booth.settings)
        if enrolment.watchlist_key is not None:
            self.booth.install_watchlist_key(enrolment.watchlist_key, note="from the enrolment")
        self.booth.audit("enrol", note=f"enrolled at {self.hq_url}; HQ root {enrolment.root_fingerprint}")

    # -- pushing records
    def push_once(self) -> PushResult:
        """Send the next batch of unacknowledged records, or nothing when HQ has them all."""
        acked = self.ledger.acked_seq()
        head_seq = self.ledger.head()[0]
        if acked >= head_seq:
            return PushResult(0, None, None, acked, head_seq, 0)
        while True:
            records = list(self.ledger.records(acked + 1, min(head_seq, acked + self.batch.size)))
            batch = make_batch(records)
            try:
                wire = seal_batch(batch, self._booth_key())
            except BatchRefused:  # too large for HQ to inflate (long notes): fewer records
                if self.batch.shrink():
                    continue
                raise
            try:
                response = self._request(
                    "POST", "/v1/batches", content=wire, headers={"Content-Type": "application/octet-stream"}
                )
            except HQUnreachable as exc:
                if exc.timeout:
                    self.batch.shrink()
                raise
            if response.status_code == 413 and self.batch.shrink():
                continue  # HQ takes smaller batches: at once, no back-off needed
            break
        if response.status_code == 200:
            receipt = check_receipt(self.booth, response.content)
            if receipt.acked_seq < batch.last_seq:
                raise BadReceipt(
                    f"HQ's receipt acknowledges {receipt.acked_seq}, short of the batch's last record {batch.last_seq}"
                )
            self.ledger.set_acked(
                receipt.acked_seq, receipt.head_hash, response.content, receipt_at=receipt.at, at=self.clock.now()
            )
            self.batch.grow()
            return PushResult(len(records), batch.first_seq, batch.last_seq, receipt.acked_seq, head_seq, len(wire))
        reason = _reason(response)
        if response.status_code == 409 and reason == "gap":
            return self._resync(response, head_seq, len(wire))
        if response.status_code == 409 and reason in ("fork", "suspended"):
            raise ForkDetected(
                f"HQ refused records {batch.first_seq}-{batch.last_seq} as a fork (it holds different records under "
                "the same numbers): ALARM, this booth's history differs from HQ's; do not reset the booth, keep its "
                "ledger as evidence and call HQ"
            )
        raise PushRefused(
            reason, f"HQ refused records {batch.first_seq}-{batch.last_seq}: {reason} (HTTP {response.status_code})"
        )

    def _resync(self, response: httpx.Response, head_seq: int, wire_bytes: int) -> PushResult:
        """HQ holds records up to a different seq than ours: prove where, then continue from there."""
        try:
            hq_acked = int(response.json()["acked_seq"])
        except (ValueError, KeyError, TypeError):
            raise PushRefused("gap", "HQ answered 'gap' without its acknowledged seq") from None
        if hq_acked == self.ledger.acked_seq():
            raise PushRefused("gap", f"HQ answered 'gap' at our own acknowledged seq {hq_acked}")
        check_agreement(self.booth, hq_acked, None)  # HQ cannot hold more than we ever wrote
        receipt_bytes, receipt_at, digest = None, None, self.ledger.genesis
        if hq_acked > 0:
            got = self._request("GET", f"/v1/receipts/{self.ledger.booth_id}")
            if got.status_code != 200:
                raise BadReceipt(f"HQ claims records up to {hq_acked} but shows no receipt (HTTP {got.status_code})")
            receipt = check_receipt(self.booth, got.content)  # signed, and our hash at its seq agrees
            if receipt.acked_seq != hq_acked:
                raise BadReceipt(f"HQ's latest receipt ({receipt.acked_seq}) disagrees with its 'gap' ({hq_acked})")
            receipt_bytes, receipt_at, digest = got.content, receipt.at, receipt.head_hash
        log.warning(
            "HQ holds records up to %d (booth thought %d): continuing from there", hq_acked, self.ledger.acked_seq()
        )
        self.ledger.set_acked(
            hq_acked, digest, receipt_bytes, receipt_at=receipt_at, at=self.clock.now(), backwards=True
        )
        return PushResult(0, None, None, hq_acked, head_seq, wire_bytes, resync=True)

    def push_all(self, *, max_batches: int | None = None, stop: threading.Event | None = None) -> list[PushResult]:
        """Push until HQ has every record (or ``max_batches``, or ``stop``); return each push."""
        results: list[PushResult] = []
        resyncs = 0
        while max_batches is None or len(results) < max_batches:
            if stop is not None and stop.is_set():
                break
            result = self.push_once()
            results.append(result)
            resyncs = resyncs + 1 if result.resync else 0
            if resyncs > MAX_RESYNCS:
                raise PushRefused("gap", "HQ keeps answering 'gap'; will try again later")
            if result.caught_up and not result.resync:
                break
        return results

    # -- a booth restored from a backup
    def restore(self) -> RestoreResult:
        """Take back the records HQ holds beyond this ledger's head (``sync.client.restore``)."""
        return take_back(self.booth, self._request, self._refused)

    def replace_local_tail(self, by: Session) -> RestoreResult:
        """After a restore the booth recorded before taking back (a fork): on a supervisor's word,
        its own records after the last one HQ shares go to a file aside, HQ's take their place."""
        return replace_local_tail(self.booth, self._request, self._refused, by=by)

    def _check_hq_holds_ours(self, hq_acked: int) -> None:
        """HQ holds more than it acknowledged to us (a lost answer, or a restored booth that then
        forked): its latest receipt must agree with our record there before anything is pushed."""
        got = self._request("GET", f"/v1/receipts/{self.ledger.booth_id}")
        if got.status_code == 200:
            check_receipt(self.booth, got.content)  # a different record: ForkDetected, nothing pushed
        elif got.status_code != 404:
            raise self._refused(got, "the receipt request")

    def restore_if_behind(self) -> RestoreResult | None:
        """Report the head; if HQ holds more than this ledger (a restored backup), take it back."""
        hq_acked = self.report_head()
        if hq_acked <= self.ledger.head()[0]:
            if hq_acked > self.ledger.acked_seq():
                self._check_hq_holds_ours(hq_acked)
            return None
        self._behind = True  # until taken back, a record of ours would be a fork: no audit of failures
        result = self.restore()
        self._behind = False
        log.warning("%s", result.line())
        return result

    # -- trust bundle and clock
    def pull_bundle(self) -> TrustBundle | None:
        """Install HQ's bundle if newer than ours (rollback and signature checks apply)."""
        current = self.booth.trust.current()
        have = current.version if current else 0
        serial = current.statement.serial if current and current.statement else 0
        response = self._request("GET", "/v1/bundle", params={"have": have, "statement": serial})
        if response.status_code in (304, 404):
            return None
        if response.status_code in (403, 409):
            raise self._refused(response, "the trust bundle request")
        if response.status_code != 200:
            raise HQUnreachable(f"HQ answered {response.status_code} for the trust bundle ({_reason(response)})")
        try:
            self.booth.install_bundle(response.content, watch_key=_watchlist_key(response))
        except TrustError as exc:
            raise BadBundle(f"HQ sent a trust bundle this booth refuses: {exc}") from None
        return self.booth.trust.require()

    def measure_time(self) -> int:
        """HQ's clock minus the booth's, in seconds (half the round trip accounted for)."""
        before, t0 = self.clock.now(), time.monotonic()
        response = self._request("GET", "/v1/time")
        rtt = time.monotonic() - t0
        try:
            hq_time = int(response.json()["hq_time"])
        except (ValueError, KeyError, TypeError):
            raise HQUnreachable(f"HQ's time answer is malformed (HTTP {response.status_code})") from None
        skew = round(hq_time - (before + rtt / 2))
        self.ledger.set_clock_skew(skew)
        return skew

    # -- sessions
    def session(self, stop: threading.Event | None = None) -> SessionResult:
        """Push everything, pull the bundle, measure the clock; one audit record if worth one."""
        started = time.monotonic()
        result = SessionResult(self.ledger.booth_id, self.hq_url)
        previous_error = self.ledger.sync_state().last_error
        try:
            restored = self.restore_if_behind()
            result.restored = restored.taken if restored else 0
            pushes = self.push_all(stop=stop)
            bundle = self.pull_bundle()
            result.clock_skew = self.measure_time()
            result.bundle_installed = bundle is not None
            self._count(result, pushes)
            if result.restored or self._worth_recording(pushes) or bundle is not None:
                self.booth.audit(SYNC_ACTION, note=_success_note(result, pushes, bundle))
                self._count(result, self.push_all(stop=stop))  # the audit record too: both ends level
        except (SyncError, LedgerBusy) as exc:
            result.error = _error_text(exc)
            self._note_failure(result.error, previous_error)
            raise
        finally:
            result.acked_seq, result.head_seq = self.ledger.acked_seq(), self.ledger.head()[0]
            current = self._current_bundle()
            result.bundle_version = current.version if current else None
            result.seconds = round(time.monotonic() - started, 3)
        self.ledger.note_sync(at=self.clock.now())
        return result

    def _current_bundle(self) -> TrustBundle | None:
        try:
            return self.booth.trust.current()
        except BoothError:
            return None

    @staticmethod
    def _count(result: SessionResult, pushes: list[PushResult]) -> None:
        result.pushed += sum(p.sent for p in pushes)
        result.batches += sum(1 for p in pushes if p.sent)
        result.wire_bytes += sum(p.wire_bytes for p in pushes)

    def _worth_recording(self, pushes: list[PushResult]) -> bool:
        """Anything pushed besides the previous session's own audit record."""
        for push in pushes:
            if push.sent:
                for record in self.ledger.records(push.first, push.last):
                    if not (record.kind == AUDIT and record.action == SYNC_ACTION):
                        return True
        return False

    def _note_failure(self, error: str, previous: str | None) -> None:
        """Keep the error in sync_state; audit it only when the kind of failure changes."""
        try:
            self.ledger.note_sync(at=self.clock.now(), error=error)
            if _error_kind(previous) != _error_kind(error) and not self._behind:
                self.booth.audit("sync_failed", note=error[:500])
        except BoothError as exc:  # the ledger is busy or full: the failure itself stays the news
            log.warning("could not record the sync failure: %s", exc)

    def run(
        self,
        stop: threading.Event,
        *,
        interval: float = SESSION_INTERVAL,
        on_session: Callable[[SessionResult | None, BaseException | None, float], None] | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        """Sessions until ``stop`` is set: every ``interval`` once caught up; after a failure,
        exponential back-off with full jitter (1 s up to 5 min), never shorter than a
        ``Retry-After`` HQ sent with a 429 or 503. A ``HistoryConflict`` (fork)
        or a non-transient error ends the loop: a person must look at it."""
        backoff = backoff or Backoff(rng=self.rng)
        while not stop.is_set():
            try:
                result = self.session(stop)
            except (SyncError, LedgerBusy) as exc:
                if isinstance(exc, HistoryConflict) or not getattr(exc, "transient", True):
                    if on_session:
                        on_session(None, exc, 0.0)
                    raise
                delay = backoff.next_delay()
                if isinstance(exc, HQUnreachable) and exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, backoff.cap))  # never sooner than HQ asked
                log.info("sync failed (%s); next try in %.1f s", exc, delay)
                if on_session:
                    on_session(None, exc, delay)
                stop.wait(delay)
                continue
            backoff.reset()
            if on_session:
                on_session(result, None, interval)
            stop.wait(interval)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After`` header given as a number (HQ's form); None otherwise."""
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isdigit() else None


def _reason(response: httpx.Response) -> str:
    try:
        reason = response.json().get("reason")
    except (ValueError, AttributeError):
        reason = None
    return reason if isinstance(reason, str) and reason else f"http_{response.status_code}"


def _watchlist_key(response: httpx.Response) -> WatchlistKey | None:
    """HQ's watchlist key sent beside a bundle; None when absent or malformed (the booth then
    keeps the key it has, and says ``watchlist_unreadable`` if that one does not fit)."""
    text = response.headers.get(WATCHLIST_KEY_HEADER)
    try:
        return WatchlistKey.from_hex(text) if text else None
    except ValueError:
        log.warning("HQ sent a malformed watchlist key; ignored")
        return None


def _error_text(exc: BaseException) -> str:
    return f"{_kind_of(exc)}: {exc}"


def _kind_of(exc: BaseException) -> str:
    if isinstance(exc, PushRefused):
        return f"refused:{exc.reason}"
    return {
        ForkDetected: "fork",
        HistoryConflict: "conflict",
        HQUnreachable: "unreachable",
        BadReceipt: "bad_receipt",
        BadBundle: "bad_bundle",
        LedgerBusy: "ledger_busy",
    }.get(type(exc), type(exc).__name__)


def _error_kind(text: str | None) -> str | None:
    return text.split(":", 1)[0] if text else None


def _success_note(result: SessionResult, pushes: list[PushResult], bundle: TrustBundle | None) -> str:
    sent = [p for p in pushes if p.sent]
    parts = [f"pushed {result.pushed} records" + (f" ({sent[0].first}-{sent[-1].last})" if sent else "")]
    if result.restored:
        parts.append(f"took back {result.restored} records from HQ")
    if bundle is not None:
        parts.append(f"bundle version {bundle.version} installed")
    if result.clock_skew is not None:
        parts.append(f"clock skew {result.clock_skew:+d} s")
    return "; ".join(parts)
