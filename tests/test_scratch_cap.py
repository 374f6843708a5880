"""The scratch cap: everything a submission can write shares one size-limited tmpfs.

One small batch (a cap of 32 MiB, files of at most 24 MiB) grades a submission that tries to
write 5 GB into /tmp, /var/tmp, /dev/shm, its home and its working directory beside honest ones:
the writes fail inside the kernel (EFBIG, then ENOSPC), the filler gets what its code earns with
the cap as the reason, the honest students keep their exact scores, and nothing stays mounted or
on disk.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader import cells, sandbox
from grader.autograde import SubmissionResult, autograde
from grader.layout import CourseLayout
from grader.sandbox import Policy, bubblewrap, grader_dir, kernel_command, mounted_scratch_spaces, scratch_space

from .conftest import REPO_ROOT

pytestmark = pytest.mark.xdist_group("autograde")

ASSIGNMENT, NOTEBOOK, EXERCISE = "00_welcome", "welcome", "count_nines"
MIB = 2**20
POLICY = Policy(cell_timeout=20, notebook_timeout=60, memory_bytes=2 * 2**30, max_processes=48,
                max_file_bytes=24 * MIB, scratch_bytes=32 * MIB)
FOLDERS = ["/tmp", "/var/tmp", "/dev/shm", "~", "."]
FILLER = f"""
import os

