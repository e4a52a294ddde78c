"""The shape of sync/run: where the crash checkpoints are, and imports without cycles."""

from __future__ import annotations

import ast
from pathlib import Path

from sync.run.faults import POINTS, TEXT_POINTS
from tests.support.world import CHECKPOINTED

ROOT = Path(__file__).resolve().parents[2]


def _calls(path: Path) -> set[str]:
    """The names passed to ``checkpoint(...)`` in one module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "checkpoint":
            (arg,) = node.args
            assert isinstance(arg, ast.Constant)
            names.add(arg.value)
    return names


def _imports(path: Path) -> set[str]:
    """The sync modules one module imports (at any level, TYPE_CHECKING included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sync"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("sync"))
    return found


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_checkpoint_is_in_a_module_the_test_world_patches() -> None:
    patched = {Path(str(m.__file__)).resolve() for m in CHECKPOINTED}
    called: dict[str, set[Path]] = {}
    for path in (ROOT / "sync").rglob("*.py"):
        for name in _calls(path):
            called.setdefault(name, set()).add(path.resolve())
    assert set(called) == set(POINTS + TEXT_POINTS)
    for name, where in called.items():
        assert where <= patched, f"checkpoint {name!r} is called in a module not patched"


def test_run_modules_import_one_another_without_cycles() -> None:
    # The layers contract keeps lower layers from importing sync.run, and sync.run from
    # importing higher ones, so a cycle through a run module would lie inside sync.run.
    graph = {_module(p): _imports(p) for p in (ROOT / "sync" / "run").rglob("*.py")}
    graph = {m: {i for i in deps if i in graph} for m, deps in graph.items()}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path, module))}"
        if module in done:
            return
        for dep in graph[module]:
            visit(dep, (*path, module))
        done.add(module)

    for module in sorted(graph):
        visit(module, ())
    assert "sync.run.job" not in graph["sync.run.reply_desk"]
    assert "sync.run.reply_desk" in graph["sync.run.job"]
