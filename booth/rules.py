"""The verdict engine: permit text + trust bundle + checkpoint + clock -> ``Verdict``.

Pure functions over a snapshot: no I/O, no clock reads (the caller passes ``now``), so the
GUI, the CLI and HQ-side checks reach the same verdict from the same facts. Ledger-based
rules (already inside, overstay, used up) take their facts from ``Context.history``, which the
ledger fills in; without a ledger they are simply not decided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from booth.ledger.state import PermitHistory
from booth.reasons import WARNINGS, Reason
from booth.trust import check_permit_signature
from sync.protocol.bundle import CountryPolicy, IssuerKey, TrustBundle
from sync.protocol.errors import PermitRejected
from sync.protocol.permit import Permit, SignedPermit, decode
from sync.protocol.times import DAY
from sync.protocol.watchlist import WatchlistKey

# The booth clock may lag HQ's by this much before we call it suspect (NTP-less booths drift).
CLOCK_TOLERANCE = 300


@dataclass(frozen=True)
class Context:
    """Everything besides the permit that a verdict depends on."""

    checkpoint: str
    now: int  # booth clock, epoch seconds UTC
    bundle: TrustBundle
    last_event_at: int | None = None  # the clock's floor: newest ledger record, HQ time seen in a receipt
    direction: str | None = None  # entry | exit; with ``history``, enables the ledger rules
    history: PermitHistory | None = None  # filled in per permit by ``check`` via ``lookup``
    watch_key: WatchlistKey | None = None  # HQ's watchlist key: the bundle's watchlist is hashes under it

    @property
    def judged_at(self) -> int:
        """The time validity is judged at: the latest of the clock, the newest ledger record and
        HQ's time; a clock set back gains nothing."""
        return max(self.now, self.last_event_at or 0, self.bundle.hq_time)


@dataclass(frozen=True)
class Verdict:
    reasons: tuple[Reason, ...]
    permit: Permit | None = None
    kid: bytes | None = None
    signature_sha256: str | None = None
    bundle_version: int | None = None
    detail: str = ""  # technical detail of a decoding failure, for logs and HQ

    @property
    def valid(self) -> bool:
        return all(r in WARNINGS for r in self.reasons)

    @property
    def verdict(self) -> str:
        return "valid" if self.valid else "rejected"

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reasons": [r.value for r in self.reasons],
            "permit": self.permit.to_json() if self.permit else None,
            "kid": self.kid.hex() if self.kid else None,
            "bundle_version": self.bundle_version,
            **({"detail": self.detail} if self.detail else {}),
        }


def check(text: str, ctx: Context, lookup: Callable[[str], PermitHistory] | None = None) -> Verdict:
    """Decode, verify and judge a scanned text; ``lookup`` gives a permit's ledger history."""
    env = environment_reasons(ctx)
    try:
        signed = decode(text)
    except PermitRejected as exc:
        return _refused(exc, None, ctx, env)
    try:
        issuer = check_permit_signature(signed, ctx.bundle)
    except PermitRejected as exc:
        return _refused(exc, signed.kid, ctx, env)
    if lookup is not None:
        ctx = replace(ctx, history=lookup(signed.permit.number))
    reasons = judge(signed, issuer, ctx) + env
    return Verdict(
        tuple(sorted(reasons, key=lambda r: r in WARNINGS)),
        permit=signed.permit,
        kid=signed.kid,
        signature_sha256=signed.signature_sha256,
        bundle_version=ctx.bundle.version,
    )


def _refused(exc: PermitRejected, kid: bytes | None, ctx: Context, env: tuple[Reason, ...]) -> Verdict:
    """A permit we could not trust: no holder data is shown, only why."""
    return Verdict((Reason(exc.reason), *env), kid=kid, bundle_version=ctx.bundle.version, detail=exc.detail)


