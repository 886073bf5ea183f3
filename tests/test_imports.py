"""The project's modules import one another without a cycle, lazy imports included.

Every import statement counts, wherever it sits (module level or inside a function),
except those under ``if TYPE_CHECKING:``, which never run. An import is an edge to the
module it names (``from a.b import c``: ``a.b.c`` when that is a module, else ``a.b``),
not to the packages Python initialises on the way there.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "bench", "limbs", "pog_site", "provenance", "relics", "scripts")
APPS = ("accounts", "limbs", "provenance", "relics")
# The composition roots: the only pog_site modules that may name an app.
POG_SITE_ROOTS = {"pog_site.api", "pog_site.asgi", "pog_site.celery", "pog_site.settings", "pog_site.urls"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or "tests" in parts:
                continue
            found[_module_name(path)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import under ``node``, in any function or class, but not under TYPE_CHECKING."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
        return
    for field, value in ast.iter_fields(node):
        if isinstance(node, ast.If) and field == "body" and _is_type_checking(node.test):
            continue
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, ast.AST):
                yield from _import_nodes(child)


def _project_module(dotted: str) -> str | None:
    """The longest prefix of ``dotted`` that is a module of the project, if any."""
    modules = _modules()
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _imported(module: str, source: str, *, package: bool = False) -> set[str]:
    """The project modules ``module`` imports, each resolved to a module (not a package
    attribute): ``from a.b import c`` is ``a.b.c`` when that is a module, else ``a.b``."""
    parts = module.split(".") if package else module.split(".")[:-1]
    targets: set[str] = set()
    for node in _import_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            names = [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            target = _project_module(name)
            if target is not None and target != module:
                targets.add(target)
    return targets


@cache
def _registry_imports() -> set[str]:
    """The registry imports the limb packages and their action modules by name
    (``import_module``), which no import statement shows: count those edges too."""
    from limbs.registry import LIMBS, PARTS

    loaded: set[str] = set()
    for limb_id in LIMBS:
        package = f"{PARTS}.{limb_id}"
        loaded.add(package)
        loaded.update(f"{package}.{name}" for name in __import__(package, fromlist=["ACTIONS"]).ACTIONS)
    return loaded


def _graph() -> dict[str, frozenset[str]]:
    graph = {
        module: frozenset(_imported(module, path.read_text(), package=path.name == "__init__.py"))
        for module, path in _modules().items()
    }
    graph["limbs.registry"] |= _registry_imports()
    # limbs.studio imports each limb's readers by name (``reader``): count those edges too.
    graph["limbs.studio"] |= {m for m in _modules() if m.startswith("limbs.parts.") and m.endswith(".reads")}
    # limbs.providers.planned imports an action's module by name for its ``TASK``.
    graph["limbs.providers.planned"] |= {
        m
        for m, path in _modules().items()
        if m.startswith("limbs.parts.") and "\nTASK = " in path.read_text()
    }
    return graph


def _cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return sorted(components)


def _describe(component: list[str], graph: dict[str, frozenset[str]]) -> str:
    members = set(component)
    edges = [f"  {a} -> {b}" for a in component for b in sorted(graph[a] & members)]
    return "cycle among " + ", ".join(component) + ":\n" + "\n".join(edges)


def test_the_scanner_sees_lazy_imports_and_skips_type_checking_ones() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from limbs import models\n"
        "def f():\n"
        "    from pog_site import jobs\n"
        "    import relics.api\n"
    )
    imports = list(_import_nodes(ast.parse(source)))
    assert [getattr(node, "module", None) or node.names[0].name for node in imports] == [
        "typing",
        "pog_site",
        "relics.api",
    ]


def test_imports_resolve_to_the_modules_they_load() -> None:
    source = (
        "from limbs import request\n"  # a module of a package
        "from limbs.request import do_generate\n"  # a name in a module
        "import relics.formats.jag\n"
        "from . import models\n"  # relative, from limbs.views
        "from ..pog_site import jobs\n"
        "import django.db\n"  # not the project's
    )
    assert _imported("limbs.views", source) == {
        "limbs.request",
        "limbs.models",
        "relics.formats.jag",
        "pog_site.jobs",
    }
    assert _imported("limbs", "from . import request\n", package=True) == {"limbs.request"}


def test_the_tarjan_search_finds_a_cycle() -> None:
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"})}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_the_by_name_edges_are_counted() -> None:
    graph = _graph()
    assert "limbs.parts.image.generate" in graph["limbs.providers.planned"]
    assert "limbs.parts.file.reads" in graph["limbs.studio"]
    edges = graph["limbs.registry"]
    assert "limbs.parts.image" in edges and "limbs.parts.image.generate" in edges
    assert all(module in _modules() for module in edges)


def test_no_module_imports_itself_back() -> None:
    graph = _graph()
    cycles = _cycles(graph)
    assert not cycles, "\n".join(_describe(component, graph) for component in cycles)


def test_accounts_knows_nothing_of_limbs() -> None:
    offending = [
        f"{module} -> {target}"
        for module, targets in _graph().items()
        if module.split(".")[0] == "accounts"
        for target in sorted(targets)
        if target.split(".")[0] == "limbs"
    ]
    assert not offending, "\n".join(offending)


def test_pog_site_names_apps_only_in_its_composition_roots() -> None:
    offending = [
        f"{module} -> {target}"
        for module, targets in _graph().items()
        if module.split(".")[0] == "pog_site" and module not in POG_SITE_ROOTS
        for target in sorted(targets)
        if target.split(".")[0] in APPS
    ]
    assert not offending, "\n".join(offending)
