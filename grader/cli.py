"""``python -m grader {build,check,bench,execute}``: the instructor's commands."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from grader.build import build
from grader.contract import AssignmentReport, check_assignment
from grader.execute import execute_in_copy, execute_notebook
from grader.layout import (
    MEMORY_BUDGET_BYTES,
    TIME_BUDGET_SECONDS,
    CourseLayout,
    UnknownAssignmentError,
    tool_environment,
)
from grader.nbgrader_cli import NbgraderError
from grader.sync import assignments_named, release_problems
from grader.table import render_table

if TYPE_CHECKING:
    from grader.autograde import SubmissionResult
    from grader.sandbox import Policy

MIB = 2**20


def _score(value: float | None, maximum: float) -> str:
    return "-" if value is None else f"{value:g}/{maximum:g}"


def format_check_table(reports: list[AssignmentReport]) -> str:
    headers = [
        "assignment", "exercises", "points", "student", "solution", "mutants killed",
        "alts accepted", "cheats scored", "stock runs", "leaks", "in sync", "time s", "peak MiB", "result",
    ]
    rows = []
    for r in reports:
        rows.append([
            r.assignment, r.exercises, f"{r.points:g}", _score(r.student_score, r.points),
            _score(r.solution_score, r.points), f"{r.mutants_killed}/{r.mutants_total}",
            f"{r.alts_accepted}/{r.alts_total}", f"{r.cheats_scored}/{r.cheats_total}", r.trials + r.records,
            "none" if not r.leaks else f"{len(r.leaks)} LEAK",
            "yes" if not r.out_of_sync else "NO",
            "-" if r.seconds is None else f"{r.seconds:.1f}" + ("!" if r.seconds > TIME_BUDGET_SECONDS else ""),
            "-" if r.peak_rss_bytes is None else f"{r.peak_rss_bytes / MIB:.0f}",
            "ok" if r.ok else "FAIL",
        ])
    return render_table(headers, rows)


def cmd_build(layout: CourseLayout, args: argparse.Namespace) -> int:
    if args.check:
        return check_release_in_sync(layout, args.assignments)
    assignments = layout.resolve(args.assignments)
    build(layout, assignments)
    for assignment in assignments:
        print(f"built course/{assignment} from solutions/{assignment}")
    return 0


def check_release_in_sync(layout: CourseLayout, names: list[str]) -> int:
    """``build --check``: the pre-commit hook's fast check that course/ is the generated release."""
    assignments = assignments_named(layout, names)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        problems = dict(zip(assignments, pool.map(lambda a: release_problems(layout, a), assignments), strict=True))
    stale = [assignment for assignment, found in problems.items() if found]
    for assignment in stale:
        for problem in problems[assignment]:
            print(f"{assignment}: {problem}")
    if stale:
        print(f"course/ is not the generated release of: {', '.join(stale)}; run python -m grader build "
              f"{' '.join(stale)} (and python -m grader execute for changed solutions), then stage course/")
        return 1
    print(f"course/ is the generated release of {len(assignments)} assignment(s), without outputs")
    return 0


def cmd_check(layout: CourseLayout, args: argparse.Namespace) -> int:
    assignments = layout.resolve(args.assignments)
    if not assignments:
        print("no assignments found in solutions/", file=sys.stderr)
        return 1
    if args.repeat < 1:
        print("--repeat must be at least 1", file=sys.stderr)
        return 2
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        reports = list(pool.map(
            lambda a: check_or_report(layout, a, repeat=args.repeat, fast=not args.stock,
                                      against_stock=args.against_stock), assignments
        ))
    if args.repeat > 1:
        print(format_repeat_table(reports))
    if args.timings:
        print(format_timings_table(reports))
    return print_check_results(reports)


