"""HQ's permit register (issue 18): every permit issued here, searched by number, document and
name (Latin or native script), and counted per office per local day (UTC+7); registry schema 6
and the upgrade from schema 5."""

from __future__ import annotations

import datetime as dt
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from conftest import HOLDER, NOW

from sync.hq.facade import HQ
from sync.hq.holder_file import holder_from_json
from sync.hq.registry import _MIGRATIONS, _SCHEMA, DOCUMENT_KEY, SCHEMA_VERSION, Registry
from sync.protocol.times import DAY

LOCAL = 7 * 3600
MIDNIGHT = (NOW + LOCAL) // DAY * DAY - LOCAL  # the start of NOW's day in UTC+7


def row(number: str, **changes: object) -> dict[str, object]:
    """A registry row of a permit issued at the Battambang office."""
    fields: dict[str, object] = dict(
        number=number,
        office="KH-BTB-01",
        family_name="SOK",
        given_names="CHANTHA",
        native_name="សុខ ចន្ថា",
        dob="1988-04-12",
        document="N01234567",
        nationality="KHM",
        not_before=NOW,
        expires=NOW + 365 * DAY,
        issued_at=NOW,
        signature_sha256=number.encode().hex(),
        kind="multi",
    )
    return {**fields, **changes}


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    reg = Registry(tmp_path / "hq.db")
    reg.record_permit(row("KH-BTB-2026-000001", issued_at=NOW - 2 * DAY))
    reg.record_permit(
        row(
            "KH-BTB-2026-000002",
            family_name="CHAN",
            given_names="SOPHAL",
            native_name="ចាន់ សុផល",
            document="AB-123 456",
            issued_at=NOW - DAY,
        )
    )
    reg.record_permit(
        row(
            "TH-SKW-2026-000001",
            office="TH-SKW-01",
            family_name="SRISUK",
            given_names="SOMCHAI",
            native_name="สมชาย ศรีสุข",
            nationality="THA",
            document="TH998877",
        )
    )
    yield reg
    reg.close()


def numbers(rows: list[dict]) -> list[str]:
    return [r["number"] for r in rows]


def test_search_by_permit_number_exact_or_its_start(registry: Registry) -> None:
    assert numbers(registry.search_permits("KH-BTB-2026-000001", 10)) == ["KH-BTB-2026-000001"]
    assert numbers(registry.search_permits("kh-btb-2026", 10)) == ["KH-BTB-2026-000002", "KH-BTB-2026-000001"]
    assert numbers(registry.search_permits("TH-", 10)) == ["TH-SKW-2026-000001"]
    assert registry.search_permits("BTB-2026", 10) == []  # a number matches from its start only


def test_search_by_document_number_ignores_case_spaces_and_dashes(registry: Registry) -> None:
    for q in ("AB-123 456", "ab123456", "AB 123-456"):
        assert numbers(registry.search_permits(q, 10)) == ["KH-BTB-2026-000002"], q
    assert numbers(registry.search_permits("th998877", 10)) == ["TH-SKW-2026-000001"]
    assert registry.search_permits("AB123", 10) == []  # a document matches whole


def test_search_by_latin_name_in_any_case_and_order(registry: Registry) -> None:
    assert numbers(registry.search_permits("sophal", 10)) == ["KH-BTB-2026-000002"]
    assert numbers(registry.search_permits("Chan Sophal", 10)) == ["KH-BTB-2026-000002"]
    assert numbers(registry.search_permits("sophal chan", 10)) == ["KH-BTB-2026-000002"]
    assert numbers(registry.search_permits("CHAN", 10)) == ["KH-BTB-2026-000002", "KH-BTB-2026-000001"]  # CHANTHA
    assert registry.search_permits("%", 10) == [] and registry.search_permits("_", 10) == []  # literal


def test_search_by_khmer_native_name(registry: Registry) -> None:
    assert numbers(registry.search_permits("សុផល", 10)) == ["KH-BTB-2026-000002"]
    assert numbers(registry.search_permits("សុខ ចន្ថា", 10)) == ["KH-BTB-2026-000001"]


def test_search_by_thai_native_name_nfc(registry: Registry) -> None:
    assert numbers(registry.search_permits("สมชาย", 10)) == ["TH-SKW-2026-000001"]
    decomposed = unicodedata.normalize("NFD", "ศรีสุข")
    assert numbers(registry.search_permits(decomposed, 10)) == ["TH-SKW-2026-000001"]


