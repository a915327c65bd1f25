"""The HQ dashboard: server-rendered pages for HQ staff, served by the HQ server.

    GET  /                          overview per checkpoint: today, people inside, booths' last sync
    GET  /alerts                    the alert list (filters: kind, checkpoint, booth, state, text)
    POST /alerts/{id}/acknowledge   acknowledge an alert (who and when are kept)
    GET  /permits?q=NO|NAME         a permit's history across checkpoints, or the permits whose
                                    number or holder's name (Latin or native script) holds the text
    GET  /register?q=NO|DOC|NAME    HQ's permit register: every permit its offices issued, found by
                                    number, document or holder's name; with no search, the
                                    permits issued per office per day over the last 30 days
    GET  /officers?checkpoint=      the officers per checkpoint, with their counts
    GET  /officers?checkpoint=&name= an officer's record beside their peers
    POST /language                  the staff member's language (en, km, th), kept with the account
    GET  /records/{booth}/{seq}     one synced record, every field
    GET  /login, POST /login, POST /logout

Pages need a session (``sync.hq.dashboard.staff``); every POST passes the CSRF checks of
``sync.hq.dashboard.guard``. Times show in Indochina Time (UTC+7, Asia/Phnom_Penh and
Asia/Bangkok: no daylight saving), the local time of both countries, alert texts' UTC times
included. Pages speak each staff member's language (``sync.hq.dashboard.i18n``). Names show
in Latin and native script, in the bundled Noto fonts (served from ``/static/fonts``), so
Khmer and Thai render on machines that have no such font.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import anyio
import jinja2
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from booth import assets
from booth.reasons import ENGLISH as REASON_WORDS
from booth.reasons import Reason
from sync.hq import overview
from sync.hq.analytics import derived_state
from sync.hq.analytics.derived_state import LOCAL_OFFSET
from sync.hq.analytics.rules import Limits
from sync.hq.dashboard import guard, i18n
from sync.hq.dashboard.alert_list import STATES, AlertFilter, alert_kinds, list_alerts, open_alerts_by_checkpoint
from sync.hq.dashboard.i18n import N_
from sync.hq.dashboard.staff import Session, Staff
from sync.hq.errors import LoginRefused, PageRefused, UnknownRecord
from sync.hq.paths import HQPaths
from sync.hq.registry import Registry
from sync.hq.routes import guarded_route
from sync.hq.store import SyncStore

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
LOCAL = dt.timezone(dt.timedelta(seconds=LOCAL_OFFSET), "ICT")
DAY = 86_400
CHECKPOINT_NAMES_TTL = 60
LANG_COOKIE = "booth_hq_lang"  # the language before login: the last one chosen in this browser
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday"))
MAX_SEARCH = 80  # characters of a search kept
MAX_FOUND = 100  # permits a name search lists
REGISTER_DAYS = 30  # days of issuance the register page counts
_UTC_TIME = re.compile(r"\b(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)Z\b")

# Logins: every refusal reads the same (the reason goes to the log only). The scrypt of a login
# runs in a worker thread, at most LOGIN_HASHES at once, so a flood of logins cannot take the
# threads and cores the booths' API needs; a login that waits LOGIN_WAIT s for its turn, or comes
# from an address that tried LOGINS_PER_ADDRESS times in LOGIN_WINDOW s, is told to try again later.
REFUSED = N_("Wrong name or password, or too many tries: wait a few minutes and try again.")
BUSY = N_("Too many logins at the moment: wait a minute and try again.")
LOGIN_HASHES = 2
LOGIN_WAIT = 2.0
LOGINS_PER_ADDRESS = 20
LOGIN_WINDOW = 60.0

ALERT_WORDS = {
    "double_entry": N_("Entered twice without exit"),
    "impossible_travel": N_("Impossible travel"),
    "overstay": N_("Overstay"),
    "override_outlier": N_("Many overrides"),
    "manual_entry_outlier": N_("Many manual entries"),
    "odd_hours": N_("Scans at odd hours"),
    "silent_booth": N_("Booth silent"),
    "clock_skew": N_("Booth clock ahead"),
    "revoked_seen": N_("Revoked permit seen"),
    "watchlist_seen": N_("Watch-listed permit seen"),
    "clock_backwards": N_("Booth clock set back"),
    "single_entry_reused": N_("Single-entry permit used again"),
    "unregistered_permit": N_("Permit no office registered"),
    "checkpoint_mismatch": N_("Booth at the wrong checkpoint"),
    "untrusted_override": N_("Untrusted permit let through"),
    "expired_trust_override": N_("Let through on expired trust"),
    "unchecked_watchlist_override": N_("Let through, watchlist unchecked"),
    "fork": N_("Ledger fork"),
}


@dataclass
class Dashboard:
    store: SyncStore
    staff: Staff
    data_dir: Path
    clock: Callable[[], int]
    trust_proxy: bool = False
    _names: tuple[float, dict[str, Any]] = (0.0, {})
    _login_tries: dict[str, deque[float]] = field(default_factory=dict)
    _login_slots: anyio.Semaphore | None = None

    def login_allowed(self, address: str) -> bool:
        """Count a login try from ``address``; False once it made ``LOGINS_PER_ADDRESS`` in ``LOGIN_WINDOW``."""
        now = time.monotonic()
        if len(self._login_tries) > 10_000:  # forget quiet addresses: the table stays small
            for key in [k for k, tries in self._login_tries.items() if tries[-1] < now - LOGIN_WINDOW]:
                del self._login_tries[key]
        tries = self._login_tries.setdefault(address, deque())
        while tries and tries[0] < now - LOGIN_WINDOW:
            tries.popleft()
        if len(tries) >= LOGINS_PER_ADDRESS:
            return False
        tries.append(now)
        return True

    def login_slots(self) -> anyio.Semaphore:
        if self._login_slots is None:  # made in the event loop, at the first login
            self._login_slots = anyio.Semaphore(LOGIN_HASHES)
        return self._login_slots

    def checkpoint_names(self) -> dict[str, Any]:
        """Checkpoint code -> Checkpoint (names in English, Khmer, Thai), re-read once a minute."""
        read_at, names = self._names
        if time.monotonic() - read_at > CHECKPOINT_NAMES_TTL:
            path = HQPaths(self.data_dir).database
            registry = Registry(path) if path.exists() else None
            try:
                names = {cp.code: cp for cp in registry.checkpoints()} if registry else {}
            finally:
                if registry:
                    registry.close()
            self._names = (time.monotonic(), names)
        return names

    @contextmanager
    def registry(self) -> Iterator[Registry | None]:
        """HQ's registry, read only, for one page (None while HQ has none)."""
        path = HQPaths(self.data_dir).database
        if not path.exists():
            yield None
            return
        registry = Registry(path, read_only=True)
        try:
            yield registry
        finally:
            registry.close()


