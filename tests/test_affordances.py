"""Student affordances of every notebook: an introduction, a setup cell, helpful test messages, stubs.

A student opens a notebook cold. The first cell must say what they will learn, what they need and
how long it takes; the first code cell must be announced as the one to run first; every visible
``assert`` must say what was expected, what came back and what to try (a bare ``AssertionError``
teaches nothing); and the student version must show the stub to replace. These checks read the
notebooks' JSON only (no kernel), and run over every assignment in ``solutions/``, so a new notebook
is held to them without touching this file.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager
from traitlets.config import Config

from grader import cells
from grader.layout import CourseLayout

from .conftest import REPO_ROOT

ASSIGNMENTS = CourseLayout(REPO_ROOT).assignments()

#: What the first markdown cell must mention, as (what is missing, pattern), case-insensitive.
INTRODUCTION = (
    ("what the student will learn ('What you will learn' or 'You will be able to')",
     r"what you will learn|you will (learn|be able to)"),
    ("what the student needs ('What you need': prior notebooks or ideas)", r"what you need"),
    ("a time estimate (e.g. '**Time:** about 60 minutes')", r"\*\*time:?\*\*|\b\d+\s*(minutes|min|hours?)\b"),
    ("how the notebook works ('How this notebook works': run top to bottom, replace the stub, Validate)",
     r"how this notebook works"),
)
RUN_THIS_FIRST = re.compile(r"run this first", re.IGNORECASE)


@dataclass(frozen=True)
class Place:
    """Where in a notebook a problem is, said so that the author can go straight there."""

    notebook: Path
    index: int
    cell: cells.Cell

    def __str__(self) -> str:
        label = f"{self.notebook.relative_to(REPO_ROOT)} cell {self.index} (id {self.cell.get('id', '?')}"
        grade_id = cells.grade_id(self.cell)
        return f"{label}, grade_id {grade_id})" if grade_id else f"{label})"


def notebook_paths(root: Path, assignment: str) -> list[Path]:
    return sorted((root / assignment).glob("*.ipynb"))


def introduction_problems(notebook: cells.Notebook) -> list[str]:
    """What the first cell lacks: a level-1 title, then each item of INTRODUCTION."""
    if not notebook["cells"] or notebook["cells"][0].get("cell_type") != "markdown":
        return ["the first cell must be markdown: the title and the introduction"]
    text = cells.source_of(notebook["cells"][0])
    problems = []
    if not text.lstrip().startswith("# "):
        problems.append("the first line must be a level-1 title ('# NN · Topic')")
    problems += [f"it does not mention {what}" for what, pattern in INTRODUCTION
                 if not re.search(pattern, text, re.IGNORECASE)]
    return problems


def setup_problem(notebook: cells.Notebook) -> str | None:
    """Why the first code cell is not announced by a 'run this first' markdown cell (None if it is)."""
    first_code = next((i for i, cell in enumerate(notebook["cells"]) if cell.get("cell_type") == "code"), None)
    if first_code is None:
        return None
    before = notebook["cells"][first_code - 1] if first_code else None
    if before is None or before.get("cell_type") != "markdown":
        return (f"cell {first_code} (the first code cell) must come right after a markdown cell "
                "'## Setup — run this first'")
    if not RUN_THIS_FIRST.search(cells.source_of(before)):
        return (f"cell {first_code - 1}, right before the first code cell, must say 'run this first' "
                "(a heading '## Setup — run this first')")
    return None


def visible_part(test_source: str) -> str:
    """The source a student sees and runs: everything before the hidden-test marker."""
    return test_source.split(cells.BEGIN_HIDDEN, 1)[0]


def parse_cell(source: str) -> ast.Module:
    """The cell as Python, with IPython syntax (magics, top-level await) allowed as the kernel allows it."""
    python = TransformerManager().transform_cell(source)
    return compile(python, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def asserts_without_message(source: str) -> list[tuple[int, str]]:
    """(line, code) of every ``assert`` in ``source`` that has no message."""
    lines = source.splitlines()
    bare = [node.lineno for node in ast.walk(parse_cell(source)) if isinstance(node, ast.Assert) and node.msg is None]
    return [(line, lines[line - 1].strip() if line <= len(lines) else "") for line in sorted(bare)]


def count_asserts(source: str) -> int:
    return sum(isinstance(node, ast.Assert) for node in ast.walk(parse_cell(source)))


def configured_code_stub(root: Path = REPO_ROOT) -> str:
    """The Python stub nbgrader puts where a solution was, as the course's nbgrader_config.py sets it."""
    from nbgrader.preprocessors import ClearSolutions

    config_file = root / "nbgrader_config.py"
    config = Config()
    namespace = {"get_config": lambda: config, "__file__": str(config_file), "__name__": "nbgrader_config"}
    exec(compile(config_file.read_text(encoding="utf-8"), str(config_file), "exec"), namespace)  # noqa: S102
    return ClearSolutions(config=config).code_stub["python"]


