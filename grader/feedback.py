"""``python -m grader feedback ASSIGNMENT``: feedback pages that never show hidden tests.

Stock ``nbgrader generate_feedback`` renders the autograded notebook, hidden test code and
tracebacks included (nbgrader issues #917, #1363). This writes, in the same place
(``feedback/<student>/<assignment>/<notebook>.html``, so ``nbgrader release_feedback`` works
unchanged), a page per notebook with the student's own answers and, for each test cell: its
name, points, passed or failed, and the error's one-line message. Test code is shown only as the
student saw it (the release's visible tests); tracebacks and printed output are never shown.

A message that carries hidden test code is withheld whole. Student code can read the running test
cell (``In[-1]``, the history, frames, ``linecache``) and put it into an exception's name or
message, so a message is checked after undoing escapes (``repr``), base64 and hex, reversed, with
all whitespace removed (split across lines) and with letters and digits only (interleaved with
separators), against every hidden line and every piece of hidden code WINDOW characters long, as
written and as the grader runs it (``ast.unparse``). A code a student invents (a cipher) still gets
through: the message is the student's to write.
"""

from __future__ import annotations

import ast
import base64
import html
import io
import re
import shutil
import tokenize
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import cells
from grader.layout import CourseLayout

MESSAGE_LIMIT = 400
WITHHELD = "[output withheld: it contains hidden test code]"
WINDOW = 16  # characters of hidden code (whitespace removed) that give a message away
LETTER_WINDOW = 24  # the same counting letters and digits only
MIN_LINE = 16  # characters (whitespace removed) of a hidden line worth withholding a message for
_URLSAFE = str.maketrans("-_", "+/")
_LITERALS = {getattr(tokenize, name) for name in ("STRING", "FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
             if hasattr(tokenize, name)}


@dataclass
class TestOutcome:
    name: str
    score: float
    max_score: float
    passed: bool
    message: str


def _squeeze(text: str) -> str:
    """Whitespace removed and one kind of quote: what survives reformatting (ast.unparse, repr)."""
    return "".join(text.split()).replace('"', "'")


def _forms(source: str) -> list[str]:
    """A test cell as written and as the kernel may run it (the grader recompiles test cells)."""
    try:
        return [source, ast.unparse(ast.parse(source))]
    except (SyntaxError, ValueError, RecursionError):  # magics: the kernel's form is its own
        return [source]


def _code_of(source: str, keep: set[int]) -> tuple[dict[int, str], list[str]]:
    """For the lines numbered in ``keep`` (1-based): those that hold code or a comment (not only a
    string); and the runs of code between strings, comments and lines not kept, then each string."""
    lines = source.splitlines()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):  # magics, a broken cell: by line
        kept = {n: lines[n - 1] for n in sorted(keep)}
        return kept, list(kept.values())
    skip = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    meaningful: dict[int, str] = {}
    runs: list[list[str]] = [[]]
    strings: list[str] = []
    for token in tokens:
        if token.type in skip:
            continue
        number = token.start[0]
        if number not in keep or token.type in _LITERALS or token.type == tokenize.COMMENT:
            runs.append([])
            if number in keep and token.type == tokenize.COMMENT:
                meaningful[number] = lines[number - 1]
            elif number in keep:  # the string's text, without prefix and quotes
                strings.append(re.sub(r"""^[A-Za-z]*('{3}|"{3}|'|")(.*)\1$""", r"\2", token.string, flags=re.S))
            continue
        runs[-1].append(token.string)
        meaningful[number] = lines[number - 1]
    return meaningful, [" ".join(run) for run in runs if run] + strings


