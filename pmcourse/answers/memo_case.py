"""What a decision memo is checked against: the form a learner fills and the case's hidden key.

A memo has two halves. Its *typed fields* are decidable and scored against the case: the option
chosen, the kill signal (a metric of this case), comparator, threshold, window, action, expiry
date and how the decision is undone; where the case is about liability, who bears each error and
their recourse; where it is about a trade-off, what is traded away and its measure. Its *prose* is
never scored by a machine: it is marked for review, self-assessed against :data:`RUBRIC` in
practice mode and scored by people in a cohort (``pmcourse cohort review``).

:class:`MemoForm` is what every learner sees (the same in practice and graded mode; it names no
answer). :class:`MemoKey` is this case's hidden key (``None`` in graded mode; the grader rebuilds
it from the instructor's key file). Both round-trip through plain JSON dicts (``to_dict`` /
``from_dict``) because they travel inside answer keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from pmcourse.exceptions import InputError

__all__ = [
    "MEMO_KEY_VERSION",
    "REVIEW_LEVELS",
    "REVIEW_WEIGHT",
    "RUBRIC",
    "MemoError",
    "MemoForm",
    "MemoKey",
    "RubricLine",
    "SignalKey",
    "combine_memo_score",
]

#: Version of the MemoKey dict; a key without ``memo_key`` is a version-0 (prose-only) memo.
MEMO_KEY_VERSION = 1


@dataclass(frozen=True)
class RubricLine:
    """One line of the memo rubric: what a reviewer (or the learner) ticks.

    Parameters
    ----------
    id : str
        snake_case id, stored with each review score.
    text : str
        What the reviewer reads.
    dimension : str
        The essay's dimension or skill the line measures.
    """

    id: str
    text: str
    dimension: str


#: The rubric a person applies to a memo's prose, drawn from the seed essay.
RUBRIC: tuple[RubricLine, ...] = (
    RubricLine(
        "constraint",
        "Names the one constraint that invalidates the others (and why it binds here).",
        "constraint prioritisation",
    ),
    RubricLine(
        "feedback_velocity",
        "Names a signal that detects failure faster than the failure spreads.",
        "feedback velocity",
    ),
    RubricLine(
        "liability",
        "Says who bears the cost of each error and whether they have recourse.",
        "liability mapping",
    ),
    RubricLine(
        "tradeoff",
        "Says what is sacrificed and how that sacrifice is measured.",
        "trade-off articulation",
    ),
    RubricLine(
        "falsifiable",
        "Is falsifiable: a number, a window and a date someone could check.",
        "feedback velocity",
    ),
    RubricLine(
        "reversibility",
        "Says how the decision is undone, and what undoing it costs.",
        "optionality preservation",
    ),
)

#: Score levels a reviewer gives each rubric line (self-assessment ticks use 0 and 1).
REVIEW_LEVELS: dict[float, str] = {0.0: "missing", 0.5: "partly", 1.0: "yes"}

#: Share of a reviewed memo's score that comes from people (the rest is the automatic part).
REVIEW_WEIGHT = 0.5


@dataclass(frozen=True)
class MemoForm:
    """The typed fields a learner fills: choices and units, the same for every variant.

    Parameters
    ----------
    signals : dict of str to (str, str)
        Signal id -> (label, unit): metrics of this case a kill criterion may watch. Include
        signals that do not detect the failure, or detect it late: picking is the judgment.
    actions : dict of str to str
        Action id -> label: what happens when the signal crosses the threshold.
    undo : dict of str to str
        Undo id -> label: how the decision is reversed (include ``"cannot_undo"`` if any option
        really cannot be undone).
    errors : dict of str to str, optional
        Liability cases: error id -> label ("a legitimate invoice is blocked").
    parties : dict of str to str, optional
        Liability cases: party id -> label, for who bears each error.
    recourse : dict of str to str, optional
        Liability cases: recourse id -> label ("appeal and be corrected", "none").
    tradeoff : dict of str to str, optional
        Trade-off cases: id -> label of what the decision may trade away.
    trade_unit : str
        Unit of the trade-off's measure (``"%"``, ``"pp"``, ``"$ per week"``).

    Examples
    --------
    >>> form = MemoForm(signals={"override_rate": ("Daily override rate", "%")},
    ...                 actions={"revert": "Revert the feature"},
    ...                 undo={"flag": "Turn the feature flag off"})
    >>> MemoForm.from_dict(form.to_dict()) == form
    True
    """

    signals: Mapping[str, tuple[str, str]]
    actions: Mapping[str, str]
    undo: Mapping[str, str]
    errors: Mapping[str, str] = field(default_factory=dict)
    parties: Mapping[str, str] = field(default_factory=dict)
    recourse: Mapping[str, str] = field(default_factory=dict)
    tradeoff: Mapping[str, str] = field(default_factory=dict)
    trade_unit: str = ""

    def __post_init__(self):
        for name in ("signals", "actions", "undo"):
            if not getattr(self, name):
                raise InputError(f"MemoForm: {name} must name at least one choice.")
        if bool(self.errors) != bool(self.parties) or bool(self.errors) != bool(self.recourse):
            raise InputError(
                "MemoForm: a liability memo sets errors, parties and recourse together; "
                f"got errors={bool(self.errors)}, parties={bool(self.parties)}, "
                f"recourse={bool(self.recourse)}."
            )
        for sid, value in self.signals.items():
            if not (isinstance(value, tuple | list) and len(value) == 2):
                raise InputError(f"MemoForm: signal {sid!r} must be (label, unit), got {value!r}.")

    @property
    def liability(self) -> bool:
        """Whether the memo asks who bears each error."""
        return bool(self.errors)

    @property
    def trade_off(self) -> bool:
        """Whether the memo asks what is traded away."""
        return bool(self.tradeoff)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict :meth:`from_dict` reads back."""
        out = {k: dict(v) if isinstance(v, Mapping) else v for k, v in asdict(self).items()}
        out["signals"] = {k: list(v) for k, v in self.signals.items()}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MemoForm:
        """Read a dict written by :meth:`to_dict`; raise InputError naming what is wrong."""
        if not isinstance(data, Mapping):
            raise InputError(f"memo form must be a dict, got {type(data).__name__}.")
        try:
            kwargs = dict(data)
            kwargs["signals"] = {k: tuple(v) for k, v in data["signals"].items()}
            return cls(**kwargs)
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"memo form is malformed: {exc}") from exc


