"""Shared fixtures: real keys, a real HQ data dir, real bundles. Nothing of ours is mocked."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sync.protocol.batch import Receipt, open_receipt
from sync.protocol.errors import DocumentRefused

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # GUI tests: real widgets, no screen needed

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.hq.facade import HQ
from sync.protocol.bundle import TrustBundle
from sync.protocol.keys import generate
from sync.protocol.permit import Permit
from sync.protocol.times import DAY

# a typical holder file (HOLDER.json's keys): Khmer holder, two checkpoints
HOLDER = {
    "fn": "Sok",
    "gn": "Chantha",
    "nn": "សុខ ចន្ថា",
    "dob": "1988-04-12",
    "sx": "F",
    "nat": "KHM",
    "doc": "N01234567",
    "res": "Kamrieng, Battambang",
    "cp": ["KH-PHD", "KH-STB"],
    "zn": "Sa Kaeo",
    "stay": 7,
}
NOW = 1_790_000_000  # 2026-09-21, a fixed clock for deterministic tests


def make_permit(**changes: object) -> Permit:
    """A typical permit: Khmer holder, two checkpoints, valid around NOW."""
    fields: dict[str, object] = dict(
        number="KH-BTB-2026-004217",
        issuer="KH-BTB-01",
        not_before=NOW - 10 * DAY,
        expires=NOW + 355 * DAY,
        issued_at=NOW - 10 * DAY,
        kind="multi",
        family_name="SOK",
        given_names="CHANTHA",
        native_name="សុខ ចន្ថា",
        dob="1988-04-12",
        sex="F",
        nationality="KHM",
        document="N01234567",
        residence="Kamrieng, Battambang",
        checkpoints=("KH-PHD", "KH-STB"),
        zone="Sa Kaeo province",
        stay_days=7,
    )
    fields.update(changes)
    return Permit(**fields)  # type: ignore[arg-type]


@pytest.fixture
def now() -> int:
    return NOW


@pytest.fixture
def permit() -> Permit:
    return make_permit()


@pytest.fixture(scope="session")
def issuer_key() -> Ed25519PrivateKey:
    return generate()


@pytest.fixture
def hq(tmp_path: Path) -> HQ:
    """An initialised HQ with Phnom Dei, Stung But and the Battambang office (key kept here)."""
    hq = _hq_server_helpers().new_hq(tmp_path / "hq")
    yield hq
    hq.close()


@pytest.fixture
def bundle_bytes(hq: HQ) -> bytes:
    return hq.build_bundle(now=NOW)[1]


@pytest.fixture
def bundle(hq: HQ, bundle_bytes: bytes) -> TrustBundle:
    from sync.protocol.bundle import open_bundle

    return open_bundle(bundle_bytes)


# -- GUI fixtures (tests/booth/gui): one demo HQ + booth per session, a fresh copy per test


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory):
    from gui_helpers import DEMO_NOW

    from booth.demo import prepare

    return prepare(tmp_path_factory.mktemp("demo"), seed=11, now=DEMO_NOW)


@pytest.fixture
def demo(tmp_path: Path, demo_template):
    from booth.demo import DemoBooth

    copy = tmp_path / "demo"
    shutil.copytree(demo_template.booth_dir.parent, copy)
    return DemoBooth(demo_template.data, copy / "booth")


@pytest.fixture
def window(qtbot, demo, gui_fonts):
    """The booth's main window on a fresh copy of the demo booth, shown at 1366x768."""
    from booth.gui.main_window import MainWindow
    from booth.service import Booth

    booth = Booth(demo.booth_dir)
    win = MainWindow(booth)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    win.close()
    booth.close()


@pytest.fixture
def gui_fonts(qapp) -> None:
    from booth.gui.fonts import load_fonts, ui_font

    load_fonts()
    qapp.setFont(ui_font(12))


# -- HQ sync (helpers in tests/sync/hq_server.py): databases, an HQ with booths, a live server


def _hq_server_helpers():
    import sys

    folder = str(Path(__file__).resolve().parent / "sync")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import hq_server

    return hq_server


