"""Keyboard-wedge scanners: a fast burst ending in Enter is a scan, human typing is not."""

from __future__ import annotations

import random

import pytest

from booth.scan.wedge import CAMERA, MANUAL, WEDGE, WedgeDetector, normalise_scan_text
from sync.protocol.records import CHANNELS

PERMIT = "BP1:NCFOXN%TSMAHO.J$O8WQ4C99WICNBSK596YT%YHR3S*ONL94CNND/GYHA +BY:2AI91$CEOAFK01"


def type_text(
    det: WedgeDetector, text: str, start: float, gap: float, jitter: float = 0.0, seed: int = 1
) -> tuple[list[str], float]:
    """Feed `text` one key every `gap` seconds (+- jitter); the results and the end time."""
    rng = random.Random(seed)
    out, t = [], start
    for ch in text:
        got = det.feed(ch, t)
        if got is not None:
            out.append(got)
        t += max(0.0, gap + rng.uniform(-jitter, jitter))
    return out, t


def test_a_scanner_burst_is_a_scan() -> None:
    det = WedgeDetector()
    got, _ = type_text(det, PERMIT + "\n", 100.0, 0.004, jitter=0.002)
    assert got == [PERMIT]
    assert det.pending == ""


def test_nothing_until_enter() -> None:
    det = WedgeDetector()
    got, t = type_text(det, PERMIT, 5.0, 0.005)
    assert got == [] and det.pending == PERMIT and det.looks_like_burst()
    assert det.feed("\r", t) == PERMIT


def test_human_typing_is_left_alone() -> None:
    det = WedgeDetector()
    got, t = type_text(det, "Officer note: holder came back with the right permit\n", 0.0, 0.14, jitter=0.07)
    assert got == []
    # even a fast typist (~80 ms between keys, some pairs rolled over quickly)
    got, _ = type_text(det, "KH-BTB-2026-004217 checked by hand\n", t + 1, 0.08, jitter=0.06)
    assert got == []
    assert not det.looks_like_burst()


def test_a_burst_after_human_typing_is_found_alone() -> None:
    det = WedgeDetector()
    _, t = type_text(det, "search: SOK", 0.0, 0.15)
    got, _ = type_text(det, PERMIT + "\n", t + 0.5, 0.003)
    assert got == [PERMIT]  # the officer's keys are not glued to the scan


def test_short_bursts_and_late_enter_are_not_scans() -> None:
    det = WedgeDetector(min_length=20)
    got, _ = type_text(det, "BP1:GGW\n", 0.0, 0.003)
    assert got == []  # too short to tell from a quick key roll
    det = WedgeDetector()
    got, t = type_text(det, PERMIT, 0.0, 0.003)
    assert det.feed("\n", t + 1.0) is None  # Enter pressed by a person a second later


def test_enter_after_a_short_pause_is_still_the_scanner() -> None:
    det = WedgeDetector(max_gap_ms=35, enter_gap_ms=100)
    _, t = type_text(det, PERMIT, 0.0, 0.003)
    assert det.feed("\n", t + 0.06) == PERMIT  # some scanners pause before the suffix


def test_crlf_gives_one_scan() -> None:
    det = WedgeDetector()
    got, _ = type_text(det, PERMIT + "\r\n" + PERMIT + "\r\n", 0.0, 0.003)
    assert got == [PERMIT, PERMIT]


def test_caps_lock_inverts_the_case_and_is_undone() -> None:
    det = WedgeDetector()
    typed = PERMIT.swapcase()  # Caps Lock on: the scanner's letters come out in lower case
    assert typed.startswith("bp1:")
    got, _ = type_text(det, typed + "\n", 0.0, 0.003)
    assert got == [PERMIT]


def test_normalise_scan_text() -> None:
    assert normalise_scan_text(PERMIT + "\r\n") == PERMIT
    assert normalise_scan_text("bp1:6bfor $%*+-./:\n") == "BP1:6BFOR $%*+-./:"
    assert normalise_scan_text("Bp1:abc") == "BP1:ABC"
    assert normalise_scan_text("BP1:AB C ") == "BP1:AB C "  # space is base45: kept
    assert normalise_scan_text("https://example.org/Not-A-Permit") == "https://example.org/Not-A-Permit"
    assert normalise_scan_text("") == ""


def test_control_keys_and_held_keys_are_not_scans() -> None:
    det = WedgeDetector()
    got, t = type_text(det, PERMIT[:30] + "\t" + PERMIT[30:] + "\n", 0.0, 0.003)
    assert got == [PERMIT[30:]] or got == []  # Tab broke the burst: never the glued text
    det.reset()
    got, _ = type_text(det, "a" * 40 + "\n", t + 1, 0.03)  # a key held down auto-repeats fast
    assert got == []


def test_modifier_keys_and_multi_character_input() -> None:
    det = WedgeDetector()
    t = 0.0
    assert det.feed("", t) is None  # Shift alone sends no text
    for ch in PERMIT[:10]:
        assert det.feed(ch, t) is None
        t += 0.003
    assert det.feed(PERMIT[10:] + "\n", t) == PERMIT  # an input method committing many at once


def test_options_are_checked() -> None:
    with pytest.raises(ValueError):
        WedgeDetector(max_gap_ms=0)
    with pytest.raises(ValueError):
        WedgeDetector(min_length=0)


def test_channels_are_what_the_ledger_records() -> None:
    assert {CAMERA, WEDGE, MANUAL} <= set(CHANNELS)


def test_us_layout_char_covers_the_permit_alphabet() -> None:
    from booth.scan.wedge import US_KEYS, us_layout_char

    made = {us_layout_char(code, shift) for code in US_KEYS for shift in (False, True)}
    assert set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:") <= made  # base45 and the "BP1:" prefix
    assert (us_layout_char(48, True), us_layout_char(48, False), us_layout_char(3, False)) == ("B", "b", "2")
    assert us_layout_char(39, True) == ":" and us_layout_char(1, False) is None  # Escape is no character
