"""Shared fixtures for the test suite."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from grader.layout import CourseLayout, tool_environment

REPO_ROOT = Path(__file__).resolve().parent.parent

# nbgrader, used in-process by some tests, shells out to alembic: the environment's bin/ must be
# on PATH even when the suite is started as `.venv/bin/python -m pytest` rather than `make test`.
os.environ["PATH"] = tool_environment()["PATH"]


@pytest.fixture(scope="session")
def repo_layout() -> CourseLayout:
    return CourseLayout(REPO_ROOT)


@pytest.fixture
def course_copy(tmp_path: Path) -> CourseLayout:
    """A scratch copy of this repository's course (config, solutions, course, datasets)."""
    for name in ("nbgrader_config.py",):
        shutil.copy2(REPO_ROOT / name, tmp_path / name)
    for name in ("solutions", "course", "datasets"):
        shutil.copytree(REPO_ROOT / name, tmp_path / name,  # the flights data stay out: 34 MB per test
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "nycflights13"))
    return CourseLayout(tmp_path)
