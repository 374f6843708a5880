"""The generic cheat that patches what the tests rely on, graded as ``grader autograde`` grades.

Every answer cell of the assignment becomes its ``always_equal`` cheat (grader.cheats), and the
first one also replaces every public callable of every loaded ``eng101`` module (the course's
helpers, which the tests import) and the builtins ``all`` and ``any`` with functions that say yes.
No test can defend against that by itself, so the tests are not asked to: the notebook runs in the
guarded, sandboxed kernel of grader.untrusted, and the contract is that the submission earns no point
and is held for review. Used by ``grader check`` for every assignment.
"""

from __future__ import annotations

import copy
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from grader import cells
from grader.cheats import cheat_source
from grader.sandbox import Policy, scratch_space

PATCH_HELPERS = '''
import builtins as _cheat_builtins
import sys as _cheat_sys


def _cheat_yes(*args, **kwargs):
    return _AlwaysEqual()


for _cheat_name in [name for name in _cheat_sys.modules if name == "eng101" or name.startswith("eng101.")]:
    _cheat_module = _cheat_sys.modules[_cheat_name]
    for _cheat_key, _cheat_value in list(vars(_cheat_module).items()):
        if callable(_cheat_value) and not _cheat_key.startswith("__"):
            setattr(_cheat_module, _cheat_key, _cheat_yes)
_cheat_builtins.all = _cheat_builtins.any = lambda iterable: True
'''

#: Short limits: a patched kernel may hang rather than fail, and that is worth no wait.
POLICY = Policy(cell_timeout=10, notebook_timeout=90)


@dataclass
class PatchingOutcome:
    earned: list[str] = field(default_factory=list)  # test cells that passed: must be empty
    held: bool = False  # the guard caught it (review)
    notes: list[str] = field(default_factory=list)


def patching_submission(source: dict[str, Any], references: dict[str, str]) -> dict[str, Any] | None:
    """The instructor's notebook with every answer replaced by the cheat (None: nothing to cheat)."""
    notebook = copy.deepcopy(source)
    first = True
    for cell in notebook["cells"]:
        exercise = cells.grade_id(cell)
        if not cells.is_solution_cell(cell) or exercise not in references:
            continue
        cheat = cheat_source(references[exercise], "always_equal")
        if cheat is None:
            continue
        cell["source"] = cheat + (PATCH_HELPERS if first else "")
        first = False
    return None if first else notebook


def _run_guarded(notebook: Any, notebook_path: Path, course_root: Path, policy: Policy, prefix: str,
                 release: Any = None) -> Any:
    """Execute ``notebook`` in the guarded kernel of ``grader autograde``, in a scratch copy of the
    folder of ``notebook_path`` (its data files, not its notebooks or variants)."""
    from grader.untrusted import execute_untrusted

    with scratch_space(policy, prefix=prefix) as scratch:
        workdir = Path(scratch) / "work"
        shutil.copytree(notebook_path.parent, workdir,
                        ignore=shutil.ignore_patterns("*.ipynb", "variants", ".ipynb_checkpoints", "__pycache__"))
        return execute_untrusted(notebook, workdir, course_root, policy, release=release)


def grade_patching_cheat(notebook_path: Path, references: dict[str, str], course_root: Path) -> PatchingOutcome:
    """Run the cheat built from ``notebook_path`` (a solution notebook) in the guarded kernel."""
    outcome = PatchingOutcome()
    source = nbformat.read(notebook_path, as_version=4)
    cheat = patching_submission(source, references)
    if cheat is None:
        outcome.notes.append("no answer cell to cheat")
        return outcome
    execution = _run_guarded(nbformat.from_dict(cheat), notebook_path, course_root, POLICY, "eng101-cheat-")
    for cell in execution.notebook.cells:
        if cells.is_grade_cell(cell) and not cells.is_solution_cell(cell):
            if not any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
                outcome.earned.append(cells.grade_id(cell))
    outcome.held = any("tampering" in reason for reason in execution.review)
    outcome.notes += execution.problems
    return outcome


def reference_lost_in_guarded_kernel(notebook_path: Path, release_path: Path, course_root: Path) -> list[str]:
    """The reference answers (the solution notebook as it is), graded in the guarded kernel of
    ``grader autograde``: what each test cell that did not pass shows, plus the problems and review
    flags of the run. Empty when the reference earns every point there, as it must: a library that
    trips the guard (Hypothesis did) would otherwise pass the check and fail every student."""
    execution = _run_guarded(nbformat.read(notebook_path, as_version=4), notebook_path, course_root, Policy(),
                             "eng101-reference-", release=nbformat.read(release_path, as_version=4))
    lost = []
    for cell in execution.notebook.cells:
        if cells.is_grade_cell(cell) and not cells.is_solution_cell(cell):
            errors = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
            if errors:
                lost.append(f"{cells.grade_id(cell)}: {errors[0].get('ename')}: {str(errors[0].get('evalue'))[:200]}")
    return lost + execution.problems + execution.review
