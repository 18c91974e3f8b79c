"""The judgment memo: typed fields scored against the case, prose stored in full for people.

A memo's *typed fields* (the option chosen, the kill signal, comparator, threshold, window,
action, expiry date and how the decision is undone; who bears each error and their recourse in
a liability case; what is traded away and its measure in a trade-off case) are decidable: they
are checked against this case's :class:`~pmcourse.answers.memo_case.MemoKey`, and each field's
feedback names the case's number it was checked against. Its *prose* is never scored by a
machine (no keyword, no pattern): it is stored in full and marked for review, self-assessed
against :data:`~pmcourse.answers.memo_case.RUBRIC` in practice mode (:meth:`Memo.self_assess`,
beside :func:`model_memo`) and scored by people in a cohort.

A memo without a key (graded mode, or an answer key written before typed fields existed) only
records: its automatic part is absent (:meth:`Memo.auto_score` is None, :meth:`Memo.score` 0.0)
and its feedback says the memo awaits review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pmcourse.answers.feedback import Feedback, describe
from pmcourse.answers.kill_criterion import parse_comparator, parse_threshold, parse_window_days
from pmcourse.answers.memo_case import RUBRIC, MemoForm, MemoKey
from pmcourse.answers.memo_checks import (
    CONTRADICTION_PENALTY,
    MemoCheck,
    MemoChecker,
    score_checks,
)
from pmcourse.answers.memo_model import MEMO_FIELDS, as_form, as_key, hollow_memos, model_memo
from pmcourse.answers.parsing import (
    EPS,
    MAX_TEXT_CHARS,
    RejectedInputError,
    as_short_text,
    check_labels,
    field_name,
    list_ids,
    match_id,
)
from pmcourse.answers.questions import Question
from pmcourse.exceptions import InputError, TruthHiddenError

__all__ = [
    "CONTRADICTION_PENALTY",
    "MEMO_FIELDS",
    "Memo",
    "MemoCheck",
    "model_memo",
    "hollow_memos",
    "typed_fields",
]

#: What a learner may type in the expiry box to mean "no expiry": read, then scored as such.
_NEVER = ("never", "never expires", "no expiry", "none", "forever", "indefinitely", "no end")


def typed_fields(form: MemoForm) -> dict[str, str]:
    """The typed field ids a memo with ``form`` has, with the label a widget shows.

    Examples
    --------
    >>> form = MemoForm(signals={"override_rate": ("Daily override rate", "%")},
    ...                 actions={"revert": "Revert"}, undo={"flag": "Flag off"})
    >>> list(typed_fields(form))
    ['option', 'signal', 'comparator', 'threshold', 'window_days', 'action', 'expiry', 'undo']
    """
    out = {
        "option": "Decision (the option you choose)",
        "signal": "Kill signal (a metric of this case)",
        "comparator": "Fires when the signal is",
        "threshold": "Threshold",
        "window_days": "Within (days)",
        "action": "Then we",
        "expiry": "The decision expires on (YYYY-MM-DD)",
        "undo": "How it is undone",
    }
    for eid, label in form.errors.items():
        out[f"bearer_{eid}"] = f"Who bears it: {label}"
        out[f"recourse_{eid}"] = f"Their recourse: {label}"
    if form.trade_off:
        out["traded_away"] = "Traded away (pick one)"
        out["trade_measure"] = (
            f"Its measure ({form.trade_unit})" if form.trade_unit else "Its measure"
        )
    return out


class Memo(Question):
    """The judgment memo: typed fields scored against the case, prose marked for review.

    The answer is a dict. Typed fields (with a ``form``): ``option`` (an id of ``options``),
    ``signal`` (a signal id of the form), ``comparator`` (``>``, ``>=``, ``<``, ``<=``),
    ``threshold`` (a number in the signal's unit, by the one percent rule), ``window_days``
    (``14``, ``"14 days"``, ``"2 weeks"``), ``action`` and ``undo`` (ids of the form),
    ``expiry`` (``YYYY-MM-DD``; ``"never"`` is read, and scored as no expiry), and in a liability
    memo ``bearer_<error>`` / ``recourse_<error>``, in a trade-off memo ``traded_away`` /
    ``trade_measure``. Prose fields (``fields`` plus ``extra_fields``, and ``notes``): free text,
    stored in full, never machine-scored. Ids may be given by their label; an empty field is
    allowed (it scores 0), an empty memo is not.

    With a ``memo_key`` (practice mode, or rebuilt from the instructor's key) every typed field
    earns 0..1 against the key; the automatic part is their mean minus
    :data:`CONTRADICTION_PENALTY` per contradiction (an expiry in the past, beyond the horizon
    or never; a threshold on the wrong side of the baseline; ``cannot_undo`` beside a reversible
    option; an action that repeats the memo's own option), floored at 0. Without one it records.

    Parameters
    ----------
    id, prompt
        See :class:`Question`.
    form : MemoForm or dict, optional
        The typed fields' choices (the same for every variant). None: a prose-only memo.
    memo_key : MemoKey, dict or callable, optional
        This case's key, or a callable returning it (computed on first use); None in graded
        mode (and in keys written before typed fields).
    options : dict of str to str, optional
        The scenario's decision options (id -> label) the ``option`` field offers; defaults to
        the options the key knows (``memo_key.reversible``). Required with a ``form``.
    fields : dict of str to str, optional
        Prose field id -> label; defaults to :data:`MEMO_FIELDS`.
    extra_fields : dict of str to str
        Scenario-specific prose fields, id -> label.
    hints, solution
        See :class:`Question`.

    Examples
    --------
    >>> from pmcourse.answers.memo_case import SignalKey
    >>> form = MemoForm(signals={"override_rate": ("Daily override rate", "%"),
    ...                          "nps": ("Quarterly NPS", "points")},
    ...                 actions={"revert": "Revert the feature", "keep": "Keep it"},
    ...                 undo={"flag": "Turn the flag off", "cannot_undo": "It cannot be undone"})
    >>> key = MemoKey(decision="ship", partial={}, reversible={"ship": True, "hold": True},
    ...               undo_ok={"ship": ("flag",), "hold": ("flag",)},
    ...               on_trigger={"ship": ("revert",), "hold": ("keep",)},
    ...               signals={"override_rate": SignalKey(4.0, 0.8, 9.0, 1),
    ...                        "nps": SignalKey(40, 5, 30, 90, detects=False)},
    ...               decided_on="2026-03-02", horizon_days=90)
    >>> memo = Memo("memo", "Write the memo", form=form, memo_key=key,
    ...             options={"ship": "Ship it", "hold": "Hold it"})
    >>> memo.score({"option": "ship", "signal": "override_rate", "comparator": ">",
    ...             "threshold": "6.5%", "window_days": "7 days", "action": "revert",
    ...             "expiry": "2026-05-01", "undo": "flag",
    ...             "we_trade_away": "Some speed of rollout."})
    1.0
    >>> memo.score({"option": "ship", "expiry": "never", "undo": "cannot_undo"})
    0.0

    Introduced in notebooks/00-orientation.ipynb.
    """

    type = "memo"
    scoring = (
        "the typed fields (option, kill signal, threshold, window, action, expiry, undo, and "
        "who bears each error or what is traded away where the case asks) are each checked "
        "against this case's numbers and averaged, minus 0.25 per contradiction; the prose is "
        "stored in full and goes to review (self-assessed in practice, scored by people in a "
        "cohort), never scored by the machine"
    )
    key_fields = ("fields", "extra_fields", "form", "memo_key", "options")
    takes_answer = False

    def __init__(
        self,
        id,
        prompt,
        *,
        form=None,
        memo_key=None,
        options=None,
        fields=None,
        extra_fields=None,
        hints=(),
        solution="",
    ):
        super().__init__(id, prompt, hints=hints, solution=solution)
        self.fields = check_labels(
            MEMO_FIELDS if fields is None else fields, f"fields of {id!r}", 1
        )
        self.extra_fields = check_labels(extra_fields or {}, f"extra_fields of {id!r}", 0)
        self._form = as_form(form)
        # a callable key is computed on first use (building a case's questions stays cheap)
        self._key_source = memo_key if callable(memo_key) else None
        self._memo_key = None if callable(memo_key) else as_key(memo_key)
        if options is None and self._memo_key is not None:
            options = {o: o for o in self._memo_key.reversible}
        self.options = check_labels(options or {}, f"options of {id!r}", 0)
        if self._form is not None and not self.options:
            raise InputError(
                f"memo {id!r}: a memo with a form needs options (the scenario's decision ids "
                "and labels) for its option field."
            )
        self.typed = typed_fields(self._form) if self._form is not None else {}
        ids = [*self.fields, *self.extra_fields, *self.typed, "notes"]
        if len(set(ids)) != len(ids) or "notes" in self.fields or "notes" in self.extra_fields:
            raise InputError(
                f"memo {id!r}: field ids must be distinct, not 'notes' and not a typed field "
                f"({', '.join(self.typed) or 'none'})."
            )
        if self._memo_key is not None and self._form is not None:
            self._check_key_matches_form()
        self._expected = None

    def _key(self) -> MemoKey | None:
        """This case's key, computing it first if it was given as a callable."""
        if self._key_source is not None:
            source, self._key_source = self._key_source, None
            self._memo_key = as_key(source())
            if self._memo_key is not None and self._form is not None:
                self._check_key_matches_form()
        return self._memo_key

    def _check_key_matches_form(self) -> None:
        form, key = self._form, self._memo_key
        faults = []
        missing = sorted(set(form.signals) - set(key.signals))
        if missing:
            faults.append(f"the key lacks the form's signals {missing}")
        if key.decision not in self.options:
            faults.append(f"the key's decision {key.decision!r} is not an option")
        if sorted(key.errors) != sorted(form.errors):
            faults.append(f"the key's errors {sorted(key.errors)} differ from the form's")
        if form.trade_off and (key.traded is None or key.trade_value is None):
            faults.append("a trade-off form needs the key's traded and trade_value")
        if faults:
            raise InputError(f"memo {self.id!r}: " + "; ".join(faults) + ".")

    # ---- what the key and the form say ----------------------------------------------------

    @property
    def form(self) -> MemoForm | None:
        """The typed fields' choices (None: a prose-only memo)."""
        return self._form

    @property
    def memo_key(self) -> MemoKey | None:
        """This case's key (None in graded mode or in a key written before typed fields);
        hidden once a practice session has sealed the question."""
        if getattr(self, "_sealed", False):
            raise TruthHiddenError(
                f"The key of memo {self.id!r} stays hidden; once you have answered it, "
                f"session.model_memo({self.id!r}) shows a model memo for this case."
            )
        return self._key()

    @property
    def has_key(self) -> bool:
        # a key still to be computed counts: building it is deferred, not absent
        return self._key_source is not None or self._memo_key is not None

    @property
    def required(self) -> dict[str, str]:
        """Every prose field id -> label (``fields`` plus ``extra_fields``)."""
        return {**self.fields, **self.extra_fields}

    @property
    def all_fields(self) -> list[str]:
        """Every field id of an answer, typed first, then prose, then ``notes``."""
        return [*self.typed, *self.required, "notes"]

    def _key_params(self):
        return {
            "fields": self.fields,
            "extra_fields": self.extra_fields,
            "form": None if self._form is None else self._form.to_dict(),
            "memo_key": None if self._key() is None else self._key().to_dict(),
            "options": self.options,
        }

    # ---- reading an answer ----------------------------------------------------------------

    def _choice(self, field: str, text: Any, mapping: Mapping[str, str], what: str) -> str:
        shown = as_short_text(text, field, what)
        found, _ = match_id(shown, mapping)
        if found is None:
            raise RejectedInputError(
                field,
                f"{field}: {shown[:40]!r} is not offered; choose one of {list_ids(mapping)}.",
            )
        return found

    def _read_typed(self, name: str, raw: Any, unit: str = "%") -> Any:
        """One typed field in canonical form; ``unit`` is the chosen signal's (for a threshold)."""
        form = self._form
        if name == "option":
            return self._choice(name, raw, self.options, "an option id")
        if name == "signal":
            labels = {sid: label for sid, (label, _) in form.signals.items()}
            return self._choice(name, raw, labels, "a signal id")
        if name == "comparator":
            return parse_comparator(raw, name)
        if name == "threshold":
            return parse_threshold(raw, unit, name)[0]
        if name == "window_days":
            return parse_window_days(raw, name)
        if name == "action":
            return self._choice(name, raw, form.actions, "an action id")
        if name == "undo":
            return self._choice(name, raw, form.undo, "an undo id")
        if name == "expiry":
            return _read_date(raw, name)
        if name.startswith("bearer_"):
            return self._choice(name, raw, form.parties, "a party id")
        if name.startswith("recourse_"):
            return self._choice(name, raw, form.recourse, "a recourse id")
        if name == "traded_away":
            return self._choice(name, raw, form.tradeoff, "an id of what is traded away")
        return parse_threshold(raw, form.trade_unit, name)[0]  # trade_measure

    def _normalize(self, value):
        allowed = self.all_fields
        if not isinstance(value, Mapping):
            raise RejectedInputError(
                "memo",
                f"memo: expected a dict of field -> value with fields {allowed}, "
                f"got {describe(value)}.",
            )
        for key in value:
            if key not in allowed:
                field = field_name(key, "memo")
                raise RejectedInputError(
                    field,
                    f"{'memo: ' if field == 'memo' else ''}{describe(key)} is not a memo field; "
                    f"the fields are {allowed}.",
                )
        canonical: dict[str, Any] = {}
        for name in self.typed:
            raw = value.get(name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                canonical[name] = None
                continue
            # a threshold is read in the unit of the signal chosen beside it (% without one)
            signal = canonical.get("signal")
            unit = self._form.signals[signal][1] if signal else "%"
            canonical[name] = self._read_typed(name, raw, unit)
        for key in [*self.required, "notes"]:
            text = value.get(key)
            if text is None:
                text = ""
            if not isinstance(text, str):
                raise RejectedInputError(key, f"{key}: expected text, got {describe(text)}.")
            if len(text) > MAX_TEXT_CHARS:
                raise RejectedInputError(
                    key, f"{key} is too long ({len(text)} characters); at most {MAX_TEXT_CHARS}."
                )
            canonical[key] = text.strip()
        if not any(v not in (None, "") for v in canonical.values()):
            first = next(iter(self.typed or self.required))
            raise RejectedInputError(
                first,
                f"memo is empty: fill in the fields {list(self.typed) + list(self.required)}.",
            )
        return {key: canonical[key] for key in allowed}, ""

    # ---- scoring the typed fields ---------------------------------------------------------

    def _checks(self, canonical: dict[str, Any]) -> list[MemoCheck]:
        if self._key() is None or self._form is None:
            return []
        return MemoChecker(self._form, self._memo_key, self.options).checks(canonical)

    def _score(self, canonical):
        return score_checks(self._checks(canonical))

    def checks(self, value: Any) -> list[MemoCheck]:
        """How each typed field of ``value`` holds up against the key (empty without a key).

        Raises
        ------
        InputError
            When ``value`` is not a readable memo (the message names the field).

        Examples
        --------
        >>> Memo("memo", "Write it").checks({"notes": "prose only"})
        []
        """
        canonical, _ = self._normalize(value)
        return self._checks(canonical)

    def score(self, value: Any) -> float:
        """The automatic part in [0, 1] (0.0 when invalid, and when there is no key to score
        against: such a memo's score comes from review; see :meth:`auto_score`).

        Examples
        --------
        >>> Memo("memo", "Write it").score({"we_trade_away": "recall"})
        0.0
        """
        if not self.has_key:
            return 0.0
        return super().score(value)

    def auto_score(self, value: Any) -> float | None:
        """The automatic part, or None when this memo has no key (it awaits review).

        Examples
        --------
        >>> Memo("memo", "Write it").auto_score({"we_trade_away": "recall"}) is None
        True
        """
        return self.score(value) if self.has_key and self._form is not None else None

    # ---- feedback -------------------------------------------------------------------------

    def _filled(self, canonical) -> tuple[list[str], list[str]]:
        typed = [k for k in self.typed if canonical.get(k) is None]
        prose = [k for k in self.required if not canonical.get(k)]
        return typed, prose

    def _explain(self, canonical, score):
        checks = self._checks(canonical)
        lines = [f"Automatic part (typed fields, checked against this case): {score:.2f}."]
        off = [ch for ch in checks if ch.credit < 1 - EPS or ch.contradiction]
        lines += [f"- {ch.message}" for ch in checks]
        contradictions = [ch.contradiction for ch in checks if ch.contradiction]
        if contradictions:
            lines.append(
                f"Contradictions (−{CONTRADICTION_PENALTY:g} each): "
                + "; ".join(contradictions)
                + "."
            )
        lines.append(self._review_line(canonical))
        return "\n".join(lines), (off[0].field if off else None)

    def _review_line(self, canonical) -> str:
        _, empty = self._filled(canonical)
        text = "Prose: stored in full and marked for review (no machine scores it)."
        if empty:
            text += f" Still empty: {', '.join(empty)}."
        return text

    def _judge(self, canonical, note):
        if self.has_key and self._form is not None:
            return super()._judge(canonical, note)
        typed, prose = self._filled(canonical)
        empty = typed + prose
        graded = getattr(self._log, "mode", None) == "graded"
        if graded:
            message = f"Recorded: {self._summary(canonical)}; it will be judged after you submit."
        else:
            message = (
                f"Recorded for review: {self._summary(canonical)}. This memo has no typed "
                "fields scored against the case, so it has no automatic score; its prose "
                "awaits review."
            )
        if empty:
            # structure, not correctness: saying a field is empty leaks nothing
            message += f" Still empty: {', '.join(empty)}."
        return Feedback(True, None, None, message, empty[0] if empty else None)

    def _summary(self, canonical):
        typed, prose = self._filled(canonical)
        text = f"memo with {len(self.required) - len(prose)} of {len(self.required)} prose fields"
        if self.typed:
            text += f" and {len(self.typed) - len(typed)} of {len(self.typed)} typed fields"
        return text + " filled"

    # ---- practice: the model memo and the self-assessment ----------------------------------

    def model_answer(self) -> dict[str, Any]:
        """The model memo for this case (practice mode, once the memo has been answered).

        Raises
        ------
        TruthHiddenError
            In graded mode, without a key, or before the memo is answered.

        Examples
        --------
        >>> Memo("memo", "Write it").model_answer()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        pmcourse.exceptions.TruthHiddenError: Memo 'memo' has no key ...
        """
        if self._key() is None or self._form is None:
            raise TruthHiddenError(
                f"Memo {self.id!r} has no key in this notebook (graded mode, or a memo without "
                "typed fields): there is no model memo to show."
            )
        if getattr(self, "_sealed", False) and self.last_answer() is None:
            raise TruthHiddenError(
                f"The model memo of {self.id!r} appears once you have answered the memo."
            )
        return model_memo(
            self._form,
            self._key(),
            fields=self.fields,
            extra_fields=self.extra_fields,
            options=self.options,
        )

    def self_assess(self, ticks: Any) -> Feedback:
        """Log the learner's own ticks of :data:`~pmcourse.answers.memo_case.RUBRIC` lines.

        ``ticks`` maps rubric line ids to 0/1 (or False/True); lines left out count 0. The
        event is a ``self_assessment`` with value ``{line id: 0 or 1}`` for every line. Never
        raises: a bad tick comes back as feedback naming the accepted ids.

        Examples
        --------
        >>> memo = Memo("memo", "Write it")
        >>> memo.self_assess({"falsifiable": 1, "reversibility": True}).message
        'Self-assessment saved: 2 of 6 rubric lines ticked.'
        >>> memo._log.events[-1]["value"]["falsifiable"]
        1
        """
        ids = [line.id for line in RUBRIC]
        if not isinstance(ticks, Mapping):
            return Feedback(
                False, None, None, f"self-assessment: expected a dict of {ids} -> 0 or 1.", None
            )
        value = dict.fromkeys(ids, 0)
        for line, tick in ticks.items():
            if line not in ids:
                return Feedback(
                    False,
                    None,
                    None,
                    f"self-assessment: {describe(line)} is not a rubric line; the lines are {ids}.",
                    None,
                )
            if tick not in (0, 1) or (isinstance(tick, float) and tick not in (0.0, 1.0)):
                return Feedback(
                    False,
                    None,
                    None,
                    f"self-assessment: {line} must be 0 or 1 (or False/True), got {describe(tick)}.",
                    None,
                )
            value[line] = int(bool(tick))
        message = f"Self-assessment saved: {sum(value.values())} of {len(ids)} rubric lines ticked."
        warning = self._safe_record(
            "self_assessment", value, None, {"valid": True, "message": message}
        )
        return Feedback(True, None, None, message + (f"\n\n{warning}" if warning else ""), None)


def _read_date(raw: Any, field: str) -> str:
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    text = as_short_text(raw, field, "a date as YYYY-MM-DD")
    if text.casefold().rstrip(".!") in _NEVER:
        return "never"
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise RejectedInputError(
            field,
            f"{field}: cannot read {text[:40]!r} as a date; give it as YYYY-MM-DD "
            "(e.g. 2026-04-30).",
        ) from None
