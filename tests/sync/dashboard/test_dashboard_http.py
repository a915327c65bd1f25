"""The dashboard's guards over HTTP (httpx against the real server): sessions, CSRF and origin
checks, security headers, redirects, forms, error pages."""

from __future__ import annotations

import re

import httpx
import pytest
from dashboard_helpers import PASSWORD, USER

from sync.hq.dashboard.guard import HEADERS, MAX_FORM, SESSION_COOKIE

FORM = {"content-type": "application/x-www-form-urlencoded"}


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html)[1]


def _client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, follow_redirects=False, timeout=15)


def _logged_in(url: str) -> tuple[httpx.Client, str]:
    client = _client(url)
    token = _csrf(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"csrf": token, "username": USER, "password": PASSWORD, "next": "/alerts"},
        headers={"origin": url},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/alerts"
    return client, _csrf(client.get("/alerts").text)


def _first_open_alert(dashboard) -> int:
    return dashboard.world.store.alerts()[0].id


def test_pages_need_a_session(dashboard) -> None:
    client = _client(dashboard.url)
    paths = (
        "/",
        "/alerts?state=all",
        "/permits?q=KH-1",
        "/register",
        "/register?q=SOK",
        "/officers?checkpoint=KH-PHD&name=x",
        "/records/PHD-01/1",
    )
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=")
    answer = client.post(
        f"/alerts/{_first_open_alert(dashboard)}/acknowledge", data={"csrf": "x"}, headers={"origin": dashboard.url}
    )
    assert answer.status_code == 403
    client.cookies.set(SESSION_COOKIE, "made-up")
    assert client.get("/alerts").status_code == 303


def test_session_cookie_is_httponly_strict_and_pages_carry_security_headers(dashboard) -> None:
    client = _client(dashboard.url)
    token = _csrf(client.get("/login").text)
    answer = client.post(
        "/login", data={"csrf": token, "username": USER, "password": PASSWORD}, headers={"origin": dashboard.url}
    )
    cookie = answer.headers["set-cookie"].lower()
    assert SESSION_COOKIE in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # plain HTTP on loopback; behind TLS it is set (test below)
    page = client.get("/alerts")
    for name, value in HEADERS.items():
        assert page.headers[name] == value
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_secure_cookie_behind_a_trusted_tls_proxy(sync_world) -> None:
    url = sync_world.serve(trust_proxy=True)
    client = _client(url)
    login = client.get("/login", headers={"x-forwarded-proto": "https"})
    assert "secure" in login.headers["set-cookie"].lower()


@pytest.mark.parametrize(
    "headers, why",
    [
        ({"origin": "http://evil.example"}, "another site"),
        ({"referer": "http://evil.example/page"}, "another site"),
        ({"sec-fetch-site": "cross-site"}, "another site"),
        ({}, "did not say where it came from"),
    ],
)
def test_cross_site_posts_are_refused(dashboard, headers: dict, why: str) -> None:
    client, csrf = _logged_in(dashboard.url)
    alert = _first_open_alert(dashboard)
    answer = client.post(f"/alerts/{alert}/acknowledge", data={"csrf": csrf}, headers=headers)
    assert answer.status_code == 403 and why in answer.text
    assert alert in {a.id for a in dashboard.world.store.alerts()}  # still open


def test_csrf_token_must_match_the_session(dashboard) -> None:
    client, csrf = _logged_in(dashboard.url)
    other, other_csrf = _logged_in(dashboard.url)
    alert = _first_open_alert(dashboard)
    for token in ("", "x" * 43, other_csrf):
        answer = client.post(f"/alerts/{alert}/acknowledge", data={"csrf": token}, headers={"origin": dashboard.url})
        assert answer.status_code == 403
    answer = client.post(
        f"/alerts/{alert}/acknowledge", data={"csrf": csrf, "back": "/alerts"}, headers={"origin": dashboard.url}
    )
    assert answer.status_code == 303
    assert alert not in {a.id for a in dashboard.world.store.alerts()}


def test_login_form_needs_its_own_token(dashboard) -> None:
    client = _client(dashboard.url)
    answer = client.post(
        "/login", data={"csrf": "guess", "username": USER, "password": PASSWORD}, headers={"origin": dashboard.url}
    )
    assert answer.status_code == 403 and SESSION_COOKIE not in answer.headers.get("set-cookie", "")


@pytest.mark.parametrize("target", ["//evil.example/x", "http://evil.example/", "\\\\evil", "alerts"])
def test_login_never_redirects_off_site(dashboard, target: str) -> None:
    client = _client(dashboard.url)
    token = _csrf(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"csrf": token, "username": USER, "password": PASSWORD, "next": target},
        headers={"origin": dashboard.url},
    )
    assert answer.headers["location"] == "/"


