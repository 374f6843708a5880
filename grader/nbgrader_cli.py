"""Running stock nbgrader commands in a course directory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import traceback
import warnings
from pathlib import Path

from grader.layout import tool_environment


class NbgraderError(RuntimeError):
    """A stock nbgrader command failed; the message carries the end of its log, ``log`` all of it."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


def run_nbgrader(args: list[str], cwd: Path) -> str:
    """Run ``nbgrader ARGS`` with ``cwd`` as the course root; returns its combined log.

    The command runs in a process of its own, as from a shell, but forked from this one with
    nbgrader imported once, instead of a new interpreter importing it again (about 2 s of CPU each
    time, and the suite runs nbgrader dozens of times). Where fork is missing, a subprocess.
    """
    if not hasattr(os, "fork"):
        return _run_subprocess(args, cwd)
    import nbgrader.apps.nbgraderapp  # noqa: F401 - imported once, here, for every forked command

    env = tool_environment()
    with tempfile.TemporaryDirectory(prefix="eng101-nbgrader-") as tmp:
        log_path = Path(tmp) / "log"
        with warnings.catch_warnings():  # 3.12+ warns about fork in a threaded process; the child only
            warnings.simplefilter("ignore", DeprecationWarning)  # runs nbgrader, which takes no lock of ours
            pid = os.fork()
        if pid == 0:
            code = 70
            try:
                code = _nbgrader_main(args, str(cwd), env, str(log_path))
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    if code != 0:
        raise NbgraderError(f"nbgrader {' '.join(args)} failed in {cwd} (exit {code}):\n{log[-4000:]}", log)
    return log


def _run_subprocess(args: list[str], cwd: Path) -> str:
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


def _nbgrader_main(args: list[str], cwd: str, env: dict[str, str], log_path: str) -> int:
    """In the forked process: be ``nbgrader ARGS`` in ``cwd`` with ``env``, logging to ``log_path``."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115 - the process's own
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
    sys.argv = ["nbgrader", *args]
    from nbgrader.apps.nbgraderapp import main

    try:
        main()
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return 0
