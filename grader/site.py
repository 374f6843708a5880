"""``grader site``: the course as static HTML, one self-contained page per notebook, built offline.

A page shows the STUDENT notebook from course/, so no solution and no hidden test can appear on it
by construction. It is enriched with the stored outputs of the matching solution-notebook cell only
where that is safe: a code cell that is no nbgrader cell in either notebook, has the same source in
both, and uses nothing an exercise or test cell defines (its output would show the reference answer
at work, where a student sees NotImplementedError).

After rendering, the builder checks its own work: no secret line of any solution notebook is in a
page (checked before anything is written), no page loads anything from the network, and every
local link of the site resolves to a file of the site.
"""

from __future__ import annotations

import ast
import copy
import html
import json
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
from jinja2 import DictLoader
from nbconvert import HTMLExporter

from grader import cells
from grader.cells import Cell, Notebook
from grader.layout import CourseLayout

DEFAULT_TITLE = "Course"

#: The lab template without its CDN scripts (require.js, MathJax, mermaid), so that a page needs
#: no network to render; the site navigation goes at the top and the bottom of the page.
PAGE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}
<style>.site-nav{padding:8px 16px;font-family:var(--jp-ui-font-family);font-size:14px}</style>
{% endblock extra_css %}
{%- block body_header -%}{{ super() }}{{ resources.site_nav }}{%- endblock body_header -%}
{% block body_footer %}{{ resources.site_nav }}{{ super() }}{% endblock body_footer %}
"""
PAGE_TEMPLATE_NAME = "eng101_site.html.j2"


class SiteError(RuntimeError):
    """The site cannot be built or failed its own checks; the message names the notebook."""


@dataclass(frozen=True)
class Page:
    """One notebook of the course, read, and where its page goes in the site."""

    assignment: str
    source: Path  # solutions/<assignment>/<name>.ipynb
    release: Path  # course/<assignment>/<name>.ipynb
    solution: Notebook = field(repr=False, compare=False)
    student: Notebook = field(repr=False, compare=False)

    @property
    def title(self) -> str:
        return notebook_title(self.student, self.source.stem)

    @property
    def number(self) -> str:
        """The syllabus number: ``05`` for ``05_nosql``."""
        head = self.assignment.split("_", 1)[0]
        return head if head.isdigit() else ""

    @property
    def href(self) -> str:
        """The page's path relative to the site root."""
        return f"{self.assignment}/{self.source.stem}.html"

    @property
    def short_title(self) -> str:
        """The title without the syllabus number that headings here start with (``05 · ``)."""
        if not self.number:
            return self.title
        return re.sub(rf"^{self.number}\s*[·:.\-–—]?\s+", "", self.title) or self.title


