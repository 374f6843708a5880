"""Batching variants into trials: an exercise never shares a submission with one it depends on."""

from __future__ import annotations

from pathlib import Path

from grader.trials import ROUND_PREFIX, coupled_exercises, exercise_dependencies, plan_trials
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


def test_dependencies_name_the_exercises_used() -> None:
    tests = {"plan": "assert all(ip_to_int(x) for x in plan('x'))"}
    assert exercise_dependencies(ANSWERS, tests, []) == {"ip_to_int": set(), "mask": set(), "plan": {"ip_to_int"}}
    unparsable = exercise_dependencies(ANSWERS, {"mask": "%timeit x"}, [])
    assert unparsable["mask"] == {"ip_to_int", "plan"}


def test_rounds_mix_kinds_and_never_pair_an_exercise_with_one_it_uses() -> None:
    variants = [
        _variant("a", "mutant", "1"), _variant("a", "mutant", "2"), _variant("a", "mutant", "3"),
        _variant("b", "mutant", "1"),
        _variant("c", "mutant", "1"), _variant("c", "mutant", "2"),
        _variant("a", "alt", "1"), _variant("b", "alt", "1"), _variant("c", "alt", "1"),
    ]
    trials = plan_trials(variants, {"a": set(), "b": set(), "c": {"a"}})
    everything = [v for t in trials for v in t.variants]
    assert sorted(map(id, everything)) == sorted(map(id, variants)), "every variant graded exactly once"
    for trial in trials:
        exercises = [v.exercise for v in trial.variants]
        assert len(set(exercises)) == len(exercises), "one variant per exercise in a trial"
        assert not {"a", "c"} <= set(exercises), "c uses a: never in one trial"
        assert trial.isolated == (len(trial.variants) == 1)
        assert trial.student_id.startswith(ROUND_PREFIX) != trial.isolated
    assert len(trials) == 7  # a (4 variants) and c (3) never share a trial; b rides along
    assert any({v.kind for v in t.variants} == {"mutant", "alt"} for t in trials)
    assert len({t.student_id for t in trials}) == len(trials)


def test_an_exercise_that_uses_every_other_is_always_alone() -> None:
    variants = [_variant("a", "mutant", "1"), _variant("b", "mutant", "1"), _variant("b", "alt", "1")]
    trials = plan_trials(variants, {"a": {"b"}, "b": set()})
    assert [len(t.variants) for t in trials] == [1, 1, 1]
