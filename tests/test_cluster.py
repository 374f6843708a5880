"""``grader autograde --cluster``: phase 1 on a real Dask scheduler and two worker processes (loopback).

One module-scoped cluster (``dask scheduler`` and two ``dask worker`` processes, one thread each,
no nanny, everything bound to 127.0.0.1) serves three batches of one generated class of
00_welcome, graded in one fixture to keep the module inside its time budget:

- a submission that hangs and ignores interrupts, on the cluster with short limits, while
- the same class is graded locally (the reference), then
- the class on the cluster, with one worker SIGKILLed while a submission's sandboxed kernel runs
  on it: its task must be rerun on the other worker and the scores equal local grading's.

The workers' temporary directory is the test's own, so what a killed worker leaves behind (its
scratch tmpfs, kernel-socket symlinks, pids cgroups) is found and removed afterwards.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psutil
import pytest
from distributed import Client

from grader import cells
from grader.autograde import SubmissionResult, autograde, ensure_assignment_in_gradebook
from grader.bench_grading import generate_class
from grader.cluster import _unpack, working_copy
from grader.jail import PIDS_CGROUP_ROOT
from grader.layout import CourseLayout, tool_environment
from grader.sandbox import SCRATCH_FSNAME, Policy, bubblewrap

from .conftest import REPO_ROOT

pytestmark = pytest.mark.xdist_group("cluster")

ASSIGNMENT, NOTEBOOK, EXERCISE = "00_welcome", "welcome", "count_nines"
POLICY = Policy(cell_timeout=8, notebook_timeout=60, memory_bytes=2 * 2**30)
#: For the hanging submission: each cell is cut after 2 s (the kernel is killed after the last cell).
HANG_POLICY = Policy(cell_timeout=2, notebook_timeout=30, memory_bytes=2 * 2**30)
HANG = """import time
print("hang started", flush=True)
while True:
    try:
        time.sleep(0.2)
    except KeyboardInterrupt:
        print("interrupt ignored", flush=True)
"""
T = TypeVar("T")
#: Upper bound on waiting for a process to appear or go (a bound on waiting, not a measured time).
WAIT_S = 120


def _wait_for(what: str, condition: Callable[[], T], timeout: float = WAIT_S) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


@dataclass
class DaskCluster:
    """A scheduler and named workers, subprocesses of this test, their temp files under ``tmp``."""

    tmp: Path
    scheduler: subprocess.Popen | None = None
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def scheduler_file(self) -> Path:
        return self.tmp / "scheduler.json"

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        env = tool_environment() | {"TMPDIR": str(self.tmp / "tmp")}  # a killed worker's leftovers land here
        log = open(self.tmp / f"{name}.log", "wb")
        try:
            return subprocess.Popen([sys.executable, *args], cwd=self.tmp, env=env, stdout=log,
                                    stderr=subprocess.STDOUT)
        finally:
            log.close()

    def start(self, workers: int) -> None:
        (self.tmp / "tmp").mkdir()
        self.scheduler = self._spawn("scheduler", "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                     "--port", "0", "--dashboard-address", "127.0.0.1:0",
                                     "--scheduler-file", str(self.scheduler_file))
        _wait_for("the scheduler file", self.scheduler_file.exists)
        for index in range(workers):
            name = f"worker-{index + 1}"
            self.workers[name] = self._spawn(
                name, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(self.scheduler_file),
                "--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0", "--nthreads", "1",
                "--no-nanny", "--name", name, "--local-directory", str(self.tmp / name))

    @property
    def address(self) -> str:
        return json.loads(self.scheduler_file.read_text())["address"]

    def wait_for_workers(self) -> None:
        with Client(self.address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(len(self.workers), timeout=WAIT_S)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        """Workers first (a worker whose scheduler is already gone stalls its shutdown), then the scheduler."""
        for process in [*self.workers.values(), *([self.scheduler] if self.scheduler else [])]:
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        remove_leftovers(self.tmp / "tmp", [p.pid for p in self.workers.values()])
        shutil.rmtree(self.tmp, ignore_errors=True)


def remove_leftovers(tmp: Path, worker_pids: list[int]) -> None:
    """What a SIGKILLed worker could not clean: its scratch tmpfs (under its TMPDIR), the /tmp
    symlinks to its kernels' sockets, and its pids cgroups (named after its pid)."""
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        ours = [line.split()[1] for line in mounts
                if line.split()[0] == SCRATCH_FSNAME and line.split()[1].startswith(f"{tmp}/")]
    for mount in ours:
        libc.umount2(mount.encode(), 2)  # MNT_DETACH
    for link in Path("/tmp").glob("e101-*"):
        if link.is_symlink() and str(os.readlink(link)).startswith(f"{tmp}/"):
            link.unlink(missing_ok=True)
    for pid in worker_pids:
        for group in PIDS_CGROUP_ROOT.glob(f"eng101-{pid}-*") if PIDS_CGROUP_ROOT.exists() else []:
            for stray in (group / "cgroup.procs").read_text().split():
                os.kill(int(stray), signal.SIGKILL)
            _wait_for(f"{group} to empty", lambda g=group: not (g / "cgroup.procs").read_text().split(), 30)
            group.rmdir()