def _local(epoch: int | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if epoch is None:
        return "—"
    return dt.datetime.fromtimestamp(epoch, LOCAL).strftime(fmt)


def _local_times(text: str) -> str:
    """An alert text with its UTC times (``2026-09-21T05:00:00Z``) in local time, like the columns."""

    def local(m: re.Match[str]) -> str:
        try:
            at = dt.datetime.fromisoformat(m[1]).replace(tzinfo=dt.UTC)
        except ValueError:
            return m[0]
        return _local(int(at.timestamp()))

    return _UTC_TIME.sub(local, text)


def _ago(epoch: int | None, now: int, _: Callable[..., str]) -> str:
    if epoch is None:
        return _("never")
    s = max(0, now - epoch)
    if s < 120:
        return _("%(n)s s ago", n=s)
    if s < 2 * 3600:
        return _("%(n)s min ago", n=s // 60)
    if s < 2 * DAY:
        return _("%(n)s h ago", n=f"{s / 3600:.1f}")
    return _("%(n)s days ago", n=f"{s / DAY:.1f}")


def clean_search(text: str) -> str:
    """A search as typed, bounded: NFC, control characters out, spaces squeezed, ``MAX_SEARCH`` long.
    (Format characters such as the zero-width joiners of Khmer and Thai stay.)"""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in i18n.nfc(text[: MAX_SEARCH * 4]))
    return " ".join(kept.split())[:MAX_SEARCH]


def _reasons(codes: str | None) -> list[str]:
    out = []
    for code in (codes or "").split():
        try:
            out.append(REASON_WORDS[Reason(code)])
        except ValueError:
            out.append(code)
    return out


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(
    local=_local,
    local_times=_local_times,
    reasons=_reasons,
    alert_words=lambda k: ALERT_WORDS.get(k, k),  # English: the page's _() translates it
    q=lambda text: quote(str(text), safe=""),
)


def page_language(request: Request, session: Session | None) -> str:
    """The staff member's language; before login, the one chosen here last, else the browser's."""
    if session is not None:
        return session.language
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE, "")
    if chosen in i18n.LANGUAGES:
        return chosen
    return i18n.best_language(request.headers.get("accept-language", ""))


