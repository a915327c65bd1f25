"""Keyboard-wedge scanners and manual entry.

A USB QR scanner in keyboard mode "types" the code's text and presses Enter, far faster
than a person: a few milliseconds between keys. `WedgeDetector` is fed every key the app
receives, wherever the focus is, with its time; it recognises such a burst ending in Enter
and returns its text, and leaves human typing alone (a person's keys come tens to hundreds
of milliseconds apart). Pure: no Qt, no clock; the GUI passes the key text and the event
time in seconds.

`normalise_scan_text` cleans a text from a wedge scanner or from the officer's manual entry:
line endings are dropped, and a permit typed with Caps Lock on (the scanner's letters come
out in the wrong case: "bp1:6bfor...") is put back in upper case, as the permit alphabet
(base45) has no lower-case letters.

`us_layout_char` undoes the keyboard layout: a scanner sends key positions (USB HID usages)
meant for a US keyboard, and on a booth PC set to the Thai (Kedmanee) or Khmer layout the
system turns them into Thai or Khmer letters ("BP1:" arrives as Thai). The key's position --
its evdev code, which is also the PC set-1 scan code Windows reports -- and Shift give the
character the scanner meant.

The channel a text came through is recorded with the scan (`sync.protocol.records.CHANNELS`):
`CAMERA`, `WEDGE` or `MANUAL` here.
"""

from __future__ import annotations

__all__ = ["WedgeDetector", "normalise_scan_text", "us_layout_char", "CAMERA", "WEDGE", "MANUAL", "TERMINATORS"]

CAMERA, WEDGE, MANUAL = "camera", "wedge", "manual"  # the scan's channel, as the ledger records it
TERMINATORS = ("\n", "\r")
PERMIT_PREFIX = "BP1:"
MAX_BURST = 16 * 1024  # no permit is longer; a stuck key cannot grow the buffer for ever


# evdev key code (= PC set-1 scan code for these keys) -> (unshifted, shifted) on a US keyboard
_US_ROWS = {
    2: ("1234567890-=", "!@#$%^&*()_+"),
    16: ("qwertyuiop[]", "QWERTYUIOP{}"),
    30: ("asdfghjkl;'`", 'ASDFGHJKL:"~'),
    44: ("zxcvbnm,./", "ZXCVBNM<>?"),
}
US_KEYS: dict[int, tuple[str, str]] = {
    **{first + i: (plain[i], shifted[i]) for first, (plain, shifted) in _US_ROWS.items() for i in range(len(plain))},
    43: ("\\", "|"),
    57: (" ", " "),
}


def us_layout_char(key_code: int, shift: bool) -> str | None:
    """The character a US keyboard types at evdev/set-1 key ``key_code`` (None: not a character key)."""
    pair = US_KEYS.get(key_code)
    return None if pair is None else pair[1 if shift else 0]


def normalise_scan_text(text: str) -> str:
    """`text` without CR/LF (anywhere: a wedge types one line), and in upper case if it is a
    permit typed in the wrong case (starts with "bp1:" in any case and has lower-case
    letters). Spaces are kept: space is a base45 character."""
    text = text.replace("\r", "").replace("\n", "")
    if text[: len(PERMIT_PREFIX)].upper() == PERMIT_PREFIX and text != text.upper():
        text = text.upper()
    return text


class WedgeDetector:
    """Recognises a keyboard-wedge scanner's bursts among the keys typed anywhere in the app.

    `feed(char, t)` for each key's text (`t` in seconds, e.g. the event's timestamp / 1000
    or time.monotonic()): returns the scanned text when a burst is complete, else None.

    A burst is at least `min_length` characters, each typed within `max_gap_ms` of the one
    before, followed by Enter ("\\n" or "\\r") within `enter_gap_ms` (scanners may pause a
    little before the suffix). A slower key starts a new candidate burst; Tab, Escape and
    other control keys end it. One key repeated (a key held down auto-repeats at ~30 ms) is
    not a scan.
    """

    def __init__(self, max_gap_ms: float = 35, min_length: int = 20, *, enter_gap_ms: float | None = None) -> None:
        if max_gap_ms <= 0 or min_length < 1:
            raise ValueError("max_gap_ms must be positive and min_length at least 1")
        self.max_gap = max_gap_ms / 1000.0
        self.enter_gap = (enter_gap_ms if enter_gap_ms is not None else max(100.0, 3 * max_gap_ms)) / 1000.0
        self.min_length = int(min_length)
        self._buf: list[str] = []
        self._last: float | None = None

    @property
    def pending(self) -> str:
        """The characters of the burst in progress (fast keys so far), "" if none."""
        return "".join(self._buf)

    def looks_like_burst(self) -> bool:
        """True once the keys in progress are already too many and too fast for a person
        (a GUI may then keep them out of the focused text field)."""
        return len(self._buf) >= min(8, self.min_length)

    def reset(self) -> None:
        self._buf.clear()
        self._last = None

    def feed(self, char: str, t: float) -> str | None:
        """One key's text at time `t` (seconds). The scanned text when this key completes a
        burst, else None. Several characters at once (an input method) count as one key
        time each; an empty string (a modifier key) is ignored."""
        result = None
        for ch in char:
            out = self._feed_one(ch, t)
            if out is not None:
                result = out
        return result

    def _feed_one(self, ch: str, t: float) -> str | None:
        last, self._last = self._last, t
        gap = None if last is None else t - last
        if ch in TERMINATORS:
            text = "".join(self._buf)
            self._buf.clear()
            if len(text) >= self.min_length and gap is not None and 0 <= gap <= self.enter_gap and len(set(text)) > 1:
                return normalise_scan_text(text)
            return None
        if ch < " " or ch == "\x7f":  # Tab, Escape, Backspace...: not part of a scan
            self._buf.clear()
            return None
        if gap is None or gap < 0 or gap > self.max_gap:
            self._buf.clear()  # too slow: a person typing, or the start of a new burst
        if len(self._buf) >= MAX_BURST:
            self._buf.clear()
        self._buf.append(ch)
        return None
