"""Grade every variant of an assignment with one forking run per notebook (see grader.forkrun).

The runner reports each cell's outputs; scores come from nbgrader's own ``determine_grade``,
so a cell earns what stock ``nbgrader autograde`` would give it for the same outputs. A
variant the runner could not run safely comes back as a fallback with its reason, and the
contract grades it with stock nbgrader instead.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import cells
from grader.layout import tool_environment
from grader.variants import Variant

#: The module run as the runner (a test swaps in a deliberately broken one to prove it is caught).
RUNNER_MODULE = "grader.forkrun"

#: One forked run of the whole notebook (from its exercise on) must end within this.
JOB_TIMEOUT_SECONDS = 300
#: Variants forked at once from one point of the reference run (they mostly wait: timeouts, sleeps).
FORKS_AT_ONCE = int(os.environ.get("ENG101_FORKS_AT_ONCE", "3"))

PerCell = dict[str, tuple[float, float]]  # grade_id -> (score, max), as the gradebook has it


@dataclass
class Outcome:
    """One graded run of one variant."""

    scores: PerCell
    #: Did the test cells of the variant's exercise pass up to their hidden tests? None: cannot tell.
    visible_passed: bool | None
    #: The only variant in its run (the fast path grades each alone; stock may batch them).
    isolated: bool = True


@dataclass
class FastResults:
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)  # variant student_id -> runs
    fallbacks: dict[str, str] = field(default_factory=dict)  # variant student_id -> why stock grades it
    reference: PerCell = field(default_factory=dict)  # the runner's own reference run
    forks: int = 0
    seconds: float = 0.0
    #: The runner's reference run, as graded (demos time one run): seconds and peak memory.
    reference_seconds: float = 0.0
    peak_rss_bytes: int = 0
    #: Runner failures (not a variant's fault): e.g. a cell of the reference that hung.
    errors: list[str] = field(default_factory=list)
    #: variant student_id -> why it ran from an earlier snapshot (re-running the cells in between)
    snapshots: dict[str, str] = field(default_factory=dict)
    #: Cells of the reference run that raised: "NAME.ipynb cell N raised ENAME: EVALUE"
    reference_errors: list[str] = field(default_factory=list)
    #: notebook name -> what its reference run left alive at its end (threads, processes, sockets)
    leftovers: dict[str, list[str]] = field(default_factory=dict)


def executed_cells(submission: dict[str, Any], source: dict[str, Any]) -> list[dict[str, Any]]:
    """The code cells stock autograde executes: test cells restored from the source notebook."""
    tests = {cells.grade_id(cell): cells.source_of(cell) for _, cell in cells.test_cells(source)}
    executed = []
    for index, cell in enumerate(submission["cells"]):
        if cell.get("cell_type") != "code":
            continue
        text = cells.source_of(cell)
        if cells.is_grade_cell(cell) and not cells.is_solution_cell(cell):
            text = tests[cells.grade_id(cell)]
        executed.append({"index": index, "source": text})
    return executed


def _scoped_names(node: ast.AST) -> tuple[set[str], set[str]]:
    """(names bound, names read from outside) by one statement or expression."""
    bound: set[str] = set()
    read: set[str] = set()
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
        local: set[str] = set()
        if not isinstance(node, ast.ClassDef):
            local |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        inner_bound, inner_read = set(), set()
        for child in ast.iter_child_nodes(node):
            child_bound, child_read = _scoped_names(child)
            inner_bound |= child_bound
            inner_read |= child_read
        read = inner_read - local - (inner_bound if not isinstance(node, ast.ClassDef) else set())
        if not isinstance(node, ast.Lambda):
            bound.add(node.name)
        return bound, read
    if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
        targets = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        for child in ast.iter_child_nodes(node):
            child_bound, child_read = _scoped_names(child)
            read |= child_read
        return set(), read - targets
    if isinstance(node, ast.Name):
        return ({node.id}, set()) if not isinstance(node.ctx, ast.Load) else (set(), {node.id})
    if isinstance(node, ast.alias):
        return {(node.asname or node.name).split(".")[0]}, set()
    for child in ast.iter_child_nodes(node):
        child_bound, child_read = _scoped_names(child)
        bound |= child_bound
        read |= child_read
    return bound, read


def _flow(statements: list[ast.stmt], bound: set[str]) -> set[str]:
    """Names ``statements`` read before binding them, in order; ``bound`` grows with what they bind."""
    free: set[str] = set()

    def expression(node: ast.AST | None) -> None:
        if node is not None:
            node_bound, node_read = _scoped_names(node)
            free.update(node_read - bound)
            bound.update(node_bound)

    for statement in statements:
        if isinstance(statement, ast.For | ast.AsyncFor):
            expression(statement.iter)
            expression(statement.target)
            free |= _flow(statement.body, bound) | _flow(statement.orelse, bound)
        elif isinstance(statement, ast.While | ast.If):
            expression(statement.test)
            free |= _flow(statement.body, bound) | _flow(statement.orelse, bound)
        elif isinstance(statement, ast.With | ast.AsyncWith):
            for item in statement.items:
                expression(item.context_expr)
                expression(item.optional_vars)
            free |= _flow(statement.body, bound)
        elif isinstance(statement, ast.Try):
            free |= _flow(statement.body, bound)
            for handler in statement.handlers:
                expression(handler.type)
                if handler.name:
                    bound.add(handler.name)
                free |= _flow(handler.body, bound)
            free |= _flow(statement.orelse, bound) | _flow(statement.finalbody, bound)
        else:
            expression(statement)
    return free


def _names(source: str) -> tuple[set[str], set[str]] | None:
    """(names a cell binds, names it reads before binding them); None if it does not parse (a magic)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    bound: set[str] = set()
    free = _flow(tree.body, bound)
    return bound, free


