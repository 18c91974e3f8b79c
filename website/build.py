"""Build the course website: a static, read-only, offline copy of the course (``make site``).

Pages, all in one flat folder (``_site/`` by default):

- ``index.html``: the README's overview and a table of the notebooks (objectives, level, time);
- one page per notebook, executed with papermill at its default seed in practice mode (answers go to
  a throwaway ``PMCOURSE_HOME``), ending at the questions: every cell from ``## Debrief`` on is
  dropped, answer widgets become static question cards saying to answer in JupyterLab;
- ``instructors.html`` and ``submission-schema.html`` from ``docs/``;
- ``reference.html``: every public name of ``pmcourse.diagnose`` and ``pmcourse.plots`` with its
  docstring and worked example, found through their ``__all__`` at build time.

Why nbconvert and not a book tool: Jupyter Book 2 fetches its theme from the internet at build time,
and Jupyter Book 1 adds Sphinx and a pinned theme stack for what one nbconvert template does here.
nbconvert already comes with JupyterLab, and a template we own lets us remove every CDN script
(require.js, the widget manager, MathJax, mermaid), so the built site makes no request outside its
own folder. Plotly figures are kept in notebooks only as ``application/vnd.plotly.v1+json``, which
nbconvert drops; each gets a ``text/html`` rendering that draws with the ``plotly.min.js`` copied
once from the installed plotly package.

Run ``python website/build.py --out _site`` (``--jobs`` notebooks execute at once).
"""

from __future__ import annotations

import argparse
import html
import importlib
import inspect
import json
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = Path(__file__).resolve().parent
NOTEBOOKS = ROOT / "notebooks"
#: Marks a folder as built by this script, so a rebuild may delete it.
MARKER = ".pmcourse-site"
#: Modules whose public functions the toolkit reference documents (names come from ``__all__``).
REFERENCE_MODULES = ("pmcourse.diagnose", "pmcourse.plots")
#: README sections shown on the overview page, after its introduction.
OVERVIEW_SECTIONS = ("Two commands", "The toolkit")
#: Markdown documents published as pages: source -> page.
DOCS = {
    "docs/instructors.md": "instructors.html",
    "docs/submission-schema.md": "submission-schema.html",
}

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
# cells that would print a solution or a hint: never shown, wherever they sit
REVEALING_CALL = re.compile(r"\.(solution|reveal_solution|hint|debrief)\s*\(")
FREE_ENTRY_WIDGETS = {
    "TextModel",
    "TextareaModel",
    "FloatTextModel",
    "BoundedFloatTextModel",
    "IntTextModel",
    "BoundedIntTextModel",
}
NO_EXAMPLE = "This function's docstring has no worked example yet."
ANSWER_NOTE = (
    "Answer this question in JupyterLab (<code>make lab</code>): there you choose or type your "
    "answer, set your confidence, and get feedback and hints. This page is read-only."
)


class SiteError(Exception):
    """Raised when the course sources do not have the shape the site is built from."""


@dataclass(frozen=True)
class NotebookInfo:
    """What the overview needs from one notebook: its page, title, level, time and objectives."""

    stem: str
    title: str
    level: str
    minutes: int
    objectives: tuple[str, ...]
    #: The default seed; None for the closing notebook, which reads the answer log (no case).
    seed: str | None

    @property
    def href(self) -> str:
        return f"{self.stem}.html"


@dataclass(frozen=True)
class BuildReport:
    """What a build produced: the folder, its pages, figure count, size and time taken."""

    out: Path
    pages: tuple[str, ...]
    figures: int
    size_bytes: int
    seconds: float
    without_example: tuple[str, ...] = ()

    def summary(self) -> str:
        return (
            f"site built in {self.seconds:.0f} s: {len(self.pages)} pages, {self.figures} figures, "
            f"{self.size_bytes / 1e6:.1f} MB in {self.out}"
        )


# ---- reading the notebooks ----------------------------------------------------------------------


