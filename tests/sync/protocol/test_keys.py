from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from sync.protocol import keys
from sync.protocol.errors import KeyFileError


def test_private_key_written_0600_and_reloads(tmp_path: Path) -> None:
    key = keys.generate()
    path = tmp_path / "k" / "root.pem"
    keys.save_private(key, path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert keys.raw_public(keys.load_private(path)) == keys.raw_public(key)


def test_never_overwrites_a_key(tmp_path: Path) -> None:
    path = tmp_path / "root.pem"
    keys.save_private(keys.generate(), path)
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="refusing to overwrite"):
        keys.save_private(keys.generate(), path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_refuses_key_readable_by_others(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "root.pem"
    keys.save_private(keys.generate(), path)
    os.chmod(path, mode)
    with pytest.raises(KeyFileError, match="readable by others"):
        keys.load_private(path)


def test_refuses_non_ed25519_and_garbage(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = tmp_path / "ec.pem"
    other.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    os.chmod(other, 0o600)
    with pytest.raises(KeyFileError, match="not an Ed25519"):
        keys.load_private(other)
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnope\n")
    os.chmod(junk, 0o600)
    with pytest.raises(KeyFileError):
        keys.load_private(junk)
    with pytest.raises(KeyFileError, match="does not exist"):
        keys.load_private(tmp_path / "missing.pem")


def test_public_key_file_round_trip_and_private_refused(tmp_path: Path) -> None:
    key = keys.generate()
    keys.save_public(key, tmp_path / "pub.pem")
    assert keys.raw_public(keys.load_public(tmp_path / "pub.pem")) == keys.raw_public(key)
    keys.save_private(key, tmp_path / "priv.pem")
    with pytest.raises(KeyFileError, match="private key"):
        keys.load_public(tmp_path / "priv.pem")


def test_kid_is_first_8_bytes_of_sha256_of_raw_key() -> None:
    key = keys.generate()
    raw = keys.raw_public(key)
    assert keys.kid_of(key) == hashlib.sha256(raw).digest()[:8] == keys.kid_of(raw)


def test_fingerprint_normalisation() -> None:
    fp = keys.fingerprint(keys.generate())
    assert len(fp.split()) == 16
    assert keys.normalise_fingerprint(fp.lower().replace(" ", ":")) == fp
    with pytest.raises(KeyFileError):
        keys.normalise_fingerprint(fp[:-1])
