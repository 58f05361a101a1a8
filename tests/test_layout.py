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
    assert found == ["archive", "PySide6.QtCore"]


def test_fixed_top_level_layout():
    for name in (*PACKAGES, "tests"):
        assert (ROOT / name).is_dir()
    assert (ROOT / "pyproject.toml").is_file()
    text = (ROOT / "pyproject.toml").read_text()
    assert 'name = "council-archive"' in text
    assert "council-archive =" in text
