"""Build small throwaway assignments for testing the grader itself."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.cells import reference_answer
from grader.layout import CourseLayout
from grader.variants import EDIT_SUFFIX, edit_from_sources

from .conftest import REPO_ROOT


@dataclass
class ExerciseSpec:
    exercise_id: str
    solution: str  # the whole solution cell, with ### BEGIN/END SOLUTION markers
    visible: str
    hidden: str
    points: int = 1
    variants: dict[str, str] = field(default_factory=dict)  # "mutant_x" -> whole source, "# why: ..." first


def _meta(grade_id: str, *, solution: bool, points: int | None = None) -> dict:
    meta = {"grade": points is not None, "grade_id": grade_id, "locked": not solution,
            "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def write_assignment(
    root: Path, assignment: str, exercises: list[ExerciseSpec], closing_code: str | None = None
) -> CourseLayout:
    """solutions/<assignment>/<assignment-tail>.ipynb plus its variants, in course root ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "nbgrader_config.py").exists():
        shutil.copy2(REPO_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    cells = [new_markdown_cell(f"# {assignment}"), new_code_cell("import math\n\nprint(math.pi > 3)")]
    for spec in exercises:
        cells.append(new_markdown_cell(f"Write `{spec.exercise_id}`."))
        cells.append(new_code_cell(spec.solution.strip(), metadata=_meta(spec.exercise_id, solution=True)))
        test = f"{spec.visible.strip()}\n### BEGIN HIDDEN TESTS\n{spec.hidden.strip()}\n### END HIDDEN TESTS"
        cells.append(new_code_cell(test, metadata=_meta(f"test_{spec.exercise_id}", solution=False,
                                                        points=spec.points)))
    if closing_code:
        cells.append(new_code_cell(closing_code))
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                       "name": "python3"}
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"c{index}"
    directory = root / "solutions" / assignment
    directory.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, directory / f"{assignment.split('_', 1)[-1]}.ipynb")
    for spec in exercises:
        reference = reference_answer({"source": spec.solution.strip()})
        for name, source in spec.variants.items():
            path = directory / "variants" / spec.exercise_id / f"{name}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            if name.startswith("mutant_"):  # stored as an edit of the reference, as in solutions/
                why, _, body = source.strip().partition("\n")
                path.with_suffix(EDIT_SUFFIX).write_text(edit_from_sources(reference, body, why), encoding="utf-8")
            else:
                path.write_text(source.strip() + "\n", encoding="utf-8")
    return CourseLayout(root)
