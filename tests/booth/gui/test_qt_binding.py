"""Guards against a broken Qt binding: PySide6 6.12.0 releases references to ``True``, ``False``
and ``None`` on ordinary calls (slots, overrides, emits), so on Python 3.11 a booth aborted after
a few minutes ("bool_dealloc"/"none_dealloc")."""

from __future__ import annotations

import sys

from booth.gui.qt import QObject, Signal


class _Emitter(QObject):
    fired = Signal(str)


def test_calling_python_slots_keeps_reference_counts(qapp) -> None:
    emitter, calls = _Emitter(), []
    emitter.fired.connect(lambda text: calls.append(text))
    before = [sys.getrefcount(x) for x in (True, False, None)]
    for _ in range(500):
        emitter.fired.emit("x")
    after = [sys.getrefcount(x) for x in (True, False, None)]
    assert len(calls) == 500
    assert all(a - b > -50 for a, b in zip(after, before, strict=True)), (before, after)  # no steady drain


def test_pyside_import_hook_leaves_no_module_sources_in_linecache(tmp_path, monkeypatch) -> None:
    """PySide6 reads the source of each module imported after it (to see whether it uses
    PySide6); booth.gui.qt keeps that from filling linecache (~16 MB for the booth)."""
    import linecache

    name = "booth_probe_module_for_linecache"
    path = tmp_path / f"{name}.py"
    path.write_text("import PySide6.QtCore  # noqa: F401\n\nVALUE = 1\n" + "# a line\n" * 2000, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        module = __import__(name)  # through the import hook, as an import statement goes
        assert module.VALUE == 1
        assert str(path) not in linecache.cache
        feature = sys.modules.get("shibokensupport.feature")
        if feature is not None:  # PySide6 still sees that the module uses it
            assert feature.pyside_feature_dict.get(name) == 0
    finally:
        sys.modules.pop(name, None)
