"""Key custody benchmark (#17): what the online signer and its certificate cost; prints JSON.

In one process, alternating the two ways so both see the same machine:

- a booth opening a trust bundle of ``ISSUERS`` issuers and ``REVOCATIONS`` revocations signed by
  the root itself (format 3) and by a certified online signer (format 4: certificate, root
  statement, two more signature checks): median ms per open, and the bytes;
- a booth opening a receipt (format 2, certificate in the header) against the bare signature
  a root-signed receipt needed: median µs, and the bytes;
- HQ signing a receipt with the online signer in a PEM file and in a SoftHSM2 token (one
  session per signature, as ``TokenSigner`` does), when ``softhsm2-util`` is installed;
- a ceremony unlocking the root from two custodians' shares (scrypt at its real cost).

Run: .venv/bin/python bench/custody.py [ROUNDS]
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync.hq.custody import RootFolder  # noqa: E402
from sync.hq.signers import certify  # noqa: E402
from sync.protocol import cbor, cose, keys  # noqa: E402
from sync.protocol.batch import RECEIPT_FORMAT, RECEIPT_TYPE, Receipt, open_receipt, sign_receipt  # noqa: E402
from sync.protocol.bundle import (  # noqa: E402
    IssuerKey,
    Revocation,
    TrustBundle,
    open_bundle,
    sign_bundle,
    sign_certified_bundle,
)
from sync.protocol.statement import RootStatement, sign_statement  # noqa: E402

NOW, DAY = 1_790_000_000, 86_400
ISSUERS, REVOCATIONS = 40, 5_000


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return round(statistics.median(times) * 1000, 3)


def bundles() -> tuple[bytes, bytes]:
    root, signer = keys.generate(), keys.generate()
    raw = keys.raw_public(root)
    issuers = tuple(
        IssuerKey(keys.kid_of(k), keys.raw_public(k), f"KH-O{i:02d}-01", "KH", NOW - DAY, None, ())
        for i, k in enumerate(keys.generate() for _ in range(ISSUERS))
    )
    revocations = tuple(
        Revocation(permit_no=f"KH-BTB-2026-{i:06d}", reason="lost", revoked_at=NOW) for i in range(REVOCATIONS)
    )
    bundle = TrustBundle(9, NOW, NOW + 30 * DAY, NOW, 7 * DAY, raw, issuers=issuers, revocations=revocations)
    statement = sign_statement(RootStatement(raw, 1, NOW, issuers=issuers), root)
    cert = certify(root, keys.raw_public(signer), now=NOW, days=90)
    return sign_bundle(bundle, root), sign_certified_bundle(bundle, signer, cert, statement)


def receipts(rounds: int) -> dict[str, object]:
    root, signer = keys.generate(), keys.generate()
    cert = certify(root, keys.raw_public(signer), now=NOW, days=90)
    certified = sign_receipt(Receipt("PHD-01", 500, "ab" * 32, NOW), signer, cert)
    payload = cbor.dumps_cbor({"v": RECEIPT_FORMAT, "booth": "PHD-01", "acked": 500, "head": b"\xab" * 32, "at": NOW})
    bare = cose.sign(payload, root, keys.kid_of(root), content_type=RECEIPT_TYPE)
    public = root.public_key()

    def open_bare() -> None:
        cose.parse(bare, "receipt").verify(public)

    bare_ms, certified_ms = [], []
    for _ in range(5):  # alternate, so both see the same machine
        bare_ms.append(median_ms(open_bare, rounds))
        certified_ms.append(median_ms(lambda: open_receipt(certified, trust=lambda r: None, now=NOW), rounds))
    return {
        "receipt_bytes_root_signed": len(bare),
        "receipt_bytes_certified": len(certified),
        "receipt_open_us_root_signed": round(statistics.median(bare_ms) * 1000, 1),
        "receipt_open_us_certified": round(statistics.median(certified_ms) * 1000, 1),
    }


def token_signing(rounds: int) -> dict[str, object]:
    util = shutil.which("softhsm2-util")
    if util is None:
        return {"token": "softhsm2-util not installed"}
    from booth import token

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "tokens").mkdir()
        conf = Path(tmp) / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {tmp}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n")
        os.environ["SOFTHSM2_CONF"] = str(conf)
        init = [util, "--init-token", "--free", "--label", "bench", "--pin", "1234", "--so-pin", "5678"]
        subprocess.run(init, check=True, capture_output=True)
        uri = "pkcs11:token=bench;object=online?pin-value=1234"
        token.keygen(uri)
        in_token, in_file = token.TokenSigner(uri), keys.generate()
        root = keys.generate()
        cert_token = certify(root, in_token.raw_public_key, now=NOW, days=90)
        cert_file = certify(root, keys.raw_public(in_file), now=NOW, days=90)
        receipt = Receipt("PHD-01", 500, "ab" * 32, NOW)
        return {
            "receipt_sign_ms_pem": median_ms(lambda: sign_receipt(receipt, in_file, cert_file), rounds),
            "receipt_sign_ms_softhsm_session_per_signature": median_ms(
                lambda: sign_receipt(receipt, in_token, cert_token), max(5, rounds // 10)
            ),
        }


def unlock() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = RootFolder(Path(tmp) / "root")
        secrets = {"ana": b"ana-passphrase-1", "sok": b"sok-passphrase-2", "dara": b"dara-passphrase-3"}
        t = time.perf_counter()
        folder.create(keys.generate(), secrets, 2)
        made = time.perf_counter() - t
        t = time.perf_counter()
        folder.unlock({"ana": secrets["ana"], "sok": secrets["sok"]})
        return {"split_3_shares_s": round(made, 2), "unlock_2_of_3_s": round(time.perf_counter() - t, 2)}


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    old, new = bundles()
    old_ms, new_ms = [], []
    for _ in range(5):
        old_ms.append(median_ms(lambda: open_bundle(old), max(5, rounds // 20)))
        new_ms.append(median_ms(lambda: open_bundle(new, now=NOW), max(5, rounds // 20)))
    result = {
        "issuers": ISSUERS,
        "revocations": REVOCATIONS,
        "bundle_bytes_root_signed": len(old),
        "bundle_bytes_certified": len(new),
        "bundle_open_ms_root_signed": statistics.median(old_ms),
        "bundle_open_ms_certified": statistics.median(new_ms),
        **receipts(rounds),
        **token_signing(rounds),
        **unlock(),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
