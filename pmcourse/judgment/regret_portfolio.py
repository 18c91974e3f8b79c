"""The regret portfolio: the learner's decisions per case, beside what the data showed.

The essay asks candidates to keep a regret portfolio: decisions that went wrong, and the feedback
loop that was missing. :func:`portfolio` writes one from the answer log: for every case worked, the
diagnosis and decision given (with the kill criteria and memos written), beside the case's truth,
rebuilt from the log's seed and variant exactly as :func:`pmcourse.start` draws it; and for each
call that went wrong, the loop that would have caught it sooner
(:mod:`pmcourse.judgment.feedback_loops`). A graded case's truth stays with the instructor, so its
entry lists the decisions only. The document is markdown, with an HTML copy beside it.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mistune
import pandas as pd

from pmcourse.answers.store import AnswerStore, default_store_path, utc_timestamp
from pmcourse.exceptions import PMCourseError, ScenarioError
from pmcourse.judgment.attempts import CaseKey, LearnerLog, read_log
from pmcourse.judgment.feedback_loops import feedback_loop
from pmcourse.scenarios import load_case, scenario_for_notebook

__all__ = ["Portfolio", "default_portfolio_path", "portfolio"]

_markdown = mistune.create_markdown(escape=True, plugins=["table"])


@dataclass(frozen=True)
class Portfolio:
    """The regret portfolio written by :func:`portfolio`.

    Attributes
    ----------
    path : Path
        The markdown file.
    html_path : Path
        The HTML copy beside it.
    markdown : str
    entries : tuple of dict
        Per case: ``notebook``, ``case``, ``graded``, ``diagnosis_right``, ``decision_right``
        (None when unanswered or graded) and ``feedback_loop`` (None when nothing went wrong).
    """

    path: Path
    html_path: Path
    markdown: str
    entries: tuple[dict[str, Any], ...]

    @property
    def regrets(self) -> int:
        """Cases where the diagnosis or the decision went wrong."""
        return sum(1 for e in self.entries if e["feedback_loop"] is not None)

    def _repr_html_(self) -> str:
        return (
            f"<p>Your regret portfolio ({len(self.entries)} case"
            f"{'s' if len(self.entries) != 1 else ''}, {self.regrets} with a call that went "
            f"wrong) is saved as <code>{html.escape(str(self.path))}</code> and "
            f"<code>{html.escape(str(self.html_path))}</code>.</p>"
        )

    def __repr__(self) -> str:
        return f"Portfolio(path={str(self.path)!r}, cases={len(self.entries)})"


def default_portfolio_path(learner: str) -> Path:
    """Where the portfolio is written: ``$PMCOURSE_HOME/portfolio/regret-portfolio-<learner>.md``.

    Examples
    --------
    >>> default_portfolio_path("ada").name
    'regret-portfolio-ada.md'

    Introduced in notebooks/10-judgment-profile.ipynb.
    """
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in learner) or "learner"
    return default_store_path().parent / "portfolio" / f"regret-portfolio-{safe}.md"


def portfolio(
    learner: str | None = None,
    *,
    store: AnswerStore | str | os.PathLike | None = None,
    path: str | os.PathLike | None = None,
) -> Portfolio:
    """Write the learner's regret portfolio (markdown and HTML) and return where it is.

    Parameters
    ----------
    learner : str, optional
        Learner id; defaults to ``$PMCOURSE_LEARNER``, else the OS user name.
    store : AnswerStore or path, optional
        The answer log; defaults to ``$PMCOURSE_HOME/answers.sqlite``.
    path : str or Path, optional
        The markdown file to write (the HTML copy takes the same name with ``.html``); defaults
        to :func:`default_portfolio_path`.

    Raises
    ------
    PMCourseError
        When the file cannot be written (the message names the path).

    Examples
    --------
    >>> import tempfile
    >>> import pmcourse
    >>> folder = Path(tempfile.mkdtemp())
    >>> session = pmcourse.start("00-orientation", seed=7, variant="weekend_rhythm_only",
    ...                          learner="ada", store=folder / "answers.sqlite")
    >>> _ = session.questions["decision"].answer("roll_back", confidence=0.8)
    >>> book = portfolio("ada", store=folder / "answers.sqlite", path=folder / "mine.md")
    >>> book.path.name, book.html_path.name, book.regrets
    ('mine.md', 'mine.html', 1)

    Introduced in notebooks/10-judgment-profile.ipynb.
    """
    log = read_log(learner, store=store)
    target = Path(path).expanduser() if path is not None else default_portfolio_path(log.learner)
    entries, sections = [], []
    for key in sorted(log.cases, key=lambda k: (k.notebook, log.cases[k][0]["id"])):
        entry, text = _case_section(log, key)
        entries.append(entry)
        sections.append(text)
    markdown = _document(log, entries, sections)
    html_path = target.with_suffix(".html")
    page = (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>Regret portfolio: {html.escape(log.learner)}</title>"
        "<style>body{font-family:sans-serif;max-width:52em;margin:2em auto;line-height:1.45}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em}"
        "blockquote{color:#444;border-left:3px solid #ccc;margin-left:0;padding-left:1em}"
        "</style></head>\n<body>\n" + _markdown(markdown) + "</body></html>\n"
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(markdown, encoding="utf-8")
        html_path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise PMCourseError(
            f"Cannot write the regret portfolio to {target}: {exc}. Pass path= a writable file "
            "or set PMCOURSE_HOME to a writable folder."
        ) from None
    return Portfolio(target, html_path, markdown, tuple(entries))


def _document(log: LearnerLog, entries: list[dict], sections: list[str]) -> str:
    head = [
        f"# Regret portfolio: {log.learner}",
        "",
        f"Written {utc_timestamp()[:10]} from the answer log {log.path}. For every case you "
        "worked: the calls you made beside what the data showed, and for each call that went "
        "wrong, the feedback loop that would have caught it sooner.",
        "",
    ]
    if log.notice:
        head += [log.notice, ""]
    if not entries:
        head += [
            "No case in the log yet. Work through notebooks 00-09 (practice mode), then write "
            "this portfolio again: `pmcourse.portfolio()`.",
            "",
        ]
        return "\n".join(head)
    head += ["| notebook | case | diagnosis | decision |", "|---|---|---|---|"]
    for e in entries:
        head.append(
            f"| {e['notebook']} | {e['case']} | {_verdict(e['diagnosis_right'], e['graded'])} "
            f"| {_verdict(e['decision_right'], e['graded'])} |"
        )
    return "\n".join(head + [""] + sections)


def _verdict(right: bool | None, graded: bool) -> str:
    if graded:
        return "judged with your grade"
    return "not answered" if right is None else ("right" if right else "**wrong**")


def _case_section(log: LearnerLog, key: CaseKey) -> tuple[dict[str, Any], str]:
    scenario = scenario_for_notebook(key.notebook)
    spec = scenario.spec
    rows = log.questions[
        (log.questions["notebook"] == key.notebook) & (log.questions["case"] == key.variant)
    ].set_index("question")
    truth = None
    if not key.graded:
        case = load_case(scenario.name, seed=key.seed, variant=key.forced)
        truth = case.truth
        built = {q.id: q for q in scenario.questions(case, truth)}
    else:
        built = {}
    ids = spec.standard_ids()
    first_choice = next(iter(spec.order))
    diagnosis_id = ids.get("diagnosis", first_choice)
    decision_id = ids.get("decision")
    out = [f"## {key.notebook}: {spec.title}", "", f"Case `{key.variant}`.", ""]
    if truth is not None:
        out += [f"**What the data showed.** {truth['cause_label']}", ""]
    else:
        out += ["**What the data showed** stays with your instructor until grading (graded).", ""]
    verdicts = {}
    for label, qid in (("Your diagnosis", diagnosis_id), ("Your decision", decision_id)):
        if qid is None or qid not in rows.index:
            continue
        row = rows.loc[qid]
        verdicts[qid] = None if not row["answered"] or truth is None else row["correct"] is True
        out += [f"**{label}.** {_answer_text(built.get(qid), row)}"]
        if verdicts[qid] is False and qid == decision_id:
            question = built[qid]
            right = question.expected  # rebuilt from the truth here, never sealed
            options = getattr(question, "options", {})
            if right in options:
                out += ["", f"The call this case needed: {options[right]}"]
        if verdicts[qid] is False and row["feedback"]:
            out += ["", "> " + str(row["feedback"]).replace("\n", "\n> ")]
        out += [""]
    for qid in spec.order:
        question = built.get(qid)
        row = rows.loc[qid] if qid in rows.index else None
        if row is None or not row["answered"] or qid in (diagnosis_id, decision_id):
            continue
        if isinstance(row["value"], dict) and (
            question is None or question.type in ("kill_criterion", "memo")
        ):
            kind = "Kill criterion" if "comparator" in row["value"] else "Memo"
            out += [f"**{kind}** ({qid}):", "", *_fields(question, row["value"]), ""]
    wrong = [qid for qid, ok in verdicts.items() if ok is False]
    loop = None
    if wrong and truth is not None:
        try:
            loop = feedback_loop(scenario.name, truth)
        except ScenarioError as exc:
            loop = f"(No feedback loop is written for this case yet: {exc})"
        out += [f"**The feedback loop that would have caught it sooner.** {loop}", ""]
    entry = {
        "notebook": key.notebook,
        "case": key.variant,
        "graded": key.graded,
        "diagnosis_right": verdicts.get(diagnosis_id),
        "decision_right": verdicts.get(decision_id) if decision_id else None,
        "feedback_loop": loop,
    }
    return entry, "\n".join(out)


def _answer_text(question, row) -> str:
    if not row["answered"]:
        return "Not answered."
    value = row["value"]
    options = getattr(question, "options", None) or {}
    shown = options.get(value, value) if isinstance(value, str) else json.dumps(value)
    text = str(shown).rstrip(". ")
    if row["confidence"] is not None and not pd.isna(row["confidence"]):
        text += f", and you were {row['confidence']:.0%} sure"
    verdict = {True: " Right.", False: " Wrong."}.get(row["correct"], "")
    return f"{text}.{verdict}"


def _fields(question, value: dict) -> list[str]:
    labels = dict(getattr(question, "required", {}) or {})
    metrics = getattr(question, "metrics", {}) or {}
    lines = []
    for name, text in value.items():
        if text in ("", None, [], {}):
            continue
        if name == "metric" and text in metrics:
            text = metrics[text]
        shown = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
        lines.append(f"- *{labels.get(name, name.replace('_', ' '))}*: {shown}")
    return lines
