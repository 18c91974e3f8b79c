"""A typed memo to test the memo engine with: a fixed form and key, and a small scenario whose
memo key is computed from its own tables (the way a scenario's ``_judge`` module does).

The scenario (``memo_fixture``) stands in for the course's scenarios until their memos are ported
to typed fields; the corpus test runs over it and over every registered scenario with a form.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pmcourse.answers import Memo
from pmcourse.answers.memo_case import MemoError, MemoForm, MemoKey, SignalKey
from pmcourse.scenarios.base import TableDoc
from pmcourse.scenarios.spec import Ask, Cause, Draw, Option, ScenarioSpec, Size

OPTIONS = {
    "ship_to_all": "Ship the suggestions to everyone.",
    "roll_back": "Roll the suggestions back.",
    "keep_watching": "Keep them and watch.",
}

# no position is right in every dropdown: the fast, real signal is first, while the first
# option is never the decision (a memo of first choices everywhere must not pay)
FORM = MemoForm(
    signals={
        "override_rate": ("Daily override rate", "%"),
        "sessions": ("Daily sessions", "sessions"),
        "weekly_nps": ("Weekly NPS", "points"),
        "complaints_per_1k": ("Complaints per 1,000 tasks", "per 1,000 tasks"),
    },
    actions={
        "ship_to_all": "Ship to everyone",
        "roll_back": "Roll the feature back",
        "pause_rollout": "Pause the rollout",
    },
    undo={
        "cannot_undo": "It cannot be undone",
        "flag_off": "Turn the feature flag off",
        "flag_on": "Turn the feature back on",
    },
    errors={
        "false_revert": "We roll back a feature that was fine",
        "missed_harm": "We keep a feature that hurts",
    },
    parties={"team": "The product team", "users": "The users who override", "support": "Support"},
    recourse={
        "none": "None",
        "opt_out": "Turn the suggestions off in settings",
        "ticket": "File a ticket",
    },
    tradeoff={"speed": "Minutes saved per task", "accuracy": "Accuracy", "revenue": "Revenue"},
    trade_unit="minutes per task",
)

ON_TRIGGER = {
    "ship_to_all": ("roll_back", "pause_rollout"),
    "roll_back": ("pause_rollout",),
    "keep_watching": ("roll_back",),
}
UNDO_OK = {"ship_to_all": ("flag_off",), "roll_back": ("flag_on",), "keep_watching": ("flag_off",)}
ERRORS = {
    "false_revert": MemoError("team", "none", "the team loses the 2.1 minutes saved per task"),
    "missed_harm": MemoError("users", "opt_out", "users can switch suggestions off"),
}

#: A fixed key (override rate 4% ± 0.8%, harm at 9%) for the answer-engine tests.
KEY = MemoKey(
    decision="roll_back",
    partial={"keep_watching": 0.25},
    reversible={o: True for o in OPTIONS},
    undo_ok=UNDO_OK,
    on_trigger=ON_TRIGGER,
    signals={
        "sessions": SignalKey(1200, 80, 1200, 1, detects=False, why="sessions do not move"),
        "weekly_nps": SignalKey(41, 6, 38, 7, detects=False, why="a weekly survey of 40 people"),
        "complaints_per_1k": SignalKey(2.0, 0.6, 5.0, 9, why="complaints arrive 9 days late"),
        "override_rate": SignalKey(4.0, 0.8, 9.0, 1, why="logged the same day"),
    },
    decided_on="2026-03-02",
    horizon_days=60,
    errors=ERRORS,
    traded="speed",
    trade_value=2.1,
    trade_tolerance=0.3,
    facts={"override": "Override rate 4.0% before the release, 9.0% after it"},
)

#: A memo that holds up in every typed field, with prose.
GOOD_MEMO = {
    "option": "roll_back",
    "signal": "override_rate",
    "comparator": ">",
    "threshold": "6%",
    "window_days": "7",
    "action": "pause_rollout",
    "expiry": "2026-04-01",
    "undo": "flag_on",
    "bearer_false_revert": "team",
    "recourse_false_revert": "none",
    "bearer_missed_harm": "users",
    "recourse_missed_harm": "opt_out",
    "traded_away": "speed",
    "trade_measure": "2.0",
    "we_trade_away": "some recall on rare intents for fewer false blocks",
    "who_bears_the_cost": "new freelancers sending cross-border invoices",
    "how_we_detect_failure": "false positive rate above 2% in the weekly audit sample",
    "how_we_undo_it": "turn the feature flag off; costs one deploy and a day of review",
    "when_we_revisit": "in 30 days, on 2026-03-01",
    "notes": "free text",
}


def make_memo(with_key: bool = True, **kwargs) -> Memo:
    """The test memo (with the fixed key, or without one as in graded mode)."""
    return Memo(
        kwargs.pop("id", "memo"),
        kwargs.pop("prompt", "Write the judgment memo"),
        form=FORM,
        memo_key=KEY if with_key else None,
        options=OPTIONS,
        **kwargs,
    )


# ---- the fixture scenario -------------------------------------------------------------------

_ONSET = 40


def _generate(rng: np.random.Generator, variant: str, size: Size) -> Draw:
    days = pd.date_range("2026-01-05", periods=size.days, freq="D")
    n = len(days)
    base = rng.uniform(3.0, 6.0)
    sd = rng.uniform(0.25, 0.45)
    effect = rng.uniform(4.0, 7.0)
    lag = int(rng.integers(7, 12))
    after = np.arange(n) >= _ONSET
    since = np.clip(np.arange(n) - _ONSET, 0, None)
    lift = effect * after * (1.0 if variant == "true_degradation" else np.exp(-since / 4))
    override = base + lift + rng.normal(0, sd, n)
    complaints = 2.0 + 0.5 * np.roll(lift, lag) * (np.arange(n) >= _ONSET + lag)
    complaints = complaints + rng.normal(0, 0.15, n)
    daily = pd.DataFrame(
        {
            "date": days,
            "override_rate": override.round(3),
            "complaints_per_1k": complaints.round(3),
            "sessions": rng.poisson(1200, n),
            "weekly_nps": np.where(days.day_of_week == 0, rng.normal(41, 3, n).round(1), np.nan),
            "minutes_saved": (2.0 + rng.normal(0, 0.1, n) * after).round(3),
        }
    )
    timeline = pd.DataFrame(
        {"date": [days[_ONSET]], "event": ["Suggestions v2"], "kind": ["release"], "detail": [""]}
    )
    facts = {"onset": days[_ONSET].date().isoformat(), "lag": lag}
    return Draw({"daily": daily}, timeline, "### Briefing\nOverrides rose.", {}, facts)


def _signal(series: pd.Series, pre: pd.Series, harm: float, delay: float, detects: bool, why=""):
    values = pre.dropna()
    return SignalKey(
        round(float(values.mean()), 4),
        round(float(2 * values.std()), 4),
        round(float(harm), 4),
        delay,
        detects,
        why,
    )


def memo_key(case, truth) -> MemoKey:
    """This case's key, from its tables: baseline and noise before the release, harm after."""
    daily = case.tables["daily"]
    pre = daily["date"] < pd.Timestamp(truth["onset"])
    post = ~pre
    lag = truth["lag"]
    override = daily["override_rate"]
    complaints = daily["complaints_per_1k"]
    peak = float(override[post].head(5).mean())
    late = complaints[post].iloc[lag : lag + 5]
    saved = float(daily["minutes_saved"][post].mean())
    decided = (daily["date"].max() + pd.Timedelta(days=1)).date()
    return MemoKey(
        decision=truth["decision"],
        partial={},
        reversible={o: True for o in OPTIONS},
        undo_ok=UNDO_OK,
        on_trigger=ON_TRIGGER,
        signals={
            "sessions": _signal(daily["sessions"], daily["sessions"][pre], 1200, 1, False),
            "weekly_nps": _signal(daily["weekly_nps"], daily["weekly_nps"][pre], 38, 7, False),
            "complaints_per_1k": _signal(
                complaints, complaints[pre], float(late.mean()), lag, True, f"{lag} days late"
            ),
            "override_rate": _signal(override, override[pre], peak, 1, True, "same day"),
        },
        decided_on=dt.date.isoformat(decided),
        horizon_days=60,
        errors=ERRORS,
        traded="speed",
        trade_value=round(saved, 3),
        trade_tolerance=0.3,
        facts={
            "override": f"override rate {override[pre].mean():.1f}% before, {peak:.1f}% after",
            "complaints": f"complaints arrive {lag} days late",
        },
    )


