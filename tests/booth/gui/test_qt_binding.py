"""Guards against a broken Qt binding: PySide6 6.12.0 releases references to ``True``, ``False``
and ``None`` on ordinary calls (slots, overrides, emits), so on Python 3.11 a booth aborted after
a few minutes ("bool_dealloc"/"none_dealloc")."""

from __future__ import annotations

import sys

from booth.gui.qt import QObject, Signal


class _Emitter(QObject):
    fired = Signal(str)


def test_calling_python_slots_keeps_reference_counts(qapp) -> None:  # noqa: ANN001
    emitter, calls = _Emitter(), []
    emitter.fired.connect(lambda text: calls.append(text))
    before = [sys.getrefcount(x) for x in (True, False, None)]
    for _ in range(500):
        emitter.fired.emit("x")
    after = [sys.getrefcount(x) for x in (True, False, None)]
    assert len(calls) == 500
    assert all(a - b > -50 for a, b in zip(after, before, strict=True)), (before, after)  # no steady drain
