"""Running stock nbgrader commands in a course directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from grader.layout import tool_environment


class NbgraderError(RuntimeError):
    """A stock nbgrader command failed; the message carries the end of its log, ``log`` all of it."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


def run_nbgrader(args: list[str], cwd: Path) -> str:
    """Run ``nbgrader ARGS`` with ``cwd`` as the course root; returns its combined log."""
    completed = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=tool_environment(),
        check=False,
    )
    log = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise NbgraderError(f"nbgrader {' '.join(args)} failed in {cwd}:\n{log[-4000:]}", log)
    return log
