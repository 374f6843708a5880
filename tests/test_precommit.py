"""The pre-commit hooks, run by pre-commit itself on a scratch git repository holding one assignment.

Each hook must pass on the clean course and fail, saying why, on the mistake it exists for.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader import cells
from grader.layout import tool_environment

from .conftest import REPO_ROOT

ASSIGNMENT = "00_welcome"  # the smallest notebook keeps the nbval hook quick
NOTEBOOK = "welcome.ipynb"
COPIED = [".pre-commit-config.yaml", "pyproject.toml", "nbgrader_config.py", "conftest.py",
          "tools", "tests/nbval_sanitize.cfg", f"solutions/{ASSIGNMENT}", f"course/{ASSIGNMENT}"]


def test_every_hook_is_local_and_uses_the_course_environment() -> None:
    config = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert {repo["repo"] for repo in config["repos"]} == {"local"}, "hook repositories are unreachable offline"
    assert {hook["id"] for hook in hooks} == {"ruff", "course-in-sync", "solutions-outputs-fresh", "mutants-apply"}
    assert all(hook["entry"].startswith("tools/python-in-env ") for hook in hooks)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the hooks, the config and one assignment, committed."""
    root = tmp_path / "repo"
    for name in COPIED:
        source, target = REPO_ROOT / name, root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy2(source, target)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "course")
    return root


def run_hook(repo: Path, hook: str, *files: str) -> subprocess.CompletedProcess[str]:
    env = tool_environment()
    env.update(VIRTUAL_ENV=sys.prefix, PRE_COMMIT_HOME=str(repo.parent / "pre-commit-home"), NO_COLOR="1")
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    command = [sys.executable, "-m", "pre_commit", "run", hook, "--color", "never"]
    command += ["--files", *files] if files else ["--all-files"]
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=300)


def _edit_notebook(path: Path, edit) -> None:
    notebook = cells.load_notebook(path)
    edit(notebook)
    cells.save_notebook(notebook, path)


def _first_code_cell(notebook: dict) -> dict:
    return next(cell for cell in notebook["cells"] if cell["cell_type"] == "code" and cell.get("outputs"))


def test_the_hooks_pass_on_the_clean_course(repo: Path) -> None:
    for hook in ("ruff", "course-in-sync", "solutions-outputs-fresh", "mutants-apply"):
        result = run_hook(repo, hook)
        assert result.returncode == 0, f"{hook} failed on the clean course:\n{result.stdout}{result.stderr}"
        assert "Passed" in result.stdout, f"{hook} did not run:\n{result.stdout}"


def test_ruff_hook_lints_notebooks(repo: Path) -> None:
    path = repo / "solutions" / ASSIGNMENT / NOTEBOOK

    def add_unused_import(notebook: dict) -> None:
        cell = _first_code_cell(notebook)
        cell["source"] = "import os\n" + cells.source_of(cell)

    _edit_notebook(path, add_unused_import)
    result = run_hook(repo, "ruff", str(path.relative_to(repo)))
    assert result.returncode != 0
    assert "F401" in result.stdout and NOTEBOOK in result.stdout, result.stdout


def test_course_hook_rejects_a_release_with_outputs_or_edits(repo: Path) -> None:
    path = repo / "course" / ASSIGNMENT / NOTEBOOK
    relative = str(path.relative_to(repo))

    def store_an_output(notebook: dict) -> None:
        cell = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "42\n"}]
        cell["execution_count"] = 1

    _edit_notebook(path, store_an_output)
    result = run_hook(repo, "course-in-sync", relative)
    assert result.returncode != 0
    assert "stored outputs" in result.stdout and "python -m grader build" in result.stdout, result.stdout

    _git(repo, "checkout", "--", relative)
    (repo / "solutions" / ASSIGNMENT / NOTEBOOK).write_text(
        (repo / "solutions" / ASSIGNMENT / NOTEBOOK).read_text().replace("Welcome", "Hello", 1))
    result = run_hook(repo, "course-in-sync", f"solutions/{ASSIGNMENT}/{NOTEBOOK}")
    assert result.returncode != 0, "a changed solution with a stale course/ must fail"
    assert "differs from what the build generates" in result.stdout, result.stdout


def test_outputs_hook_rejects_stale_solution_outputs(repo: Path) -> None:
    path = repo / "solutions" / ASSIGNMENT / NOTEBOOK

    def tamper_with_an_output(notebook: dict) -> None:
        output = _first_code_cell(notebook)["outputs"][0]
        output["text"] = "a stale output that the code no longer prints\n"

    _edit_notebook(path, tamper_with_an_output)
    result = run_hook(repo, "solutions-outputs-fresh", str(path.relative_to(repo)))
    assert result.returncode != 0
    assert "failed" in result.stdout.lower(), result.stdout


def test_mutants_hook_rejects_an_edit_the_reference_outgrew(repo: Path) -> None:
    path = repo / "solutions" / ASSIGNMENT / NOTEBOOK
    edit = next((repo / "solutions" / ASSIGNMENT / "variants").rglob("mutant_*.edit"))
    searched = edit.read_text().split("<<<<<<< SEARCH\n", 1)[1].splitlines()[0]

    def change_the_searched_line(notebook: dict) -> None:
        for cell in notebook["cells"]:
            if searched in cells.source_of(cell):
                cell["source"] = cells.source_of(cell).replace(searched, searched + "  # reworded")

    _edit_notebook(path, change_the_searched_line)
    result = run_hook(repo, "mutants-apply", str(path.relative_to(repo)))
    assert result.returncode != 0
    assert edit.name in result.stdout and "no longer applies to the reference" in result.stdout, result.stdout

