"""Generic cheats: answers aimed at the tests, generated for every exercise from its reference answer.

A test that only says ``assert f(x) == expected`` is passed by an answer returning an object equal
to everything; a test that only checks ``isinstance(result, list)`` is passed by such an object that
subclasses ``list``; a test that only checks the error path is passed by an answer that always
raises. ``grader check`` grades these answers like mutants (the fast path, the same ``--repeat``)
with a stricter bar: a cheat must earn **zero** points on every test cell of its exercise.

Kinds (``KINDS``), each generated from the reference answer's AST so that names and signatures stay
as the tests expect them:

- ``always_equal``: every top-level function, and every method of a top-level class, keeps its
  signature and returns an instance of ``_AlwaysEqual`` (``==`` anything, ``!=`` nothing, truthy,
  empty, every comparison true, attributes, items and calls give itself, ``int()`` 0, ...);
  top-level assignments (``ANSWER = ...``) get such an instance;
- ``always_equal_typed``: the same, but where the return annotation (or a top-level assignment's
  annotation) is a builtin container or scalar (``list``, ``dict``, ``tuple``, ``set``,
  ``frozenset``, ``str``, ``bytes``, ``int``, ``float``, ``bool`` -> ``int``, ``list[str]``,
  ``typing.List``, ``X | None``...), the instance also subclasses that type, so ``isinstance``
  checks are fooled; generated only when some annotation names such a type;
- ``raises``: every function and method raises ``ValueError("cheat")`` (tests that only check
  the error path, or catch exceptions broadly); generated only when the answer defines one.

``python -m grader.cheats show ASSIGNMENT_DIR EXERCISE_ID [KIND]`` prints the generated sources.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Sequence
from pathlib import Path

from grader.variants import WHY_PREFIX, Variant, reference_answers

KINDS: tuple[str, ...] = ("always_equal", "always_equal_typed", "raises")

WHY = {
    "always_equal": "returns an object equal to everything (truthy, empty, every comparison true)",
    "always_equal_typed": "returns an always-equal object that subclasses the annotated return type",
    "raises": "every function raises ValueError('cheat')",
}

CHEAT_CLASS = "_AlwaysEqual"

#: The always-equal object: a class defined in the cheat's own source (nothing the tests could know).
ALWAYS_EQUAL_SOURCE = f'''
class {CHEAT_CLASS}:
    """Equal to everything, truthy, empty: a generic cheat."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__

    def __hash__(self):
        return 0

    def __bool__(self):
        return True

    def __len__(self):
        return 0

    def __iter__(self):
        return iter(())

    def __reversed__(self):
        return iter(())

    def __contains__(self, item):
        return True

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self

    def __setitem__(self, key, value):
        pass

    def __delitem__(self, key):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def __int__(self):
        return 0

    __index__ = __int__

    def __float__(self):
        return 0.0

    def __str__(self):
        return ""

    def __repr__(self):
        return "0"

    def __format__(self, spec):
        return ""

    def _same(self, *args):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _same
    __pow__ = __rpow__ = __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = _same
    __neg__ = __pos__ = __abs__ = __round__ = __invert__ = _same
