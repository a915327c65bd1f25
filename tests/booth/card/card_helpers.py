"""Shared by the card tests: a permit to print, a small photo, the QR text, decoding."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from sync.protocol.permit import Permit

QR_TEXT = "BP1:" + "ABC123" * 80  # 484 alphanumeric characters


def make(**changes: object) -> Permit:
    fields: dict[str, object] = dict(
        number="KH-BTB-2026-004217",
        issuer="KH-BTB-01",
        not_before=1_767_225_600,
        expires=1_798_761_599,
        issued_at=1_767_225_600,
        kind="multi",
        family_name="SOK",
        given_names="CHANTHA",
        native_name="សុខ ចន្ថា",
        dob="1990-04-17",
        sex="M",
        nationality="KHM",
        document="N0123456",
        residence="Poipet, Banteay Meanchey",
        checkpoints=("KH-PHD", "KH-STB"),
        zone="Aranyaprathet district",
        stay_days=7,
    )
    fields.update(changes)
    return Permit(**fields)  # type: ignore[arg-type]


def small_jpeg() -> bytes:
    im = Image.new("RGB", (48, 64), (200, 210, 225))
    im.paste((150, 110, 90), (14, 10, 34, 34))
    im.paste((40, 60, 110), (8, 40, 40, 64))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=60)
    data = buf.getvalue()
    assert len(data) < 2048
    return data


def decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image)]