def _class_course(root: Path) -> CourseLayout:
    root.mkdir()
    shutil.copy2(REPO_ROOT / "nbgrader_config.py", root)
    for part in ("solutions", "course"):
        shutil.copytree(REPO_ROOT / part / ASSIGNMENT, root / part / ASSIGNMENT,
                        ignore=shutil.ignore_patterns("variants"))
    layout = CourseLayout(root)
    ensure_assignment_in_gradebook(layout, ASSIGNMENT)
    generate_class(CourseLayout(REPO_ROOT), ASSIGNMENT, layout, 8, seed=0)
    return layout


def _copy(layout: CourseLayout, root: Path) -> CourseLayout:
    shutil.copytree(layout.root, root)
    return CourseLayout(root)


def _hanging_course(layout: CourseLayout, root: Path) -> CourseLayout:
    course = _copy(layout, root)
    notebook = json.loads((course.release_dir(ASSIGNMENT) / f"{NOTEBOOK}.ipynb").read_text())
    cells.find_cell(notebook, EXERCISE)[1]["source"] = HANG
    target = course.submission_dir("hang", ASSIGNMENT)
    target.mkdir(parents=True)
    (target / f"{NOTEBOOK}.ipynb").write_text(json.dumps(notebook))
    return course


def _sandbox_of(pid: int) -> list[psutil.Process]:
    """The worker's sandbox (jail/bubblewrap processes and the kernel) once its kernel runs, else [].

    Only then: until bubblewrap has set --die-with-parent, a worker killed at that instant would
    leave the sandbox orphaned (see the report of issue 20)."""
    try:
        tree = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    kernel = [p for p in tree if _cmdline(p)[1:2] and _cmdline(p)[1].endswith("guard/kernel.py")]
    return tree if kernel else []


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _students_running_on(client: Client, worker: str) -> list[str]:
    """Students whose task the scheduler has on ``worker`` (keys are grade-<assignment>-<student>-<batch>)."""
    address = next(a for a, info in client.scheduler_info(n_workers=-1)["workers"].items() if info["name"] == worker)
    keys = client.processing([address])[address]
    return [re.sub(rf"^grade-{ASSIGNMENT}-(.*)-[0-9a-f]+$", r"\1", str(key)) for key in keys]


@dataclass
class Batches:
    local: dict[str, SubmissionResult]
    cluster: dict[str, SubmissionResult]
    hang: SubmissionResult
    hang_course: CourseLayout
    victim_exit: int | None
    running_on_victim: list[str]
    victim_kernels: list[psutil.Process]


def _in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> Callable[[], T]:
    """Start ``function`` in a thread; the returned callable joins it and returns (or raises) its outcome."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = function(*args, **kwargs)
        except BaseException as error:  # re-raised in the caller's thread
            box["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join() -> T:
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["value"]

    return join


def _grade_killing_a_worker(cluster: DaskCluster, course: CourseLayout, victim: str) -> tuple[list, list, list]:
    """Grade ``course`` on the cluster; SIGKILL ``victim`` once a submission's sandbox runs on it."""
    process = cluster.workers[victim]
    graded = _in_thread(autograde, course, ASSIGNMENT, None, 0, POLICY, progress=False, cluster=cluster.address)
    with Client(cluster.address, timeout=30, set_as_default=False) as client:
        kernels = _wait_for(f"a sandboxed kernel on {victim}", lambda: _sandbox_of(process.pid))
        running = _students_running_on(client, victim)
        process.send_signal(signal.SIGKILL)
        process.wait()
    return graded(), running, kernels


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batches]:
    tmp = tmp_path_factory.mktemp("cluster")
    cluster = DaskCluster(tmp / "dask")
    cluster.tmp.mkdir()
    try:
        cluster.start(workers=2)  # boots while the class is generated
        course = _class_course(tmp / "class")
        hang_course = _hanging_course(course, tmp / "hang")
        cluster.wait_for_workers()
        hang = _in_thread(autograde, hang_course, ASSIGNMENT, ["hang"], 0, HANG_POLICY, progress=False,
                          cluster=cluster.address)
        local = autograde(_copy(course, tmp / "local"), ASSIGNMENT, None, 2, POLICY, progress=False)
        (hang_result,) = hang()
        on_cluster, running, kernels = _grade_killing_a_worker(cluster, _copy(course, tmp / "on-cluster"), "worker-1")
        victim = cluster.workers["worker-1"]
        yield Batches({r.student: r for r in local}, {r.student: r for r in on_cluster}, hang_result, hang_course,
                      victim.returncode, running, kernels)
    finally:
        cluster.stop()


