"""Multi-person control of HQ's offline root key: a k-of-N split among named custodians.

Why Shamir's secret sharing: the root's Ed25519 seed is split so that no single person can use
the root (any ``k - 1`` shares tell nothing about it, not even one bit), while any ``k`` of the
``N`` custodians can rebuild it, so one lost, ill or departed custodian does not lose the root.
The split is byte-wise over GF(2^8) (the AES field, polynomial 0x11b) with random coefficients
from ``secrets``; a rebuilt key is checked against the root's public key, so a damaged or
foreign share is caught before anything is signed.

Why scrypt + AES-256-GCM per share: each share file is encrypted under its custodian's own
passphrase, so a stolen share file (or the whole ceremony folder) is worth nothing without
the passphrases of ``k`` custodians. scrypt makes each guess cost memory and time; AES-GCM
authenticates the share together with its public metadata (the AAD), so a file whose index,
custodian, threshold or root was edited does not decrypt at all. The metadata stays in clear,
so anyone can list who holds which share of which root without a passphrase.

The table-driven field arithmetic is not constant-time; it runs on an offline ceremony PC.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from sync.hq.errors import CustodyError
from sync.protocol.errors import FileTooLarge, UnsafePath
from sync.protocol.files import check_not_linked, read_capped, sync_folder
from sync.protocol.keys import MIN_PASSPHRASE, fingerprint

log = logging.getLogger(__name__)

MIN_THRESHOLD = 2
MAX_CUSTODIANS = 16
FORMAT = 1
MAX_FILE = 64 * 1024  # bytes; a share file is well under 1 KiB
SEED_LENGTH = 32  # an Ed25519 private key's raw seed, and so a share's value
SPLIT_ID_LENGTH = 16
SCRYPT_N = 2**15  # tests lower it (monkeypatch); files record the n they were written with
SCRYPT_R = 8
SCRYPT_P = 1
MAX_SCRYPT_N = 2**17  # 128 MiB at r=8: a file may not make a load take more
SALT_LENGTH = 16
NONCE_LENGTH = 12
KDF_NAME = "scrypt"
CIPHER_NAME = "AES-256-GCM"
ROOT_PUB = "root.pub"
NAME = re.compile(r"[A-Za-z0-9._-]{1,40}")

# --- GF(2^8), the AES field: log/antilog tables over the generator 3, built once ---------------


def _tables() -> tuple[list[int], list[int]]:
    """Antilog (doubled, so a sum of two logs needs no reduction) and log tables of GF(2^8)."""
    exp, log_ = [0] * 510, [0] * 256
    x = 1
    for i in range(255):
        exp[i] = exp[i + 255] = x
        log_[x] = i
        x ^= (x << 1) ^ (0x11B if x & 0x80 else 0)  # x * 3 = x * 2 + x, reduced by 0x11b
    return exp, log_


_EXP, _LOG = _tables()


def gf_mul(a: int, b: int) -> int:
    """Product of two elements of GF(2^8)."""
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


def gf_inv(a: int) -> int:
    """Multiplicative inverse in GF(2^8); 0 has none."""
    if a == 0:
        raise ZeroDivisionError("0 has no inverse in GF(2^8)")
    return _EXP[255 - _LOG[a]]


# --- shares ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareInfo:
    """A share's public metadata: what its file shows without a passphrase."""

    custodian: str
    split_id: bytes
    threshold: int
    count: int
    index: int
    root_public_key: bytes


@dataclass(frozen=True)
class Share:
    """One custodian's share of a split secret: the y values at x = ``index``, one per secret byte."""

    custodian: str
    split_id: bytes
    threshold: int
    count: int
    index: int
    root_public_key: bytes
    value: bytes = field(repr=False)

    def info(self) -> ShareInfo:
        """The public part of this share."""
        return ShareInfo(self.custodian, self.split_id, self.threshold, self.count, self.index, self.root_public_key)


