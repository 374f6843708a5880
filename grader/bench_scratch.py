"""``grader bench-scratch``: the grading machine's memory when submissions fill their scratch space.

A generated class (``grader.bench_grading``: correct, partial, blank and broken submissions) is
graded twice with ``python -m grader autograde``, each run a separate command: once as it is (the
control), once with ``--fillers`` well-behaved submissions next to each other in grading order (so
they run at the same time) rewritten to try to write 5 GB into /tmp, /var/tmp, /dev/shm, their home
and their working directory before their answer. While each batch runs, the machine's used memory
(``MemTotal - MemAvailable`` from /proc/meminfo, which counts tmpfs pages as used), its shared
memory (``Shmem``: tmpfs and /dev/shm) and the resident memory of the grading command's process
tree are sampled every 0.2 s. The benchmark fails (non-zero exit) if the batch did not finish, if
any submission's score differs from the control's (a filler's answer is unchanged), if a filler's
reason does not name the scratch cap, or if a scratch tmpfs or directory is left behind.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import cells
from grader.bench_grading import WELL_BEHAVED, _kind_counts, _prepare_course, _totals, generate_class
from grader.layout import CourseLayout, tool_environment
from grader.nbgrader_cli import NbgraderError
from grader.sandbox import mounted_scratch_spaces
from grader.table import render_table

MIB = 2**20
PAGE = os.sysconf("SC_PAGE_SIZE")

#: Prepended to a correct answer: try to write 5 GB into every place a kernel may write.
FILLER = """\
import os as _os