def _render(request: Request, template: str, status: int = 200, /, **context: Any) -> HTMLResponse:
    lang = page_language(request, context.get("session"))
    words = i18n.translator(lang)
    html = _env.get_template(template).render(
        request=request,
        _=words,
        lang=lang,
        languages=i18n.NAMES,
        lang_url=lambda code: "?" + urlencode({**request.query_params, "lang": code}),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=guard.HEADERS)


def _dashboard(request: Request) -> Dashboard:
    return request.app.state.dashboard


class LoginNeeded(Exception):  # control flow, not an error: the handler redirects to /login
    """No live session: the request is answered with the login page (outside HQError on purpose)."""


async def _session(request: Request) -> Session:
    d = _dashboard(request)
    token = request.cookies.get(guard.SESSION_COOKIE)
    session = await run_in_threadpool(d.staff.session, token, now=d.clock())
    if session is None:
        raise LoginNeeded
    return session


async def _posted_form(request: Request, session: Session) -> dict[str, str]:
    """The form of a POST that passed the origin and CSRF checks."""
    guard.check_same_origin(request)
    form = await guard.read_form(request)
    if not guard.tokens_match(form.get("csrf"), session.csrf):
        raise PageRefused(
            403, N_("This form has expired or was not sent by this dashboard. Reload the page and try again.")
        )
    return form


async def _page_failed(request: Request, exc: Exception) -> Response:
    log.error("dashboard page %s failed", request.url.path, exc_info=exc)
    return error_page(request, 500, N_("Something went wrong on the server. It has been logged; try again."))


router = APIRouter(include_in_schema=False, route_class=guarded_route(_page_failed, LoginNeeded, PageRefused))


# -- logging in and out


@router.get("/login")
def login_page(request: Request, next: str = "/", message: str = "") -> HTMLResponse:
    token = guard.new_login_token()
    response = _render(request, "login.html", csrf=token, next=_safe_next(next), message=message, username="")
    trust_proxy = _dashboard(request).trust_proxy
    guard.set_cookie(response, request, guard.LOGIN_COOKIE, token, trust_proxy=trust_proxy, max_age=3600)
    if (chosen := request.query_params.get("lang")) in i18n.LANGUAGES:  # chosen on this page: remembered here
        guard.set_cookie(response, request, LANG_COOKIE, chosen, trust_proxy=trust_proxy, max_age=DAY * 365)
    return response