def notebook_info(path: Path) -> NotebookInfo:
    """Read a notebook's title, level, time, learning objectives and default seed.

    Parameters
    ----------
    path : Path
        A course notebook (``notebooks/NN-slug.ipynb``) following the house skeleton: H1 with a
        ``*Level: … · about N minutes*`` line, a ``## Learning objectives`` cell, a cell tagged
        ``parameters`` holding ``SEED``.

    Returns
    -------
    NotebookInfo

    Raises
    ------
    SiteError
        If a part of the skeleton is missing.

    Examples
    --------
    >>> notebook_info(NOTEBOOKS / "00-orientation.ipynb").minutes
    15
    """
    nb = nbformat.read(path, as_version=4)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    head = next((s for s in markdown if s.startswith("# ")), None)
    if head is None:
        raise SiteError(f"{path.name}: no H1 title cell; every notebook starts with '# NN · Title'")
    title = head.splitlines()[0][2:].strip()
    level = re.search(r"Level:\s*([^·*\n]+?)\s*·\s*about\s*(\d+)\s*minutes", head)
    if level is None:
        raise SiteError(
            f"{path.name}: the title cell has no '*Level: … · about N minutes*' line; "
            "the overview table needs the level and the time"
        )
    goals = next((s for s in markdown if s.startswith("## Learning objectives")), None)
    if goals is None:
        raise SiteError(f"{path.name}: no '## Learning objectives' cell")
    objectives: list[str] = []
    for line in goals.splitlines()[1:]:
        if line.startswith(("- ", "* ")):
            objectives.append(line[2:].strip())
        elif objectives and line.strip():  # a bullet continued on the next line
            objectives[-1] += " " + line.strip()
    params = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    seed = re.search(r"^SEED\s*=\s*(.+)$", params[0].source, re.M) if params else None
    reads_the_log = bool(params) and re.search(r"^LEARNER\s*=", params[0].source, re.M)
    if seed is None and not reads_the_log:
        raise SiteError(
            f"{path.name}: no cell tagged 'parameters' with a 'SEED = …' line (or, for the "
            "closing notebook, a 'LEARNER = …' line)"
        )
    return NotebookInfo(
        stem=path.stem,
        title=title,
        level=level.group(1).strip(),
        minutes=int(level.group(2)),
        objectives=tuple(objectives),
        seed=seed.group(1).strip() if seed is not None else None,
    )


def _execute(args: tuple[str, str]) -> str:
    """Execute one notebook with papermill at its default parameters (runs in a worker process)."""
    import papermill

    source, target = args
    papermill.execute_notebook(
        source,
        target,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(NOTEBOOKS),
        log_output=False,
    )
    return target


# ---- turning an executed notebook into a page ---------------------------------------------------


def _figure_html(spec: dict, index: int) -> str:
    import plotly.graph_objects as go
    import plotly.io as pio

    fig = go.Figure(spec)
    height = fig.layout.height or 500
    return pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        div_id=f"figure-{index}",
        default_width="100%",
        default_height=f"{height}px",
        config={"displaylogo": False},
    )


def _question_card(model_id: str, state: dict) -> str:
    """A static rendering of an answer widget: its prompt and answer fields, no feedback."""
    parts: list[str] = []
    boxes: list[str] = []  # consecutive checkboxes: one multiple-choice list

    def flush() -> None:
        if boxes:
            items = "".join(f"<li>&#9744; {b}</li>" for b in boxes)
            parts.append(f'<ul class="site-choices">{items}</ul>')
            boxes.clear()

    def walk(ref: str) -> None:
        model_id = ref.removeprefix("IPY_MODEL_")
        if model_id not in state:
            raise SiteError(f"widget {model_id} is not in the notebook's saved widget state")
        model = state[model_id]
        name, values = model["model_name"], model["state"]
        label = html.escape(values.get("description", "").strip())
        placeholder = values.get("placeholder", "").strip("\u200b \n")
        if name == "CheckboxModel":
            boxes.append(label)
        else:
            flush()
        if "pmcourse-prompt" in values.get("_dom_classes", []):
            parts.append(f'<div class="site-question-prompt">{values["value"]}</div>')
        elif "_options_labels" in values:
            radio = name == "RadioButtonsModel"  # one choice; a dropdown lists its values
            options = "".join(
                f"<li>{'&#9675; ' if radio else ''}{html.escape(o)}</li>"
                for o in values["_options_labels"]
                if o != "—"  # a dropdown's "nothing chosen yet"
            )
            head = f'<span class="site-question-label">{label}</span>' if label else ""
            kind = ' class="site-choices"' if radio else ""
            parts.append(f"<div>{head}<ul{kind}>{options}</ul></div>")
        elif name in FREE_ENTRY_WIDGETS:
            shown = f" ({html.escape(placeholder)})" if placeholder else ""
            kind = "text" if name == "TextareaModel" else "a value"
            parts.append(
                f'<div><span class="site-question-label">{label or "Your answer"}</span>'
                f"{shown}: <em>{kind}, typed in JupyterLab</em></div>"
            )
        for child in values.get("children", []):
            walk(child)

    walk(model_id)
    flush()
    if not any("site-question-prompt" in p for p in parts):
        raise SiteError(f"answer widget {model_id} has no prompt (class pmcourse-prompt)")
    return (
        '<div class="site-question">'
        + "".join(parts)
        + f'<p class="site-question-note">{ANSWER_NOTE}</p></div>'
    )


