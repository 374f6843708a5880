"""Running a student's notebook as untrusted code.

The kernel (the only process that runs student code) starts as::

    python -m grader.jail <rlimits, scrubbed env> -- bwrap <namespaces, mounts> -- python -m ipykernel_launcher

- bubblewrap gives it new user, PID, network, IPC and UTS namespaces: it sees no other process,
  has no network (not even the host's loopback), and dies with its parent;
- the filesystem is the host's, read-only, with the course root and home directories replaced by
  empty read-only tmpfs: the solutions, the gradebook, other submissions and the exchange are
  simply not there. Only the Python environment, the helper package and the datasets are mounted
  back (read-only), plus a private working copy (read-write) holding this submission's files;
- everything the kernel can write (the working copy, which is also its home, ``/tmp``,
  ``/var/tmp``, ``/dev/shm`` and the directory of its connection sockets) lives on **one
  size-limited tmpfs per submission** (:func:`scratch_space`, ``Policy.scratch_bytes``): a write
  beyond the cap fails with ENOSPC inside the sandbox, and the grader reads the usage afterwards
  (statvfs) to report the cap when it was hit. See :func:`scratch_space` for why one tmpfs and
  what happens when this machine does not allow mounting one;
- the executor (nbclient, here in the grader) talks to the kernel over ZeroMQ IPC sockets in a
  directory shared with the sandbox, so the notebook with the hidden tests never exists on a disk
  the kernel can see.

Without bubblewrap the jail still applies the limits and the scrubbed environment, and grading
says loudly that it runs without isolation.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager

#: Directories that never appear inside the sandbox (replaced by empty tmpfs).
HIDDEN_SYSTEM_DIRS = ("/tmp", "/var/tmp", "/root", "/home", "/dev/shm", "/srv", "/mnt", "/media")
#: The hidden directories the kernel may write to: fresh and empty for each kernel, on the scratch cap.
#: The others (and the course root) stay empty and read-only: HOME is the working copy.
WRITABLE_SYSTEM_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
MIB = 2**20


@dataclass(frozen=True)
class Policy:
    """Limits for one submission's kernel."""

    cell_timeout: int = 60  # seconds per cell (wall clock), then the cell fails
    notebook_timeout: int = 600  # seconds for the whole notebook, then the kernel is killed
    memory_bytes: int = 4 * 2**30  # address space per process (virtual: pyarrow reserves a lot)
    cpu_seconds: int = 600  # CPU time per process
    max_processes: int = 64
    max_file_bytes: int = 256 * 2**20
    max_output_bytes: int = 2 * 2**20  # outputs kept per notebook; the rest is dropped
    scratch_bytes: int = 256 * 2**20  # everything the submission can write, together (see scratch_space)


# --- scratch space: one size-limited tmpfs per submission --------------------------------------
#
# Why one host-side tmpfs rather than bubblewrap's ``--size`` on each tmpfs: with one cap per
# mount the caps add up (/tmp, /var/tmp and /dev/shm at 256 MiB each is 768 MiB of RAM per kernel),
# the working copy (a directory on the host's disk, also the kernel's home) would stay unbounded,
# and nothing outside the sandbox could tell that a cap was hit. One tmpfs of ``scratch_bytes``
# mounted by the grader holds the working copy, the kernel's /tmp, /var/tmp, /dev/shm and its
# connection directory, so one cap covers every byte the submission can write; the grader reads
# its usage after each run (statvfs) and unmounts it as soon as the submission is graded, which
# frees the memory (tmpfs pages count against the machine's RAM only while mounted). Mounting
# needs CAP_SYS_ADMIN (root, as in CI): without it grading falls back to a sized bubblewrap tmpfs
# for each of /tmp, /var/tmp and /dev/shm (caps add up; the working copy is limited only per file
# by RLIMIT_FSIZE) and says so in the isolation column.

