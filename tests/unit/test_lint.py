# SPDX-License-Identifier: GPL-3.0-or-later
"""Linters and the architecture's rules, run as tests."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PACKAGE = REPO / "netns_helper"


def _run(*argv: str) -> None:
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.real_processes
def test_ruff_check() -> None:
    _run(str(BIN / "ruff"), "check", "netns_helper", "bin/netns-helper", "tests")


@pytest.mark.real_processes
def test_ruff_format() -> None:
    _run(str(BIN / "ruff"), "format", "--check", "netns_helper", "bin/netns-helper", "tests")


@pytest.mark.real_processes
def test_mypy_strict() -> None:
    _run(str(BIN / "mypy"))


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_executor_starts_processes() -> None:
    spawners = {p.name for p in PACKAGE.glob("*.py") if _imports(p) & {"subprocess", "pty", "multiprocessing"}}
    assert spawners == {"executor.py"}
    for path in PACKAGE.glob("*.py"):
        text = path.read_text()
        for word in ("shell=True", "os.system(", "os.popen(", "os.exec", "os.spawn", "os.fork("):
            assert word not in text, f"{path.name} uses {word}"


def test_runtime_needs_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"netns_helper"}
    for path in [*PACKAGE.glob("*.py"), REPO / "bin" / "netns-helper"]:
        assert _imports(path) <= allowed, f"{path.name} imports {_imports(path) - allowed}"


def _package_imports(path: Path) -> set[str]:
    """The netns_helper modules PATH imports (relative imports, including under TYPE_CHECKING)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                names.add(node.module.split(".")[0])
            else:
                names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("netns_helper."):
            names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith("netns_helper."):
                names.add(arg.value.split(".")[1])
    return names


def test_no_module_imports_the_command_line() -> None:
    """cli is the top floor: everything it runs lives below it, so nothing imports it back."""
    importers = {p.name for p in PACKAGE.glob("*.py") if "cli" in _package_imports(p)}
    assert importers <= {"__main__.py"}, f"{sorted(importers)} import cli"


def _runtime_imports(path: Path) -> set[str]:
    """The package modules PATH imports when it runs: all but those under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and id(node) not in typing_only:
            names.update([node.module.split(".")[0]] if node.module else [alias.name for alias in node.names])
    return names - {"__init__"}


def test_imports_only_go_down() -> None:
    """The package's modules form floors: no module imports, even lazily, one that imports it back."""
    graph = {p.stem: _runtime_imports(p) for p in PACKAGE.glob("*.py")}

    def below(path: tuple[str, ...]) -> None:
        for other in sorted(graph.get(path[-1], ())):
            assert other not in path, f"import cycle: {' -> '.join([*path, other])}"
            below((*path, other))

    for name in sorted(graph):
        below((name,))


SPDX = "SPDX-License-Identifier: GPL-3.0-or-later"


def test_every_source_file_names_its_licence() -> None:
    """The package's code, entry point, units and tests carry the SPDX line (after a shebang)."""
    sources = [
        *REPO.glob("netns_helper/*.py"),
        *REPO.glob("bin/*"),
        *REPO.glob("share/systemd-netns-helper/*"),
        *REPO.glob("tests/**/*.py"),
        REPO / "Makefile",
    ]
    head = {path: path.read_text().split("\n")[:2] for path in sources}
    assert [str(p.relative_to(REPO)) for p, lines in head.items() if not any(SPDX in line for line in lines)] == []