def test_bad_forms_and_addresses_get_a_page_not_a_traceback(dashboard) -> None:
    client, csrf = _logged_in(dashboard.url)
    alert = _first_open_alert(dashboard)
    big = client.post(
        f"/alerts/{alert}/acknowledge",
        content=b"csrf=" + b"x" * (MAX_FORM + 1),
        headers=FORM | {"origin": dashboard.url},
    )
    assert big.status_code == 413 and "too large" in big.text
    json_body = client.post(f"/alerts/{alert}/acknowledge", json={"csrf": csrf}, headers={"origin": dashboard.url})
    assert json_body.status_code == 415
    bad_utf8 = client.post(
        f"/alerts/{alert}/acknowledge", content=b"csrf=\xff\xfe", headers=FORM | {"origin": dashboard.url}
    )
    assert bad_utf8.status_code == 400
    for path, status in (
        ("/records/PHD-01/999999", 404),
        ("/records/PHD-01/99999999999999999999999999", 404),  # past any integer column: not a 500
        ("/records/PHD-01/-1", 404),
        ("/records/" + "X" * 5000 + "/1", 404),
        ("/records/PHD-01/abc", 400),
        ("/no-such-page", 404),
        ("/alerts?page=abc", 400),
    ):
        answer = client.get(path)
        assert answer.status_code == status, path
        assert answer.headers["content-type"].startswith("text/html") and "Traceback" not in answer.text
    missing = client.post("/alerts/999999/acknowledge", data={"csrf": csrf}, headers={"origin": dashboard.url})
    assert missing.status_code == 404 and "no such alert" in missing.text


def test_the_booths_api_still_answers_json(dashboard) -> None:
    answer = httpx.get(f"{dashboard.url}/v1/receipts/NOPE")  # unsigned: refused, in JSON
    assert answer.status_code == 403 and answer.json()["reason"] == "unsigned"


def test_alert_filters(dashboard) -> None:
    client, _ = _logged_in(dashboard.url)
    every = client.get("/alerts?state=all").text
    kinds = set(re.findall(r'class="kind kind-(\w+)"', every))
    assert {"double_entry", "impossible_travel"} <= kinds
    only = client.get("/alerts?state=all&kind=double_entry").text
    assert set(re.findall(r'class="kind kind-(\w+)"', only)) == {"double_entry"}
    at_stb = client.get("/alerts?state=all&checkpoint=KH-STB").text
    assert "STB-01#" in at_stb
    by_text = client.get("/alerts?state=all&text=KH-BTB-2026-000002").text
    assert "KH-BTB-2026-000002" in by_text and "KH-BTB-2026-000001" not in by_text
    nothing = client.get("/alerts?state=all&text=%25_%25").text  # LIKE wildcards are matched literally
    assert "No alerts here." in nothing


def test_open_alerts_count_per_checkpoint(dashboard) -> None:
    from sqlalchemy import insert

    from sync.hq.dashboard.alert_list import open_alerts_by_checkpoint
    from sync.hq.schema import alerts

    store = dashboard.world.store
    by_booth = {b.booth_id: b.checkpoint for b in store.booths()}
    expected: dict[str, int] = {}
    for a in store.alerts():
        expected[by_booth[a.booth_id]] = expected.get(by_booth[a.booth_id], 0) + 1
    with store.engine.begin() as conn:  # an officer alert names its checkpoint, not a booth
        conn.execute(
            insert(alerts).values(
                kind="override_outlier",
                booth_id=None,
                seq=None,
                raised_at=0,
                acknowledged=False,
                detail="officer Sok Dara at KH-PHD: many",
            )
        )
    expected["KH-PHD"] = expected.get("KH-PHD", 0) + 1
    with store.engine.connect() as conn:
        assert open_alerts_by_checkpoint(conn) == expected


# -- HQ's permit register


def test_register_finds_a_permit_hq_issued_by_its_khmer_name_number_or_document(dashboard) -> None:
    from conftest import HOLDER

    from sync.hq.holder_file import holder_from_json

    hq = dashboard.world.hq
    holder = {**HOLDER, "fn": "Keo", "gn": "Sreypov", "nn": "កែវ ស្រីពៅ", "doc": "KM-778 899"}
    issued = hq.issue(holder_from_json(holder), office="KH-BTB-01", valid_days=30, now=dashboard.now)
    number = issued.permit.number
    client, _ = _logged_in(dashboard.url)
    for q in ("ស្រីពៅ", "sreypov", number, "km778899"):
        page = client.get("/register", params={"q": q})
        assert page.status_code == 200, q
        rows = re.findall(r"<tr>.*?</tr>", page.text.split("<tbody>")[1], re.S)
        assert len(rows) == 1 and f'href="/permits?q={number}"' in rows[0], q
        assert "កែវ ស្រីពៅ" in rows[0] and "KEO SREYPOV" in rows[0] and "KM-778 899" in rows[0], q
    nothing = client.get("/register", params={"q": "nobody like this"}).text
    assert "No permit issued by HQ&#39;s offices matches this." in nothing
    assert 'href="/register"' in client.get("/").text  # in the navigation


def test_register_counts_permits_issued_per_office_per_local_day(dashboard) -> None:
    import datetime as dt

    import hq_server

    client, _ = _logged_in(dashboard.url)
    page = client.get("/register").text
    assert "Permits issued per office, last 30 days" in page
    table = page.split('<table class="issuance">')[1].split("</table>")[0]
    assert '<th title="Battambang permit office">KH-BTB-01</th>' in table
    day = dt.datetime.fromtimestamp(hq_server.NOW - hq_server.DAY + 7 * 3600, dt.UTC).strftime("%Y-%m-%d")
    row = re.search(rf"<td class=\"nowrap\">{day}</td>\s*<td>(.*?)</td>", table)
    assert row is not None and row[1] == "2"  # the template's two permits, issued the day before NOW
    assert table.count("<tr>") == 31  # the header and 30 days
