"""The root's k-of-N custody split (sync.hq.custody): the field, the split, the share files, the folder."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.hq import custody
from sync.hq.custody import (
    MAX_CUSTODIANS,
    RootFolder,
    Share,
    combine,
    gf_inv,
    gf_mul,
    load_share,
    root_from_shares,
    save_share,
    share_info,
    split_root,
    split_secret,
)
from sync.hq.errors import CustodyError
from sync.protocol.keys import fingerprint

PUB = bytes(32)
NAMES = ["alice", "bob", "carol"]
PASS = {name: f"{name} passphrase, long enough".encode() for name in ["alice", "bob", "carol", "dave", "erin"]}


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A cheap scrypt for all tests but the one that asks for the real cost."""
    monkeypatch.setattr(custody, "SCRYPT_N", 2**4)
    yield


def _slow_mul(a: int, b: int) -> int:
    """Carry-less multiplication reduced by the AES polynomial, bit by bit: the reference."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11B
        b >>= 1
    return product


def _raw_pub(key: Ed25519PrivateKey) -> bytes:
    return custody._raw_public(key)


def _edit(path: Path, **changes: Any) -> None:
    doc = json.loads(path.read_text())
    doc.update(changes)
    path.write_text(json.dumps(doc))


# --- the field ----------------------------------------------------------------------------


def test_gf_mul_matches_the_bitwise_reference_everywhere() -> None:
    assert all(gf_mul(a, b) == _slow_mul(a, b) for a in range(256) for b in range(256))
    assert gf_mul(0x57, 0x83) == 0xC1  # FIPS-197's worked example


def test_every_non_zero_element_has_its_inverse_and_zero_has_none() -> None:
    assert all(gf_mul(a, gf_inv(a)) == 1 for a in range(1, 256))
    assert len({gf_inv(a) for a in range(1, 256)}) == 255
    with pytest.raises(ZeroDivisionError):
        gf_inv(0)


bytes_ = st.integers(0, 255)


@given(bytes_, bytes_, bytes_)
def test_gf_mul_is_a_field_multiplication(a: int, b: int, c: int) -> None:
    assert gf_mul(a, b) == gf_mul(b, a)
    assert gf_mul(a, gf_mul(b, c)) == gf_mul(gf_mul(a, b), c)
    assert gf_mul(a, b ^ c) == gf_mul(a, b) ^ gf_mul(a, c)
    assert gf_mul(a, 1) == a and gf_mul(a, 0) == 0


# --- the split ----------------------------------------------------------------------------


@st.composite
def splits(draw: st.DrawFn) -> tuple[bytes, list[Share], int]:
    secret = draw(st.binary(min_size=32, max_size=32))
    count = draw(st.integers(2, MAX_CUSTODIANS))
    threshold = draw(st.integers(2, count))
    shares = split_secret(secret, [f"c{i}" for i in range(count)], threshold, PUB)
    return secret, shares, threshold


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(splits(), st.data())
def test_any_k_of_n_shares_rebuild_the_secret(split: tuple[bytes, list[Share], int], data: st.DataObject) -> None:
    secret, shares, k = split
    size = data.draw(st.integers(k, len(shares)))
    subset = data.draw(st.permutations(shares))[:size]
    assert combine(subset) == secret


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(splits(), st.data())
def test_k_minus_1_shares_are_refused_and_interpolate_to_something_else(
    split: tuple[bytes, list[Share], int], data: st.DataObject
) -> None:
    secret, shares, k = split
    subset = data.draw(st.permutations(shares))[: k - 1]
    with pytest.raises(CustodyError, match=f"needs {k} of"):
        combine(subset)
    # k - 1 points fix nothing: the value at 0 they give is another one (all 32 bytes right: 2**-256)
    assert custody._interpolate([(s.index, s.value) for s in subset]) != secret


def test_shares_look_nothing_like_the_secret_and_differ_each_split() -> None:
    secret = bytes(range(32))
    one, two = split_secret(secret, NAMES, 2, PUB), split_secret(secret, NAMES, 2, PUB)
    assert {s.index for s in one} == {1, 2, 3} and [s.custodian for s in one] == NAMES
    assert len({s.split_id for s in one}) == 1 and one[0].split_id != two[0].split_id
    assert all(s.value != secret for s in one) and one[0].value != two[0].value
    assert secret.hex() not in repr(one[0]) and "value" not in repr(one[0])


@pytest.mark.parametrize(
    ("names", "threshold", "message"),
    [
        (NAMES, 1, "at least 2"),
        (NAMES, 0, "at least 2"),
        (NAMES, 4, "needs at least 4 custodians"),
        ([f"c{i}" for i in range(MAX_CUSTODIANS + 1)], 2, "at most 16"),
        (["alice", "bob", "alice"], 2, "named twice"),
        (["alice", ""], 2, "custodian name"),
        (["alice", "bob smith"], 2, "custodian name"),
        (["alice", "../bob"], 2, "custodian name"),
        (["alice", "x" * 41], 2, "custodian name"),
        (["alice", "zoë"], 2, "custodian name"),
    ],
)
def test_a_split_that_cannot_be_made_is_refused(names: list[str], threshold: int, message: str) -> None:
    with pytest.raises(CustodyError, match=message):
        split_secret(bytes(32), names, threshold, PUB)


def test_combine_refuses_mixed_splits_duplicates_and_nothing() -> None:
    one, two = split_secret(bytes(32), NAMES, 2, PUB), split_secret(bytes(32), NAMES, 2, PUB)
    with pytest.raises(CustodyError, match="another split"):
        combine([one[0], two[1]])
    with pytest.raises(CustodyError, match="twice"):
        combine([one[0], one[0]])
    with pytest.raises(CustodyError, match="twice"):
        combine([one[0], replace(one[1], index=1)])
    with pytest.raises(CustodyError, match="twice"):
        combine([one[0], replace(one[1], custodian="alice")])
    with pytest.raises(CustodyError, match="damaged"):
        combine([one[0], replace(one[1], index=4)])
    with pytest.raises(CustodyError, match="no shares"):
        combine([])
    for changed in ({"threshold": 3}, {"count": 4}, {"root_public_key": bytes([1] * 32)}):
        with pytest.raises(CustodyError, match="another split"):
            combine([one[0], replace(one[1], **changed), one[2]])


def test_the_root_splits_and_rebuilds_and_signs() -> None:
    root = Ed25519PrivateKey.generate()
    shares = split_root(root, ["alice", "bob", "carol", "dave", "erin"], 3)
    rebuilt = root_from_shares([shares[4], shares[1], shares[2]])
    root.public_key().verify(rebuilt.sign(b"bundle"), b"bundle")
    assert all(s.root_public_key == _raw_pub(root) for s in shares)


def test_shares_that_rebuild_another_key_than_the_root_they_name_are_refused() -> None:
    other = _raw_pub(Ed25519PrivateKey.generate())
    shares = split_secret(Ed25519PrivateKey.generate().private_bytes_raw(), NAMES, 2, other)
    with pytest.raises(CustodyError, match="do not rebuild the root"):
        root_from_shares(shares[:2])
    good = split_root(Ed25519PrivateKey.generate(), NAMES, 2)
    bent = replace(good[1], value=bytes([good[1].value[0] ^ 1]) + good[1].value[1:])
    with pytest.raises(CustodyError, match="do not rebuild the root"):
        root_from_shares([good[0], bent])


# --- share files --------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Ed25519PrivateKey, list[Share], list[Path]]:
    root = Ed25519PrivateKey.generate()
    shares = split_root(root, NAMES, 2)
    paths = [tmp_path / f"{s.custodian}.json" for s in shares]
    for share, path in zip(shares, paths, strict=True):
        save_share(share, path, PASS[share.custodian])
    return root, shares, paths


def test_share_files_round_trip_and_show_their_metadata(
    saved: tuple[Ed25519PrivateKey, list[Share], list[Path]],
) -> None:
    root, shares, paths = saved
    loaded = [load_share(p, PASS[s.custodian]) for s, p in zip(shares, paths, strict=True)]
    assert loaded == shares
    assert root_from_shares(loaded[1:]).private_bytes_raw() == root.private_bytes_raw()
    assert share_info(paths[1]) == shares[1].info()
    doc = json.loads(paths[0].read_text())
    assert doc["format"] == 1 and doc["custodian"] == "alice" and doc["index"] == 1
    assert doc["threshold"] == 2 and doc["count"] == 3 and doc["split_id"] == shares[0].split_id.hex()
    assert doc["root_public_key"] == _raw_pub(root).hex() and doc["root_fingerprint"] == fingerprint(_raw_pub(root))
    assert doc["kdf"]["name"] == "scrypt" and doc["kdf"]["n"] == 2**4 and len(bytes.fromhex(doc["kdf"]["salt"])) == 16
    assert shares[0].value.hex() not in paths[0].read_text()


def test_the_real_scrypt_cost_is_used_and_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(custody, "SCRYPT_N", 2**15)
    share = split_root(Ed25519PrivateKey.generate(), NAMES, 2)[0]
    save_share(share, tmp_path / "s.json", PASS["alice"])
    kdf = json.loads((tmp_path / "s.json").read_text())["kdf"]
    assert (kdf["n"], kdf["r"], kdf["p"], kdf["length"]) == (2**15, 8, 1, 32)
    assert load_share(tmp_path / "s.json", PASS["alice"]) == share
    with pytest.raises(CustodyError, match="wrong passphrase"):
        load_share(tmp_path / "s.json", PASS["bob"])


def test_a_share_file_is_0600_and_never_overwritten(saved: tuple[Ed25519PrivateKey, list[Share], list[Path]]) -> None:
    _, shares, paths = saved
    assert stat.S_IMODE(paths[0].stat().st_mode) == 0o600
    before = paths[0].read_bytes()
    with pytest.raises(CustodyError, match="already exists"):
        save_share(shares[1], paths[0], PASS["bob"])
    assert paths[0].read_bytes() == before
    assert sorted(p.name for p in paths[0].parent.iterdir()) == sorted(p.name for p in paths)  # no temp left


def test_a_share_is_never_written_through_a_link(tmp_path: Path) -> None:
    share = split_root(Ed25519PrivateKey.generate(), NAMES, 2)[0]
    (tmp_path / "target").write_text("keep")
    (tmp_path / "link.json").symlink_to(tmp_path / "target")
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere")
    for name in ("link.json", "dangling.json"):
        with pytest.raises(CustodyError):
            save_share(share, tmp_path / name, PASS["alice"])
    assert (tmp_path / "target").read_text() == "keep" and not (tmp_path / "nowhere").exists()


def test_a_short_passphrase_is_refused_and_nothing_written(tmp_path: Path) -> None:
    share = split_root(Ed25519PrivateKey.generate(), NAMES, 2)[0]
    with pytest.raises(CustodyError, match="at least 12 characters"):
        save_share(share, tmp_path / "s.json", b"short")
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_passphrase_names_the_custodian(saved: tuple[Ed25519PrivateKey, list[Share], list[Path]]) -> None:
    _, _, paths = saved
    with pytest.raises(CustodyError, match="wrong passphrase for custodian bob's share") as caught:
        load_share(paths[1], PASS["alice"])
    assert "\n" not in str(caught.value) and str(paths[1]) in str(caught.value)


@pytest.mark.parametrize(
    "changes",
    [
        {"index": 3},
        {"custodian": "carol"},
        {"custodian": "mallory"},
        {"threshold": 3},
        {"count": 4},
        {"split_id": "00" * 16},
    ],
)
def test_edited_metadata_does_not_decrypt(
    saved: tuple[Ed25519PrivateKey, list[Share], list[Path]], changes: dict[str, Any]
) -> None:
    _, _, paths = saved
    _edit(paths[1], **changes)
    with pytest.raises(CustodyError, match="or the file was altered"):
        load_share(paths[1], PASS["bob"])


def test_another_root_key_written_in_does_not_decrypt(saved: tuple[Ed25519PrivateKey, list[Share], list[Path]]) -> None:
    _, _, paths = saved
    other = _raw_pub(Ed25519PrivateKey.generate())
    _edit(paths[0], root_public_key=other.hex(), root_fingerprint=fingerprint(other))
    with pytest.raises(CustodyError, match="or the file was altered"):
        load_share(paths[0], PASS["alice"])
    _edit(paths[1], root_fingerprint=fingerprint(other))
    with pytest.raises(CustodyError, match="fingerprint"):
        share_info(paths[1])


def test_an_edited_ciphertext_or_kdf_does_not_decrypt(saved: tuple[Ed25519PrivateKey, list[Share], list[Path]]) -> None:
    _, _, paths = saved
    doc = json.loads(paths[0].read_text())
    sealed = doc["cipher"]["ciphertext"]
    _edit(paths[0], cipher={**doc["cipher"], "ciphertext": ("0" if sealed[0] != "0" else "1") + sealed[1:]})
    with pytest.raises(CustodyError, match="or the file was altered"):
        load_share(paths[0], PASS["alice"])
    _edit(paths[1], kdf={**doc["kdf"], "n": 2**30})
    with pytest.raises(CustodyError, match="out of range"):
        load_share(paths[1], PASS["bob"])


def test_a_share_from_another_split_is_refused(tmp_path: Path) -> None:
    root = Ed25519PrivateKey.generate()
    first, second = split_root(root, NAMES, 2), split_root(root, NAMES, 2)
    save_share(first[0], tmp_path / "a.json", PASS["alice"])
    save_share(second[1], tmp_path / "b.json", PASS["bob"])
    shares = [load_share(tmp_path / "a.json", PASS["alice"]), load_share(tmp_path / "b.json", PASS["bob"])]
    with pytest.raises(CustodyError, match="another split"):
        root_from_shares(shares)


def test_the_same_share_twice_is_refused(saved: tuple[Ed25519PrivateKey, list[Share], list[Path]]) -> None:
    _, _, paths = saved
    share = load_share(paths[0], PASS["alice"])
    copy = paths[0].with_name("copy.json")
    copy.write_bytes(paths[0].read_bytes())
    with pytest.raises(CustodyError, match="twice"):
        root_from_shares([share, load_share(copy, PASS["alice"])])


def test_a_symlinked_share_file_is_refused(saved: tuple[Ed25519PrivateKey, list[Share], list[Path]]) -> None:
    _, _, paths = saved
    link = paths[0].with_name("link.json")
    link.symlink_to(paths[0])
    with pytest.raises(CustodyError, match="symbolic link"):
        load_share(link, PASS["alice"])
    with pytest.raises(CustodyError, match="symbolic link"):
        share_info(link)


def test_an_oversized_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"format": 1, "padding": "x" * (64 * 1024)}))
    with pytest.raises(CustodyError, match="larger than 65536 bytes"):
        load_share(big, PASS["alice"])


def test_a_missing_file_or_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CustodyError, match="does not exist"):
        load_share(tmp_path / "none.json", PASS["alice"])
    with pytest.raises(CustodyError, match="Is a directory|not a regular file"):
        share_info(tmp_path)


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],
        lambda text: "",
        lambda text: "garbage",
        lambda text: "[]",
        lambda text: "[" * 20000 + "]" * 20000,
        lambda text: text.replace('"format": 1', '"format": 2'),
        lambda text: text.replace('"format": 1', '"format": true'),
        lambda text: text.replace('"index": 2', '"index": 0'),
        lambda text: text.replace('"index": 2', '"index": "2"'),
        lambda text: text.replace('"count": 3', '"count": 17'),
        lambda text: text.replace('"custodian": "bob"', '"custodian": "../bob"'),
        lambda text: text.replace('"nonce": "', '"nonce": "00'),
        lambda text: text.replace('"name": "scrypt"', '"name": "pbkdf2"'),
        lambda text: text.replace('"format": 1', '"format": 1, "extra": 1'),
    ],
)
def test_a_damaged_file_is_refused_in_one_line(
    saved: tuple[Ed25519PrivateKey, list[Share], list[Path]], damage: Any
) -> None:
    _, _, paths = saved
    paths[1].write_text(damage(paths[1].read_text()))
    with pytest.raises(CustodyError) as caught:
        load_share(paths[1], PASS["bob"])
    assert "\n" not in str(caught.value) and str(paths[1]) in str(caught.value)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=6),
        ).map(lambda doc: json.dumps(doc).encode()),
    )
)
def test_any_bytes_give_a_share_or_a_custody_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.json"
    path.write_bytes(data)
    with pytest.raises(CustodyError):
        load_share(path, PASS["alice"])


# --- the ceremony folder ------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Ed25519PrivateKey, RootFolder]:
    root = Ed25519PrivateKey.generate()
    ceremony = RootFolder(tmp_path / "stick" / "root")
    passphrases = {name: PASS[name] for name in ["alice", "bob", "carol", "dave"]}
    paths = ceremony.create(root, passphrases, 2)
    assert [p.name for p in paths] == [f"share-{n}.json" for n in passphrases]
    return root, ceremony


def test_a_folder_is_created_listed_and_unlocked_by_any_two(folder: tuple[Ed25519PrivateKey, RootFolder]) -> None:
    root, ceremony = folder
    assert stat.S_IMODE(ceremony.path.stat().st_mode) == 0o700
    assert ceremony.public_key() == _raw_pub(root)
    doc = json.loads((ceremony.path / "root.pub").read_text())
    assert doc["public_key"] == _raw_pub(root).hex() and doc["fingerprint"] == fingerprint(_raw_pub(root))
    infos = ceremony.shares()
    assert [(i.custodian, i.index, i.threshold, i.count) for i in infos] == [
        ("alice", 1, 2, 4),
        ("bob", 2, 2, 4),
        ("carol", 3, 2, 4),
        ("dave", 4, 2, 4),
    ]
    for pair in (("alice", "dave"), ("carol", "bob")):
        key = ceremony.unlock({name: PASS[name] for name in pair})
        assert key.private_bytes_raw() == root.private_bytes_raw()


def test_a_folder_refuses_too_few_unknown_and_wrong_passphrases(folder: tuple[Ed25519PrivateKey, RootFolder]) -> None:
    _, ceremony = folder
    with pytest.raises(CustodyError, match="needs 2 of 4"):
        ceremony.unlock({"alice": PASS["alice"]})
    with pytest.raises(CustodyError, match="custodian\\(s\\): erin, mallory"):
        ceremony.unlock({"alice": PASS["alice"], "mallory": PASS["erin"], "erin": PASS["erin"]})
    with pytest.raises(CustodyError, match="custodian name"):
        ceremony.unlock({"alice": PASS["alice"], "../root": PASS["bob"]})
    with pytest.raises(CustodyError, match="wrong passphrase for custodian bob's share"):
        ceremony.unlock({"alice": PASS["alice"], "bob": PASS["carol"]})


def test_a_folder_refuses_a_renamed_share(folder: tuple[Ed25519PrivateKey, RootFolder]) -> None:
    _, ceremony = folder
    (ceremony.path / "share-dave.json").unlink()
    os.rename(ceremony.path / "share-carol.json", ceremony.path / "share-dave.json")
    with pytest.raises(CustodyError, match="is not dave's share"):
        ceremony.unlock({"alice": PASS["alice"], "dave": PASS["carol"]})
    with pytest.raises(CustodyError, match="renamed"):
        ceremony.shares()


def test_shares_that_rebuild_another_key_than_root_pub_are_refused(
    folder: tuple[Ed25519PrivateKey, RootFolder], tmp_path: Path
) -> None:
    _, ceremony = folder
    other = RootFolder(tmp_path / "other")
    other.create(Ed25519PrivateKey.generate(), {"alice": PASS["alice"], "bob": PASS["bob"]}, 2)
    os.replace(other.path / "root.pub", ceremony.path / "root.pub")  # someone swapped the root.pub
    with pytest.raises(CustodyError, match="not alice's share of this folder's root"):
        ceremony.unlock({"alice": PASS["alice"], "bob": PASS["bob"]})
    with pytest.raises(CustodyError, match="not a share of this folder's root"):
        ceremony.shares()


def test_create_refuses_a_folder_with_a_root_or_shares(
    folder: tuple[Ed25519PrivateKey, RootFolder], tmp_path: Path
) -> None:
    _, ceremony = folder
    before = {p.name: p.read_bytes() for p in ceremony.path.iterdir()}
    with pytest.raises(CustodyError, match="already holds a root"):
        ceremony.create(Ed25519PrivateKey.generate(), {"alice": PASS["alice"], "bob": PASS["bob"]}, 2)
    assert {p.name: p.read_bytes() for p in ceremony.path.iterdir()} == before
    stray = RootFolder(tmp_path / "stray")
    stray.path.mkdir()
    (stray.path / "share-zed.json").write_text("{}")
    with pytest.raises(CustodyError, match="already holds a root or shares"):
        stray.create(Ed25519PrivateKey.generate(), {"alice": PASS["alice"], "bob": PASS["bob"]}, 2)


def test_create_checks_everything_before_writing(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir(mode=0o755)
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(CustodyError, match="symbolic link"):
        RootFolder(tmp_path / "link").create(Ed25519PrivateKey.generate(), {n: PASS[n] for n in NAMES}, 2)
    assert stat.S_IMODE((tmp_path / "elsewhere").stat().st_mode) == 0o755
    assert list((tmp_path / "elsewhere").iterdir()) == []
    ceremony = RootFolder(tmp_path / "c")
    with pytest.raises(CustodyError, match="at least 12 characters"):
        ceremony.create(Ed25519PrivateKey.generate(), {"alice": PASS["alice"], "bob": b"short"}, 2)
    with pytest.raises(CustodyError, match="needs at least 3 custodians"):
        ceremony.create(Ed25519PrivateKey.generate(), {"alice": PASS["alice"], "bob": PASS["bob"]}, 3)
    assert not ceremony.path.exists()


def test_a_folder_without_root_pub_or_with_a_damaged_one_is_refused(tmp_path: Path) -> None:
    ceremony = RootFolder(tmp_path)
    with pytest.raises(CustodyError, match="does not exist"):
        ceremony.public_key()
    (tmp_path / "root.pub").write_text(json.dumps({"format": 1, "public_key": "00" * 32, "fingerprint": "x"}))
    with pytest.raises(CustodyError, match="damaged"):
        ceremony.unlock({"alice": PASS["alice"], "bob": PASS["bob"]})
