"""No two modules import each other, directly or round a loop, and every module imports.

A cycle hidden by an import inside a function (or under ``TYPE_CHECKING``) imports fine in any order,
so importing modules cannot find it: the first test reads every ``import`` statement of the source,
wherever it stands, and looks for loops in that graph (a module-level cycle is in it too). With no
loop, whether a module imports no longer depends on what was imported before it, so the second test
imports each one once in a fresh interpreter: that finds a missing dependency or a broken module.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Source folder -> the package name it installs as (setup.py).
PACKAGES = {
    "otel_llm": "otel_llm",
    "web": "otel_llm_server.web",
    "cli": "otel_llm_server.cli",
    "collector": "otel_llm_server.collector",
    "migrations": "otel_llm_server.migrations",
}
# Run as scripts, not imported: Alembic's env.py and revisions need a migration context; ``python -m
# otel_llm_server.cli`` runs the command line.
NOT_IMPORTABLE = (
    "otel_llm_server.migrations.env",
    "otel_llm_server.migrations.versions.",
    "otel_llm_server.cli.__main__",
)


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = [package, *path.relative_to(ROOT / folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imported(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Our modules that ``module`` imports anywhere in its source (functions and TYPE_CHECKING too)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    named = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([node.module] if node.module else [])])
            named |= {f"{base}.{alias.name}" for alias in node.names}  # a submodule, or a name in base
    return {_nearest(name, known) for name in named} - {None, module}


def _nearest(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, edges = work[-1]
            step = next(edges, None)
            if step is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = stack[stack.index(node) :]
                    del stack[stack.index(node) :]
                    if len(component) > 1:
                        found.append(sorted(component))
            elif step not in index:
                index[step] = low[step] = len(index)
                stack.append(step)
                work.append((step, iter(sorted(graph[step]))))
            elif step in stack:
                low[node] = min(low[node], index[step])
    return found


def test_the_cycle_finder_finds_a_loop_and_only_a_loop():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_no_module_imports_itself_round_a_loop():
    known = _modules()
    graph = {module: _imported(module, path, known) for module, path in known.items()}
    cycles = _cycles(graph)
    assert not cycles, "import cycles (move the shared piece into a module both can import):\n" + "\n".join(
        " <-> ".join(cycle) for cycle in cycles
    )


IMPORT_EACH = """
import importlib, json, sys, traceback
failed = {}
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except BaseException:
        failed[name] = traceback.format_exc(limit=-3)
print(json.dumps(failed))
"""


def test_every_module_imports_in_a_fresh_interpreter():
    names = [name for name in _modules() if not name.startswith(NOT_IMPORTABLE)]
    ran = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH, json.dumps(names)], capture_output=True, text=True, timeout=300
    )
    assert ran.returncode == 0, ran.stderr
    failed = json.loads(ran.stdout.splitlines()[-1])
    assert not failed, "\n".join(f"{name}:\n{error}" for name, error in failed.items())