#: What stands where the case explorer is drawn in JupyterLab (widgets are inert on a page).
EXPLORER_CARD = (
    '<div class="site-question"><p><strong>Case explorer.</strong> In JupyterLab this cell opens '
    "the no-code explorer: pick a table, a metric (a column or the ratio of two), a split and two "
    "windows, and it draws the figure and the comparison table.</p>"
    '<p class="site-question-note">Open the notebook in JupyterLab to use it.</p></div>'
)


def case_page(nb: nbformat.NotebookNode, info: NotebookInfo) -> tuple[nbformat.NotebookNode, int]:
    """Turn an executed notebook into its read-only page (a new notebook) and count its figures.

    Keeps every cell up to the ``## Debrief`` heading, drops any cell that reveals a solution or a
    hint, gives each plotly figure a ``text/html`` rendering, replaces answer widgets with static
    question cards and adds a note under the title on how answers and graded data work.

    Parameters
    ----------
    nb : NotebookNode
        The notebook executed by papermill (outputs and widget state saved).
    info : NotebookInfo
        The notebook's overview entry (for the note under the title).

    Returns
    -------
    tuple of (NotebookNode, int)
        The page notebook and its number of figures.

    Raises
    ------
    SiteError
        If the notebook has no ``## Debrief`` heading or a widget cannot be drawn statically.

    Examples
    --------
    >>> md = nbformat.v4.new_markdown_cell
    >>> nb = nbformat.v4.new_notebook(cells=[md("# T"), md("Q?"), md("## Debrief"), md("A.")])
    >>> info = NotebookInfo("00-x", "T", "easy", 5, (), "1")
    >>> page, figures = case_page(nb, info)
    >>> [c.source[:3] for c in page.cells if "site-note" not in c.source], figures
    (['# T', 'Q?'], 0)
    """
    cut = next(
        (
            i
            for i, c in enumerate(nb.cells)
            if c.cell_type == "markdown" and re.match(r"##\s+Debrief\b", c.source)
        ),
        None,
    )
    if cut is None:
        raise SiteError(
            f"{info.stem}: no '## Debrief' heading; the page must end at the questions, "
            "so every notebook needs one"
        )
    widget_state = nb.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {}).get("state", {})
    cells, figures = [], 0
    for cell in nb.cells[:cut]:
        if cell.cell_type == "code" and REVEALING_CALL.search(cell.source):
            continue
        for i, output in enumerate(cell.get("outputs", [])):
            data = output.get("data", {})
            if PLOTLY_MIME in data:
                figures += 1
                data = {"text/html": _figure_html(data[PLOTLY_MIME], figures)}
            elif WIDGET_MIME in data:
                model_id = data[WIDGET_MIME]["model_id"]
                classes = widget_state.get(model_id, {}).get("state", {}).get("_dom_classes", [])
                if "pmcourse-explorer" in classes:  # the no-code explorer: it needs a kernel
                    data = {"text/html": EXPLORER_CARD}
                else:
                    data = {"text/html": _question_card(model_id, widget_state)}
            else:
                continue
            cell.outputs[i] = nbformat.v4.new_output("display_data", data=data)
        cells.append(cell)
    if info.seed is None:  # the closing notebook: it reads the learner's own answer log
        note = nbformat.v4.new_markdown_cell(
            f'<div class="site-note">A read-only page of <code>notebooks/{info.stem}.ipynb</code>, '
            "run with an empty answer log. In JupyterLab (<code>make lab</code>) it shows your "
            "profile and writes your regret portfolio from the answers you gave in the cases.</div>"
        )
    else:
        note = nbformat.v4.new_markdown_cell(
            f'<div class="site-note">A read-only page of <code>notebooks/{info.stem}.ipynb</code>, '
            f"run in practice mode with its default seed (<code>SEED = {html.escape(info.seed)}"
            "</code>). Answers are entered in JupyterLab (<code>make lab</code>), not on this "
            "page. Graded students get their own data, drawn from their own variant, so their "
            "numbers and their hidden cause differ from these. The notebook's debrief and "
            "solutions are not on this page; they open in JupyterLab once you have answered.</div>"
        )
    cells.insert(1, note)
    page = nbformat.v4.new_notebook(cells=cells, metadata={"title": info.title})
    page.metadata["kernelspec"] = nb.metadata.get("kernelspec", {})
    page.metadata["language_info"] = nb.metadata.get("language_info", {"name": "python"})
    return page, figures


