"""Batching variants into trials: only independent exercises share a submission."""

from __future__ import annotations

from pathlib import Path

from grader.trials import coupled_exercises, plan_trials
from grader.variants import Variant


def _variant(exercise: str, kind: str, name: str, source: str = "def f():\n    pass\n") -> Variant:
    return Variant(exercise, kind, name, Path(f"{exercise}/{kind}_{name}.py"), "# why: x\n" + source)  # type: ignore[arg-type]


ANSWERS = {
    "ip_to_int": "def ip_to_int(s):\n    return 1\n\ndef int_to_ip(n):\n    return ''\n",
    "mask": "def prefix_to_mask(p):\n    return 0\n",
    "plan": "def plan(block):\n    return {}\n",
}


def test_independent_exercises_are_not_coupled() -> None:
    tests = {"ip_to_int": "assert ip_to_int('1') == 1", "mask": "assert prefix_to_mask(0) == 0",
             "plan": "assert plan('x') == {}"}
    assert coupled_exercises(ANSWERS, tests, []) == set()


def test_tests_naming_another_exercise_couple_it() -> None:
    tests = {"ip_to_int": "assert int_to_ip(ip_to_int('1'))", "mask": "assert prefix_to_mask(0) == 0",
             "plan": "assert all(ip_to_int(x) for x in plan('x'))"}
    assert coupled_exercises(ANSWERS, tests, []) == {"plan"}


def test_a_variant_using_another_exercise_couples_it() -> None:
    variant = _variant("mask", "alt", "via_ip", "def prefix_to_mask(p):\n    return ip_to_int('255.0.0.0')\n")
    assert coupled_exercises(ANSWERS, {}, [variant]) == {"mask"}


def test_unparsable_source_is_coupled() -> None:
    assert coupled_exercises(ANSWERS, {"plan": "%timeit plan('x')"}, []) == {"plan"}


def test_rounds_take_the_kth_variant_of_each_independent_exercise() -> None:
    variants = [
        _variant("a", "mutant", "1"), _variant("a", "mutant", "2"), _variant("a", "mutant", "3"),
        _variant("b", "mutant", "1"),
        _variant("c", "mutant", "1"), _variant("c", "mutant", "2"),
        _variant("a", "alt", "1"),
    ]
    trials = plan_trials(variants, "mutant", coupled={"c"})
    assert [[v.name for v in t.variants] for t in trials] == [["1", "1"], ["2"], ["3"], ["1"], ["2"]]
    assert [t.isolated for t in trials] == [False, True, True, True, True]
    assert [v.exercise for v in trials[0].variants] == ["a", "b"]
    assert all(v.kind == "mutant" for t in trials for v in t.variants)
    assert len({t.student_id for t in trials}) == len(trials)
