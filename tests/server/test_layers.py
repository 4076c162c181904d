"""Guard rail: the server's imports go one way, and no two modules import each other.

The layers (see README "Contributing"): the edges ``api/`` and ``web/`` (HTTP, Flask) share
``edge.py`` and call ``services/`` (the rules, no Flask), which alone read and write through
``store/`` (SQL) and ``search/`` (Whoosh). Imports are read with :mod:`ast`, function-level
(late) imports included: a cycle hidden in a function body is still a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SERVER = Path(__file__).resolve().parents[2] / "server"
PACKAGE = "support_server"
EDGES = {"api", "web"}
# layer -> the layers (or the edge module) it must never import
FORBIDDEN = {
    "api": {"web", "store", "search"},
    "web": {"api", "store", "search"},
    "services": {"api", "web", "edge"},
    "store": {"services", "api", "web", "edge", "search"},
    "search": {"services", "api", "web", "edge", "store"},
}
NO_FLASK = {"services", "store", "search"}


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_package(root: Path, name: str) -> bool:
    return (root.joinpath(*name.split(".")) / "__init__.py").exists() if name else True


def _exists(root: Path, name: str) -> bool:
    base = root.joinpath(*name.split(".")) if name else root
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except those only for the type checker."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if _type_checking_only(node):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(root: Path, package: str) -> dict[str, set[str]]:
    """module -> the modules it imports: ours relative to ``root`` (``api.auth``), others by
    their top-level name prefixed with ``!`` (``!flask``)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        name = _module_name(root, path)
        here = name if _is_package(root, name) else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    targets.add(_ours(alias.name, package) or "!" + alias.name.split(".")[0])
                continue
            if node.level == 0:
                base = _ours(node.module or "", package)
                if base is None:
                    targets.add("!" + (node.module or "").split(".")[0])
                    continue
            else:
                anchor = here.split(".") if here else []
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}" if base else alias.name
                targets.add(sub if _exists(root, sub) else base)
        targets.discard(name)
        graph[name] = targets
    return graph


def _ours(dotted: str, package: str) -> str | None:
    if dotted == package:
        return ""
    if dotted.startswith(package + "."):
        return dotted[len(package) + 1 :]
    return None


def _layer(module: str) -> str:
    return module.split(".")[0]


def layer_violations(root: Path, package: str) -> list[str]:
    problems = []
    for module, targets in sorted(imports_of(root, package).items()):
        layer = _layer(module)
        for target in sorted(targets):
            if target == "!flask" and layer in NO_FLASK:
                problems.append(f"{module} imports flask (the {layer} layer has no Flask)")
            elif not target.startswith("!") and _layer(target) in FORBIDDEN.get(layer, ()):
                problems.append(f"{module} imports {target} (against the layer direction)")
    return problems


def cycles(root: Path, package: str) -> list[list[str]]:
    """The import cycles: strongly connected groups of more than one module (Tarjan)."""
    graph = {
        m: {t for t in ts if not t.startswith("!")} for m, ts in imports_of(root, package).items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# -- the real server -----------------------------------------------------------------------
def test_server_imports_follow_the_layers() -> None:
    assert layer_violations(SERVER, PACKAGE) == []


def test_server_has_no_import_cycle() -> None:
    assert cycles(SERVER, PACKAGE) == []


def test_the_checker_reads_the_real_tree() -> None:
    """The rules above would pass vacuously if the walk found nothing: it finds the edges."""
    graph = imports_of(SERVER, PACKAGE)
    assert "edge" in graph["api.auth"]
    assert "services.apps" in graph["api.auth"]
    assert "!flask" in graph["edge"]


# -- the guard rail fails on a deliberate violation ----------------------------------------
def _fake_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


LAYERS = {
    "__init__.py": "",
    "edge.py": "from flask import request\n",
    "api/__init__.py": "",
    "web/__init__.py": "",
    "services/__init__.py": "",
    "store/__init__.py": "",
    "search/__init__.py": "",
}


def test_a_web_view_importing_the_api_is_reported(tmp_path: Path) -> None:
    root = _fake_tree(
        tmp_path / "fake",
        {
            **LAYERS,
            "api/handlers.py": "def runtime(): ...\n",
            "web/page.py": "from ..api.handlers import runtime\nfrom ..edge import request\n",
        },
    )
    assert layer_violations(root, "fake") == [
        "web.page imports api.handlers (against the layer direction)"
    ]


def test_an_edge_reading_the_store_and_flask_in_a_service_are_reported(tmp_path: Path) -> None:
    root = _fake_tree(
        tmp_path / "fake",
        {
            **LAYERS,
            "store/apps.py": "import sqlite3\n",
            "api/auth.py": "from fake.store import apps\n",
            "services/rules.py": "def f():\n    from flask import g\n",
            "store/rows.py": "from ..services import rules\n",
            "search/index.py": "from .. import edge\n",
        },
    )
    assert layer_violations(root, "fake") == [
        "api.auth imports store.apps (against the layer direction)",
        "search.index imports edge (against the layer direction)",
        "services.rules imports flask (the services layer has no Flask)",
        "store.rows imports services.rules (against the layer direction)",
    ]


def test_a_late_import_cycle_is_reported_but_type_only_imports_are_not(tmp_path: Path) -> None:
    root = _fake_tree(
        tmp_path / "fake",
        {
            **LAYERS,
            "cli.py": "def main():\n    from .demo import run\n",
            "demo.py": "from .cli import main\n",
            "runtime.py": "from typing import TYPE_CHECKING\nfrom . import clock\n",
            "clock.py": "import typing\nif typing.TYPE_CHECKING:\n    from .runtime import R\n",
        },
    )
    assert cycles(root, "fake") == [["cli", "demo"]]
    assert layer_violations(root, "fake") == []
