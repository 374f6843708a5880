"""``grader report``: the class's grades as the stock CSV, and a page an instructor can look at.

The CSV is written by nbgrader's own ``CsvExportPlugin`` (the columns and rows of
``nbgrader export``), restricted to one assignment. The plots and the HTML page are computed from
the same gradebook through nbgrader's API: the distribution of total scores and, per graded test
cell, how many of the students who submitted earned full points on it.
"""

from __future__ import annotations

import html
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from grader.layout import CourseLayout


class ReportError(RuntimeError):
    """The report cannot be made (no gradebook, unknown assignment, nothing graded)."""


@dataclass
class CellStats:
    """One graded test cell across the submissions that were graded."""

    notebook: str
    name: str
    max_score: float
    scores: list[float] = field(default_factory=list)

    @property
    def pass_rate(self) -> float:
        """Share of graded submissions with full points on this cell."""
        return sum(score >= self.max_score for score in self.scores) / len(self.scores) if self.scores else 0.0

    @property
    def mean_fraction(self) -> float:
        """Mean share of this cell's points earned."""
        if not self.scores or not self.max_score:
            return 0.0
        return statistics.fmean(score / self.max_score for score in self.scores)


@dataclass
class ClassReport:
    """One assignment's grades, reduced to what the plots and the page show."""

    assignment: str
    max_score: float
    students: int  # in the gradebook
    totals: dict[str, float]  # student -> score after late penalty, graded submissions only
    cells: list[CellStats]

    @property
    def summary(self) -> dict[str, float]:
        """Mean, median, min and max of the graded totals (the numbers an instructor asks first)."""
        values = list(self.totals.values())
        return {"mean": statistics.fmean(values), "median": statistics.median(values),
                "min": min(values), "max": max(values)}


def collect(db_url: str, assignment: str) -> ClassReport:
    """Read one assignment's grades from the gradebook at ``db_url``."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gradebook:
        try:
            record = gradebook.find_assignment(assignment)
        except MissingEntry:
            known = ", ".join(a.name for a in gradebook.assignments) or "none"
            raise ReportError(f"the gradebook has no assignment {assignment!r} (it has: {known})") from None
        stats = {(nb.name, cell.name): CellStats(nb.name, cell.name, float(cell.max_score))
                 for nb in record.notebooks for cell in [*nb.grade_cells, *nb.task_cells]}
        totals: dict[str, float] = {}
        for submission in record.submissions:
            grades = [grade for nb in submission.notebooks for grade in nb.grades]
            if not grades or all(g.auto_score is None and g.manual_score is None for g in grades):
                continue  # submitted but never graded (e.g. the notebook could not be run)
            totals[submission.student.id] = max(0.0, submission.score - (submission.late_submission_penalty or 0.0))
            for nb in submission.notebooks:
                for grade in nb.grades:
                    stats[(nb.name, grade.name)].scores.append(float(grade.score))
        report = ClassReport(assignment, float(record.max_score), len(gradebook.students), totals,
                             sorted(stats.values(), key=lambda s: (s.notebook, s.name)))
    if not report.totals:
        raise ReportError(f"nothing of {assignment} has been graded yet; run: python -m grader autograde {assignment}")
    return report


def export_csv(db_url: str, assignment: str, target: Path) -> None:
    """Exactly what ``nbgrader export --CsvExportPlugin.assignment=[...]`` writes, via its own plugin."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins.export import CsvExportPlugin

    plugin = CsvExportPlugin(to=str(target), assignment=[assignment])
    with Gradebook(db_url) as gradebook:
        plugin.export(gradebook)


