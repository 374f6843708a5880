"""Measure how much logic a piece of notebook code really carries (22_yagni_kiss).

Two jobs, both kept free of any verdict (the tests compare the numbers with their thresholds):

- ``measure_source``: radon's numbers for one piece of source text — the sum of McCabe's cyclomatic
  complexity over every function, method and class body, the logical lines of code, and the
  maintainability index (radon's variant);
- ``reachable_cells``: starting from a function, every notebook cell whose code it can reach — through
  the globals its code loads, its closures, its default values, the classes, methods and containers
  those lead to — so that complexity moved into a helper, a second cell, a closure or a lambda is
  measured too. Code that cannot be measured honestly (``eval``/``exec``, ``getattr`` by name, dunder
  attributes that lead around the walk, a module outside a small standard-library list, source that
  was never a notebook cell) raises ``Unmeasurable`` naming what was found.
"""

from __future__ import annotations

import ast
import builtins
import dis
import linecache
import textwrap
import types
from typing import Any

from radon.complexity import cc_visit
from radon.metrics import mi_visit
from radon.raw import analyze

#: Modules the measured code may use (their code is not the student's, so it is not measured). Left out on
#: purpose: modules that fetch objects by name or string (``operator.attrgetter``, ``string.Formatter``,
#: ``typing.get_type_hints``, ``sys``, ``importlib``, ``inspect``) and ``dataclasses`` (code made by exec).
ALLOWED_MODULES = frozenset({"abc", "collections", "enum", "functools", "itertools", "math", "numbers", "re"})
#: Builtins that run or fetch code by name, where no walk can follow.
FORBIDDEN_BUILTINS = frozenset({
    "__import__", "breakpoint", "compile", "delattr", "eval", "exec", "get_ipython", "getattr", "globals",
    "input", "locals", "open", "setattr", "vars",
})
#: Dunder attributes that lead nowhere hidden (everything else, e.g. ``__globals__``, is refused).
ALLOWED_DUNDERS = frozenset({"__init__", "__post_init__", "__name__", "__qualname__", "__class__", "__doc__"})
#: Attributes that reach frames and so every global by name (generators, coroutines, tracebacks, frames).
FRAME_ATTRIBUTES = frozenset({
    "gi_frame", "cr_frame", "ag_frame", "tb_frame", "f_globals", "f_locals", "f_builtins", "f_back", "f_code",
    "gi_code", "cr_code", "ag_code", "co_consts",
})
_SCALARS = (int, float, complex, str, bytes, bool, type(None), type(Ellipsis))
_LOAD_GLOBAL = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})
_ATTRIBUTE = frozenset({"LOAD_ATTR", "LOAD_METHOD", "STORE_ATTR", "DELETE_ATTR"})
_MAX_STEPS = 20_000
#: What Python itself puts into a class's namespace (abc's cache, enum's bookkeeping): not the author's code.
_CLASS_MACHINERY = frozenset({
    "__dict__", "__weakref__", "__module__", "__doc__", "__qualname__", "_abc_impl", "__abstractmethods__",
    "_member_names_", "_member_map_", "_value2member_map_", "_unhashable_values_", "_member_type_",
    "_value_repr_", "_new_member_", "_use_args_", "__new__", "_generate_next_value_",
})


class Unmeasurable(Exception):
    """The code reaches something whose logic cannot be measured."""


def measure_source(source: str) -> dict[str, int]:
    """Radon's numbers for ``source``: total cyclomatic complexity, logical lines, maintainability index.

    ``cyclomatic`` is the sum over every function and method radon reports, nested functions included
    (each starts at 1, plus one per decision: ``if``/``elif``, loops, ``and``/``or``, ``except``,
    comprehension clauses, conditional expressions); branches at module level count too. ``maintainability`` is
    radon's MI rounded down (0-100, higher is more maintainable).
    """
    source = textwrap.dedent(source)
    blocks = cc_visit(source)
    cyclomatic = sum(_block_complexity(block) for block in blocks)
    module_level = cc_visit(_module_level_only(source))
    cyclomatic += sum(block.complexity for block in module_level if type(block).__name__ == "Function")
    return {
        "cyclomatic": int(cyclomatic),
        "logical_lines": int(analyze(source).lloc),
        "maintainability": int(mi_visit(source, multi=True)),
    }


def cyclomatic_table(source: str) -> list[tuple[str, int]]:
    """(name, cyclomatic complexity) for every function and method in ``source``, in source order."""
    return [(block.fullname, int(block.complexity)) for block in cc_visit(textwrap.dedent(source))
            if type(block).__name__ == "Function"]


def _block_complexity(block: Any) -> int:
    if type(block).__name__ == "Class":  # radon lists the methods again as functions of their own
        return 0
    return int(block.complexity) + sum(_block_complexity(inner) for inner in block.closures)


