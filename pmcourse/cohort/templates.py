"""Parameterising notebook templates for graded students, with papermill, without executing them.

A template's cell tagged ``parameters`` assigns exactly :data:`PARAMETERS`. Each template is
parameterised once for the whole cohort (:func:`parameterize_template`, a placeholder where the
token goes); a student's notebook is that text with their token substituted
(:func:`student_notebook_text`). papermill and nbformat are imported when a template is read.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from pmcourse.exceptions import CohortError

__all__ = ["PARAMETERS", "TOKEN_PLACEHOLDER", "parameterize_template", "student_notebook_text"]

#: The parameters cell of every notebook holds exactly these names.
PARAMETERS = ("SEED", "VARIANT", "VARIANT_TOKEN", "DATA_PATH")
#: Placeholder for the token in a parameterised template (never reaches a student's file).
TOKEN_PLACEHOLDER = "PMCOURSE0VARIANT0TOKEN0PLACEHOLDER"


def parameterize_template(template_path, *, notebook: str) -> str:
    """Parameterise a notebook template once, for every student, without executing it.

    Uses papermill's own steps (``load_notebook_node``, ``parameterize_notebook``,
    ``prepare_notebook_metadata``) with graded-mode parameters: ``SEED = None``,
    ``VARIANT = None``, ``VARIANT_TOKEN`` = a placeholder and ``DATA_PATH =
    "data/<notebook>.pmcase"`` (relative to the notebook, identical for every student).
    :func:`student_notebook_text` swaps the placeholder for a student's token.

    Parameters
    ----------
    template_path : str or Path
        The notebook template (``notebooks/01-usage-drop.ipynb``).
    notebook : str
        Its notebook id.

    Returns
    -------
    str
        The parameterised notebook as nbformat JSON text.

    Raises
    ------
    CohortError
        The template is missing, has no cell tagged ``parameters``, or its parameters cell does
        not assign exactly SEED, VARIANT, VARIANT_TOKEN and DATA_PATH.

    Examples
    --------
    >>> from pmcourse.cohort.course import default_notebooks_dir
    >>> template = default_notebooks_dir() / "00-orientation.ipynb"
    >>> text = parameterize_template(template, notebook="00-orientation")
    >>> TOKEN_PLACEHOLDER in text, '"data/00-orientation.pmcase"' in text
    (True, True)

    Introduced in docs/instructors.md (instructor workflow).
    """
    import nbformat
    from papermill.execute import prepare_notebook_metadata, remove_error_markers
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    path = Path(template_path)
    if not path.is_file():
        raise CohortError(
            f"No notebook template for {notebook} at {path}; set notebooks_dir in config.json or "
            "pass --notebooks-dir."
        )
    nb = load_notebook_node(str(path))
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if not cells:
        raise CohortError(f"{path} has no cell tagged 'parameters'; graded notebooks need one.")
    assigned = _assigned_names(cells[0].source)
    if assigned != set(PARAMETERS):
        raise CohortError(
            f"{path}: the parameters cell assigns {sorted(assigned)}; it must assign exactly "
            f"{', '.join(PARAMETERS)}."
        )
    params = {
        "SEED": None,
        "VARIANT": None,
        "VARIANT_TOKEN": TOKEN_PLACEHOLDER,
        "DATA_PATH": f"data/{notebook}.pmcase",
    }
    nb = parameterize_notebook(nb, params, kernel_name=_kernel(nb), language="python")
    # relative paths: the instructor's folders stay out of the student's file
    nb = prepare_notebook_metadata(nb, f"notebooks/{notebook}.ipynb", f"{notebook}.ipynb")
    nb = remove_error_markers(nb)
    # papermill draws a random id for the cell it injects, and nbformat for every cell of a
    # template saved without ids (nbformat 4.4): a re-run must give the same bytes
    kept = _template_cell_ids(path)
    for i, cell in enumerate(nb.cells):
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "pmcourse-injected-parameters"
        elif cell.get("id") not in kept:
            cell["id"] = f"pmcourse-cell-{i:03d}"
    for cell in nb.cells:  # a template is committed stripped; be sure
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata["pmcourse"] = {"mode": "graded", "notebook": notebook}
    text = nbformat.writes(nb)
    if text.count(TOKEN_PLACEHOLDER) < 1:  # pragma: no cover - papermill changed its output
        raise CohortError(f"papermill did not inject the variant token into {path}.")
    return text


def _template_cell_ids(path: Path) -> set[str]:
    """The cell ids saved in the template file itself (none in an nbformat 4.4 file)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return set()
    return {c["id"] for c in raw.get("cells", []) if isinstance(c.get("id"), str)}


def _kernel(nb) -> str:
    return (nb.metadata.get("kernelspec") or {}).get("name") or "python3"


def _assigned_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise CohortError(f"the parameters cell is not valid Python ({exc}).") from None
    names = set()
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else ([node.target] if isinstance(node, ast.AnnAssign) else [])
        )
        for t in targets:
            if isinstance(t, ast.Name):
                names.add(t.id)
    return names


def student_notebook_text(template_text: str, *, token: str) -> str:
    """A student's notebook: the parameterised template with their token in place.

    Tokens are base32 (``A-Z2-7``), so plain substitution is safe inside JSON and Python strings.

    Examples
    --------
    >>> student_notebook_text('{"x": "PMCOURSE0VARIANT0TOKEN0PLACEHOLDER"}', token="ABC234")
    '{"x": "ABC234"}'

    Introduced in docs/instructors.md (instructor workflow).
    """
    if not token.isalnum():
        raise CohortError(f"variant token {token!r} is not base32.")
    return template_text.replace(TOKEN_PLACEHOLDER, token)
