"""The booth's operations end to end on a real ledger file, trust bundle and clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import HOLDER, NOW, resign

from booth.clock import FixedClock
from booth.errors import (
    ConfigError,
    LockedOut,
    NotSupervisor,
    OfficerDisabled,
    OfficerRefused,
    OverrideRefused,
    PinPolicyError,
    TrustError,
    UnknownOfficer,
    WrongPin,
)
from booth.pins import FOREVER
from booth.service import Booth
from sync.hq.facade import HQ
from sync.hq.holder_file import holder_from_json
from sync.protocol.times import DAY

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
            booth.add_officer("Weak", "officer", weak, by=booth.authorise("Chan Sophal", SUPERVISOR_PIN))
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
    with pytest.raises(NotSupervisor, match="only a supervisor may unlock"):
        booth.unlock("Sok Dara")
    booth.unlock("Sok Dara", by=booth.login("Chan Sophal", SUPERVISOR_PIN))
    assert booth.login("Sok Dara", OFFICER_PIN).officer == "Sok Dara"
    actions = [r.action for r in booth.ledger.records() if r.kind == "audit"]
    assert actions.count("pin_failed") == 10 and "officer_unlock" in actions


def audits(booth: Booth) -> list[tuple[str, str | None, str | None]]:
    return [(r.action, r.officer, r.note) for r in booth.ledger.records() if r.kind == "audit"]


def test_a_supervisor_disables_and_enables_an_officer_on_record(booth: Booth) -> None:
    supervisor = booth.authorise("Chan Sophal", SUPERVISOR_PIN)
    booth.disable_officer("Sok Dara", by=supervisor)
    assert not booth.ledger.officer("Sok Dara").active and "Sok Dara" not in booth.officer_names()
    with pytest.raises(OfficerDisabled, match="Sok Dara is disabled"):
        booth.login("Sok Dara", OFFICER_PIN)  # the right PIN does not help
    with pytest.raises(OfficerDisabled):
        booth.change_pin("Sok Dara", OFFICER_PIN, "590317")
    with pytest.raises(OfficerRefused, match="already disabled"):
        booth.disable_officer("Sok Dara", by=supervisor)
    booth.enable_officer("Sok Dara", by=supervisor)
    assert booth.login("Sok Dara", OFFICER_PIN).officer == "Sok Dara"
    with pytest.raises(OfficerRefused, match="not disabled"):
        booth.enable_officer("Sok Dara", by=supervisor)
    with pytest.raises(UnknownOfficer):
        booth.disable_officer("Nobody", by=supervisor)
    assert ("officer_disable", "Sok Dara", "by Chan Sophal") in audits(booth)
    assert ("officer_enable", "Sok Dara", "by Chan Sophal") in audits(booth)


def test_only_a_supervisor_disables_or_enables(booth: Booth) -> None:
    officer = booth.authorise("Sok Dara", OFFICER_PIN)
    booth.add_officer("Keo Vanna", "supervisor", "660815", by=booth.authorise("Chan Sophal", SUPERVISOR_PIN))
    with pytest.raises(NotSupervisor, match="only a supervisor may disable"):
        booth.disable_officer("Chan Sophal", by=officer)  # an officer cannot remove their supervisor
    with pytest.raises(NotSupervisor):
        booth.disable_officer("Keo Vanna", by=None)  # no set-up exception once there are supervisors
    with pytest.raises(WrongPin):
        booth.authorise("Chan Sophal", "000000")  # nor act as one without the PIN
    assert all(o.active for o in booth.ledger.officers())
    booth.disable_officer("Keo Vanna", by=booth.authorise("Chan Sophal", SUPERVISOR_PIN))
    with pytest.raises(OfficerDisabled):
        booth.authorise("Keo Vanna", "660815")  # a disabled supervisor authorises nothing
    with pytest.raises(NotSupervisor):
        booth.enable_officer("Keo Vanna", by=officer)


def test_the_last_enabled_supervisor_cannot_be_disabled(booth: Booth) -> None:
    supervisor = booth.authorise("Chan Sophal", SUPERVISOR_PIN)
    with pytest.raises(OfficerRefused, match="last enabled supervisor"):
        booth.disable_officer("Chan Sophal", by=supervisor)  # not even themselves
    booth.add_officer("Keo Vanna", "supervisor", "660815", by=supervisor)
    booth.disable_officer("Chan Sophal", by=booth.authorise("Keo Vanna", "660815"))
    with pytest.raises(OfficerRefused, match="Keo Vanna is the last enabled supervisor"):
        booth.disable_officer("Keo Vanna", by=booth.authorise("Keo Vanna", "660815"))


def test_an_officer_changes_their_own_pin(booth: Booth) -> None:
    booth.change_pin("Sok Dara", OFFICER_PIN, "590317")
    with pytest.raises(WrongPin):
        booth.login("Sok Dara", OFFICER_PIN)
    assert booth.login("Sok Dara", "590317").officer == "Sok Dara"  # a right PIN clears the count
    assert ("pin_change", "Sok Dara", "by themselves") in audits(booth)
    assert "590317" not in booth.ledger.officer("Sok Dara").pin_hash


def test_a_pin_change_needs_the_old_pin_and_a_good_new_one(booth: Booth) -> None:
    before = booth.ledger.officer("Sok Dara").pin_hash
    with pytest.raises(WrongPin):
        booth.change_pin("Sok Dara", "000000", "590317")  # a guess counts towards the lock-out
    assert booth.ledger.officer("Sok Dara").failed == 1
    assert ("pin_failed", "Sok Dara", "failure 1") in audits(booth)
    with pytest.raises(PinPolicyError):
        booth.change_pin("Sok Dara", OFFICER_PIN, "123456")
    with pytest.raises(PinPolicyError, match="the old one"):
        booth.change_pin("Sok Dara", OFFICER_PIN, OFFICER_PIN)
    for _ in range(3):  # the right PIN above cleared the count: three more guesses lock
        with pytest.raises((WrongPin, LockedOut)):
            booth.change_pin("Sok Dara", "000000", "590317")
    with pytest.raises(LockedOut):
        booth.change_pin("Sok Dara", OFFICER_PIN, "590317")  # locked: guessing by PIN change is no way round
    assert booth.ledger.officer("Sok Dara").pin_hash == before
    with pytest.raises(UnknownOfficer):
        booth.change_pin("Nobody", OFFICER_PIN, "590317")


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
    assert (rec.kind, rec.verdict, rec.direction, rec.channel, rec.officer) == (
        "scan",
        "valid",
        "entry",
        "camera",
        "Sok Dara",
    )
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
        "already_inside"
    ]
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
        "override",
        late.record.seq,
        "Chan Sophal",
        "Sok Dara",
    )
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
    booth.install_bundle(hq.build_bundle(now=NOW + 60)[1], watch_key=hq.watchlist_key())
    out = booth.scan(s, text, direction="exit", channel="cli")
    assert [r.value for r in out.verdict.reasons] == ["revoked", "watchlist"]
    assert booth.ledger.record(out.record.seq).bundle_version == 2


def test_a_watched_holder_through_a_real_bundle_file(booth: Booth, hq: HQ, tmp_path: Path) -> None:
    """The signed file names no one, yet the booth with HQ's key refuses the holder; without
    the key (or with another) it refers everyone to the supervisor rather than pass them."""
    from sync.protocol.bundle import WatchEntry, WatchlistKey

    hq.watch(WatchEntry(document="N123456", nationality="KHM", reason="court order"), at=NOW)
    hq.watch(WatchEntry(permit_no="KH-BTB-2026-999999", reason="escort"), at=NOW)
    data = hq.build_bundle(now=NOW + 60)[1]
    (stick := tmp_path / "trust.bundle").write_bytes(data)
    assert b"N123456" not in data and b"KH-BTB-2026-999999" not in data
    watched, other = issue(hq, doc="N123456"), issue(hq, doc="N654321")
    s = booth.login("Sok Dara", OFFICER_PIN)

    booth.install_bundle(stick.read_bytes())  # as from a stick: no key
    assert booth.status()["watchlist_unreadable"]
    for text in (watched, other):
        assert _reasons(booth.scan(s, text, direction="entry", channel="cli")) == ["watchlist_unreadable"]

    booth.install_watchlist_key(WatchlistKey(bytes(32)))  # another HQ's key: its id does not fit
    assert _reasons(booth.scan(s, other, direction="entry", channel="cli")) == ["watchlist_unreadable"]

    assert booth.install_watchlist_key(hq.watchlist_key(), note="test")
    assert (booth.data_dir / "keys" / "watchlist.key").stat().st_mode & 0o777 == 0o600
    assert not booth.status()["watchlist_unreadable"]
    assert _reasons(booth.scan(s, watched, direction="entry", channel="cli")) == ["watchlist"]
    assert _reasons(booth.scan(s, other, direction="entry", channel="cli")) == []
    audit = [r for r in booth.ledger.records(1, booth.ledger.head()[0]) if r.action == "watchlist_key"]
    assert audit[-1].note == f"key {hq.watchlist_key().kid.hex()} test"
    assert hq.watchlist_key().hex() not in (audit[-1].note or "")


def test_a_key_sent_with_a_bundle_is_kept_only_if_the_bundle_names_it(booth: Booth, hq: HQ) -> None:
    from sync.protocol.bundle import WatchEntry, WatchlistKey

    hq.watch(WatchEntry(document="N01234567", reason="court order"), at=NOW)
    booth.install_bundle(hq.build_bundle(now=NOW + 60)[1], watch_key=WatchlistKey(bytes(32)))
    assert booth.trust.watchlist_key() is None
    booth.install_bundle(hq.build_bundle(now=NOW + 120)[1], watch_key=hq.watchlist_key())
    assert booth.trust.watchlist_key() == hq.watchlist_key()


def _reasons(outcome) -> list[str]:
    return [r.value for r in outcome.verdict.reasons]


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


def test_parallel_wrong_pins_are_each_counted_before_the_hash(booth: Booth, clock: FixedClock) -> None:
    """12 guesses at once, each on its own connection (as from 12 processes): none slips past the count."""
    import threading

    results: list[str] = []
    start = threading.Barrier(12)

    def guess(i: int) -> None:
        other = Booth(booth.data_dir, clock=clock)
        try:
            start.wait()
            other.authenticate("Sok Dara", f"{100000 + i}")
            results.append("in")
        except (WrongPin, LockedOut) as exc:
            results.append(type(exc).__name__)
        finally:
            other.close()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    officer = booth.ledger.officer("Sok Dara")
    assert "in" not in results and len(results) == 12
    # three free tries, the third locks: every later guess meets the lock without a hash
    assert officer.failed == 3 and officer.locked_until is not None
    assert results.count("WrongPin") == 2 and results.count("LockedOut") == 10
    failed_audits = [r for r in booth.ledger.records() if r.action == "pin_failed"]
    assert len(failed_audits) == 3


def test_a_right_pin_after_wrong_ones_clears_the_count(booth: Booth) -> None:
    with pytest.raises(WrongPin):
        booth.authenticate("Sok Dara", "000111")
    assert booth.ledger.officer("Sok Dara").failed == 1
    booth.authenticate("Sok Dara", OFFICER_PIN)
    assert booth.ledger.officer("Sok Dara").failed == 0


@pytest.mark.parametrize("pin", ["1234", "48291", "12a456"])
def test_a_pin_has_at_least_six_digits(booth: Booth, pin: str) -> None:
    with pytest.raises(PinPolicyError, match="6 to 12 digits"):
        booth.add_officer("Short", "officer", pin, by=booth.authorise("Chan Sophal", SUPERVISOR_PIN))


def test_a_new_booth_is_private_whatever_the_folder_was(tmp_path: Path) -> None:
    folder = tmp_path / "open"
    folder.mkdir(mode=0o755)
    (folder / "keys").mkdir(mode=0o755)
    folder.chmod(0o755)
    booth = Booth.init(folder, booth_id="PHD-01", checkpoint="KH-PHD")
    try:
        booth.audit("test")  # WAL and SHM exist now
        assert folder.stat().st_mode & 0o777 == 0o700
        assert (folder / "keys").stat().st_mode & 0o777 == 0o700
        booth.trust.pin_root(bytes(32))
        assert (folder / "trust").stat().st_mode & 0o077 == 0
        for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm", "booth.json", "keys/booth.pem", "trust/root.json"):
            path = folder / name
            assert path.exists(), name
            assert path.stat().st_mode & 0o077 == 0, f"{name} is {oct(path.stat().st_mode & 0o777)}"
    finally:
        booth.close()


def _signed(hq: HQ, bundle: object, **changes: object) -> bytes:
    return resign(hq, bundle, **changes)


def test_an_older_bundle_swapped_in_behind_the_apps_back_is_refused_at_load(booth: Booth, hq: HQ) -> None:
    from sync.protocol.bundle import open_bundle

    old_bytes = (booth.data_dir / "trust" / "bundle.cose").read_bytes()
    old = open_bundle(old_bytes)
    booth.install_bundle(_signed(hq, old, version=old.version + 5))
    assert booth.bundle().version == old.version + 5
    (booth.data_dir / "trust" / "bundle.cose").write_bytes(old_bytes)  # root on the PC copies the old file back
    with pytest.raises(TrustError, match=f"older than version {old.version + 5}.*replaced"):
        booth.bundle()
    session = booth.login("Sok Dara", OFFICER_PIN)
    with pytest.raises(TrustError):
        booth.scan(session, issue(hq), direction="entry", channel="cli")
    # and installing something between the two is a rollback too
    with pytest.raises(TrustError, match="rollback"):
        booth.install_bundle(_signed(hq, old, version=old.version + 3))


def test_the_checkpoint_is_hqs_word_not_the_settings_file(booth: Booth, hq: HQ) -> None:
    import json

    from sync.protocol.bundle import BoothEntry, open_bundle

    text = issue(hq, cp=["KH-PHD"])
    current = open_bundle((booth.data_dir / "trust" / "bundle.cose").read_bytes())
    booth.install_bundle(
        _signed(hq, current, version=current.version + 1, booths=(BoothEntry("PHD-01", "KH-STB", bytes(32)),))
    )
    settings = booth.data_dir / "booth.json"
    edited = {**json.loads(settings.read_text()), "checkpoint": "KH-PHD"}
    settings.write_text(json.dumps(edited))  # a local edit claims KH-PHD
    again = Booth(booth.data_dir, clock=booth.clock)
    try:
        session = again.login("Sok Dara", OFFICER_PIN)
        outcome = again.scan(session, text, direction="entry", channel="cli")
        assert [r.value for r in outcome.verdict.reasons] == ["wrong_checkpoint"]
        assert outcome.record.checkpoint == "KH-STB" and again.status()["checkpoint"] == "KH-STB"
        supervisor = again.login("Chan Sophal", SUPERVISOR_PIN)
        import dataclasses

        with pytest.raises(ConfigError, match="only by HQ"):
            again.change_settings(
                dataclasses.replace(again.settings, checkpoint="KH-PHD", language="km"), session=supervisor
            )
    finally:
        again.close()


def test_only_a_supervisor_adds_or_unlocks_officers(booth: Booth) -> None:
    with pytest.raises(NotSupervisor, match="only a supervisor may add"):
        booth.add_officer("Mallory", "supervisor", "739146")
    with pytest.raises(NotSupervisor, match="not a supervisor"):
        booth.add_officer("Mallory", "supervisor", "739146", by=booth.authorise("Sok Dara", OFFICER_PIN))
    with pytest.raises(WrongPin):
        booth.authorise("Chan Sophal", "000000")
    booth.add_officer("Keo Vanna", "supervisor", "739146", by=booth.authorise("Chan Sophal", SUPERVISOR_PIN))
    added = [r for r in booth.ledger.records() if r.action == "officer_add"][-1]
    assert added.note == "Keo Vanna (supervisor) by Chan Sophal"


def test_overriding_an_untrusted_permit_takes_two_supervisors(booth: Booth, hq: HQ) -> None:
    booth.add_officer("Keo Vanna", "supervisor", "739146", by=booth.authorise("Chan Sophal", SUPERVISOR_PIN))
    session = booth.login("Sok Dara", OFFICER_PIN)
    forged = booth.scan(session, "BP1:GGW", direction="entry", channel="manual").record  # unreadable
    elsewhere = booth.scan(session, issue(hq, cp=["KH-STB"]), direction="entry", channel="manual").record
    with pytest.raises(OverrideRefused, match="needs a second supervisor"):
        booth.override_with_pin(forged.seq, "Chan Sophal", SUPERVISOR_PIN, "known to the officer")
    with pytest.raises(OverrideRefused, match="another person"):
        booth.override_with_pin(
            forged.seq, "Chan Sophal", SUPERVISOR_PIN, "known to the officer", second=("Chan Sophal", SUPERVISOR_PIN)
        )
    with pytest.raises(NotSupervisor):
        booth.override_with_pin(
            forged.seq, "Chan Sophal", SUPERVISOR_PIN, "known to the officer", second=("Sok Dara", OFFICER_PIN)
        )
    record = booth.override_with_pin(
        forged.seq, "Chan Sophal", SUPERVISOR_PIN, "known to the officer", second=("Keo Vanna", "739146")
    )
    assert record.supervisor == "Chan Sophal & Keo Vanna" and record.reasons == "unreadable"
    # a permit that was trusted but refused for another reason still needs only one
    one = booth.override_with_pin(elsewhere.seq, "Chan Sophal", SUPERVISOR_PIN, "HQ said yes")
    assert one.supervisor == "Chan Sophal"


def test_override_messages_name_what_is_wrong(booth: Booth) -> None:
    with pytest.raises(OverrideRefused, match="no record 9999"):
        booth.override_with_pin(9999, "Chan Sophal", SUPERVISOR_PIN, "a good reason")
    with pytest.raises(OverrideRefused, match="record 1 is an audit record, not a scan"):
        booth.override_with_pin(1, "Chan Sophal", SUPERVISOR_PIN, "a good reason")


def test_where_the_bundle_names_supervisors_only_they_supervise(booth: Booth, hq: HQ) -> None:
    from sync.protocol.bundle import OfficerEntry, open_bundle

    booth.add_officer("Keo Vanna", "supervisor", "739146", by=booth.authorise("Chan Sophal", SUPERVISOR_PIN))
    current = open_bundle((booth.data_dir / "trust" / "bundle.cose").read_bytes())
    booth.install_bundle(
        _signed(
            hq,
            current,
            version=current.version + 1,
            officers=(
                OfficerEntry("Keo Vanna", "supervisor", "KH-PHD"),
                OfficerEntry("Chan Sophal", "supervisor", "KH-STB"),
            ),
        )
    )
    assert booth.authorise("Keo Vanna", "739146").role == "supervisor"
    assert booth.authorise("Chan Sophal", SUPERVISOR_PIN).role == "officer"  # a supervisor elsewhere only
    with pytest.raises(NotSupervisor):
        booth.add_officer("Mallory", "officer", "739147", by=booth.authorise("Chan Sophal", SUPERVISOR_PIN))
    session = booth.login("Sok Dara", OFFICER_PIN)
    refused = booth.scan(session, "BP1:GGW", direction="entry", channel="manual").record
    with pytest.raises(NotSupervisor):
        booth.override_with_pin(
            refused.seq, "Chan Sophal", SUPERVISOR_PIN, "known to me", second=("Keo Vanna", "739146")
        )


def test_cut_off_past_the_hard_expiry_everyone_stops_but_one_supervisor_may_let_through(
    tmp_path: Path, hq: HQ, clock: FixedClock
) -> None:
    old = hq.build_bundle(now=NOW - 31 * DAY)[1]
    booth = Booth.init(tmp_path / "b", booth_id="PHD-01", checkpoint="KH-PHD", clock=clock)
    try:
        booth.install_bundle(old, pin=hq.root_fingerprint())
        booth.add_officer("Sok Dara", "officer", OFFICER_PIN)
        booth.add_officer("Chan Sophal", "supervisor", SUPERVISOR_PIN)
        assert booth.status()["trust_expired"] and not booth.status()["trust_stale"]
        session = booth.login("Sok Dara", OFFICER_PIN)
        scan = booth.scan(session, issue(hq), direction="entry", channel="cli")
        assert not scan.verdict.valid and [r.value for r in scan.verdict.reasons] == ["trust_expired"]
        override = booth.override_with_pin(scan.record.seq, "Chan Sophal", SUPERVISOR_PIN, "known resident, HQ down")
        assert override.supervisor == "Chan Sophal" and override.reasons == "trust_expired"
    finally:
        booth.close()