# --- reading -----------------------------------------------------------------------------


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def read_notebook(path: Path, root: Path) -> Notebook:
    """A notebook as JSON, or a SiteError naming it when it is missing or broken."""
    try:
        notebook = cells.load_notebook(path)
    except FileNotFoundError:
        raise SiteError(f"{_shown(path, root)}: missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SiteError(f"{_shown(path, root)}: not a readable notebook: {error}") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise SiteError(f"{_shown(path, root)}: not a notebook (no list of cells)")
    return notebook


def notebook_title(notebook: Notebook, fallback: str) -> str:
    """The first ``# `` heading of the notebook's markdown, else ``fallback``."""
    for cell in notebook["cells"]:
        if cell.get("cell_type") == "markdown":
            for line in cells.source_of(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def course_title(layout: CourseLayout) -> str:
    """The first heading of the course's README.md."""
    readme = layout.root / "README.md"
    if readme.is_file():
        for line in readme.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return DEFAULT_TITLE


def collect_pages(layout: CourseLayout) -> list[Page]:
    """Every solution notebook with its student release, read, in syllabus order (by directory name)."""
    pages = []
    for assignment in layout.resolve([]):
        for source in layout.source_notebooks(assignment):
            release = layout.release_dir(assignment) / source.name
            if not release.is_file():
                raise SiteError(f"{_shown(release, layout.root)}: no student release of "
                                f"{_shown(source, layout.root)}; run: python -m grader build {assignment}")
            pages.append(Page(assignment, source, release,
                              read_notebook(source, layout.root), read_notebook(release, layout.root)))
    return pages


def course_secrets(pages: list[Page]) -> set[str]:
    """Lines secret in some solution notebook and public in none (a page may show any other notebook)."""
    return cells.secret_lines({"cells": [cell for page in pages for cell in page.solution["cells"]]})


# --- which outputs a student may see -------------------------------------------------------


def _is_nbgrader_cell(cell: Cell) -> bool:
    return cells.is_solution_cell(cell) or cells.is_grade_cell(cell)


#: Nodes whose names are their own (function, class, comprehension) scope, not the notebook's.
_OWN_SCOPE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
              ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _defined_names(tree: ast.Module) -> set[str]:
    """Names a cell binds in the notebook's namespace (imports left out: a module is no answer)."""
    names: set[str] = set()
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        if not isinstance(node, _OWN_SCOPE):
            todo.extend(ast.iter_child_nodes(node))
    return names


def _names_read(tree: ast.Module) -> set[str]:
    """Names a cell reads from earlier cells: the ones it uses but binds nowhere (not even locally).

    An approximation: a cell that rebinds what it reads (``x = f(x)``) is not seen to read ``x``.
    """
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
    return loaded - bound


def answer_dependent_cells(solution: Notebook) -> set[int]:
    """Indices of code cells that use what an nbgrader cell defines, directly or through other cells.

    Their stored outputs come from the reference answer (a student sees NotImplementedError
    there), so they could show what the exercise is meant to produce. Unparsable cells count too.
    """
    tainted: set[str] = set()
    dependent: set[int] = set()
    for index, cell in enumerate(solution["cells"]):
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse(cells.source_of(cell))
        except SyntaxError:
            dependent.add(index)
            continue
        if _is_nbgrader_cell(cell) or _names_read(tree) & tainted:
            dependent.add(index)
            tainted |= _defined_names(tree)
    return dependent


def _matching_cell(solution: Notebook, index: int, cell: Cell) -> int | None:
    """The index of the solution cell that ``cell`` (at ``index`` of the release) was made from."""
    source_cells = solution["cells"]
    if cell.get("id"):
        for candidate, source_cell in enumerate(source_cells):
            if source_cell.get("id") == cell["id"]:
                return candidate
        return None
    return index if index < len(source_cells) else None


def with_safe_outputs(student: Notebook, solution: Notebook) -> Notebook:
    """A copy of the student notebook with the solution's outputs where a student may see them."""
    page = copy.deepcopy(student)
    dependent = answer_dependent_cells(solution)
    for index, cell in enumerate(page["cells"]):
        if cell.get("cell_type") != "code":
            continue
        cell["outputs"], cell["execution_count"] = [], None  # nothing from the release itself either
        match = _matching_cell(solution, index, cell)
        if match is None or match in dependent:
            continue
        source_cell = solution["cells"][match]
        if (source_cell.get("cell_type") == "code" and not _is_nbgrader_cell(cell)
                and not _is_nbgrader_cell(source_cell) and cells.source_of(source_cell) == cells.source_of(cell)):
            cell["outputs"] = copy.deepcopy(source_cell.get("outputs", []))
            cell["execution_count"] = source_cell.get("execution_count")
    return page


# --- rendering -----------------------------------------------------------------------------


def make_exporter() -> HTMLExporter:
    """The lab template, images embedded, no CDN scripts (see PAGE_TEMPLATE)."""
    return HTMLExporter(template_name="lab", template_file=PAGE_TEMPLATE_NAME, embed_images=True,
                        extra_loaders=[DictLoader({PAGE_TEMPLATE_NAME: PAGE_TEMPLATE})])


def _link(page: Page, label: str, rel: str) -> str:
    return f'<a href="../{html.escape(page.href)}" rel="{rel}">{label} {html.escape(page.number)} · ' \
           f"{html.escape(page.short_title)}</a>"


def navigation(previous: Page | None, following: Page | None) -> str:
    """Back to the contents, and to the notebooks before and after this one."""
    links = ['<a href="../index.html">← contents</a>']
    if previous:
        links.append(_link(previous, "←", "prev"))
    if following:
        links.append(_link(following, "→", "next"))
    return f'<nav class="site-nav">{" | ".join(links)}</nav>'


def render_page(exporter: HTMLExporter, page: Page, nav: str, root: Path) -> str:
    """The notebook as one self-contained HTML page."""
    resources = {"metadata": {"name": page.title, "path": str(page.release.parent)}, "site_nav": nav}
    try:
        notebook = with_safe_outputs(page.student, page.solution)
        node = nbformat.reads(json.dumps(notebook), as_version=4)  # as read from disk: sources joined etc.
        body, _ = exporter.from_notebook_node(node, resources=resources)
    except Exception as error:  # anything nbconvert trips on is a broken notebook: name it
        raise SiteError(f"{_shown(page.release, root)}: cannot be rendered: {type(error).__name__}: {error}") from None
    return body


def render_index(title: str, pages: list[Page]) -> str:
    """The table of contents: one entry per notebook, in syllabus order."""
    items = "\n".join(
        f'<li><span class="number">{html.escape(p.number)}</span> '
        f'<a href="{html.escape(p.href)}">{html.escape(p.short_title)}</a></li>' for p in pages
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5 }}
ol {{ list-style: none; padding: 0 }} li {{ margin: .4rem 0 }}
.number {{ display: inline-block; width: 2.5rem; color: #666; font-variant-numeric: tabular-nums }}
</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p>{len(pages)} notebooks, in syllabus order. Open one to read it; run it in Jupyter to do the exercises.</p>
<ol>
{items}
</ol>
</body></html>
"""


# --- checking ------------------------------------------------------------------------------


class _PageScan(HTMLParser):
    """The page's text with the tags dropped and entities decoded, and every URL it refers to."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []  # href of <a>: followed by the reader
        self.loads: list[str] = []  # src and <link href>: fetched by the browser to render the page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name == "href":
                (self.loads if tag == "link" else self.links).append(value)
            elif value and name == "src":
                self.loads.append(value)

    def handle_data(self, data: str) -> None:  # scripts and styles too: nothing secret may hide there
        self.text.append(data)


def scan(page_html: str) -> _PageScan:
    """The text and URLs of a page."""
    parser = _PageScan()
    parser.feed(page_html)
    parser.close()
    return parser


def leaks_in(page_html: str, secrets: set[str]) -> list[str]:
    """Secret lines (and nbgrader markers) in the page's text (code highlighting spans dropped).

    Whole lines are compared, as in grader.contract.find_leaks: a secret line may be a prefix of a
    public one (``from x import A`` of ``from x import A, B``).
    """
    text = "".join(scan(page_html).text)
    found = sorted(cells.revealed_lines(text, secrets))
    marker = cells.ANY_MARKER.search(text)
    return found + ([marker.group(0)] if marker else [])


def secrets_in_sources(notebook: Notebook, secrets: set[str]) -> set[str]:
    """Secret lines in the cells' sources: what markdown rendering could disguise on the page."""
    return set().union(*(cells.revealed_lines(cells.source_of(cell), secrets) for cell in notebook["cells"]))


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return not (parts.scheme or parts.netloc or url.startswith("#"))


def network_loads(page_html: str) -> list[str]:
    """Resources the page would fetch from elsewhere (it must render offline)."""
    return [url for url in scan(page_html).loads if not _is_local(url) and not url.startswith("data:")]


def broken_links(out_dir: Path, page_path: Path) -> list[str]:
    """Local links and sources of a written page that do not resolve to a file inside the site."""
    found = scan(page_path.read_text(encoding="utf-8"))
    broken = []
    for url in found.links + found.loads:
        if not _is_local(url):
            continue
        target = (page_path.parent / unquote(urlsplit(url).path)).resolve()
        if not target.is_file() or not target.is_relative_to(out_dir.resolve()):
            broken.append(url)
    return broken


# --- the build -----------------------------------------------------------------------------


def check_page(page: Page, body: str, secrets: set[str], root: Path) -> None:
    """No secret line on the page or in its notebook, and nothing loaded from the network."""
    secrets = secrets | cells.secret_lines(page.solution)  # its own, even where public in another notebook
    leaked = sorted(set(leaks_in(body, secrets)) | secrets_in_sources(page.student, secrets))
    if leaked:
        more = f" (and {len(leaked) - 1} more)" if len(leaked) > 1 else ""
        raise SiteError(f"{_shown(page.release, root)}: its page would show solution or hidden-test text: "
                        f"{leaked[0]!r}{more}")
    remote = network_loads(body)
    if remote:
        raise SiteError(f"{_shown(page.release, root)}: its page loads {remote[0]!r} from the network")


def render_site(layout: CourseLayout, pages: list[Page]) -> dict[str, str]:
    """Every page's HTML by its path in the site, each checked by check_page."""
    exporter = make_exporter()
    secrets = course_secrets(pages)
    rendered: dict[str, str] = {}
    for position, page in enumerate(pages):
        previous = pages[position - 1] if position else None
        following = pages[position + 1] if position + 1 < len(pages) else None
        body = render_page(exporter, page, navigation(previous, following), layout.root)
        check_page(page, body, secrets, layout.root)
        rendered[page.href] = body
    return rendered


def write_site(out_dir: Path, index: str, rendered: dict[str, str]) -> list[Path]:
    """Write index.html and the pages; ordinary files, overwritten in place."""
    written = []
    for href, body in {"index.html": index, **rendered}.items():
        path = out_dir / href
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
        written.append(path)
    return written


def build_site(layout: CourseLayout, out_dir: Path) -> list[Page]:
    """Render the course into ``out_dir`` (index.html + NN_topic/topic.html) and check it."""
    pages = collect_pages(layout)
    if not pages:
        raise SiteError(f"no notebooks in {_shown(layout.solutions_dir, layout.root)}")
    rendered = render_site(layout, pages)  # raises before anything is written if a page would leak
    for path in write_site(out_dir, render_index(course_title(layout), pages), rendered):
        broken = broken_links(out_dir, path)
        if broken:
            raise SiteError(f"{_shown(path, out_dir)}: link(s) to nothing in the site: {', '.join(broken[:3])}")
    return pages


def shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (what a user typed), else absolute."""
    resolved = path.resolve()
    here = Path.cwd().resolve()
    return os.path.relpath(resolved, here) if resolved.is_relative_to(here) else str(resolved)