def _check_names(names: Sequence[str], threshold: int) -> None:
    """Refuse a threshold or custodian list a split cannot be made for."""
    if len(names) > MAX_CUSTODIANS:
        raise CustodyError(f"at most {MAX_CUSTODIANS} custodians, not {len(names)}")
    if not isinstance(threshold, int) or threshold < MIN_THRESHOLD:
        raise CustodyError(f"the threshold must be at least {MIN_THRESHOLD}, not {threshold}")
    if threshold > len(names):
        raise CustodyError(f"a threshold of {threshold} needs at least {threshold} custodians, not {len(names)}")
    for name in names:
        _check_name(name)
    if len(set(names)) != len(names):
        raise CustodyError("a custodian is named twice; each custodian holds one share")


def _check_name(name: object) -> None:
    """Refuse a custodian name that is not 1-40 of [A-Za-z0-9._-]."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise CustodyError(f"custodian name {name!r} must be 1-40 characters of A-Z a-z 0-9 . _ -")


def _eval(coefficients: Sequence[int], x: int) -> int:
    """The polynomial with these coefficients (constant first) at ``x``, by Horner's rule."""
    y = 0
    for c in reversed(coefficients):
        y = gf_mul(y, x) ^ c
    return y


def split_secret(secret: bytes, names: Sequence[str], threshold: int, root_public_key: bytes) -> list[Share]:
    """Split ``secret`` among ``names`` so that any ``threshold`` of the shares rebuild it."""
    _check_names(names, threshold)
    if not secret:
        raise CustodyError("there is no secret to split")
    split_id = secrets.token_bytes(SPLIT_ID_LENGTH)
    polys = [[b, *(secrets.randbelow(256) for _ in range(threshold - 1))] for b in secret]
    return [
        Share(name, split_id, threshold, len(names), x, root_public_key, bytes(_eval(p, x) for p in polys))
        for x, name in enumerate(names, start=1)
    ]


def _interpolate(points: Sequence[tuple[int, bytes]]) -> bytes:
    """Lagrange interpolation at x = 0 through distinct, non-zero x, byte by byte."""
    out = bytearray(len(points[0][1]))
    for j, (xj, yj) in enumerate(points):
        basis = 1  # prod over m != j of x_m / (x_m - x_j); minus is xor in GF(2^8)
        for m, (xm, _) in enumerate(points):
            if m != j:
                basis = gf_mul(basis, gf_mul(xm, gf_inv(xm ^ xj)))
        for i, y in enumerate(yj):
            out[i] ^= gf_mul(y, basis)
    return bytes(out)


def _check_together(shares: Sequence[Share]) -> None:
    """Refuse shares that are not enough distinct shares of one split."""
    if not shares:
        raise CustodyError("no shares given")
    first = shares[0]
    for s in shares:
        if (s.split_id, s.threshold, s.count, s.root_public_key) != (
            first.split_id,
            first.threshold,
            first.count,
            first.root_public_key,
        ):
            raise CustodyError(f"{s.custodian}'s share is from another split than {first.custodian}'s")
        if not 1 <= s.index <= min(s.count, 255) or len(s.value) != len(first.value) or not s.value:
            raise CustodyError(f"{s.custodian}'s share is damaged (index or length out of place)")
    if len({s.index for s in shares}) != len(shares) or len({s.custodian for s in shares}) != len(shares):
        raise CustodyError("the same share (or share index) is given twice")
    if len(shares) < first.threshold:
        raise CustodyError(f"{len(shares)} shares given; this split needs {first.threshold} of {first.count}")


def combine(shares: Sequence[Share]) -> bytes:
    """The secret rebuilt from at least ``threshold`` distinct shares of one split."""
    _check_together(shares)
    return _interpolate([(s.index, s.value) for s in shares])