# --- the checks, one per affordance, over every assignment -------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_first_cell_introduces_the_notebook(assignment: str) -> None:
    failures = []
    for path in notebook_paths(REPO_ROOT / "solutions", assignment):
        failures += [f"{path.relative_to(REPO_ROOT)} cell 0: {problem}"
                     for problem in introduction_problems(cells.load_notebook(path))]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_setup_cell_is_announced_as_run_this_first(assignment: str) -> None:
    failures = []
    for path in notebook_paths(REPO_ROOT / "solutions", assignment):
        problem = setup_problem(cells.load_notebook(path))
        if problem:
            failures.append(f"{path.relative_to(REPO_ROOT)}: {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_visible_assert_has_a_message(assignment: str) -> None:
    failures = []
    for path in notebook_paths(REPO_ROOT / "solutions", assignment):
        notebook = cells.load_notebook(path)
        for index, cell in cells.test_cells(notebook):
            place = Place(path, index, cell)
            try:
                bare = asserts_without_message(visible_part(cells.source_of(cell)))
            except SyntaxError as error:
                failures.append(f"{place} line {error.lineno}: the visible tests do not parse: {error.msg}")
                continue
            failures += [f"{place} line {line}: `{code}` needs a message saying what was expected, what came "
                         "back and what to check next" for line, code in bare]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_test_cell_has_visible_asserts(assignment: str) -> None:
    failures = []
    for path in notebook_paths(REPO_ROOT / "solutions", assignment):
        notebook = cells.load_notebook(path)
        for index, cell in cells.test_cells(notebook):
            if count_asserts(visible_part(cells.source_of(cell))) == 0:
                failures.append(f"{Place(path, index, cell)}: no visible assert before {cells.BEGIN_HIDDEN!r}; "
                                "give the student at least one self-check")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_course_exercise_cells_hold_the_stub(assignment: str) -> None:
    stub = configured_code_stub()
    failures = []
    paths = notebook_paths(REPO_ROOT / "course", assignment)
    assert paths, f"course/{assignment} has no notebook: run `python -m grader build {assignment}`"
    for path in paths:
        notebook = cells.load_notebook(path)
        for index, cell in cells.solution_cells(notebook):
            source = cells.source_of(cell)
            if stub not in source or cells.BEGIN_SOLUTION in source:
                failures.append(f"{Place(path, index, cell)}: the student's exercise cell must show the stub "
                                f"{stub!r} in place of the solution; run `python -m grader build {assignment}`")
    assert not failures, "\n".join(failures)


# --- the checks can fail: each one on a notebook built to break it ----------------------------------------------


def markdown(text: str) -> cells.Cell:
    return {"cell_type": "markdown", "id": "m", "metadata": {}, "source": text}


def code(text: str, **nbgrader: object) -> cells.Cell:
    metadata = {"nbgrader": {"schema_version": 3, **nbgrader}} if nbgrader else {}
    return {"cell_type": "code", "id": "c", "metadata": metadata, "source": text, "outputs": [],
            "execution_count": None}


GOOD_INTRO = ("# 99 · Topic\n\n**You will be able to**\n- a thing\n\n**What you need**\n- 00_welcome\n"
              "- **Time:** about 30 minutes.\n\n**How this notebook works:** run top to bottom.")


def test_introduction_problems_name_what_is_missing() -> None:
    assert introduction_problems({"cells": [markdown(GOOD_INTRO)]}) == []
    problems = introduction_problems({"cells": [markdown("## Topic\n\nSome prose.")]})
    assert len(problems) == 1 + len(INTRODUCTION), problems
    assert "level-1 title" in problems[0]
    assert introduction_problems({"cells": [code("import os")]}) == [
        "the first cell must be markdown: the title and the introduction"]


def test_setup_problem_requires_run_this_first_right_before_the_first_code_cell() -> None:
    announced = [markdown(GOOD_INTRO), markdown("## Setup — Run this first"), code("x = 1")]
    assert setup_problem({"cells": announced}) is None
    assert "cell 1, right before" in setup_problem({"cells": [markdown(GOOD_INTRO), markdown("## Setup"), code("x")]})
    assert "cell 0, right before" in setup_problem({"cells": [markdown(GOOD_INTRO), code("x")]})
    assert "right after a markdown cell" in setup_problem({"cells": [code("x"), markdown("## Setup — run this first")]})
    separated = [markdown(GOOD_INTRO), markdown("## Setup — run this first"), markdown("prose"), code("x")]
    assert setup_problem({"cells": separated}) is not None


def test_asserts_without_message_sees_only_bare_asserts_and_reads_ipython_syntax() -> None:
    source = ('x = await f()\n%time y = 2\nassert x == 1, f"expected 1, got {x}"\n'
              "def helper():\n    assert y\nassert (x, y)\n")
    assert asserts_without_message(source) == [(5, "assert y"), (6, "assert (x, y)")]
    assert count_asserts(source) == 3
    with pytest.raises(SyntaxError):
        asserts_without_message("assert (")


def test_visible_part_stops_at_the_hidden_marker() -> None:
    source = "assert a, 'shown'\n### BEGIN HIDDEN TESTS\nassert b\n### END HIDDEN TESTS\n"
    assert asserts_without_message(visible_part(source)) == []
    assert asserts_without_message(source) == [(3, "assert b")]


def test_configured_stub_follows_nbgrader_config(tmp_path: Path) -> None:
    (tmp_path / "nbgrader_config.py").write_text(
        'c = get_config()\nc.ClearSolutions.code_stub = {"python": "raise NotImplementedError(\'mine\')"}\n')
    assert configured_code_stub(tmp_path) == "raise NotImplementedError('mine')"
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    assert "raise NotImplementedError()" in configured_code_stub(tmp_path)  # nbgrader's own default
