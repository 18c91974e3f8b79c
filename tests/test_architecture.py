"""The house rules of the package's shape: one-way imports, imports at the top, small modules.

The import graph is read from the source (``ast``), so it sees every import statement, including
those inside functions; imports under ``if TYPE_CHECKING:`` never run and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pmcourse"
#: A module longer than this holds more than one concern (issue: "no module over ~600 lines").
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported pmcourse module, line, inside a function?) for every import statement."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int, bool]] = []

    def targets(node) -> list[str]:
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        out = [base]
        out += [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
        return out

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub, in_function)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                for name in targets(child):
                    if name == "pmcourse" or name.startswith("pmcourse."):
                        found.append((name, child.lineno, in_function))
            inner = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def _graph() -> dict[str, set[str]]:
    """Module -> the pmcourse modules importing it runs.

    Importing ``pmcourse.a.b`` also runs the package ``pmcourse.a``: that implicit edge is kept,
    except towards the importer's own enclosing packages (already running when it is imported)
    and the root, whose ``__init__`` imports nothing of the package eagerly. An explicit
    ``from pmcourse.a import x`` inside ``pmcourse.a`` is kept: it needs the package's names.
    """
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        own = {module.rsplit(".", k)[0] for k in range(1, module.count(".") + 1)}
        for name, _, _ in _imports(path):
            if name in MODULES and name != module:
                graph[module].add(name)
            parent = name.rpartition(".")[0]
            while parent and parent != "pmcourse":
                if parent in MODULES and parent not in own and parent != module:
                    graph[module].add(parent)
                parent = parent.rpartition(".")[0]
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strongconnect(w)
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
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return out


def test_the_import_graph_has_no_cycle():
    cycles = _cycles(_graph())
    assert not cycles, (
        "import cycles (each a set of modules that import one another): "
        + "; ".join(" <-> ".join(c) for c in cycles)
    )


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_pmcourse_imports_sit_at_the_top_of_each_module():
    hidden = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name} inside a function"
        for path in MODULES.values()
        for name, line, in_function in _imports(path)
        if in_function
    ]
    assert not hidden, "\n".join(hidden)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_holds_more_than_one_concern(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, (
        f"{module} has {lines} lines (limit {MAX_LINES}): split it by concern"
    )


def test_downhill_layers():
    """diagnose knows nothing of scenarios, answers, cohort or the session; answers nothing of
    scenarios, cohort or the session; scenarios nothing of cohort or the session."""
    forbidden = {
        "pmcourse.diagnose": (
            "pmcourse.scenarios",
            "pmcourse.answers",
            "pmcourse.cohort",
            "pmcourse.session",
        ),
        "pmcourse.plots": (
            "pmcourse.scenarios",
            "pmcourse.answers",
            "pmcourse.cohort",
            "pmcourse.session",
        ),
        "pmcourse.answers": ("pmcourse.scenarios", "pmcourse.cohort", "pmcourse.session"),
        "pmcourse.scenarios": ("pmcourse.cohort", "pmcourse.session"),
    }
    graph = _graph()
    wrong = [
        f"{module} imports {target}"
        for module, targets in graph.items()
        for layer, banned in forbidden.items()
        if module == layer or module.startswith(layer + ".")
        for target in targets
        if any(target == b or target.startswith(b + ".") for b in banned)
    ]
    assert not wrong, "\n".join(sorted(wrong))


#: A scenario's private siblings: how its data is drawn, what its questions judge and say, and
#: (where the judge has no room left under the module-size rule) its memo's form and key.
SIBLING_KINDS = ("draw", "judge", "memo")


def _misnamed_siblings(names: list[str]) -> list[str]:
    """Private modules of pmcourse/scenarios not named ``_<scenario>_<kind>`` (SIBLING_KINDS)."""
    public = {n for n in names if not n.startswith("_")}
    return sorted(
        n
        for n in names
        if n.startswith("_")
        and not n.startswith("__")
        and not any(
            n.endswith(f"_{kind}") and n[1 : -len(kind) - 1] in public for kind in SIBLING_KINDS
        )
    )


def test_scenario_siblings_have_one_naming():
    """A scenario module's helpers are ``_<name>_draw.py`` (how the data is drawn),
    ``_<name>_judge.py`` (what its questions judge and say) and ``_<name>_memo.py`` (its memo's
    form and key), nothing else."""
    names = [p.stem for p in (PACKAGE / "scenarios").glob("*.py")]
    wrong = _misnamed_siblings(names)
    assert not wrong, f"rename {wrong} to _<scenario>_draw.py, _judge.py or _memo.py"


def test_the_sibling_check_finds_a_misnamed_sibling():
    names = [
        "usage_drop",
        "_usage_drop_draw",
        "_usage_drop_judge",
        "_usage_drop_words",
        "_gone_draw",
    ]
    assert _misnamed_siblings(names) == ["_gone_draw", "_usage_drop_words"]