# ---- markdown pages -----------------------------------------------------------------------------


def _markdown_page(title: str, blocks: list[str]) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell(b) for b in blocks]
    return nbformat.v4.new_notebook(cells=cells, metadata={"title": title})


def _site_links(text: str, pages: dict[str, str]) -> str:
    """Point links to published documents at their pages; other repository links become code."""

    def fix(match: re.Match) -> str:
        label, target = match.group(1), match.group(2)
        if re.match(r"[a-z]+:|#", target):
            return match.group(0)
        path, _, anchor = target.partition("#")
        for source, page in pages.items():
            if path == source or path == Path(source).name:
                return f"[{label}]({page}{'#' + anchor if anchor else ''})"
        return f"{label} (`{path}` in the repository)"

    return re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", fix, text)


def _readme_sections(readme: str) -> tuple[str, dict[str, str]]:
    parts = re.split(r"^## ", readme, flags=re.M)
    intro = parts[0]
    sections = {p.splitlines()[0].strip(): "## " + p for p in parts[1:]}
    missing = [s for s in OVERVIEW_SECTIONS if s not in sections]
    if missing:
        raise SiteError(
            f"README.md has no section(s) {missing}; the overview shows {list(OVERVIEW_SECTIONS)}"
        )
    return intro, sections


def _inline_markdown(text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    rendered = markdown2html_mistune(text).strip()
    return re.sub(r"^<p>(.*)</p>$", r"\1", rendered, flags=re.S)


def overview_page(infos: list[NotebookInfo], pages: dict[str, str]) -> nbformat.NotebookNode:
    """The home page: the README's introduction, a table of the notebooks, how to take the course.

    Examples
    --------
    >>> info = NotebookInfo("00-orientation", "00 · Orientation", "introductory", 15, ("read",), "1")
    >>> "00-orientation.html" in overview_page([info], DOCS).cells[1].source
    True
    """
    intro, sections = _readme_sections((ROOT / "README.md").read_text(encoding="utf-8"))
    total = sum(i.minutes for i in infos)
    rows = []
    for info in infos:
        goals = "".join(f"<li>{_inline_markdown(o)}</li>" for o in info.objectives)
        rows.append(
            f'<tr><td><a href="{info.href}">{html.escape(info.title)}</a></td>'
            f"<td>{html.escape(info.level)}</td><td>{info.minutes}&nbsp;min</td>"
            f"<td><ul>{goals}</ul></td></tr>"
        )
    table = (
        "## The notebooks\n\n"
        f"{len(infos)} notebooks, about {total // 60} h {total % 60:02d} min in all. Each page "
        "below is the notebook run with its default seed, ending at its questions; you answer "
        "them, and read the debrief, in JupyterLab.\n\n"
        '<table class="site-notebooks"><thead><tr><th>notebook</th><th>level</th><th>time</th>'
        "<th>you will be able to</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    more = (
        "## More\n\n"
        "- [Instructor guide](instructors.html): run a cohort, from roster to grades and report.\n"
        "- [Toolkit reference](reference.html): every `pmcourse.diagnose` and `pmcourse.plots` "
        "function with a worked example."
    )
    blocks = [_site_links(intro, pages), table]
    blocks += [_site_links(sections[s], pages) for s in OVERVIEW_SECTIONS]
    blocks.append(more)
    return _markdown_page("pmcourse — failure archaeology for AI product managers", blocks)


# ---- the toolkit reference ----------------------------------------------------------------------

_ENTRY_SECTIONS = {
    "Parameters",
    "Other Parameters",
    "Returns",
    "Yields",
    "Raises",
    "Warns",
    "Attributes",
}


def _rst_inline(text: str) -> str:
    text = re.sub(r":[a-z]+:`~?([^`]+)`", lambda m: f"`{m.group(1).split('.')[-1]}`", text)
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def _prose(lines: list[str]) -> str:
    """RST-flavoured docstring prose to markdown: literal blocks (``::``) become fenced code."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith("::"):
            stripped = line.rstrip()[:-2].rstrip()
            out.append(_rst_inline(stripped + (":" if stripped else "")))
            i += 1
            block: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
                block.append(lines[i])
                i += 1
            code = inspect.cleandoc("\n".join(block))
            out += ["", "```text", code, "```", ""]
            continue
        out.append(_rst_inline(line))
        i += 1
    return "\n".join(out)


def _entries(lines: list[str], names_first: bool) -> str:
    items: list[tuple[str, list[str]]] = []
    for line in lines:
        if not line.strip():
            continue
        if not line.startswith(" "):
            items.append((line.strip(), []))
        elif items:
            items[-1][1].append(line.strip())
    out = []
    for head, desc in items:
        name, sep, kind = head.partition(" : ")
        if sep:
            label = f"`{name.strip()}` ({_rst_inline(kind.strip())})"
        elif names_first:
            label = f"`{head}`"
        else:
            label = _rst_inline(head)
        text = _rst_inline(" ".join(desc))
        out.append(f"- {label}" + (f": {text}" if text else ""))
    return "\n".join(out)


def _examples(lines: list[str]) -> str:
    out, code = [], []
    for line in [*lines, ""]:
        if line.startswith((">>>", "...")) or (code and line.strip()):
            code.append(line)
            continue
        if code:
            out += ["```python", *code, "```"]
            code = []
        out.append(_rst_inline(line))
    return "\n".join(out).strip()


def docstring_markdown(doc: str, pages: dict[str, str] | None = None) -> str:
    """Render a NumPy-style docstring as markdown (sections, entries, examples as code blocks).

    ``Introduced in notebooks/NN-slug.ipynb`` becomes a link to that notebook's page when
    ``pages`` maps the notebook to one.

    Examples
    --------
    >>> doc = "Add one.\\n\\nParameters\\n----------\\nx : int\\n    A number.\\n\\nExamples\\n--------\\n>>> 1 + 1\\n2"
    >>> md = docstring_markdown(doc)
    >>> md.splitlines()[:5]
    ['Add one.', '', '**Parameters**', '', '- `x` (int): A number.']
    >>> md.splitlines()[-4:] == ["```python", ">>> 1 + 1", "2", "```"]
    True
    """
    lines = doc.splitlines()
    sections: list[tuple[str, list[str]]] = [("", [])]
    i = 0
    while i < len(lines):
        if (
            i + 1 < len(lines)
            and lines[i].strip()
            and re.fullmatch(r"-{3,}", lines[i + 1].strip())
            and not lines[i].startswith(" ")
        ):
            sections.append((lines[i].strip(), []))
            i += 2
            continue
        sections[-1][1].append(lines[i])
        i += 1
    out = []
    for name, body in sections:
        if name in _ENTRY_SECTIONS:
            text = _entries(body, names_first=name in {"Parameters", "Other Parameters"})
        elif name == "Examples":
            text = _examples(body)
        else:
            text = _prose(body).strip()
        if not text:
            continue
        out.append(f"**{name}**\n\n{text}" if name else text)
    markdown = "\n\n".join(out)
    for notebook, page in (pages or {}).items():
        markdown = markdown.replace(notebook, f"[{notebook}]({page})")
    return markdown


class _Annotation(str):
    """A string annotation shown without quotes in a signature."""

    def __repr__(self) -> str:
        return str(self)


def _signature(name: str, obj) -> str:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return name
    params = [
        p.replace(annotation=_Annotation(p.annotation)) if isinstance(p.annotation, str) else p
        for p in sig.parameters.values()
    ]
    ret = sig.return_annotation
    ret = _Annotation(ret) if isinstance(ret, str) else ret
    return name + str(sig.replace(parameters=params, return_annotation=ret))


def reference_page(
    pages: dict[str, str],
) -> tuple[nbformat.NotebookNode, list[str], list[str]]:
    """The toolkit reference, from the ``__all__`` and docstrings of ``REFERENCE_MODULES``.

    Returns the page, the qualified names of the functions it documents and those whose docstring
    has no ``Examples`` section (the page says so under each; ``make site`` prints them).

    Examples
    --------
    >>> page, functions, without_example = reference_page({})
    >>> "pmcourse.diagnose.mix_rate" in functions
    True
    """
    blocks = [
        "# Toolkit reference\n\n"
        "Every public function of the course's toolkit with its worked example. In a notebook: "
        "`import pmcourse.diagnose as dx` and `import pmcourse.plots as pp`. Generated from the "
        "docstrings of the installed package."
    ]
    functions: list[str] = []
    missing: list[str] = []
    for module_name in REFERENCE_MODULES:
        module = importlib.import_module(module_name)
        summary = (inspect.getdoc(module) or "").split("\n\n")[0]
        blocks.append(f"## `{module_name}`\n\n{_rst_inline(summary)}")
        kinds: dict[str, list[str]] = {"Functions": [], "Result types": [], "Constants": []}
        for name in module.__all__:
            obj = getattr(module, name)
            qualified = f"{module_name}.{name}"
            anchor = qualified.replace(".", "-")
            if inspect.isfunction(obj):
                doc = inspect.getdoc(obj) or ""
                functions.append(qualified)
                body = docstring_markdown(doc, pages)
                if not re.search(r"^Examples\n-{3,}", doc, re.M):
                    missing.append(qualified)
                    body += f"\n\n*{NO_EXAMPLE}*"
                kinds["Functions"].append(
                    f'<div class="site-reference-entry" id="{anchor}"></div>\n\n'
                    f"### `{name}`\n\n```python\n{_signature(qualified, obj)}\n```\n\n" + body
                )
            elif inspect.isclass(obj):
                kinds["Result types"].append(
                    f'<div class="site-reference-entry" id="{anchor}"></div>\n\n'
                    f"### `{name}`\n\n" + docstring_markdown(inspect.getdoc(obj) or "", pages)
                )
            else:
                kinds["Constants"].append(f"- `{name}` = `{obj!r}`")
        for kind, entries in kinds.items():
            if not entries:
                continue
            if kind == "Constants":
                blocks.append("### Constants\n\n" + "\n".join(entries))
            else:
                blocks += entries
    return _markdown_page("Toolkit reference — pmcourse", blocks), functions, missing


# ---- the build ----------------------------------------------------------------------------------


def _exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_template_paths=[str(TEMPLATE_DIR)],
        template_file="page.html.j2",
    )
    exporter.theme = "light"
    return exporter


def _prepare_out(out: Path) -> None:
    if out.exists():
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise SiteError(
                f"{out} exists, is not empty and was not built by website/build.py; "
                "give an empty or new folder"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("built by website/build.py; deleted and rebuilt by make site\n")


def build_site(out: Path, jobs: int = 2) -> BuildReport:
    """Execute every notebook and write the whole site into ``out`` (rebuilt from scratch).

    Parameters
    ----------
    out : Path
        Target folder: new, empty, or a previous build (it is deleted first).
    jobs : int
        Notebooks executed at once.

    Returns
    -------
    BuildReport

    Examples
    --------
    >>> report = build_site(Path("_site"))  # doctest: +SKIP
    >>> print(report.summary())  # doctest: +SKIP
    site built in 40 s: 13 pages, 120 figures, 8.1 MB in _site
    """
    import plotly

    start = time.monotonic()
    out = Path(out)
    _prepare_out(out)
    sources = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    if not sources:
        raise SiteError(f"no notebooks found under {NOTEBOOKS}")
    infos = [notebook_info(p) for p in sources]
    pages = dict(DOCS)
    pages.update({f"notebooks/{i.stem}.ipynb": i.href for i in infos})
    with tempfile.TemporaryDirectory(prefix="pmcourse-site-") as tmp:
        saved = {k: os.environ.get(k) for k in ("PMCOURSE_HOME", "PMCOURSE_LEARNER")}
        # the build's answers (none are given, but a session opens its log) go to a throwaway home
        os.environ["PMCOURSE_HOME"] = str(Path(tmp) / "home")
        os.environ["PMCOURSE_LEARNER"] = "site-build"
        try:
            work = [(str(p), str(Path(tmp) / p.name)) for p in sources]
            with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
                executed = list(pool.map(_execute, work))
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        notebooks = [nbformat.read(p, as_version=4) for p in executed]

    nav = [{"title": "pmcourse", "href": "index.html", "home": True}]
    nav += [{"title": i.stem[:2], "href": i.href, "tooltip": i.title} for i in infos]
    nav += [
        {"title": "Instructor guide", "href": "instructors.html"},
        {"title": "Toolkit reference", "href": "reference.html"},
    ]
    exporter = _exporter()

    def write(page: nbformat.NotebookNode, href: str, plotly_js=False, previous=None, nxt=None):
        resources = {
            "metadata": {"name": page.metadata.get("title", href)},
            "site": {
                "nav": nav,
                "href": href,
                "plotly": plotly_js,
                "previous": previous,
                "next": nxt,
            },
        }
        body, _ = exporter.from_notebook_node(page, resources=resources)
        (out / href).write_text(body, encoding="utf-8")

    figures = 0
    for k, (info, nb) in enumerate(zip(infos, notebooks, strict=True)):
        page, count = case_page(nb, info)
        figures += count
        prev_info = infos[k - 1] if k > 0 else None
        next_info = infos[k + 1] if k + 1 < len(infos) else None
        write(
            page,
            info.href,
            plotly_js=count > 0,
            previous={"title": prev_info.title, "href": prev_info.href} if prev_info else None,
            nxt={"title": next_info.title, "href": next_info.href} if next_info else None,
        )
    write(overview_page(infos, pages), "index.html")
    for source, href in DOCS.items():
        text = _site_links((ROOT / source).read_text(encoding="utf-8"), pages)
        title = text.splitlines()[0].lstrip("# ").strip()
        write(_markdown_page(f"{title} — pmcourse", [text]), href)
    reference, _, without_example = reference_page(pages)
    write(reference, "reference.html")
    shutil.copy(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", out)

    html_pages = tuple(sorted(p.name for p in out.glob("*.html")))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    (out / "site.json").write_text(
        json.dumps({"pages": list(html_pages), "figures": figures}, indent=1) + "\n"
    )
    seconds = time.monotonic() - start
    return BuildReport(out, html_pages, figures, size, seconds, tuple(without_example))


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python website/build.py [--out _site] [--jobs 2]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_site", help="target folder")
    parser.add_argument(
        "--jobs", type=int, default=min(2, os.cpu_count() or 1), help="notebooks run at once"
    )
    args = parser.parse_args(argv)
    try:
        report = build_site(args.out, jobs=args.jobs)
    except SiteError as exc:
        print(f"make site: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    if report.without_example:
        print(
            f"make site: no worked example in the docstring of {', '.join(report.without_example)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
