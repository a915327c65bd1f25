"""Dashboard test helpers: an HQ whose two booths synced real batches through a live server,
analysed, with a staff account; a headless Chromium driven by Playwright. The fixtures
(``dashboard``, ``browser``, ``page``) are in tests/conftest.py and call these."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from sync.hq.dashboard.staff import Staff
from sync.hq.server import analyse_once

USER, PASSWORD, DISPLAY = "chenda", "correct horse battery", "Chenda Keo"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]


@dataclass
class DashboardWorld:
    url: str
    world: object  # hq_server.SyncWorld
    now: int


def make_dashboard(sync_world) -> DashboardWorld:
    """Both booths enrolled and synced (the same two permits entered at both checkpoints:
    double entries and impossible travel), analytics run, one staff account."""
    import hq_server

    now = hq_server.NOW + 600
    for booth_id in hq_server.BOOTHS:
        sync_world.enrol(booth_id)
    url = sync_world.serve(clock=lambda: now)
    for booth_id in hq_server.BOOTHS:
        wire = sync_world.sealed(booth_id)
        signed = hq_server.signed_headers(sync_world.key(booth_id), booth_id, "POST", "/v1/batches", wire, t=now)
        answer = httpx.post(
            f"{url}/v1/batches", content=wire, headers={"content-type": "application/octet-stream", **signed}
        )
        assert answer.status_code == 200, answer.text
    assert analyse_once(sync_world.hq.paths.root, sync_world.store, now) > 0
    Staff(sync_world.store.engine).add(USER, DISPLAY, PASSWORD, now=now)
    return DashboardWorld(url, sync_world, now)


def chromium_path() -> str | None:
    return os.environ.get("BOOTH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def launch_browser() -> Iterator[object]:
    """Headless Chromium (Debian's, installed by scripts/test) under Playwright."""
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium is not installed (scripts/test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, url: str, user: str = USER, password: str = PASSWORD) -> None:
    page.goto(url + "/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button:has-text('Log in')")


def login_flood(url: str, logins: int = 60, user: str = USER) -> dict:
    """``logins`` wrong-password logins at once (each its own client and login token) while one
    client asks ``/v1/time`` in a loop: the latency of those (ms), the logins' statuses, logins/s."""
    import re
    import statistics
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    clients = [httpx.Client(base_url=url, timeout=30) for _ in range(logins)]
    tokens = [re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)[1] for c in clients]
    start, done = threading.Barrier(logins + 1), threading.Event()
    times: list[float] = []
    time_statuses: list[int] = []

    def ask_time() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            client.get("/v1/time")  # the connection is open before the flood
            start.wait()
            while not done.is_set():
                t0 = time.perf_counter()
                time_statuses.append(client.get("/v1/time").status_code)
                times.append((time.perf_counter() - t0) * 1000)
                time.sleep(0.01)

    def bad_login(i: int) -> int:
        start.wait()
        data = {"csrf": tokens[i], "username": user, "password": f"not the password {i}"}
        return clients[i].post("/login", data=data, headers={"origin": url}).status_code

    timer = threading.Thread(target=ask_time)
    timer.start()
    with ThreadPoolExecutor(logins) as pool:
        futures = [pool.submit(bad_login, i) for i in range(logins)]
        t0 = time.perf_counter()
        statuses = [f.result() for f in futures]
        took = time.perf_counter() - t0
    done.set()
    timer.join()
    for c in clients:
        c.close()
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {
        "logins": logins,
        "login_statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
        "logins_per_s": round(logins / took, 1),
        "flood_s": round(took, 2),
        "time_calls": len(times),
        "time_statuses": {str(s): time_statuses.count(s) for s in sorted(set(time_statuses))},
        "time_p50_ms": round(statistics.median(times), 1),
        "time_p99_ms": round(cuts[98], 1),
        "time_max_ms": round(max(times), 1),
    }
