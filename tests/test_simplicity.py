"""Unit tests for eng101.simplicity: radon's numbers, and the walk that finds what a function reaches."""

from __future__ import annotations

import builtins
import itertools
import linecache

import pytest

from eng101.simplicity import Unmeasurable, cyclomatic_table, identifiers, measure_source, reachable_cells

_counter = itertools.count()


def _cell(namespace: dict, source: str) -> str:
    """Run ``source`` as a notebook cell would: its own cached filename, in a __main__ namespace."""
    filename = f"<cell {next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - the test's own source
    return filename


@pytest.fixture
def namespace() -> dict:
    return {"__name__": "__main__", "__builtins__": builtins}


def test_measure_source_sums_functions_methods_closures_and_module_level() -> None:
    source = (
        "X = 1\nif X:\n    Y = 2\n"
        "def f(a):\n    if a:\n        return 1\n    def inner(b):\n        return b or a\n"
        "    return [i for i in a if i]\n"
        "class C:\n    def g(self):\n        return 1 if self else 2\n"
    )
    measured = measure_source(source)
    # module 1+1, f 1+1+2 (comprehension for + if), inner 1+1, C.g 1+1
    assert measured["cyclomatic"] == 2 + 4 + 2 + 2
    assert all(type(value) is int for value in measured.values())
    assert measured["logical_lines"] == analyze_lloc(source)
    assert dict(cyclomatic_table(source)) == {"f": 4, "C.g": 2}


def analyze_lloc(source: str) -> int:
    from radon.raw import analyze  # noqa: PLC0415

    return analyze(source).lloc


def test_golf_scores_better_than_readable_code() -> None:
    readable = ("def f(ms):\n    if ms < 100:\n        return 'a'\n"
                "    if ms < 500:\n        return 'b'\n    return 'c'\n")
    golfed = "f = lambda ms: ('a', 'b', 'c')[(ms >= 100) + (ms >= 500)]\n"
    assert measure_source(golfed)["cyclomatic"] < measure_source(readable)["cyclomatic"]


def test_identifiers() -> None:
    found = identifiers("import math as m\ndef f(x, *, y=1):\n    return m.floor(x) + g(key=y)\nclass K: pass\n")
    assert {"m", "f", "x", "y", "floor", "g", "key", "K"} <= found


def test_reach_follows_globals_helpers_closures_defaults_and_classes(namespace: dict) -> None:
    helper_cell = _cell(namespace, "LIMITS = {'a': 1}\ndef helper(v):\n    return v in LIMITS\n")
    class_cell = _cell(namespace, "class Box:\n    def get(self):\n        return helper(1)\n")
    closure_cell = _cell(namespace, "def make():\n    box = Box()\n"
                                    "    def run(x):\n        return box.get()\n    return run\n")
    main_cell = _cell(namespace, "run = make()\ndef answer(x, r=run):\n    return r(x)\n")
    unrelated = _cell(namespace, "def unused():\n    return 0\n")
    cells = reachable_cells(namespace["answer"])
    assert set(cells) == {helper_cell, class_cell, closure_cell, main_cell}
    assert unrelated not in cells
    assert "def helper" in cells[helper_cell]


@pytest.mark.parametrize("body", [
    "return eval('1')",
    "return getattr(x, 'y')",
    "return globals()['x']",
    "return __builtins__.eval('1')",
    "return answer.__globals__",
    "import sys\n    return sys.modules",
    "return (lambda: (yield))().gi_frame.f_globals",
])
def test_reach_refuses_dynamic_lookups(namespace: dict, body: str) -> None:
    _cell(namespace, f"def answer(x):\n    {body}\n")
    with pytest.raises(Unmeasurable):
        reachable_cells(namespace["answer"])


def test_reach_refuses_exec_made_code_and_foreign_modules(namespace: dict) -> None:
    exec("def answer(x):\n    return x\n", namespace)  # noqa: S102 - no cell source: cannot be measured
    with pytest.raises(Unmeasurable):
        reachable_cells(namespace["answer"])
    _cell(namespace, "import operator\nget = operator.attrgetter('x')\ndef answer(x):\n    return get(x)\n")
    with pytest.raises(Unmeasurable):
        reachable_cells(namespace["answer"])


def test_reach_allows_plain_standard_modules_and_builtins(namespace: dict) -> None:
    cell = _cell(namespace, "import math\nfrom itertools import islice\n"
                            "def answer(x):\n    return [math.isnan(v) for v in islice(x, 2)] + sorted(x)\n")
    assert list(reachable_cells(namespace["answer"])) == [cell]
