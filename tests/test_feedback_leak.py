"""Feedback never shows hidden test code, even when the student's code puts it in its output.

In a stock kernel, a function a test cell calls can read the running cell's source (its hidden tests
included) from ``In[-1]``, ``_ih`` or the history manager. Under ``grader autograde`` the guard keeps
the hidden tests out of the kernel (the cell is only a trigger; grader/guard), so one submission that
answers each exercise with a different way of smuggling that source out — printed and raised as is,
``repr``'d, split line by line, base64, as an exception's class name — finds only the trigger, and
``grader feedback`` must show no hidden line, while the student's own answers and the visible test's
message of an honest wrong answer still appear. Should test code ever reach an output anyway,
feedback withholds the message: that is checked on the redaction itself, here with smuggled forms of
the hidden tests and over the course's own notebooks (no instructor's message is withheld).
"""

from __future__ import annotations

import ast
import base64
import html
import re
import textwrap
from pathlib import Path

import nbformat
import pytest

from grader import cells
from grader.autograde import autograde
from grader.feedback import write_feedback
from grader.nbgrader_cli import run_nbgrader
from grader.sandbox import Policy

from .course_factory import ExerciseSpec, write_assignment

pytestmark = pytest.mark.xdist_group("autograde")

ASSIGNMENT, NOTEBOOK, STUDENT = "97_leak", "leak", "mallory"
POLICY = Policy(cell_timeout=8, notebook_timeout=60)

#: How each exercise's answer reads the running test cell and smuggles it out.
READ_CELL = {
    "leak_plain": "get_ipython().user_ns['_ih'][-1]",
    "leak_repr": "In[-1]",
    "leak_lines": "get_ipython().history_manager.input_hist_parsed[-1]",
    "leak_b64": "get_ipython().history_manager.input_hist_raw[-1]",
    "leak_name": "In[-1]",
}
SMUGGLE = {
    "leak_plain": "    print(source)\n    raise ValueError(source)",
    "leak_repr": "    print(repr(source))\n    raise ValueError(repr(source))",
    "leak_lines": ("    for line in source.splitlines():\n        print(line)\n"
                   "    raise RuntimeError('\\n'.join(f'{l[:len(l) // 2]}\\n    {l[len(l) // 2:]}' "
                   "for l in source.splitlines()))"),
    "leak_b64": "    raise ValueError(__import__('base64').b64encode(source.encode()).decode())",
    "leak_name": "    raise type(source, (Exception,), {})('look at my name')",
}


def _exercise(name: str, step: int) -> ExerciseSpec:
    return ExerciseSpec(
        name,
        solution=f"def {name}(x):\n    ### BEGIN SOLUTION\n    return x + {step}\n    ### END SOLUTION",
        visible=f'assert {name}(1) == {1 + step}, "{name}(1) should be {1 + step}, check the visible case"',
        hidden=(f"_probe_{name}_zeta = [{name}(n) for n in (7, 11, 13)]\n"
                f"assert _probe_{name}_zeta == [{7 + step}, {11 + step}, {13 + step}], 'secret cases of {name}'\n"
                f"# instructor's private note on {name}: large inputs overflow naive code\n"
                f"assert {name}(10 ** 6) - 10 ** 6 == {step}, 'large input for {name}'"),
    )


EXERCISES = [_exercise(name, step) for step, name in enumerate([*READ_CELL, "honest_wrong"], start=1)]


def _answer(name: str) -> str:
    if name == "honest_wrong":
        return f"def {name}(x):\n    return x  # forgot to add"
    return f"def {name}(x):\n    source = {READ_CELL[name]}\n{SMUGGLE[name]}"