'''

#: Annotation names -> the builtin the typed cheat subclasses (bool cannot be subclassed: int).
TYPED = {
    "list": "list", "dict": "dict", "tuple": "tuple", "set": "set", "frozenset": "frozenset",
    "str": "str", "bytes": "bytes", "int": "int", "float": "float", "bool": "int",
    "List": "list", "Dict": "dict", "Tuple": "tuple", "Set": "set", "FrozenSet": "frozenset",
}

#: Dunder methods of an answer's class that return the cheat object; other dunders are dropped.
RETURNS_CHEAT = {"__eq__", "__lt__", "__le__", "__gt__", "__ge__", "__getitem__", "__call__",
                 "__contains__", "__getattr__"}


def builtin_of(annotation: ast.expr | None) -> str | None:
    """The builtin a typed cheat subclasses for this annotation, or None (see ``TYPED``)."""
    if annotation is None:
        return None
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            return builtin_of(ast.parse(annotation.value, mode="eval").body)
        except SyntaxError:
            return None
    if isinstance(annotation, ast.Name):
        return TYPED.get(annotation.id)
    if isinstance(annotation, ast.Attribute):
        return TYPED.get(annotation.attr)
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return builtin_of(annotation.left) or builtin_of(annotation.right)
    if isinstance(annotation, ast.Subscript):
        head = annotation.value
        name = head.id if isinstance(head, ast.Name) else head.attr if isinstance(head, ast.Attribute) else ""
        if name in ("Optional", "Union"):
            inner = annotation.slice
            options = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return next((found for option in options if (found := builtin_of(option))), None)
        return builtin_of(head)
    return None


def _class_name(builtin: str | None) -> str:
    return CHEAT_CLASS if builtin is None else f"{CHEAT_CLASS}_{builtin}"


def _cheat_call(builtin: str | None) -> ast.expr:
    return ast.Call(func=ast.Name(_class_name(builtin), ast.Load()), args=[], keywords=[])


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


class _Generator:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.typed: set[str] = set()  # builtins the typed cheat classes subclass
        self.functions = 0

    def _value(self, annotation: ast.expr | None) -> ast.expr:
        if self.kind == "raises":
            return ast.Constant(None)
        builtin = builtin_of(annotation) if self.kind == "always_equal_typed" else None
        if builtin:
            self.typed.add(builtin)
        return _cheat_call(builtin)

    def _body(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
        self.functions += 1
        if self.kind == "raises":
            error = ast.Call(func=ast.Name("ValueError", ast.Load()), args=[ast.Constant("cheat")], keywords=[])
            return [ast.Raise(exc=error, cause=None)]
        return [ast.Return(self._value(function.returns))]

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt:
        new = type(node)(name=node.name, args=node.args, body=self._body(node), decorator_list=node.decorator_list,
                         returns=node.returns, type_comment=None, **_type_params(node))
        return ast.copy_location(new, node)

    def method(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt | None:
        if node.name == "__init__":
            new = type(node)(name=node.name, args=node.args, body=[ast.Pass()], decorator_list=node.decorator_list,
                             returns=node.returns, type_comment=None, **_type_params(node))
            return ast.copy_location(new, node)
        if _is_dunder(node.name) and (self.kind == "raises" or node.name not in RETURNS_CHEAT):
            return None
        return self.function(node)

    def assignment(self, node: ast.stmt) -> list[ast.stmt]:
        if isinstance(node, ast.AnnAssign):
            if not isinstance(node.target, ast.Name):
                return []
            if node.value is None:
                return [node]
            return [ast.AnnAssign(target=node.target, annotation=node.annotation,
                                  value=self._value(node.annotation), simple=node.simple)]
        if isinstance(node, ast.Assign):
            names = [n for target in node.targets for n in ast.walk(target)
                     if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
            if not names:
                return []
            return [ast.Assign(targets=[ast.Name(n.id, ast.Store()) for n in names], value=self._value(None))]
        return []

    def class_def(self, node: ast.ClassDef) -> ast.stmt:
        body: list[ast.stmt] = []
        for statement in node.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                method = self.method(statement)
                if method is not None:
                    body.append(method)
            elif isinstance(statement, ast.ClassDef):
                body.append(self.class_def(statement))
            else:
                body.extend(self.assignment(statement))
        new = ast.ClassDef(name=node.name, bases=node.bases, keywords=node.keywords, body=body or [ast.Pass()],
                           decorator_list=node.decorator_list, **_type_params(node))
        return ast.copy_location(new, node)

    def module(self, tree: ast.Module) -> list[ast.stmt]:
        body: list[ast.stmt] = []
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                body.append(node)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                body.append(self.function(node))
            elif isinstance(node, ast.ClassDef):
                body.append(self.class_def(node))
            else:
                body.extend(self.assignment(node))
        return body


def _type_params(node: ast.AST) -> dict[str, object]:
    """``type_params`` (Python 3.12+) carried over when the node has them."""
    return {"type_params": node.type_params} if hasattr(node, "type_params") else {}


def _typed_classes(builtins: set[str]) -> str:
    return "".join(
        f"\n\nclass {_class_name(builtin)}({CHEAT_CLASS}, {builtin}):\n"
        f'    """An always-equal {builtin}: isinstance(x, {builtin}) holds, type(x) is {builtin} does not."""\n'
        for builtin in sorted(builtins)
    )


def cheat_source(reference: str, kind: str) -> str | None:
    """The source of one cheat answer for an exercise, or None when it does not apply.

    ``reference`` is the reference answer (the solution cell without markers). None when it
    does not parse, when ``raises`` finds no function, or ``always_equal_typed`` no annotation
    naming a builtin type.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown cheat kind {kind!r}; kinds: {', '.join(KINDS)}")
    try:
        tree = ast.parse(reference)
    except SyntaxError:
        return None
    generator = _Generator(kind)
    body = generator.module(tree)
    if kind == "raises" and not generator.functions:
        return None
    if kind == "always_equal_typed" and not generator.typed:
        return None
    if not body:
        return None
    module = ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))
    header = f"{WHY_PREFIX} generic cheat: {WHY[kind]}\n"
    support = "" if kind == "raises" else ALWAYS_EQUAL_SOURCE.strip() + _typed_classes(generator.typed) + "\n\n\n"
    return header + support + ast.unparse(module) + "\n"


def cheats_for(exercise: str, reference: str) -> list[Variant]:
    """Every cheat that applies to one exercise, as variants of kind ``cheat``."""
    found = []
    for kind in KINDS:
        source = cheat_source(reference, kind)
        if source is not None:
            found.append(Variant(exercise, "cheat", kind, Path(f"<generated cheat {exercise}/{kind}>"), source))
    return found


def generate_cheats(answers: dict[str, str]) -> list[Variant]:
    """The cheats of every exercise: ``answers`` maps exercise id to its reference answer."""
    return [cheat for exercise, reference in sorted(answers.items()) for cheat in cheats_for(exercise, reference)]


def discover_cheats(assignment_dir: Path) -> list[Variant]:
    """The cheats of every exercise of the assignment in ``assignment_dir`` (solutions/NN_topic)."""
    return generate_cheats(reference_answers(assignment_dir))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.cheats",
                                     description="Print the generic cheats grader check grades for an exercise.")
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="print the cheat sources of one exercise")
    show.add_argument("assignment_dir", type=Path, metavar="ASSIGNMENT_DIR", help="e.g. solutions/01_subnets")
    show.add_argument("exercise", metavar="EXERCISE_ID")
    show.add_argument("kind", nargs="?", choices=KINDS, help="one kind only (default: every kind that applies)")
    args = parser.parse_args(argv)
    answers = reference_answers(args.assignment_dir)
    if args.exercise not in answers:
        print(f"error: no exercise {args.exercise!r} in {args.assignment_dir}; exercises: "
              f"{', '.join(sorted(answers)) or 'none'}", file=sys.stderr)
        return 2
    for cheat in cheats_for(args.exercise, answers[args.exercise]):
        if args.kind in (None, cheat.name):
            print(f"### {cheat.label}\n{cheat.source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
