from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import NOW

from booth.errors import NoTrustBundle, TrustError
from booth.trust import TrustStore
from sync.hq.facade import HQ
from sync.protocol.keys import fingerprint


def fresh_store(tmp_path: Path) -> TrustStore:
    return TrustStore(tmp_path / "booth")


def test_first_install_needs_the_right_pin(tmp_path: Path, hq: HQ, bundle_bytes: bytes) -> None:
    store = fresh_store(tmp_path)
    with pytest.raises(TrustError, match="--pin"):
        store.install(bundle_bytes)
    with pytest.raises(TrustError, match="does not match"):
        store.install(bundle_bytes, pin="AB" * 32)
    assert store.current() is None and store.pinned_root() is None
    installed = store.install(bundle_bytes, pin=hq.root_fingerprint())
    assert installed.version == 1 and store.require().version == 1
    assert fingerprint(store.pinned_root()) == hq.root_fingerprint()


def test_nothing_installed_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NoTrustBundle, match="bundle install"):
        fresh_store(tmp_path).require()


def test_rollback_and_replay_refused(tmp_path: Path, hq: HQ) -> None:
    store = fresh_store(tmp_path)
    old = hq.build_bundle(now=NOW)[1]
    new = hq.build_bundle(now=NOW + 60)[1]
    store.install(new, pin=hq.root_fingerprint())
    for data in (old, new):
        with pytest.raises(TrustError, match="rollback"):
            store.install(data)
    assert store.require().version == 2


def test_other_root_refused_even_with_higher_version(tmp_path: Path, hq: HQ) -> None:
    store = fresh_store(tmp_path)
    store.install(hq.build_bundle(now=NOW)[1], pin=hq.root_fingerprint())
    rogue = HQ(tmp_path / "rogue")
    rogue.init()
    for _ in range(5):
        data = rogue.build_bundle(now=NOW)[1]
    with pytest.raises(TrustError, match="does not trust"):
        store.install(data)
    assert store.require().version == 1


def test_root_rotation_followed_without_re_enrolment(tmp_path: Path, hq: HQ) -> None:
    store = fresh_store(tmp_path)
    store.install(hq.build_bundle(now=NOW)[1], pin=hq.root_fingerprint())
    next_fp = hq.prepare_root_rotation()
    store.install(hq.build_bundle(now=NOW + 10)[1])  # signed by the old root, announces the next
    assert hq.promote_next_root(now=NOW + 20) == next_fp
    installed = store.install(hq.build_bundle(now=NOW + 30)[1])
    assert fingerprint(installed.root_public_key) == next_fp
    assert fingerprint(store.pinned_root()) == next_fp
    assert len(list(hq.paths.keys.glob("retired-root-*.pem"))) == 1


def test_rotation_not_announced_is_refused(tmp_path: Path, hq: HQ) -> None:
    store = fresh_store(tmp_path)
    store.install(hq.build_bundle(now=NOW)[1], pin=hq.root_fingerprint())
    hq.prepare_root_rotation()
    hq.promote_next_root(now=NOW)  # the booth never saw a bundle announcing it
    with pytest.raises(TrustError, match="does not trust"):
        store.install(hq.build_bundle(now=NOW + 30)[1])


def test_power_cut_between_pin_and_bundle_during_rotation(tmp_path: Path, hq: HQ) -> None:
    """The pin is written first; the old bundle that announced it must still load."""
    store = fresh_store(tmp_path)
    store.install(hq.build_bundle(now=NOW)[1], pin=hq.root_fingerprint())
    hq.prepare_root_rotation()
    announcing = hq.build_bundle(now=NOW + 10)[1]
    store.install(announcing)
    hq.promote_next_root(now=NOW + 20)
    rotated = hq.build_bundle(now=NOW + 30)
    pin = json.dumps({"public_key": rotated[0].root_public_key.hex()})
    (store.dir / "root.json").write_text(pin)  # the pin is written, the bundle not yet
    assert store.require().version == 2  # the announcing bundle still loads
    assert store.install(rotated[1]).version == rotated[0].version


def test_damaged_files_are_reported(tmp_path: Path, hq: HQ, bundle_bytes: bytes) -> None:
    store = fresh_store(tmp_path)
    store.install(bundle_bytes, pin=hq.root_fingerprint())
    good = (store.dir / "bundle.cose").read_bytes()
    (store.dir / "bundle.cose").write_bytes(good[:-5])
    with pytest.raises(TrustError):
        store.current()
    (store.dir / "root.json").write_text("{not json")
    with pytest.raises(TrustError, match="damaged"):
        store.pinned_root()


def test_install_leaves_no_temp_files(tmp_path: Path, hq: HQ, bundle_bytes: bytes) -> None:
    store = fresh_store(tmp_path)
    store.install(bundle_bytes, pin=hq.root_fingerprint())
    assert sorted(p.name for p in store.dir.iterdir()) == ["bundle.cose", "root.json"]


def test_a_booths_watchlist_key_file_that_others_can_read_counts_as_none(tmp_path) -> None:
    from booth.trust import TrustStore
    from sync.protocol.watchlist import WatchlistKey

    store, key = TrustStore(tmp_path), WatchlistKey(bytes(range(32)))
    assert store.watchlist_key() is None
    assert store.save_watchlist_key(key) and not store.save_watchlist_key(key)
    assert store.watchlist_key() == key and store.watchlist_key_file.stat().st_mode & 0o777 == 0o600
    store.watchlist_key_file.chmod(0o644)  # then every verdict says watchlist_unreadable
    assert TrustStore(tmp_path).watchlist_key() is None
