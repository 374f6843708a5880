"""``grader autograde ASSIGNMENT --cluster ADDRESS``: phase 1 of autograding on Dask workers.

Phase 1 of :mod:`grader.autograde` (each submission executed in a sandboxed kernel) moves to the
workers of a Dask ``distributed`` cluster; phase 2 (stock nbgrader bookkeeping into the gradebook,
one writer) stays in the instructor's process, unchanged. What crosses the network:

- to a worker, one task per submission (:class:`SubmissionJob`): the student's notebooks already
  sanitized here (hidden tests restored from the gradebook by nbgrader's own preprocessors, cell
  structure repaired against the release), the released notebooks (the guard's reference), the
  submission's other files with the release's data files over them, and the :class:`Policy`.
  Workers share no filesystem with the instructor: they need the course environment (Python
  packages, the helper package, the data) and bubblewrap, nothing else;
- back, the task's return value (:class:`JobOutcome`): each executed notebook as JSON and what
  the executor found (problems, review notes, cells held for manual grading).

A worker runs the same :func:`grader.untrusted.execute_untrusted` as local grading, in the same
per-submission scratch tmpfs, so the sandbox and the limits apply there exactly as here. When a
worker dies mid-task the scheduler reruns its tasks on another worker (``distributed``'s
``allowed-failures``, 3 by default); a task that kills every worker it lands on ends as
``KilledWorker``, recorded as that submission's reason.
"""

from __future__ import annotations

import stat
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.autograde import SubmissionResult, _find_notebook, stage_executed
from grader.layout import CourseLayout
from grader.sandbox import Policy

#: Seconds to wait for the scheduler to answer, and for a first worker to join.
CONNECT_TIMEOUT = 30
WORKER_WAIT_TIMEOUT = 120


@dataclass(frozen=True)
class NotebookJob:
    """One notebook of a submission, ready to run: prepared on the instructor's machine."""

    name: str
    notes: tuple[str, ...] = ()  # what preparing it found (renamed, repaired, cannot be graded)
    notebook: str | None = None  # sanitized JSON with the hidden tests; None: nothing to run
    release: str | None = None  # the released notebook's JSON


@dataclass(frozen=True)
class SubmissionJob:
    """Everything a worker needs to grade one submission (travels with the task)."""

    student: str
    notebooks: tuple[NotebookJob, ...]
    files: tuple[tuple[str, int, bytes], ...]  # (relative path, mode, content) of the working copy
    policy: Policy
    course_root: str  # hidden in the sandbox when the worker shares the instructor's machine
    hidden: tuple[str, ...] = ()  # the same for the course's other instructor directories


@dataclass(frozen=True)
class NotebookOutcome:
    name: str
    executed: str  # the executed notebook's JSON
    isolation: str
    problems: tuple[str, ...] = ()
    review: tuple[str, ...] = ()
    manual: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobOutcome:
    notebooks: tuple[NotebookOutcome, ...] = field(default_factory=tuple)


# --- on the instructor's machine: pack a submission -------------------------------------------


def _files_of(directory: Path, skip_notebooks: bool) -> tuple[list[tuple[str, int, bytes]], list[str]]:
    """Regular files under ``directory`` as (relative path, mode, bytes); symlinks are not followed."""
    files, notes = [], []
    if not directory.is_dir():
        return files, notes
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if ".ipynb_checkpoints" in relative.parts or (skip_notebooks and path.suffix == ".ipynb"):
            continue
        if path.is_symlink():
            notes.append(f"symlink {relative} not sent to the grading worker")
        elif path.is_file():
            files.append((str(relative), stat.S_IMODE(path.stat().st_mode), path.read_bytes()))
    return files, notes


def working_copy(layout: CourseLayout, assignment: str, student: str) -> tuple[list[tuple[str, int, bytes]], list[str]]:
    """The files local grading copies into the working copy: the submission's, then the release's over them."""
    submitted, notes = _files_of(layout.submission_dir(student, assignment), skip_notebooks=True)
    released, _ = _files_of(layout.release_dir(assignment), skip_notebooks=True)
    merged = {relative: (relative, mode, data) for relative, mode, data in [*submitted, *released]}
    return list(merged.values()), notes


def prepare_notebook(layout: CourseLayout, assignment: str, student: str, name: str,
                     notebooks: list[str]) -> NotebookJob:
    """One submitted notebook, found, repaired and sanitized here as local grading does it."""
    from grader.autograde import prepare_notebook as prepare

    _path, notebook, released, problems = prepare(layout, assignment, student, name, notebooks)
    if notebook is None:
        return NotebookJob(name, tuple(problems))
    return NotebookJob(name, tuple(problems), nbformat.writes(notebook), nbformat.writes(released))


