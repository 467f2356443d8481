"""ARCHITECTURE.md's shape rules, checked: no import cycle in the package (lazy imports
included: a cycle hidden in a function is still a cycle), no module over about 500 lines
unless its docstring says why, and the store seam kept (only store/ imports pyoxigraph's
store classes' modules)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import aula_kg

PACKAGE = Path(aula_kg.__file__).parent
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package's modules ``path`` imports, at any depth of the file."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found |= {c for c in candidates if c in modules and c != me
                  and not me.startswith(c + ".")}
    return found


def graph() -> dict[str, set[str]]:
    files = list(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, modules) for p in files}


def test_the_package_has_no_import_cycle():
    edges = graph()
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            # A package's __init__ importing its own modules is not a cycle of layers.
            if target.startswith(node + "."):
                continue
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_module_is_over_500_lines_without_saying_why():
    over = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > MAX_LINES:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            if "over 500 lines" not in doc:
                over.append(f"{path.relative_to(PACKAGE)} ({lines})")
    assert over == [], "split by job, or say why in the docstring ('over 500 lines'): " + \
        ", ".join(over)


IMPORTS_PYOXIGRAPH = re.compile(r"^\s*(?:import pyoxigraph|from pyoxigraph\b)", re.M)


def test_only_the_store_and_the_build_import_pyoxigraph():
    """Faces and jobs go through the Store protocol and its executors; outside store/,
    pyoxigraph is imported only where the build makes the graph (build, reasoning, the
    national checks, the dumps) and by the one media-type table (formats)."""
    allowed = {"build.py", "reasoning.py", "shacl_sparql.py", "formats.py",
               "publishing/dumps.py"}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("store/") or relative in allowed:
            continue
        if IMPORTS_PYOXIGRAPH.search(path.read_text(encoding="utf-8")):
            offenders.append(relative)
    assert offenders == []
