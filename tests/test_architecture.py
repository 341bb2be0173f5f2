"""The code reads one way: no import cycle among the modules of ``app`` (function-level imports
included), lower layers never import upward, no status literal in the views and APIs, every
service function's signature is typed, and no comment points outside the repository."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app.models.vocabulary import CaseStatus, FileStatus, RegistryStatus

APP = Path(__file__).resolve().parent.parent / "app"

#: packages below the services: they never import the use cases, the web layer, the jobs or the demo
LOWER = ("core", "models", "formats", "controls", "nsi", "erz", "tariffs", "documents", "registry_files", "signing")
UPPER = ("app.services", "app.views", "app.api", "app.jobs", "app.demo", "app.cli")


def _modules() -> dict[str, Path]:
    mods = {}
    for path in APP.rglob("*.py"):
        name = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
        mods[name.removesuffix(".__init__")] = path
    return mods


def _imports(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    """The modules of ``app`` that ``name`` imports, anywhere in its body.  ``from pkg import sub``
    of submodules is an edge to the submodules only."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in mods)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")[: len(name.split(".")) - node.level + (path.name == "__init__.py")]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            subs = {f"{module}.{a.name}" for a in node.names} & mods.keys()
            if subs and len(subs) == len(node.names):
                out |= subs
            elif module in mods:
                out |= {module} | subs
    return out - {name}


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {name: _imports(name, path, mods) for name, path in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = iter(range(10**6))

    def visit(v):
        index[v] = low[v] = next(counter)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_among_the_modules_of_app():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_lower_layers_never_import_upward():
    wrong = []
    for name, imported in _graph().items():
        if name.split(".")[1:2] and name.split(".")[1] in LOWER:
            wrong += [f"{name} → {m}" for m in imported if m.startswith(UPPER)]
    assert wrong == []


def _string_constants(tree: ast.AST):
    """String literals of the code, docstrings left out."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node


@pytest.mark.parametrize("folder", ["views", "api"])
def test_no_status_literal_in_the_views_and_apis(folder):
    statuses = {m.value for enum in (FileStatus, CaseStatus, RegistryStatus) for m in enum} - {"ФЛК", "МЭК"}
    found = []
    for path in sorted((APP / folder).rglob("*.py")):
        for node in _string_constants(ast.parse(path.read_text(encoding="utf-8"))):
            if node.value.strip() in statuses:
                found.append(f"{path.relative_to(APP)}:{node.lineno}: {node.value!r}")
    assert found == []


def test_the_literal_check_sees_a_literal():
    tree = ast.parse('"""Статус «Создан» in a docstring is fine."""\nx = "Создан"\n')
    assert [n.value for n in _string_constants(tree)] == ["Создан"]


def test_every_service_function_signature_is_typed():
    untyped = []
    for path in sorted((APP / "services").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                args += [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
                missing = [a.arg for a in args if a.annotation is None and a.arg not in ("self", "cls")]
                if missing or node.returns is None:
                    untyped.append(
                        f"{path.relative_to(APP)}:{node.lineno} {node.name} {missing}"
                        + (" (no return type)" if node.returns is None else "")
                    )
    assert untyped == []


OUTSIDE = re.compile(r"DESIGN\.md|FORMAT\.md|REGIONAL-MANUAL|\.\./shared|\b[Ii]ssue\s*#?\d")


def test_no_comment_points_outside_the_repository():
    """Comments and docstrings explain the code in its own words: no issue numbers, no documents
    that a clone of the repository does not have."""
    found = []
    for path in sorted(APP.rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(APP)}:{n}: {line.strip()}")
    assert found == []
