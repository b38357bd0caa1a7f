"""The package's import direction (README, Layout): core/'s stages import only earlier stages,
core/ imports nothing from the Dagster layer or the command line, and no modules import each
other in a cycle. Read from the source with ast, so an import inside a function or under
`if TYPE_CHECKING:` counts too: hiding one there does not make a cycle go away."""

from __future__ import annotations

import ast
from pathlib import Path

import s3_ingest

PACKAGE = Path(s3_ingest.__file__).parent
CORE = "s3_ingest.core"
# In the order they may import (s3_ingest/core/__init__.py says what each holds).
STAGES = ["sources", "s3", "extraction", "index", "plan", "sync", "retrieval"]
# core/'s root modules: the values every stage passes on.
SHARED = {"documents", "stage_cpu"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(module: str) -> list[tuple[int, str]]:
    """(line, imported s3_ingest module) for every import in `module`; `from pkg import name`
    counts as importing pkg.name when that is a module, else pkg."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name in MODULES]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                target = f"{source}.{alias.name}"
                if target in MODULES:
                    found.append((node.lineno, target))
                elif source in MODULES:
                    found.append((node.lineno, source))
    return found


def _stage(module: str) -> int | None:
    """0 for core's root, 1.. for its stages; None outside core."""
    if module == CORE:
        return 0
    if not module.startswith(CORE + "."):
        return None
    first = module.split(".")[2]
    if first in SHARED:
        return 0
    assert first in STAGES, (
        f"{module}: core/{first} is neither a stage nor a shared module; add it to STAGES "
        "(in import order) or SHARED in this test and to README's Layout")
    return STAGES.index(first) + 1


def _name(stage: int) -> str:
    return "core's root" if stage == 0 else f"{STAGES[stage - 1]}/"


def test_core_root_holds_only_stages_and_the_shared_modules():
    root = PACKAGE / "core"
    modules = {p.stem for p in root.glob("*.py")} - {"__init__"}
    packages = {p.name for p in root.iterdir() if (p / "__init__.py").exists()}
    assert modules <= SHARED, f"modules at core/'s root that belong in a stage: {modules - SHARED}"
    assert packages == set(STAGES), f"core/'s subpackages {packages} are not the stages {STAGES}"


def test_each_stage_imports_only_itself_and_earlier_stages():
    wrong = []
    for module in MODULES:
        here = _stage(module)
        if here is None:
            continue
        for line, target in _imports(module):
            there = _stage(target)
            if there is None:
                wrong.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} imports "
                             f"{target}: core imports nothing outside core")
            elif there > here:
                wrong.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} imports "
                             f"{target}: {_name(here)} comes before {_name(there)}, so it may "
                             "not import it")
    assert not wrong, "imports against the stage order:\n" + "\n".join(wrong)


def test_no_modules_import_each_other():
    graph = {module: {t for _, t in _imports(module)} - {module} for module in MODULES}
    cycles = []
    # Tarjan's strongly connected components: any with two or more modules is a cycle.
    index, low, stack, on_stack, counter = {}, {}, [], set(), [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    described = []
    for component in cycles:
        members = set(component)
        edges = sorted({f"{m} -> {t} (line {line})" for m in component
                        for line, t in _imports(m) if t in members and t != m})
        described.append("; ".join(edges))
    assert not cycles, "modules that import each other:\n" + "\n".join(described)


def test_the_package_carries_no_test_equipment():
    assert not (PACKAGE / "local_s3_proxy.py").exists()
    for module, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad = [n for n in names if n.split(".")[0] in ("s3_ingest_tests", "bench")]
            assert not bad, f"{module} imports {bad}: the installed package cannot"