def prepare_job(layout: CourseLayout, assignment: str, student: str, notebooks: list[str],
                policy: Policy) -> SubmissionJob:
    files, notes = working_copy(layout, assignment, student)
    prepared = [prepare_notebook(layout, assignment, student, name, notebooks) for name in notebooks]
    size = sum(len(data) for _, _, data in files)
    if size > policy.scratch_bytes:  # it could not be unpacked on the worker's scratch space either
        prepared = [NotebookJob(p.name, p.notes) for p in prepared]
        notes.append(f"the submission's files ({size} bytes) exceed the scratch space ({policy.scratch_bytes} bytes)")
    if notes and prepared:  # reported with the first notebook, before what executing it finds
        prepared[0] = NotebookJob(prepared[0].name, (*notes, *prepared[0].notes), prepared[0].notebook,
                                  prepared[0].release)
    return SubmissionJob(student, tuple(prepared), tuple(files), policy, str(layout.root),
                         tuple(str(p) for p in layout.instructor_paths()))


# --- on a worker: run it -------------------------------------------------------------------


def _unpack(files: tuple[tuple[str, int, bytes], ...], workdir: Path) -> None:
    workdir.mkdir()
    for relative, mode, data in files:
        target = (workdir / relative).resolve()
        if workdir.resolve() not in target.parents:  # a crafted job cannot write outside the working copy
            raise ValueError(f"file outside the working copy: {relative}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(mode & 0o777)


def execute_job(job: SubmissionJob) -> JobOutcome:
    """Phase 1 of one submission, on a worker: the same scratch space and sandboxed executor as locally."""
    from grader.sandbox import scratch_space
    from grader.untrusted import execute_untrusted

    outcomes = []
    with scratch_space(job.policy) as scratch:
        workdir = Path(scratch) / "work"
        _unpack(job.files, workdir)
        for prepared in job.notebooks:
            if prepared.notebook is None or prepared.release is None:
                continue
            execution = execute_untrusted(nbformat.reads(prepared.notebook, as_version=4), workdir,
                                          Path(job.course_root), job.policy,
                                          release=nbformat.reads(prepared.release, as_version=4),
                                          hidden=tuple(Path(p) for p in job.hidden))
            outcomes.append(NotebookOutcome(prepared.name, nbformat.writes(execution.notebook), execution.isolation,
                                            tuple(execution.problems), tuple(execution.review),
                                            tuple(execution.manual)))
    return JobOutcome(tuple(outcomes))


def worker_isolation() -> str:
    """What a worker's sandbox will be (run on each worker before grading)."""
    from grader.guard import WitnessUnavailable, build_witness
    from grader.sandbox import bubblewrap

    try:
        build_witness()
    except WitnessUnavailable as error:
        return f"NO guard witness: {error}"
    return "bubblewrap" if bubblewrap() else "NO sandbox: bubblewrap unavailable"


# --- back on the instructor's machine --------------------------------------------------------


def stage_result(layout: CourseLayout, assignment: str, job: SubmissionJob, outcome: JobOutcome | None,
                 staging: Path, error: str | None = None) -> SubmissionResult:
    """The :class:`SubmissionResult` local grading would have made, with the executed notebooks staged
    where phase 2 reads them (and the submission as sent, under the expected names)."""
    result = SubmissionResult(job.student)
    executed = {o.name: o for o in outcome.notebooks} if outcome is not None else {}
    submitted = layout.submission_dir(job.student, assignment)
    for prepared in job.notebooks:
        result.problems += prepared.notes
        done = executed.get(prepared.name)
        if done is None:
            continue
        result.isolation = done.isolation
        result.problems += [f"{done.name}: {p}" for p in done.problems]
        result.review += [f"{done.name}: {r}" for r in done.review]
        if done.manual:
            result.manual[done.name] = list(done.manual)
        path, _ = _find_notebook(submitted, done.name, [p.name for p in job.notebooks])
        if path is not None:
            result.executed[done.name] = stage_executed(layout, assignment, job.student, done.name, path,
                                                        done.executed, staging)
    if error:
        result.problems.append(error)
    return result


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def grade_on_cluster(address: str, layout: CourseLayout, assignment: str, students: list[str],
                     notebooks: list[str], policy: Policy, staging: Path,
                     warn: Callable[[str], None] | None = None) -> Iterator[SubmissionResult]:
    """Phase 1 on the cluster at ``address`` (``tcp://host:8786``, ``tls://...``): one task per
    submission; yields each student's result as soon as it is back."""
    from distributed import Client, as_completed

    with Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False) as client:
        client.wait_for_workers(1, timeout=WORKER_WAIT_TIMEOUT)
        for worker, isolation in sorted(client.run(worker_isolation).items()):
            if isolation != "bubblewrap":
                (warn or _to_stderr)(f"WARNING: worker {worker}: {isolation}")
        batch = uuid.uuid4().hex[:8]
        jobs = {}
        for student in students:
            job = prepare_job(layout, assignment, student, notebooks, policy)
            future = client.submit(execute_job, job, key=f"grade-{assignment}-{student}-{batch}", pure=False)
            jobs[future] = job
        for future in as_completed(jobs, loop=client.loop):
            job = jobs[future]
            try:
                outcome = future.result()
            except Exception as error:  # the task failed, or killed every worker it ran on
                yield stage_result(layout, assignment, job, None, staging,
                                   f"grader error on the cluster: {type(error).__name__}: {error}")
                continue
            yield stage_result(layout, assignment, job, outcome, staging)
