"""``grader site``: the course as static HTML, built from the real repository, and the builds it refuses."""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grader import cells
from grader.cli import main
from grader.layout import CourseLayout
from grader.site import with_safe_outputs

from .conftest import REPO_ROOT

URL_ATTRIBUTE = re.compile(r'\b(?:href|src)="([^"]*)"')
CELL_START = '<div class="jp-Cell '
EMBEDDED_PNG = re.compile(r'<img\b[^>]*\bsrc="data:image/png;base64,')


#: One worker builds the site once for all the tests that read it.
pytestmark = pytest.mark.xdist_group("site")

@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of this repository's course, built once by the command a user runs."""
    out = tmp_path_factory.mktemp("site")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["--root", str(REPO_ROOT), "site", "--out", str(out)]) == 0
    pages = len(_notebooks(CourseLayout(REPO_ROOT)))
    assert printed.getvalue().startswith(f"site: {pages} notebooks -> "), printed.getvalue()
    return out


def _notebooks(layout: CourseLayout) -> list[tuple[str, Path]]:
    return [(a, nb) for a in layout.resolve([]) for nb in layout.source_notebooks(a)]


def _page_text(page_html: str) -> str:
    """The page's text: tags (code highlighting spans among them) dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page_html))


def _cells_by_id(page_html: str) -> dict[str, str]:
    """The HTML of each rendered cell, by its notebook cell id (the lab template's ``cell-id=`` anchor)."""
    chunks = page_html.split(CELL_START)[1:]
    return {re.search(r'id="cell-id=([^"]+)"', chunk).group(1): chunk for chunk in chunks}


def test_every_notebook_has_a_page_listed_in_syllabus_order(site: Path, repo_layout: CourseLayout) -> None:
    expected = [f"{assignment}/{notebook.stem}.html" for assignment, notebook in _notebooks(repo_layout)]
    assert expected and expected == sorted(expected)
    index = (site / "index.html").read_text(encoding="utf-8")
    listed = [url for url in URL_ATTRIBUTE.findall(index) if url.endswith(".html")]
    assert listed == expected
    for href in expected:
        assert (site / href).is_file(), href
    welcome = cells.load_notebook(repo_layout.release_dir("00_welcome") / "welcome.ipynb")
    heading = next(line for c in welcome["cells"] for line in cells.source_of(c).splitlines() if line.startswith("# "))
    assert html.escape(heading.split("·", 1)[-1].strip()) in index


def test_every_local_link_resolves_inside_the_site(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 1
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if page.name != "index.html":
            assert 'href="../index.html"' in text, f"{page}: no way back to the contents"
        for url in URL_ATTRIBUTE.findall(text):
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith("#"):
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file() and target.is_relative_to(site.resolve()), f"{page.relative_to(site)}: {url}"


def test_pages_load_nothing_from_the_network(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|img|link|iframe)\b[^>]*\b(src|href)="(https?:)?//', text), page


def test_no_secret_line_of_any_solution_notebook_is_on_any_page(site: Path, repo_layout: CourseLayout) -> None:
    """A page may show neither its own notebook's secret lines nor any other's (unless public there too)."""
    solutions = {f"{a}/{nb.stem}.html": cells.load_notebook(nb) for a, nb in _notebooks(repo_layout)}
    everywhere = cells.secret_lines({"cells": [cell for nb in solutions.values() for cell in nb["cells"]]})
    assert everywhere
    for href, solution in solutions.items():
        text = _page_text((site / href).read_text(encoding="utf-8"))
        shown = {line.strip() for line in text.splitlines()}
        leaked = (everywhere | cells.secret_lines(solution)) & shown
        assert not leaked, f"{href}: {sorted(leaked)[:3]}"
        assert not cells.ANY_MARKER.search(text), href


def test_plots_survive_and_exercise_and_test_cells_have_no_outputs(site: Path, repo_layout: CourseLayout) -> None:
    plots = 0
    for assignment, notebook in _notebooks(repo_layout):
        rendered = _cells_by_id((site / assignment / f"{notebook.stem}.html").read_text(encoding="utf-8"))
        release = cells.load_notebook(repo_layout.release_dir(assignment) / notebook.name)
        for cell in release["cells"]:
            chunk = rendered[cell["id"]]
            if cells.is_solution_cell(cell) or cells.is_grade_cell(cell):
                assert "jp-OutputArea-output" not in chunk, f"{assignment} {cells.grade_id(cell)} shows outputs"
            plots += bool(EMBEDDED_PNG.search(chunk))
    assert plots >= 3, "the plots of the solution notebooks' demos should be on the pages"


# --- which outputs a page shows, on small notebooks -------------------------------------------


def _exercise(source: str, grade_id: str, *, test: bool = False) -> dict:
    flags = {"grade": test, "solution": not test, "grade_id": grade_id, "locked": test, "schema_version": 3}
    return new_code_cell(source, metadata={"nbgrader": {**flags, **({"points": 1} if test else {})}})


def _ran(cell: dict, text: str) -> dict:
    cell["outputs"] = [new_output("stream", name="stdout", text=text)]
    cell["execution_count"] = 1
    return cell


def test_only_public_demo_cells_get_the_solution_outputs() -> None:
    solution = new_notebook(cells=[
        new_markdown_cell("# t"),
        _ran(new_code_cell("print('demo')"), "demo\n"),
        _exercise("def answer():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION", "answer"),
        _ran(_exercise("assert answer() == 42", "test_answer", test=True), "ok\n"),
        _ran(new_code_cell("print(answer())"), "42\n"),  # would show the reference answer at work
        _ran(new_code_cell("result = answer()"), ""),
        _ran(new_code_cell("print(result)"), "42\n"),  # ... and so would this, one step removed
        _ran(new_code_cell("print('edited')"), "edited\n"),
    ])
    student = json.loads(json.dumps(solution))
    student["cells"][2]["source"] = "def answer():\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    student["cells"][7]["source"] = "print('changed in the release')"
    for cell in student["cells"]:
        cell.pop("outputs", None) if cell["cell_type"] == "markdown" else cell.update(outputs=[])
    shown = [bool(cell.get("outputs")) for cell in with_safe_outputs(student, solution)["cells"]]
    assert shown == [False, True, False, False, False, False, False, False]
    for cell in student["cells"]:
        cell.pop("id")  # no ids: matched by position (and source)
    assert [bool(c.get("outputs")) for c in with_safe_outputs(student, solution)["cells"]] == shown


# --- builds that must fail ----------------------------------------------------------------------


@pytest.fixture
def small_course(tmp_path: Path) -> CourseLayout:
    """00_welcome alone, solutions and release, in a scratch course."""
    shutil.copy2(REPO_ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(REPO_ROOT / "solutions" / "00_welcome", tmp_path / "solutions" / "00_welcome",
                    ignore=shutil.ignore_patterns("variants"))
    shutil.copytree(REPO_ROOT / "course" / "00_welcome", tmp_path / "course" / "00_welcome")
    return CourseLayout(tmp_path)


def _build(layout: CourseLayout, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``grader site`` without --out: the site goes to site/ at the course root."""
    status = main(["--root", str(layout.root), "site"])
    return status, capsys.readouterr().err.strip()


@pytest.mark.parametrize("where", ["release source", "stored output"])
def test_a_page_that_would_show_a_solution_line_is_refused(
    small_course: CourseLayout, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    assert _build(small_course, capsys)[0] == 0
    assert (small_course.root / "site" / "00_welcome" / "welcome.html").is_file()
    shutil.rmtree(small_course.root / "site")
    source = small_course.source_notebooks("00_welcome")[0]
    solution = cells.load_notebook(source)
    secret = sorted(cells.secret_lines(solution))[0]
    demo_id = next(c["id"] for c in solution["cells"] if c.get("outputs") and not cells.nbgrader_meta(c))
    tampered = source if where == "stored output" else small_course.release_dir("00_welcome") / source.name
    notebook = cells.load_notebook(tampered)
    demo = next(c for c in notebook["cells"] if c["id"] == demo_id)
    if where == "release source":  # a secret line copied into the student notebook
        demo["source"] = cells.source_of(demo) + "\n" + secret
    else:  # a demo whose output prints a secret line: only the page would show it
        demo["outputs"].append(new_output("stream", name="stdout", text=secret + "\n"))
    cells.save_notebook(notebook, tampered)
    status, error = _build(small_course, capsys)
    assert status == 2 and "course/00_welcome/welcome.ipynb" in error and secret in error, error
    assert "Traceback" not in error and "\n" not in error
    assert not (small_course.root / "site").exists(), "nothing is written when a page would leak"


@pytest.mark.parametrize("damage", ["missing", "broken"])
def test_a_missing_or_broken_release_is_a_clear_error(
    small_course: CourseLayout, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    release = small_course.release_dir("00_welcome") / "welcome.ipynb"
    if damage == "missing":
        release.unlink()
    else:
        release.write_text('{"cells": [', encoding="utf-8")
    status, error = _build(small_course, capsys)
    assert status == 2 and error.startswith("error: course/00_welcome/welcome.ipynb: "), error
    assert "Traceback" not in error and "\n" not in error
