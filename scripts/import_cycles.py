#!/usr/bin/env python3
"""Finds import circles between InterBot's own modules (issue 9: "no module is imported in a circle").

Usage (from the repository root, or pass it):  python scripts/import_cycles.py [REPO] [--type-checking]

How imports are counted
- Every `import x` / `from x import y` in the source is read with `ast`, wherever it stands: at module
  level, inside a function or method, inside try/except or if blocks. A function-level import is an edge
  like any other: deferring an import hides a circle from Python's import machinery, it does not remove
  the dependency, and a newcomer still cannot read one module without the other.
- Imports under `if TYPE_CHECKING:` never run; they are listed but not counted unless --type-checking.
- `from pkg import name` is an edge to `pkg.name` when that is a module of the repository, else to `pkg`.
  Relative imports are resolved. Importing `a.b.c` is an edge to `a.b.c` only (package __init__ files are
  not added implicitly; an __init__ that imports something has its own edges).
- Only modules inside the repository count (third-party and stdlib are ignored); `.venv`, `staticfiles`,
  `node_modules` and hidden folders are skipped. Tests and benchmarks are included.

Output: each circle (strongly connected component of two or more modules, or a module importing itself)
with the edges that close it, marked [top] (module level), [func] (inside a def) or [typing]. Exit status
1 when there is a circle, 0 otherwise, so it can run in CI.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

SKIP_DIRS = {".venv", "venv", "staticfiles", "node_modules", "media", "__pycache__", "artifacts"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def find_modules(root: Path) -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).parts
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel[:-1]):
            continue
        modules[module_name(path, root)] = path
    return modules


class ImportVisitor(ast.NodeVisitor):
    """Collects (target, line, kind) for every import; kind is top, func or typing."""

    def __init__(self, module: str, is_package: bool, known: set[str]):
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.depth = 0  # nesting inside def / async def / lambda-free bodies
        self.typing = 0
        self.found: list[tuple[str, int, str]] = []

    def _kind(self) -> str:
        return "typing" if self.typing else "func" if self.depth else "top"

    def _resolve(self, name: str) -> str | None:
        # The longest known module that `name` starts with (x.y.z -> x.y if x.y.z is a class).
        parts = name.split(".")
        while parts:
            candidate = ".".join(parts)
            if candidate in self.known:
                return candidate
            parts.pop()
        return None

    def _add(self, target: str | None, node: ast.AST) -> None:
        # A module naming itself (`from . import x` inside x's package __init__) is not a circle.
        if target and target != self.module and (target, node.lineno, self._kind()) not in self.found:
            self.found.append((target, node.lineno, self._kind()))

    def visit_FunctionDef(self, node):  # noqa: N802
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def visit_If(self, node):  # noqa: N802
        test = node.test
        is_tc = (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        )
        if is_tc:
            self.typing += 1
            for child in node.body:
                self.visit(child)
            self.typing -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node):  # noqa: N802
        for alias in node.names:
            self._add(self._resolve(alias.name), node)

    def visit_ImportFrom(self, node):  # noqa: N802
        if node.level:
            base_parts = self.package.split(".") if self.package else []
            base_parts = base_parts[: len(base_parts) - (node.level - 1)] if node.level > 1 else base_parts
            base = ".".join(p for p in [*base_parts, node.module or ""] if p)
        else:
            base = node.module or ""
        for alias in node.names:
            submodule = f"{base}.{alias.name}" if base else alias.name
            target = submodule if submodule in self.known else self._resolve(base)
            self._add(target, node)


def build_graph(root: Path) -> tuple[dict[str, dict[str, list[tuple[int, str]]]], dict[str, Path]]:
    modules = find_modules(root)
    known = set(modules)
    graph: dict[str, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
    for name, path in sorted(modules.items()):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as error:
            print(f"skipped (syntax error): {path}: {error}", file=sys.stderr)
            continue
        visitor = ImportVisitor(name, path.name == "__init__.py", known)
        visitor.visit(tree)
        graph[name]  # every module is a node, even without imports
        for target, line, kind in visitor.found:
            graph[name][target].append((line, kind))
    return graph, modules


def strongly_connected(nodes: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit on large trees)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(edges.get(start, ())))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
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
                result.append(sorted(component))
    return result


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    count_typing = "--type-checking" in argv
    root = Path(args[0] if args else ".").resolve()
    graph, modules = build_graph(root)
    counted = {"top", "func"} | ({"typing"} if count_typing else set())
    edges = {
        src: sorted(dst for dst, uses in targets.items() if any(kind in counted for _, kind in uses))
        for src, targets in graph.items()
    }
    components = strongly_connected(sorted(graph), edges)
    circles = [c for c in components if len(c) > 1 or c[0] in edges.get(c[0], [])]
    kinds_total = defaultdict(int)
    for targets in graph.values():
        for uses in targets.values():
            for _, kind in uses:
                kinds_total[kind] += 1
    print(
        f"{len(modules)} modules read under {root}; internal imports: "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds_total.items()))
        + ("" if count_typing else " (typing imports not counted)")
    )
    if not circles:
        print("no module is imported in a circle")
        return 0
    print(f"{len(circles)} import circle(s):")
    for number, component in enumerate(circles, 1):
        members = set(component)
        print(f"\ncircle {number}: " + " <-> ".join(component))
        for src in component:
            for dst, uses in sorted(graph[src].items()):
                if dst in members:
                    for line, kind in uses:
                        if kind in counted:
                            print(f"  {modules[src].relative_to(root)}:{line} [{kind}] imports {dst}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