def _safe_next(target: str) -> str:
    """Only a path on this server: never an open redirect."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.post("/login")
async def login(request: Request) -> Response:
    d = _dashboard(request)
    guard.check_same_origin(request)
    form = await guard.read_form(request)
    if not guard.tokens_match(form.get("csrf"), request.cookies.get(guard.LOGIN_COOKIE)):
        raise PageRefused(403, N_("The login form has expired. Reload the page and log in again."))
    username, password = form.get("username", "").strip(), form.get("password", "")
    address = _client_address(request, d.trust_proxy)
    if not d.login_allowed(address):
        log.warning("dashboard login from %s refused: more than %d tries a minute", address, LOGINS_PER_ADDRESS)
        return _login_again(request, form, 429, BUSY)
    slots, turn = d.login_slots(), False
    with anyio.move_on_after(LOGIN_WAIT):
        await slots.acquire()
        turn = True
    if not turn:
        log.warning(
            "dashboard login for %r from %s refused: %d logins already running", username, address, LOGIN_HASHES
        )
        return _login_again(request, form, 429, BUSY)
    try:
        token, session = await run_in_threadpool(d.staff.login, username, password, now=d.clock())
    except LoginRefused as exc:
        log.warning("dashboard login refused for %r from %s: %s", username, address, exc)
        return _login_again(request, form, 403, REFUSED)
    finally:
        slots.release()
    log.info("dashboard login: %s", username)
    response = RedirectResponse(_safe_next(form.get("next", "/")), status_code=303, headers=guard.HEADERS)
    guard.set_cookie(response, request, guard.SESSION_COOKIE, token, trust_proxy=d.trust_proxy)
    guard.set_cookie(response, request, LANG_COOKIE, session.language, trust_proxy=d.trust_proxy, max_age=DAY * 365)
    response.delete_cookie(guard.LOGIN_COOKIE, path="/")
    return response


def _client_address(request: Request, trust_proxy: bool) -> str:
    """The address a login came from: behind a trusted proxy, the one it saw (last X-Forwarded-For)."""
    forwarded = request.headers.get("x-forwarded-for", "") if trust_proxy else ""
    if forwarded.strip():
        return forwarded.split(",")[-1].strip()[:64]
    return request.client.host if request.client else "unknown"


def _login_again(request: Request, form: dict[str, str], status: int, message: str) -> Response:
    """The login page again, with a fresh login token: the same for every refusal of a kind."""
    fresh = guard.new_login_token()
    response = _render(
        request,
        "login.html",
        status,
        csrf=fresh,
        next=_safe_next(form.get("next", "/")),
        message=message,
        username=form.get("username", "").strip(),
    )
    if status == 429:
        response.headers["Retry-After"] = "60"
    trust_proxy = _dashboard(request).trust_proxy
    guard.set_cookie(response, request, guard.LOGIN_COOKIE, fresh, trust_proxy=trust_proxy, max_age=3600)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    session = await _session(request)
    await _posted_form(request, session)
    await run_in_threadpool(_dashboard(request).staff.logout, request.cookies.get(guard.SESSION_COOKIE, ""))
    target = "/login?" + urlencode({"message": N_("You have logged out.")})
    response = RedirectResponse(target, status_code=303, headers=guard.HEADERS)
    response.delete_cookie(guard.SESSION_COOKIE, path="/")
    return response


@router.post("/language")
async def choose_language(request: Request) -> Response:
    """Keep the language a staff member chose in the header, with their account."""
    session = await _session(request)
    form = await _posted_form(request, session)
    language = form.get("language", "")
    if language not in i18n.LANGUAGES:
        raise PageRefused(400, N_("The dashboard does not speak that language."))
    d = _dashboard(request)
    await run_in_threadpool(d.staff.set_language, session.username, language)
    log.info("dashboard language of %s: %s", session.username, language)
    response = RedirectResponse(_safe_next(form.get("back", "/")), status_code=303, headers=guard.HEADERS)
    guard.set_cookie(response, request, LANG_COOKIE, language, trust_proxy=d.trust_proxy, max_age=DAY * 365)
    return response


# -- pages


@router.get("/")
async def home(request: Request) -> HTMLResponse:
    session = await _session(request)
    return await run_in_threadpool(_home, request, session)


def _home(request: Request, session: Session) -> HTMLResponse:
    d = _dashboard(request)
    now = d.clock()
    day_start = (now + LOCAL_OFFSET) // DAY * DAY - LOCAL_OFFSET
    with d.store.engine.connect() as conn:
        rows = overview.checkpoint_overview(conn, day_start, day_start + DAY)
        open_alerts = open_alerts_by_checkpoint(conn)
        fresh = overview.freshness(conn)
    return _render(
        request,
        "overview.html",
        session=session,
        rows=rows,
        names=d.checkpoint_names(),
        open_alerts=open_alerts,
        now=now,
        ago=lambda t: _ago(t, now, i18n.translator(session.language)),
        day=_local(day_start, "%Y-%m-%d"),
        weekday=WEEKDAYS[dt.datetime.fromtimestamp(day_start, LOCAL).weekday()],
        silent_after=Limits().silent_after,
        fresh=fresh,
    )


@router.get("/alerts")
async def alerts_page(
    request: Request,
    kind: str = "",
    checkpoint: str = "",
    booth: str = "",
    state: str = "open",
    text: str = "",
    page: int = 1,
) -> HTMLResponse:
    session = await _session(request)
    f = AlertFilter(
        kind=kind[:32], checkpoint=checkpoint[:64], booth=booth[:64], state=state, text=text[:100], page=page
    )
    return await run_in_threadpool(_alerts, request, session, f)


def _alerts(request: Request, session: Session, f: AlertFilter) -> HTMLResponse:
    d = _dashboard(request)
    with d.store.engine.connect() as conn:
        rows, total = list_alerts(conn, f)
        kinds = alert_kinds(conn)
    acks = d.staff.acks([r.id for r in rows if r.acknowledged])
    query = {k: v for k, v in vars(f).items() if v and k != "page"}
    return _render(
        request,
        "alerts.html",
        session=session,
        rows=rows,
        total=total,
        f=f,
        kinds=kinds,
        states=STATES,
        names=d.checkpoint_names(),
        booths=d.store.booths(),
        acks=acks,
        page_url=lambda p: "/alerts?" + urlencode({**query, "page": p}),
        back=request.url.path + ("?" + request.url.query if request.url.query else ""),
    )


@router.post("/alerts/{alert_id}/acknowledge")
async def acknowledge(request: Request, alert_id: int) -> Response:
    session = await _session(request)
    form = await _posted_form(request, session)
    d = _dashboard(request)
    try:
        done = await run_in_threadpool(
            lambda: d.store.acknowledge_alert(
                alert_id, by=session.username, at=d.clock(), note=form.get("note", "")[:500]
            )
        )
    except UnknownRecord as exc:
        log.info("acknowledge %d: %s", alert_id, exc)
        raise PageRefused(404, N_("HQ holds no such alert.")) from None
    if done:
        log.info("alert %d acknowledged by %s", alert_id, session.username)
    return RedirectResponse(_safe_next(form.get("back", "/alerts")), status_code=303, headers=guard.HEADERS)


@router.get("/permits")
async def permit_page(request: Request, q: str = "") -> HTMLResponse:
    session = await _session(request)
    return await run_in_threadpool(_permit, request, session, clean_search(q))


def _permit(request: Request, session: Session, q: str) -> HTMLResponse:
    """A permit's history if ``q`` is a permit number HQ holds; else the permits ``q`` finds."""
    d = _dashboard(request)
    rows: list[Any] = []
    alerts_for: list[Any] = []
    found: list[overview.PersonFound] = []
    if q:
        with d.store.engine.connect() as conn:
            rows = overview.permit_history(conn, q)
            if rows:
                alerts_for, _ = list_alerts(conn, AlertFilter(state="all", text=f"permit {q}:"))
            else:
                found = overview.find_people(conn, q, MAX_FOUND)
    holder = next((r for r in reversed(rows) if r.holder), None)
    return _render(
        request,
        "permit.html",
        session=session,
        permit_no=q if rows else "",
        q=q,
        found=found,
        max_found=MAX_FOUND,
        rows=rows,
        holder=holder,
        alerts=alerts_for,
        names=d.checkpoint_names(),
    )


