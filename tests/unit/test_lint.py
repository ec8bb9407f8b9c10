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
