"""The design card's dependency rule: desktop -> archive -> {index, transcription}.

Checked on the source (every import statement, including lazy ones inside
functions), so a violation fails here even if no test exercises that code path.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("desktop", "archive", "index", "transcription")

# what each package may import from the project
ALLOWED = {
    "desktop": {"desktop", "archive", "index", "transcription"},
    "archive": {"archive", "index", "transcription"},
    "index": {"index"},
    "transcription": {"transcription"},
}
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


def imports_of(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module
                for alias in node.names:  # "from archive import media" names a module too
                    yield path, f"{node.module}.{alias.name}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (anywhere in it)."""
    modules = {module_name(p) for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for path, name in imports_of(package):
        while name and name not in modules:
            name = name.rpartition(".")[0]
        mod = module_name(path)
        # a package's own __init__ is imported on the way to any of its modules: not a cycle
        if name and name != mod and not mod.startswith(name + "."):
            graph[mod].add(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_follow_the_design_card(package):
    assert any((ROOT / package).rglob("*.py")), f"{package}/ has no modules"
    bad = []
    for path, name in imports_of(package):
        top = name.split(".")[0]
        if top in PACKAGES and top not in ALLOWED[package]:
            bad.append(f"{path.relative_to(ROOT)} imports {name}")
        if top in QT and package != "desktop":
            bad.append(f"{path.relative_to(ROOT)} imports Qt ({name})")
    assert not bad, "dependency rule broken:\n" + "\n".join(bad)


def test_rule_checker_catches_a_violation(tmp_path, monkeypatch):
    # the checker itself must see lazy imports inside functions
    fake = tmp_path / "index"
    fake.mkdir()
    (fake / "x.py").write_text("def f():\n    from archive import catalog\n    import PySide6.QtCore\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    found = [name for _, name in imports_of("index")]
    assert found == ["archive", "archive.catalog", "PySide6.QtCore"]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_inside_a_package(package):
    found = cycles(import_graph(package))
    assert not found, "import cycles (lazy imports count too):\n" + "\n".join(" <-> ".join(c) for c in found)


def test_cycle_checker_sees_a_lazy_cycle(tmp_path, monkeypatch):
    pkg = tmp_path / "archive"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from archive.b import f\n")
    (pkg / "b.py").write_text("def f():\n    from archive import a\n")
    (pkg / "c.py").write_text("import archive.a\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert cycles(import_graph("archive")) == [["archive.a", "archive.b"]]


def test_fixed_top_level_layout():
    for name in (*PACKAGES, "tests"):
        assert (ROOT / name).is_dir()
    assert (ROOT / "pyproject.toml").is_file()
    text = (ROOT / "pyproject.toml").read_text()
    assert 'name = "council-archive"' in text
    assert "council-archive =" in text
