"""Running stock nbgrader commands in a course directory.

Each command runs in a process of its own, as from a shell, but not in a new interpreter: a small
server process (``python -m grader.nbgrader_cli --serve``) imports nbgrader once (about 2 s of CPU)
and forks one child per command, which sets its directory, environment and output and runs
nbgrader's own ``main``. The server is single-threaded, so the fork is safe; forking the grader
itself is not (a pytest-xdist worker or the contract's judge thread may hold a lock, an I/O buffer's
say, at the moment of the fork, and the child would wait for it forever). Servers are pooled: a
caller takes an idle one or starts one, so concurrent callers never share one.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from grader.layout import tool_environment


class NbgraderError(RuntimeError):
    """A stock nbgrader command failed; the message carries the end of its log, ``log`` all of it."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


def run_nbgrader(args: list[str], cwd: Path) -> str:
    """Run ``nbgrader ARGS`` with ``cwd`` as the course root; returns its combined log."""
    with tempfile.TemporaryDirectory(prefix="eng101-nbgrader-") as tmp:
        log_path = Path(tmp) / "log"
        request = {"args": list(args), "cwd": str(cwd), "env": tool_environment(), "log": str(log_path)}
        with _server() as server:
            code = server.run(request) if server else None
        if code is None:  # no server could start: an interpreter of its own, as before
            return _run_subprocess(args, cwd)
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


class _Server:
    """One ``--serve`` process: a request line in, the command's exit status line out."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader.nbgrader_cli", "--serve"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=tool_environment(),
        )

    def run(self, request: dict[str, object]) -> int | None:
        """The command's exit status, or None when the server is gone."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(json.dumps(request) + "\n")
            stdin.flush()
            reply = stdout.readline()
        except OSError:
            return None
        return int(json.loads(reply)["code"]) if reply else None

    def alive(self) -> bool:
        return self.process.poll() is None


_idle: list[_Server] = []
_idle_lock = threading.Lock()


@contextlib.contextmanager
def _server() -> Iterator[_Server | None]:
    """An idle server for this caller alone (started if none is idle); None if none can start."""
    with _idle_lock:
        while _idle and not _idle[-1].alive():
            _idle.pop()
        server = _idle.pop() if _idle else None
    if server is None:
        try:
            server = _Server()
        except OSError:
            yield None
            return
    try:
        yield server
    finally:
        if server.alive():
            with _idle_lock:
                _idle.append(server)


def alembic_head() -> str:
    """The gradebook schema's alembic revision, read in this process from nbgrader's own migrations.

    nbgrader stamps every new gradebook with it and finds it by running ``alembic heads`` in a new
    interpreter (``nbgrader.api.get_alembic_version``): 1.5-3 s of CPU per gradebook, for a value that
    only changes with nbgrader's version. The same script directory, asked through alembic's API.
    """
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini("sqlite:///gradebook.db") as ini:
        head = ScriptDirectory.from_config(Config(ini)).get_current_head()
    if not head:
        raise RuntimeError("nbgrader's alembic migrations have no head revision")
    return head


def remember_alembic_head() -> None:
    """Make ``nbgrader.api.get_alembic_version`` answer from memory (see :func:`alembic_head`)."""
    import nbgrader.api

    head = alembic_head()
    nbgrader.api.get_alembic_version = lambda: head


def compile_notebook_schemas() -> None:
    """Compile nbformat's JSON schema validators (strict and relaxed) before the forks inherit them.

    nbformat compiles them lazily, once per process, about 0.7 s of CPU: in every command otherwise.
    """
    import nbformat.v4
    from nbformat.validator import get_validator

    for relaxed in (False, True):
        get_validator(4, nbformat.v4.nbformat_minor, relax_add_props=relaxed)


def serve(requests: IO[str], replies: IO[str]) -> None:
    """The server loop: import nbgrader once, then fork a child per request and report its status."""
    import nbgrader.apps.nbgraderapp  # noqa: F401 - imported once here, inherited by every command

    remember_alembic_head()
    compile_notebook_schemas()

    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                code = _nbgrader_main(request["args"], request["cwd"], request["env"], request["log"])
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        replies.write(json.dumps({"code": os.waitstatus_to_exitcode(status)}) + "\n")
        replies.flush()


def _nbgrader_main(args: list[str], cwd: str, env: dict[str, str], log_path: str) -> int:
    """In the forked child: be ``nbgrader ARGS`` in ``cwd`` with ``env``, logging to ``log_path``."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # the server's requests are not the command's input
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


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    serve(sys.stdin, sys.stdout)