_libc = ctypes.CDLL(None, use_errno=True)
_MS_NOSUID, _MS_NODEV, _MNT_DETACH = 0x2, 0x4, 0x2
#: The source name of every scratch tmpfs in /proc/mounts (how to find a leftover one).
SCRATCH_FSNAME = "eng101-scratch"
#: Free space below which a scratch space counts as full (tmpfs fills to the page).
_FULL_SLACK = MIB


@dataclass(frozen=True)
class ScratchSpace:
    root: Path  # the tmpfs (or, when it could not be mounted, a plain directory)
    cap_bytes: int
    mounted: bool  # True: one tmpfs of cap_bytes holds everything the kernel can write
    note: str = ""  # why no tmpfs could be mounted


@dataclass(frozen=True)
class ScratchUsage:
    """What one run left on its scratch space, read by the grader after the kernel is gone."""

    cap_bytes: int
    used_bytes: int | None  # None: no single tmpfs to measure (per-mount caps)
    cap_hit: bool
    file_limit_hit: bool
    file_limit_bytes: int

    def problems(self) -> list[str]:
        found = []
        if self.cap_hit:
            found.append(f"scratch space cap ({_mib(self.cap_bytes)}) hit")
        if self.file_limit_hit:
            found.append(f"file size limit ({_mib(self.file_limit_bytes)}) hit")
        return found


_ACTIVE: dict[Path, ScratchSpace] = {}


def _mib(size: int) -> str:
    return f"{size / MIB:g} MiB"


