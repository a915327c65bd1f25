"""Ed25519 keys on disk (PEM), key ids and fingerprints.

Private keys are written with mode 0600 inside 0700 folders, never overwritten, and a key
file that group or others can read is refused on load, as ssh does. Given a passphrase (at least
``MIN_PASSPHRASE`` characters), a private key is written encrypted (PKCS#8, the best encryption
``cryptography`` offers) and read back only with it; without one it is written in clear.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.protocol.errors import KeyFileError

KID_LENGTH = 8
MIN_PASSPHRASE = 12  # characters, checked when a key is written under a passphrase
PASSPHRASE_HINT = "--passphrase-file or BOOTH_HQ_PASSPHRASE_FILE"
ENCRYPTED_PEM = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"


@runtime_checkable
class Signer(Protocol):
    """An Ed25519 private key kept elsewhere (a PKCS#11 token): it signs, and tells its public half.

    ``sign`` returns the 64-byte Ed25519 signature of ``data``; ``raw_public_key`` is the 32-byte
    public key. ``cose.sign`` and ``permit.encode`` take one wherever they take an Ed25519PrivateKey."""

    @property
    def raw_public_key(self) -> bytes: ...

    def sign(self, data: bytes) -> bytes: ...


def raw_public(key: Ed25519PublicKey | Ed25519PrivateKey | Signer) -> bytes:
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    if not isinstance(key, Ed25519PublicKey):
        return key.raw_public_key
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_from_raw(raw: bytes) -> Ed25519PublicKey:
    if not isinstance(raw, bytes) or len(raw) != 32:
        raise KeyFileError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def kid_of(key: Ed25519PublicKey | Ed25519PrivateKey | Signer | bytes) -> bytes:
    """The key id (docs/formats.md): first 8 bytes of SHA-256 over the raw public key."""
    raw = key if isinstance(key, bytes) else raw_public(key)
    return hashlib.sha256(raw).digest()[:KID_LENGTH]


def fingerprint(key: Ed25519PublicKey | Ed25519PrivateKey | Signer | bytes) -> str:
    """SHA-256 of the raw public key as 16 groups of 4 hex digits, for reading aloud."""
    raw = key if isinstance(key, bytes) else raw_public(key)
    digest = hashlib.sha256(raw).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, 64, 4))


def normalise_fingerprint(text: str) -> str:
    """Accept a fingerprint typed with or without spaces/colons, any case."""
    digits = "".join(ch for ch in text.upper() if ch in "0123456789ABCDEF")
    if len(digits) != 64:
        raise KeyFileError("a fingerprint is 64 hexadecimal digits")
    return " ".join(digits[i : i + 4] for i in range(0, 64, 4))


def generate() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def check_passphrase(passphrase: bytes) -> None:
    """Refuse a passphrase too short to protect a key written under it."""
    if len(passphrase.decode("utf-8", "replace")) < MIN_PASSPHRASE:
        raise KeyFileError(f"a key passphrase must be at least {MIN_PASSPHRASE} characters long")


def save_private(key: Ed25519PrivateKey, path: Path, passphrase: bytes | None = None) -> None:
    """Write ``key`` as PKCS#8 PEM with mode 0600, encrypted under ``passphrase`` if given; never overwrite."""
    encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
    if passphrase is not None:
        check_passphrase(passphrase)
        encryption = serialization.BestAvailableEncryption(passphrase)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)  # an existing folder too: a key sits in no folder others can list
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path} already exists; refusing to overwrite a key") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())


def public_pem(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """The public half as SubjectPublicKeyInfo PEM (what `openssl pkey -pubin` reads)."""
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def save_public(key: Ed25519PublicKey | Ed25519PrivateKey, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(public_pem(key))


def is_encrypted(path: Path) -> bool:
    """Whether the private key file ``path`` is encrypted under a passphrase (False if unreadable)."""
    try:
        with path.open("rb") as f:
            return f.read(len(ENCRYPTED_PEM)) == ENCRYPTED_PEM
    except OSError:
        return False


def load_private(path: Path, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """Load a private key, refusing files that group or others may read.

    An encrypted key needs ``passphrase``; a key in clear is read whether one is given or not."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeyFileError(f"key file {path} does not exist") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"key file {path} is readable by others (mode {stat.S_IMODE(mode):04o}); run: chmod 600 {path}"
        )
    data = path.read_bytes()
    encrypted = data.lstrip().startswith(ENCRYPTED_PEM)
    if encrypted and passphrase is None:
        raise KeyFileError(f"{path} is encrypted: give its passphrase ({PASSPHRASE_HINT})")
    try:
        key = serialization.load_pem_private_key(data, password=passphrase if encrypted else None)
    except (ValueError, TypeError) as exc:
        if encrypted:
            raise KeyFileError(f"wrong passphrase for {path}") from None
        raise KeyFileError(f"{path} is not a PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read public key {path}: {exc.strerror}") from None
    if b"PRIVATE KEY" in data:
        raise KeyFileError(f"{path} is a private key; give only its public half")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise KeyFileError(f"{path} is not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key
