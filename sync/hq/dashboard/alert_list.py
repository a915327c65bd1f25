"""The dashboard's alert list: filters, paging, and an alert's detail split into its parts.

An alert's detail (``sync.hq.analytics.rules.Candidate.detail``) reads ``SUBJECT: MESSAGE; evidence:
BOOTH#SEQ ...``; the subject is ``permit NO``, ``officer NAME at CHECKPOINT``, ``booth ID`` or
``booth ID boot BOOT``. The dashboard links each part: the permit's history, the officer's
record, each evidence record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, or_, select

from sync.hq.schema import alerts, booths

PAGE = 100
STATES = ("open", "acknowledged", "all")
_EVIDENCE = re.compile(r"^(?P<booth>[^\s#]+)#(?P<seq>\d+)$")


@dataclass(frozen=True)
class AlertFilter:
    kind: str = ""
    checkpoint: str = ""
    booth: str = ""
    state: str = "open"
    text: str = ""
    page: int = 1

    def __post_init__(self) -> None:
        if self.state not in STATES:
            object.__setattr__(self, "state", "open")
        object.__setattr__(self, "page", max(1, min(self.page, 10_000)))


@dataclass(frozen=True)
class Subject:
    kind: str  # permit | officer | booth | other
    text: str
    permit_no: str = ""
    officer: str = ""
    checkpoint: str = ""
    booth: str = ""


@dataclass(frozen=True)
class AlertRow:
    id: int
    kind: str
    booth_id: str | None
    seq: int | None
    raised_at: int
    acknowledged: bool
    subject: Subject
    message: str
    evidence: list[tuple[str, int]] = field(default_factory=list)
    more_evidence: str = ""


def parse_subject(text: str) -> Subject:
    if text.startswith("permit "):
        return Subject("permit", text, permit_no=text[len("permit ") :])
    if text.startswith("officer ") and " at " in text:
        officer, checkpoint = text[len("officer ") :].rsplit(" at ", 1)
        return Subject("officer", text, officer=officer, checkpoint=checkpoint)
    if text.startswith("booth "):
        return Subject("booth", text, booth=text.split()[1])
    return Subject("other", text)


def parse_detail(detail: str) -> tuple[Subject, str, list[tuple[str, int]], str]:
    """(subject, message, evidence records, "(+N more)" or "") of an alert's detail text."""
    subject, _, rest = detail.partition(": ")
    message, _, refs = rest.rpartition("; evidence: ")
    if not _:
        message, refs = rest, ""
    evidence, more = [], ""
    for i, word in enumerate(refs.split()):
        if (m := _EVIDENCE.match(word)) is not None:
            evidence.append((m["booth"], int(m["seq"])))
        else:
            more = " ".join(refs.split()[i:])
            break
    return parse_subject(subject), message, evidence, more


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _where(f: AlertFilter) -> list:
    where = []
    if f.state == "open":
        where.append(alerts.c.acknowledged.is_(False))
    elif f.state == "acknowledged":
        where.append(alerts.c.acknowledged.is_(True))
    if f.kind:
        where.append(alerts.c.kind == f.kind)
    if f.booth:
        where.append(alerts.c.booth_id == f.booth)
    if f.checkpoint:
        at_booths = select(booths.c.booth_id).where(booths.c.checkpoint == f.checkpoint).scalar_subquery()
        where.append(
            or_(alerts.c.booth_id.in_(at_booths), alerts.c.detail.like(_like(f" at {f.checkpoint}:"), escape="\\"))
        )
    if f.text:
        where.append(alerts.c.detail.like(_like(f.text), escape="\\"))
    return where


def list_alerts(conn: Connection, f: AlertFilter) -> tuple[list[AlertRow], int]:
    """One page of the alerts ``f`` selects, newest first, and how many it selects in all."""
    where = _where(f)
    total = conn.execute(select(func.count()).select_from(alerts).where(*where)).scalar_one()
    query = select(alerts).where(*where).order_by(alerts.c.id.desc()).limit(PAGE).offset((f.page - 1) * PAGE)
    rows = []
    for r in conn.execute(query):
        subject, message, evidence, more = parse_detail(r.detail)
        rows.append(
            AlertRow(
                r.id, r.kind, r.booth_id, r.seq, r.raised_at, bool(r.acknowledged), subject, message, evidence, more
            )
        )
    return rows, total


def alert_kinds(conn: Connection) -> list[str]:
    return [k for (k,) in conn.execute(select(alerts.c.kind).distinct().order_by(alerts.c.kind))]


def open_alerts_by_checkpoint(conn: Connection) -> dict[str, int]:
    """Open alerts per checkpoint, for the overview (officer alerts by the checkpoint they name)."""
    open_ = alerts.c.acknowledged.is_(False)
    by_booth = (
        select(booths.c.checkpoint, func.count())
        .select_from(alerts.join(booths, booths.c.booth_id == alerts.c.booth_id))
        .where(open_)
        .group_by(booths.c.checkpoint)
    )
    counts: dict[str, int] = dict(conn.execute(by_booth).all())
    for (detail,) in conn.execute(select(alerts.c.detail).where(open_, alerts.c.booth_id.is_(None))):
        if checkpoint := parse_subject(detail.partition(": ")[0]).checkpoint:
            counts[checkpoint] = counts.get(checkpoint, 0) + 1
    return counts