@router.get("/register")
async def register_page(request: Request, q: str = "") -> HTMLResponse:
    session = await _session(request)
    return await run_in_threadpool(_register, request, session, clean_search(q))


def _register(request: Request, session: Session, q: str) -> HTMLResponse:
    """The permits HQ's offices issued that ``q`` finds; with no ``q``, issuance per office per day."""
    d = _dashboard(request)
    today = (d.clock() + LOCAL_OFFSET) // DAY * DAY - LOCAL_OFFSET
    since = today - (REGISTER_DAYS - 1) * DAY
    found: list[dict] = []
    counts: list[dict] = []
    offices: dict[str, str] = {}
    with d.registry() as registry:
        if registry is not None and q:
            found = registry.search_permits(q, MAX_FOUND)
        elif registry is not None:
            counts = registry.issuance_counts(since, today + DAY, LOCAL_OFFSET)
            offices = {i.office: i.name for i in registry.issuers()}
    return _render(
        request,
        "register.html",
        session=session,
        q=q,
        found=found,
        max_found=MAX_FOUND,
        offices=offices,
        days=[_local(today - i * DAY, "%Y-%m-%d") for i in range(REGISTER_DAYS)],
        counts={(c["day"], c["office"]): c for c in counts},
        register_days=REGISTER_DAYS,
    )


