"""``python -m grader feedback ASSIGNMENT``: feedback pages that never show hidden tests.

Stock ``nbgrader generate_feedback`` renders the autograded notebook, hidden test code and
tracebacks included (nbgrader issues #917, #1363). This writes, in the same place
(``feedback/<student>/<assignment>/<notebook>.html``, so ``nbgrader release_feedback`` works
unchanged), a page per notebook with the student's own answers and, for each test cell: its
name, points, passed or failed, and the error's one-line message. Test code is shown only as the
student saw it (the release's visible tests); tracebacks are never shown; a message that quotes a
hidden line has it blanked.
"""

from __future__ import annotations

import html
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import cells
from grader.layout import CourseLayout

MESSAGE_LIMIT = 400


@dataclass
class TestOutcome:
    name: str
    score: float
    max_score: float
    passed: bool
    message: str


def _hidden_lines(graded: dict[str, Any], release: dict[str, Any]) -> set[str]:
    """Lines of the graded test cells that the student's release does not show."""
    visible = {line.strip() for _, cell in cells.test_cells(release) for line in cells.source_of(cell).splitlines()}
    hidden = set()
    for _, cell in cells.test_cells(graded):
        hidden |= {line.strip() for line in cells.source_of(cell).splitlines() if len(line.strip()) >= 8}
    return hidden - visible


def redact(message: str, hidden: set[str]) -> str:
    for line in sorted(hidden, key=len, reverse=True):
        message = message.replace(line, "[hidden test]")
    return message if len(message) <= MESSAGE_LIMIT else message[:MESSAGE_LIMIT] + " ..."


def outcomes(
    graded: dict[str, Any], release: dict[str, Any], scores: dict[str, tuple[float, float]]
) -> list[TestOutcome]:
    hidden = _hidden_lines(graded, release)
    found = []
    for _, cell in cells.test_cells(graded):
        name = cells.grade_id(cell) or "?"
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        stderr = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr"]
        if errors:
            message = f"{errors[-1].get('ename', 'Error')}: {errors[-1].get('evalue', '')}".rstrip(": ")
        elif stderr:
            message = "the test wrote to stderr, which counts as a failure"
        else:
            message = ""
        score, maximum = scores.get(name, (0.0, cells.points(cell)))
        found.append(TestOutcome(name, score, maximum, not errors and not stderr, redact(message, hidden)))
    return found


def render(student: str, assignment: str, notebook: str, answers: list[tuple[str, str]],
           visible_tests: dict[str, str], results: list[TestOutcome]) -> str:
    total = sum(r.score for r in results)
    maximum = sum(r.max_score for r in results)
    rows = "".join(
        f"<tr><td><code>{html.escape(r.name)}</code></td><td>{r.score:g} / {r.max_score:g}</td>"
        f"<td class={'pass' if r.passed else 'fail'}>{'passed' if r.passed else 'failed'}</td>"
        f"<td>{html.escape(r.message) or '&nbsp;'}</td></tr>"
        for r in results
    )
    blocks = "".join(
        f"<h3>Your answer: <code>{html.escape(name)}</code></h3><pre>{html.escape(source)}</pre>"
        f"<h4>Its visible tests</h4><pre>{html.escape(visible_tests.get('test_' + name, ''))}</pre>"
        for name, source in answers
    )
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(assignment)} feedback: {html.escape(student)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:4px 10px;text-align:left}}
.pass{{color:#1a7f37}}.fail{{color:#b42318}}pre{{background:#f6f8fa;padding:8px;overflow:auto}}</style></head>
<body><h1>{html.escape(assignment)} / {html.escape(notebook)}.ipynb</h1>
<p>Student <b>{html.escape(student)}</b>: <b>{total:g} / {maximum:g}</b> points.</p>
<p>Each test cell runs the visible tests you saw and hidden tests on edge cases. A failed test shows
its error message; the hidden test code itself is not shown.</p>
<table><tr><th>test</th><th>points</th><th>result</th><th>message</th></tr>{rows}</table>
{blocks}</body></html>
"""


def write_feedback(layout: CourseLayout, assignment: str, students: list[str] | None = None) -> list[Path]:
    """Feedback pages for every autograded student (or the named ones); returns the files written."""
    from nbgrader.api import Gradebook, MissingEntry

    from grader.autograde import gradebook_location

    written = []
    autograded = layout.root / "autograded"
    chosen = students or sorted(p.parent.name for p in autograded.glob(f"*/{assignment}"))
    with Gradebook(*gradebook_location(layout.root)) as gradebook:
        for student in chosen:
            for path in sorted((autograded / student / assignment).glob("*.ipynb")):
                graded = cells.load_notebook(path)
                release = cells.load_notebook(layout.release_dir(assignment) / path.name)
                try:
                    submitted = gradebook.find_submission_notebook(path.stem, assignment, student)
                    scores = {g.name: (float(g.score), float(g.max_score)) for g in submitted.grades}
                except MissingEntry:
                    scores = {}
                answers = [(cells.grade_id(c) or "?", cells.source_of(c)) for _, c in cells.solution_cells(graded)]
                visible = {cells.grade_id(c) or "": cells.source_of(c) for _, c in cells.test_cells(release)}
                page = render(student, assignment, path.stem, answers, visible,
                              outcomes(graded, release, scores))
                target = layout.root / "feedback" / student / assignment / f"{path.stem}.html"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(page, encoding="utf-8")
                written.append(target)
                # nbgrader release_feedback keys each page to the submission by these two files.
                for name in ("timestamp.txt", "submission_secret.txt"):
                    if (path.parent / name).exists():
                        shutil.copy2(path.parent / name, target.parent / name)
    return written
