"""The package layers, as rules over the import graph of booth/ and sync/.

Every import statement counts, also one inside a function: a lazy import is still a
dependency that an install must satisfy. The graph is read from source (``ast``), nothing is
imported, so a rule can be checked on any copy of the tree (the tests break a copy on purpose).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("booth", "sync")


@dataclass(frozen=True)
class Graph:
    """Project modules, the project modules each imports, and the third-party roots it imports."""

    modules: frozenset[str]
    edges: dict[str, frozenset[str]]
    external: dict[str, frozenset[str]]


@dataclass(frozen=True)
class Rule:
    """``sources`` may not reach ``forbidden`` (project module prefixes or third-party roots).

    ``transitive``: through any chain of project imports (else direct imports only);
    ``through``: prefixes a chain may not pass through (the one sanctioned door, e.g. booth.demo)."""

    name: str
    sources: tuple[str, ...]
    forbidden: tuple[str, ...]
    exempt: tuple[str, ...] = ()
    transitive: bool = True
    through: tuple[str, ...] = ()


RULES = (
    Rule(
        "only booth.gui imports Qt",
        ("booth", "sync"),
        ("PySide6", "shiboken6"),
        exempt=("booth.gui",),
        transitive=False,
    ),
    Rule("the wire core imports nothing else of ours", ("sync.protocol",), ("booth", "sync.client", "sync.hq")),
    Rule(
        "HQ never reaches the booth's ledger, service, rules, scanner, GUI, demo or sync client",
        ("sync.hq",),
        (
            "booth.ledger",
            "booth.service",
            "booth.rules",
            "booth.trust",
            "booth.scan",
            "booth.gui",
            "booth.demo",
            "booth.report",
            "sync.client",
        ),
    ),
    Rule(
        "HQ needs neither Qt nor OpenCV nor a QR decoder",
        ("sync.hq",),
        ("PySide6", "shiboken6", "cv2", "zxingcpp", "pyzbar"),
    ),
    Rule(
        "the booth reaches HQ only through booth.demo",
        ("booth",),
        ("sync.hq",),
        exempt=("booth.demo",),
        through=("booth.demo",),
    ),
    Rule(
        "the booth's core never reaches the demo tooling (only the shells open that door)",
        ("booth.scan", "booth.ledger", "booth.rules", "booth.service", "booth.trust", "booth.report", "booth.card"),
        ("booth.demo", "sync.hq"),
    ),
    Rule("the booth's sync client speaks to HQ over the wire only", ("sync.client",), ("sync.hq",)),
    Rule(
        "camera and decoders stay in the scanner, the GUI and the demo",
        ("booth", "sync"),
        ("cv2", "zxingcpp", "pyzbar"),
        exempt=("booth.scan", "booth.gui", "booth.demo"),
        transitive=False,
    ),
)


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_graph(root: Path) -> Graph:
    files = {module_name(root, p): p for pkg in PACKAGES for p in sorted((root / pkg).rglob("*.py"))}
    modules = frozenset(files)
    edges: dict[str, frozenset[str]] = {}
    external: dict[str, frozenset[str]] = {}
    for name, path in files.items():
        targets = set(_imported(name, path))
        edges[name] = frozenset(t for m in targets for t in _project_modules(m, modules))
        external[name] = frozenset(m.split(".")[0] for m in targets if m.split(".")[0] not in PACKAGES)
    return Graph(modules, edges, external)


def _imported(name: str, path: Path) -> Iterator[str]:
    """Every dotted name an import statement in ``path`` may load (``from a import b`` gives a and a.b)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(name, is_package, node.level, node.module)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names if alias.name != "*")


def _absolute(name: str, is_package: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    parts = name.split(".") if is_package else name.split(".")[:-1]
    parts = parts[: len(parts) - (level - 1)]
    return ".".join(parts + ([module] if module else []))


def _project_modules(dotted: str, modules: frozenset[str]) -> Iterator[str]:
    """The project modules that importing ``dotted`` runs: each package on the way, and the module."""
    parts = dotted.split(".")
    for i in range(1, len(parts) + 1):
        candidate = ".".join(parts[:i])
        if candidate in modules:
            yield candidate


def _within(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(root: Path, rules: Iterable[Rule] = RULES) -> list[str]:
    """One line per broken rule and source module, naming the chain of imports that breaks it."""
    graph = read_graph(root)
    found = []
    for rule in rules:
        for source in sorted(m for m in graph.modules if _within(m, rule.sources) and not _within(m, rule.exempt)):
            chain = _find(graph, source, rule)
            if chain:
                found.append(f"{rule.name}: {' -> '.join(chain)}")
    return found


def _find(graph: Graph, source: str, rule: Rule) -> list[str] | None:
    """A shortest import chain from ``source`` to something ``rule`` forbids, or None."""
    paths = {source: [source]}
    queue = [source]
    while queue:
        current = queue.pop(0)
        for ext in sorted(graph.external[current]):
            if ext in rule.forbidden:
                return [*paths[current], ext]
        for target in sorted(graph.edges[current]):
            if _within(target, rule.forbidden) and not _within(target, rule.sources):
                return [*paths[current], target]
            if not rule.transitive or target in paths or _within(target, rule.through):
                continue
            paths[target] = [*paths[current], target]
            queue.append(target)
    return None