def _module_level_only(source: str) -> str:
    """The statements of ``source`` outside any def/class, as one function body (radon counts their branches)."""
    tree = ast.parse(source)
    body = [node for node in tree.body if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                 ast.ClassDef, ast.Import, ast.ImportFrom))]
    if not body:
        return ""
    wrapper = ast.Module(body=[ast.FunctionDef(name="_module_level", args=ast.arguments(
        posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=body, decorator_list=[], returns=None, type_comment=None, lineno=1)], type_ignores=[])
    return ast.unparse(ast.fix_missing_locations(wrapper))


def _module_allowed(name: str | None, *, builtins_too: bool = True) -> bool:
    """May code from module ``name`` be used? Builtin functions and types yes, the builtins module itself no."""
    if name == "builtins":
        return builtins_too
    return bool(name) and name.split(".")[0] in ALLOWED_MODULES


def reachable_cells(entry: Any) -> dict[str, str]:
    """Every notebook cell whose code ``entry`` can reach: {cell filename: cell source}.

    Raises ``Unmeasurable`` when the walk meets code it cannot follow or measure.
    """
    cells: dict[str, str] = {}
    seen: set[int] = set()
    pending: list[Any] = [entry]
    steps = 0
    while pending:
        steps += 1
        if steps > _MAX_STEPS:
            raise Unmeasurable("too many objects reachable to measure")
        obj = pending.pop()
        if id(obj) in seen or isinstance(obj, _SCALARS):
            continue
        seen.add(id(obj))
        pending.extend(_neighbours(obj, cells))
    return cells


def _neighbours(obj: Any, cells: dict[str, str]) -> list[Any]:
    if isinstance(obj, types.FunctionType):
        return _function_neighbours(obj, cells)
    if isinstance(obj, (staticmethod, classmethod)):
        return [obj.__func__]
    if isinstance(obj, property):
        return [part for part in (obj.fget, obj.fset, obj.fdel) if part is not None]
    if isinstance(obj, types.MethodType):
        return [obj.__func__, obj.__self__]
    if isinstance(obj, types.ModuleType):
        if not _module_allowed(obj.__name__, builtins_too=False):
            raise Unmeasurable(f"module {obj.__name__!r} is not one of the allowed {sorted(ALLOWED_MODULES)}")
        return []
    if isinstance(obj, (types.BuiltinFunctionType, types.BuiltinMethodType)):
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, types.ModuleType) or owner is None:
            module = obj.__module__ or (owner.__name__ if owner is not None else None)
            if not _module_allowed(module):
                raise Unmeasurable(f"{obj!r} comes from module {module!r}")
            if module == "builtins" and obj.__name__ in FORBIDDEN_BUILTINS:
                raise Unmeasurable(f"the builtin {obj.__name__}() runs or fetches code by name")
            return []
        return [owner]
    if isinstance(obj, type):
        if obj.__module__ != "__main__":
            if not _module_allowed(obj.__module__):
                raise Unmeasurable(f"class {obj.__qualname__} comes from module {obj.__module__!r}")
            return []
        return [*obj.__bases__, *(value for key, value in vars(obj).items() if key not in _CLASS_MACHINERY)]
    if isinstance(obj, dict):
        return [*obj.keys(), *obj.values()]
    if isinstance(obj, (list, tuple, set, frozenset)):
        return list(obj)
    kind = type(obj)
    if kind.__module__ == "__main__":
        return [kind, *getattr(obj, "__dict__", {}).values()]
    if _module_allowed(kind.__module__) and not callable(obj):
        return []
    raise Unmeasurable(f"cannot measure what a {kind.__module__}.{kind.__qualname__} object runs")


def _function_neighbours(function: types.FunctionType, cells: dict[str, str]) -> list[Any]:
    if function.__module__ != "__main__":
        if not _module_allowed(function.__module__):
            raise Unmeasurable(f"{function.__qualname__} comes from module {function.__module__!r}")
        return []
    filename = function.__code__.co_filename
    lines = linecache.getlines(filename)
    if not lines:
        raise Unmeasurable(f"{function.__qualname__} has no notebook source (made by exec/eval/compile?)")
    cells[filename] = "".join(lines)
    found: list[Any] = [*(function.__defaults__ or ()), *(function.__kwdefaults__ or {}).values()]
    found.extend(cell.cell_contents for cell in function.__closure__ or () if _cell_filled(cell))
    namespace = function.__globals__
    codes = [function.__code__]
    while codes:
        code = codes.pop()
        codes.extend(const for const in code.co_consts if isinstance(const, types.CodeType))
        for instruction in dis.get_instructions(code):
            name = instruction.argval
            if instruction.opname in _LOAD_GLOBAL:
                if name.startswith("__") and name != "__name__":  # __builtins__, __loader__, ...: roads around
                    raise Unmeasurable(f"{function.__qualname__} uses the global {name!r}")
                if name in namespace:
                    found.append(namespace[name])
                elif name in FORBIDDEN_BUILTINS or not hasattr(builtins, name):
                    raise Unmeasurable(f"{function.__qualname__} uses {name!r}, which runs or fetches code by name")
            elif instruction.opname in _ATTRIBUTE and isinstance(name, str):
                dunder = name.startswith("__") and name.endswith("__") and name not in ALLOWED_DUNDERS
                if dunder or name in FRAME_ATTRIBUTES:
                    raise Unmeasurable(f"{function.__qualname__} reads the attribute {name!r}")
            elif instruction.opname == "IMPORT_NAME" and not _module_allowed(name, builtins_too=False):
                raise Unmeasurable(f"{function.__qualname__} imports {name!r}")
    return found


def _cell_filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


def identifiers(source: str) -> set[str]:
    """Every identifier ``source`` defines or uses: names, attributes, parameters, functions, classes, imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(textwrap.dedent(source))):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.alias):
            found.add(node.asname or node.name)
        elif isinstance(node, ast.keyword) and node.arg:
            found.add(node.arg)
    return found
