"""A class on a real JupyterHub: real accounts, PAM logins, each server as its user, nbgrader's exchange.

`python -m grader.hub start` creates an instructor and two students; the instructor releases
00_welcome; each student logs in in headless Chromium, fetches it in the Assignments tab, answers
(one right, one wrong, through the Jupyter contents API), validates and submits; the instructor
collects, grades with `python -m grader autograde` and releases feedback; each student fetches and
opens their own feedback. Then each student tries, as their own Unix account and through their own
server, to read the other's submission and the instructor's files, and must fail. What a person
clicks goes through the browser; what a script would do goes through the Hub's REST API and the
servers' APIs behind the Hub's proxy. Everything binds to 127.0.0.1; `grader.hub stop` removes the
accounts, processes and files, also when the test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader import cells, hub

from .conftest import REPO_ROOT
from .jupyter_browser import CHROMIUM_ARGS, Screenshots, find_chromium

pytestmark = pytest.mark.xdist_group("hub")  # real accounts and a real hub: alone in its group

ARTIFACTS = REPO_ROOT / "test-artifacts" / "hub"
ASSIGNMENT, NOTEBOOK = "00_welcome", "welcome.ipynb"
EXERCISE = "count_nines"
POINTS = 3.0
WRONG_ANSWER = "def count_nines(availability: float) -> int:\n    return 9\n"
UI_TIMEOUT_MS = 60_000
SERVER_TIMEOUT_S = 120.0
INSTRUCTOR_EXTENSIONS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                         "@jupyter/nbgrader:course-list")


def machine_cannot_run_a_hub() -> str | None:
    """Why this machine cannot run the class, or None."""
    if os.name != "posix" or os.geteuid() != 0:
        return "creating Unix accounts and spawning servers as them needs root (CI runs the suite as root)"
    for tool in ("useradd", "npm"):
        if shutil.which(tool) is None:
            return f"no {tool} on this machine (Debian: apt-get install passwd npm)"
    if find_chromium() is None:
        return "no Chromium on this machine: `apt-get install chromium` (make test does it as root)"
    return None


# --- the hub and its accounts --------------------------------------------------------------


@dataclass
class Class:
    roster: hub.Roster
    logins: dict[str, str]
    tokens: dict[str, str]

    @property
    def state(self) -> Path:
        return Path(self.roster.state)

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)

    def server_api(self, user: str, path: str, method: str = "GET", body: bytes | None = None,
                   token_of: str | None = None, form: dict[str, str] | None = None) -> tuple[int, bytes]:
        """A request to ``user``'s server through the hub's proxy, with ``token_of``'s token (default: theirs)."""
        headers = {"Authorization": f"token {self.tokens[token_of or user]}"}
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(f"{self.roster.url}user/{user}/{path.lstrip('/')}", data=body,
                                         method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=180) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def ok_json(self, user: str, path: str, method: str = "GET", **kwargs) -> object:
        status, text = self.server_api(user, path, method, **kwargs)
        assert status in (200, 201), f"{method} {path} as {user}: {status} {text[:2000]!r}"
        return json.loads(text) if text else None

    def run_as(self, user: str, *argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        """A command as ``user`` with the environment their server has (course python first on PATH)."""
        role = "instructor" if user == self.roster.instructor else "student"
        python_bin = str(Path(self.roster.python).parent)
        env = {"PATH": f"{python_bin}:/usr/bin:/bin", "HOME": str(self.home(user)), "USER": user,
               "LANG": "C.UTF-8", "ENG101_DATA_DIR": str(REPO_ROOT / "datasets"),
               "JUPYTER_CONFIG_PATH": f"{self.state / 'config'}:{REPO_ROOT / 'deploy' / 'lab' / role}"}
        return subprocess.run(list(argv), user=user, group=user, extra_groups=[], env=env,
                              cwd=cwd or self.home(user), capture_output=True, text=True, check=False)


def wait_until_ready(roster: hub.Roster, users: list[str]) -> None:
    deadline = time.monotonic() + SERVER_TIMEOUT_S
    waiting = set(users)
    while waiting and time.monotonic() < deadline:
        for user in sorted(waiting):
            if hub.api(roster, f"users/{user}")["servers"].get("", {}).get("ready"):
                waiting.discard(user)
        time.sleep(0.2)
    log = (Path(roster.state) / "jupyterhub.log").read_text()[-4000:]
    assert not waiting, f"servers of {sorted(waiting)} not ready in {SERVER_TIMEOUT_S:.0f} s:\n{log}"


@contextlib.contextmanager
def passable_for_the_class() -> Iterator[list[str]]:
    """Let other accounts pass through (o+x: enter, not list) the directories above this checkout and its
    environment while the test runs, and restore their modes after.

    A CI machine may clone under a private home (/root is 0700); `grader.hub start` refuses such a
    checkout, rightly, for a real class. The test is on a throwaway machine and changes only the
    traverse bit, only for its own duration.
    """
    reached = [Path(sys.prefix), Path(sys.executable).resolve(), REPO_ROOT / "course", REPO_ROOT / "eng101",
               REPO_ROOT / "grader", REPO_ROOT / "datasets"]
    changed: list[tuple[Path, int]] = []
    try:
        for directory in sorted({d for path in reached for d in hub.untraversable(path)}):
            mode = stat.S_IMODE(os.stat(directory).st_mode)
            os.chmod(directory, mode | stat.S_IXOTH)
            changed.append((directory, mode))
        yield [str(directory) for directory, _ in changed]
    finally:
        for directory, mode in reversed(changed):
            os.chmod(directory, mode)


@pytest.fixture(scope="module")
def a_class() -> Iterator[Class]:
    reason = machine_cannot_run_a_hub()
    if reason:
        pytest.skip(reason)
    state = Path(tempfile.mkdtemp(prefix="eng101-hub-"))
    with passable_for_the_class() as opened:
        if opened:
            print(f"o+x for the test's duration on {', '.join(opened)}")
        yield from _a_class(state)


def _a_class(state: Path) -> Iterator[Class]:
    try:
        started = time.monotonic()
        roster = hub.start(state, students=2, port=0)
        print(f"hub up in {time.monotonic() - started:.1f} s: {roster.url}")
        users = [roster.instructor, *roster.students]
        for user in users:  # the script's way in: start every server before class, in parallel
            hub.api(roster, f"users/{user}/server", "POST")
        tokens = {user: hub.api(roster, f"users/{user}/tokens", "POST", {"note": "test"})["token"] for user in users}
        wait_until_ready(roster, users)
        print(f"servers ready {time.monotonic() - started:.1f} s after start")
        yield Class(roster, hub.passwords(state), tokens)
    finally:
        hub.stop(state)
        shutil.rmtree(state, ignore_errors=True)


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(a_class: Class):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def log_in(browser, a_class: Class, user: str):
    """A new browser session: the hub's login form, then the user's JupyterLab."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    page.goto(f"{a_class.roster.url}hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", a_class.logins[user])
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{user}/lab"))
    expect(page.locator("#jp-main-dock-panel")).to_be_visible()
    return context, page


def open_assignments(page) -> None:
    """Nbgrader -> Assignment List; a student's menu has none of the instructor's entries."""
    from playwright.sync_api import expect

    page.get_by_role("menuitem", name="Nbgrader").click()
    entry = page.get_by_role("menuitem", name="Assignment List")
    expect(entry).to_be_visible()
    instructor_entries = page.get_by_role("menuitem", name=re.compile("Formgrader|Course List|Create Assignment", re.I))
    expect(instructor_entries).to_have_count(0)
    entry.click()


# --- the cycle ----------------------------------------------------------------------------------


def answer(notebook: dict, right: bool) -> dict:
    source = cells.load_notebook(REPO_ROOT / "solutions" / ASSIGNMENT / NOTEBOOK)
    _, reference = cells.find_cell(source, EXERCISE)
    _, cell = cells.find_cell(notebook, EXERCISE)
    cell["source"] = cells.reference_answer(reference) if right else WRONG_ANSWER
    return notebook


def test_a_class_on_jupyterhub(a_class: Class, browser) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=UI_TIMEOUT_MS)
    instructor, (right, wrong) = a_class.roster.instructor, a_class.roster.students
    shots = {user: Screenshots(ARTIFACTS / user) for user in (right, wrong)}
    began = time.monotonic()

    def phase(name: str) -> None:  # shown with -s: where the time goes
        print(f"{time.monotonic() - began:6.1f} s  {name}")

    # The instructor releases through the formgrader's API behind the hub (what the buttons call).
    assert a_class.ok_json(instructor, f"formgrader/api/assignment/{ASSIGNMENT}/assign", "POST")["success"]
    assert a_class.ok_json(instructor, f"formgrader/api/assignment/{ASSIGNMENT}/release", "POST")["success"]

    phase("released")
    pages = {}
    for student in (right, wrong):
        context, page = log_in(browser, a_class, student)
        pages[student] = page
        open_assignments(page)
        released = page.locator("#released_assignments_list")
        expect(released).to_contain_text(ASSIGNMENT)
        shots[student].take(page, "assignments tab lists the release")
        released.get_by_role("button", name="Fetch").click()
        expect(page.locator("#fetched_assignments_list")).to_contain_text(ASSIGNMENT)
        path = f"{ASSIGNMENT}/{NOTEBOOK}"
        model = a_class.ok_json(student, f"api/contents/{path}?content=1")
        notebook = answer(model["content"], right=student == right)
        a_class.ok_json(student, f"api/contents/{path}", "PUT",
                        body=json.dumps({"type": "notebook", "format": "json", "content": notebook}).encode())
        verdict = a_class.ok_json(student, "assignments/validate", "POST", form={"path": path})
        assert verdict["success"], verdict
        assert (verdict["value"].get("failed") is None) == (student == right), verdict["value"]
        page.locator("#fetched_assignments_list").get_by_role("button", name="Submit").click()
        expect(page.locator("#submitted_assignments_list")).to_contain_text(ASSIGNMENT)
        shots[student].take(page, "submitted")
        phase(f"{student} logged in, fetched, answered, validated, submitted")

    collected = a_class.ok_json(instructor, f"formgrader/api/assignment/{ASSIGNMENT}/collect", "POST")
    assert collected["success"], collected
    graded = a_class.run_as(instructor, a_class.roster.python, "-m", "grader", "autograde", ASSIGNMENT,
                            "--jobs", "2")
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    print(graded.stdout[-1200:], graded.stderr[-1200:])
    feedback = a_class.run_as(instructor, a_class.roster.python, "-m", "grader", "feedback", ASSIGNMENT)
    assert feedback.returncode == 0, feedback.stdout[-3000:] + feedback.stderr[-3000:]
    released = a_class.ok_json(instructor, f"formgrader/api/assignment/{ASSIGNMENT}/release_feedback", "POST")
    assert released["success"], released
    phase("collected, graded, feedback released")

    for student, score in ((right, POINTS), (wrong, 0.0)):
        page = pages[student]
        submitted = page.locator("#submitted_assignments_list")
        submitted.get_by_role("button", name="Fetch Feedback").click()
        submitted.get_by_text("(view feedback)").click()  # the file browser goes to the feedback folder
        feedback_page = page.locator(".jp-DirListing-item", has_text=NOTEBOOK.replace(".ipynb", ".html"))
        expect(feedback_page).to_be_visible()
        shots[student].take(page, "feedback fetched")
        html = page.context.new_page()  # "Open in New Browser Tab": the page as the student reads it
        html.goto(f"{a_class.roster.url}user/{student}/files/{ASSIGNMENT}/feedback/"
                  f"{feedback_folder(a_class, student)}/{NOTEBOOK.replace('.ipynb', '.html')}")
        expect(html.locator("body")).to_contain_text(f"Student {student}: {score:g} / {POINTS:g} points")
        shots[student].take(html, "own feedback")
        page.context.close()
        phase(f"{student} read their feedback")

    check_students_are_walled_off(a_class, right, wrong)
    phase("walls checked")


def feedback_folder(a_class: Class, student: str) -> str:
    """The timestamped folder fetch_feedback made in the student's copy of the assignment."""
    folders = [p.name for p in (a_class.home(student) / ASSIGNMENT / "feedback").iterdir()]
    assert len(folders) == 1, f"{student}'s feedback folders: {folders}"
    return folders[0]


def check_students_are_walled_off(a_class: Class, right: str, wrong: str) -> None:
    """Each student, as their Unix account and through their server, cannot read what is not theirs.

    In the exchange, nbgrader's model is that a student cannot *find* another's files: inbound/ is
    writable but not listable, and each submission's name ends in 72 random bits (os.urandom(9)).
    Everywhere else (homes, the instructor's course) the permissions themselves refuse.
    """
    instructor = a_class.roster.instructor
    inbound = a_class.state / "exchange" / "eng101" / "inbound"
    for owner in (right, wrong):
        names = [p.name for p in inbound.iterdir() if p.name.startswith(f"{owner}+{ASSIGNMENT}+")]
        assert len(names) == 1 and re.fullmatch(r".+\+[A-Za-z0-9_-]{12}", names[0]), names  # the random suffix
    instructor_files = [a_class.home(instructor) / "gradebook.db",
                        a_class.home(instructor) / "solutions" / ASSIGNMENT / NOTEBOOK,
                        a_class.home(instructor) / "submitted" / right / ASSIGNMENT / NOTEBOOK,
                        a_class.home(instructor) / "feedback" / right / ASSIGNMENT / "welcome.html"]
    for student, other in ((right, wrong), (wrong, right)):
        readable = a_class.run_as(student, "cat", str(a_class.home(student) / ASSIGNMENT / NOTEBOOK))
        assert readable.returncode == 0, f"{student} cannot read their own notebook: {readable.stderr}"
        other_feedback = a_class.home(other) / ASSIGNMENT / "feedback" / feedback_folder(a_class, other)
        for target in [a_class.home(other) / ASSIGNMENT / NOTEBOOK, other_feedback / "welcome.html",
                       *instructor_files]:
            assert target.exists(), f"nothing to try: {target} is missing"
            attempt = a_class.run_as(student, "cat", str(target))
            assert attempt.returncode != 0 and "Permission denied" in attempt.stderr, \
                f"{student} could read {target}"
        for directory in (inbound, a_class.state / "exchange" / "eng101" / "feedback"):
            listing = a_class.run_as(student, "ls", str(directory))
            assert listing.returncode != 0 and "Permission denied" in listing.stderr, \
                f"{student} could list {directory}: {listing.stdout}"
        # through their own server: the contents API stays in their home; another's server refuses them
        status, _ = a_class.server_api(student, f"api/contents/../{other}/{ASSIGNMENT}/{NOTEBOOK}")
        assert status in (403, 404), f"{student}'s server served {other}'s notebook ({status})"
        status, _ = a_class.server_api(other, f"api/contents/{ASSIGNMENT}/{NOTEBOOK}", token_of=student)
        assert status == 403, f"{other}'s server answered {student}'s token with {status}"
        status, _ = a_class.server_api(instructor, "api/contents/gradebook.db", token_of=student)
        assert status == 403, f"the instructor's server answered {student}'s token with {status}"


# --- roles --------------------------------------------------------------------------------------


def lab_page_config(a_class: Class, user: str) -> dict:
    status, html = a_class.server_api(user, "lab")
    assert status == 200, f"{user}'s lab page: {status}"
    found = re.search(rb'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no page config in {user}'s lab page"
    return json.loads(found.group(1))


def test_roles_students_get_no_instructor_tools_and_no_pop_ups(a_class: Class) -> None:
    instructor, student = a_class.roster.instructor, a_class.roster.students[0]
    disabled = {user: set(lab_page_config(a_class, user).get("disabledExtensions", []))
                for user in (instructor, student)}
    assert set(INSTRUCTOR_EXTENSIONS) <= disabled[student], disabled[student]
    assert not set(INSTRUCTOR_EXTENSIONS) & disabled[instructor], disabled[instructor]
    assert "@jupyter/nbgrader:assignment-list" not in disabled[student]
    assert "@jupyter/nbgrader:validate-assignment" not in disabled[student]
    assert a_class.server_api(student, "formgrader")[0] == 404  # the server extension is off, not just hidden
    assert a_class.server_api(instructor, "formgrader")[0] == 200
    for user in (instructor, student):
        settings = a_class.ok_json(user, "lab/api/settings/@jupyterlab/apputils-extension:notification")
        # the overrides become the schema's defaults; the user has set nothing
        default = settings["schema"]["properties"]["fetchNews"]["default"]
        assert default == "false" and "fetchNews" not in settings["settings"], (user, default, settings["settings"])


@pytest.mark.parametrize("role", ["student", "instructor"])
def test_make_lab_roles_page_config(role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make lab` (student) and `make instructor` point JUPYTER_CONFIG_PATH at deploy/lab/<role>, as the hub does."""
    from jupyter_core.paths import jupyter_path
    from jupyterlab.commands import get_app_dir
    from jupyterlab_server.config import get_page_config
    from jupyterlab_server.settings_utils import _get_overrides

    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(REPO_ROOT / "deploy" / "lab" / role))
    settings_dir = os.path.join(get_app_dir(), "settings")
    page_config = get_page_config([os.path.join(d, "labextensions") for d in jupyter_path()], settings_dir)
    disabled = set(page_config.get("disabledExtensions", []))
    if role == "student":
        assert set(INSTRUCTOR_EXTENSIONS) <= disabled, disabled
    else:
        assert not set(INSTRUCTOR_EXTENSIONS) & disabled, disabled
    assert not {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment"} & disabled
    overrides, error = _get_overrides(settings_dir)
    assert not error, error
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