@pytest.fixture(params=["sqlite", "postgresql"])
def sync_db_url(request: pytest.FixtureRequest, tmp_path: Path):
    """The sync database: a SQLite file, or a fresh schema in $BOOTH_TEST_PG_URL's database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hq-sync.db'}"
        return
    base = os.environ.get("BOOTH_TEST_PG_URL")
    if not base:
        pytest.skip(
            "PostgreSQL: set BOOTH_TEST_PG_URL (e.g. postgresql+psycopg://booth:booth@127.0.0.1:5432/booth_test)"
        )
    url, drop = _hq_server_helpers().fresh_pg_schema(base)
    yield url
    drop()


@pytest.fixture(scope="session")
def sync_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _hq_server_helpers().make_template(tmp_path_factory.mktemp("sync-template"))


@pytest.fixture
def sync_world(tmp_path: Path, sync_template: Path, sync_db_url: str):
    """An HQ (on each sync database) and booths PHD-01 and STB-01 with scanned permits, not yet enrolled."""
    world = _hq_server_helpers().SyncWorld.copy(sync_template, tmp_path / "world", sync_db_url)
    yield world
    world.close()


@pytest.fixture
def hq_server(hq: HQ):
    """The base URL of a live HQ server over the ``hq`` fixture (SQLite sync store in its data dir)."""
    url, stop = _hq_server_helpers().start_hq(hq.paths.root)
    yield url
    stop()


# -- the HQ dashboard (helpers in tests/sync/dashboard/dashboard_helpers.py)


def _dashboard_helpers():
    import sys

    _hq_server_helpers()
    folder = str(Path(__file__).resolve().parent / "sync" / "dashboard")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import dashboard_helpers

    return dashboard_helpers


@pytest.fixture
def dashboard(sync_world):
    """A live HQ server whose booths synced and were analysed, with one staff account."""
    return _dashboard_helpers().make_dashboard(sync_world)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium under Playwright (skipped, saying why, where Chromium is not installed)."""
    yield from _dashboard_helpers().launch_browser()


@pytest.fixture
def page(browser):
    yield from _dashboard_helpers().new_page(browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """In CI every test runs: a skip there means a missing install step, so it fails instead."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which installs everything the tests need: {report.longrepr}"


@pytest.fixture
def read_only_copy(tmp_path: Path):
    """``(source, view)``: ``view`` is a read-only bind mount of ``source`` (root ignores chmod -w)."""
    import shutil
    import subprocess

    source, view = tmp_path / "seized", tmp_path / "view"
    source.mkdir()
    view.mkdir()
    if shutil.which("mount") is None or subprocess.run(["mount", "--bind", str(source), str(view)]).returncode:
        pytest.skip("cannot bind-mount here (needs root)")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], check=True)
        yield source, view
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)  # lazy: an open ledger must not keep it mounted


def hq_receipt(data: bytes, hq: HQ) -> Receipt:
    """A receipt opened as a booth of ``hq`` opens it: signed by an online signer its root certified."""
    root = hq.signers.root_public()

    def trust(signer_root: bytes) -> None:
        if signer_root != root:
            raise DocumentRefused("not this HQ's root")

    return open_receipt(data, trust=trust)


def resign(hq: HQ, bundle: TrustBundle, **changes: object) -> bytes:
    """``bundle`` with ``changes``, signed again as HQ signs bundles (its online signer, its root statement)."""
    from dataclasses import replace

    from sync.protocol.bundle import sign_certified_bundle

    signer = hq.signers.current()
    return sign_certified_bundle(replace(bundle, **changes), signer.key, signer.cert_data, hq.signers.statement_data())


def rogue_receipt(receipt: Receipt) -> bytes:
    """A receipt signed by a signer that a root of its own certified (not HQ's)."""
    from sync.hq.signers import certify
    from sync.protocol.batch import sign_receipt
    from sync.protocol.keys import generate, raw_public

    root, signer = generate(), generate()
    return sign_receipt(receipt, signer, certify(root, raw_public(signer), now=NOW, days=30))


def pycose_verified(data: bytes, public_key: bytes) -> bytes:
    """The payload of the COSE_Sign1 ``data``, its Ed25519 signature checked by pycose, an
    implementation that shares no code with Booth's (``sync.protocol.cose``); a flipped payload
    byte must fail it too."""
    import cbor2
    from pycose.keys import OKPKey
    from pycose.keys.curves import Ed25519
    from pycose.messages import Sign1Message

    def decode(flip: bool = False) -> Sign1Message:  # cbor2 hands a tag's array over as a tuple
        protected, unprotected, payload, signature = cbor2.loads(data).value
        if flip:
            payload = payload[:-1] + bytes([payload[-1] ^ 1])
        message = Sign1Message.from_cose_obj([protected, dict(unprotected), payload, signature], True)
        message.key = OKPKey(crv=Ed25519, x=public_key)
        return message

    assert decode().verify_signature() and not decode(flip=True).verify_signature()
    return decode().payload
