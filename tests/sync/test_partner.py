"""Bilateral recognition: two HQs (KH and TH), each with its own root, exchange signed partner
lists; a Thai-issued permit verifies at a Cambodian booth and a Thai revocation reaches it."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import NOW

from booth.clock import FixedClock
from booth.service import Booth
from sync.hq.cli import main as hq_main
from sync.hq.facade import HQ
from sync.hq.holder_file import holder_from_json
from sync.hq.partner import PartnerError, export_partner_list, import_partner_list, partner_summaries
from sync.hq.registry import SCHEMA_VERSION, Registry
from sync.protocol import cbor, cose
from sync.protocol.bundle import Checkpoint
from sync.protocol.errors import DocumentRefused
from sync.protocol.keys import generate, load_private, raw_public
from sync.protocol.partner import CONTENT_TYPE, PartnerList, open_partner_list, sign_partner_list
from sync.protocol.times import DAY

THAI_HOLDER = {
    "fn": "Somchai",
    "gn": "Prasert",
    "nn": "สมชาย ประเสริฐ",
    "dob": "1979-02-03",
    "sx": "M",
    "nat": "THA",
    "doc": "AA1234567",
    "res": "Aranyaprathet, Sa Kaeo",
    "cp": ["KH-PHD"],
    "zn": "Banteay Meanchey",
    "stay": 3,
}
OFFICER_PIN = "482913"


def make_hq(path: Path, country: str) -> HQ:
    hq = HQ(path)
    hq.init()
    hq.add_checkpoint(Checkpoint("KH-PHD", "KH", "Phnom Dei"))
    hq.add_checkpoint(Checkpoint("TH-KLG", "TH", "Ban Khlong Luek"))
    office = "KH-BTB-01" if country == "KH" else "TH-SKW-01"
    hq.add_issuer(office, name=f"{country} permit office", not_before=NOW - 365 * DAY)
    return hq


@pytest.fixture
def kh(tmp_path: Path) -> HQ:
    hq = make_hq(tmp_path / "hq-kh", "KH")
    yield hq
    hq.close()


@pytest.fixture
def th(tmp_path: Path) -> HQ:
    hq = make_hq(tmp_path / "hq-th", "TH")
    yield hq
    hq.close()


@pytest.fixture
def kh_booth(tmp_path: Path, kh: HQ) -> Booth:
    booth = Booth.init(tmp_path / "booth-phd", booth_id="PHD-01", checkpoint="KH-PHD", clock=FixedClock(NOW))
    booth.install_bundle(kh.build_bundle(now=NOW - 60)[1], pin=kh.root_fingerprint())
    booth.add_officer("Sok Dara", "officer", OFFICER_PIN)
    yield booth
    booth.close()


def exchange(src: HQ, dst: HQ, *, at: int, pin: str | None = None) -> bytes:
    """``src`` exports, ``dst`` imports (pinning ``src``'s root on the first exchange)."""
    data = export_partner_list(src, now=at)[1]
    import_partner_list(dst, data, pin=pin, now=at)
    return data


def scan(booth: Booth, text: str) -> list[str]:
    session = booth.login("Sok Dara", OFFICER_PIN)
    return [r.value for r in booth.scan(session, text, direction="entry", channel="cli").verdict.reasons]


def test_thai_permit_at_a_cambodian_booth_then_revoked_in_thailand(kh: HQ, th: HQ, kh_booth: Booth) -> None:
    issued = th.issue(holder_from_json(THAI_HOLDER), office="TH-SKW-01", valid_days=30, now=NOW - DAY)
    assert scan(kh_booth, issued.text) == ["unknown_issuer"]  # before any exchange

    exchange(th, kh, at=NOW, pin=th.root_fingerprint())
    bundle, data = kh.build_bundle(now=NOW + 60)
    thai = next(i for i in bundle.issuers if i.office == "TH-SKW-01")
    assert thai.country == "TH" and thai.public_key == th.registry.issuer("TH-SKW-01")[0].public_key
    assert {i.office: i.country for i in bundle.issuers} == {"KH-BTB-01": "KH", "TH-SKW-01": "TH"}
    kh_booth.install_bundle(data)
    assert scan(kh_booth, issued.text) == []  # valid, no warnings

    th.revoke(permit_no=issued.permit.number, reason="reported stolen", at=NOW + 120)
    exchange(th, kh, at=NOW + 180)  # the root is pinned now: no --pin needed
    bundle, data = kh.build_bundle(now=NOW + 240)
    assert any(r.permit_no == issued.permit.number and r.reason == "reported stolen" for r in bundle.revocations)
    kh_booth.install_bundle(data)
    assert scan(kh_booth, issued.text)[0] == "revoked"


def test_revocation_of_one_printed_copy_by_signature_hash_crosses_over(kh: HQ, th: HQ, kh_booth: Booth) -> None:
    issued = th.issue(holder_from_json(THAI_HOLDER), office="TH-SKW-01", valid_days=30, now=NOW - DAY)
    th.revoke(signature_sha256=issued.signature_sha256, reason="copy lost", at=NOW)
    exchange(th, kh, at=NOW, pin=th.root_fingerprint())
    kh_booth.install_bundle(kh.build_bundle(now=NOW + 60)[1])
    assert scan(kh_booth, issued.text) == ["revoked"]


def test_recognition_goes_both_ways(kh: HQ, th: HQ) -> None:
    exchange(kh, th, at=NOW, pin=kh.root_fingerprint())
    exchange(th, kh, at=NOW, pin=th.root_fingerprint())
    kh_issuers = {i.office for i in kh.build_bundle(now=NOW)[0].issuers}
    th_issuers = {i.office for i in th.build_bundle(now=NOW)[0].issuers}
    assert kh_issuers == th_issuers == {"KH-BTB-01", "TH-SKW-01"}
    # a partner list carries only the exporter's own offices, never the partner's it imported
    assert {i.office for i in open_partner_list(export_partner_list(kh, now=NOW)[1]).issuers} == {"KH-BTB-01"}


def test_wrong_root_is_refused(kh: HQ, th: HQ, tmp_path: Path) -> None:
    exchange(th, kh, at=NOW, pin=th.root_fingerprint())
    impostor = make_hq(tmp_path / "hq-impostor", "TH")
    try:
        forged = export_partner_list(impostor, now=NOW + 60)[1]
        for _ in range(3):  # a higher version than TH's does not help
            forged = export_partner_list(impostor, now=NOW + 60)[1]
        with pytest.raises(PartnerError, match=r"^partner list for TH is signed by root .* not the pinned root"):
            import_partner_list(kh, forged, pin=impostor.root_fingerprint(), now=NOW + 60)
    finally:
        impostor.close()
    assert kh.registry.partner("TH")["version"] == 1


def test_first_import_needs_the_right_pin(kh: HQ, th: HQ) -> None:
    data = export_partner_list(th, now=NOW)[1]
    with pytest.raises(PartnerError, match="first import from a root not pinned here .* needs --pin"):  # unread
        import_partner_list(kh, data, pin=None, now=NOW)
    with pytest.raises(PartnerError, match=r"^partner list root .* does not match --pin"):
        import_partner_list(kh, data, pin=kh.root_fingerprint(), now=NOW)
    assert kh.registry.partners() == []
    pin = th.root_fingerprint().replace(" ", "").lower()  # typed without spaces, any case
    assert import_partner_list(kh, data, pin=pin, now=NOW).first
    later = export_partner_list(th, now=NOW + 60)[1]
    with pytest.raises(PartnerError, match="does not match the pinned TH root"):
        import_partner_list(kh, later, pin=kh.root_fingerprint(), now=NOW + 60)


def test_older_or_equal_version_is_refused(kh: HQ, th: HQ) -> None:
    v1 = export_partner_list(th, now=NOW)[1]
    v2 = export_partner_list(th, now=NOW + 60)[1]
    import_partner_list(kh, v2, pin=th.root_fingerprint(), now=NOW + 60)
    for old, n in ((v1, 1), (v2, 2)):
        with pytest.raises(PartnerError, match=rf"version {n} from TH is not newer than the imported 2 \(rollback"):
            import_partner_list(kh, old, pin=None, now=NOW + 120)
    assert kh.registry.partner("TH")["version"] == 2


def test_tampered_file_is_refused(kh: HQ, th: HQ) -> None:
    data = bytearray(export_partner_list(th, now=NOW)[1])
    office = data.find(b"TH-SKW-01")
    data[office + 3] = ord("X")  # TH-XKW-01: another office name under the same signature
    with pytest.raises(DocumentRefused, match="^partner list is damaged or forged"):
        import_partner_list(kh, bytes(data), pin=th.root_fingerprint(), now=NOW)
    with pytest.raises(DocumentRefused, match="not a partner list"):  # a bundle is not a partner list
        import_partner_list(kh, th.build_bundle(now=NOW)[1], pin=th.root_fingerprint(), now=NOW)
    assert kh.registry.partners() == []


def test_a_partner_list_naming_another_country_or_our_keys_is_refused(kh: HQ, th: HQ, tmp_path: Path) -> None:
    root = th.root_key()
    ours = kh.registry.issuer("KH-BTB-01")[0]
    theirs = th.registry.issuer("TH-SKW-01")[0]
    common = dict(version=1, issued_at=NOW, country="TH", root_public_key=raw_public(root))
    with pytest.raises(DocumentRefused, match="names issuer 'KH-BTB-01' of country 'KH'"):
        sign_partner_list(PartnerList(issuers=(ours,), **common), root)
    stolen = PartnerList(issuers=(theirs, replace(ours, country="TH", office="TH-FAKE-01")), **common)
    with pytest.raises(PartnerError, match="which is our issuer KH-BTB-01's; refused"):
        import_partner_list(kh, sign_partner_list(stolen, root), pin=th.root_fingerprint(), now=NOW)
    with pytest.raises(PartnerError, match="signed by our own root"):
        import_partner_list(kh, export_partner_list(kh, now=NOW)[1], pin=kh.root_fingerprint(), now=NOW)
    other_kh = make_hq(tmp_path / "hq-kh-2", "KH")
    try:
        data = export_partner_list(other_kh, now=NOW)[1]
        with pytest.raises(PartnerError, match="that partner list is for KH, the country of our own issuers"):
            import_partner_list(kh, data, pin=other_kh.root_fingerprint(), now=NOW)
    finally:
        other_kh.close()
    assert kh.registry.partners() == []


def test_content_type_and_export_versions_grow(th: HQ) -> None:
    from sync.protocol import cose

    versions = [export_partner_list(th, now=NOW)[0].version for _ in range(3)]
    assert versions == [1, 2, 3]
    data = export_partner_list(th, now=NOW)[1]
    assert cose.parse(data).content_type == CONTENT_TYPE
    plist = open_partner_list(data)
    assert (plist.version, plist.country, [i.office for i in plist.issuers]) == (4, "TH", ["TH-SKW-01"])
    with pytest.raises(PartnerError, match="not only KH"):
        export_partner_list(th, now=NOW, country="KH")


def test_registry_from_schema_1_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('bundle_version', '7'); PRAGMA user_version=1;"
    )
    conn.close()
    reg = Registry(path)
    try:
        assert reg.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
        assert reg.partners() == [] and reg.meta("bundle_version") == "7"
    finally:
        reg.close()


