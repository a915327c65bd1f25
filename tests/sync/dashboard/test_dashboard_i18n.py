"""The dashboard for the people who use it: its words in Khmer and Thai per staff member (real
Chromium against the real server), search by permit number or name in Latin or native script,
every page reachable from the navigation, alert times in local time, hostile searches bounded.
BOOTH_SCREENSHOTS=dir keeps the Khmer and Thai overview screenshots."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest
from dashboard_helpers import PASSWORD, USER

from sync.hq.dashboard import i18n, web
from sync.hq.dashboard.staff import Staff

PACKAGE = Path(web.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")
KHMER, THAI = re.compile("[\u1780-\u17ff]"), re.compile("[\u0e00-\u0e7f]")


# -- the catalogues


@pytest.mark.parametrize("language", ["km", "th"])
def test_every_word_the_dashboard_says_is_translated(language: str) -> None:
    said = i18n.all_msgids(PACKAGE)
    assert len(said) > 100 and "Overview" in said and "Ledger fork" in said  # templates and Python both read
    catalogue = i18n.read_po(i18n.po_path(language))
    assert list(catalogue) == said, "run scripts/i18n-dashboard: the catalogue is not up to date"
    script = KHMER if language == "km" else THAI
    for msgid in said:
        words = catalogue.get(msgid, "")
        assert words.strip(), f"{language}: no translation of {msgid!r}"
        assert sorted(PLACEHOLDER.findall(words)) == sorted(PLACEHOLDER.findall(msgid)), msgid
        assert script.search(words), f"{language}: {msgid!r} is not in the {language} script"
        assert i18n.nfc(words) == words


def test_shared_terms_are_the_booths() -> None:
    """The same concept reads the same at the booth and at HQ."""
    km, th = i18n.catalogue("km"), i18n.catalogue("th")
    assert (km["Entries"], km["Exits"], km["Overrides"], km["Checkpoint"]) == (
        "ចូល",
        "ចេញ",
        "អនុញ្ញាតពិសេស",
        "ច្រកត្រួតពិនិត្យ",
    )
    assert (th["Entries"], th["Exits"], th["Overrides"], th["Checkpoint"]) == ("เข้า", "ออก", "อนุมัติพิเศษ", "จุดผ่านแดน")
    assert km["The permit has expired."] and th["The permit has expired."]  # the booth's reasons, from its .ts


def test_a_po_file_reads_as_msgfmt_would(tmp_path: Path) -> None:
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: km\\n"\n\nmsgid "a \\"b\\""\nmsgstr ""\n"ក "\n"ខ"\n\n'
        '#, fuzzy\nmsgid "old"\nmsgstr "ចាស់"\n\nmsgid "empty"\nmsgstr ""\n',
        encoding="utf-8",
    )
    assert i18n.read_po(po) == {'a "b"': "ក ខ"}


def test_alert_texts_read_in_local_time() -> None:
    text = "entered at KH-STB (STB-01) 2026-09-21T03:05:00Z while inside since 2026-09-20T23:59:59Z at KH-PHD"
    assert (
        web._local_times(text)
        == "entered at KH-STB (STB-01) 2026-09-21 10:05 while inside since 2026-09-21 06:59 at KH-PHD"
    )
    assert web._local_times("no times 2026-13-40T99:00:00Z here") == "no times 2026-13-40T99:00:00Z here"


def test_a_search_is_bounded_and_cleaned() -> None:
    assert web.clean_search("  sok\x00\tchan\u200bTHA  ") == "sok chan\u200bTHA"  # NUL and tab: spaces
    assert len(web.clean_search("x" * 10_000)) == web.MAX_SEARCH
    decomposed = "\u1780\u17c1\u17b8"  # KA, E, II: NFC folds the split vowel
    assert web.clean_search(decomposed) == i18n.nfc(decomposed)
    assert i18n.best_language("fr-FR, th;q=0.8, km;q=0.5") == "th"
    assert i18n.best_language("") == "en"


# -- in the browser


def _shot(page, name: str, tmp_path: Path) -> Path:
    out = Path(os.environ.get("BOOTH_SCREENSHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(out / name), full_page=True)
    return out / name


def _log_in(page, url: str, user: str, button: str) -> None:
    page.goto(url + "/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click(f"section.login button:has-text('{button}')")


def test_a_khmer_staff_member_reads_khmer_and_switches_to_thai(page, dashboard, tmp_path) -> None:
    Staff(dashboard.world.store.engine).add("sokha", "សុខា ជា", PASSWORD, now=dashboard.now, language="km")
    _log_in(page, dashboard.url, "sokha", "Log in")  # before login: the browser's language (English)
    assert page.locator("html").get_attribute("lang") == "km"
    nav = page.locator("header nav").inner_text()
    assert "ទិដ្ឋភាពទូទៅ" in nav and "ការជូនដំណឹង" in nav and "មន្ត្រី" in nav
    assert page.locator("h1").inner_text().startswith("ច្រកត្រួតពិនិត្យថ្ងៃនេះ")
    card = page.locator("#cp-KH-PHD")
    assert "ចូល" in card.locator("dl.figures").inner_text() and card.locator("dd.entries").inner_text() == "2"
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Khmer\"', 'ច្រកត្រួតពិនិត្យថ្ងៃនេះ')")
    assert _shot(page, "hq-overview-km.png", tmp_path).stat().st_size > 10_000
    page.click("header nav a[href='/alerts']")
    assert "ចូលពីរដងដោយមិនបានចេញ" in page.locator("table.alerts").inner_text()  # the kinds, in Khmer
    assert page.locator("button.acknowledge").first.inner_text() == "ទទួលស្គាល់"
    _shot(page, "hq-alerts-km.png", tmp_path)
    page.click("header nav a[href='/officers']")
    assert page.locator("h1").inner_text() == "មន្ត្រី"
    page.goto(dashboard.url + "/")

    page.click("header .language button[value=th]")
    assert page.locator("html").get_attribute("lang") == "th"
    assert page.locator("h1").inner_text().startswith("จุดผ่านแดนวันนี้")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Thai\"', 'จุดผ่านแดนวันนี้')")
    loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    assert {'"Noto Sans Thai"', '"Noto Sans Khmer"'} <= set(loaded) or {"Noto Sans Thai", "Noto Sans Khmer"} <= set(
        loaded
    )
    assert _shot(page, "hq-overview-th.png", tmp_path).stat().st_size > 10_000
    assert [m.language for m in Staff(dashboard.world.store.engine).members() if m.username == "sokha"] == ["th"]

    page.click("header .who button")  # log out: the login page stays in the language chosen
    assert page.locator("html").get_attribute("lang") == "th"
    assert "คุณออกจากระบบแล้ว" in page.locator("p.message").inner_text()
    page.click("header nav.language a[lang=km]")  # the login page in another language, next= kept
    assert page.locator("html").get_attribute("lang") == "km" and "message=" in page.url
    _log_in(page, dashboard.url, "sokha", "ចូល")
    assert "ภาพรวม" in page.locator("header nav").inner_text()  # kept with the account

    page.click("header .language button[value=en]")
    assert page.locator("h1").inner_text().startswith("Checkpoints today")


def test_search_by_latin_or_khmer_name_and_officers_from_the_nav(page, dashboard, tmp_path) -> None:
    _log_in(page, dashboard.url, USER, "Log in")
    for typed in ("chantha", "SOK CHAN", "chantha sok", "ចន្ថា", "សុខ", "ចន្ថា សុខ", "2026-000001"):
        page.fill("header input[name=q]", typed)
        page.click("header form.search button")
        found = page.locator("table.found tbody tr")
        assert found.count() >= 1, typed
        assert "KH-BTB-2026-000001" in page.locator("table.found").inner_text(), typed
    page.locator("table.found a:has-text('KH-BTB-2026-000001')").click()
    assert page.locator("section.holder .native").inner_text() == "សុខ ចន្ថា"
    page.fill("header input[name=q]", "nobody like this")
    page.click("header form.search button")
    assert page.locator("table.found td.empty").count() == 1

    page.click("header nav a[href='/officers']")
    assert page.locator("h1").inner_text() == "Officers"
    phd = page.locator("#officers-KH-PHD")
    assert "Sok Dara" in phd.inner_text()
    phd.locator("a.officer:has-text('Sok Dara')").click()
    assert "Sok Dara" in page.locator("h1").inner_text() and page.locator("dl.rates").count() == 1
    page.click("p.crumbs a")
    assert page.locator("section.officers").count() == 1  # back to that checkpoint's officers

    page.click("header nav a[href='/alerts']")
    text = page.locator("table.alerts").inner_text()
    assert not re.search(r"\dT\d\d:\d\d:\d\dZ", text)  # no UTC times beside the local ones


def test_hostile_searches_get_a_bounded_page(dashboard) -> None:
    with httpx.Client(base_url=dashboard.url, follow_redirects=False, timeout=30) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)[1]
        client.post(
            "/login", data={"csrf": token, "username": USER, "password": PASSWORD}, headers={"origin": dashboard.url}
        )
        for q in (
            "x" * 10_000,
            "%",
            "_",
            "%%%_\\",
            "' OR 1=1 --",
            "\x00\x01\x1b[31m",
            "ស" * 1000,
            "a\u0301" * 100,
        ):
            answer = client.get("/permits", params={"q": q})
            assert answer.status_code == 200, q[:20]
            assert len(re.findall(r"<tr>", answer.text)) <= web.MAX_FOUND + 1
            assert "Traceback" not in answer.text
        too_long = client.get("/permits", params={"q": "x" * 60_000})  # past what the HTTP server reads?
        assert too_long.status_code < 500
        licence = client.get("/static/fonts/LICENSE-OFL.txt")
        assert licence.status_code == 200 and "SIL OPEN FONT LICENSE" in licence.text.upper()
        for font in ("NotoSansKhmer-Regular.ttf", "NotoSansThai-Bold.ttf"):
            assert client.get(f"/static/fonts/{font}").headers["content-type"] == "font/ttf"
        wild = client.get("/permits", params={"q": "%"}).text
        assert "KH-BTB-2026-000001" not in wild  # a wildcard is a character, not "anything"
        long = client.get("/permits", params={"q": "SOK CHANTHA" + " " * 200 + "x" * 1000}).text
        assert 'value="SOK CHANTHA x' in long  # kept to MAX_SEARCH characters


def test_the_register_in_khmer_finds_a_thai_name_and_counts_per_office(page, dashboard, tmp_path) -> None:
    from conftest import HOLDER

    from sync.hq.holder_file import holder_from_json

    holder = {**HOLDER, "fn": "Srisuk", "gn": "Somchai", "nn": "สมชาย ศรีสุข", "nat": "THA", "doc": "AA1234567"}
    dashboard.world.hq.issue(holder_from_json(holder), office="KH-BTB-01", valid_days=30, now=dashboard.now)
    Staff(dashboard.world.store.engine).add("sokha", "សុខា ជា", PASSWORD, now=dashboard.now, language="km")
    _log_in(page, dashboard.url, "sokha", "Log in")
    page.click("header nav a[href='/register']")
    assert page.locator("h1").inner_text().startswith("បញ្ជីលិខិតអនុញ្ញាត")
    table = page.locator("table.issuance")
    assert "KH-BTB-01" in table.locator("thead").inner_text() and table.locator("tbody tr").count() == 30
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Khmer\"', 'បញ្ជីលិខិតអនុញ្ញាត')")
    assert _shot(page, "register-km.png", tmp_path).stat().st_size > 10_000
    page.fill("form.filters input[name=q]", "ศรีสุข")
    page.click("form.filters button")
    rows = page.locator("table.register tbody tr")
    assert rows.count() == 1 and rows.locator("td.native").inner_text() == "สมชาย ศรีสุข"
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Thai\"', 'สมชาย ศรีสุข')")
    _shot(page, "register-km-found.png", tmp_path)
    rows.locator("a[href^='/permits']").click()
    assert "/permits?q=KH-BTB-2026-" in page.url