def last_cell_needed(executed: list[dict[str, Any]], answer_index: int, answers: list[str],
                     must_run: set[int], graded: set[int]) -> int:
    """The last cell a variant's run must reach: its own test cells and every graded cell its names reach.

    A name the answer binds (in the reference or in the variant) taints each later cell that reads
    it, and the names that cell binds in turn. Graded cells after the last tainted one cannot see
    the variant through a name and keep the reference run's outputs. A cell that does not parse (a
    magic) ends the analysis: the run goes to the end. Files, module state or random numbers the
    answer touches are not names: ``grader equivalence`` compares every cell with stock nbgrader.
    """
    tainted: set[str] = set()
    for answer in answers:
        names = _names(answer)
        if names is None:
            return executed[-1]["index"]
        tainted |= names[0]
    last = max(must_run | {answer_index})
    for cell in executed:
        if cell["index"] <= answer_index:
            continue
        names = _names(cell["source"])
        if names is None:  # a magic can read and bind anything: run to the end
            return executed[-1]["index"]
        if names[1] & tainted:
            tainted |= names[0]
            if cell["index"] in graded:
                last = max(last, cell["index"])
    return last


def graded_cell(cell: dict[str, Any], outputs: list[dict[str, Any]], source: str, count: int) -> dict[str, Any]:
    """An autograded notebook cell as nbgrader would see it: metadata, source and these outputs."""
    return {"cell_type": "code", "metadata": cell.get("metadata", {}), "source": source,
            "outputs": outputs, "execution_count": count}


def score_of(cell: dict[str, Any]) -> tuple[float, float]:
    import nbformat
    from nbgrader.utils import determine_grade

    score, maximum = determine_grade(nbformat.from_dict(cell))
    return float(score or 0.0), float(maximum)