for folder in {FOLDERS!r}:
    written = 0
    try:
        with open(os.path.join(os.path.expanduser(folder), "filler.bin"), "wb") as out:
            while written < 5 * 10**9:
                written += out.write(bytes(2**22))
                out.flush()
    except OSError as error:
        print("FILL", folder, written // 2**20, "MiB", os.strerror(error.errno))
"""


def _can_mount() -> bool:
    with tempfile.TemporaryDirectory() as probe:
        why_not = sandbox._mount_tmpfs(Path(probe), MIB)
        if why_not is None:
            sandbox._unmount(Path(probe))
        return why_not is None


def _answer(source: str) -> dict:
    notebook = json.loads((REPO_ROOT / "course" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    cells.find_cell(notebook, EXERCISE)[1]["source"] = source
    return notebook


def _reference() -> str:
    solution = json.loads((REPO_ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    return cells.reference_answer(cells.find_cell(solution, EXERCISE)[1])


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CourseLayout, Path, dict[str, SubmissionResult]]]:
    if bubblewrap() is None or not _can_mount():
        pytest.skip("needs bubblewrap and permission to mount a tmpfs (root)")
    root = tmp_path_factory.mktemp("scratch-class")
    shutil.copy2(REPO_ROOT / "nbgrader_config.py", root)
    for part in ("solutions", "course"):
        shutil.copytree(REPO_ROOT / part / ASSIGNMENT, root / part / ASSIGNMENT,
                        ignore=shutil.ignore_patterns("variants"))
    blank = json.loads((REPO_ROOT / "course" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    submissions = {"alice": _answer(_reference()), "bob": blank,
                   "filler": _answer(FILLER + "\n" + _reference()), "filler-blank": _answer(FILLER)}
    for student, notebook in submissions.items():
        target = root / "submitted" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(notebook))
    scratch_tmp = tmp_path_factory.mktemp("grader-tmp")  # where this batch's scratch spaces are made
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(scratch_tmp))
        patch.setattr(tempfile, "tempdir", str(scratch_tmp))
        results = autograde(CourseLayout(root), ASSIGNMENT, None, jobs=2, policy=POLICY, progress=False)
    yield CourseLayout(root), scratch_tmp, {result.student: result for result in results}


def _printed(layout: CourseLayout, student: str) -> list[str]:
    notebook = json.loads((layout.root / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    streams = [out for cell in notebook["cells"] for out in cell.get("outputs", []) if out["output_type"] == "stream"]
    return "".join("".join(out["text"]) for out in streams).splitlines()


@pytest.mark.parametrize("student", ["filler", "filler-blank"])
def test_writes_beyond_the_cap_fail_inside_the_kernel(batch, student: str) -> None:
    layout, _, _ = batch
    fills = [line for line in _printed(layout, student) if line.startswith("FILL ")]
    assert len(fills) == len(FOLDERS), fills
    assert fills[0].endswith("File too large")  # the first file stops at max_file_bytes (EFBIG) ...
    assert all(line.endswith("No space left on device") for line in fills[1:])  # ... the rest at the cap
    assert sum(int(line.split()[2]) for line in fills) <= 32, fills  # MiB: all the folders together


def test_the_filler_gets_what_its_code_earns_and_the_cap_as_reason(batch) -> None:
    _, _, results = batch
    for student, score in (("filler", 3), ("filler-blank", 0)):
        result = results[student]
        assert result.score == score and result.max_score == 3, result
        assert f"{NOTEBOOK}: scratch space cap (32 MiB) hit" in result.problems, result
        assert f"{NOTEBOOK}: file size limit (24 MiB) hit" in result.problems, result
        assert result.status == "graded*"
    assert "scratch cap 32 MiB (one tmpfs)" in results["filler"].isolation


def test_honest_students_keep_their_exact_scores(batch) -> None:
    _, _, results = batch
    assert (results["alice"].score, results["alice"].max_score, results["alice"].problems) == (3, 3, [])
    assert (results["bob"].score, results["bob"].max_score, results["bob"].problems) == (0, 3, [])
    assert results["alice"].status == "graded"


def test_nothing_stays_mounted_or_on_disk(batch) -> None:
    _, scratch_tmp, _ = batch
    assert not [mount for mount in mounted_scratch_spaces() if mount.startswith(str(scratch_tmp))]
    assert not list(scratch_tmp.iterdir())
    for folder in ("/tmp", "/var/tmp", "/dev/shm", str(Path.home())):
        assert not (Path(folder) / "filler.bin").exists(), folder


def test_scratch_space_is_unmounted_when_grading_fails(tmp_path: Path) -> None:
    if not _can_mount():
        pytest.skip("no permission to mount a tmpfs")
    with pytest.raises(RuntimeError), scratch_space(Policy(scratch_bytes=MIB), prefix=f"{tmp_path}/s-") as root:
        assert os.path.ismount(root) and grader_dir(root / "work") == str(root / "grader")
        raise RuntimeError("a worker crashed")
    assert not os.path.exists(root) and grader_dir(root / "work") is None


def test_without_mount_permission_each_tmpfs_is_capped_and_it_says_so(tmp_path: Path, monkeypatch) -> None:
    if bubblewrap() is None:
        pytest.skip("bubblewrap unavailable")
    monkeypatch.setattr(sandbox, "_mount_tmpfs", lambda target, size: "cannot mount a tmpfs: Operation not permitted")
    with scratch_space(Policy(scratch_bytes=MIB), prefix=f"{tmp_path}/s-") as root:
        work = root / "work"
        work.mkdir()
        argv, isolation = kernel_command(Policy(scratch_bytes=MIB), work, tmp_path, REPO_ROOT, None)
    assert "per tmpfs" in isolation and "working copy uncapped" in isolation and "Operation not permitted" in isolation
    sized = [argv[i + 3] for i, part in enumerate(argv) if part == "--size"]
    assert argv.count("--size") == 3 and sorted(sized) == ["/dev/shm", "/tmp", "/var/tmp"]


def test_bench_scratch_reads_the_table_and_fails_on_a_changed_score() -> None:
    from grader.bench_scratch import BatchRun, ScratchBench, _choose_fillers

    table = ("student      score  max  status      reason\n"
             "-----------  -----  ---  ----------  ------\n"
             "student-001  3      3    graded*     welcome: scratch space cap (256 MiB) hit\n"
             "student-002  -      -    NOT GRADED  welcome.ipynb cannot be graded: NotJSONError\n"
             "student-003  1      3    graded      -\n")
    control = BatchRun(1.0, 1, 0, 0, 0, 0, 0, "", {"student-001": 3, "student-002": None, "student-003": 1})
    batch = BatchRun(1.0, 1, 0, 0, 0, 0, 0, table, dict(control.scores))
    kinds = {"student-001": "correct", "student-002": "malformed-json", "student-003": "partial"}
    assert batch.rows()["student-002"][2] == "NOT GRADED" and batch.rows()["student-003"][3] == "-"
    result = ScratchBench("00_welcome", kinds, ["student-001"], 2, 256, control, batch, [])
    assert result.ok
    batch.scores["student-003"] = 0
    assert result.changed == ["student-003"] and not result.ok
    assert _choose_fillers({"s1": "correct", "s2": "no-notebook", "s3": "blank", "s4": "partial"}, 2) == ["s3", "s4"]
