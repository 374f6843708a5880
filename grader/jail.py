"""``python -m grader.jail [limits] -- COMMAND...``: apply resource limits, then exec COMMAND.

Runs as the first process of a sandboxed kernel, before bubblewrap, so every
process of the submission inherits the limits:

- RLIMIT_AS (address space) caps memory per process; RLIMIT_FSIZE caps any file it writes;
  RLIMIT_CPU stops a runaway loop even if wall-clock interrupts are ignored; no core dumps;
- the number of processes: a cgroup (v1 ``pids`` controller) when this machine lets us create
  one, because RLIMIT_NPROC is not enforced for root; RLIMIT_NPROC otherwise;
- the environment is replaced by exactly the ``--env`` pairs given (a scrubbed environment).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import signal
from pathlib import Path

PIDS_CGROUP_ROOT = Path("/sys/fs/cgroup/pids")


def join_pids_cgroup(name: str, max_processes: int, root: Path = PIDS_CGROUP_ROOT) -> Path | None:
    """Create ``root/name`` with ``pids.max``, move this process into it; None when not possible."""
    try:
        group = root / name
        group.mkdir(exist_ok=True)
        (group / "pids.max").write_text(str(max_processes))
        (group / "cgroup.procs").write_text(str(os.getpid()))
        return group
    except OSError:
        return None


def apply_limits(memory: int, cpu_seconds: int, file_bytes: int, max_processes: int, cgroup: str | None) -> str:
    """Apply the limits to this process; returns how the process count is limited."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if cgroup and join_pids_cgroup(cgroup, max_processes):
        return "cgroup"
    resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))
    return "rlimit"


_PR_SET_PDEATHSIG = 1


def die_with(parent: int) -> None:
    """SIGKILL this process (and, across exec, bubblewrap) when the grader that started it dies.

    bubblewrap's --die-with-parent is set only once bubblewrap runs: a grader killed before that
    (a grading worker lost mid-start) would leave the sandbox orphaned, waiting for a client."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the grader is already gone
        os._exit(1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memory", type=int, required=True, help="bytes of address space per process")
    parser.add_argument("--cpu", type=int, required=True, help="CPU seconds per process")
    parser.add_argument("--file-size", type=int, required=True, help="largest file a process may write, bytes")
    parser.add_argument("--processes", type=int, required=True, help="processes at once")
    parser.add_argument("--cgroup", default=None, help="name of a pids cgroup to create and join")
    parser.add_argument("--parent", type=int, default=None, help="pid of the grader: die with it")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    if args.parent is not None:
        die_with(args.parent)
    apply_limits(args.memory, args.cpu, args.file_size, args.processes, args.cgroup)
    environment = dict(pair.split("=", 1) for pair in args.env)
    os.execvpe(command[0], command, environment)


if __name__ == "__main__":
    main()
