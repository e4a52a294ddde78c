"""The shape of the code: layers in one direction, no import cycles, modules of a readable size.

The layers and the forbidden imports are import-linter contracts in pyproject.toml;
``lint-imports`` runs them here so a new cycle or a crossed layer fails the suite.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("sync", "connectors", "mailer")
MAX_LINES = 400


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["importlinter"]["contracts"])


def _layers() -> list[str]:
    (contract,) = [c for c in _contracts() if c["type"] == "layers"]
    return list(contract["layers"])  # type: ignore[call-overload]


def _grimp_layers(layers: Iterable[str]) -> list[grimp.Layer]:
    return [
        grimp.Layer(*(part.strip() for part in layer.split("|")), independent=True)
        for layer in layers
    ]


def _cycles(graph: grimp.ImportGraph, modules: Iterable[str]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iteratively)."""
    modules = sorted(modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in modules:
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
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


def _own_modules(graph: grimp.ImportGraph) -> set[str]:
    return {m for m in graph.modules if m.split(".")[0] in PACKAGES}


def test_import_contracts_hold() -> None:
    """``lint-imports`` with the contracts in pyproject.toml passes."""
    command = Path(sys.executable).with_name("lint-imports")
    program = str(command) if command.exists() else shutil.which("lint-imports")
    assert program, "lint-imports is not installed (it is in the test extra)"
    done = subprocess.run(
        [program, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_the_contracts_name_every_layer_of_sync() -> None:
    """Every subpackage of sync is in a layer, so none can sit outside the rule."""
    layered = {part.strip() for layer in _layers() for part in layer.split("|")}
    packages = {f"sync.{p.parent.name}" for p in (ROOT / "sync").glob("*/__init__.py")} | {
        f"sync.{p.stem}" for p in (ROOT / "sync").glob("*.py")
    }
    packages -= {"sync.__init__", "sync.__main__"}
    assert packages <= layered, f"not in any layer: {sorted(packages - layered)}"


def test_the_layer_contract_catches_an_import_upwards(graph: grimp.ImportGraph) -> None:
    """The contract is not empty: an import from config into the CLI breaks it."""
    layers = _grimp_layers(_layers())
    assert not graph.find_illegal_dependencies_for_layers(layers=layers, containers=set())
    # The graph is shared by this module's tests: what is added is taken away again.
    graph.add_import(importer="sync.config.settings", imported="sync.cli.views")
    try:
        illegal = graph.find_illegal_dependencies_for_layers(layers=layers, containers=set())
    finally:
        graph.remove_import(importer="sync.config.settings", imported="sync.cli.views")
    assert {(d.importer, d.imported) for d in illegal} == {("sync.config", "sync.cli")}


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    """No two modules of sync, connectors or mailer import each other, however indirectly.

    Imports inside functions and under TYPE_CHECKING count: they hide a cycle, not break it.
    A package's ``__init__`` importing its own modules is not a cycle of the design.
    """
    modules = _own_modules(graph)
    cycles = [
        group
        for group in _cycles(graph, modules)
        if not all(m == group[0] or m.startswith(group[0] + ".") for m in group)
    ]
    assert not cycles, "\n".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle(graph: grimp.ImportGraph) -> None:
    modules = _own_modules(graph)
    graph.add_import(importer="sync.errors", imported="sync.cli.running")
    try:
        cycles = _cycles(graph, modules)
    finally:
        graph.remove_import(importer="sync.errors", imported="sync.cli.running")
    assert any("sync.errors" in c and "sync.cli.running" in c for c in cycles)


def _long_modules() -> list[str]:
    long = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    return long


def test_no_module_is_over_400_lines() -> None:
    assert not _long_modules(), "\n".join(_long_modules())
