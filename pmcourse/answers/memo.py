"""The judgment memo and the heuristics that score its structure (never its wisdom).

The decidable parts are checked against simple, stated patterns: a concrete revisit time, a
measurable detection signal, a named reversal mechanism. The prose is stored in full for people.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from pmcourse.answers.feedback import describe
from pmcourse.answers.parsing import MAX_TEXT_CHARS, RejectedInputError, check_labels, field_name
from pmcourse.answers.questions import Question
from pmcourse.exceptions import InputError

__all__ = ["Memo", "MEMO_FIELDS"]

#: The five fields every judgment memo must fill, with the label a widget shows.
MEMO_FIELDS: dict[str, str] = {
    "we_trade_away": "What we trade away",
    "who_bears_the_cost": "Who bears the cost",
    "how_we_detect_failure": "How we detect failure (a measurable signal)",
    "how_we_undo_it": "How we undo it (the reversal path and what it costs)",
    "when_we_revisit": "When we revisit (a date or a number of days)",
}

_REVISIT = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b"  # ISO date
    r"|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"  # 12/03/2026
    r"|\b\d+\s*(?:business\s+|working\s+|calendar\s+)?(?:days?|d|weeks?|wks?|months?|quarters?|sprints?)\b"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen|thirty|ninety)\s+"
    r"(?:days?|weeks?|months?|sprints?)\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
    r"|\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b"
    r"|\bq[1-4]\s*\d{4}\b",
    re.IGNORECASE,
)
_MEASURABLE = re.compile(
    r"\d|%|\b(?:rate|ratio|share|count|number of|percent|percentage|p50|p90|p95|p99|latency|"
    r"retention|churn|conversion|ctr|click|complaints?|tickets?|overrides?|errors?|accuracy|"
    r"precision|recall|false positives?|false negatives?|revenue|chargebacks?|refunds?|"
    r"sessions?|dau|wau|mau|usage|regret|nps|csat|threshold|alert|dashboard|metric)\b",
    re.IGNORECASE,
)
_MECHANISM = re.compile(
    r"\b(?:feature[- ]?flags?|flags?|toggles?|kill[- ]?switch(?:es)?|roll(?:ing)?[- ]?back|rollbacks?|"
    r"revert(?:ing)?|previous (?:model|version|release)|fallbacks?|fall back|disable|switch(?:ing)? off|"
    r"turn(?:ing)? off|config(?:uration)?|canary|redeploy|restore|re-?enable|opt[- ]?out|"
    r"manual review|human review|retrain(?:ing)?|pin(?:ning)? the model|shadow mode|holdback|"
    r"rollout|ramp down)\b",
    re.IGNORECASE,
)
_MIN_WORDS = 3


class Memo(Question):
    """The judgment memo: five required fields plus free-text notes, scored on structure.

    Four checks, each worth a quarter: every required field is filled (at least three words;
    partial credit per field), ``when_we_revisit`` is a concrete time (a date or a number of
    days/weeks/months), ``how_we_detect_failure`` names a measurable signal (a metric or a
    number), and ``how_we_undo_it`` names a reversal mechanism (a flag, a rollback, a previous
    model...). The memo is stored in full for the instructor. A memo has no single right answer,
    so it can be scored without a key; in graded mode it is only recorded.

    Parameters
    ----------
    id, prompt
        See :class:`Question`.
    fields : dict of str to str, optional
        Required field id -> label; defaults to :data:`MEMO_FIELDS`.
    extra_fields : dict of str to str
        Scenario-specific required fields, id -> label.
    hints, solution
        See :class:`Question`.

    Examples
    --------
    >>> memo = Memo("memo", "Write the memo")
    >>> memo.score({"we_trade_away": "some recall on rare intents",
    ...             "who_bears_the_cost": "new freelancers sending cross-border invoices",
    ...             "how_we_detect_failure": "false positive rate above 2% in the weekly audit",
    ...             "how_we_undo_it": "turn the feature flag off, costs one deploy",
    ...             "when_we_revisit": "in 30 days, on 2026-03-01"})
    1.0

    Introduced in notebooks/00-orientation.ipynb.
    """

    type = "memo"
    scoring = (
        "structure: every required field filled, revisit is a concrete time, detection names a "
        "measurable signal, the reversal names a mechanism; 1/4 each"
    )
    key_fields = ("fields", "extra_fields")
    takes_answer = False

    def __init__(self, id, prompt, *, fields=None, extra_fields=None, hints=(), solution=""):
        super().__init__(id, prompt, hints=hints, solution=solution)
        self.fields = check_labels(
            MEMO_FIELDS if fields is None else fields, f"fields of {id!r}", 1
        )
        self.extra_fields = check_labels(extra_fields or {}, f"extra_fields of {id!r}", 0)
        overlap = set(self.fields) & set(self.extra_fields)
        if overlap or "notes" in self.fields or "notes" in self.extra_fields:
            raise InputError(f"memo {id!r}: field ids must be distinct and not 'notes'.")
        self._expected = None

    @property
    def has_key(self) -> bool:
        return True

    @property
    def required(self) -> dict[str, str]:
        """Every required field id -> label (the five, or ``fields``, plus ``extra_fields``)."""
        return {**self.fields, **self.extra_fields}

    def _normalize(self, value):
        allowed = [*self.required, "notes"]
        if not isinstance(value, Mapping):
            raise RejectedInputError(
                "memo",
                f"memo: expected a dict of field -> text with fields {allowed}, "
                f"got {describe(value)}.",
            )
        canonical = {}
        for key, text in value.items():
            if key not in allowed:
                field = field_name(key, "memo")
                raise RejectedInputError(
                    field,
                    f"{'memo: ' if field == 'memo' else ''}{describe(key)} is not a memo field; "
                    f"the fields are {allowed}.",
                )
            if text is None:
                text = ""
            if not isinstance(text, str):
                raise RejectedInputError(key, f"{key}: expected text, got {describe(text)}.")
            if len(text) > MAX_TEXT_CHARS:
                raise RejectedInputError(
                    key, f"{key} is too long ({len(text)} characters); at most {MAX_TEXT_CHARS}."
                )
            canonical[key] = text.strip()
        if not any(canonical.values()):
            raise RejectedInputError(
                next(iter(self.required)),
                f"memo is empty: fill in the fields {list(self.required)}.",
            )
        for key in allowed:
            canonical.setdefault(key, "")
        return {key: canonical[key] for key in allowed}, ""

    def _checks(self, canonical) -> dict[str, float]:
        filled = [len(canonical[k].split()) >= _MIN_WORDS for k in self.required]
        checks = {"complete": sum(filled) / len(filled)}
        if "when_we_revisit" in self.required:
            checks["when_we_revisit"] = float(bool(_REVISIT.search(canonical["when_we_revisit"])))
        if "how_we_detect_failure" in self.required:
            checks["how_we_detect_failure"] = float(
                bool(_MEASURABLE.search(canonical["how_we_detect_failure"]))
            )
        if "how_we_undo_it" in self.required:
            checks["how_we_undo_it"] = float(bool(_MECHANISM.search(canonical["how_we_undo_it"])))
        return checks

    def _score(self, canonical):
        checks = self._checks(canonical)
        return sum(checks.values()) / len(checks)

    def _missing(self, canonical) -> list[str]:
        return [k for k in self.required if len(canonical[k].split()) < _MIN_WORDS]

    def _explain(self, canonical, score):
        checks = self._checks(canonical)
        problems, field = [], None
        missing = self._missing(canonical)
        if missing:
            problems.append(f"fill in {', '.join(missing)} (at least {_MIN_WORDS} words each)")
            field = missing[0]
        reasons = {
            "when_we_revisit": "when_we_revisit should be a concrete time (a date, or 'in 30 days')",
            "how_we_detect_failure": "how_we_detect_failure should name a measurable signal (a metric, a threshold)",
            "how_we_undo_it": "how_we_undo_it should name a mechanism (a flag, a rollback, the previous model)",
        }
        for name, reason in reasons.items():
            if name in checks and checks[name] < 1 and name not in missing:
                problems.append(reason)
                field = field or name
        if not problems:
            return (
                "The memo is complete and concrete. It is stored in full for your instructor.",
                None,
            )
        return "To strengthen the memo: " + "; ".join(problems) + ".", field

    def _judge(self, canonical, note):
        feedback = super()._judge(canonical, note)
        missing = self._missing(canonical)
        if self.mode == "graded" and missing:
            # Structure, not correctness: saying a field is empty leaks nothing.
            return replace(
                feedback,
                message=f"{feedback.message} Still empty or very short: {', '.join(missing)}.",
                field=missing[0],
            )
        return feedback

    def _summary(self, canonical):
        filled = sum(1 for k in self.required if canonical[k])
        return f"memo with {filled} of {len(self.required)} required fields filled"
