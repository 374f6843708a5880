"""The contract's fast path: run a notebook once, fork a copy of the process for every variant.

Grading a variant with stock ``nbgrader autograde`` re-executes the whole notebook in a new
kernel, so checking an assignment cost (run time) x (variants). Here one process (the
*runner*, ``python -m grader.forkrun PLAN``) executes the reference notebook cell by cell
with IPython's own shell, as ipykernel does (same transformers, same asyncio loop running
around every cell, errors recorded as ipykernel records them, fd 1 and 2 captured as its
``capture_fd_output`` does). Just before an exercise cell it forks: the child inherits the
state of every cell above it, runs the variant's answer and the rest of the notebook, and
reports each cell's outputs. The parent then goes on with the reference answer. A variant
so costs only the cells from its exercise on.

A fork is not innocent, and each hazard is handled rather than hoped away:

- **files**: every child sees its own copy-on-write view of the submission directory and
  ``$TMPDIR`` (an overlayfs in a private mount namespace), so what a child writes never
  reaches its siblings or the parent, exactly as each stock run has its own files; a file there
  that the cells left open read-only is reopened in the child (its own offset);
- **threads, child processes, pending asyncio tasks, sockets, pipes, or files in the working
  tree open for writing or memory-mapped** (an SQLite connection): none survives a fork intact,
  so where one is alive the exercise's variants run from a *zygote*, a process frozen at the last
  safe point together with a copy of the files as they were, and re-run the cells in between;
- **random**: CPython reseeds ``random`` in a forked child; the child restores the state it
  had, as a sequential run would;
- **anything else odd** (no private mounts on this machine, a child that dies, times out or
  floods its output) is reported as a fallback with its reason, never as a score, and the
  grader grades that variant with stock nbgrader.

A child stops after the last cell its answer can reach through names (``last_cell_needed`` in
grader.fastpath); later cells keep the reference run's outputs.

Scores are computed by the caller with nbgrader's own ``determine_grade`` from the outputs
reported here; stock ``nbgrader autograde`` stays the judge of record for the reference and
the student version, and ``tests/test_fastpath_equivalence.py`` proves per-cell equality on
every variant of notebooks with threads, processes and SQLite files.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import multiprocessing
import os
import random
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_PRIVATE = 1 << 18
MS_REC = 0x4000
PR_SET_PDEATHSIG = 1

#: A forked run that prints more stream lines than this may be cut by nbgrader's LimitOutput,
#: which this runner does not imitate: such a run is handed to stock nbgrader instead.
MAX_STREAM_LINES = 900

_libc = ctypes.CDLL(None, use_errno=True)


# --- isolation -------------------------------------------------------------------------------


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    _check(
        _libc.mount(
            source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
            data.encode() if data else None,
        ),
        f"mount {fstype or source} on {target}",
    )


def enter_private_mounts() -> str | None:
    """Give this process a mount namespace of its own (and, if not root, a user namespace).

    Returns None on success, else why not: then no variant can be given a private view of
    its files and every variant goes to stock nbgrader.
    """
    uid, gid = os.geteuid(), os.getegid()
    try:
        if uid == 0:
            _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        else:
            _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare(CLONE_NEWUSER|CLONE_NEWNS)")
            Path("/proc/self/setgroups").write_text("deny")
            Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
            Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
        # Mounts made below must never propagate back to the machine's namespace.
        _mount("none", "/", None, MS_REC | MS_PRIVATE, None)
    except OSError as error:
        return f"no private mount namespace ({error})"
    return None


def private_view(base: Path, lower: Path, scratch: Path) -> None:
    """In a forked child: ``base`` becomes a copy-on-write view of ``lower`` that only this child sees."""
    _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    scratch.mkdir(parents=True, exist_ok=True)
    _mount("tmpfs", str(scratch), "tmpfs", 0, "mode=0700")
    (scratch / "upper").mkdir()
    (scratch / "work").mkdir()
    _mount(
        "overlay", str(base), "overlay", 0,
        f"lowerdir={lower},upperdir={scratch / 'upper'},workdir={scratch / 'work'}",
    )
    # The working directory was resolved to the directory under the overlay: enter it again.
    os.chdir(os.getcwd())


# --- hazards of forking here ---------------------------------------------------------------


def process_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, fields of /proc/<pid>/stat after "pid (comm) ") for every process one can read:
    fields[0] is the state, fields[1] the parent's pid, fields[21] the resident pages."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # comm may hold spaces and parentheses: split after its last ")".
        yield int(entry.name), stat[stat.rfind(")") + 2 :].split()


def _child_pids() -> list[int]:
    me = str(os.getpid())
    return [pid for pid, fields in process_stats() if len(fields) > 1 and fields[1] == me]


def _open_targets() -> dict[int, str]:
    targets = {}
    for entry in Path("/proc/self/fd").iterdir():
        try:
            targets[int(entry.name)] = os.readlink(entry)
        except OSError:
            continue  # the fd of the listing itself, closed by now
    return targets


#: An open file a forked run must not share with the parent: (fd, path, offset).
Reopen = tuple[int, str, int]


def _read_only_offset(fd: int) -> int | None:
    """The file offset of ``fd`` if it is open read-only, else None."""
    try:
        info = dict(line.split(":", 1) for line in Path(f"/proc/self/fdinfo/{fd}").read_text().splitlines()
                    if ":" in line)
        flags, offset = int(info["flags"].strip(), 8), int(info["pos"].strip())
    except (OSError, KeyError, ValueError):
        return None
    return offset if flags & os.O_ACCMODE == os.O_RDONLY else None


def _mapped_under(base: Path) -> set[str]:
    prefix = str(base) + os.sep
    try:
        lines = Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        return set()
    fields = (line.split(maxsplit=5) for line in lines)
    return {f[5] for f in fields if len(f) == 6 and f[5].startswith(prefix)}


def _alive(loop: asyncio.AbstractEventLoop, ours: set[int] | frozenset[int] = frozenset()) -> list[str]:
    """Threads other than the main one, child processes (but ``ours``) and pending asyncio tasks."""
    found = []
    others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if others:
        found.append(f"threads alive: {', '.join(sorted(others))}")
    children = {pid for pid in _child_pids() if pid not in ours} | {p.pid for p in multiprocessing.active_children()}
    if children:
        found.append(f"child processes alive: {sorted(children)}")
    if asyncio.all_tasks(loop):
        found.append(f"{len(asyncio.all_tasks(loop))} asyncio task(s) pending")
    return found


def fork_state(
    loop: asyncio.AbstractEventLoop, baseline_fds: dict[int, str], base: Path, zygote: Any = None
) -> tuple[list[str], list[Reopen]]:
    """What would not survive a fork here (empty when forking is safe), and the files to reopen.

    A file under ``base`` open read-only and not memory-mapped is safe once the child reopens it
    (same path, now its private view, same offset): the open file description, and with it the
    offset, is then no longer shared. A pipe whose both ends this process holds is a library's
    self-pipe (Arrow keeps one): nothing outside writes to it. Forked runs from one point do overlap
    (three at a time) and share it; Arrow writes to it only to wake its own threads on a signal.
    """
    hazards = []
    reopen: list[Reopen] = []
    ours = {zygote.pid} if zygote else set()
    our_fds = {zygote.commands.fileno(), zygote.replies.fileno()} if zygote else set()
    hazards += _alive(loop, ours)
    targets = _open_targets()
    mapped = _mapped_under(base)
    held: list[str] = []
    for fd, target in sorted(targets.items()):
        if baseline_fds.get(fd) == target or fd in our_fds:
            continue
        if target.startswith("pipe:") and sum(1 for t in targets.values() if t == target) >= 2:
            continue  # a self-pipe
        if target.startswith(str(base) + os.sep):
            offset = _read_only_offset(fd)
            if offset is not None and target not in mapped and not target.endswith(" (deleted)"):
                reopen.append((fd, target, offset))
                continue
            held.append(Path(target).name + (" (memory-mapped)" if target in mapped else ""))
        elif target.startswith(("socket:", "pipe:")):
            held.append(target)
    if held:
        shown = ", ".join(sorted(set(held))[:4])
        hazards.append(f"{len(held)} file(s), socket(s) or pipe(s) open, e.g. {shown}"
                       + (" (a connection the cells did not close?)" if any(".db" in h for h in held) else ""))
    return hazards, reopen


def still_running(loop: asyncio.AbstractEventLoop, baseline_fds: dict[int, str]) -> list[str]:
    """Threads, child processes, asyncio tasks and sockets alive now that were not at the start."""
    found = _alive(loop)
    sockets = [t for fd, t in _open_targets().items() if t.startswith("socket:") and baseline_fds.get(fd) != t]
    if sockets:
        found.append(f"{len(sockets)} socket(s) open")
    return found


def reopen_files(reopen: list[Reopen]) -> None:
    """In a forked child, after ``private_view``: give each read-only file its own description."""
    for fd, path, offset in reopen:
        inheritable = os.get_inheritable(fd)
        fresh = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        os.lseek(fresh, offset, os.SEEK_SET)
        os.dup2(fresh, fd, inheritable=inheritable)
        os.close(fresh)


# --- running cells ---------------------------------------------------------------------------


def make_shell(ipython_dir: Path) -> Any:
    """IPython's shell as ipykernel configures it, minus the kernel: errors are recorded."""
    os.environ["IPYTHONDIR"] = str(ipython_dir)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # as ipykernel
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class RecordingShell(InteractiveShell):
        """Records each traceback as ipykernel's ZMQInteractiveShell sends it (an error output)."""

        recorded: list[dict[str, Any]] = []

        def _showtraceback(self, etype: Any, evalue: Any, stb: list[str]) -> None:  # noqa: D102
            self.recorded.append({
                "output_type": "error", "ename": str(etype.__name__), "evalue": str(evalue),
                "traceback": list(stb),
            })

    config = Config()
    config.HistoryManager.enabled = False  # its writer is a thread, and a thread forbids forking
    config.InteractiveShell.colors = "nocolor"
    shell = RecordingShell.instance(config=config)
    shell.recorded = []
    return shell