for _folder in ["/tmp", "/var/tmp", "/dev/shm", _os.path.expanduser("~"), _os.getcwd()]:
    _written = 0
    try:
        with open(_os.path.join(_folder, "filler.bin"), "wb") as _out:
            while _written < 5 * 10**9:
                _written += _out.write(bytes(2**24))
                _out.flush()
    except OSError as _error:
        print("FILL", _folder, _written // 2**20, "MiB", _os.strerror(_error.errno))

"""


@dataclass
class MemorySampler:
    """Samples /proc/meminfo every ``interval`` seconds in a thread (bytes)."""

    interval: float = 0.2
    used: list[int] = field(default_factory=list)  # MemTotal - MemAvailable
    shmem: list[int] = field(default_factory=list)
    tree: list[int] = field(default_factory=list)  # resident memory of the watched process and its descendants
    root_pid: int | None = None  # the process to watch (set once it is started)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def read() -> tuple[int, int]:
        info = {}
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                key, value = line.split(":", 1)
                info[key] = int(value.split()[0]) * 1024
        return info["MemTotal"] - info["MemAvailable"], info["Shmem"]

    @staticmethod
    def tree_rss(root: int) -> int:
        """Resident memory of ``root`` and its descendants (shared pages counted once per process)."""
        from grader.forkrun import process_stats

        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for pid, fields in process_stats():
            parents[pid] = int(fields[1])
            rss[pid] = int(fields[21]) * PAGE
        tree, frontier = {root}, [root]
        while frontier:
            parent = frontier.pop()
            children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
            tree.update(children)
            frontier += children
        return sum(rss.get(pid, 0) for pid in tree)

    def _run(self) -> None:
        while not self._stop.is_set():
            used, shmem = self.read()
            self.used.append(used)
            self.shmem.append(shmem)
            self.tree.append(self.tree_rss(self.root_pid) if self.root_pid else 0)
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class BatchRun:
    seconds: float
    returncode: int
    baseline: int  # used memory before the batch started (median of 2 s of samples)
    peak: int
    baseline_shmem: int
    peak_shmem: int
    peak_tree: int  # peak resident memory of the autograde command and all its processes (kernels included)
    output: str  # the autograde command's table
    scores: dict[str, float | None]

    def rows(self) -> dict[str, list[str]]:
        """student -> [score, max, status, reason], parsed from the command's table."""
        found = {}
        for line in self.output.splitlines():
            parts = re.split(r"\s{2,}", line.strip(), maxsplit=4)
            if len(parts) >= 4 and parts[0].startswith("student-"):
                found[parts[0]] = [*parts[1:], "-"][:4]
        return found


@dataclass
class ScratchBench:
    assignment: str
    kinds: dict[str, str]
    fillers: list[str]
    jobs: int
    scratch_mib: int
    control: BatchRun
    batch: BatchRun
    leftovers: list[str]

    @property
    def changed(self) -> list[str]:
        """Submissions whose score differs from the control run (a filler's answer is the same too)."""
        return [s for s in sorted(self.kinds) if self.batch.scores.get(s) != self.control.scores.get(s)]

    @property
    def unfinished(self) -> list[str]:
        rows = self.batch.rows()
        return [s for s in sorted(self.kinds) if s not in rows]

    @property
    def cap_not_reported(self) -> list[str]:
        rows = self.batch.rows()
        return [s for s in self.fillers if "scratch space cap" not in " ".join(rows.get(s, []))]

    @property
    def ok(self) -> bool:
        return not (self.changed or self.unfinished or self.cap_not_reported or self.leftovers)


def _grade(course: CourseLayout, assignment: str, jobs: int, scratch_mib: int, tmpdir: Path,
           everyone: list[str], notebooks: list[str]) -> BatchRun:
    environment = tool_environment()
    environment["TMPDIR"] = str(tmpdir)  # the scratch spaces of this run, to check none is left
    command = [sys.executable, "-m", "grader", "--root", str(course.root), "autograde", assignment,
               "--jobs", str(jobs), "--scratch-mib", str(scratch_mib)]
    with MemorySampler() as sampler:
        time.sleep(2)
        before = len(sampler.used)
        started = time.perf_counter()
        with subprocess.Popen(command, cwd=course.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=environment) as process:
            sampler.root_pid = process.pid
            stdout, stderr = process.communicate()
        seconds = time.perf_counter() - started
    during_used, during_shmem = sampler.used[before:], sampler.shmem[before:]
    scores: dict[str, float | None] = dict.fromkeys(everyone)
    scores.update(_totals(course, assignment, everyone, notebooks))
    return BatchRun(seconds, process.returncode, sorted(sampler.used[:before])[before // 2], max(during_used),
                    sorted(sampler.shmem[:before])[before // 2], max(during_shmem), max(sampler.tree[before:]),
                    stdout + stderr[-2000:], scores)


def _choose_fillers(kinds: dict[str, str], count: int) -> list[str]:
    """``count`` well-behaved students next to each other in grading order (graded at the same time)."""
    students = sorted(kinds)
    for start in range(len(students) - count + 1):
        window = students[start:start + count]
        if all(kinds[s] in WELL_BEHAVED for s in window):
            return window
    return [s for s in students if kinds[s] in WELL_BEHAVED][:count]


def _make_fillers(course: CourseLayout, assignment: str, kinds: dict[str, str], count: int) -> list[str]:
    fillers = _choose_fillers(kinds, count)
    for student in fillers:
        for path in sorted((course.root / "submitted" / student / assignment).glob("*.ipynb")):
            notebook = cells.load_notebook(path)
            first = next(cell for _, cell in cells.solution_cells(notebook))
            first["source"] = FILLER + cells.source_of(first)
            cells.save_notebook(notebook, path)
    return fillers


def bench_scratch(layout: CourseLayout, assignment: str = "00_welcome", students: int = 40, fillers: int = 2,
                  jobs: int = 2, scratch_mib: int = 256, seed: int = 0, log: Any = print) -> ScratchBench:
    notebooks = [path.stem for path in layout.source_notebooks(assignment)]
    with tempfile.TemporaryDirectory(prefix="eng101-bench-scratch-") as tmp:
        control = _prepare_course(layout, assignment, Path(tmp) / "control")
        kinds = generate_class(layout, assignment, control, students, seed)
        course = CourseLayout(Path(tmp) / "batch")
        shutil.copytree(control.root, course.root)
        chosen = _make_fillers(course, assignment, kinds, fillers)
        everyone = sorted(kinds)
        log(f"{assignment}: {students} submissions ({_kind_counts(kinds)}); fillers: {', '.join(chosen)}")
        scratch_tmp = Path(tmp) / "scratch"
        scratch_tmp.mkdir()
        log(f"  control batch (no fillers), grader autograde --jobs {jobs} ...")
        control_run = _grade(control, assignment, jobs, scratch_mib, scratch_tmp, everyone, notebooks)
        log(f"  batch with {len(chosen)} fillers ...")
        batch_run = _grade(course, assignment, jobs, scratch_mib, scratch_tmp, everyone, notebooks)
        leftovers = [m for m in mounted_scratch_spaces() if m.startswith(str(scratch_tmp))]
        leftovers += [str(p) for p in scratch_tmp.iterdir()]
        return ScratchBench(assignment, kinds, chosen, jobs, scratch_mib, control_run, batch_run, leftovers)


def _mib(size: int) -> str:
    return f"{size / MIB:,.0f}"


def format_scratch_bench(result: ScratchBench) -> str:
    runs = [("control (no fillers)", result.control), (f"with {len(result.fillers)} fillers", result.batch)]
    table = render_table(
        ["batch", "s", "exit", "used MiB before", "peak used MiB", "peak - before", "Shmem MiB before",
         "peak Shmem MiB", "peak grading RSS MiB"],
        [[name, f"{run.seconds:.1f}", run.returncode, _mib(run.baseline), _mib(run.peak),
          _mib(run.peak - run.baseline), _mib(run.baseline_shmem), _mib(run.peak_shmem), _mib(run.peak_tree)]
         for name, run in runs],
    )
    rows = result.batch.rows()
    per_student = render_table(
        ["student", "kind", "control score", "score", "status", "reason"],
        [[s, "FILLER" if s in result.fillers else result.kinds[s], _score(result.control.scores.get(s)),
          _score(result.batch.scores.get(s)), *(rows.get(s) or ["", "", "NOT IN TABLE", "-"])[2:4]]
         for s in sorted(result.kinds)],
    )
    everyone = len(result.kinds)
    lines = [
        per_student, "", table,
        f"memory, sampled every 0.2 s: used = MemTotal - MemAvailable of the whole machine (other work "
        "included; tmpfs counts as used), Shmem = tmpfs and /dev/shm (the scratch spaces), grading RSS = "
        f"sum of the resident memory of the autograde command's processes (kernels included); scratch cap "
        f"{result.scratch_mib} MiB per submission, --jobs {result.jobs}",
        f"submissions with the score of the control batch: {everyone - len(result.changed)}/{everyone} "
        f"(the {len(result.fillers)} fillers included: same answers)"
        + (f"; CHANGED: {result.changed}" if result.changed else ""),
        "fillers with the cap in their reason: "
        f"{len(result.fillers) - len(result.cap_not_reported)}/{len(result.fillers)}"
        + (f"; NOT REPORTED: {result.cap_not_reported}" if result.cap_not_reported else ""),
        "batch finished: " + ("yes, every submission in the table" if not result.unfinished
                              else f"NO, missing: {result.unfinished}"),
        "left behind (mounted scratch tmpfs or directories): " + (", ".join(result.leftovers) or "nothing"),
    ]
    return "\n".join(lines)


def _score(score: float | None) -> str:
    return "-" if score is None else f"{score:g}"


def run(layout: CourseLayout, assignment: str, students: int, fillers: int, jobs: int, scratch_mib: int) -> int:
    try:
        result = bench_scratch(layout, assignment, students, fillers, jobs, scratch_mib)
    except (NbgraderError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(format_scratch_bench(result))
    return 0 if result.ok else 1
