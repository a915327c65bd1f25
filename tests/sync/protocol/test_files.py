"""Atomic writes: whole or not at all, never through a planted link."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sync.protocol.errors import UnsafePath
from sync.protocol.files import atomic_write


def test_writes_the_file_0600_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "trust.bundle"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["trust.bundle"]


def test_a_planted_link_under_the_old_temporary_name_is_not_followed(tmp_path: Path) -> None:
    """The attack: a stick holds ``trust.bundle.tmp`` -> HQ's root key; the write must not reach it."""
    precious = tmp_path / "root.pem"
    precious.write_bytes(b"ROOT KEY")
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "trust.bundle.tmp").symlink_to(precious)
    atomic_write(stick / "trust.bundle", b"bundle")
    assert precious.read_bytes() == b"ROOT KEY"
    assert (stick / "trust.bundle").read_bytes() == b"bundle"
    assert (stick / "trust.bundle.tmp").is_symlink()  # left as it was


def test_a_target_that_is_a_link_is_refused(tmp_path: Path) -> None:
    precious = tmp_path / "ledger.db"
    precious.write_bytes(b"LEDGER")
    (tmp_path / "batch.cose").symlink_to(precious)
    with pytest.raises(UnsafePath, match="symbolic link"):
        atomic_write(tmp_path / "batch.cose", b"x")
    assert precious.read_bytes() == b"LEDGER"


def test_a_folder_that_is_a_link_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "hq-keys"
    real.mkdir()
    (tmp_path / "outbox").symlink_to(real, target_is_directory=True)
    with pytest.raises(UnsafePath, match="folder"):
        atomic_write(tmp_path / "outbox" / "root.pem", b"x")
    assert list(real.iterdir()) == []


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    atomic_write(target, b"old")
    with pytest.raises(TypeError):
        atomic_write(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_concurrent_writers_never_mix_or_collide(tmp_path: Path) -> None:
    target = tmp_path / "f"
    payloads = [bytes([i]) * 50_000 for i in range(8)]
    errors: list[BaseException] = []

    def write(data: bytes) -> None:
        try:
            for _ in range(20):
                atomic_write(target, data)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert target.read_bytes() in payloads
    assert [p.name for p in tmp_path.iterdir()] == ["f"]
