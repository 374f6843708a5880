"""Where things are in a course: the directories its nbgrader_config.py names (nbgrader's defaults otherwise)."""

from __future__ import annotations

import glob
import os
import re
import string
import sys
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

#: Files and directories nbgrader must not copy into the release (kept in step
#: with nbgrader_config.py; tests/test_grader_units.py checks that they agree).
IGNORED = (".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "variants")

#: Per-notebook budgets of COURSE_DESIGN.md §6.
TIME_BUDGET_SECONDS = 30.0
MEMORY_BUDGET_BYTES = 1 << 30

CONFIG_FILE = "nbgrader_config.py"

#: nbgrader's own defaults for the CourseDirectory traits the layout reads (importing nbgrader
#: costs ~2 s, so they are not read from its class here; tests/test_any_course.py checks they agree).
NBGRADER_DEFAULTS = {
    "source_directory": "source",
    "release_directory": "release",
    "submitted_directory": "submitted",
    "autograded_directory": "autograded",
    "feedback_directory": "feedback",
    "directory_structure": os.path.join("{nbgrader_step}", "{student_id}", "{assignment_id}"),
    "ignore": [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"],
}


class UnknownAssignmentError(ValueError):
    """An assignment named on the command line is not in the course's source directory."""


def is_ignored(relative: Path, patterns: tuple[str, ...] | list[str] = IGNORED) -> bool:
    return any(fnmatch(part, pattern) for part in relative.parts for pattern in patterns)


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


def load_nbgrader_config(config_dir: Path) -> Config:
    """The traitlets Config of ``config_dir/nbgrader_config.py`` (empty when there is none)."""
    from traitlets.config.loader import Config, PyFileConfigLoader

    if not (config_dir / CONFIG_FILE).is_file():
        return Config()
    return PyFileConfigLoader(CONFIG_FILE, path=str(config_dir)).load_config()


def _configured_root(config_dir: Path) -> Path:
    """The course root a config sets (``CourseDirectory.root``), else the config's own directory."""
    section = load_nbgrader_config(config_dir).CourseDirectory
    if "root" not in section:
        return config_dir
    return (config_dir / os.path.expanduser(str(section.root))).resolve()


@dataclass(frozen=True)
class CourseLayout:
    """An nbgrader course: its root and the directories its nbgrader_config.py names.

    ``root`` is nbgrader's ``CourseDirectory.root``; the config is read from ``config_dir``
    (default: the root). Every directory (source, release, submitted, autograded, feedback), the
    directory structure, the gradebook and the course id are the ones stock nbgrader would use
    when run in the config's directory: this repository's config names solutions/ and course/, a
    course on nbgrader's defaults has source/ and release/.
    """

    root: Path
    config_dir: Path | None = None

    @classmethod
    def at(cls, directory: Path) -> CourseLayout:
        """The course configured by ``directory/nbgrader_config.py`` (its root may be set elsewhere)."""
        directory = directory.resolve()
        root = _configured_root(directory)
        return cls(root) if root == directory else cls(root, config_dir=directory)

    @classmethod
    def find(cls, start: Path | None = None) -> CourseLayout:
        """The course whose nbgrader_config.py is in ``start`` or one of its parents."""
        here = (start or Path.cwd()).resolve()
        for directory in (here, *here.parents):
            if (directory / CONFIG_FILE).is_file():
                return cls.at(directory)
        raise FileNotFoundError(f"no course found at or above {here}: expected {CONFIG_FILE}")

    # --- configuration -------------------------------------------------------------------------

    @property
    def config_file(self) -> Path:
        return (self.config_dir or self.root) / CONFIG_FILE

    def nbgrader_config(self) -> Config:
        """A fresh copy of the course's nbgrader config, with ``CourseDirectory.root`` made explicit.

        nbgrader's default root is the working directory; the layout's root is used instead, so the
        grader finds the same course whatever directory it was started from.
        """
        config = load_nbgrader_config(self.config_file.parent)
        config.CourseDirectory.root = str(self.root)
        return config

    @cached_property
    def _settings(self) -> dict[str, Any]:
        from traitlets.config.loader import LazyConfigValue

        section = self.nbgrader_config().CourseDirectory
        settings = {}
        for name, default in NBGRADER_DEFAULTS.items():
            value = section.get(name, default)  # c.CourseDirectory.ignore.append(...) is a lazy edit of the default
            settings[name] = value.get_value(list(default)) if isinstance(value, LazyConfigValue) else value
        return settings

    def coursedir(self) -> CourseDirectory:
        """nbgrader's own ``CourseDirectory`` for this course (imports nbgrader: ~2 s the first time)."""
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(config=self.nbgrader_config())

    @cached_property
    def _gradebook(self) -> tuple[str, str]:
        coursedir = self.coursedir()
        return coursedir.db_url, coursedir.course_id

    @property
    def db_url(self) -> str:
        """The gradebook's URL exactly as nbgrader resolves it (default ``sqlite:///<root>/gradebook.db``)."""
        return self._gradebook[0]

    @property
    def course_id(self) -> str:
        return self._gradebook[1]

    @property
    def ignore(self) -> list[str]:
        """nbgrader's ``CourseDirectory.ignore``: what it leaves out when it copies a directory."""
        return list(self._settings["ignore"])

    # --- directories ---------------------------------------------------------------------------

    def _step(self, name: str) -> Path:
        return self.root / self._settings[name]

    @property
    def source_root(self) -> Path:
        """The instructor's source (``CourseDirectory.source_directory``; solutions/ here)."""
        return self._step("source_directory")

    @property
    def release_root(self) -> Path:
        """The student release (``CourseDirectory.release_directory``; course/ here)."""
        return self._step("release_directory")

    @property
    def submitted_root(self) -> Path:
        return self._step("submitted_directory")

    @property
    def autograded_root(self) -> Path:
        return self._step("autograded_directory")

    @property
    def feedback_root(self) -> Path:
        return self._step("feedback_directory")

    def instructor_paths(self) -> list[Path]:
        """Where instructor state lives (solutions, submissions, grades, feedback, the gradebook):
        directories a student's kernel must never see, wherever the config puts them."""
        paths = [self.root, self.source_root, self.submitted_root, self.autograded_root, self.feedback_root]
        if self.db_url.startswith("sqlite:///"):
            paths.append(Path(self.db_url.removeprefix("sqlite:///")).parent)
        return sorted({Path(os.path.abspath(path)) for path in paths if len(Path(os.path.abspath(path)).parts) > 1})

    #: Names this repository's tools have always used.
    solutions_dir = source_root
    course_dir = release_root

    def path(self, step: str, student: str, assignment: str) -> Path:
        """nbgrader's ``format_path``: ``step`` is a directory name such as ``submitted`` or an absolute path."""
        kwargs = {"nbgrader_step": step, "student_id": student, "assignment_id": assignment}
        return Path(os.path.normpath(os.path.join(self.root, self._settings["directory_structure"].format(**kwargs))))

    def source_dir(self, assignment: str) -> Path:
        return self.path(self._settings["source_directory"], ".", assignment)

    def release_dir(self, assignment: str) -> Path:
        return self.path(self._settings["release_directory"], ".", assignment)

    def submission_dir(self, student: str, assignment: str) -> Path:
        return self.path(self._settings["submitted_directory"], student, assignment)

    def autograded_dir(self, student: str, assignment: str) -> Path:
        return self.path(self._settings["autograded_directory"], student, assignment)

    def feedback_dir(self, student: str, assignment: str) -> Path:
        return self.path(self._settings["feedback_directory"], student, assignment)

    def _ids(self, step: str, student: str, assignment: str) -> list[tuple[str, str]]:
        """(student, assignment) of every existing directory of ``step``; ``*`` matches any one name."""
        values = {"nbgrader_step": step, "student_id": student, "assignment_id": assignment}
        pattern, regex = [], []
        for literal, name, _, _ in string.Formatter().parse(self._settings["directory_structure"]):
            pattern.append(glob.escape(literal))
            regex.append(re.escape(literal))
            if name is not None:
                value = values[name]
                pattern.append("*" if value == "*" else glob.escape(value))
                regex.append(f"(?P<{name}>[^{re.escape(os.sep)}]+)" if value == "*" else re.escape(value))
        relative = "".join(pattern)
        prefix = "" if os.path.isabs(relative) else str(self.root) + os.sep
        matcher = re.compile(re.escape(prefix) + "".join(regex))
        found = []
        for path in sorted(glob.glob(glob.escape(prefix) + relative)):
            match = matcher.fullmatch(path)
            if match and os.path.isdir(path):
                ids = match.groupdict()
                found.append((ids.get("student_id", student), ids.get("assignment_id", assignment)))
        return found

    # --- assignments ---------------------------------------------------------------------------

    def assignments(self) -> list[str]:
        """Every assignment: a directory of the source holding at least one notebook."""
        found = []
        for _, name in self._ids(self._settings["source_directory"], ".", "*"):
            if not is_ignored(Path(name), self.ignore) and any(self.source_dir(name).glob("*.ipynb")):
                found.append(name)
        return sorted(found)

    def submitted_students(self, assignment: str) -> list[str]:
        """Every student with a submission of ``assignment``."""
        return sorted({s for s, _ in self._ids(self._settings["submitted_directory"], "*", assignment)})

    def autograded_students(self, assignment: str) -> list[str]:
        return sorted({s for s, _ in self._ids(self._settings["autograded_directory"], "*", assignment)})

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
                + ("" if known else f" (no assignment with a notebook in {self.source_root})")
            )
        return unknown

    def source_notebooks(self, assignment: str) -> list[Path]:
        return sorted(self.source_dir(assignment).glob("*.ipynb"))
