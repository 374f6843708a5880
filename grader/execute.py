"""Executing a notebook top to bottom and measuring it.

The notebook runs in a child process (``python -m grader.execute``) so that
the kernel is a grandchild we can account for: once the child has shut the
kernel down and reaped it, ``getrusage(RUSAGE_CHILDREN)`` in the child reports
the kernel's peak resident memory. (That is the peak of the largest process,
not the sum of a tree; notebooks that start worker processes reap them too.)
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from grader.cells import source_of
from grader.layout import IGNORED, tool_environment

#: Hard stop for one cell; the ≤ 30 s notebook budget is reported, not asserted.
CELL_TIMEOUT_SECONDS = 120


@dataclass
class CellError:
    index: int
    ename: str
    evalue: str
    source_head: str


@dataclass
class ExecutionResult:
    notebook: dict[str, Any]
    seconds: float
    peak_rss_bytes: int
    errors: list[CellError] = field(default_factory=list)


def errors_of(notebook: dict[str, Any]) -> list[CellError]:
    errors = []
    for index, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                head = source_of(cell).strip().splitlines()[:1]
                errors.append(
                    CellError(index, output.get("ename", ""), output.get("evalue", ""), "".join(head))
                )
    return errors


def execute_notebook(
    notebook_path: Path,
    cwd: Path | None = None,
    timeout: int = CELL_TIMEOUT_SECONDS,
    nbgrader_execution: str | None = None,
) -> ExecutionResult:
    """Run every cell (errors recorded, not raised) in a fresh kernel; time and measure it.

    ``nbgrader_execution`` ("validate" or "autograde") sets ``NBGRADER_EXECUTION`` in the
    kernel's environment as nbgrader itself does, so the run sees what a graded run sees.
    """
    environment = tool_environment()
    if nbgrader_execution:
        environment["NBGRADER_EXECUTION"] = nbgrader_execution
    with tempfile.TemporaryDirectory(prefix="eng101-exec-") as scratch:
        out_path = Path(scratch) / "executed.ipynb"
        command = [
            sys.executable, "-m", "grader.execute", str(notebook_path), str(out_path),
            "--cwd", str(cwd or notebook_path.parent), "--timeout", str(timeout),
        ]
        completed = subprocess.run(
            command, capture_output=True, text=True, env=environment, check=False
        )
        if completed.returncode != 0 or not out_path.exists():
            raise RuntimeError(
                f"executing {notebook_path} failed (exit {completed.returncode}):\n"
                + completed.stderr[-3000:]
            )
        measured = json.loads(completed.stdout.strip().splitlines()[-1])
        notebook = json.loads(out_path.read_text(encoding="utf-8"))
    return ExecutionResult(
        notebook, measured["seconds"], measured["peak_rss_bytes"], errors_of(notebook)
    )


def execute_in_copy(notebook_dir: Path, notebook_name: str, scratch: Path) -> ExecutionResult:
    """Execute a notebook in a copy of its directory, so nothing is written beside the original."""
    target = scratch / notebook_dir.name
    shutil.copytree(notebook_dir, target, ignore=shutil.ignore_patterns(*IGNORED))
    return execute_notebook(target / f"{notebook_name}.ipynb", cwd=target)


def _run_here(notebook_path: Path, out_path: Path, cwd: Path, timeout: int) -> None:
    from nbclient import NotebookClient

    notebook = nbformat.read(notebook_path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        record_timing=False,  # timestamps in metadata would churn every re-run
        resources={"metadata": {"path": str(cwd)}},
    )
    started = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - started
    # ru_maxrss is in KiB on Linux; the kernel has been shut down and reaped.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    nbformat.write(notebook, out_path)
    print(json.dumps({"seconds": seconds, "peak_rss_bytes": peak}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="execute one notebook and measure it")
    parser.add_argument("notebook", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--cwd", type=Path, required=True)
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT_SECONDS)
    args = parser.parse_args(argv)
    _run_here(args.notebook, args.output, args.cwd, args.timeout)


if __name__ == "__main__":
    main()
