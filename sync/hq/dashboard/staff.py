"""HQ staff accounts and their dashboard sessions, in the sync database (SQLite or PostgreSQL).

Passwords are scrypt hashes (``booth.pins.hash_secret``). Wrong passwords throttle the account:
three free tries, then 30 s doubling up to ``MAX_DELAY`` (15 min), and never for good: the login
form cannot lock an account until HQ steps in (``booth-hq staff disable`` is for that). Each try
is counted in one UPDATE before the scrypt runs (``failed = failed + 1`` where the account is
open), so parallel guesses are all counted and a try while throttled is refused unhashed-for;
the right password clears the count. An unknown name, a disabled or throttled account all cost
one scrypt, like a known name, so timing does not tell which names exist. (An account an older
HQ locked for good, ``locked_until = FOREVER``, stays so until ``booth-hq staff unlock``.)

A session is a random 256-bit token in an HttpOnly cookie; the database keeps only its
SHA-256, so a copy of the database does not hold live sessions. Each session has its own
CSRF token for the forms. Sessions end after ``IDLE`` without a request, or ``LIFETIME``
after login, or at logout.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, case, delete, insert, or_, select, update

from booth.pins import BASE_DELAY, FOREVER, FREE_TRIES, MAX_DELAY, hash_secret, secret_matches
from sync.hq.errors import LoginRefused, StaffError
from sync.hq.schema import alert_acks, staff, staff_sessions

IDLE = 30 * 60
LIFETIME = 12 * 3600
TOUCH_EVERY = 60  # a session's last_used is written at most this often: reads stay reads
MIN_PASSWORD = 12
LANGUAGES = ("en", "km", "th")  # the dashboard's languages: English, Khmer, Thai


@dataclass(frozen=True)
class StaffMember:
    username: str
    display_name: str
    disabled: bool
    locked_until: int | None
    failed: int
    language: str = "en"


@dataclass(frozen=True)
class Session:
    username: str
    display_name: str
    csrf: str
    created_at: int
    language: str = "en"


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"a password has at least {MIN_PASSWORD} characters")
    if len(set(password)) < 5:
        raise StaffError("that password is too easy to guess (too few different characters)")


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise StaffError(f"the dashboard's languages are {', '.join(LANGUAGES)}, not {language[:16]!r}")
    return language


@functools.cache
def _dummy_hash() -> str:
    """A hash of nothing anyone knows, checked for unknown names: same cost as a real one."""
    return hash_secret(secrets.token_hex(16))


def throttle_delay(failed: int) -> int:
    """Seconds an account waits after its ``failed``-th wrong password in a row (0: none)."""
    if failed < FREE_TRIES:
        return 0
    return min(BASE_DELAY * 2 ** min(failed - FREE_TRIES, 32), MAX_DELAY)


def _locked_until_after_one_more(now: int) -> ColumnElement:
    """SQL for ``locked_until`` once this try is counted (``failed + 1`` on the row's old value)."""
    counted = staff.c.failed + 1
    whens: list[tuple[ColumnElement, object]] = [(counted < FREE_TRIES, None)]
    k = FREE_TRIES
    while throttle_delay(k) < MAX_DELAY:
        whens.append((counted == k, now + throttle_delay(k)))
        k += 1
    return case(*whens, else_=now + MAX_DELAY)


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _why_closed(conn: Connection, username: str, now: int) -> str:
    """Why a login found no open account of that name (for the log only)."""
    row = conn.execute(select(staff.c.disabled, staff.c.locked_until).where(staff.c.username == username)).first()
    if row is None:
        return "wrong name or password"
    if row.disabled:
        return "this account is disabled"
    wait = "until HQ unlocks it" if row.locked_until == FOREVER else f"for {row.locked_until - now} s"
    return f"too many wrong passwords: this account is locked {wait}"


class Staff:
    """Accounts, logins and sessions over a SQLAlchemy engine (the sync store's)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine  # the sync store's: its tables are sync.hq.schema's, made when the store opened

    # -- accounts (the command line)

    def add(self, username: str, display_name: str, password: str, *, now: int, language: str = "en") -> None:
        check_language(language)
        if not username or len(username) > 64 or not username.isprintable() or username != username.strip():
            raise StaffError("a user name is 1 to 64 printable characters, no spaces around it")
        check_password_policy(password)
        password_hash = hash_secret(password)
        with self.engine.begin() as conn:
            if conn.execute(select(staff.c.username).where(staff.c.username == username)).first():
                raise StaffError(f"{username!r} already exists")
            conn.execute(
                insert(staff).values(
                    username=username,
                    display_name=display_name or username,
                    password_hash=password_hash,
                    failed=0,
                    disabled=False,
                    created_at=now,
                    language=language,
                )
            )

    def set_password(self, username: str, password: str) -> None:
        check_password_policy(password)
        self._update(username, password_hash=hash_secret(password), failed=0, locked_until=None)
        self.end_sessions(username)

    def unlock(self, username: str) -> None:
        self._update(username, failed=0, locked_until=None)

    def disable(self, username: str) -> None:
        self._update(username, disabled=True)
        self.end_sessions(username)

    def enable(self, username: str) -> None:
        """A disabled account may log in again; its wrong-password throttle starts afresh."""
        self._update(username, disabled=False, failed=0, locked_until=None)

    def set_language(self, username: str, language: str) -> None:
        """The language the dashboard speaks to ``username`` (en, km or th)."""
        self._update(username, language=check_language(language))

    def members(self) -> list[StaffMember]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(staff).order_by(staff.c.username)).all()
        return [StaffMember(r.username, r.display_name, r.disabled, r.locked_until, r.failed, r.language) for r in rows]

    def _update(self, username: str, **values: object) -> None:
        with self.engine.begin() as conn:
            if conn.execute(update(staff).where(staff.c.username == username).values(**values)).rowcount == 0:
                raise StaffError(f"no staff member {username!r}")

    # -- logging in

    def login(self, username: str, password: str, *, now: int) -> tuple[str, Session]:
        """A new session (its cookie token, and the session) for the right password; else ``LoginRefused``.

        The refusal's message is the real reason, for HQ's log; the dashboard shows everyone the same answer.
        """
        with self.engine.begin() as conn:  # counted first, in one statement: parallel tries are all counted
            row = conn.execute(
                update(staff)
                .where(
                    staff.c.username == username,
                    staff.c.disabled.is_(False),
                    or_(staff.c.locked_until.is_(None), staff.c.locked_until <= now),
                )
                .values(failed=staff.c.failed + 1, locked_until=_locked_until_after_one_more(now))
                .returning(staff.c.password_hash, staff.c.display_name, staff.c.language)
            ).first()
            why = _why_closed(conn, username, now) if row is None else ""
        if row is None:
            secret_matches(password, _dummy_hash())
            raise LoginRefused(why)
        if not secret_matches(password, row.password_hash):
            raise LoginRefused("wrong name or password")
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(update(staff).where(staff.c.username == username).values(failed=0, locked_until=None))
            conn.execute(
                insert(staff_sessions).values(
                    token_sha256=_sha256(token), username=username, csrf=csrf, created_at=now, last_used=now
                )
            )
        return token, Session(username, row.display_name, csrf, now, row.language)

    def session(self, token: str | None, *, now: int) -> Session | None:
        """The live session for a cookie token, or None (unknown, expired, or the account disabled)."""
        if not token or len(token) > 128:
            return None
        key = _sha256(token)
        query = (
            select(staff_sessions, staff.c.display_name, staff.c.disabled, staff.c.language)
            .join(staff, staff.c.username == staff_sessions.c.username)
            .where(staff_sessions.c.token_sha256 == key)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        if row.disabled or now - row.last_used > IDLE or now - row.created_at > LIFETIME:
            self.logout(token)
            return None
        if now - row.last_used >= TOUCH_EVERY:
            with self.engine.begin() as conn:
                conn.execute(update(staff_sessions).where(staff_sessions.c.token_sha256 == key).values(last_used=now))
        return Session(row.username, row.display_name, row.csrf, row.created_at, row.language)

    def logout(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(staff_sessions).where(staff_sessions.c.token_sha256 == _sha256(token)))

    def end_sessions(self, username: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(staff_sessions).where(staff_sessions.c.username == username))

    # -- what staff did

    def acks(self, alert_ids: list[int]) -> dict[int, tuple[str, int, str]]:
        """Who acknowledged which alert, when, with what note."""
        if not alert_ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(alert_acks).where(alert_acks.c.alert_id.in_(alert_ids))).all()
        return {r.alert_id: (r.username, r.at, r.note) for r in rows}
