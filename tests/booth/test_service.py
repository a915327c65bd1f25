"""The booth's operations end to end on a real ledger file, trust bundle and clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import NOW

from booth.clock import FixedClock
from booth.errors import (
    ConfigError,
    LockedOut,
    NotSupervisor,
    OverrideRefused,
    UnknownOfficer,
    WrongPin,
)  # fmt: skip
from booth.pins import FOREVER, PinPolicyError
from booth.service import Booth
from sync.hq.facade import HQ
from sync.hq.holder_file import holder_from_json
from sync.protocol.times import DAY

HOLDER = {
    "fn": "Sok", "gn": "Chantha", "nn": "សុខ ចន្ថា", "dob": "1988-04-12", "sx": "F", "nat": "KHM",
    "doc": "N01234567", "res": "Kamrieng, Battambang", "cp": ["KH-PHD", "KH-STB"], "zn": "Sa Kaeo", "stay": 7,
}  # fmt: skip
OFFICER_PIN, SUPERVISOR_PIN = "482913", "771204"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def booth(tmp_path: Path, hq: HQ, bundle_bytes: bytes, clock: FixedClock) -> Booth:
    booth = Booth.init(tmp_path / "booth", booth_id="PHD-01", checkpoint="KH-PHD", clock=clock)
    booth.install_bundle(bundle_bytes, pin=hq.root_fingerprint())
    booth.add_officer("Sok Dara", "officer", OFFICER_PIN)
    booth.add_officer("Chan Sophal", "supervisor", SUPERVISOR_PIN)
    yield booth
    booth.close()


def issue(hq: HQ, **changes: object) -> str:
    return hq.issue(holder_from_json({**HOLDER, **changes}), office="KH-BTB-01", valid_days=365, now=NOW - DAY).text


def test_init_refuses_to_overwrite_and_makes_a_0600_key(booth: Booth) -> None:
    with pytest.raises(ConfigError, match="already a booth"):
        Booth.init(booth.data_dir, booth_id="X", checkpoint="KH-PHD")
    key = booth.data_dir / "keys" / "booth.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    assert booth.ledger.record(1).action == "booth_init"


def test_pin_policy_and_no_plain_pins_stored(booth: Booth) -> None:
    for weak in ("123", "1111", "123456", "abcd", "12345678901234"):
        with pytest.raises(PinPolicyError):
            booth.add_officer("Weak", "officer", weak)
    stored = booth.ledger.officer("Sok Dara").pin_hash
    assert stored.startswith("scrypt$") and OFFICER_PIN not in stored


def test_lock_out_grows_then_needs_unlock(booth: Booth, clock: FixedClock) -> None:
    for _ in range(2):
        with pytest.raises(WrongPin):
            booth.login("Sok Dara", "000000")
    with pytest.raises(LockedOut) as locked:
        booth.login("Sok Dara", "000000")  # third failure: locked 30 s
    assert locked.value.until == NOW + 30
    with pytest.raises(LockedOut):
        booth.login("Sok Dara", OFFICER_PIN)  # even the right PIN waits
    clock.advance(31)
    with pytest.raises(LockedOut) as locked:
        booth.login("Sok Dara", "000000")  # fourth: 60 s
    assert locked.value.until == clock.now() + 60
    for _ in range(6):  # up to ten failures: hard lock
        clock.advance(3600)
        with pytest.raises((WrongPin, LockedOut)):
            booth.login("Sok Dara", "000000")
    assert booth.ledger.officer("Sok Dara").locked_until == FOREVER
    clock.advance(10 * DAY)
    with pytest.raises(LockedOut, match="supervisor must unlock"):
        booth.login("Sok Dara", OFFICER_PIN)
    booth.unlock("Sok Dara")
    assert booth.login("Sok Dara", OFFICER_PIN).officer == "Sok Dara"
    actions = [r.action for r in booth.ledger.records() if r.kind == "audit"]
    assert actions.count("pin_failed") == 10 and "officer_unlock" in actions


def test_unknown_officer(booth: Booth) -> None:
    with pytest.raises(UnknownOfficer):
        booth.login("Nobody", "482913")


def test_login_opens_one_shift_and_is_audited(booth: Booth) -> None:
    first = booth.login("Sok Dara", OFFICER_PIN)
    again = booth.login("Sok Dara", OFFICER_PIN)
    assert first.shift_id == again.shift_id
    booth.close_shift(again)
    assert booth.login("Sok Dara", OFFICER_PIN).shift_id != first.shift_id
    actions = [r.action for r in booth.ledger.records() if r.kind == "audit"]
    assert actions.count("shift_open") == 2 and actions.count("login") == 3 and "shift_close" in actions


def test_every_scan_is_recorded_with_its_verdict(booth: Booth, hq: HQ) -> None:
    session = booth.login("Sok Dara", OFFICER_PIN)
    text = issue(hq)
    good = booth.scan(session, text, direction="entry", channel="camera")
    bad = booth.scan(session, "BP1:GGW", direction="entry", channel="wedge")
    assert good.verdict.valid and not bad.verdict.valid
    rec = booth.ledger.record(good.record.seq)
    assert (rec.kind, rec.verdict, rec.direction, rec.channel, rec.officer) == ("scan", "valid", "entry", "camera",
                                                                               "Sok Dara")
    assert rec.permit_no == good.verdict.permit.number and rec.holder == "SOK CHANTHA"
    assert rec.native_name == "សុខ ចន្ថា" and rec.bundle_version == 1 and rec.kid == good.verdict.kid.hex()
    assert rec.shift_id == session.shift_id and rec.at == NOW
    assert booth.ledger.record(bad.record.seq).reasons == "unreadable"
    assert booth.verify_chain().ok


def test_entry_exit_rules_from_the_ledger(booth: Booth, hq: HQ, clock: FixedClock) -> None:
    s = booth.login("Sok Dara", OFFICER_PIN)
    text = issue(hq)
    assert booth.scan(s, text, direction="exit", channel="cli").verdict.reasons == ("not_inside",)  # warning
    assert booth.scan(s, text, direction="entry", channel="cli").verdict.valid
    assert [r.value for r in booth.scan(s, text, direction="entry", channel="cli").verdict.reasons] == [
        "already_inside"]
    assert booth.status()["inside"] == 1
    clock.advance(8 * DAY)  # stay is 7 days
    late = booth.scan(s, text, direction="exit", channel="cli")
    # the bundle (7-day max offline age) went stale too: a warning, listed last
    assert [r.value for r in late.verdict.reasons] == ["overstay", "trust_stale"]
    assert booth.status()["inside"] == 1  # a rejected exit does not move anyone


def test_single_use_permit_is_used_up(booth: Booth, hq: HQ) -> None:
    s = booth.login("Sok Dara", OFFICER_PIN)
    text = issue(hq, ty="single")
    assert booth.scan(s, text, direction="entry", channel="cli").verdict.valid
    assert booth.scan(s, text, direction="exit", channel="cli").verdict.valid
    again = booth.scan(s, text, direction="entry", channel="cli")
    assert [r.value for r in again.verdict.reasons] == ["used_up"]


def test_override_lets_a_rejection_through_and_is_a_record(booth: Booth, hq: HQ, clock: FixedClock) -> None:
    officer = booth.login("Sok Dara", OFFICER_PIN)
    text = issue(hq)
    booth.scan(officer, text, direction="entry", channel="cli")
    clock.advance(9 * DAY)
    late = booth.scan(officer, text, direction="exit", channel="cli")
    with pytest.raises(NotSupervisor):
        booth.override(late.record.seq, officer, "fine paid at the desk")
    supervisor = booth.login("Chan Sophal", SUPERVISOR_PIN)
    with pytest.raises(OverrideRefused, match="reason"):
        booth.override(late.record.seq, supervisor, " ok ")
    record = booth.override(late.record.seq, supervisor, "overstay fine paid, receipt 4471")
    assert (record.kind, record.ref_seq, record.supervisor, record.officer) == (
        "override", late.record.seq, "Chan Sophal", "Sok Dara")
    assert booth.status()["inside"] == 0  # the overridden exit took effect
    with pytest.raises(OverrideRefused, match="already"):
        booth.override(late.record.seq, supervisor, "second time should fail")
    first_valid = next(r for r in booth.ledger.records() if r.kind == "scan" and r.verdict == "valid")
    with pytest.raises(OverrideRefused, match="not rejected"):
        booth.override(first_valid.seq, supervisor, "nothing to override")
    assert booth.verify_chain().ok


def test_revoked_and_watchlisted_permits_with_a_new_bundle(booth: Booth, hq: HQ, clock: FixedClock) -> None:
    from sync.protocol.bundle import WatchEntry

    s = booth.login("Sok Dara", OFFICER_PIN)
    text = issue(hq)
    number = booth.scan(s, text, direction="entry", channel="cli").verdict.permit.number
    hq.revoke(permit_no=number, reason="stolen", at=NOW)
    hq.watch(WatchEntry(document="N01234567", nationality="KHM", reason="court order"), at=NOW)
    booth.install_bundle(hq.build_bundle(now=NOW + 60)[1])
    out = booth.scan(s, text, direction="exit", channel="cli")
    assert [r.value for r in out.verdict.reasons] == ["revoked", "watchlist"]
    assert booth.ledger.record(out.record.seq).bundle_version == 2


def test_clock_behind_the_last_record_is_suspect(booth: Booth, hq: HQ, clock: FixedClock) -> None:
    s = booth.login("Sok Dara", OFFICER_PIN)
    text = issue(hq)
    booth.scan(s, text, direction="entry", channel="cli")
    clock.at -= 3600  # someone set the clock back an hour
    out = booth.scan(s, text, direction="exit", channel="cli")
    assert "clock_suspect" in [r.value for r in out.verdict.reasons] and out.verdict.valid


def test_status(booth: Booth, hq: HQ) -> None:
    s = booth.login("Sok Dara", OFFICER_PIN)
    booth.scan(s, issue(hq), direction="entry", channel="cli")
    st = booth.status()
    assert st["booth"] == "PHD-01" and st["checkpoint"] == "KH-PHD" and st["inside"] == 1
    assert st["records"] == booth.ledger.count() == st["pending_sync"]
    assert st["bundle_version"] == 1 and st["trust_stale"] is False


def test_not_a_booth(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="booth init"):
        Booth(tmp_path)