async def _execute(shell: Any, source: str) -> Any:
    """What ipykernel's do_execute does with a cell, inside the running event loop."""
    preprocessing_exc_tuple = None
    try:
        transformed = shell.transform_cell(source)
    except Exception:
        transformed = source
        preprocessing_exc_tuple = sys.exc_info()
    if shell.should_run_async(source, transformed_cell=transformed, preprocessing_exc_tuple=preprocessing_exc_tuple):
        try:
            result = await shell.run_cell_async(
                source, store_history=True, transformed_cell=transformed,
                preprocessing_exc_tuple=preprocessing_exc_tuple,
            )
        finally:
            shell.events.trigger("post_execute")
        shell.events.trigger("post_run_cell", result)
        return result
    return shell.run_cell(source, store_history=True)


def run_cell(shell: Any, loop: asyncio.AbstractEventLoop, source: str, capture: Path) -> dict[str, Any]:
    """Run one cell; its outputs as nbformat dicts (stderr stream, error, execute_result) and stdout size."""
    capture.mkdir(parents=True, exist_ok=True)
    out_path, err_path = capture / "stdout", capture / "stderr"
    shell.recorded = []
    saved = os.dup(1), os.dup(2)
    started = time.perf_counter()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
    try:
        result = loop.run_until_complete(_execute(shell, source))
    finally:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except Exception:  # noqa: S110 - a stream the cell replaced or closed
                pass
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
    stdout = out_path.read_bytes().decode("utf-8", "replace")
    stderr = err_path.read_bytes().decode("utf-8", "replace")
    outputs: list[dict[str, Any]] = []
    if stderr:
        outputs.append({"output_type": "stream", "name": "stderr", "text": stderr})
    outputs.extend(shell.recorded)
    if not shell.recorded and result.result is not None:
        data, _ = shell.display_formatter.format(result.result)
        outputs.append({"output_type": "execute_result", "data": {"text/plain": data.get("text/plain", "")}})
    return {"outputs": outputs, "stream_lines": stdout.count("\n") + stderr.count("\n"),
            "execution_count": shell.execution_count - 1, "seconds": time.perf_counter() - started}