def judge(signed: SignedPermit, issuer: IssuerKey, ctx: Context) -> tuple[Reason, ...]:
    """Rules for a permit whose signature is good; every applicable reason, in rule order (docs/formats.md §1)."""
    p, now = signed.permit, ctx.judged_at
    reasons: list[Reason] = []
    if not issuer_may_issue(issuer, p, ctx.checkpoint) or not within_policy(p, ctx.bundle.policy_for(issuer.country)):
        reasons.append(Reason.ISSUER_NOT_VALID)
    if issuer.compromised_at is not None and not ctx.bundle.is_genuine(p.number):
        reasons.append(Reason.ISSUER_REVOKED)
    if now >= p.expires:
        reasons.append(Reason.EXPIRED)
    if now < p.not_before:
        reasons.append(Reason.NOT_YET_VALID)
    if ctx.bundle.is_revoked(p.number, signed.signature_sha256):
        reasons.append(Reason.REVOKED)
    if ctx.checkpoint not in p.checkpoints:
        reasons.append(Reason.WRONG_CHECKPOINT)
    if ctx.bundle.watch_hits(p.number, p.document, p.nationality, ctx.watch_key):
        reasons.append(Reason.WATCHLIST)
    if ctx.history is not None and ctx.direction is not None:
        reasons += movement_reasons(p, ctx.direction, ctx.history, now)
    if ctx.direction == "entry" and p.kind == "single" and ctx.bundle.is_used_up(p.number):
        if Reason.USED_UP not in reasons:
            reasons.append(Reason.USED_UP)  # used at another booth: HQ's word in the bundle
    return tuple(reasons)


def within_policy(p: Permit, policy: CountryPolicy) -> bool:
    """The permit's validity and stay are within what its issuing country's offices may issue."""
    return p.expires - p.not_before <= policy.max_validity_days * DAY and p.stay_days <= policy.max_stay_days


def movement_reasons(p: Permit, direction: str, history: PermitHistory, now: int) -> list[Reason]:
    """What the ledger says about this crossing: twice in, out without in, too long, used up."""
    if direction == "entry":
        out = [Reason.ALREADY_INSIDE] if history.inside else []
        if p.kind == "single" and history.entries >= 1:
            out.append(Reason.USED_UP)
        return out
    if not history.inside:
        return [Reason.NOT_INSIDE]
    if history.entered_at is not None and now - history.entered_at > p.stay_days * DAY:
        return [Reason.OVERSTAY]
    return []


def issuer_may_issue(issuer: IssuerKey, p: Permit, checkpoint: str) -> bool:
    """The key belongs to the office the permit names, was in force when it was issued,
    and may issue for this checkpoint."""
    issued = p.issued_at if p.issued_at is not None else p.not_before
    in_window = issuer.not_before <= issued and (issuer.not_after is None or issued < issuer.not_after)
    for_here = not issuer.checkpoints or checkpoint in issuer.checkpoints or checkpoint not in p.checkpoints
    return issuer.office == p.issuer and in_window and for_here


def environment_reasons(ctx: Context) -> tuple[Reason, ...]:
    """What the booth itself adds to every verdict: its trust list stale or expired, its watchlist
    unreadable, its clock suspect."""
    out: list[Reason] = []
    if ctx.judged_at >= ctx.bundle.hard_expiry():
        out.append(Reason.TRUST_EXPIRED)
    elif ctx.judged_at > ctx.bundle.stale_at():
        out.append(Reason.TRUST_STALE)
    if not ctx.bundle.watch_readable(ctx.watch_key):
        out.append(Reason.WATCHLIST_UNREADABLE)  # without the key a watched holder would pass unseen
    behind_hq = ctx.now < ctx.bundle.hq_time - CLOCK_TOLERANCE
    behind_ledger = ctx.last_event_at is not None and ctx.now < ctx.last_event_at
    if behind_hq or behind_ledger:
        out.append(Reason.CLOCK_SUSPECT)
    return tuple(out)