@dataclass(frozen=True)
class SignalKey:
    """What one signal means in this case, in the signal's unit.

    Parameters
    ----------
    baseline : float
        The signal's normal level (before the change, or in the unaffected group).
    noise : float
        Its normal variation: a threshold within ``baseline ± noise`` fires on noise.
    harm : float
        The level the harm would produce: a threshold beyond it fires too late (or never).
    delay_days : float
        Days from a failure until this signal shows it: a window shorter than this cannot see it.
    detects : bool
        Whether this signal can detect the failure at all (a vanity or lagging metric cannot).
    why : str
        This case's fact about the signal, for feedback ("complaints arrive 9 days late").
    """

    baseline: float
    noise: float
    harm: float
    delay_days: float
    detects: bool = True
    why: str = ""

    @property
    def direction(self) -> int:
        """+1 when harm lies above the baseline, -1 below."""
        return 1 if self.harm >= self.baseline else -1


@dataclass(frozen=True)
class MemoError:
    """Who bears one error in this case, and the recourse the data shows they have.

    Parameters
    ----------
    bearer : str
        Party id (from :attr:`MemoForm.parties`).
    recourse : str
        Recourse id (from :attr:`MemoForm.recourse`) the data supports.
    why : str
        This case's numbers behind it ("appeals: 0.3% completed on 5.2; median 11 days").
    """

    bearer: str
    recourse: str
    why: str = ""