@pytest.fixture(scope="module")
def feedback(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    root = tmp_path_factory.mktemp("leak")
    layout = write_assignment(root, ASSIGNMENT, EXERCISES)
    run_nbgrader(["generate_assignment", ASSIGNMENT], cwd=root)
    release = nbformat.read(root / "course" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    for spec in EXERCISES:
        cells.find_cell(release, spec.exercise_id)[1]["source"] = _answer(spec.exercise_id)
    target = root / "submitted" / STUDENT / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(release, target)
    (result,) = autograde(layout, ASSIGNMENT, [STUDENT], jobs=1, policy=POLICY, progress=False)
    assert result.score == 0 and result.max_score == len(EXERCISES), result
    graded = nbformat.read(layout.autograded_dir(STUDENT, ASSIGNMENT) / f"{NOTEBOOK}.ipynb", as_version=4)
    for name in READ_CELL:  # the smuggling ran, and found only the guard's trigger
        errors = [out for out in cells.find_cell(graded, f"test_{name}")[1].outputs if out.output_type == "error"]
        assert errors and f"_probe_{name}_zeta" not in repr(errors), (name, errors)
        assert name == "leak_name" or "eng101.test" in repr(errors), (name, errors)
    (page,) = write_feedback(layout, ASSIGNMENT, [STUDENT])
    hidden = [line.strip() for spec in EXERCISES for form in (spec.hidden, ast.unparse(ast.parse(spec.hidden)))
              for line in form.splitlines()]
    return page.read_text(), hidden


def _rows(page: str) -> dict[str, str]:
    return dict(re.findall(r"<tr><td><code>test_(\w+)</code></td><td>.*?</td><td.*?</td><td>(.*?)</td></tr>", page))


def test_no_hidden_line_appears_however_it_was_smuggled(feedback) -> None:
    page, hidden = feedback
    text = html.unescape(page)
    squeezed = "".join(text.split()).replace('"', "'")
    for line in hidden:
        assert line not in text, line
        assert "".join(line.split()).replace('"', "'") not in squeezed, line  # not even split across lines
        assert repr(line)[1:-1] not in text, line
    assert "_zeta" not in text and "private note" not in text
    for chunk in re.findall(r"[A-Za-z0-9+/]{24,}", text):  # nothing base64 that decodes to hidden code
        decoded = base64.b64decode(chunk[:len(chunk) - len(chunk) % 4]).decode("utf-8", "ignore")
        assert "_zeta" not in decoded and "private note" not in decoded


def test_each_smuggling_message_shows_the_trigger_at_most(feedback) -> None:
    page, _ = feedback
    rows = _rows(page)
    assert len(rows) >= len(READ_CELL), rows
    for name, message in rows.items():
        assert "_zeta" not in html.unescape(message) and "private note" not in html.unescape(message), name


def test_the_students_answers_and_a_visible_message_still_appear(feedback) -> None:
    page, _ = feedback
    text = html.unescape(page)
    for spec in EXERCISES:
        assert _answer(spec.exercise_id) in text, spec.exercise_id
    assert html.unescape(_rows(page)["honest_wrong"]) == (
        "AssertionError: honest_wrong(1) should be 7, check the visible case")
    assert "Traceback" not in text


def test_hidden_code_leaves_ordinary_messages_alone() -> None:
    from grader.feedback import hidden_code

    graded = nbformat.read(Path(__file__).parent.parent / "solutions" / "00_welcome" / "welcome.ipynb",
                           as_version=4)
    release = nbformat.read(Path(__file__).parent.parent / "course" / "00_welcome" / "welcome.ipynb",
                            as_version=4)
    hidden = hidden_code(graded, release)
    source = cells.source_of(cells.find_cell(graded, "test_count_nines")[1])
    for ordinary in ("AssertionError: count_nines(0.9989999999999999) must be 2, got 3",
                     "AssertionError: count_nines(-0.1) must raise ValueError", "AssertionError: (0.9, 0)",
                     "AssertionError: count_nines(0.5) should be 0, got 3: 0.5 has no 9 right after the decimal point",
                     "ValueError: availability must be in [0, 1), got nan"):
        assert not hidden.found_in(ordinary), ordinary
    tail = source.split("### BEGIN HIDDEN TESTS")[1]
    kernel_form = ast.unparse(ast.parse(f"if True:\n{textwrap.indent(source, '    ')}"))  # how the grader runs it
    for smuggled in (source, repr(source), kernel_form, repr(kernel_form), tail[::-1], source.encode().hex(),
                     base64.b64encode(tail.encode()).decode(),
                     "\n".join(f"{line[:len(line) // 2]}\n  {line[len(line) // 2:]}" for line in tail.splitlines())):
        assert hidden.found_in(smuggled), smuggled[:80]


def _course_notebooks() -> list[tuple[Path, Path]]:
    root = Path(__file__).parent.parent
    return [(source, root / "course" / source.relative_to(root / "solutions"))
            for source in sorted((root / "solutions").glob("*/*.ipynb"))
            if (root / "course" / source.relative_to(root / "solutions")).exists()]


def test_every_course_notebook_keeps_its_messages_and_loses_its_smuggled_tests() -> None:
    """The instructor's own assertion messages (their text, values in between) are never withheld;
    every hidden test of the course, smuggled as is, repr'd, interleaved or as the kernel runs it, is."""
    from grader.feedback import hidden_code

    withheld, missed = [], []
    for solution, release in _course_notebooks():
        graded = nbformat.read(solution, as_version=4)
        hidden = hidden_code(graded, nbformat.read(release, as_version=4))
        for _, cell in cells.test_cells(graded):
            source = cells.source_of(cell)
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Assert) and node.msg is not None:
                    text = " 7 ".join(n.value for n in ast.walk(node.msg)
                                      if isinstance(n, ast.Constant) and isinstance(n.value, str))
                    if hidden.found_in(f"AssertionError: {text}"):
                        withheld.append((solution.name, text[:80]))
            if "### BEGIN HIDDEN TESTS" not in source:
                continue
            tail = source.split("### BEGIN HIDDEN TESTS")[1]
            kernel_form = textwrap.indent(ast.unparse(ast.parse(tail)), "    ")  # as the kernel runs it
            for smuggled in (tail, repr(tail), "|".join(tail), kernel_form, repr(kernel_form)):
                if len(smuggled.strip()) > 60 and not hidden.found_in(smuggled[:400]):
                    missed.append((solution.name, cells.grade_id(cell)))
    assert not withheld, withheld
    assert not missed, missed
