"""The sync database's versioned migrations (sync.hq.schema), on SQLite and PostgreSQL.

From an empty database; from the database the code before versioned migrations made
(tests/data/hq-db/, made at commit dab1a78: its README says how); opening twice; and a database
newer than the code, refused untouched.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hq_server import NOW, fresh_pg_schema
from sqlalchemy import create_engine, func, insert, inspect, select, text

from sync.hq import schema
from sync.hq.analytics import derived_state, incremental
from sync.hq.dashboard.staff import Staff
from sync.hq.errors import SchemaTooNew
from sync.hq.registry import Registry
from sync.hq.store import SyncStore
from sync.protocol.records import genesis_hash

OLD = Path(__file__).resolve().parents[1] / "data" / "hq-db"
OLD_TABLES = (
    "meta",
    "booths",
    "records",
    "receipts",
    "forks",
    "alerts",
    "analysis_watermarks",
    "permit_state",
    "officer_stats",
    "clock_skew_seen",
    "analysis_revocations",
    "staff",
    "staff_sessions",
    "alert_acks",
)


def shape(engine) -> dict[str, tuple[list[str], list[str]]]:
    """Per table: its columns and its indexes, by name, as the database reports them."""
    found = inspect(engine)
    return {
        t: (sorted(c["name"] for c in found.get_columns(t)), sorted(i["name"] for i in found.get_indexes(t)))
        for t in found.get_table_names()
    }


EXPECTED = {
    t.name: (sorted(c.name for c in t.columns), sorted(i.name for i in t.indexes))
    for t in schema.metadata.tables.values()
}


def versions(store: SyncStore) -> list[tuple[int, str, int]]:
    return versions_in(store.engine)


def versions_in(engine) -> list[tuple[int, str, int]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(schema.schema_version).order_by(schema.schema_version.c.version))]


def meta_version(store: SyncStore) -> str | None:
    with store.engine.connect() as conn:
        return conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).scalar()


def test_an_empty_database_gets_every_table_and_index_of_the_schema(sync_db_url: str) -> None:
    store = SyncStore(sync_db_url)
    try:
        assert shape(store.engine) == EXPECTED
        assert [v[0] for v in versions(store)] == list(range(1, schema.SCHEMA_VERSION + 1))
        assert meta_version(store) == str(schema.SCHEMA_VERSION)  # what an older Booth checks
    finally:
        store.close()


def test_opening_twice_is_a_no_op(sync_db_url: str) -> None:
    SyncStore(sync_db_url).close()
    store = SyncStore(sync_db_url)
    try:
        before = versions(store)
        assert schema.migrate(store.engine, now=NOW + 1) == schema.SCHEMA_VERSION  # nothing to do
        assert versions(store) == before and len(before) == schema.SCHEMA_VERSION
        assert shape(store.engine) == EXPECTED
    finally:
        store.close()


def test_a_database_newer_than_the_code_is_refused_untouched(sync_db_url: str) -> None:
    store = SyncStore(sync_db_url)
    with store.engine.begin() as conn:
        conn.execute(
            insert(schema.schema_version).values(version=schema.SCHEMA_VERSION + 1, what="future", applied_at=NOW)
        )
    before = versions(store)
    store.close()
    with pytest.raises(SchemaTooNew, match=f"newer Booth \\(schema {schema.SCHEMA_VERSION + 1}, this one knows"):
        SyncStore(sync_db_url)
    engine = create_engine(sync_db_url)  # look without opening (opening is what refuses)
    try:
        assert versions_in(engine) == before
    finally:
        engine.dispose()


def test_a_database_of_schema_1_newer_than_the_code_by_its_meta_row_is_refused(tmp_path: Path) -> None:
    """Before the schema_version table, meta.schema_version said it; a future old-style '3' is refused too."""
    path = tmp_path / "hq-sync.db"
    shutil.copy(OLD / "hq-sync.db", path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = '9' WHERE key = 'schema_version'"))
    engine.dispose()
    with pytest.raises(SchemaTooNew, match="schema 9"):
        SyncStore(f"sqlite:///{path}")


# -- today's database (schema 1, before versioned migrations)


def check_everything_is_there(store: SyncStore) -> None:
    """What tests/data/hq-db/README.md says the database holds, read through today's code."""
    assert shape(store.engine) == EXPECTED
    listed = versions(store)
    assert [v[0] for v in listed] == list(range(1, schema.SCHEMA_VERSION + 1))
    assert "made before versioned migrations" in listed[0][1]
    assert meta_version(store) == str(schema.SCHEMA_VERSION)
    phd, stb = store.booth("PHD-01"), store.booth("STB-01")
    assert (phd.state, phd.acked_seq, phd.checkpoint) == ("enrolled", 8, "KH-PHD")
    assert (stb.state, stb.acked_seq) == ("waiting", 0)
    held = list(store.records("PHD-01"))
    assert [r.seq for r in held] == list(range(1, 9)) and held[0].prev_hash == genesis_hash("PHD-01")
    assert all(b.prev_hash == a.hash for a, b in zip(held, held[1:], strict=False))
    assert store.latest_receipt("PHD-01") is not None
    [fork] = store.forks("PHD-01")
    assert fork["seq"] == 2 and fork["wire"]
    alerts = {a.kind: a for a in store.alerts(include_acknowledged=True)}
    assert set(alerts) == {"fork", "silent_booth"}
    assert alerts["fork"].acknowledged and not alerts["silent_booth"].acknowledged
    staff = Staff(store.engine)
    assert [(m.username, m.display_name) for m in staff.members()] == [("chenda", "Chenda Keo")]
    assert staff.acks([alerts["fork"].id])[alerts["fork"].id][0] == "chenda"
    staff.login("chenda", "correct horse battery", now=NOW + 10 * 3600)  # the stored hash still checks
    with store.engine.connect() as conn:
        assert derived_state.watermarks(conn) == {"PHD-01": 8}
    assert sum(r.raised for r in incremental.analyse(store, NOW + 8 * 3600)) == 0  # nothing new: same state
    rows = {r["booth_id"]: r for r in store.stats()}
    assert (rows["PHD-01"]["records"], rows["PHD-01"]["forks"], rows["PHD-01"]["open_alerts"]) == (8, 1, 1)


