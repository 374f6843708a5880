"""The course as students and instructors meet it: JupyterLab in headless Chromium.

A student opens 01_subnets, runs the setup cell, types a wrong answer to Exercise 1 and reads the
assertion message, fixes it and sees the test pass, saves, and asks nbgrader's Validate button for
a verdict. An instructor opens the formgrader from the Nbgrader menu and finds every assignment.
Each step leaves a screenshot in test-artifacts/browser/ (not committed).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from grader import cells

from .conftest import REPO_ROOT
from .jupyter_browser import CHROMIUM_ARGS, LabServer, Screenshots, find_chromium, jupyter_lab

pytestmark = pytest.mark.xdist_group("browser")  # one lab at a time, one browser for both tests

ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
ASSIGNMENT, NOTEBOOK = "01_subnets", "subnets.ipynb"
EXERCISE = "ip_int_conversion"
UI_TIMEOUT_MS = 60_000  # generous: the suite runs notebooks on both cores meanwhile
# expect() keeps its own 5 s default, which a loaded machine misses while the notebook renders.
expect.set_options(timeout=UI_TIMEOUT_MS)

# Little-endian: the classic byte-order slip. The visible test names the expected value.
WRONG_ANSWER = '''\
def ip_to_int(address: str) -> int:
    return sum(int(part) << (8 * i) for i, part in enumerate(address.split(".")))


def int_to_ip(value: int) -> str:
    return ".".join(str(value >> shift & 0xFF) for shift in (0, 8, 16, 24))
'''
WRONG_MESSAGE = "ip_to_int('192.168.1.10') should be 3232235786, got 167880896"

# Written differently from the reference solution (a regular expression for the strict form).
CORRECT_ANSWER = '''\
import re

STRICT_QUAD = re.compile(r"(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}")


def ip_to_int(address: str) -> int:
    if not isinstance(address, str) or not STRICT_QUAD.fullmatch(address):
        raise ValueError(f"not a strict dotted quad: {address!r}")
    value = 0
    for part in address.split("."):
        if int(part) > 255:
            raise ValueError(f"octet out of range in {address!r}")
        value = value << 8 | int(part)
    return value


def int_to_ip(value: int) -> str:
    if not 0 <= value <= 2**32 - 1:
        raise ValueError(f"not a 32-bit value: {value}")
    return ".".join(str(value >> shift & 0xFF) for shift in (24, 16, 8, 0))
'''


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium on this machine: `apt-get install chromium` (make test does it as root), "
                    "or point ENG101_CHROMIUM at a Chromium/Chrome binary")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    yield page
    context.close()


# --- a student in JupyterLab -------------------------------------------------------------


def notebook_cells(page: Page) -> Locator:
    return page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")


def prompt_of(cell: Locator) -> str:
    return cell.locator(".jp-InputArea-prompt").inner_text().strip()


def wait_until_run(cell: Locator, previous_prompt: str, timeout_s: float = UI_TIMEOUT_MS / 1000) -> None:
    """Wait until the cell shows a new execution count: it ran (whatever the outcome)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        prompt = prompt_of(cell)
        if re.fullmatch(r"\[\d+\]:", prompt) and prompt != previous_prompt:
            return
        time.sleep(0.1)
    raise AssertionError(f"the cell did not run within {timeout_s:.0f} s (prompt {prompt_of(cell)!r})")


def type_into_cell(page: Page, cell: Locator, text: str) -> None:
    """Replace the cell's code as a student would: click, select all, enter the new text."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    # insert_text enters the text as one input, so the editor's auto-indent and bracket closing
    # do not rewrite it the way per-key typing would.
    page.keyboard.insert_text(text)


def run_answer_and_test(page: Page, answer: Locator, test: Locator) -> None:
    """Shift+Enter twice: the exercise cell, then its test cell (JupyterLab moves to the next cell)."""
    before = prompt_of(test)
    answer.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Shift+Enter")
    wait_until_run(test, before)


def cell_index(notebook: dict, wanted: str) -> int:
    return next(i for i, cell in enumerate(notebook["cells"]) if cells.grade_id(cell) == wanted)


@pytest.fixture(scope="module")
def student_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab on a copy of course/, as `make lab` serves it."""
    workdir = tmp_path_factory.mktemp("student")
    shutil.copytree(REPO_ROOT / "course", workdir / "course")
    with jupyter_lab(workdir / "course", workdir / "jupyter") as server:
        yield server


