"""Executing one submitted notebook, with its hidden tests restored, as untrusted code.

The executor stays outside the sandbox and keeps the evidence a test passed out of the
student's reach as far as an in-process test allows:

- a test cell passes only if the kernel *replied* ``ok`` for it, nothing went to stderr, and a
  random token appended to the cell was printed (so a cell that never ran, or whose run was
  skipped by patched machinery, cannot pass by having no output);
- a cell that did not run (the kernel died, was killed at the notebook deadline, or a timeout
  cut the run) gets an explicit error output, so nbgrader scores it 0;
- outputs beyond the policy's size are dropped (errors are always kept, shortened);
- source that reaches into the execution machinery (IPython hooks, excepthook, builtins,
  ctypes, ...) is flagged for a human to review.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output

from grader import cells
from grader.guard import (
    GuardReport,
    GuardSession,
    expected_tag,
    modules_imported,
    top_level_names,
    trigger_source,
)
from grader.jail import PIDS_CGROUP_ROOT
from grader.sandbox import (
    Policy,
    SandboxKernelManager,
    ScratchUsage,
    _helper_package,
    grader_dir,
    kernel_command,
    scratch_usage,
)

SUSPICIOUS = re.compile(
    r"get_ipython|set_custom_exc|excepthook|run_cell|events\.register|__builtins__|\bbuiltins\b|"
    r"ctypes|sys\.modules|_getframe|settrace|setprofile|gc\.get_objects|inspect\.stack|os\._exit|"
    r"signal\.signal|kill\("
)


#: Names of this grading run's pids cgroups start with it (workers fork from the process that
#: imported this module), so a check for leftovers can tell them from another run's.
CGROUP_PREFIX = f"eng101-{os.getpid()}-"


@dataclass
class Execution:
    notebook: NotebookNode
    isolation: str
    problems: list[str] = field(default_factory=list)  # why tests failed beyond assertions
    review: list[str] = field(default_factory=list)  # what a human should look at
    manual: list[str] = field(default_factory=list)  # grade ids held for manual grading (0 awarded)
    scratch: ScratchUsage | None = None  # what the run left on its scratch space (set after the run)


class _LimitedClient(NotebookClient):
    """nbclient that keeps at most ``max_output_bytes`` of output (errors always kept)."""

    max_output_bytes = 2**20

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.output_bytes = 0
        self.truncated_cells: set[int] = set()
        self.replies: dict[int, str] = {}

    def record_reply(self, cell: NotebookNode, cell_index: int, reply: dict[str, Any]) -> None:
        """Remember the kernel's verdict; an error reply without an error output gets one (as nbgrader does)."""
        content = reply.get("content", {})
        self.replies[cell_index] = content.get("status", "error")
        if self.replies[cell_index] == "error" and content.get("ename") and not any(
            out.get("output_type") == "error" and out.get("ename") == content["ename"] for out in cell.outputs
        ):
            cell.outputs.append(_error(content["ename"], str(content.get("evalue", ""))))

    def output(self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None,
               cell_index: int) -> NotebookNode | None:
        size = len(str(msg.get("content", "")))
        if msg["msg_type"] != "error":
            if self.output_bytes + size > self.max_output_bytes:
                self.truncated_cells.add(cell_index)
                return None
            self.output_bytes += size
        out = super().output(outs, msg, display_id, cell_index)
        if out is not None and out.get("output_type") == "error":
            out["traceback"] = out.get("traceback", [])[-5:]
        return out