SPEC = ScenarioSpec(
    name="memo_fixture",
    notebook="97-memo-fixture",
    title="Memo fixture",
    causes=(
        Cause("true_degradation", "The suggestions got worse.", decision="roll_back"),
        Cause("novelty_effect", "Users are trying it out.", decision="keep_watching"),
    ),
    generate=_generate,
    tables={
        "daily": TableDoc(
            "One row per day.",
            {
                "date": ("day", "date"),
                "override_rate": ("override rate", "%"),
                "complaints_per_1k": ("complaints", "per 1,000 tasks"),
                "sessions": ("sessions", "sessions"),
                "weekly_nps": ("weekly NPS (Mondays)", "points"),
                "minutes_saved": ("minutes saved per task", "minutes"),
            },
        )
    },
    naive_reading="It got worse.",
    sizes={s: Size(days=70) for s in ("small", "default", "large")},
    order=("diagnosis", "decision", "decision_memo"),
    tags={
        "diagnosis": ("constraint prioritisation", "failure archaeology"),
        "decision": ("constraint prioritisation", "optionality preservation"),
        "decision_memo": ("feedback velocity", "optionality preservation"),
    },
    decisions=tuple(Option(k, v) for k, v in OPTIONS.items()),
    diagnosis=Ask("Why did overrides rise?"),
    ask_decision=Ask("What now?"),
    memo=Ask(
        "Write the decision memo.",
        id="decision_memo",
        memo_form=FORM,
        memo_key=memo_key,
        extra_fields={"evidence": "The evidence that tells the causes apart"},
    ),
)
SCENARIO = SPEC.build()


def fixture_case(seed: int):
    """One case of the fixture scenario; variants alternate with the seed."""
    variant = SPEC.variants[seed % len(SPEC.variants)]
    return SPEC.make_case(np.random.default_rng(seed), variant, "small")
