"""The learner's judgment profile: what their answers say about the essay's dimensions and skills.

Every question of the course is tagged with one of three dimensions (constraint prioritisation,
feedback velocity, liability mapping) and one of four skills (failure archaeology, trade-off
articulation, regulatory reflex, optionality preservation). :func:`profile` reads the learner's
answer log across every notebook and case in it and shows, per dimension and per skill, the mean
score of the questions judged; how well stated confidence matched being right (with the Brier
score); the hints and debriefs used; and how each case was investigated.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pmcourse.answers.store import AnswerStore
from pmcourse.judgment.attempts import investigation, read_log
from pmcourse.judgment.calibration import brier_score, calibration_table
from pmcourse.plots import plot_profile, show_table
from pmcourse.scenarios.spec import DIMENSIONS, SKILLS

__all__ = ["CLOSING_NOTEBOOK", "JudgmentProfile", "profile", "score_by_tag"]

#: The closing notebook: it shows the profile and writes the portfolio (it has no case of its own).
CLOSING_NOTEBOOK = "10-judgment-profile"


@dataclass(frozen=True)
class JudgmentProfile:
    """A learner's profile across every case in their answer log (see :func:`profile`).

    Attributes
    ----------
    learner : str
    log_path : Path
    questions : DataFrame
        One row per question of every case worked: notebook, case, question, dimension, skill,
        answered, score, correct, confidence, hints, revealed, value, feedback.
    by_dimension, by_skill : DataFrame
        Indexed by dimension (skill), every one listed: ``questions`` (asked in the cases worked),
        ``answered``, ``judged`` (answered with feedback), ``mean_score`` (0-1, NaN when none was
        judged) and ``right`` (judged with full credit).
    calibration : DataFrame
        Per confidence band (:func:`~pmcourse.judgment.calibration.calibration_table`).
    brier : float or None
        Brier score of the judged answers that state a confidence.
    help : DataFrame
        Per case: ``hints`` revealed and ``debriefs_revealed`` (read before answering).
    investigation : DataFrame
        Per case: explorer ``views``, ``views_before_diagnosis``, ``splits_tried``,
        ``case_revealed``.
    figure : plotly.graph_objects.Figure
        Mean score per dimension and skill.
    skipped : tuple of str
        Notebooks in the log this pmcourse does not know.
    notice : str or None
        Why the log could not be read, when it could not (the profile is then empty).
    """

    learner: str
    log_path: Path
    questions: pd.DataFrame
    by_dimension: pd.DataFrame
    by_skill: pd.DataFrame
    calibration: pd.DataFrame
    brier: float | None
    help: pd.DataFrame
    investigation: pd.DataFrame
    figure: Any
    skipped: tuple[str, ...] = ()
    notice: str | None = None

    @property
    def empty(self) -> bool:
        """Whether the log holds no answered question for this learner."""
        return not bool(self.questions["answered"].any()) if len(self.questions) else True

    def summary(self) -> str:
        """One paragraph in words: cases, answers, strongest and weakest dimension, calibration."""
        if self.notice and self.empty:
            return f"{self.notice} Your profile is empty until the log can be read."
        if self.empty:
            return (
                f"No answers from {self.learner!r} in {self.log_path} yet. Work through notebooks "
                "00-09 (practice mode): every answer you check is saved there, and this profile "
                "fills in as you go. If you answered under another name, pass it: "
                "pmcourse.profile(learner='...')."
            )
        q = self.questions
        cases = q[["notebook", "case"]].drop_duplicates()
        judged = self.by_dimension.dropna(subset=["mean_score"])
        text = (
            f"{self.learner}: {int(q['answered'].sum())} answers over {len(cases)} case"
            f"{'s' if len(cases) != 1 else ''} in {cases['notebook'].nunique()} notebook"
            f"{'s' if cases['notebook'].nunique() != 1 else ''}."
        )
        if len(judged):
            best, worst = judged["mean_score"].idxmax(), judged["mean_score"].idxmin()
            text += f" Strongest dimension: {best} ({judged.loc[best, 'mean_score']:.0%})"
            if worst != best:
                text += f"; weakest: {worst} ({judged.loc[worst, 'mean_score']:.0%})"
            text += "."
        if self.brier is not None:
            text += f" Brier score {self.brier:.3f} (0 is perfect; always saying 50% scores 0.250)."
        return text

    def _repr_html_(self) -> str:
        parts = [f"<h3>Judgment profile: {html.escape(self.learner)}</h3>"]
        parts.append(f"<p>{html.escape(self.summary())}</p>")
        if self.empty:
            return "\n".join(parts)
        for heading, table in (
            ("Per dimension", self.by_dimension),
            ("Per skill", self.by_skill),
            ("Calibration: stated confidence against being right", self.calibration),
            ("Hints and debriefs used, per case", self.help),
            ("How you investigated, per case", self.investigation),
        ):
            parts.append(f"<h4>{html.escape(heading)}</h4>")
            parts.append(show_table(table)._repr_html_())
        return "\n".join(parts)

    def __repr__(self) -> str:
        return f"JudgmentProfile({self.summary()!r})"


def score_by_tag(questions: pd.DataFrame, tag: str) -> pd.DataFrame:
    """Per dimension (``tag="dimension"``) or skill: questions, answered, judged, mean score, right.

    ``questions`` needs ``dimension``/``skill``, ``answered`` and ``score`` (NaN when not judged)
    and ``correct`` columns; every dimension (skill) of the course is listed, in the essay's order.
    The cohort report uses the same function on graded question scores.

    Examples
    --------
    >>> q = pd.DataFrame({"dimension": ["feedback velocity"] * 2, "answered": [True, False],
    ...                   "score": [0.5, float("nan")], "correct": [False, None]})
    >>> score_by_tag(q, "dimension").loc["feedback velocity", ["questions", "judged", "mean_score"]]
    questions     2.0
    judged        1.0
    mean_score    0.5
    Name: feedback velocity, dtype: float64

    Introduced in notebooks/10-judgment-profile.ipynb.
    """
    names = {"dimension": DIMENSIONS, "skill": SKILLS}[tag]
    rows = []
    for name in names:
        mine = questions[questions[tag] == name]
        judged = mine[mine["answered"].astype(bool) & mine["score"].notna()]
        rows.append(
            {
                tag: name,
                "questions": len(mine),
                "answered": int(mine["answered"].astype(bool).sum()),
                "judged": len(judged),
                "mean_score": round(float(judged["score"].mean()), 4) if len(judged) else None,
                "right": int((judged["correct"] == True).sum()),  # noqa: E712 - None is not right
            }
        )
    table = pd.DataFrame(rows).set_index(tag)
    table["mean_score"] = table["mean_score"].astype(float)
    return table


def profile(
    learner: str | None = None, *, store: AnswerStore | str | os.PathLike | None = None
) -> JudgmentProfile:
    """The learner's judgment profile across every notebook and case in their answer log.

    Parameters
    ----------
    learner : str, optional
        Learner id; defaults to ``$PMCOURSE_LEARNER``, else the OS user name (as
        :func:`pmcourse.start` does).
    store : AnswerStore or path, optional
        The answer log; defaults to ``$PMCOURSE_HOME/answers.sqlite``. A missing log is an empty
        profile (nothing is created).

    Returns
    -------
    JudgmentProfile
        Tables and the figure; shows itself in a notebook. An empty log gives an empty profile
        that says how to fill it, never an error.

    Examples
    --------
    >>> import tempfile
    >>> import pmcourse
    >>> log = Path(tempfile.mkdtemp()) / "answers.sqlite"
    >>> session = pmcourse.start("00-orientation", seed=7, learner="ada", store=log)
    >>> _ = session.questions["release_effect"].answer("weekend_rhythm_only", confidence=0.9)
    >>> me = profile("ada", store=log)
    >>> me.by_dimension.loc["constraint prioritisation", ["answered", "judged"]].tolist()
    [1, 1]
    >>> profile("nobody", store=log).empty
    True

    Introduced in notebooks/10-judgment-profile.ipynb.
    """
    log = read_log(learner, store=store)
    questions = log.questions
    by_dimension = score_by_tag(questions, "dimension")
    by_skill = score_by_tag(questions, "skill")
    judged = questions[questions["answered"].astype(bool) & questions["score"].notna()]
    confidences = [None if pd.isna(c) else float(c) for c in judged["confidence"]]
    right = [c is True for c in judged["correct"]]
    help_table = (
        questions.groupby(["notebook", "case"], sort=False)
        .agg(hints=("hints", "sum"), debriefs_revealed=("revealed", "sum"))
        .reset_index()
        if len(questions)
        else pd.DataFrame(columns=["notebook", "case", "hints", "debriefs_revealed"])
    )
    return JudgmentProfile(
        learner=log.learner,
        log_path=log.path,
        questions=questions,
        by_dimension=by_dimension,
        by_skill=by_skill,
        calibration=calibration_table(confidences, right),
        brier=brier_score(confidences, right),
        help=help_table,
        investigation=investigation(log),
        figure=plot_profile(by_dimension, by_skill),
        skipped=log.skipped,
        notice=log.notice,
    )