def _seed(root: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte seed of an Ed25519 private key."""
    return root.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def _raw_public(root: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public key of an Ed25519 private key."""
    return root.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def split_root(root: Ed25519PrivateKey, names: Sequence[str], threshold: int) -> list[Share]:
    """Split the root's seed among ``names``, ``threshold`` of them needed to rebuild it."""
    shares = split_secret(_seed(root), names, threshold, _raw_public(root))
    log.info("root %s split %d of %d", fingerprint(_raw_public(root)), threshold, len(names))
    return shares


def root_from_shares(shares: Sequence[Share]) -> Ed25519PrivateKey:
    """The root rebuilt from shares, checked against the public key the shares name."""
    seed = combine(shares)
    if len(seed) != SEED_LENGTH:
        raise CustodyError(f"the shares hold {len(seed)} bytes, not an Ed25519 seed of {SEED_LENGTH}")
    root = Ed25519PrivateKey.from_private_bytes(seed)
    expected = shares[0].root_public_key
    if not secrets.compare_digest(_raw_public(root), expected):
        raise CustodyError(
            f"the shares do not rebuild the root {fingerprint(expected)}: one of them is damaged or altered"
        )
    return root


# --- share files ----------------------------------------------------------------------------


def _canonical(doc: Mapping[str, Any]) -> bytes:
    """The canonical JSON of ``doc``: sorted keys, no spaces, ASCII."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _public_doc(info: ShareInfo, salt: bytes, n: int) -> dict[str, Any]:
    """The clear metadata of a share file; its canonical JSON is the AAD of the encrypted value."""
    return {
        "format": FORMAT,
        "custodian": info.custodian,
        "split_id": info.split_id.hex(),
        "threshold": info.threshold,
        "count": info.count,
        "index": info.index,
        "root_public_key": info.root_public_key.hex(),
        "root_fingerprint": fingerprint(info.root_public_key),
        "kdf": {"name": KDF_NAME, "salt": salt.hex(), "n": n, "r": SCRYPT_R, "p": SCRYPT_P, "length": 32},
    }


def _key(passphrase: bytes, salt: bytes, n: int) -> bytes:
    """The AES-256 key scrypt derives from a passphrase."""
    return Scrypt(salt=salt, length=32, n=n, r=SCRYPT_R, p=SCRYPT_P).derive(passphrase)


def _check_info(info: ShareInfo) -> None:
    """Refuse public metadata no split could have made."""
    _check_name(info.custodian)
    if len(info.split_id) != SPLIT_ID_LENGTH or len(info.root_public_key) != 32:
        raise CustodyError(f"{info.custodian}'s share has a split id or root key of the wrong length")
    if not MIN_THRESHOLD <= info.threshold <= info.count <= MAX_CUSTODIANS or not 1 <= info.index <= info.count:
        raise CustodyError(
            f"{info.custodian}'s share says {info.threshold} of {info.count}, index {info.index}: impossible"
        )


def check_passphrase(passphrase: bytes) -> None:
    """Refuse a passphrase shorter than ``MIN_PASSPHRASE`` characters."""
    if len(passphrase.decode("utf-8", "replace")) < MIN_PASSPHRASE:
        raise CustodyError(f"a custodian's passphrase must be at least {MIN_PASSPHRASE} characters long")


def save_share(share: Share, path: Path, passphrase: bytes) -> None:
    """Write ``share`` to a new 0600 JSON file, its value encrypted under ``passphrase``."""
    check_passphrase(passphrase)
    _check_info(share.info())
    if len(share.value) != SEED_LENGTH:
        raise CustodyError(f"{share.custodian}'s share holds {len(share.value)} bytes, not {SEED_LENGTH}")
    salt, nonce = secrets.token_bytes(SALT_LENGTH), secrets.token_bytes(NONCE_LENGTH)
    doc = _public_doc(share.info(), salt, SCRYPT_N)
    sealed = AESGCM(_key(passphrase, salt, SCRYPT_N)).encrypt(nonce, share.value, _canonical(doc))
    doc["cipher"] = {"name": CIPHER_NAME, "nonce": nonce.hex(), "ciphertext": sealed.hex()}
    _write_new(path, (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode())
    log.info("share %d of %d for %s written to %s", share.index, share.count, share.custodian, path)


def _write_new(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write a new file whole or not at all; never over an existing file, never through a link.

    Not ``files.atomic_write``: that replaces an existing file, and a share must never be."""
    try:
        check_not_linked(path)
    except UnsafePath as exc:
        raise CustodyError(str(exc)) from None
    if os.path.lexists(path):
        raise CustodyError(f"{path} already exists; refusing to overwrite it")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    sync_folder(path.parent)


def _publish(tmp: Path, path: Path) -> None:
    """Give ``tmp`` the name ``path`` unless that exists: a hard link refuses it even in a race."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise CustodyError(f"{path} already exists; refusing to overwrite it") from None
    except OSError:  # no hard links here (FAT or exFAT on a stick): checked above, then renamed
        if os.path.lexists(path):
            raise CustodyError(f"{path} already exists; refusing to overwrite it") from None
        os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON object read from a regular file of at most ``MAX_FILE`` bytes, not through a link."""
    try:
        data = read_capped(path, MAX_FILE)
    except FileNotFoundError:
        raise CustodyError(f"{path} does not exist") from None
    except (UnsafePath, FileTooLarge) as exc:
        raise CustodyError(str(exc)) from None
    except OSError as exc:
        raise CustodyError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise CustodyError(f"{path} is not JSON (damaged or not a share file)") from None
    if not isinstance(doc, dict):
        raise CustodyError(f"{path} is not a JSON object (damaged or not a share file)")
    return doc


def _hex(value: object, length: int) -> bytes:
    """``length`` bytes written as lower-case hex, else ValueError."""
    if not isinstance(value, str) or not re.fullmatch(f"[0-9a-f]{{{2 * length}}}", value):
        raise ValueError(f"not {length} bytes of hex")
    return bytes.fromhex(value)


def _int(value: object) -> int:
    """An integer (not a bool), else ValueError."""
    if type(value) is not int:
        raise ValueError("not an integer")
    return value


_KEYS = {"format", "custodian", "split_id", "threshold", "count", "index", "root_public_key"}
_KEYS |= {"root_fingerprint", "kdf", "cipher"}
_CIPHER_KEYS = {"name", "nonce", "ciphertext"}


def _parse_info(doc: Mapping[str, Any], path: Path) -> ShareInfo:
    """The public metadata of a share file's JSON, checked."""
    if doc.get("format") != FORMAT or type(doc.get("format")) is not int:
        raise CustodyError(f"{path} is not a format {FORMAT} share file (format {doc.get('format')!r})")
    if set(doc) != _KEYS:
        raise CustodyError(f"{path} is damaged: its fields are not those of a share file")
    try:
        info = ShareInfo(
            doc["custodian"],
            _hex(doc["split_id"], SPLIT_ID_LENGTH),
            _int(doc["threshold"]),
            _int(doc["count"]),
            _int(doc["index"]),
            _hex(doc["root_public_key"], 32),
        )
        _check_info(info)
    except (ValueError, CustodyError) as exc:
        raise CustodyError(f"{path} is damaged: {exc}") from None
    if doc["root_fingerprint"] != fingerprint(info.root_public_key):
        raise CustodyError(f"{path} is damaged: its root fingerprint does not match its root key")
    return info


def _parse_sealed(doc: Mapping[str, Any], path: Path) -> tuple[bytes, int, bytes, bytes]:
    """Salt, scrypt n, nonce and ciphertext of a share file, checked."""
    kdf, cipher = doc["kdf"], doc["cipher"]
    try:
        if not isinstance(kdf, dict) or not isinstance(cipher, dict):
            raise ValueError("kdf and cipher must be objects")
        n = _int(kdf.get("n"))
        fixed = (kdf.get("name"), kdf.get("r"), kdf.get("p"), kdf.get("length"), set(kdf), set(cipher))
        if fixed != (KDF_NAME, SCRYPT_R, SCRYPT_P, 32, {"name", "salt", "n", "r", "p", "length"}, _CIPHER_KEYS):
            raise ValueError("unknown key derivation or cipher")
        if cipher["name"] != CIPHER_NAME or n < 2 or n > MAX_SCRYPT_N or n & (n - 1):
            raise ValueError(f"unknown cipher or scrypt n {n} out of range")
        return _hex(kdf["salt"], SALT_LENGTH), n, _hex(cipher["nonce"], NONCE_LENGTH), _hex(cipher["ciphertext"], 48)
    except ValueError as exc:
        raise CustodyError(f"{path} is damaged: {exc}") from None


def share_info(path: Path) -> ShareInfo:
    """A share file's public metadata, read without a passphrase (and so not authenticated)."""
    return _parse_info(_read_json(path), path)


def load_share(path: Path, passphrase: bytes) -> Share:
    """A share read from its file and decrypted with its custodian's passphrase."""
    doc = _read_json(path)
    info = _parse_info(doc, path)
    salt, n, nonce, sealed = _parse_sealed(doc, path)
    aad = _canonical(_public_doc(info, salt, n))
    try:
        value = AESGCM(_key(passphrase, salt, n)).decrypt(nonce, sealed, aad)
    except InvalidTag:
        raise CustodyError(
            f"wrong passphrase for custodian {info.custodian}'s share ({path}), or the file was altered"
        ) from None
    return Share(info.custodian, info.split_id, info.threshold, info.count, info.index, info.root_public_key, value)


# --- the ceremony folder --------------------------------------------------------------------


@dataclass(frozen=True)
class RootFolder:
    """The offline ceremony folder (a USB stick kept in a safe): ``root.pub`` and one share file each."""

    path: Path

    def share_path(self, custodian: str) -> Path:
        """Where ``custodian``'s share file is in this folder."""
        _check_name(custodian)
        return self.path / f"share-{custodian}.json"

    def _share_files(self) -> list[Path]:
        """The share files in this folder (none if there is no folder)."""
        return sorted(self.path.glob("share-*.json")) if self.path.is_dir() else []

    def create(self, root: Ed25519PrivateKey, passphrases: Mapping[str, bytes], threshold: int) -> list[Path]:
        """Split ``root`` among the custodians named in ``passphrases``; write ``root.pub`` and their shares."""
        if self.path.is_symlink():
            raise CustodyError(f"{self.path} is a symbolic link; refusing to make a root folder through it")
        if os.path.lexists(self.path / ROOT_PUB) or self._share_files():
            raise CustodyError(f"{self.path} already holds a root or shares; use an empty folder")
        for secret in passphrases.values():
            check_passphrase(secret)
        shares = split_root(root, list(passphrases), threshold)
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.path, 0o700)
        written: list[Path] = []
        try:
            for share in shares:
                save_share(share, self.share_path(share.custodian), passphrases[share.custodian])
                written.append(self.share_path(share.custodian))
            pub = {
                "format": FORMAT,
                "public_key": _raw_public(root).hex(),
                "fingerprint": fingerprint(_raw_public(root)),
            }
            _write_new(self.path / ROOT_PUB, (json.dumps(pub, indent=2) + "\n").encode())
        except BaseException:
            for done in written:  # ours, just written: a half-made folder would refuse the next try
                done.unlink(missing_ok=True)
            raise
        return written

    def public_key(self) -> bytes:
        """The root's raw public key, from ``root.pub``."""
        path = self.path / ROOT_PUB
        doc = _read_json(path)
        try:
            raw = _hex(doc.get("public_key"), 32)
        except ValueError:
            raise CustodyError(f"{path} is damaged: no 32-byte public key") from None
        if doc.get("format") != FORMAT or doc.get("fingerprint") != fingerprint(raw):
            raise CustodyError(f"{path} is damaged: its format or fingerprint does not match its key")
        return raw

    def shares(self) -> list[ShareInfo]:
        """Who holds which share of this folder's root (no passphrase needed)."""
        root = self.public_key()
        infos = []
        for path in self._share_files():
            info = share_info(path)
            if info.root_public_key != root or path != self.share_path(info.custodian):
                raise CustodyError(f"{path} is not a share of this folder's root, or was renamed")
            infos.append(info)
        return sorted(infos, key=lambda i: i.index)

    def unlock(self, passphrases: Mapping[str, bytes]) -> Ed25519PrivateKey:
        """The root rebuilt from the shares of the custodians named in ``passphrases``."""
        root = self.public_key()
        for name in passphrases:
            _check_name(name)
        unknown = sorted(n for n in passphrases if not os.path.lexists(self.share_path(n)))
        if unknown:
            raise CustodyError(f"no share in {self.path} for custodian(s): {', '.join(unknown)}")
        shares = [load_share(self.share_path(name), secret) for name, secret in passphrases.items()]
        for name, share in zip(passphrases, shares, strict=True):
            if share.custodian != name or share.root_public_key != root:
                raise CustodyError(f"{self.share_path(name)} is not {name}'s share of this folder's root")
        key = root_from_shares(shares)
        log.info("root %s unlocked by %s", fingerprint(root), ", ".join(sorted(passphrases)))
        return key
