"""Where things are in a course repository (or a temporary copy of one)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

#: Files and directories nbgrader must not copy into the release (kept in step
#: with nbgrader_config.py; tests/test_layout.py checks that they agree).
IGNORED = (".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "variants")

#: Per-notebook budgets of COURSE_DESIGN.md §6.
TIME_BUDGET_SECONDS = 30.0
MEMORY_BUDGET_BYTES = 1 << 30


class UnknownAssignmentError(ValueError):
    """An assignment named on the command line does not exist in solutions/."""


def is_ignored(relative: Path) -> bool:
    return any(fnmatch(part, pattern) for part in relative.parts for pattern in IGNORED)


def tool_environment() -> dict[str, str]:
    """The environment for nbgrader and kernels: this interpreter's bin/ first on PATH.

    nbgrader shells out to ``alembic`` and the ``python3`` kernelspec starts
    ``python``; both must be the ones from the environment running the grader.
    """
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env.setdefault("PYTHONHASHSEED", "0")
    return env


@dataclass(frozen=True)
class CourseLayout:
    """A course tree: solutions/ (source), course/ (release) and the nbgrader config."""

    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> CourseLayout:
        """The course whose nbgrader_config.py is in ``start`` or one of its parents."""
        here = (start or Path.cwd()).resolve()
        for directory in (here, *here.parents):
            if (directory / "nbgrader_config.py").is_file() and (directory / "solutions").is_dir():
                return cls(directory)
        raise FileNotFoundError(
            f"no course found at or above {here}: expected nbgrader_config.py and solutions/"
        )

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    @property
    def course_dir(self) -> Path:
        return self.root / "course"

    @property
    def config_file(self) -> Path:
        return self.root / "nbgrader_config.py"

    def assignments(self) -> list[str]:
        """Every assignment: a directory of solutions/ holding at least one notebook."""
        if not self.solutions_dir.is_dir():
            return []
        return sorted(
            entry.name
            for entry in self.solutions_dir.iterdir()
            if entry.is_dir() and not is_ignored(Path(entry.name)) and any(entry.glob("*.ipynb"))
        )

    def resolve(self, names: list[str] | None) -> list[str]:
        """The named assignments (all when none are named), or a clear error."""
        known = self.assignments()
        if not names:
            return known
        unknown = [name.rstrip("/").split("/")[-1] for name in names]
        missing = [name for name in unknown if name not in known]
        if missing:
            raise UnknownAssignmentError(
                f"unknown assignment(s): {', '.join(missing)}; known: {', '.join(known) or 'none'}"
            )
        return unknown

    def source_notebooks(self, assignment: str) -> list[Path]:
        return sorted((self.solutions_dir / assignment).glob("*.ipynb"))

    def release_dir(self, assignment: str) -> Path:
        return self.course_dir / assignment