def plot_distribution(report: ClassReport, target: Path) -> None:
    """Histogram of total scores with the maximum and the median marked: is the class bunched or split?"""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 3.6), dpi=110)
    top = report.max_score
    whole_points = bool(top) and top <= 40 and float(top).is_integer()
    if whole_points:  # one bar per score
        bins = [score - 0.5 for score in range(int(top) + 2)]
    else:
        bins = [edge * top / 10 for edge in range(11)] if top else [0, 1]
    axes.hist(list(report.totals.values()), bins=bins, color="#4c72b0", edgecolor="white")
    axes.axvline(top, color="#b42318", linestyle="--", label=f"max {top:g}")
    axes.axvline(report.summary["median"], color="#1a7f37", label=f"median {report.summary['median']:g}")
    right = bins[-1] if whole_points else bins[-1] * 1.03  # the max line is drawn at bins[-1]: keep it visible
    axes.set(xlabel="score", ylabel="students", xlim=(bins[0], right),
             title=f"{report.assignment}: scores of {len(report.totals)} graded submissions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    if whole_points:  # no ticks at 0.5
        axes.xaxis.get_major_locator().set_params(integer=True)
    axes.legend()
    figure.tight_layout()
    figure.savefig(target)
    plt.close(figure)


def plot_pass_rates(report: ClassReport, target: Path) -> None:
    """Per test cell, full-points share (bar) and mean share of points (dot): which exercise the class missed."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    names = [cell.name for cell in report.cells]
    figure, axes = plt.subplots(figsize=(7, 1.6 + 0.45 * len(names)), dpi=110, layout="constrained")
    positions = range(len(names))
    axes.barh(positions, [c.pass_rate * 100 for c in report.cells], color="#4c72b0", label="full points")
    axes.scatter([c.mean_fraction * 100 for c in report.cells], positions, color="#dd8452", zorder=3,
                 label="mean share of points")
    axes.set_yticks(list(positions), names)
    axes.invert_yaxis()
    axes.set(xlim=(0, 100), xlabel="% of graded submissions", title=f"{report.assignment}: pass rate per exercise")
    figure.legend(loc="outside lower center", ncol=2, fontsize="small", frameon=False)
    figure.savefig(target)
    plt.close(figure)


def render_html(report: ClassReport, csv_name: str, distribution_png: str, pass_rate_png: str) -> str:
    """A self-contained page (inline CSS, images next to it) so the report folder can be zipped or mailed."""
    summary = report.summary
    rows = "\n".join(
        f"<tr><td>{html.escape(c.notebook)}</td><td>{html.escape(c.name)}</td><td>{c.max_score:g}</td>"
        f"<td>{c.pass_rate:.0%}</td><td>{c.mean_fraction:.0%}</td><td>{len(c.scores)}</td></tr>"
        for c in report.cells
    )
    title = f"{html.escape(report.assignment)}: class report"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 10px;text-align:right}}
td:first-child,td:nth-child(2),th{{text-align:left}}img{{max-width:100%}}</style></head>
<body>
<h1>{title}</h1>
<p>{len(report.totals)} graded submission(s) from {report.students} student(s) in the gradebook.
Score out of {report.max_score:g}: mean {summary['mean']:.1f}, median {summary['median']:g},
min {summary['min']:g}, max {summary['max']:g}. Grades as nbgrader exports them:
<a href="{html.escape(csv_name)}">{html.escape(csv_name)}</a>
(students without a submission appear there with 0).</p>
<h2>Score distribution</h2>
<img src="{html.escape(distribution_png)}" alt="histogram of total scores">
<h2>Pass rate per exercise</h2>
<p>Share of graded submissions with full points on each graded test cell, and the mean share of
its points. A low pass rate on one cell points at a hard exercise or an unclear task.</p>
<img src="{html.escape(pass_rate_png)}" alt="pass rate per graded test cell">
<table><tr><th>notebook</th><th>test cell</th><th>points</th><th>full points</th>
<th>mean share</th><th>graded</th></tr>
{rows}
</table>
</body></html>
"""


@dataclass
class ReportFiles:
    """Where ``write_report`` put each output, so the CLI can print the paths."""

    csv: Path
    distribution: Path
    pass_rates: Path
    page: Path


def write_report(layout: CourseLayout, assignment: str, out_dir: Path | None = None) -> tuple[ClassReport, ReportFiles]:
    """Collect first, so a missing gradebook or an ungraded assignment fails before any file is written."""
    from grader.autograde import gradebook_location

    db_url, _ = gradebook_location(layout)
    database = Path(db_url.removeprefix("sqlite:///"))
    if db_url.startswith("sqlite:///") and not database.exists():
        raise ReportError(f"no gradebook at {database}; grade first: python -m grader autograde {assignment}")
    report = collect(db_url, assignment)
    out = out_dir or layout.root / "reports" / assignment
    out.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(out / "grades.csv", out / "score_distribution.png", out / "exercise_pass_rate.png",
                        out / "index.html")
    export_csv(db_url, assignment, files.csv)
    plot_distribution(report, files.distribution)
    plot_pass_rates(report, files.pass_rates)
    files.page.write_text(render_html(report, files.csv.name, files.distribution.name, files.pass_rates.name),
                          encoding="utf-8")
    return report, files
