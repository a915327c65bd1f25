"""The HQ dashboard in a real browser: headless Chromium (Playwright) against the real server
on 127.0.0.1, over SQLite and PostgreSQL. BOOTH_SCREENSHOTS=docs/screenshots keeps the
screenshots (the ones in the README come from here)."""

from __future__ import annotations

import http.server
import os
import threading
from pathlib import Path

import pytest
from dashboard_helpers import DISPLAY, log_in

from sync.hq.dashboard.web import REFUSED


def _shot(page, name: str, sync_db_url: str, tmp_path: Path) -> None:
    out = Path(os.environ.get("BOOTH_SCREENSHOTS", tmp_path))
    if sync_db_url.startswith("sqlite") or out == tmp_path:  # one set kept: both databases render the same
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / name), full_page=True)
        assert (out / name).stat().st_size > 10_000


def test_login_alert_permit_history_acknowledge(page, dashboard, sync_db_url, tmp_path) -> None:
    page.goto(dashboard.url + "/alerts")
    assert "/login" in page.url  # not logged in: the login page, and back here after it

    page.fill("input[name=username]", "chenda")
    page.fill("input[name=password]", "not the password")
    page.click("button:has-text('Log in')")
    assert page.locator("p.message").inner_text() == REFUSED
    page.fill("input[name=password]", "correct horse battery")
    page.click("button:has-text('Log in')")
    assert page.url.endswith("/alerts")
    assert DISPLAY in page.locator("header").inner_text()

    page.click("a:has-text('Overview')")
    phd = page.locator("#cp-KH-PHD")
    assert phd.locator("dd.entries").inner_text() == "2"  # two permits entered at Phnom Dei today
    assert phd.locator("dd.inside").inner_text() == "2"
    assert "PHD-01" in phd.locator("table.booths").inner_text()
    assert "ភ្នំដី" in phd.locator("h2").inner_text()
    _shot(page, "hq-overview.png", sync_db_url, tmp_path)

    page.click("a:has-text('Alerts')")
    rows = page.locator("table.alerts tbody tr.open")
    assert rows.count() >= 2
    double = page.locator("tr.open", has=page.locator("text=Entered twice without exit")).filter(
        has_text="KH-BTB-2026-000001"
    )
    assert double.count() == 1
    alert_id = double.get_attribute("id")
    _shot(page, "hq-alerts.png", sync_db_url, tmp_path)

    double.locator("a[href^='/permits']").click()
    assert page.locator("section.holder .name").inner_text() == "SOK CHANTHA"
    native = page.locator("section.holder .native")
    assert native.inner_text() == "សុខ ចន្ថា"
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Khmer\"', 'សុខ ចន្ថា')")
    history = page.locator("table.history tbody tr")
    assert history.count() == 2
    assert {"KH-PHD", "KH-STB"} <= set(page.locator("table.history").inner_text().replace("\n", " ").split())
    _shot(page, "hq-permit.png", sync_db_url, tmp_path)

    page.locator("table.history a[href^='/officers']").first.click()
    assert "Sok Dara" in page.locator("h1").inner_text()
    assert page.locator("dl.rates").count() == 1
    assert page.locator("table.history tbody tr").count() >= 3  # two passes and the unreadable code
    _shot(page, "hq-officer.png", sync_db_url, tmp_path)

    page.goto(dashboard.url + "/alerts")
    row = page.locator(f"#{alert_id}")
    row.locator("input[name=note]").fill("Permit taken back at Stung But")
    row.locator("button:has-text('Acknowledge')").click()
    assert page.locator(f"#{alert_id}").count() == 0  # gone from the open alerts
    page.select_option("select[name=state]", "acknowledged")
    page.click("button:has-text('Filter')")
    acked = page.locator(f"#{alert_id}")
    assert "acknowledged by chenda" in acked.inner_text()
    assert "Permit taken back at Stung But" in acked.inner_text()

    page.click("button:has-text('Log out')")
    assert "/login" in page.url
    page.goto(dashboard.url + "/")
    assert "/login" in page.url  # the session ended


class _Attacker(http.server.BaseHTTPRequestHandler):
    """Another origin on loopback whose page posts a form to the dashboard."""

    target = ""

    def do_GET(self) -> None:
        body = (
            f"<form id=f method=post action='{self.target}'><input name=csrf value=guess>"
            f"<input name=note value=x></form><script>document.getElementById('f').submit()</script>"
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def attacker_site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Attacker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", _Attacker
    server.shutdown()


def test_cross_site_and_unauthenticated_requests_are_refused(page, dashboard, attacker_site) -> None:
    from sync.hq.dashboard.staff import Staff

    staff = Staff(dashboard.world.store.engine)
    open_before = len(dashboard.world.store.alerts())
    first = dashboard.world.store.alerts()[0].id

    answer = page.request.post(
        f"{dashboard.url}/alerts/{first}/acknowledge",
        form={"csrf": "x"},
        headers={"origin": dashboard.url},
        max_redirects=0,
    )
    assert answer.status == 403  # no session
    assert "not logged in" in answer.text()

    log_in(page, dashboard.url)
    assert page.locator("header .who").count() == 1
    url, handler = attacker_site
    handler.target = f"{dashboard.url}/alerts/{first}/acknowledge"
    response = None
    with page.expect_response(lambda r: r.url.endswith("/acknowledge")) as posted:
        page.goto(url)
    response = posted.value
    assert response.status == 403  # the browser sent the session cookie (same site), the origin check refused
    assert "another site" in response.text()
    assert len(dashboard.world.store.alerts()) == open_before
    assert staff.acks([first]) == {}


def test_the_register_finds_a_khmer_name_and_counts_issuance(page, dashboard, sync_db_url, tmp_path) -> None:
    log_in(page, dashboard.url)
    page.click("header nav a:has-text('Register')")
    assert page.locator("h1").inner_text().startswith("Permit register")
    assert "KH-BTB-01" in page.locator("table.issuance thead").inner_text()
    _shot(page, "register-en.png", sync_db_url, tmp_path)
    page.fill("form.filters input[name=q]", "ចន្ថា")
    page.click("form.filters button:has-text('Find')")
    rows = page.locator("table.register tbody tr")
    assert rows.count() == 1 and rows.locator("td.native").inner_text() == "សុខ ចន្ថា"
    assert "SOK CHANTHA" in rows.inner_text() and "N01234567" in rows.inner_text()
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Khmer\"', 'សុខ ចន្ថា')")
    _shot(page, "register-en-found.png", sync_db_url, tmp_path)
    rows.locator("a:has-text('KH-BTB-2026-000001')").click()
    assert page.locator("section.holder .name").inner_text() == "SOK CHANTHA"  # its history across checkpoints
