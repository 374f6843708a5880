"""Grouping variants into as few graded submissions ("trials") as is sound.

Grading one submission per variant runs the whole notebook once per variant,
which does not scale to heavy notebooks. When exercises are independent — the
test cells and answers of one never name what another exercise defines — the
verdict of ``test_x`` depends only on the answer to ``x``. Then one submission
can carry a variant for every independent exercise at once: round k holds the
k-th mutant (or alt) of each. Exercises that name another exercise's functions
are *coupled* and each of their variants is graded alone. A batched trial that
crashes (dead kernel, timeout, an error outside the exercises) is re-graded
variant by variant, so a crash can never pass for a kill.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from grader.variants import Variant, VariantKind


@dataclass(frozen=True)
class Trial:
    """One graded submission: the reference answer everywhere except these variants."""

    student_id: str
    variants: tuple[Variant, ...]

    @property
    def isolated(self) -> bool:
        return len(self.variants) == 1


def _top_level_names(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def _used_names(source: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}


def coupled_exercises(
    answers: dict[str, str], tests: dict[str, str], variants: Iterable[Variant]
) -> set[str]:
    """Exercises whose answer, tests or variants use a name another exercise's answer defines.

    ``answers`` maps exercise id to its reference answer, ``tests`` to the full
    source of its test cells. Source that does not parse counts as coupled.
    """
    defined: dict[str, set[str]] = {}
    coupled: set[str] = set()
    for exercise, answer in answers.items():
        try:
            defined[exercise] = _top_level_names(answer)
        except SyntaxError:
            defined[exercise] = set()
            coupled.add(exercise)
    extra: dict[str, list[str]] = {exercise: [] for exercise in answers}
    for variant in variants:
        extra.setdefault(variant.exercise, []).append(variant.source)
    for exercise in answers:
        others = set().union(*(names for other, names in defined.items() if other != exercise))
        others -= defined[exercise]
        try:
            used = set().union(*(_used_names(s) for s in [answers[exercise], tests.get(exercise, ""),
                                                           *extra[exercise]]))
        except SyntaxError:
            coupled.add(exercise)
            continue
        if used & others:
            coupled.add(exercise)
    return coupled


def plan_trials(variants: list[Variant], kind: VariantKind, coupled: set[str]) -> list[Trial]:
    """Rounds of independent variants of one kind, then each coupled variant alone."""
    per_exercise: dict[str, list[Variant]] = {}
    alone: list[Trial] = []
    for variant in variants:
        if variant.kind != kind:
            continue
        if variant.exercise in coupled:
            alone.append(isolated_trial(variant))
        else:
            per_exercise.setdefault(variant.exercise, []).append(variant)
    rounds = max((len(group) for group in per_exercise.values()), default=0)
    batched = []
    for number in range(rounds):
        chosen = tuple(group[number] for group in per_exercise.values() if len(group) > number)
        if len(chosen) == 1:
            batched.append(isolated_trial(chosen[0]))
        else:
            batched.append(Trial(f"{kind}--round-{number + 1}", chosen))
    return batched + alone


def isolated_trial(variant: Variant) -> Trial:
    return Trial(variant.student_id, (variant,))
