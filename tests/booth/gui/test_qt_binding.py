"""Guards against a broken Qt binding: PySide6 6.12.0 released a reference to ``True`` on
every call of a Python slot, so a booth crashed at exit after running for a while."""

from __future__ import annotations

import sys

from booth.gui.qt import QObject, Signal


class _Emitter(QObject):
    fired = Signal(str)


def test_calling_python_slots_keeps_reference_counts(qapp) -> None:  # noqa: ANN001
    emitter, calls = _Emitter(), []
    emitter.fired.connect(lambda text: calls.append(text))
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(500):
        emitter.fired.emit("x")
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert len(calls) == 500
    assert abs(after[0] - before[0]) < 50 and abs(after[1] - before[1]) < 50, (before, after)