def _error(ename: str, evalue: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def flag_suspicious(notebook: NotebookNode, instructor_sources: frozenset[str] = frozenset()) -> list[str]:
    """Student-editable cells whose source reaches into the execution machinery (the instructor's own
    demo cells, unchanged from the release, are not the student's doing)."""
    flagged = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or cells.is_grade_cell(cell) or cells.source_of(cell) in instructor_sources:
            continue
        found = sorted(set(SUSPICIOUS.findall(cells.source_of(cell))))
        if found:
            flagged.append(f"cell {index} uses {', '.join(found)}")
    return flagged


def execute_untrusted(notebook: NotebookNode, workdir: Path, course_root: Path, policy: Policy,
                      release: NotebookNode | None = None, hidden: tuple[Path, ...] = ()) -> Execution:
    """Run ``notebook`` (hidden tests included) in a sandboxed kernel with ``workdir`` as its cwd."""
    nonces: dict[int, str] = {}
    originals: dict[int, str] = {}
    instructor_sources, answer_stubs = [], []
    reference = release if release is not None else notebook
    for cell in reference.cells:
        if cell.cell_type == "code" and cells.is_solution_cell(cell):
            answer_stubs.append(cells.source_of(cell))
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and cells.nbgrader_meta(cell) and not cells.is_solution_cell(cell):
            instructor_sources.append(cells.source_of(cell))
        if cell.cell_type == "code" and cells.is_grade_cell(cell) and not cells.is_solution_cell(cell):
            nonces[index] = secrets.token_hex(16)
            originals[index] = cells.source_of(cell)
            # the test itself goes to the guard; the kernel only ever sees a request to run it
            cell.source = trigger_source(nonces[index])
    released = frozenset(cells.source_of(c) for c in release.cells) if release is not None else frozenset()
    execution = Execution(notebook, isolation="", review=flag_suspicious(notebook, released))
    cgroup = f"{CGROUP_PREFIX}{uuid.uuid4().hex[:12]}"
    kernel_files = tempfile.TemporaryDirectory(prefix="eng101-kernel-", dir=grader_dir(workdir))
    with kernel_files as connection_dir, _short_alias(Path(connection_dir)) as socket_dir:
        guard = GuardSession(Path(connection_dir), watch=modules_imported(instructor_sources),
                             course_tools=_helper_package(), answer_names=top_level_names(answer_stubs),
                             tests={nonces[i]: (cells.grade_id(notebook.cells[i]), originals[i]) for i in nonces})
        guard.prepare()
        argv, execution.isolation = kernel_command(policy, workdir, Path(connection_dir), course_root, cgroup,
                                                   guard_config=guard.config_file, socket_alias=socket_dir,
                                                   hidden=hidden)
        manager = SandboxKernelManager(transport="ipc", ip=str(socket_dir / "kernel"),
                                       connection_file=str(Path(connection_dir) / "kernel.json"))
        manager.sandbox_argv = argv
        # A signal cannot cross into the sandbox's PID namespace (it would kill bubblewrap):
        # interrupt a cell that runs over its time by asking the kernel over its control channel.
        manager.kernel_spec.interrupt_mode = "message"
        client = _LimitedClient(
            notebook, km=manager, timeout=policy.cell_timeout, allow_errors=True, interrupt_on_timeout=True,
            error_on_timeout={"ename": "CellTimeoutError", "evalue": f"cell ran over {policy.cell_timeout} s",
                              "traceback": [f"CellTimeoutError: cell ran over {policy.cell_timeout} s"]},
            record_timing=False, resources={"metadata": {"path": str(workdir)}},
            on_cell_executed=lambda cell, cell_index, execute_reply: (
                client.record_reply(cell, cell_index, execute_reply), guard.drain()),
        )
        client.max_output_bytes = policy.max_output_bytes
        deadline = threading.Timer(policy.notebook_timeout, _kill, args=(manager,))
        deadline.start()
        try:
            client.execute(stdout=subprocess.DEVNULL)  # the kernel's banner is not the grader's output
        except DeadKernelError:
            reason = "the notebook ran over its time limit" if not deadline.is_alive() else "the kernel died"
            execution.problems.append(reason)
        except Exception as error:  # the kernel never started, a protocol error, ...
            execution.problems.append(f"execution stopped: {type(error).__name__}: {error}")
        finally:
            deadline.cancel()
            _kill(manager)
            _remove_cgroup(cgroup)
            verdicts = guard.close()
            execution.scratch = scratch_usage(workdir, policy, notebook)  # the kernel is gone: measure
            execution.problems += execution.scratch.problems()
    if client.truncated_cells:
        execution.problems.append(f"output over {policy.max_output_bytes} bytes was dropped")
    expected = {index: expected_tag(guard.key, nonce) for index, nonce in nonces.items()}
    _judge_test_cells(notebook, expected, nonces, originals, client.replies, verdicts, execution)
    return execution


def _judge_test_cells(notebook: NotebookNode, expected: dict[int, str], nonces: dict[int, str],
                      originals: dict[int, str], replies: dict[int, str], verdicts: GuardReport,
                      execution: Execution) -> None:
    """A test cell passes only if the kernel replied ``ok``, showed no error and the witness vouched
    for exactly this cell's code; when the kernel was caught tampering, or claimed a success the
    witness did not vouch for, every cell without that proof scores 0 and is held for manual grading."""
    tampering = [f"tampering: {what}" for what in verdicts.tampering]
    if verdicts.noise:
        tampering.append(f"tampering: {verdicts.noise} line(s) on the guard's report pipe were not the guard's")
    unproven = []
    for index in nonces:
        cell = notebook.cells[index]
        cell.source = originals[index]
        has_error = any(out.get("output_type") == "error" for out in cell.outputs)
        vouched = expected[index] in verdicts.passed.get(nonces[index], [])
        name = cells.grade_id(cell)
        if index not in replies:
            cell.outputs.append(_error("NotRun", "this test did not run (an earlier problem stopped the notebook)"))
            execution.problems.append(f"{name} did not run")
        elif replies[index] != "ok" and not has_error:
            cell.outputs.append(_error("HiddenError", "the test failed but its error was suppressed"))
            execution.problems.append(f"{name} failed with its error hidden")
        elif replies[index] == "ok" and not has_error and not vouched:
            cell.outputs.append(_error("Unverified", "the grader could not verify that this test ran to its end"))
            unproven.append(name)
    if unproven:
        tampering.append(f"tampering: {', '.join(unproven)} reported success that the guard did not vouch for")
    if tampering:
        execution.review += tampering
        execution.manual += [cells.grade_id(notebook.cells[index]) for index in nonces
                             if expected[index] not in verdicts.passed.get(nonces[index], [])]


@contextlib.contextmanager
def _short_alias(directory: Path) -> Iterator[Path]:
    """A short path in /tmp naming ``directory`` (a symlink), for the kernel's Unix sockets."""
    while True:
        alias = Path("/tmp") / f"e101-{secrets.token_hex(4)}"
        try:
            alias.symlink_to(directory)
            break
        except FileExistsError:
            continue
    try:
        yield alias
    finally:
        alias.unlink(missing_ok=True)


def _kill(manager: SandboxKernelManager) -> None:
    """SIGKILL the kernel's process group (thread-safe: no event loop needed)."""
    process = getattr(manager.provisioner, "process", None) if manager.provisioner else None
    if process is not None and process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            process.kill()
        process.wait(timeout=10)


def _remove_cgroup(name: str) -> None:
    """Kill whatever the submission left running in its cgroup, then remove the cgroup."""
    group = PIDS_CGROUP_ROOT / name
    for _ in range(50):
        try:
            for pid in (group / "cgroup.procs").read_text().split():
                os.kill(int(pid), signal.SIGKILL)
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