def _mount_tmpfs(target: Path, size: int) -> str | None:
    """Mount a tmpfs of ``size`` bytes on ``target``: None on success, else why not."""
    inodes = max(4096, size // 8192)  # inodes cost memory outside the size: bound them too
    options = f"size={size},nr_inodes={inodes},mode=0700".encode()
    if _libc.mount(SCRATCH_FSNAME.encode(), str(target).encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, options):
        return f"cannot mount a tmpfs: {os.strerror(ctypes.get_errno())}"
    return None


def _unmount(target: Path) -> None:
    """Unmount ``target``; if something still holds it, detach it now (freed when the last user goes)."""
    if _libc.umount2(str(target).encode(), 0):
        _libc.umount2(str(target).encode(), _MNT_DETACH)


@contextmanager
def scratch_space(policy: Policy, prefix: str = "eng101-grade-") -> Iterator[Path]:
    """A directory for one submission's working copy, on a tmpfs of ``policy.scratch_bytes``.

    While it is open, the grader's own files for that kernel (its connection directory:
    :func:`grader_dir`) are created inside it too, so the sandbox writes nowhere else; on exit it is
    unmounted and removed, whatever happened. Each kernel starts with an empty /tmp, /var/tmp
    and /dev/shm (the last kernel's are deleted); the working copy is kept from one notebook of
    the submission to the next, as stock nbgrader keeps it, so a notebook that filled it leaves
    the next one no room (its kernel may not start: the reason says so).
    """
    root = Path(tempfile.mkdtemp(prefix=prefix))
    why_not = _mount_tmpfs(root, policy.scratch_bytes)
    space = ScratchSpace(root, policy.scratch_bytes, why_not is None, why_not or "")
    _ACTIVE[root] = space
    try:
        if space.mounted:
            (root / "grader").mkdir()
        yield root
    finally:
        _ACTIVE.pop(root, None)
        if space.mounted:
            _unmount(root)
        shutil.rmtree(root, ignore_errors=True)


def grader_dir(workdir: Path) -> str | None:
    """Where the grader keeps its files for the kernel working in ``workdir``: on its scratch space
    when there is one (explicitly: several checks may grade at once in one process)."""
    space = scratch_of(workdir)
    return str(space.root / "grader") if space is not None and space.mounted else None


def scratch_of(workdir: Path) -> ScratchSpace | None:
    """The open scratch space ``workdir`` is in (in this process), if any."""
    for path in (workdir, *workdir.parents):
        if path in _ACTIVE:
            return _ACTIVE[path]
    return None


def mounted_scratch_spaces() -> list[str]:
    """Mount points of scratch tmpfs on this machine (any process's): empty once grading is over."""
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        return [line.split()[1] for line in mounts if line.split()[0] == SCRATCH_FSNAME]


def _fresh_run_dirs(space: ScratchSpace) -> dict[str, Path]:
    """Empty /tmp, /var/tmp and /dev/shm for the next kernel, on the scratch space (the last run's are gone)."""
    base = space.root / "sandbox"
    shutil.rmtree(base, ignore_errors=True)
    dirs = {}
    for directory in WRITABLE_SYSTEM_DIRS:
        dirs[directory] = base / directory.strip("/").replace("/", "-")
        dirs[directory].mkdir(parents=True)
        dirs[directory].chmod(0o1777)
    return dirs


_NO_SPACE = ("[Errno 28]", "No space left on device", "database or disk is full")
_TOO_LARGE = ("[Errno 27]", "File too large")


def scratch_usage(workdir: Path, policy: Policy, notebook: Any = None) -> ScratchUsage:
    """After a run: did it fill its scratch space (statvfs of the tmpfs, or ENOSPC in the outputs)?"""
    text = str([cell.get("outputs", []) for cell in notebook.cells] if notebook is not None else "")
    full = any(marker in text for marker in _NO_SPACE)
    used = None
    space = scratch_of(workdir)
    if space is not None and space.mounted:
        stats = os.statvfs(space.root)
        used = (stats.f_blocks - stats.f_bfree) * stats.f_frsize
        slack = min(_FULL_SLACK, space.cap_bytes // 16)
        full = full or stats.f_bavail * stats.f_frsize < slack or stats.f_favail == 0
    return ScratchUsage(policy.scratch_bytes, used, full, any(marker in text for marker in _TOO_LARGE),
                        policy.max_file_bytes)


@functools.cache
def bubblewrap() -> str | None:
    """Path of a working ``bwrap``, or None (missing, or namespaces not permitted here)."""
    path = shutil.which("bwrap")
    if path is None:
        return None
    probe = [path, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc",
             "--dev", "/dev", "--", sys.executable, "-c", "pass"]
    try:
        ok = subprocess.run(probe, capture_output=True, timeout=30, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return path if ok else None


def _helper_package() -> Path:
    """Where ``eng101`` is installed from (an editable install points into a course repository)."""
    spec = importlib.util.find_spec("eng101")
    assert spec is not None and spec.submodule_search_locations, "the eng101 helper package is not installed"
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def _hidden(course_root: Path, extra: tuple[Path, ...] = ()) -> list[Path]:
    """The grading course, the repository the helper package comes from, and wherever the course's
    config keeps instructor state (``extra``): solutions, submissions and grades live there."""
    return [Path(d) for d in HIDDEN_SYSTEM_DIRS] + [course_root, _helper_package().parent, *extra]


def _visible_again(course_root: Path) -> list[Path]:
    """What the kernel needs from the hidden directories: Python, the helper package, the data."""
    package = _helper_package()
    from grader.guard import GUARD_DIR  # the guarded kernel's entry point and its compiled witness

    needed = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent,
              package, package.parent / "datasets", course_root / "datasets", GUARD_DIR}
    if os.environ.get("ENG101_DATA_DIR"):
        needed.add(Path(os.environ["ENG101_DATA_DIR"]))
    return sorted(path for path in needed if path.exists())


def kernel_command(policy: Policy, workdir: Path, connection_dir: Path, course_root: Path,
                   cgroup: str | None, guard_config: Path | None = None,
                   socket_alias: Path | None = None, hidden: tuple[Path, ...] = ()) -> tuple[list[str], str]:
    """The kernel's argv (with ``{connection_file}`` left for jupyter_client) and the isolation used.

    With ``guard_config`` (see :mod:`grader.guard`) the kernel is ``grader/guard/kernel.py``, which
    installs the audit hooks before ipykernel starts; without it, plain ipykernel. ``socket_alias``
    is a short path (a symlink on the host) that also names ``connection_dir``: a Unix socket's path
    must fit in 107 bytes, and the connection directory lives deep in the scratch space.
    """
    home = str(workdir)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg",
        "IPYTHONDIR": f"{home}/.ipython", "MPLCONFIGDIR": f"{home}/.matplotlib",
        "NBGRADER_EXECUTION": "autograde", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "ENG101_DATA_DIR"):  # OpenBLAS on some CPUs; shared data
        if key in os.environ:
            env[key] = os.environ[key]
    jail = [sys.executable, "-m", "grader.jail", f"--memory={policy.memory_bytes}",
            f"--cpu={policy.cpu_seconds}", f"--file-size={policy.max_file_bytes}",
            f"--processes={policy.max_processes}", f"--parent={os.getpid()}",
            *([f"--cgroup={cgroup}"] if cgroup else []),
            *(f"--env={key}={value}" for key, value in env.items()), "--"]
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    if guard_config is not None:
        from grader.guard import GUARD_DIR

        jail = [*jail[:-1], f"--env=ENG101_GUARD={guard_config}", "--"]
        kernel = [sys.executable, str(GUARD_DIR / "kernel.py"), "-f", "{connection_file}"]
    bwrap = bubblewrap()
    if bwrap is None:
        return [*jail, *kernel], "rlimits only (NO sandbox: bubblewrap unavailable)"
    mounts, scratch = _mounts(policy, workdir, connection_dir, course_root, hidden)
    if socket_alias is not None:
        mounts[mounts.index("--proc"):mounts.index("--proc")] = ["--bind", str(connection_dir), str(socket_alias)]
    sandbox = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--hostname", "sandbox",
               *mounts, "--"]
    return [*jail, *sandbox, *kernel], f"bubblewrap + rlimits + {scratch}"