@router.get("/officers")
async def officer_page(request: Request, checkpoint: str = "", name: str = "") -> HTMLResponse:
    session = await _session(request)
    if not name:
        return await run_in_threadpool(_officers, request, session, checkpoint[:64])
    return await run_in_threadpool(_officer, request, session, checkpoint[:64], name[:200])


def _officers(request: Request, session: Session, checkpoint: str) -> HTMLResponse:
    """Every officer HQ's analytics counted, per checkpoint (or at one), with their counts."""
    d = _dashboard(request)
    with d.store.engine.connect() as conn:
        stats = derived_state.officers(conn, checkpoint or None)
    by_checkpoint: dict[str, list[Any]] = {}
    for s in stats:
        by_checkpoint.setdefault(s.checkpoint, []).append(s)
    return _render(
        request,
        "officers.html",
        session=session,
        checkpoint=checkpoint,
        by_checkpoint=by_checkpoint,
        names=d.checkpoint_names(),
    )


def _officer(request: Request, session: Session, checkpoint: str, name: str) -> HTMLResponse:
    d = _dashboard(request)
    with d.store.engine.connect() as conn:
        record = overview.officer_record(conn, checkpoint, name) if checkpoint and name else None
        alerts_for, _ = list_alerts(conn, AlertFilter(state="all", text=f"officer {name} at {checkpoint}:"))
    status = 200 if record is not None or not name else 404
    return _render(
        request,
        "officer.html",
        status,
        session=session,
        checkpoint=checkpoint,
        name=name,
        record=record,
        alerts=alerts_for if name else [],
        names=d.checkpoint_names(),
    )


MAX_SEQ = 2**62  # a record number any database here can hold (PostgreSQL's BIGINT, SQLite's INTEGER)
MAX_BOOTH_ID = 64


@router.get("/records/{booth_id}/{seq}")
async def record_page(request: Request, booth_id: str, seq: int) -> HTMLResponse:
    session = await _session(request)
    d = _dashboard(request)
    if not 1 <= seq <= MAX_SEQ or len(booth_id) > MAX_BOOTH_ID:  # what no database column holds: not found
        raise PageRefused(404, N_("HQ holds no such record."))
    found = await run_in_threadpool(lambda: list(d.store.records(booth_id, seq, seq)))
    if not found:
        raise PageRefused(404, N_("HQ holds no such record."))
    return _render(request, "record.html", session=session, r=found[0], names=d.checkpoint_names())


# -- static files: the stylesheet and the bundled fonts

_STATIC = {"dashboard.css": (HERE / "static" / "dashboard.css", "text/css")}
_FONTS = {p.name: p for p in assets.FONTS_DIR.glob("*.ttf")}
FONT_LICENCE = "LICENSE-OFL.txt"  # the fonts' licence goes with them (SIL OFL 1.1)


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name in _STATIC:
        path, media = _STATIC[name]
        return FileResponse(path, media_type=media, headers={"Cache-Control": "max-age=3600"})
    return HTMLResponse("not found", 404)


@router.get("/static/fonts/{name}")
def font(name: str) -> Response:
    if name == FONT_LICENCE:
        return FileResponse(assets.FONTS_DIR / name, media_type="text/plain; charset=utf-8")
    path = _FONTS.get(name)
    if path is None:
        return HTMLResponse("not found", 404)
    return FileResponse(path, media_type="font/ttf", headers={"Cache-Control": "max-age=86400"})


# -- wiring


async def _login_needed(request: Request, _exc: Exception) -> Response:
    if request.method != "GET":
        return _render(request, "error.html", 403, session=None, message=N_("You are not logged in."))
    target = request.url.path + ("?" + request.url.query if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303, headers=guard.HEADERS)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRefused)
    log.info("dashboard refused %s %s: %s", request.method, request.url.path, exc.message)
    return error_page(request, exc.status, exc.message)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return _render(request, "error.html", status, session=None, message=message)


def mount(
    app: FastAPI, store: SyncStore, data_dir: Path, clock: Callable[[], int], *, trust_proxy: bool = False
) -> None:
    """Serve the dashboard from ``app`` (the HQ server), over the sync store's database."""
    app.state.dashboard = Dashboard(store, Staff(store.engine), data_dir, clock, trust_proxy)
    app.include_router(router)
    app.add_exception_handler(LoginNeeded, _login_needed)
    app.add_exception_handler(PageRefused, _refused)
