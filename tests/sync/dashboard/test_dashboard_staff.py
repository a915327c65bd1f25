"""Staff accounts and sessions on SQLite and PostgreSQL: hashed passwords, lock-out, expiry."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update

from booth.pins import FOREVER, FREE_TRIES, MAX_DELAY
from sync.hq.dashboard.staff import IDLE, LIFETIME, Staff, throttle_delay
from sync.hq.errors import LoginRefused, StaffError
from sync.hq.schema import staff, staff_sessions
from sync.hq.store import SyncStore

T = 1_790_000_000
PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(sync_db_url: str):
    store = SyncStore(sync_db_url)
    yield Staff(store.engine)
    store.close()


def test_password_is_stored_hashed_and_login_gives_a_session(accounts: Staff) -> None:
    accounts.add("chenda", "Chenda Keo", PASSWORD, now=T)
    with accounts.engine.connect() as conn:
        stored = conn.execute(select(staff.c.password_hash)).scalar_one()
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    token, session = accounts.login("chenda", PASSWORD, now=T)
    with accounts.engine.connect() as conn:
        kept = conn.execute(select(staff_sessions.c.token_sha256)).scalar_one()
    assert kept != token and len(kept) == 64  # only the token's hash is kept
    assert accounts.session(token, now=T + 5) == session
    assert session.display_name == "Chenda Keo" and len(session.csrf) >= 40


@pytest.mark.parametrize("password", ["short", "aaaaaaaaaaaaaaaa"])
def test_weak_passwords_are_refused(accounts: Staff, password: str) -> None:
    with pytest.raises(StaffError):
        accounts.add("chenda", "", password, now=T)


def test_wrong_password_and_unknown_name_read_the_same(accounts: Staff) -> None:
    accounts.add("chenda", "", PASSWORD, now=T)
    with pytest.raises(LoginRefused) as wrong:
        accounts.login("chenda", "not the password", now=T)
    with pytest.raises(LoginRefused) as unknown:
        accounts.login("nobody", "not the password", now=T)
    assert str(wrong.value) == str(unknown.value) == "wrong name or password"


def test_lock_out_grows_then_needs_unlock_only_if_an_older_hq_locked_for_good(accounts: Staff) -> None:
    accounts.add("chenda", "", PASSWORD, now=T)
    for _ in range(3):
        with pytest.raises(LoginRefused):
            accounts.login("chenda", "wrong password!", now=T)
    with pytest.raises(LoginRefused, match="locked for 29 s"):
        accounts.login("chenda", PASSWORD, now=T + 1)  # even the right password waits
    accounts.login("chenda", PASSWORD, now=T + 31)
    with accounts.engine.begin() as conn:  # as an older HQ left it after ten wrong passwords
        conn.execute(update(staff).values(failed=10, locked_until=FOREVER))
    with pytest.raises(LoginRefused, match="until HQ unlocks it"):
        accounts.login("chenda", PASSWORD, now=T + 10**7)
    accounts.unlock("chenda")
    accounts.login("chenda", PASSWORD, now=T + 10**7)


def test_wrong_passwords_throttle_but_never_lock_for_good(accounts: Staff) -> None:
    accounts.add("chenda", "", PASSWORD, now=T)
    t = T
    for _ in range(40):  # an outsider guessing as fast as the throttle lets them
        with pytest.raises(LoginRefused, match="wrong name or password"):
            accounts.login("chenda", "wrong password!", now=t)
        (member,) = accounts.members()
        assert member.locked_until is None or member.locked_until - t <= MAX_DELAY
        t = member.locked_until or t
    assert member.failed == 40 and member.locked_until == t
    assert [throttle_delay(n) for n in range(1, 10)] == [0, 0, 30, 60, 120, 240, 480, 900, 900]
    with pytest.raises(LoginRefused, match="locked for"):
        accounts.login("chenda", PASSWORD, now=t - 1)  # the capped delay has not passed yet
    accounts.login("chenda", PASSWORD, now=t)  # it has: the right password works, and clears the count
    assert accounts.members()[0].failed == 0 and accounts.members()[0].locked_until is None


def test_parallel_wrong_passwords_are_all_counted(accounts: Staff) -> None:
    """20 guesses at once, each on its own connection: the count is not lost to a read-then-write race."""
    accounts.add("chenda", "", PASSWORD, now=T)
    start = threading.Barrier(20)

    def guess(_: int) -> str:
        start.wait()
        try:
            accounts.login("chenda", "wrong password!", now=T)
        except LoginRefused as exc:
            return str(exc)
        return "logged in"

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(guess, range(20)))
    (member,) = accounts.members()
    assert member.failed == FREE_TRIES and member.locked_until == T + throttle_delay(FREE_TRIES)
    assert answers.count("wrong name or password") == FREE_TRIES  # the others found it throttled, unhashed
    assert answers.count("too many wrong passwords: this account is locked for 30 s") == 20 - FREE_TRIES


def test_sessions_end_when_idle_old_logged_out_or_disabled(accounts: Staff) -> None:
    accounts.add("chenda", "", PASSWORD, now=T)
    idle, _ = accounts.login("chenda", PASSWORD, now=T)
    assert accounts.session(idle, now=T + IDLE + 1) is None
    old, _ = accounts.login("chenda", PASSWORD, now=T)
    for t in range(T, T + LIFETIME, IDLE // 2):
        assert accounts.session(old, now=t) is not None  # kept alive by use...
    assert accounts.session(old, now=T + LIFETIME + 1) is None  # ...but not beyond its lifetime
    out, _ = accounts.login("chenda", PASSWORD, now=T)
    accounts.logout(out)
    assert accounts.session(out, now=T) is None
    live, _ = accounts.login("chenda", PASSWORD, now=T)
    accounts.disable("chenda")
    assert accounts.session(live, now=T) is None
    with pytest.raises(LoginRefused, match="disabled"):
        accounts.login("chenda", PASSWORD, now=T)
    assert accounts.session("forged-token", now=T) is None and accounts.session(None, now=T) is None


def test_new_password_ends_sessions(accounts: Staff) -> None:
    accounts.add("chenda", "", PASSWORD, now=T)
    token, _ = accounts.login("chenda", PASSWORD, now=T)
    accounts.set_password("chenda", "another good passphrase")
    assert accounts.session(token, now=T) is None
    with pytest.raises(LoginRefused):
        accounts.login("chenda", PASSWORD, now=T)


def test_duplicate_and_bad_names_are_refused(accounts: Staff) -> None:
    accounts.add("chenda", "", PASSWORD, now=T)
    with pytest.raises(StaffError, match="already exists"):
        accounts.add("chenda", "", PASSWORD, now=T)
    for bad in ("", " chenda", "x" * 65, "a\nb"):
        with pytest.raises(StaffError):
            accounts.add(bad, "", PASSWORD, now=T)
