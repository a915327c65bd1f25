from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import HOLDER as BASE_HOLDER
from conftest import NOW
from PIL import Image

from booth.card.qr import make_qr
from sync.hq.errors import HQError, InvalidHolder, NotInitialised
from sync.hq.facade import HQ, MAX_QR_VERSION
from sync.hq.holder_file import holder_from_json, load_holder
from sync.hq.photo import PHOTO_BUDGET
from sync.hq.registry import Registry
from sync.protocol.permit import decode
from sync.protocol.times import DAY

HOLDER = {**BASE_HOLDER, "zn": "Sa Kaeo province", "nat": "khm"}  # lower case: HQ upper-cases the nationality


def test_numbers_are_assigned_per_prefix_and_year(hq: HQ) -> None:
    hq.add_issuer("KH-BTB-02", not_before=NOW - DAY)
    holder = holder_from_json(HOLDER)
    a = hq.issue(holder, office="KH-BTB-01", valid_days=30, now=NOW)
    b = hq.issue(holder, office="KH-BTB-02", valid_days=30, now=NOW)  # same prefix, other office
    c = hq.issue(holder, office="KH-BTB-01", valid_days=30, now=NOW + 400 * DAY)
    assert [a.permit.number, b.permit.number, c.permit.number] == [
        "KH-BTB-2026-000001",
        "KH-BTB-2026-000002",
        "KH-BTB-2027-000001",
    ]
    assert a.permit.family_name == "SOK" and a.permit.nationality == "KHM"
    assert decode(a.text).permit == a.permit


def test_a_fixed_number_is_used_once(hq: HQ) -> None:
    holder = holder_from_json({**HOLDER, "no": "KH-BTB-2026-777777"})
    assert hq.issue(holder, office="KH-BTB-01", valid_days=5, now=NOW).permit.number == "KH-BTB-2026-777777"
    with pytest.raises(HQError, match="already issued"):
        hq.issue(holder, office="KH-BTB-01", valid_days=5, now=NOW)


def test_unknown_office_and_checkpoint(hq: HQ) -> None:
    with pytest.raises(HQError, match="no issuer"):
        hq.issue(holder_from_json(HOLDER), office="KH-XXX-01", valid_days=5, now=NOW)
    with pytest.raises(HQError, match="no checkpoint"):
        hq.add_issuer("KH-BMC-01", checkpoints=("KH-NOPE",), not_before=NOW)


@pytest.mark.parametrize(
    "change,message",
    [
        ({"stay": 0}, "stay"),
        ({"stay": True}, "stay"),
        ({"cp": []}, "cp"),
        ({"cp": "KH-PHD"}, "cp"),
        ({"sx": "Q"}, "sx"),
        ({"ty": "forever"}, "ty"),
        ({"fn": 5}, "fn"),
    ],
)
def test_holder_validation(change: dict, message: str) -> None:
    with pytest.raises(InvalidHolder, match=message):
        holder_from_json({**HOLDER, **change})


def test_big_photo_is_shrunk_to_fit_a_scannable_qr(tmp_path: Path, hq: HQ) -> None:
    img = Image.effect_noise((600, 800), 60).convert("RGB")
    img.save(tmp_path / "face.jpg", quality=95)
    assert (tmp_path / "face.jpg").stat().st_size > 20_000
    (tmp_path / "h.json").write_text(json.dumps({**HOLDER, "ph": "face.jpg"}))
    holder = load_holder(tmp_path / "h.json")
    assert holder.photo.startswith(b"\xff\xd8") and len(holder.photo) <= PHOTO_BUDGET
    assert Image.open(io.BytesIO(holder.photo)).size[0] <= 40
    issued = hq.issue(holder, office="KH-BTB-01", valid_days=5, now=NOW)
    assert make_qr(issued.text).version <= MAX_QR_VERSION
    assert decode(issued.text).permit.photo == holder.photo


def test_broken_photo_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "face.jpg").write_bytes(b"\xff\xd8 not really a jpeg" * 100)
    (tmp_path / "h.json").write_text(json.dumps({**HOLDER, "ph": "face.jpg"}))
    with pytest.raises(InvalidHolder, match="not a readable image"):
        load_holder(tmp_path / "h.json")


def test_permit_too_big_to_scan_is_refused_before_it_is_recorded(hq: HQ) -> None:
    import dataclasses
    import random

    from sync.protocol.permit import MAX_PHOTO

    rng = random.Random(1)  # a photo and text that do not compress, each within its own limit
    holder = holder_from_json({**HOLDER, "res": "".join(rng.choice("abcdefghijklmnop ") for _ in range(160))})
    holder = dataclasses.replace(holder, photo=rng.randbytes(MAX_PHOTO // 2))  # past version 25, within 40
    with pytest.raises(HQError, match="QR version"):
        hq.issue(holder, office="KH-BTB-01", valid_days=5, now=NOW)
    assert hq.registry.db.execute("SELECT count(*) FROM permits").fetchone()[0] == 0


def test_print_card_writes_png_and_pdf(tmp_path: Path, hq: HQ) -> None:
    issued = hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=5, now=NOW)
    png, pdf = hq.print_card(issued, tmp_path / "cards")
    assert png.name == "KH-BTB-2026-000001.png" and png.read_bytes().startswith(b"\x89PNG")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_bundle_versions_grow_and_carry_revocations(hq: HQ) -> None:
    issued = hq.issue(holder_from_json(HOLDER), office="KH-BTB-01", valid_days=5, now=NOW)
    assert hq.revoke(permit_no=issued.permit.number, reason="lost", at=NOW) is True
    assert hq.revoke(permit_no="TH-SKW-2026-000001", at=NOW) is False  # not ours, still revoked
    b1, _ = hq.build_bundle(now=NOW)
    b2, _ = hq.build_bundle(now=NOW)
    assert (b1.version, b2.version) == (1, 2)
    assert b2.is_revoked(issued.permit.number, "") and b2.is_revoked("TH-SKW-2026-000001", "")
    with pytest.raises(HQError):
        hq.revoke(at=NOW)


def test_uninitialised_and_double_init(tmp_path: Path) -> None:
    hq = HQ(tmp_path / "nothing")
    with pytest.raises(NotInitialised, match="booth-hq init"):
        hq.build_bundle(now=NOW)
    hq.init()
    with pytest.raises(HQError, match="already has a root key"):
        hq.init()


def test_registry_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hq.db"
    Registry(path).close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version=99")
    con.close()
    with pytest.raises(HQError, match="newer"):
        Registry(path)
