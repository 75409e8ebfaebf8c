"""The package's layout holds: no import cycles, and no stage imports a later stage (read → clean →
extract → resolve → store → serve), with the shared layers below them and the orchestrator above."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "onrecord"
STAGES = ["read", "clean", "extract", "resolve", "store", "serve"]
# below every stage: data types, options, the shared text layer, packaged data, errors, counters
BASE = {"document", "options", "text", "data", "errors", "limits", "stats", "formatting", "serialize"}


def module_imports() -> dict[str, set[str]]:
    """module name → the package's modules it imports (at any depth of the file, lazy imports included)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                # `from pkg import module` imports the module; `from module import name` the module itself
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            edges[name].update(t for t in targets if t in modules and t != name)
    return {name: edges[name] for name in modules}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
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

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def room(module: str) -> str:
    """The top-level room of a module: "extract" for onrecord.extract.tagger, "" for the package root."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


EDGES = module_imports()


def test_the_package_has_no_import_cycle():
    assert cycles(EDGES) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_imports_a_later_stage_or_the_orchestrator(stage):
    # serve, the last stage, is also an entry point: its paste box runs the orchestrator and stores a document
    runners = {"pipeline", "run"} if stage != "serve" else set()
    later = set(STAGES[STAGES.index(stage) + 1:]) | runners | {"cli"}
    wrong = sorted((m, t) for m, targets in EDGES.items() if room(m) == stage
                   for t in targets if room(t) in later)
    assert wrong == []


def test_shared_layers_import_no_stage():
    above = set(STAGES) | {"pipeline", "run", "cli", "evaluate", "train", "spacy_component", ""}
    wrong = sorted((m, t) for m, targets in EDGES.items() if room(m) in BASE
                   for t in targets if room(t) in above)
    assert wrong == []


def test_only_the_cli_imports_the_cli():
    wrong = sorted((m, t) for m, targets in EDGES.items() if room(m) != "cli"
                   for t in targets if room(t) == "cli")
    assert wrong == []


def test_every_entry_point_goes_through_the_orchestrator():
    entry_points = ["onrecord", "onrecord.spacy_component", "onrecord.run.ingest", "onrecord.serve.paste",
                    "onrecord.cli.extract", "onrecord.evaluate.harness"]
    for module in entry_points:
        assert "onrecord.pipeline" in EDGES[module] or any(
            "onrecord.pipeline" in EDGES.get(t, ()) for t in EDGES[module]), module
    # and none of them runs a stage itself
    stages = {"onrecord.clean", "onrecord.resolve"}
    assert not any(stages & EDGES[m] for m in entry_points)


def test_a_folder_holding_the_clone_does_not_shadow_the_package(tmp_path):
    """Python started beside a clone named `onrecord` (no `__init__.py` at its root) imports the
    installed package, not the clone as a namespace package: the src/ layout keeps the two apart."""
    import subprocess
    import sys

    (tmp_path / "onrecord").symlink_to(PACKAGE.parents[1], target_is_directory=True)
    probe = "import onrecord; print(onrecord.__file__); onrecord.extract"
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(PACKAGE / "__init__.py")