# --- the runner ------------------------------------------------------------------------------


_RUNNING = "running"


def _wait(pid: int, deadline: float) -> str | None:
    """Reap the child by the deadline; None when it exited normally, else why not."""
    while (reason := _poll(pid, deadline)) == _RUNNING:
        time.sleep(0.005)
    return reason


def _poll(pid: int, deadline: float) -> str | None:
    """``_RUNNING`` while the child runs and its deadline is ahead; else reap it: None if it exited normally."""
    done, status = os.waitpid(pid, os.WNOHANG)
    if not done:
        if time.monotonic() <= deadline:
            return _RUNNING
        os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return "timed out in the fast path"
    try:
        os.killpg(pid, signal.SIGKILL)  # what the run left behind (workers, servers) goes with it
    except ProcessLookupError:
        pass
    if os.WIFSIGNALED(status):
        return f"the forked run was killed by signal {os.WTERMSIG(status)}"
    if os.WEXITSTATUS(status) != 0:
        return f"the forked run exited with status {os.WEXITSTATUS(status)}"
    return None


def _fork_result(result_path: Path, reason: str | None) -> dict[str, Any]:
    """What a reaped child reported; a fallback when it died, timed out or wrote nothing."""
    if result_path.exists():
        result = json.loads(result_path.read_text())
        if reason and "fallback" not in result:
            result = {"fallback": reason}
        return result
    return {"fallback": reason or "the forked run left no result"}