def test_student_answers_an_exercise_and_validates(student_lab: LabServer, page: Page) -> None:
    shots = Screenshots(ARTIFACTS / "student")
    notebook_path = student_lab.root_dir / ASSIGNMENT / NOTEBOOK
    notebook = cells.load_notebook(notebook_path)
    title = cells.source_of(notebook["cells"][0]).splitlines()[0].lstrip("# ").strip()
    setup = next(i for i, cell in enumerate(notebook["cells"]) if cell["cell_type"] == "code")
    answer_at, test_at = cell_index(notebook, EXERCISE), cell_index(notebook, f"test_{EXERCISE}")

    page.goto(student_lab.url(f"lab/tree/{ASSIGNMENT}/{NOTEBOOK}"))
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"\| Idle$"))).to_be_visible()  # the kernel is up
    expect(notebook_cells(page)).to_have_count(len(notebook["cells"]))
    expect(page.get_by_role("button", name="Validate")).to_be_visible()  # nbgrader's lab extension
    shots.take(page, "notebook rendered, kernel idle")

    all_cells = notebook_cells(page)
    before = prompt_of(all_cells.nth(setup))
    all_cells.nth(setup).locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    wait_until_run(all_cells.nth(setup), before)
    expect(all_cells.nth(setup).locator(".jp-OutputArea-output[data-mime-type*='stderr']")).to_have_count(0)
    shots.take(page, "setup cell ran")

    answer, test = all_cells.nth(answer_at), all_cells.nth(test_at)
    expect(answer).to_contain_text("raise NotImplementedError")  # the stub tells the student what to do
    type_into_cell(page, answer, WRONG_ANSWER)
    run_answer_and_test(page, answer, test)
    expect(test.locator(".jp-OutputArea")).to_contain_text("AssertionError")
    expect(test.locator(".jp-OutputArea")).to_contain_text(WRONG_MESSAGE)
    test.scroll_into_view_if_needed()
    shots.take(page, "wrong answer, the test says what was expected")

    type_into_cell(page, answer, CORRECT_ANSWER)
    run_answer_and_test(page, answer, test)
    expect(test.locator(".jp-OutputArea")).not_to_contain_text("Error")
    expect(answer.locator(".jp-OutputArea")).not_to_contain_text("Error")
    test.scroll_into_view_if_needed()
    shots.take(page, "correct answer, the test passes")

    page.keyboard.press("Control+s")
    expect(page.locator(".jp-mod-dirty")).to_have_count(0)  # saved: the tab lost its unsaved dot
    saved = cells.load_notebook(notebook_path)
    assert "STRICT_QUAD" in cells.source_of(saved["cells"][answer_at]), "Ctrl+S did not write the answer to disk"

    page.get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Validation Results", timeout=120_000)  # validate runs the whole notebook
    expect(dialog).to_contain_text("NotImplementedError")  # the exercises not done yet are reported
    expect(dialog).not_to_contain_text(WRONG_MESSAGE)  # ... and the fixed one is not
    shots.take(page, "validate: the verdict lists the unfinished exercises")
    dialog.get_by_role("button", name="Ok").click()
    expect(dialog).to_have_count(0)


# --- an instructor in the formgrader ---------------------------------------------------


@pytest.fixture(scope="module")
def instructor_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab on a copy of the course root (config, solutions/, course/), as `make instructor` serves it."""
    workdir = tmp_path_factory.mktemp("instructor")
    root = workdir / "course-root"
    root.mkdir()
    shutil.copy2(REPO_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for name in ("solutions", "course"):
        shutil.copytree(REPO_ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "variants"))
    with jupyter_lab(root, workdir / "jupyter") as server:
        yield server


def test_instructor_finds_every_assignment_in_the_formgrader(instructor_lab: LabServer, page: Page) -> None:
    shots = Screenshots(ARTIFACTS / "instructor")
    assignments = sorted(p.name for p in (REPO_ROOT / "solutions").iterdir() if p.is_dir())

    page.goto(instructor_lab.url("lab"))
    page.get_by_role("menuitem", name="Nbgrader").click()
    shots.take(page, "nbgrader menu")
    page.get_by_role("menuitem", name=re.compile("Formgrader")).click()
    formgrader = page.frame_locator("iframe").first
    expect(formgrader.get_by_role("heading", name="Manage Assignments")).to_be_visible()
    for assignment in assignments:
        expect(formgrader.get_by_role("link", name=assignment, exact=True)).to_be_visible()
    shots.take(page, "formgrader lists the assignments")
    gradebook = instructor_lab.root_dir / "gradebook.db"
    assert gradebook.is_file(), "the formgrader did not use the course root's gradebook"
