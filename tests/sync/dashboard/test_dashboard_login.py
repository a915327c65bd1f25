"""Logging in over HTTP (the real server): one answer for every refusal, and a flood of logins
that does not starve the booths' API."""

from __future__ import annotations

import re

import httpx
from dashboard_helpers import PASSWORD, USER, login_flood
from sqlalchemy import update

from sync.hq.dashboard.staff import Staff
from sync.hq.dashboard.web import REFUSED
from sync.hq.schema import staff


def _try(url: str, username: str, password: str) -> tuple[int, str]:
    with httpx.Client(base_url=url, timeout=30) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)[1]
        answer = client.post(
            "/login", data={"csrf": token, "username": username, "password": password}, headers={"origin": url}
        )
    message = re.search(r'<p class="message" role="alert">([^<]*)</p>', answer.text)
    return answer.status_code, message[1] if message else answer.headers.get("location", "")


def test_every_refused_login_reads_the_same(dashboard) -> None:
    accounts = Staff(dashboard.world.store.engine)
    for name in ("dara", "sokha"):
        accounts.add(name, "", PASSWORD, now=dashboard.now)
    accounts.disable("dara")
    with accounts.engine.begin() as conn:
        conn.execute(update(staff).where(staff.c.username == "sokha").values(failed=5, locked_until=2**40))
    answers = {
        "unknown name": _try(dashboard.url, "nobody", PASSWORD),
        "wrong password": _try(dashboard.url, USER, "not the password"),
        "disabled": _try(dashboard.url, "dara", PASSWORD),
        "throttled": _try(dashboard.url, "sokha", PASSWORD),
    }
    assert set(answers.values()) == {(403, REFUSED)}, answers
    assert _try(dashboard.url, USER, PASSWORD) == (303, "/")


def test_a_login_flood_does_not_starve_the_booths_api(dashboard) -> None:
    figures = login_flood(dashboard.url, 60)
    print(figures)
    assert set(figures["login_statuses"]) <= {"403", "429"} and figures["login_statuses"].get("403")
    assert set(figures["time_statuses"]) == {"200"}
    assert figures["time_p99_ms"] <= 1000  # target 200 ms; generous on a loaded 2-core test machine
    assert _try(dashboard.url, USER, PASSWORD)[0] == 429  # this address has used its minute's tries
