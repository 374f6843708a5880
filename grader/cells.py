"""Reading nbgrader's cell metadata and its solution / hidden-test markers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"

#: Any nbgrader delimiter, however it is spelled in case and spacing.
ANY_MARKER = re.compile(r"#{2,}\s*(BEGIN|END)\s+(SOLUTION|HIDDEN\s+TESTS|MARK\s+SCHEME)", re.I)

#: A test cell for exercise ``x`` is called ``test_x``; more cells for the same exercise (credit in
#: steps, e.g. thresholds of mutants killed) are ``test_x__<part>``.
TEST_PREFIX = "test_"
PART_SEPARATOR = "__"

Cell = dict[str, Any]
Notebook = dict[str, Any]


def load_notebook(path: Path) -> Notebook:
    """A notebook as plain JSON (what nbgrader writes and compares)."""
    return json.loads(path.read_text(encoding="utf-8"))


def save_notebook(notebook: Notebook, path: Path) -> None:
    """Write a notebook the way nbformat does (indent 1, UTF-8, trailing newline)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def source_of(cell: Cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def nbgrader_meta(cell: Cell) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_solution_cell(cell: Cell) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def is_grade_cell(cell: Cell) -> bool:
    return bool(nbgrader_meta(cell).get("grade"))


def grade_id(cell: Cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def points(cell: Cell) -> float:
    return float(nbgrader_meta(cell).get("points", 0) or 0)


def exercise_of_test(test_id: str) -> str | None:
    """``test_ip_to_int`` (or ``test_ip_to_int__more``) -> ``ip_to_int``; None when the id is not a test id."""
    if not test_id.startswith(TEST_PREFIX):
        return None
    exercise, _, _part = test_id[len(TEST_PREFIX) :].partition(PART_SEPARATOR)
    return exercise


def solution_cells(notebook: Notebook) -> Iterator[tuple[int, Cell]]:
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") == "code" and is_solution_cell(cell):
            yield index, cell


def test_cells(notebook: Notebook) -> Iterator[tuple[int, Cell]]:
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") == "code" and is_grade_cell(cell) and not is_solution_cell(cell):
            yield index, cell


def find_cell(notebook: Notebook, wanted_id: str) -> tuple[int, Cell]:
    for index, cell in enumerate(notebook["cells"]):
        if grade_id(cell) == wanted_id:
            return index, cell
    raise KeyError(f"no cell with grade_id {wanted_id!r}")


def _split_regions(source: str, begin: str, end: str) -> tuple[list[str], list[str]]:
    """Lines outside and inside ``begin``/``end`` regions (the marker lines themselves dropped)."""
    outside: list[str] = []
    inside: list[str] = []
    in_region = False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(begin):
            in_region = True
        elif stripped.startswith(end):
            in_region = False
        else:
            (inside if in_region else outside).append(line)
    return outside, inside


def reference_answer(cell: Cell) -> str:
    """What a perfect student would type: the cell with the solution markers removed."""
    lines = source_of(cell).splitlines()
    kept = [line for line in lines if not line.strip().startswith((BEGIN_SOLUTION, END_SOLUTION))]
    return "\n".join(kept)


def revealed_lines(text: str, secrets: set[str]) -> set[str]:
    """The secret lines that ``text`` holds as whole lines (a secret may prefix a public line)."""
    return secrets & {line.strip() for line in text.splitlines()}


def secret_lines(notebook: Notebook, min_length: int = 16) -> set[str]:
    """Lines that exist only inside solution or hidden-test regions of a source notebook.

    These must never reach a student: finding one in course/ is a leak. Lines
    that also appear outside the regions (shared boilerplate) are excluded, as
    are short lines such as ``return total`` that prove nothing.
    """
    secret: set[str] = set()
    public: set[str] = set()
    for cell in notebook["cells"]:
        source = source_of(cell)
        outside, inside = _split_regions(source, BEGIN_SOLUTION, END_SOLUTION)
        outside, hidden = _split_regions("\n".join(outside), BEGIN_HIDDEN, END_HIDDEN)
        public.update(line.strip() for line in outside)
        secret.update(line.strip() for line in inside + hidden)
    return {line for line in secret - public if len(line) >= min_length}