def test_todays_sqlite_database_migrates_with_everything_in_it(tmp_path: Path) -> None:
    for name in ("hq.db", "hq-sync.db"):
        shutil.copy(OLD / name, tmp_path / name)  # never opened in place: opening migrates
    store = SyncStore.open(tmp_path)
    try:
        check_everything_is_there(store)
    finally:
        store.close()
    store = SyncStore.open(tmp_path)  # and again: nothing more to do
    try:
        assert [v[0] for v in versions(store)] == list(range(1, schema.SCHEMA_VERSION + 1))
    finally:
        store.close()
    registry = Registry(tmp_path / "hq.db")
    try:
        assert [c.code for c in registry.checkpoints()] == ["KH-PHD", "KH-STB"]
        assert [i.office for i in registry.issuers()] == ["KH-BTB-01"]
        assert registry.permit("KH-BTB-2026-000001") is not None
        assert [r.permit_no for r in registry.revocations()] == ["KH-BTB-2026-000001"]
    finally:
        registry.close()


def test_todays_postgresql_database_migrates_with_everything_in_it(tmp_path: Path) -> None:
    base = os.environ.get("BOOTH_TEST_PG_URL")
    if not base:
        pytest.skip("PostgreSQL: set BOOTH_TEST_PG_URL")
    url, drop = fresh_pg_schema(base)
    try:
        old = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
        shutil.copy(OLD / "hq-sync.db", tmp_path / "old.db")
        pg = create_engine(url)
        with pg.begin() as conn:
            ddl = (OLD / "hq-sync-postgresql.sql").read_text()
            for statement in ddl.split(";\n"):
                if statement.strip() and not statement.strip().startswith("INSERT INTO meta"):
                    conn.exec_driver_sql(statement)
            with old.connect() as source:  # the rows, as a PostgreSQL HQ of that version would hold them
                for name in OLD_TABLES:
                    table = schema.metadata.tables[name]
                    had = {c["name"] for c in inspect(old).get_columns(name)}  # later steps added columns
                    rows = [dict(r._mapping) for r in source.execute(select(*(c for c in table.c if c.name in had)))]
                    if rows:
                        conn.execute(insert(table), rows)
            for name in ("alerts", "forks"):  # their SERIAL ids, as inserts would have left them
                top = conn.execute(select(func.max(schema.metadata.tables[name].c.id))).scalar()
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), {top})"))
        assert set(shape(pg)) == set(OLD_TABLES)
        pg.dispose()
        old.dispose()
        store = SyncStore(url)
        try:
            check_everything_is_there(store)
        finally:
            store.close()
    finally:
        drop()