class Zygote:
    """A forked copy of the runner frozen at a safe point, with a copy of the files as they were.

    When a later exercise is reached in an unsafe state (a server thread is running, a
    database is open), its variants are forked from the zygote instead: they re-run the cells
    from the zygote's point on, which is still far cheaper than a new kernel and notebook.
    """

    def __init__(self, pid: int, start: int, commands: Any, replies: Any) -> None:
        self.pid, self.start, self.commands, self.replies = pid, start, commands, replies

    def run(self, job: dict[str, Any], run: int) -> dict[str, Any]:
        try:
            self.commands.write(json.dumps({"job": job, "run": run}) + "\n")
            self.commands.flush()
            line = self.replies.readline()
        except OSError as error:
            return {"fallback": f"the snapshot process is gone ({error})"}
        return json.loads(line) if line else {"fallback": "the snapshot process is gone"}

    def close(self) -> None:
        for stream in (self.commands, self.replies):
            try:
                stream.close()
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def _fingerprint(root: Path) -> list[tuple[str, int, int]]:
    found = []
    for path in sorted(root.rglob("*")):
        try:
            info = path.lstat()
        except OSError:
            continue
        found.append((str(path.relative_to(root)), info.st_size, info.st_mtime_ns))
    return found


class Runner:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.base = Path(plan["base"])
        self.state = Path(plan["state"])
        self.cells: list[dict[str, Any]] = plan["cells"]
        self.repeat = int(plan.get("repeat", 1))
        #: Forked runs at once. Most wait (timeouts a test allows, sleeps of a simulated network) far
        #: more than they compute, and each sees its own private files, so they overlap safely.
        self.parallel = max(1, int(plan.get("parallel", 1)))
        self.job_timeout = float(plan.get("job_timeout", 300))
        self.snapshot_limit = int(plan.get("snapshot_limit_bytes", 256 << 20))
        self.forks = 0
        self.shell: Any = None
        self.zygote: Zygote | None = None
        self._snapshot: tuple[list[tuple[str, int, int]], Path] | None = None
        self._running: dict[int, tuple[str, int, Path, float]] = {}  # pid -> job id, run, result, deadline
        self._finished: dict[tuple[str, int], dict[str, Any]] = {}

    def run(self) -> dict[str, Any]:
        isolation = enter_private_mounts()
        os.environ.update(self.plan.get("env", {}))
        os.chdir(self.plan["cwd"])
        os.environ["TMPDIR"] = str(self.base / "tmp")
        (self.base / "tmp").mkdir(exist_ok=True)
        tempfile.tempdir = None
        for stream in (sys.stdout, sys.stderr):
            stream.reconfigure(line_buffering=True, write_through=True)  # type: ignore[union-attr]
        self.shell = make_shell(self.state / "ipython")
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        baseline = _open_targets()
        branches: dict[int, list[dict[str, Any]]] = {}
        for job in self.plan["jobs"]:
            branches.setdefault(min(int(i) for i in job["replace"]), []).append(job)
        jobs: dict[str, list[dict[str, Any]]] = {}
        reference: dict[str, Any] = {}
        reference_seconds = 0.0
        for cell in self.cells:
            index = cell["index"]
            if branches and not isolation:
                hazards, reopen = fork_state(loop, baseline, self.base, self.zygote)
                here = branches.pop(index, [])
                if here and not hazards:
                    self._fork_all(here, index, reopen)
                for job in here if hazards else []:
                    jobs[job["id"]] = self._branch(job, index, hazards, reopen)
                if not hazards and branches:
                    self._refresh_zygote(index, reopen)
            elif isolation:
                for job in branches.pop(index, []):
                    jobs[job["id"]] = [{"fallback": isolation}]
            started = time.perf_counter()
            reference[str(index)] = run_cell(self.shell, loop, cell["source"], self.state / "capture")
            reference_seconds += time.perf_counter() - started
        for leftover in branches.values():
            for job in leftover:
                jobs[job["id"]] = [{"fallback": "no code cell at the replaced index"}]
        for (job_id, _run), result in sorted(self._finished.items()):
            jobs.setdefault(job_id, []).append(result)
        if self.zygote:
            self.zygote.close()
            self.zygote = None
        # A notebook must stop what it starts: what is still alive here outlives it in a student's kernel.
        leftovers = still_running(loop, baseline)
        # ru_maxrss is in KiB on Linux: the peak of this process, which ran the reference (forks excluded).
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return {"isolation": isolation, "reference": reference, "jobs": jobs, "forks": self.forks,
                "reference_seconds": reference_seconds, "peak_rss_bytes": peak, "leftovers": leftovers}

    def _fork_all(self, jobs: list[dict[str, Any]], index: int, reopen: list[Reopen]) -> None:
        """Fork every job ``repeat`` times from here, at most ``parallel`` at once, and wait for all.

        Each run sees its own copy-on-write view of the files, but the reference run must wait: the
        views are overlays on the reference's directory, and a lower layer that changes under a
        mounted overlay shows through (the runs would share files again).
        """
        for job in jobs:
            for run in range(self.repeat):
                while len(self._running) >= self.parallel:
                    if not self._reap():
                        time.sleep(0.005)
                pid, result_path = self._start_fork(job, index, run, self.base, reopen)
                self._running[pid] = (job["id"], run, result_path, time.monotonic() + self.job_timeout)
        while self._running:
            if not self._reap():
                time.sleep(0.005)

    def _reap(self) -> int:
        """Collect the forked runs that have ended (or overrun their deadline); how many."""
        reaped = 0
        for pid, (job_id, run, result_path, deadline) in list(self._running.items()):
            reason = _poll(pid, deadline)
            if reason != _RUNNING:
                del self._running[pid]
                self._finished[job_id, run] = _fork_result(result_path, reason)
                reaped += 1
        return reaped

    def _branch(
        self, job: dict[str, Any], index: int, hazards: list[str], reopen: list[Reopen]
    ) -> list[dict[str, Any]]:
        if self.zygote is None:
            return [{"fallback": "cannot fork here, and no earlier point was safe: " + "; ".join(hazards)}]
        self.forks += self.repeat
        runs = [self.zygote.run(job, run) for run in range(self.repeat)]
        for result in runs:  # said in --timings: why this variant re-ran cells
            result["snapshot"] = {"at": self.zygote.start, "why": "; ".join(hazards)}
        return runs

    def _refresh_zygote(self, index: int, reopen: list[Reopen]) -> None:
        """Keep a frozen copy of this (safe) point for later exercises that may not be safe."""
        fingerprint = _fingerprint(self.base)
        if self._snapshot is None or self._snapshot[0] != fingerprint:
            size = sum(size for _, size, _ in fingerprint)
            if size > self.snapshot_limit:
                self._snapshot = None
                if self.zygote:
                    self.zygote.close()
                    self.zygote = None
                return
            snapshot = self.state / "snapshots" / str(index)
            shutil.copytree(self.base, snapshot, symlinks=True)
            self._snapshot = (fingerprint, snapshot)
        lower = self._snapshot[1]
        if self.zygote:
            self.zygote.close()
        commands_read, commands_write = os.pipe()
        replies_read, replies_write = os.pipe()
        random_state = random.getstate()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(commands_write)
                os.close(replies_read)
                _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                random.setstate(random_state)
                self.zygote = None
                with os.fdopen(commands_read) as commands, os.fdopen(replies_write, "w") as replies:
                    for line in commands:
                        request = json.loads(line)
                        result = self._fork(request["job"], index, request["run"], lower, reopen)
                        replies.write(json.dumps(result) + "\n")
                        replies.flush()
            except BaseException:
                code = 5
            finally:
                os._exit(code)
        os.close(commands_read)
        os.close(replies_write)
        self.zygote = Zygote(pid, index, os.fdopen(commands_write, "w"), os.fdopen(replies_read))

    def _fork(
        self, job: dict[str, Any], start: int, run: int, lower: Path, reopen: list[Reopen]
    ) -> dict[str, Any]:
        """Run the job in a forked child from this point (cell ``start`` on), files seen through ``lower``."""
        pid, result_path = self._start_fork(job, start, run, lower, reopen)
        return _fork_result(result_path, _wait(pid, time.monotonic() + self.job_timeout))

    def _start_fork(
        self, job: dict[str, Any], start: int, run: int, lower: Path, reopen: list[Reopen]
    ) -> tuple[int, Path]:
        """Fork a child that runs the job from cell ``start`` on; its pid and where it writes its result."""
        name = f"{job['id']}.{run}"
        result_path = self.state / "results" / f"{name}.json"
        result_path.parent.mkdir(parents=True, exist_ok=True)
        result_path.unlink(missing_ok=True)
        random_state = random.getstate()
        sys.stdout.flush()
        sys.stderr.flush()
        self.forks += 1
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 3
            try:
                os.setpgid(0, 0)
                _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                random.setstate(random_state)  # CPython reseeds random after fork; a sequential run would not
                private_view(self.base, lower, self.state / "views" / f"{name}.{os.getpid()}")
                reopen_files(reopen)
                os.environ.update(job.get("env", {}))
                self._run_child(job, start, result_path)
                code = 0
            except BaseException:
                result_path.write_text(json.dumps({"fallback": "fast path failed: " + traceback.format_exc()[-2000:]}))
                code = 4
            finally:
                os._exit(code)
        return pid, result_path

    def _run_child(self, job: dict[str, Any], start: int, result_path: Path) -> None:
        shell = self.shell  # inherited with every name the cells above defined
        loop = asyncio.new_event_loop()  # the inherited loop shares its epoll instance with the parent
        asyncio.set_event_loop(loop)
        capture = self.state / "capture-child" / result_path.stem
        replace = {int(i): source for i, source in job["replace"].items()}
        stop = int(job.get("stop", self.cells[-1]["index"]))  # later cells keep the reference's outputs
        cells: dict[str, Any] = {}
        lines = 0
        for cell in self.cells:
            if cell["index"] < start:
                continue
            if cell["index"] > stop:
                break
            cells[str(cell["index"])] = outcome = run_cell(
                shell, loop, replace.get(cell["index"], cell["source"]), capture
            )
            lines += outcome["stream_lines"]
        result: dict[str, Any] = {"cells": cells}
        if lines > MAX_STREAM_LINES:
            result = {"fallback": f"{lines} lines of output (nbgrader's LimitOutput would cut them)"}
        result_path.write_text(json.dumps(result))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m grader.forkrun PLAN.json RESULT.json", file=sys.stderr)
        return 2
    plan = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    result = Runner(plan).run()
    Path(args[1]).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    try:
        code = main()
    except OSError as error:
        print(f"grader.forkrun: {error}", file=sys.stderr)
        code = 1
    sys.stdout.flush()
    os._exit(code)  # skip atexit: the notebook's finalizers are not ours to run