def _cli(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(hq_main, ["--data-dir", str(data_dir), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_round_trip(tmp_path: Path) -> None:
    kh_dir, th_dir = tmp_path / "kh", tmp_path / "th"
    fps = {}
    for d, office in ((kh_dir, "KH-BTB-01"), (th_dir, "TH-SKW-01")):
        code, out, _ = _cli(d, "init", "--no-passphrase")
        fps[d] = re.search(r"Root fingerprint: ([0-9A-F ]+)", out).group(1)
        assert _cli(d, "issuer", "add", office, "--valid-from", "2025-01-01")[0] == 0
    th_file, th_file2 = tmp_path / "th-1.list", tmp_path / "th-2.list"
    code, out, err = _cli(th_dir, "partner", "export", "--out", str(th_file))
    assert code == 0 and "partner list TH version 1" in out and fps[th_dir] in out, err

    code, _, err = _cli(kh_dir, "partner", "import", str(th_file))
    assert code == 3 and err.startswith("error: first import from a root not pinned here") and "Traceback" not in err
    code, _, err = _cli(kh_dir, "partner", "import", str(th_file), "--pin", fps[kh_dir])
    assert code == 3 and "does not match --pin" in err and len(err.strip().splitlines()) == 1
    code, out, err = _cli(kh_dir, "partner", "import", str(th_file), "--pin", fps[th_dir])
    assert code == 0 and "version 1 accepted (root pinned" in out, err
    code, _, err = _cli(kh_dir, "partner", "import", str(th_file))
    assert code == 3 and "rollback refused" in err

    assert _cli(th_dir, "revoke", "TH-SKW-2026-000009", "--reason", "stolen")[0] == 0
    assert _cli(th_dir, "partner", "export", "--out", str(th_file2))[0] == 0
    code, out, err = _cli(kh_dir, "partner", "import", str(th_file2))
    assert code == 0 and "version 2 accepted: 1 issuers, 1 revocations" in out, err

    code, out, _ = _cli(kh_dir, "partner", "list")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert (row["country"], row["version"], row["issuers"], row["revocations"]) == ("TH", 2, ["TH-SKW-01"], 1)
    assert row["fingerprint"] == fps[th_dir]
    code, out, err = _cli(kh_dir, "bundle", "build", "--out", str(tmp_path / "kh.bundle"))
    assert code == 0 and "2 issuers, 1 revocations" in out, err


# -- a partner's root rotation, announced in its list, moves our pin


def rotate(hq: HQ, *, at: int) -> None:
    hq.prepare_root_rotation()
    hq.promote_next_root(now=at)


def test_pin_follows_an_announced_root_rotation(kh: HQ, th: HQ) -> None:
    exchange(th, kh, at=NOW, pin=th.root_fingerprint())
    old_fp = th.root_fingerprint()
    nxt = th.prepare_root_rotation()
    announcing = export_partner_list(th, now=NOW + 60)[1]
    assert open_partner_list(announcing).next_root_public_key is not None
    import_partner_list(kh, announcing, pin=None, now=NOW + 60)
    (row,) = [r for r in _summaries(kh)]
    assert (row["fingerprint"], row["next_root_fingerprint"], row["root_moves"]) == (old_fp, nxt, [])
    th.promote_next_root(now=NOW + 120)
    signed_by_new = export_partner_list(th, now=NOW + 180)[1]
    result = import_partner_list(kh, signed_by_new, pin=None, now=NOW + 180)
    assert result.moved and not result.first and result.fingerprint == nxt
    (row,) = _summaries(kh)
    assert row["fingerprint"] == nxt and row["next_root_fingerprint"] is None
    (move,) = row["root_moves"]
    assert (move["from"], move["to"], move["at"], move["version"]) == (old_fp, nxt, NOW + 180, 3)
    assert move["announced_by_version"] == 2 and len(move["list_sha256"]) == 64
    kh.build_bundle(now=NOW + 200)  # the stored list re-verifies against the moved pin
    # Rollback: the old root (still in the partner's hands, or stolen) is refused after the move.
    retired = load_private(next(th.paths.root_key.parent.glob("retired-root-*.pem")))
    old_list = sign_partner_list(replace(open_partner_list(announcing), version=99, next_root_public_key=None), retired)
    for pin in (None, old_fp):
        with pytest.raises(PartnerError, match="not the pinned root|needs --pin"):
            import_partner_list(kh, old_list, pin=pin, now=NOW + 240)
    assert kh.registry.partner("TH")["version"] == 3


def test_an_unannounced_root_is_refused(kh: HQ, th: HQ) -> None:
    exchange(th, kh, at=NOW, pin=th.root_fingerprint())
    rotate(th, at=NOW + 60)  # promoted without ever telling KH
    unannounced = export_partner_list(th, now=NOW + 120)[1]
    with pytest.raises(PartnerError, match="first import from a root not pinned here"):
        import_partner_list(kh, unannounced, pin=None, now=NOW + 120)
    with pytest.raises(PartnerError, match="not the pinned root .* nor a next root it announced"):
        import_partner_list(kh, unannounced, pin=th.root_fingerprint(), now=NOW + 120)
    assert kh.registry.partner("TH")["version"] == 1 and _summaries(kh)[0]["root_moves"] == []


def test_an_announcement_counts_only_from_the_pinned_root(kh: HQ, th: HQ, tmp_path: Path) -> None:
    exchange(th, kh, at=NOW, pin=th.root_fingerprint())
    attacker, nxt = generate(), generate()
    plist = replace(
        open_partner_list(export_partner_list(th, now=NOW + 60)[1]),
        version=50,
        root_public_key=raw_public(attacker),
        next_root_public_key=raw_public(nxt),
    )
    with pytest.raises(PartnerError):  # signed by a root not pinned: its announcement means nothing
        import_partner_list(kh, sign_partner_list(plist, attacker), pin=None, now=NOW + 60)
    follow = sign_partner_list(
        replace(plist, version=51, root_public_key=raw_public(nxt), next_root_public_key=None), nxt
    )
    with pytest.raises(PartnerError, match="needs --pin"):
        import_partner_list(kh, follow, pin=None, now=NOW + 60)
    # A real announcement, then a list signed by a different root than the one announced.
    th.prepare_root_rotation()
    import_partner_list(kh, export_partner_list(th, now=NOW + 120)[1], pin=None, now=NOW + 120)
    with pytest.raises(PartnerError, match="needs --pin"):
        import_partner_list(kh, follow, pin=None, now=NOW + 120)
    assert load_private(th.paths.next_root_key)  # still the announced one, unpromoted
    assert kh.registry.partner("TH")["root_public_key"] == raw_public(th.root_key()).hex()


def test_format_1_lists_still_read(th: HQ) -> None:
    plist, data = export_partner_list(th, now=NOW)
    assert plist.next_root_public_key is None
    reopened = open_partner_list(data)
    assert reopened == plist
    th.prepare_root_rotation()
    plist2, data2 = export_partner_list(th, now=NOW + 1)
    assert open_partner_list(data2).next_root_public_key == plist2.next_root_public_key
    assert cbor.loads_cbor(cose.parse_envelope(data).payload)["format"] == 1
    assert cbor.loads_cbor(cose.parse_envelope(data2).payload)["format"] == 2


def _summaries(hq: HQ) -> list[dict]:
    return partner_summaries(hq)


def test_cli_pin_follows_a_rotation(tmp_path: Path) -> None:
    kh_dir, th_dir = tmp_path / "kh", tmp_path / "th"
    for d, office in ((kh_dir, "KH-BTB-01"), (th_dir, "TH-SKW-01")):
        assert _cli(d, "init", "--no-passphrase")[0] == 0
        assert _cli(d, "issuer", "add", office, "--valid-from", "2025-01-01")[0] == 0
    lists = [tmp_path / f"th-{n}.list" for n in range(3)]
    assert _cli(th_dir, "partner", "export", "--out", str(lists[0]))[0] == 0
    th = HQ(th_dir)
    th_fp = th.root_fingerprint()
    th.close()
    assert _cli(kh_dir, "partner", "import", str(lists[0]), "--pin", th_fp)[0] == 0
    assert _cli(th_dir, "root", "rotate")[0] == 0
    code, out, err = _cli(th_dir, "partner", "export", "--out", str(lists[1]))
    assert code == 0 and "Announces our next root:" in out, err
    assert _cli(kh_dir, "partner", "import", str(lists[1]))[0] == 0
    (row,) = [json.loads(line) for line in _cli(kh_dir, "partner", "list")[1].splitlines()]
    nxt = row["next_root_fingerprint"]
    assert row["fingerprint"] == th_fp and nxt and nxt != th_fp
    assert _cli(th_dir, "root", "promote")[0] == 0
    assert _cli(th_dir, "partner", "export", "--out", str(lists[2]))[0] == 0
    code, out, err = _cli(kh_dir, "partner", "import", str(lists[2]))
    assert code == 0 and f"pin moved to {nxt}" in out, err
    (row,) = [json.loads(line) for line in _cli(kh_dir, "partner", "list")[1].splitlines()]
    assert row["fingerprint"] == nxt and [m["to"] for m in row["root_moves"]] == [nxt]


def test_partner_import_reads_no_link_or_device(tmp_path: Path) -> None:
    """The partner's file arrives from outside: a link aimed at /dev/zero is refused, not read forever."""
    kh_dir = tmp_path / "kh"
    make_hq(kh_dir, "KH").close()
    (tmp_path / "th.list").symlink_to("/dev/zero")
    code, _, err = _cli(kh_dir, "partner", "import", str(tmp_path / "th.list"), "--pin", "00")
    assert code == 3 and "symbolic link" in err and len(err.strip().splitlines()) == 1
