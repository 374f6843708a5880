"""Grouping variants into as few graded submissions ("trials") as is sound.

Grading one submission per variant runs the whole notebook once per variant,
which does not scale to heavy notebooks. When exercises are independent — the
test cells and answers of one never name what another exercise defines — the
verdict of ``test_x`` depends only on the answer to ``x``. Then one submission
can carry a variant for every independent exercise at once. An exercise that
names another exercise's functions *depends* on it, and the two never share a
round (the dependent one's tests would see the other's variant). A batched trial that
crashes (dead kernel, timeout, an error outside the exercises) is re-graded
variant by variant, so a crash can never pass for a kill.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from grader.variants import Variant


@dataclass(frozen=True)
class Trial:
    """One graded submission: the reference answer everywhere except these variants."""

    student_id: str
    variants: tuple[Variant, ...]

    @property
    def isolated(self) -> bool:
        return len(self.variants) == 1


def top_level_names(source: str) -> set[str]:
    """Names ``source`` defines at top level: functions, classes, assigned names."""
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


def exercise_dependencies(
    answers: dict[str, str], tests: dict[str, str], variants: Iterable[Variant]
) -> dict[str, set[str]]:
    """For each exercise, the other exercises whose names its answer, tests or variants use.

    ``answers`` maps exercise id to its reference answer, ``tests`` to the full
    source of its test cells. Source that does not parse depends on every other exercise.
    """
    defined: dict[str, set[str]] = {}
    unparsable: set[str] = set()
    for exercise, answer in answers.items():
        try:
            defined[exercise] = top_level_names(answer)
        except SyntaxError:
            defined[exercise] = set()
            unparsable.add(exercise)
    extra: dict[str, list[str]] = {exercise: [] for exercise in answers}
    for variant in variants:
        extra.setdefault(variant.exercise, []).append(variant.source)
    dependencies: dict[str, set[str]] = {}
    for exercise in answers:
        others = {other for other in answers if other != exercise}
        try:
            used = set().union(*(_used_names(s) for s in [answers[exercise], tests.get(exercise, ""),
                                                           *extra[exercise]]))
        except SyntaxError:
            unparsable.add(exercise)
        if exercise in unparsable:
            dependencies[exercise] = others
            continue
        dependencies[exercise] = {other for other in others if used & (defined[other] - defined[exercise])}
    return dependencies


def coupled_exercises(
    answers: dict[str, str], tests: dict[str, str], variants: Iterable[Variant]
) -> set[str]:
    """Exercises that use a name another exercise's answer defines (or do not parse)."""
    return {exercise for exercise, uses in exercise_dependencies(answers, tests, variants).items() if uses}


def plan_trials(variants: list[Variant], dependencies: dict[str, set[str]]) -> list[Trial]:
    """Rounds of variants, at most one per exercise, never two exercises where one uses the other.

    Mutants and alts mix: the verdict on a variant reads only its own exercise's test cells,
    which depend only on its answer and on the answers of exercises it uses, and those are the
    reference in its round. Exercises with the most variants left are placed first, so the
    number of rounds is close to the largest number of variants of one exercise.
    """
    queues: dict[str, list[Variant]] = {}
    for variant in variants:
        queues.setdefault(variant.exercise, []).append(variant)

    def conflict(a: str, b: str) -> bool:
        return b in dependencies.get(a, set()) or a in dependencies.get(b, set())

    trials: list[Trial] = []
    while any(queues.values()):
        chosen: list[str] = []
        for exercise in sorted(queues, key=lambda e: -len(queues[e])):
            if queues[exercise] and not any(conflict(exercise, other) for other in chosen):
                chosen.append(exercise)
        picked = tuple(queues[exercise].pop(0) for exercise in chosen)
        if len(picked) == 1:
            trials.append(isolated_trial(picked[0]))
        else:
            trials.append(Trial(f"{ROUND_PREFIX}{len(trials) + 1}", picked))
    return trials


#: Student ids of batched trials start with this; ids of variants graded alone never do.
ROUND_PREFIX = "variants--round-"


def isolated_trial(variant: Variant) -> Trial:
    return Trial(variant.student_id, (variant,))