def cmd_equivalence(layout: CourseLayout, args: argparse.Namespace) -> int:
    from grader.equivalence import compare_with_stock

    failed = False
    rows = []
    for assignment in layout.resolve(args.assignments):
        result = compare_with_stock(layout, assignment)
        failed |= not result.ok
        rows.append([assignment, result.compared, result.cells_compared, result.cells_skipped,
                     len(result.fallbacks), len(result.differences), len(result.not_graded),
                     "ok" if result.ok else "FAIL"])
        for line in result.differences:
            print(f"DIFFERS {assignment}: {line}")
        for label in result.not_graded:
            print(f"NOT GRADED {assignment}: {label} (stock nbgrader gave no score)")
        for label, why in sorted(result.fallbacks.items()):
            print(f"STOCK ONLY {assignment}: {label}: {why}")
    print(render_table(["assignment", "variants compared", "cells compared", "cells not judged",
                        "left to stock", "cells differing", "not graded", "result"], rows))
    return 1 if failed else 0


def format_repeat_table(reports: list[AssignmentReport]) -> str:
    """Per variant: killed k/N (mutants), full marks k/N (alternatives) or zero points k/N (cheats)."""
    rows = []
    for report in reports:
        for label, (good, runs) in sorted(report.variant_runs.items()):
            kind = {"mutant": "killed", "cheat": "zero points"}.get(label.split(" ")[0], "full marks")
            verdict = "ok" if good == runs else "FAIL"
            rows.append([report.assignment, label, f"{kind} {good}/{runs}", verdict])
    return render_table(["assignment", "variant", "runs", "result"], rows)


TIMED_PHASES = ("setup", "solution run", "fast path", "stock nbgrader", "visible tests", "guarded cheat",
                "guarded reference")


def format_timings_table(reports: list[AssignmentReport]) -> str:
    """Seconds per phase, so an author sees where a check's time goes."""
    rows = []
    for r in reports:
        phases = [r.timings.get(phase, 0.0) for phase in TIMED_PHASES]
        rows.append([r.assignment, *(f"{seconds:.1f}" for seconds in phases), f"{sum(phases):.1f}",
                     f"{r.fast_variants}/{r.stock_variants}"])
    table = render_table(["assignment", *(f"{phase} s" for phase in TIMED_PHASES), "total s",
                          "variants fast/stock"], rows)
    reasons = [f"  {r.assignment} {label}: {why}" for r in reports for label, why in sorted(r.fallbacks.items())]
    if reasons:
        table += "\nGraded by stock nbgrader instead of the fast path:\n" + "\n".join(reasons)
    slow = [f"  {r.assignment} {label}: {why}" for r in reports for label, why in sorted(r.snapshots.items())]
    if slow:
        table += ("\nFast path from an earlier snapshot (close what the demos open to avoid it):\n"
                  + "\n".join(slow))
    return table


def check_or_report(
    layout: CourseLayout, assignment: str, repeat: int = 1, fast: bool = True, against_stock: bool = False
) -> AssignmentReport:
    """Check one assignment; anything unexpected (a broken notebook, ...) fails it, not the batch."""
    try:
        return check_assignment(layout, assignment, repeat=repeat, fast=fast, against_stock=against_stock)
    except Exception as error:  # recorded with its reason; the other assignments still run
        report = AssignmentReport(assignment)
        report.fail(f"could not be checked: {type(error).__name__}: {error}")
        return report


