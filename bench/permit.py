"""Permit codec benchmark: prints one JSON object.

- decode+verify per permit (text -> verified permit), against the same run's bare Ed25519
  verify of `cryptography` on the same signed bytes (target: ratio <= 1.3);
- encode (sign) per permit;
- QR text length and QR version at ECC level Q for a typical permit (Khmer native name, two
  checkpoints) without and with photos of growing size;
- which photo sizes still scan from a printed card seen by a 720p webcam: the QR is drawn at
  its printed width on the card, seen at a resolution of a card held at arm's length (the
  card spans 640, 900 or 1280 pixels), tilted, blurred, dimmed and noised, and decoded by
  zxing-cpp; "reliable" means >= 95% of views at the 900 px reference.

Run: .venv/bin/python bench/permit.py [--quick]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import numpy as np
import zxingcpp
from conftest import make_permit
from PIL import Image, ImageFilter

from booth.card.layout import CARD_W
from booth.card.qr import make_qr
from booth.errors import CardError
from booth.trust import check_permit_signature
from sync.protocol.bundle import IssuerKey, TrustBundle
from sync.protocol.keys import generate, kid_of, raw_public
from sync.protocol.permit import decode, encode

# booth/card/layout.py gives the QR the card's height below the title: about 44 mm for the
# symbol plus 4 modules, whatever the version (so bigger versions get smaller modules).
QR_AREA_MM = 44.0
# A card held up to a 1280x720 booth webcam: at 900 px it fills 70% of the frame width;
# 640 px is a card held further away, 1280 px one held close.
VIEWS_PX = (640, 900, 1280)
REFERENCE_VIEW = 900


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - t0) / 1000)
    return out


def summary(us: list[float]) -> dict[str, float]:
    us = sorted(us)
    return {"median_us": round(statistics.median(us), 1), "p95_us": round(us[int(len(us) * 0.95)], 1)}


def scan_rate(text: str, card_px: int, trials: int, rng: np.random.Generator) -> float:
    """Share of simulated webcam views of the printed QR that zxing-cpp decodes."""
    qr = make_qr(text)
    modules = qr.symbol_size(scale=1, border=4)[0]
    module_mm = QR_AREA_MM / (qr.symbol_size(scale=1, border=0)[0] + 4)
    px_per_module = card_px / CARD_W * module_mm
    matrix = np.array([[0 if bit else 255 for bit in row] for row in qr.matrix], dtype=np.uint8)
    matrix = np.pad(matrix, 4, constant_values=255)
    ok = 0
    for _ in range(trials):
        size = int(round(modules * px_per_module * rng.uniform(0.9, 1.1)))
        img = Image.fromarray(matrix).resize((size, size), Image.BILINEAR)
        img = img.rotate(rng.uniform(-8, 8), resample=Image.BILINEAR, expand=True, fillcolor=255)
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.9)))
        arr = np.asarray(img, dtype=np.float32) * rng.uniform(0.55, 0.9) + rng.normal(0, 8, img.size[::-1])
        frame = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        ok += any(r.text == text for r in zxingcpp.read_barcodes(frame))
    return ok / trials


def main() -> None:
    quick = "--quick" in sys.argv
    n = 300 if quick else 3000
    key = generate()
    bundle = TrustBundle(
        version=1,
        issued_at=0,
        expires_at=1,
        hq_time=0,
        max_offline_age=1,
        root_public_key=raw_public(generate()),
        issuers=(IssuerKey(kid_of(key), raw_public(key), "KH-BTB-01", "KH", 0, None, ()),),
    )
    permit = make_permit()
    text = encode(permit, key)
    signed = decode(text)
    pub = key.public_key()
    tbs = signed.sign1.to_be_signed()

    def decode_verify() -> None:
        check_permit_signature(decode(text), bundle)

    for _ in range(200):  # warm up
        decode_verify()
        pub.verify(signed.sign1.signature, tbs)
    raw = summary(timed(lambda: pub.verify(signed.sign1.signature, tbs), n))
    full = summary(timed(decode_verify, n))
    enc = summary(timed(lambda: encode(permit, key), n // 3))

    rng = np.random.default_rng(1)
    photos = []
    trials = 40 if quick else 200
    for size in (0, 128, 256, 384, 512, 768, 1024, 1536, 2048):
        photo = b"\xff\xd8" + os.urandom(size - 2) if size else None  # JPEG bytes do not compress
        t = encode(make_permit(photo=photo), key)
        try:
            version = make_qr(t).version
            rates = {f"card_{px}px": scan_rate(t, px, trials, rng) for px in VIEWS_PX}
        except CardError:  # beyond QR version 40 at level Q
            version, rates = None, {}
        photos.append({"photo_bytes": size, "qr_chars": len(t), "qr_version_Q": version, "scan_rate": rates})
    reference = f"card_{REFERENCE_VIEW}px"
    reliable = [p["photo_bytes"] for p in photos if p["scan_rate"].get(reference, 0) >= 0.95]
    print(
        json.dumps(
            {
                "bench": "permit",
                "iterations": n,
                "ed25519_verify": raw,
                "decode_verify": full,
                "decode_verify_over_raw_verify": round(full["median_us"] / raw["median_us"], 3),
                "encode": enc,
                "typical_permit": {"qr_chars": len(text), "qr_version_Q": make_qr(text).version},
                "printed_card": {"qr_area_mm": QR_AREA_MM, "views_px": VIEWS_PX, "reference_view_px": REFERENCE_VIEW},
                "photos": photos,
                "largest_reliable_photo_bytes": max(reliable) if reliable else None,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