def _mounts(policy: Policy, workdir: Path, connection_dir: Path, course_root: Path,
            hidden: tuple[Path, ...] = ()) -> tuple[list[str], str]:
    """bubblewrap's mount options, and how the scratch space is capped.

    Writable inside the sandbox: the working copy, the connection directory, /tmp, /var/tmp and
    /dev/shm, all on the submission's scratch tmpfs (see :func:`scratch_space`). Everything else
    is read-only, including the emptied directories and bubblewrap's own /dev (an uncapped tmpfs).
    """
    space = scratch_of(workdir)
    capped = space is not None and space.mounted
    fresh = _fresh_run_dirs(space) if space is not None and capped else {}
    size = str(policy.scratch_bytes)

    def writable(directory: str) -> list[str]:
        return ["--bind", str(fresh[directory]), directory] if capped else ["--size", size, "--tmpfs", directory]

    mounts = ["--ro-bind", "/", "/"]
    read_only = []
    for emptied in dict.fromkeys(_hidden(course_root, hidden)):  # in order: /tmp before a course root in /tmp
        if not emptied.is_dir() or str(emptied) == "/dev/shm":  # /dev/shm: after --dev below
            continue
        if str(emptied) in WRITABLE_SYSTEM_DIRS:
            mounts += writable(str(emptied))
        else:
            mounts += ["--tmpfs", str(emptied)]
            read_only.append(str(emptied))
    for path in _visible_again(course_root):
        mounts += ["--ro-bind", str(path), str(path)]
    mounts += ["--bind", str(workdir), str(workdir), "--bind", str(connection_dir), str(connection_dir),
               "--proc", "/proc", "--dev", "/dev", *writable("/dev/shm")]
    for directory in [*read_only, "/dev"]:  # last: the mount points above are made in them first
        mounts += ["--remount-ro", directory]
    mounts += ["--chdir", str(workdir)]
    if capped:
        return mounts, f"scratch cap {_mib(policy.scratch_bytes)} (one tmpfs)"
    why = space.note if space is not None else "no scratch space"
    return mounts, (f"scratch cap {_mib(policy.scratch_bytes)} per tmpfs (/tmp, /var/tmp, /dev/shm), "
                    f"working copy uncapped ({why})")


class SandboxKernelManager(AsyncKernelManager):
    """An async KernelManager (nbclient needs one) that starts the command of :func:`kernel_command`."""

    sandbox_argv: list[str] = []

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return [part.replace("{connection_file}", self.connection_file) for part in self.sandbox_argv]
