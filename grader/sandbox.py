"""Running a student's notebook as untrusted code.

The kernel (the only process that runs student code) starts as::

    python -m grader.jail <rlimits, scrubbed env> -- bwrap <namespaces, mounts> -- python -m ipykernel_launcher

- bubblewrap gives it new user, PID, network, IPC and UTS namespaces: it sees no other process,
  has no network (not even the host's loopback), and dies with its parent;
- the filesystem is the host's, read-only, with the course root, /tmp and home directories
  replaced by empty tmpfs: the solutions, the gradebook, other submissions and the exchange are
  simply not there. Only the Python environment, the helper package and the datasets are mounted
  back (read-only), plus a private working copy (read-write) holding this submission's files;
- the executor (nbclient, here in the grader) talks to the kernel over ZeroMQ IPC sockets in a
  directory shared with the sandbox, so the notebook with the hidden tests never exists on a disk
  the kernel can see.

Without bubblewrap the jail still applies the limits and the scrubbed environment, and grading
says loudly that it runs without isolation.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from jupyter_client import AsyncKernelManager

#: Directories that never appear inside the sandbox (replaced by empty tmpfs).
HIDDEN_SYSTEM_DIRS = ("/tmp", "/var/tmp", "/root", "/home", "/dev/shm", "/srv", "/mnt", "/media")


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


def _hidden(course_root: Path) -> list[Path]:
    """The grading course and the repository the helper package comes from: solutions live there."""
    return [Path(d) for d in HIDDEN_SYSTEM_DIRS] + [course_root, _helper_package().parent]


def _visible_again(course_root: Path) -> list[Path]:
    """What the kernel needs from the hidden directories: Python, the helper package, the data."""
    package = _helper_package()
    needed = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent,
              package, package.parent / "datasets", course_root / "datasets"}
    if os.environ.get("ENG101_DATA_DIR"):
        needed.add(Path(os.environ["ENG101_DATA_DIR"]))
    return sorted(path for path in needed if path.exists())


def kernel_command(policy: Policy, workdir: Path, connection_dir: Path, course_root: Path,
                   cgroup: str | None) -> tuple[list[str], str]:
    """The kernel's argv (with ``{connection_file}`` left for jupyter_client) and the isolation used."""
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
            f"--processes={policy.max_processes}", *([f"--cgroup={cgroup}"] if cgroup else []),
            *(f"--env={key}={value}" for key, value in env.items()), "--"]
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    bwrap = bubblewrap()
    if bwrap is None:
        return [*jail, *kernel], "rlimits only (NO sandbox: bubblewrap unavailable)"
    mounts = ["--ro-bind", "/", "/"]
    for hidden in _hidden(course_root):
        if hidden.is_dir():
            mounts += ["--tmpfs", str(hidden)]
    for path in _visible_again(course_root):
        mounts += ["--ro-bind", str(path), str(path)]
    mounts += ["--bind", str(workdir), str(workdir), "--bind", str(connection_dir), str(connection_dir),
               "--proc", "/proc", "--dev", "/dev", "--chdir", str(workdir)]
    sandbox = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--hostname", "sandbox",
               *mounts, "--"]
    return [*jail, *sandbox, *kernel], "bubblewrap + rlimits"


class SandboxKernelManager(AsyncKernelManager):
    """An async KernelManager (nbclient needs one) that starts the command of :func:`kernel_command`."""

    sandbox_argv: list[str] = []

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return [part.replace("{connection_file}", self.connection_file) for part in self.sandbox_argv]