def run_fast_path(
    notebooks: dict[str, dict[str, Any]],
    sources: dict[str, dict[str, Any]],
    exercise_notebook: dict[str, str],
    variants: list[Variant],
    release_dir: Path,
    scratch: Path,
    repeat: int = 1,
) -> FastResults:
    """Grade ``variants`` (each alone, ``repeat`` times) against the reference ``notebooks``.

    ``notebooks`` are the submissions of the reference (release + reference answers), by name;
    ``exercise_notebook`` maps an exercise id to the notebook that holds it.
    """
    from grader.contract import visible_part_passed

    results = FastResults()
    started = time.perf_counter()
    for name, submission in notebooks.items():
        mine = [v for v in variants if exercise_notebook[v.exercise] == name]
        executed = executed_cells(submission, sources[name])
        source_of_index = {cell["index"]: cell["source"] for cell in executed}
        answer_index = {cells.grade_id(cell): index for index, cell in cells.solution_cells(submission)}
        graded = {index for index, cell in enumerate(submission["cells"]) if cells.is_grade_cell(cell)}
        tests_of = {exercise: {index for index, cell in enumerate(submission["cells"])
                               if cells.is_grade_cell(cell) and cells.exercise_of_test(cells.grade_id(cell) or "")
                               == exercise} for exercise in answer_index}
        jobs = []
        for v in mine:
            index = answer_index[v.exercise]
            reference = cells.source_of(submission["cells"][index])
            if v.kind == "cheat":  # judged on its own test cells only: later cells cannot change them
                stop = max(tests_of[v.exercise] | {index})
            else:
                stop = last_cell_needed(executed, index, [v.source, reference], tests_of[v.exercise], graded)
            jobs.append({"id": v.student_id, "replace": {str(index): v.source}, "stop": stop})
        report = _run_runner(name, executed, jobs, release_dir, scratch / name, repeat)
        results.forks += report.get("forks", 0)
        results.reference_seconds += report.get("reference_seconds", 0.0)
        results.peak_rss_bytes = max(results.peak_rss_bytes, report.get("peak_rss_bytes", 0))
        if "error" in report:
            results.errors.append(report["error"])
        if report.get("leftovers"):
            results.leftovers[name] = report["leftovers"]
        reference_cells = report.get("reference", {})
        for index, outcome in sorted(reference_cells.items(), key=lambda item: int(item[0])):
            for output in outcome.get("outputs", []):
                if output.get("output_type") == "error":
                    results.reference_errors.append(
                        f"{name}.ipynb cell {index} raised {output.get('ename')}: {output.get('evalue')}")
        results.reference |= _scores(submission, reference_cells, source_of_index)
        for variant in mine:
            runs = report.get("jobs", {}).get(variant.student_id) or [
                {"fallback": report.get("error", "the fast path gave no result")}
            ]
            if "snapshot" in runs[0]:
                snapshot = runs[0]["snapshot"]
                results.snapshots[variant.student_id] = (
                    f"ran from cell {snapshot['at']}, as the exercise's point was unsafe to fork: {snapshot['why']}"
                )
            failed = next((run["fallback"] for run in runs if "fallback" in run), None)
            if failed:
                results.fallbacks[variant.student_id] = failed
                continue
            test_ids = [tid for _, c in cells.test_cells(submission)
                        if cells.exercise_of_test(tid := cells.grade_id(c) or "") == variant.exercise]
            outcomes = []
            for run in runs:
                merged = reference_cells | run["cells"]
                graded = _graded_cells(submission, merged, source_of_index)
                verdicts = [visible_part_passed(graded[t]) for t in test_ids]
                visible = True if all(v is True for v in verdicts) else (None if None in verdicts else False)
                outcomes.append(Outcome({gid: score_of(cell) for gid, cell in graded.items()}, visible))
            results.outcomes[variant.student_id] = outcomes
    results.seconds = time.perf_counter() - started
    return results


def _graded_cells(
    submission: dict[str, Any], outcomes: dict[str, Any], source_of_index: dict[int, str]
) -> dict[str, dict[str, Any]]:
    graded = {}
    for index, cell in enumerate(submission["cells"]):
        if cell.get("cell_type") == "code" and cells.is_grade_cell(cell):
            outcome = outcomes.get(str(index), {"outputs": [], "execution_count": None})
            graded[cells.grade_id(cell) or ""] = graded_cell(
                cell, outcome["outputs"], source_of_index[index], outcome["execution_count"]
            )
    return graded


def _scores(submission: dict[str, Any], outcomes: dict[str, Any], source_of_index: dict[int, str]) -> PerCell:
    return {gid: score_of(cell) for gid, cell in _graded_cells(submission, outcomes, source_of_index).items()}


def _run_runner(
    name: str, executed: list[dict[str, Any]], jobs: list[dict[str, Any]], release_dir: Path,
    scratch: Path, repeat: int,
) -> dict[str, Any]:
    base, state = scratch / "base", scratch / "state"
    work = base / "work"
    shutil.copytree(release_dir, work)
    state.mkdir(parents=True)
    plan = {
        "cells": executed, "jobs": jobs, "base": str(base), "cwd": str(work), "state": str(state),
        "repeat": repeat, "parallel": FORKS_AT_ONCE, "job_timeout": JOB_TIMEOUT_SECONDS,
        "env": {"NBGRADER_EXECUTION": "autograde"},
    }
    plan_path, result_path = state / "plan.json", state / "result.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    budget = 600 + JOB_TIMEOUT_SECONDS * max(1, len(jobs)) * repeat
    try:
        completed = subprocess.run(
            [sys.executable, "-m", RUNNER_MODULE, str(plan_path), str(result_path)],
            cwd=work, env=tool_environment(), capture_output=True, text=True, timeout=budget, check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"the fast-path runner for {name} ran over {budget} s"}
    if completed.returncode != 0 or not result_path.exists():
        return {"error": f"the fast-path runner for {name} failed (exit {completed.returncode}): "
                         + completed.stderr[-1500:]}
    return json.loads(result_path.read_text(encoding="utf-8"))
