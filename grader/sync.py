"""A fast check for commits: is course/ exactly what the build generates, free of outputs and secrets?

``python -m grader check`` proves the same and much more, by grading; this is the part that needs
no kernel, so the pre-commit hook can run it on every commit that touches an assignment.
"""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath

from grader.build import generate_scratch_release
from grader.contract import compare_releases, find_leaks
from grader.layout import CourseLayout
from grader.nbgrader_cli import NbgraderError


def assignments_named(layout: CourseLayout, names: list[str]) -> list[str]:
    """Assignments given by name or by any path inside solutions/ or course/ (hooks pass file paths).

    Paths elsewhere are ignored; no names at all means every assignment.
    """
    if not names:
        return layout.assignments()
    found: list[str] = []
    for name in names:
        parts = PurePosixPath(Path(name).as_posix()).parts
        if len(parts) >= 2 and parts[0] in (layout.solutions_dir.name, layout.course_dir.name):
            candidate = parts[1]
        elif len(parts) == 1:
            candidate = parts[0]
        else:
            continue
        if candidate not in found:
            found.append(candidate)
    return layout.resolve(found) if found else []


def release_problems(layout: CourseLayout, assignment: str) -> list[str]:
    """Why course/<assignment> is not the release of solutions/<assignment> (empty when it is)."""
    with tempfile.TemporaryDirectory(prefix=f"eng101-sync-{assignment}-") as tmp:
        try:
            scratch = generate_scratch_release(layout, assignment, Path(tmp) / "course")
        except NbgraderError as error:
            return [f"nbgrader generate_assignment failed: {error}"]
        problems = compare_releases(scratch.release_dir(assignment), layout.release_dir(assignment))
    return problems + [f"leak: {leak}" for leak in find_leaks(layout, assignment)]