def test_search_is_newest_first_bounded_and_counts_copies(registry: Registry) -> None:
    found = registry.search_permits("KH-BTB", 1)
    assert numbers(found) == ["KH-BTB-2026-000002"] and found[0]["copies"] == 1
    registry.record_permit(row("KH-BTB-2026-000001", issued_at=NOW + 60, signature_sha256="ee"), new_copy=True)
    assert [(r["number"], r["copies"]) for r in registry.search_permits("KH-BTB", 10)] == [
        ("KH-BTB-2026-000001", 2),
        ("KH-BTB-2026-000002", 1),
    ]
    assert registry.search_permits("  ", 10) == []


def test_issuance_counts_per_office_per_local_day(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "hq.db")
    try:
        reg.record_permit(row("KH-BTB-2026-000001", issued_at=MIDNIGHT - 1))  # 23:59:59 the day before
        reg.record_permit(row("KH-BTB-2026-000002", issued_at=MIDNIGHT))  # 00:00 UTC+7: still the UTC day before
        reg.record_permit(row("KH-BTB-2026-000003", issued_at=MIDNIGHT + 3600))
        reg.record_permit(row("TH-SKW-2026-000001", office="TH-SKW-01", issued_at=MIDNIGHT + 7200))
        reg.record_permit(row("KH-BTB-2026-000001", issued_at=MIDNIGHT + 60, signature_sha256="ee"), new_copy=True)
        reg.record_permit(row("KH-BTB-2026-000009", issued_at=MIDNIGHT + DAY))  # after the window
        today = (dt_day(MIDNIGHT), dt_day(MIDNIGHT - 1))
        assert reg.issuance_counts(MIDNIGHT - DAY, MIDNIGHT + DAY) == [
            {"day": today[0], "office": "KH-BTB-01", "issued": 2, "reprinted": 1},
            {"day": today[0], "office": "TH-SKW-01", "issued": 1, "reprinted": 0},
            {"day": today[1], "office": "KH-BTB-01", "issued": 1, "reprinted": 0},
        ]
        assert reg.issuance_counts(MIDNIGHT, MIDNIGHT + 1) == [
            {"day": today[0], "office": "KH-BTB-01", "issued": 1, "reprinted": 0}
        ]
        utc = reg.issuance_counts(MIDNIGHT - DAY, MIDNIGHT + DAY, tz_offset=0)  # in UTC the boundary moves
        assert {r["day"] for r in utc} == {today[1]}
    finally:
        reg.close()


def dt_day(epoch: int) -> str:
    """The day of ``epoch`` in UTC+7."""
    return dt.datetime.fromtimestamp(epoch + LOCAL, dt.UTC).strftime("%Y-%m-%d")


def test_permits_issued_by_hq_keep_native_name_and_date_of_birth(hq: HQ) -> None:
    nn = unicodedata.normalize("NFD", "ស្រី ពៅ")  # as a keyboard may type it: kept NFC
    hq.issue(
        holder_from_json({**HOLDER, "fn": "Srey", "gn": "Pov", "nn": nn}), office="KH-BTB-01", valid_days=30, now=NOW
    )
    [found] = hq.registry.search_permits("ពៅ", 10)
    assert (found["native_name"], found["dob"], found["family_name"]) == ("ស្រី ពៅ", "1988-04-12", "SREY")
    assert found["native_name"] == unicodedata.normalize("NFC", found["native_name"])


def test_a_registry_of_schema_5_upgrades_keeping_its_permits(tmp_path: Path) -> None:
    path = tmp_path / "hq.db"
    con = sqlite3.connect(path)
    con.executescript(_SCHEMA + "".join(_MIGRATIONS[v] for v in range(2, 6)) + "PRAGMA user_version=5;")
    old = {
        k: v for k, v in row("KH-BTB-2026-000001", document="N-0123 4567").items() if k not in ("native_name", "dob")
    }
    con.execute(f"INSERT INTO permits ({', '.join(old)}) VALUES ({', '.join('?' * len(old))})", list(old.values()))
    con.commit()
    con.close()
    reg = Registry(path)
    try:
        assert reg.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
        kept = reg.permit("KH-BTB-2026-000001")
        assert kept is not None and (kept["family_name"], kept["native_name"], kept["dob"]) == ("SOK", "", "")
        assert numbers(reg.search_permits("n01234567", 10)) == ["KH-BTB-2026-000001"]
        indexes = {r[0] for r in reg.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"permits_document", "permits_issued", "permit_copies_issued"} <= indexes
        plan = " ".join(
            str(r)
            for r in reg.db.execute(
                f"EXPLAIN QUERY PLAN SELECT number FROM permits WHERE {DOCUMENT_KEY} = ?",
                ["X"],
            )
        )
        assert "permits_document" in plan
    finally:
        reg.close()
    Registry(path, read_only=True).close()  # upgraded: readable where nothing may be written
