"""The layers hold (tests/layers.py states them), and breaking one is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from layers import PACKAGES, RULES, read_graph, violations

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def today() -> list[str]:
    return violations(REPO)


def test_the_tree_keeps_every_layer_rule(today: list[str]) -> None:
    assert today == []


def test_the_graph_sees_lazy_and_relative_imports() -> None:
    graph = read_graph(REPO)
    assert "booth.gui.qt" in graph.edges["booth.gui.app"]
    assert "PySide6" in graph.external["booth.gui.qt"]
    assert graph.edges["sync.protocol.permit"] >= {"sync.protocol.cose", "sync.protocol.errors"}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the product packages to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


# (file, line appended, the rule that must catch it)
BREAKS = [
    ("sync/protocol/cose.py", "from booth.ledger import store", "the wire core imports nothing else of ours"),
    ("sync/hq/store.py", "def f():\n    import booth.service", "HQ never reaches the booth's"),
    ("booth/pins.py", "from booth.ledger.store import Ledger", "HQ never reaches the booth's"),  # HQ uses pins
    ("booth/rules.py", "from sync.hq import errors", "the booth reaches HQ only through booth.demo"),
    ("booth/ledger/store.py", "from PySide6 import QtCore", "only booth.gui imports Qt"),
    ("sync/protocol/permit.py", "import cv2", "camera and decoders stay in"),
    ("sync/client/client.py", "from sync.hq import store", "the booth's sync client speaks to HQ"),
    ("booth/scan/sources.py", "def f():\n    from booth.demo import cards", "the booth's core never reaches the demo"),
]


@pytest.mark.parametrize(("file", "line", "rule"), BREAKS, ids=[b[0] for b in BREAKS])
def test_a_forbidden_import_is_caught(tree: Path, today: list[str], file: str, line: str, rule: str) -> None:
    path = tree / file
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + line + "\n", encoding="utf-8")
    new = sorted(set(violations(tree)) - set(today))
    assert any(v.startswith(rule) for v in new), new


def test_every_rule_names_modules_that_exist() -> None:
    graph = read_graph(REPO)
    for rule in RULES:
        for prefix in (*rule.sources, *rule.exempt, *rule.through):
            assert any(m == prefix or m.startswith(prefix + ".") for m in graph.modules), (rule.name, prefix)