@dataclass(frozen=True)
class MemoKey:
    """This case's hidden answer for a memo's typed fields.

    Parameters
    ----------
    decision : str
        The right option (a decision id of the scenario).
    partial : dict of str to float
        Partial credit for defensible second-best options.
    reversible : dict of str to bool
        Option id -> whether it can be undone.
    undo_ok : dict of str to tuple of str
        Option id -> undo ids consistent with it.
    on_trigger : dict of str to tuple of str
        Option id -> action ids that make sense when its kill signal fires (an action that
        repeats or contradicts the option is a contradiction).
    signals : dict of str to SignalKey
        Signal id -> its meaning in this case (every signal of the form).
    decided_on : str
        ISO date of the decision (the case's "today").
    horizon_days : int
        The longest sensible life of the decision in this case (an audit, a quarter, a renewal).
    errors : dict of str to MemoError, optional
        Liability cases: error id -> who bears it and their recourse.
    traded : str, optional
        Trade-off cases: the id of what is really traded away.
    trade_value, trade_tolerance : float, optional
        The measure of the trade-off and the accepted absolute distance from it.
    facts : dict of str to str
        This case's facts in words, shown beside the memo to reviewers and in the model memo.

    Examples
    --------
    >>> key = MemoKey(decision="keep", partial={}, reversible={"keep": True},
    ...               undo_ok={"keep": ("flag",)}, on_trigger={"keep": ("revert",)},
    ...               signals={"override_rate": SignalKey(4.0, 0.8, 9.0, 3)},
    ...               decided_on="2026-03-02", horizon_days=90)
    >>> MemoKey.from_dict(key.to_dict()) == key
    True
    """

    decision: str
    partial: Mapping[str, float]
    reversible: Mapping[str, bool]
    undo_ok: Mapping[str, tuple[str, ...]]
    on_trigger: Mapping[str, tuple[str, ...]]
    signals: Mapping[str, SignalKey]
    decided_on: str
    horizon_days: int
    errors: Mapping[str, MemoError] = field(default_factory=dict)
    traded: str | None = None
    trade_value: float | None = None
    trade_tolerance: float | None = None
    facts: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        try:
            dt.date.fromisoformat(self.decided_on)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"MemoKey: decided_on must be an ISO date, got {self.decided_on!r}."
            ) from exc
        if not (isinstance(self.horizon_days, int) and self.horizon_days > 0):
            raise InputError(
                f"MemoKey: horizon_days must be a positive whole number, got {self.horizon_days!r}."
            )

    @property
    def decision_date(self) -> dt.date:
        """:attr:`decided_on` as a date."""
        return dt.date.fromisoformat(self.decided_on)

    @property
    def horizon(self) -> dt.date:
        """The last sensible expiry date."""
        return self.decision_date + dt.timedelta(days=self.horizon_days)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (with ``version``) :meth:`from_dict` reads back."""
        out = asdict(self)
        out = {k: dict(v) if isinstance(v, Mapping) else v for k, v in out.items()}
        out["undo_ok"] = {k: list(v) for k, v in self.undo_ok.items()}
        out["on_trigger"] = {k: list(v) for k, v in self.on_trigger.items()}
        out["version"] = MEMO_KEY_VERSION
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MemoKey:
        """Read a dict written by :meth:`to_dict`; raise InputError naming what is wrong."""
        if not isinstance(data, Mapping):
            raise InputError(f"memo key must be a dict, got {type(data).__name__}.")
        version = data.get("version", MEMO_KEY_VERSION)
        if version != MEMO_KEY_VERSION:
            raise InputError(
                f"memo key version {version!r} is not readable by this pmcourse; "
                f"accepted: {MEMO_KEY_VERSION}."
            )
        try:
            kwargs = {k: v for k, v in data.items() if k != "version"}
            kwargs["signals"] = {k: SignalKey(**v) for k, v in data["signals"].items()}
            kwargs["errors"] = {k: MemoError(**v) for k, v in data.get("errors", {}).items()}
            kwargs["undo_ok"] = {k: tuple(v) for k, v in data["undo_ok"].items()}
            kwargs["on_trigger"] = {k: tuple(v) for k, v in data["on_trigger"].items()}
            return cls(**kwargs)
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"memo key is malformed: {exc}") from exc


def combine_memo_score(auto: float, reviews: list[float] | tuple[float, ...] = ()) -> float:
    """A memo's score: the automatic part alone, or blended with the mean of people's reviews.

    Parameters
    ----------
    auto : float
        The automatic part (typed fields), in [0, 1].
    reviews : sequence of float
        Each reviewer's score for the prose (mean over :data:`RUBRIC` lines), in [0, 1].

    Examples
    --------
    >>> combine_memo_score(0.8)
    0.8
    >>> combine_memo_score(0.8, [1.0, 0.5])
    0.775
    """
    if not reviews:
        return float(auto)
    review = sum(reviews) / len(reviews)
    return round((1 - REVIEW_WEIGHT) * float(auto) + REVIEW_WEIGHT * review, 6)