def test_cluster_grading_gives_the_scores_of_local_grading(batches: Batches) -> None:
    def outcome(result: SubmissionResult) -> tuple:
        return result.score, result.max_score, result.status, result.problems, result.review

    assert sorted(batches.cluster) == sorted(batches.local)
    assert {s: outcome(r) for s, r in batches.cluster.items()} == {s: outcome(r) for s, r in batches.local.items()}
    graded = [r for r in batches.cluster.values() if r.score is not None]
    assert len(graded) >= 5, "the generated class has at least five gradable submissions"
    if bubblewrap() is not None:  # the workers ran the same sandbox as local grading
        assert {r.isolation for r in graded} == {r.isolation for r in batches.local.values() if r.isolation}
        assert all(r.isolation.startswith("bubblewrap") for r in graded)


def test_a_killed_worker_s_submissions_are_graded_on_the_other(batches: Batches) -> None:
    assert batches.victim_exit == -signal.SIGKILL
    assert batches.running_on_victim, "the scheduler had a submission on the worker when it was killed"
    for student in batches.running_on_victim:
        assert batches.cluster[student].score is not None, batches.cluster[student].problems
    for result in batches.cluster.values():  # every submission: a grade or a recorded reason
        assert result.score is not None or result.problems, result.student
    # bubblewrap --die-with-parent: the killed worker's sandboxes went with it
    _wait_for("the killed worker's kernels to exit", lambda: not any(map(_alive, batches.victim_kernels)), 30)


def test_a_hanging_submission_is_stopped_by_its_limits_on_the_worker(batches: Batches) -> None:
    result = batches.hang
    assert result.score == 0 and result.status != "NOT GRADED", result.problems
    executed = json.loads((batches.hang_course.autograded_dir("hang", ASSIGNMENT) / f"{NOTEBOOK}.ipynb").read_text())
    _, answer = cells.find_cell(executed, EXERCISE)
    _, test = cells.find_cell(executed, f"test_{EXERCISE}")
    printed = "".join("".join(out.get("text", "")) for out in answer["outputs"])
    assert "hang started" in printed  # the loop ran in the sandbox on the worker ...
    assert "interrupt ignored" in printed  # ... was interrupted at the cell time limit, and ignored it,
    timeout = f"cell ran over {HANG_POLICY.cell_timeout} s"  # ... so the limit the task carried cut the cell
    assert [out.get("evalue") for out in answer["outputs"] if out["output_type"] == "error"] == [timeout]
    assert any(out.get("output_type") == "error" for out in test["outputs"])  # and its test scored nothing


def test_a_crafted_job_cannot_write_outside_its_working_copy(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside the working copy"):
        _unpack((("data/ok.csv", 0o644, b"a,b\n"), ("../escaped.txt", 0o644, b"x")), tmp_path / "work")
    assert (tmp_path / "work" / "data" / "ok.csv").read_bytes() == b"a,b\n"
    assert not (tmp_path / "escaped.txt").exists()


def test_a_submission_travels_without_its_symlinks_and_under_the_release_s_data(tmp_path: Path) -> None:
    layout = CourseLayout(tmp_path)
    submitted, release = layout.submission_dir("eve", ASSIGNMENT), layout.release_dir(ASSIGNMENT)
    submitted.mkdir(parents=True)
    release.mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("instructor only")
    (submitted / "peek.txt").symlink_to(tmp_path / "secret.txt")
    (submitted / "notes.txt").write_text("mine")
    (submitted / "data.csv").write_text("forged")
    (submitted / f"{NOTEBOOK}.ipynb").write_text("{}")
    (release / "data.csv").write_text("the instructor's")
    files, notes = working_copy(layout, ASSIGNMENT, "eve")
    assert {path: data for path, _, data in files} == {"notes.txt": b"mine", "data.csv": b"the instructor's"}
    assert notes == ["symlink peek.txt not sent to the grading worker"]
