"""An issuing office's key in a PKCS#11 token (booth.token), on a real SoftHSM2 token made in a
temp folder: the key is made in the token, registered by its public half, signs permits that a
booth accepts, and cannot be read out of the token."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HOLDER, pycose_verified

from booth import token
from booth.cli import main as booth_main
from booth.errors import TokenError
from sync.hq.cli import main as hq_main
from sync.protocol import cose, keys
from sync.protocol.errors import SignatureMismatch

PIN, SO_PIN = "1234", "5678"


def run(cli, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def softhsm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SoftHSM2 token labelled 'test' (user PIN 1234) in a temp folder; the PIN file's path."""
    util = shutil.which("softhsm2-util")
    if util is None:
        pytest.skip("softhsm2 is not installed (scripts/setup installs it: apt-get install softhsm2)")
    pytest.importorskip("pkcs11")
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    monkeypatch.delenv("BOOTH_PKCS11_MODULE", raising=False)
    init = [util, "--init-token", "--free", "--label", "test", "--pin", PIN, "--so-pin", SO_PIN]
    subprocess.run(init, check=True, capture_output=True)
    pin = tmp_path / "token.pin"
    pin.write_text(PIN + "\n")
    pin.chmod(0o600)
    return pin


def base45_decode(text: str) -> bytes:
    """RFC 9285 base45, written here from the RFC so the check shares no code with Booth's."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    values = [alphabet.index(c) for c in text]
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i : i + 3]
        n = sum(v * 45**k for k, v in enumerate(chunk))
        out += n.to_bytes(2, "big") if len(chunk) == 3 else bytes([n])
    return bytes(out)


def independently_verified(text: str, public_key: bytes) -> dict:
    """A permit's QR text checked without Booth's code: base45 from the RFC, zlib, pycose, cbor2."""
    import zlib

    import cbor2

    assert text.startswith("BP1:")
    return cbor2.loads(pycose_verified(zlib.decompress(base45_decode(text[4:])), public_key))


def uri(pin: Path, obj: str = "KH-BTB-01", *, extra: str = "") -> str:
    return f"pkcs11:token=test;object={obj}{extra}?pin-source=file:{pin}"


def test_an_office_key_in_a_token_issues_permits_a_booth_accepts(softhsm: Path, tmp_path: Path) -> None:
    hq, booth = str(tmp_path / "hq"), str(tmp_path / "booth")
    code, out, err = run(hq_main, "token", "keygen", uri(softhsm))
    assert code == 0, err
    assert PIN not in out and str(softhsm) not in out  # the URI is echoed without its PIN part
    made = re.search(r"fingerprint ([0-9A-F ]+)", out).group(1)

    code, out, _ = run(hq_main, "--data-dir", hq, "init", "--no-passphrase")
    root = re.search(r"Root fingerprint: ([0-9A-F ]+)", out).group(1)
    assert (
        run(hq_main, "--data-dir", hq, "checkpoint", "add", "KH-PHD", "--name-en", "Phnom Dei", "--country", "KH")[0]
        == 0
    )
    assert (
        run(hq_main, "--data-dir", hq, "checkpoint", "add", "KH-STB", "--name-en", "Stung But", "--country", "KH")[0]
        == 0
    )
    code, out, err = run(hq_main, "--data-dir", hq, "issuer", "add", "KH-BTB-01", "--pkcs11", uri(softhsm))
    assert code == 0, err
    assert made in out and "private key" not in out

    holder = tmp_path / "holder.json"
    holder.write_text(json.dumps(HOLDER, ensure_ascii=False), encoding="utf-8")
    issue = ["--data-dir", hq, "permit", "issue", "--issuer", "KH-BTB-01", "--holder", str(holder)]
    issue += ["--valid-days", "30", "--out", str(tmp_path / "cards")]
    code, _, err = run(hq_main, *issue)
    assert code == 3 and "kept elsewhere" in err and "pkcs11:" in err
    code, out, err = run(hq_main, *issue, "--key", uri(softhsm))
    assert code == 0, err
    text = out.strip()
    assert text.startswith("BP1:")

    bundle = str(tmp_path / "b.bundle")
    assert run(hq_main, "--data-dir", hq, "bundle", "build", "--out", bundle)[0] == 0
    assert run(booth_main, "--data-dir", booth, "bundle", "install", bundle, "--pin", root)[0] == 0
    code, out, _ = run(booth_main, "--data-dir", booth, "verify", "--checkpoint", "KH-PHD", text)
    verdict = json.loads(out)
    assert (code, verdict["verdict"], verdict["reasons"]) == (0, "valid", [])
    assert verdict["permit"]["no"].startswith("KH-BTB-")
    # and an independent COSE implementation (pycose) agrees, with the key read out of the token
    claims = independently_verified(text, token.public_key(uri(softhsm)))
    assert claims[7].decode() == verdict["permit"]["no"] and claims[1] == "KH-BTB-01"  # cti, iss (RFC 8392)
    assert claims[-70001]["fn"] == HOLDER["fn"].upper()  # HQ writes names as a passport does

    # HQ's folder holds no private key of the office: only its public half, in the registry
    for path in Path(hq).rglob("*"):
        if path.is_file() and b"PRIVATE KEY" in path.read_bytes():
            assert keys.fingerprint(keys.load_private(path)) != made, path
    assert not any("KH-BTB-01" in p.name for p in Path(hq).rglob("*.pem"))

    # a key of the same token that is not the registered one signs nothing for the office
    assert run(hq_main, "token", "keygen", uri(softhsm, "other"))[0] == 0
    again = ("--despite-duplicate", "test: the same holder on purpose")  # else refused as a second live permit
    code, _, err = run(hq_main, *issue, *again, "--key", uri(softhsm, "other"))
    assert code == 3 and "not the registered key of KH-BTB-01" in err


def test_the_private_key_cannot_be_read_out_of_the_token(softhsm: Path) -> None:
    import pkcs11
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.exceptions import AttributeSensitive

    from booth import token

    raw = token.keygen(uri(softhsm, extra=";id=%0a%0b"))
    assert token.public_key(uri(softhsm)) == raw == token.public_key(f"pkcs11:token=test;id=%0A%0B?pin-value={PIN}")
    path = token.module_path()
    try:
        lib = pkcs11.lib(path)
        with lib.get_token(token_label="test").open(user_pin=PIN) as session:
            (private,) = session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: "KH-BTB-01"})
            assert private[Attribute.SENSITIVE] is True and private[Attribute.EXTRACTABLE] is False
            assert private[Attribute.NEVER_EXTRACTABLE] is True and private[Attribute.ALWAYS_SENSITIVE] is True
            with pytest.raises(AttributeSensitive):
                private[Attribute.VALUE]
            assert private[Attribute.ID] == b"\x0a\x0b"
    finally:
        pkcs11.unload(path)
    # and what it signs verifies with the public half it reports
    with token.open_key(uri(softhsm)) as key:
        signed = cose.sign(b"payload", key, keys.kid_of(key))
    cose.parse(signed).verify(keys.public_from_raw(raw))


def test_token_errors_are_one_line_and_never_show_the_pin(softhsm: Path, tmp_path: Path, monkeypatch) -> None:
    assert run(hq_main, "token", "keygen", uri(softhsm))[0] == 0
    hq = str(tmp_path / "hq")
    assert run(hq_main, "--data-dir", hq, "init", "--no-passphrase")[0] == 0
    wrong = tmp_path / "wrong.pin"
    wrong.write_text("987654\n")
    cases = {
        f"pkcs11:token=test;object=KH-BTB-01?pin-source=file:{wrong}": "refused the PIN",
        "pkcs11:token=test;object=KH-BTB-01?pin-value=987654": "refused the PIN",
        uri(softhsm, "KH-NOPE-01"): "no Ed25519 public key pkcs11:token=test;object=KH-NOPE-01",
        f"pkcs11:token=nope;object=KH-BTB-01?pin-value={PIN}": "no token labelled 'nope'",
        "pkcs11:token=test;object=KH-BTB-01": "gives no PIN",
        "pkcs11:object=KH-BTB-01?pin-value=1": "names no token",
        f"pkcs11:token=test;object=KH-BTB-01?pin-source=file:{tmp_path / 'none.pin'}": "cannot read the PIN file",
        "pkcs11:token=test;colour=red": "not one Booth reads",
    }
    for text, expected in cases.items():
        code, out, err = run(hq_main, "--data-dir", hq, "issuer", "add", "KH-BTB-01", "--pkcs11", text)
        assert (code, out) == (3, ""), (text, err)
        assert expected in err and err.count("\n") == 1, (text, err)
        assert "987654" not in err and f"={PIN}" not in err
    code, _, err = run(hq_main, "token", "keygen", uri(softhsm))
    assert code == 3 and "already holds an object labelled 'KH-BTB-01'" in err and err.count("\n") == 1

    monkeypatch.setenv("BOOTH_PKCS11_MODULE", str(tmp_path / "nothing.so"))
    code, _, err = run(hq_main, "--data-dir", hq, "issuer", "add", "KH-BTB-01", "--pkcs11", uri(softhsm))
    assert code == 3 and "does not exist" in err and "BOOTH_PKCS11_MODULE" in err


def test_without_a_module_the_error_says_what_to_install(monkeypatch) -> None:
    from booth import token

    monkeypatch.delenv("BOOTH_PKCS11_MODULE", raising=False)
    monkeypatch.setattr(token, "DEBIAN_SOFTHSM", ("/nonexistent/libsofthsm2.so",))
    with pytest.raises(TokenError, match="install softhsm2 or set BOOTH_PKCS11_MODULE"):
        token.module_path()


def test_the_uri_subset(tmp_path: Path) -> None:
    pytest.importorskip("pkcs11")
    from booth import token

    pin = tmp_path / "p"
    pin.write_text("s3cret\nignored\n")
    parsed = token.parse_uri(f"pkcs11:token=KH%20MOI;object=KH-BTB-01;id=%01%ff?pin-source=file://{pin}")
    assert (parsed.token, parsed.object, parsed.id, parsed.pin) == ("KH MOI", "KH-BTB-01", b"\x01\xff", "s3cret")
    assert "s3cret" not in repr(parsed) and "s3cret" not in str(parsed)
    assert str(parsed) == "pkcs11:token=KH MOI;object=KH-BTB-01;id=%01%ff"
    for bad, why in (
        ("pkcs11:token=a?pin-value=1&pin-source=file:x", "both"),
        ("pkcs11:token=a;token=b", "twice"),
        ("pkcs11:token", "no value"),
        ("/tmp/key.pem", "pkcs11: URI"),
    ):
        with pytest.raises(TokenError, match=why):
            token.parse_uri(bad)
    assert token.raw_public_from_ec_point(b"\x04\x20" + bytes(32)) == bytes(32)
    with pytest.raises(TokenError, match="not a 32-byte"):
        token.raw_public_from_ec_point(b"\x04\x21" + bytes(33))


class _Signer:
    def __init__(self, signature: bytes) -> None:
        self.raw_public_key, self._signature = keys.raw_public(keys.generate()), signature

    def sign(self, data: bytes) -> bytes:
        return self._signature


def test_cose_refuses_a_signer_that_returns_no_ed25519_signature() -> None:
    signer = _Signer(b"\x00" * 63)
    assert isinstance(signer, keys.Signer)
    with pytest.raises(SignatureMismatch, match="64-byte"):
        cose.sign(b"x", signer, keys.kid_of(signer))
    assert cose.parse(cose.sign(b"x", _Signer(bytes(64)), b"k")).signature == bytes(64)
