"""Generating the student release (course/) from the instructor source (solutions/)."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.layout import IGNORED, CourseLayout
from grader.nbgrader_cli import run_nbgrader


def build(layout: CourseLayout, assignments: list[str]) -> None:
    """Regenerate course/<assignment> with stock ``nbgrader generate_assignment``.

    Run in the course root, so nbgrader also records the assignment in the
    instructor's gradebook, exactly as the stock command does.
    """
    for assignment in assignments:
        run_nbgrader(["generate_assignment", assignment, "--force"], cwd=layout.root)


def scratch_course(layout: CourseLayout, assignment: str, workdir: Path) -> CourseLayout:
    """A throwaway copy of the course holding one assignment's source and the config."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(layout.config_file, workdir / "nbgrader_config.py")
    shutil.copytree(
        layout.solutions_dir / assignment,
        workdir / "solutions" / assignment,
        ignore=shutil.ignore_patterns(*IGNORED),
    )
    return CourseLayout(workdir)


def generate_scratch_release(layout: CourseLayout, assignment: str, workdir: Path) -> CourseLayout:
    """Generate the release of ``assignment`` in a scratch course (with its own gradebook)."""
    scratch = scratch_course(layout, assignment, workdir)
    run_nbgrader(["generate_assignment", assignment], cwd=scratch.root)
    return scratch