def _messages(source: str) -> list[str]:
    """The text of the messages a test cell shows when it fails (assert messages, what it raises,
    f-strings): what they quote of the test code is the instructor's to show."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    parts = [node.msg for node in ast.walk(tree) if isinstance(node, ast.Assert) and node.msg is not None]
    parts += [node.exc for node in ast.walk(tree) if isinstance(node, ast.Raise) and node.exc is not None]
    parts += [node for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)]
    return [leaf.value for part in parts for leaf in ast.walk(part)
            if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str)]


@dataclass
class HiddenCode:
    """What of the hidden test code may not appear in feedback: its lines (those with code or a
    comment), and every WINDOW-long piece of its code and of its strings (other than messages),
    whitespace removed; the same with letters and digits only, against code interleaved with
    separators (LETTER_WINDOW long)."""

    lines: set[str]
    windows: set[str]
    letter_lines: set[str]
    letter_windows: set[str]

    def found_in(self, message: str) -> bool:
        for text in _readings(message):
            squeezed, letters = _squeeze(text), _letters(text)
            if any(line in squeezed for line in self.lines) or _hits(squeezed, self.windows, WINDOW):
                return True
            if any(line in letters for line in self.letter_lines) or _hits(letters, self.letter_windows,
                                                                           LETTER_WINDOW):
                return True
        return False


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _pieces(text: str, size: int) -> set[str]:
    return {text[i:i + size] for i in range(len(text) - size + 1)}


def _hits(text: str, pieces: set[str], size: int) -> bool:
    return any(text[i:i + size] in pieces for i in range(len(text) - size + 1))


def hidden_code(graded: dict[str, Any], release: dict[str, Any]) -> HiddenCode:
    """The parts of the graded test cells that the student's release does not show."""
    release_tests = [form for _, cell in cells.test_cells(release) for form in _forms(cells.source_of(cell))]
    graded_tests = [form for _, cell in cells.test_cells(graded) for form in _forms(cells.source_of(cell))]
    visible_lines = {line.strip() for source in release_tests for line in source.splitlines()}
    messages = [text for source in graded_tests + release_tests for text in _messages(source)]
    shown = "\0".join(_squeeze(text) for text in ["\n".join(release_tests), *messages])
    shown_letters = "\0".join(_letters(text) for text in ["\n".join(release_tests), *messages])
    lines: set[str] = set()
    runs: list[str] = []
    for source in graded_tests:
        hidden_numbers = {n for n, line in enumerate(source.splitlines(), 1) if line.strip() not in visible_lines}
        meaningful, code = _code_of(source, hidden_numbers)
        lines |= {s for line in meaningful.values() if len(s := _squeeze(line)) >= MIN_LINE and s not in shown}
        runs += code
    return HiddenCode(
        lines, {w for run in runs for w in _pieces(_squeeze(run), WINDOW) if w not in shown},
        {s for line in lines if len(s := _letters(line)) >= LETTER_WINDOW and s not in shown_letters},
        {w for run in runs for w in _pieces(_letters(run), LETTER_WINDOW) if w not in shown_letters})


def _readings(message: str) -> list[str]:
    """The message and the ways it may carry code in disguise: escapes undone (repr, JSON, several
    times), base64 and hex runs decoded, reversed."""
    readings = [message, message[::-1]]
    text = message
    for _ in range(3):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes such as \\| stay as they are
                undone = text.encode("latin-1", "backslashreplace").decode("unicode_escape")
        except (UnicodeDecodeError, UnicodeEncodeError):
            break
        if undone == text:
            break
        readings.append(text := undone)
    for run in re.findall(r"[A-Za-z0-9+/_-]{16,}", message):
        for start in range(4):  # base64 cut anywhere (by the message limit, or on purpose)
            piece = run[start:]
            try:
                decoded = base64.b64decode(piece[:len(piece) - len(piece) % 4].translate(_URLSAFE))
            except ValueError:
                continue
            readings.append(decoded.decode("utf-8", "ignore"))
    for run in re.findall(r"(?:[0-9a-fA-F]{2}){8,}", message):
        readings.append(bytes.fromhex(run).decode("utf-8", "ignore"))
    return readings


def redact(message: str, hidden: HiddenCode) -> str:
    """The message as shown (at most MESSAGE_LIMIT characters), or WITHHELD when what would be shown
    carries hidden test code (however split, escaped or encoded)."""
    shown = message if len(message) <= MESSAGE_LIMIT else message[:MESSAGE_LIMIT] + " ..."
    return WITHHELD if hidden.found_in(shown) else shown


def outcomes(
    graded: dict[str, Any], release: dict[str, Any], scores: dict[str, tuple[float, float]]
) -> list[TestOutcome]:
    hidden = hidden_code(graded, release)
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
    chosen = students or layout.autograded_students(assignment)
    with Gradebook(*gradebook_location(layout)) as gradebook:
        for student in chosen:
            for path in sorted(layout.autograded_dir(student, assignment).glob("*.ipynb")):
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
                target = layout.feedback_dir(student, assignment) / f"{path.stem}.html"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(page, encoding="utf-8")
                written.append(target)
                # nbgrader release_feedback keys each page to the submission by these two files.
                for name in ("timestamp.txt", "submission_secret.txt"):
                    if (path.parent / name).exists():
                        shutil.copy2(path.parent / name, target.parent / name)
    return written
