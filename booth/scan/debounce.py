"""Debounce: a permit held in front of the camera is reported once, not thirty times a second.

The same text is not accepted again within `seconds` of the last time it was accepted,
unless the officer asks to scan again (`force_next`, or `forget` for one text). Pure: the
caller passes the time (monotonic seconds), so tests need no clock.
"""

from __future__ import annotations


class Debouncer:
    """Accepts a text at most once per `seconds` window."""

    def __init__(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the debounce window cannot be negative")
        self.seconds = seconds
        self._last: dict[str, float] = {}
        self._force = False

    def accept(self, text: str, now: float) -> bool:
        """True if `text` is to be reported now (and remember that it was)."""
        self._prune(now)
        last = self._last.get(text)
        if self._force or last is None or now - last >= self.seconds or now < last:
            self._force = False
            self._last[text] = now
            return True
        return False

    def force_next(self) -> None:
        """The officer asks to scan again: the next text is accepted even if seen just now."""
        self._force = True

    def forget(self, text: str) -> None:
        """Accept `text` again at once (the officer rescans this permit)."""
        self._last.pop(text, None)

    def _prune(self, now: float) -> None:
        """Drop texts whose window has passed, so a long shift does not grow the memory."""
        if len(self._last) > 64:
            self._last = {t: s for t, s in self._last.items() if now - s < self.seconds}