def print_check_results(reports: list[AssignmentReport]) -> int:
    """Print the table and every failure; the exit status is 1 when any assignment fails."""
    print(format_check_table(reports))
    for report in reports:
        for warning in report.warnings:
            print(f"WARN {report.assignment}: {warning}")
        for failure in report.failures:
            print(f"FAIL {report.assignment}: {failure}")
    failed = [r.assignment for r in reports if not r.ok]
    summary = f"contract holds for {len(reports) - len(failed)} of {len(reports)} assignment(s)"
    print(summary + (f"; failing: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def cmd_bench(layout: CourseLayout, args: argparse.Namespace) -> int:
    rows, over = [], []
    for assignment in layout.resolve(args.assignments):
        for notebook in layout.source_notebooks(assignment):
            times, peaks, errors = [], [], 0
            for _ in range(args.repeat):
                with tempfile.TemporaryDirectory(prefix="eng101-bench-") as tmp:
                    result = execute_in_copy(notebook.parent, notebook.stem, Path(tmp))
                times.append(result.seconds)
                peaks.append(result.peak_rss_bytes)
                errors += len(result.errors)
            median_s, peak = statistics.median(times), max(peaks)
            within = median_s <= TIME_BUDGET_SECONDS and peak <= MEMORY_BUDGET_BYTES and not errors
            if not within:
                over.append(f"{assignment}/{notebook.name}")
            rows.append([
                f"{assignment}/{notebook.name}", args.repeat, f"{median_s:.2f}",
                f"{min(times):.2f}-{max(times):.2f}", f"{TIME_BUDGET_SECONDS:.0f}",
                f"{peak / MIB:.0f}", f"{MEMORY_BUDGET_BYTES / MIB:.0f}", errors,
                "ok" if within else "OVER" if not errors else "ERRORS",
            ])
    print(render_table(
        ["notebook", "runs", "median s", "range s", "budget s", "peak MiB", "budget MiB",
         "errors", "status"], rows))
    print(f"{os.cpu_count()} cores; wall time includes kernel start-up; peak = kernel's max RSS")
    return 1 if over else 0


def cmd_execute(layout: CourseLayout, args: argparse.Namespace) -> int:
    """Re-run solution notebooks in place so their stored outputs (what nbval checks) are fresh."""
    from grader.cells import save_notebook

    status = 0
    for assignment in layout.resolve(args.assignments):
        for notebook in layout.source_notebooks(assignment):
            result = execute_notebook(notebook, cwd=notebook.parent)
            save_notebook(result.notebook, notebook)
            for error in result.errors:
                status = 1
                print(f"ERROR {notebook} cell {error.index}: {error.ename}: {error.evalue}")
            print(f"executed {notebook.relative_to(layout.root)} in {result.seconds:.1f} s")
    return status


def cmd_autograde(layout: CourseLayout, args: argparse.Namespace) -> int:
    from grader.autograde import autograde
    from grader.sandbox import bubblewrap

    (assignment,) = layout.resolve([args.assignment])
    if args.cluster:  # the workers run the submissions: they check bubblewrap and the witness themselves
        try:
            results = autograde(layout, assignment, args.student or None, 0, _grading_policy(args),
                                cluster=args.cluster)
        except (OSError, TimeoutError) as error:  # no scheduler answers there, or no worker joined it
            print(f"error: cluster {args.cluster}: {error}", file=sys.stderr)
            return 2
        return _report_autograde(assignment, results)
    if bubblewrap() is None:
        print("WARNING: bubblewrap is not available: submissions run WITHOUT filesystem, network and "
              "process isolation (only rlimits and a scrubbed environment). Install it: apt-get install "
              "bubblewrap", file=sys.stderr)
    from grader.guard import WitnessUnavailable, build_witness

    try:  # the guard's C witness: without it a test cell's success cannot be verified
        build_witness()
    except WitnessUnavailable as error:
        print(f"error: {error}\ngrading needs a C compiler and Python's headers for the guard "
              "(Debian: apt-get install gcc python3-dev)", file=sys.stderr)
        return 2
    results = autograde(layout, assignment, args.student or None, args.jobs, _grading_policy(args))
    return _report_autograde(assignment, results)


def _grading_policy(args: argparse.Namespace) -> Policy:
    from grader.sandbox import Policy

    return Policy(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                  memory_bytes=args.memory_mib * MIB, scratch_bytes=args.scratch_mib * MIB)


def _report_autograde(assignment: str, results: list[SubmissionResult]) -> int:
    rows = [[r.student, "-" if r.score is None else f"{r.score:g}", "-" if r.max_score is None else f"{r.max_score:g}",
             r.status, "; ".join(r.problems + r.review)[:160] or "-"] for r in results]
    print(render_table(["student", "score", "max", "status", "reason"], rows))
    isolation = sorted({r.isolation for r in results if r.isolation})
    print(f"{len(results)} submission(s) of {assignment}; isolation: {', '.join(isolation) or '-'}")
    return 0 if all(r.score is not None for r in results) else 1


def cmd_feedback(layout: CourseLayout, args: argparse.Namespace) -> int:
    from grader.feedback import write_feedback

    (assignment,) = layout.resolve([args.assignment])
    written = write_feedback(layout, assignment, args.student or None)
    for path in written:
        print(f"wrote {path.relative_to(layout.root)}")
    print(f"{len(written)} feedback page(s); hand them out with: nbgrader release_feedback {assignment}")
    return 0 if written else 1


def cmd_bench_grading(layout: CourseLayout, args: argparse.Namespace) -> int:
    from grader.bench_grading import run

    (assignment,) = layout.resolve([args.assignment])
    return run(layout, assignment, args.students, args.jobs)


def cmd_bench_scratch(layout: CourseLayout, args: argparse.Namespace) -> int:
    from grader.bench_scratch import run

    (assignment,) = layout.resolve([args.assignment])
    return run(layout, assignment, args.students, args.fillers, args.jobs, args.scratch_mib)


def cmd_report(layout: CourseLayout, args: argparse.Namespace) -> int:
    from grader.report import ReportError, write_report

    (assignment,) = layout.resolve([args.assignment])
    try:
        report, files = write_report(layout, assignment, args.out.resolve() if args.out else None)
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    summary = report.summary
    print(f"{assignment}: {len(report.totals)} graded of {report.students} student(s); score out of "
          f"{report.max_score:g}: mean {summary['mean']:.1f}, median {summary['median']:g}, "
          f"min {summary['min']:g}, max {summary['max']:g}")
    rows = [[c.name, f"{c.max_score:g}", f"{c.pass_rate:.0%}", f"{c.mean_fraction:.0%}"] for c in report.cells]
    print(render_table(["test cell", "points", "full points", "mean share"], rows))
    for path in (files.csv, files.distribution, files.pass_rates, files.page):
        print(f"wrote {path}")
    return 0


def cmd_site(layout: CourseLayout, args: argparse.Namespace) -> int:
    from grader.site import SiteError, build_site, shown_path

    out = args.out if args.out else layout.root / "site"
    try:
        pages = build_site(layout, out)
    except SiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"site: {len(pages)} notebooks -> {shown_path(out / 'index.html')} (open it in a browser)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    parser.add_argument("--root", type=Path, default=None,
                        help="the course's directory, holding its nbgrader_config.py (default: the nearest one at "
                             "or above the working directory); the course's directories are the ones it names")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, helptext in [
        ("build", "regenerate course/ from solutions/ with nbgrader generate_assignment"),
        ("check", "verify the exercise contract and print a table"),
        ("bench", "execute every solution notebook and print time and memory vs budget"),
        ("execute", "re-execute solution notebooks in place (refresh stored outputs)"),
        ("equivalence", "grade every variant with the fast path and with stock nbgrader; compare per cell"),
    ]:
        command = sub.add_parser(name, help=helptext)
        command.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                             help="e.g. 01_subnets (default: all)")
        if name == "check":
            command.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                                 help="assignments checked at once (default: cores)")
            command.add_argument("--repeat", type=int, default=1, metavar="N",
                                 help="grade every variant N times: a mutant must be killed N/N, an "
                                      "alternative get full marks N/N (authors: 20 before submitting)")
            command.add_argument("--timings", action="store_true",
                                 help="also print the seconds spent per phase (setup, solution run, "
                                      "fast path, stock nbgrader, visible tests) per assignment")
            command.add_argument("--stock", action="store_true",
                                 help="grade every variant with stock nbgrader autograde (no fast path)")
            command.add_argument("--against-stock", action="store_true",
                                 help="also grade the fast path's variants with stock nbgrader (batched) and "
                                      "fail on any graded cell where they disagree")
        if name == "bench":
            command.add_argument("--repeat", type=int, default=3, help="runs per notebook (median)")
        if name == "build":
            command.add_argument("--check", action="store_true",
                                 help="change nothing; exit 1 unless course/ is what the build generates, without "
                                      "outputs (ASSIGNMENT may also be a path in solutions/ or course/)")
    sub.add_parser("variants", help="mutants as edits of the reference: make-edit, verify, reference, show "
                                    "(python -m grader variants -h)")
    grade = sub.add_parser("autograde", help="grade submitted/ in parallel, sandboxed, into the gradebook")
    grade.add_argument("assignment", metavar="ASSIGNMENT")
    grade.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions at once (default: cores)")
    grade.add_argument("--student", action="append", default=[], metavar="ID", help="only these students")
    grade.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell")
    grade.add_argument("--notebook-timeout", type=int, default=600, help="seconds per notebook")
    grade.add_argument("--memory-mib", type=int, default=4096, help="address space per kernel process")
    grade.add_argument("--cluster", default=None, metavar="ADDRESS",
                       help="run the submissions on the Dask scheduler at ADDRESS (tcp://host:8786, tls://...); "
                            "the gradebook is still written here")
    grade.add_argument("--scratch-mib", type=int, default=256,
                       help="everything one submission can write (working copy, /tmp, /dev/shm), together")
    bench_grade = sub.add_parser("bench-grading",
                                 help="time stock nbgrader autograde against grader autograde on a generated class")
    bench_grade.add_argument("assignment", nargs="?", default="07_acid", metavar="ASSIGNMENT",
                             help="assignment to generate submissions for (default: 07_acid)")
    bench_grade.add_argument("--students", type=int, default=40, help="class size (default: 40)")
    bench_grade.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                             help="grader autograde workers (default: cores)")
    bench_scratch = sub.add_parser("bench-scratch", help="peak memory of the machine grading a class in which "
                                                         "submissions fill their scratch space")
    bench_scratch.add_argument("assignment", nargs="?", default="00_welcome", metavar="ASSIGNMENT",
                               help="assignment to generate submissions for (default: 00_welcome)")
    bench_scratch.add_argument("--students", type=int, default=40, help="class size (default: 40)")
    bench_scratch.add_argument("--fillers", type=int, default=2, help="submissions that fill the disk (default: 2)")
    bench_scratch.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                               help="grader autograde workers (default: cores)")
    bench_scratch.add_argument("--scratch-mib", type=int, default=256, help="scratch cap per submission")
    report = sub.add_parser("report", help="grades CSV (stock export columns), plots and an HTML class report")
    report.add_argument("assignment", metavar="ASSIGNMENT")
    report.add_argument("--out", type=Path, default=None, help="output folder (default: reports/ASSIGNMENT/)")
    feedback = sub.add_parser("feedback", help="feedback HTML per student, without hidden test code")
    feedback.add_argument("assignment", metavar="ASSIGNMENT")
    feedback.add_argument("--student", action="append", default=[], metavar="ID", help="only these students")
    site = sub.add_parser("site", help="the course as static HTML pages with a table of contents, built offline")
    site.add_argument("--out", type=Path, default=None, help="output folder (default: site/ at the course root)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["hub"]:  # its own argparse: start, stop, status
        from grader.hub import main as hub_main

        return hub_main(argv[1:])
    if argv[:1] == ["variants"]:  # its own argparse: make-edit, verify, reference, show
        from grader.variants import main as variants_main

        return variants_main(argv[1:])
    args = build_parser().parse_args(argv)
    # nbgrader, used in-process too, shells out to alembic: the environment's bin/ must be on PATH.
    os.environ["PATH"] = tool_environment()["PATH"]
    try:
        layout = CourseLayout.at(args.root) if args.root else CourseLayout.find()
        handler = {"build": cmd_build, "check": cmd_check, "bench": cmd_bench,
                   "execute": cmd_execute, "autograde": cmd_autograde, "equivalence": cmd_equivalence,
                   "feedback": cmd_feedback, "bench-grading": cmd_bench_grading, "bench-scratch": cmd_bench_scratch,
                   "report": cmd_report, "site": cmd_site}[args.command]
        return handler(layout, args)
    except (UnknownAssignmentError, FileNotFoundError, NbgraderError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
