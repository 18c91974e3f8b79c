"""What a :mod:`pmcourse.scenarios.perception_vs_behaviour` case's tables show, and the feedback
built on it.

:func:`compute_window_facts` and :func:`case_facts` read every number the questions and evidence
statements check from the tables (so a graded copy gives the same numbers); the ``not_*`` helpers
answer a wrong decision with the fact of this case that rules it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from pmcourse.answers import Hint
from pmcourse.answers.memo_case import MemoForm, MemoKey, SignalKey
from pmcourse.diagnose import compare_windows
from pmcourse.scenarios._perception_vs_behaviour_draw import SURFACES

__all__ = [
    "BASELINE_WEEKS",
    "MEMO_FORM",
    "REVIEW_DAYS",
    "RECENT_WEEKS",
    "case_facts",
    "compute_window_facts",
    "memo_key",
    "not_audit",
    "not_fix_model",
    "not_normalise",
    "not_respond",
    "not_switch_off",
    "times",
    "tolerance_and_wrong_values",
    "weekly_signals",
]

Facts = Mapping[str, Any]
#: Baseline and comparison windows the questions use (whole weeks, counted from the data's ends).
BASELINE_WEEKS = 8
RECENT_WEEKS = 6


def compute_window_facts(
    feedback: pd.DataFrame, retention: pd.DataFrame, exposure: pd.DataFrame, group: str
) -> dict[str, float]:
    """Baseline-vs-recent numbers for one name group, exactly as the notebook's questions word them.

    Baseline = the first 8 weeks, recent = the last 6 weeks. A window's exposures are the mean
    daily exposures over its logged days (lost log days excluded, not counted as 0) times its days.

    Parameters
    ----------
    feedback, retention, exposure : DataFrame
        The case's ``feedback_weekly``, ``retention_weekly`` and ``feedback_exposure`` tables.
    group : str
        A ``name_group`` value, e.g. ``"female-coded"``.

    Returns
    -------
    dict of str to float
        Per window (``baseline_*``, ``recent_*``): complaints, exposures, complaints per 1,000
        exposures and exit rate; and the ratios recent / baseline: ``complaint_ratio`` (weekly
        counts), ``exposure_ratio`` (weekly exposures), ``per_exposure_ratio`` and ``exit_ratio``.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("perception_vs_behaviour", seed=3, variant="new_feedback_surface").tables
    >>> f = compute_window_facts(t["feedback_weekly"], t["retention_weekly"],
    ...                          t["feedback_exposure"], "female-coded")
    >>> f["exposure_ratio"] > 1.5, 0.7 < f["per_exposure_ratio"] < 1.3
    (True, True)

    Introduced in notebooks/05-perception-vs-behaviour.ipynb.
    """
    weeks = pd.DatetimeIndex(sorted(feedback["week_start"].unique()))
    n_weeks = len(weeks)
    base_end = weeks[BASELINE_WEEKS - 1] + pd.Timedelta(days=6)
    recent_start = weeks[n_weeks - RECENT_WEEKS]
    first, last = weeks[0], weeks[-1] + pd.Timedelta(days=6)
    windows = {"baseline": (first, base_end), "recent": (recent_start, last)}

    fb = feedback[feedback["name_group"] == group]
    # a day's exposures count only when every surface logged it (lost log days stay NaN)
    daily = (
        exposure[exposure["name_group"] == group]
        .groupby("date")["exposures"]
        .sum(min_count=len(SURFACES))
        .astype(float)
        .reset_index()
    )
    mean_exposures = compare_windows(
        daily, baseline=windows["baseline"], current=windows["recent"], numerator="exposures"
    ).total
    exit_rate = compare_windows(
        retention[retention["name_group"] == group],
        baseline=windows["baseline"],
        current=windows["recent"],
        numerator="exits",
        denominator="active_accounts",
        date="week_start",
    ).total
    out = {}
    for name, (lo, hi) in windows.items():
        days = (hi - lo).days + 1
        per_day = mean_exposures.baseline if name == "baseline" else mean_exposures.current
        exp = per_day * days
        in_window = (fb["week_start"] >= lo) & (fb["week_start"] <= hi)
        comp = float(fb.loc[in_window, "tone_complaints"].sum())
        out[f"{name}_complaints"] = comp
        out[f"{name}_exposures"] = exp
        out[f"{name}_per_1000"] = comp / exp * 1000
        out[f"{name}_exit_rate"] = exit_rate.baseline if name == "baseline" else exit_rate.current
    out["complaint_ratio"] = (
        out["recent_complaints"] / out["baseline_complaints"] * BASELINE_WEEKS / RECENT_WEEKS
    )
    out["exposure_ratio"] = (out["recent_exposures"] / RECENT_WEEKS) / (
        out["baseline_exposures"] / BASELINE_WEEKS
    )
    out["per_exposure_ratio"] = out["recent_per_1000"] / out["baseline_per_1000"]
    out["exit_ratio"] = out["recent_exit_rate"] / out["baseline_exit_rate"]
    return out


def case_facts(
    feedback: pd.DataFrame, retention: pd.DataFrame, exposure: pd.DataFrame
) -> dict[str, float]:
    """The case's facts: female-coded window ratios, the male-coded comparison, wrong readings.

    Parameters
    ----------
    feedback, retention, exposure : DataFrame
        The case's ``feedback_weekly``, ``retention_weekly`` and ``feedback_exposure`` tables.

    Returns
    -------
    dict of str to float
        The ratios of :func:`compute_window_facts` for female-coded names, the male-coded exit
        ratio, ``exit_gap`` (female exit ratio over male), ``sentiment_change`` (recent minus
        baseline mean survey score, female-coded) and the known wrong readings of the two numeric
        questions: ``per_exposure_lost_as_zero`` (exposures summed with lost days as 0) and
        ``exit_count_ratio`` (raw exits per week, not a rate).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> t = load_case("perception_vs_behaviour", seed=3, variant="silent_behaviour_churn").tables
    >>> f = case_facts(t["feedback_weekly"], t["retention_weekly"], t["feedback_exposure"])
    >>> f["exit_gap"] > 1.2, abs(f["per_exposure_ratio"] - 1) < 0.2
    (True, True)
    """
    f = compute_window_facts(feedback, retention, exposure, "female-coded")
    m = compute_window_facts(feedback, retention, exposure, "male-coded")
    weeks = pd.DatetimeIndex(sorted(feedback["week_start"].unique()))
    base_weeks, recent_weeks = weeks[:BASELINE_WEEKS], weeks[-RECENT_WEEKS:]
    fb = feedback[feedback["name_group"] == "female-coded"]
    rt = retention[retention["name_group"] == "female-coded"]
    ex = exposure[exposure["name_group"] == "female-coded"]
    six = pd.Timedelta(days=6)

    def in_weeks(df, col, w):
        return df[df[col].between(w[0], w[-1] + six)]

    # the confusion the hint warns of: a lost log day summed as zero exposures
    zero_base = in_weeks(ex, "date", base_weeks)["exposures"].fillna(0).sum()
    zero_recent = in_weeks(ex, "date", recent_weeks)["exposures"].fillna(0).sum()
    per_zero = (f["recent_complaints"] / zero_recent) / (f["baseline_complaints"] / zero_base)
    exits = {
        k: in_weeks(rt, "week_start", w)["exits"].sum() / len(w)
        for k, w in (("base", base_weeks), ("recent", recent_weeks))
    }
    sentiment = {
        k: in_weeks(fb, "week_start", w)["mean_sentiment"].mean()
        for k, w in (("base", base_weeks), ("recent", recent_weeks))
    }
    return {
        "complaint_count_ratio": round(f["complaint_ratio"], 4),
        "per_exposure_ratio": round(f["per_exposure_ratio"], 4),
        "exposure_ratio": round(f["exposure_ratio"], 4),
        "exit_rate_ratio": round(f["exit_ratio"], 4),
        "exit_rate_ratio_male": round(m["exit_ratio"], 4),
        "recent_per_1000": round(f["recent_per_1000"], 4),
        "exit_gap": round(f["exit_ratio"] / m["exit_ratio"], 4),
        "sentiment_change": round(float(sentiment["recent"] - sentiment["base"]), 4),
        "per_exposure_lost_as_zero": round(float(per_zero), 4),
        "exit_count_ratio": round(float(exits["recent"] / exits["base"]), 4),
    }


def times(x: float) -> str:
    """A ratio as the learner reads it.

    Examples
    --------
    >>> times(1.234)
    '1.23 times'
    """
    return f"{x:.2f} times"


def tolerance_and_wrong_values(
    expected: float | None, tolerance: float, wrong: Mapping[str, float]
) -> tuple[float, dict[str, float]]:
    """A relative tolerance tighter than the nearest known wrong value, and the wrong values.

    The tolerance shrinks to a third of the (relative) distance to the nearest wrong value; a
    wrong value within twice ``tolerance`` is, in this case, the answer up to rounding (the
    confusion changes nothing that matters) and is left out.

    Examples
    --------
    >>> tolerance_and_wrong_values(2.0, 0.02, {"raw count": 2.9, "inverse": 0.5})
    (0.02, {'raw count': 2.9, 'inverse': 0.5})
    >>> tolerance_and_wrong_values(1.0, 0.02, {"inverse": 1.0001, "male": 1.05})
    (0.016667, {'male': 1.05})
    """
    if expected is None:
        return tolerance, {}
    scale = abs(expected)
    kept = {k: float(v) for k, v in wrong.items() if abs(v - expected) / scale > 2 * tolerance}
    if kept:
        nearest = min(abs(v - expected) / scale for v in kept.values())
        tolerance = min(tolerance, round(nearest / 3, 6))
    return tolerance, kept


def _rates(t: Facts) -> str:
    return (
        f"complaints per 1,000 exposures went {times(t['per_exposure_ratio'])} and the "
        f"female-coded exit rate {times(t['exit_gap'])} the male-coded one's change"
    )


def not_fix_model(t: Facts) -> str:
    """Why fixing the model is wrong in the case with truth ``t``, with its numbers."""
    cause = t["cause"]
    if cause == "real_deference_problem":
        return (
            "The tone model is frozen until next month: it can be neither rolled back nor "
            f"retrained, while exits already went {times(t['exit_gap'])} the male-coded change."
        )
    if cause == "silent_behaviour_churn":
        return (
            f"Exits rose ({times(t['exit_gap'])} the male-coded change) but complaints per "
            f"exposure went {times(t['per_exposure_ratio'])}: nobody has said what drives them "
            "away, and a retrain would guess."
        )
    return (
        f"Nothing says the model changed what users do: {_rates(t)}; a rollback answers a defect "
        "the data do not show."
    )


def not_switch_off(t: Facts) -> str:
    """Why switching the rewrite off is wrong in the case with truth ``t``, with its numbers."""
    if t["cause"] == "real_deference_problem":
        return (
            "Second best: it stops the harm, but the model can be rolled back this week and keep "
            f"the feature for everyone; exits went {times(t['exit_gap'])} the male-coded change."
        )
    return f"Switching the feature off for everyone answers a defect the data do not show: {_rates(t)}."


def not_respond(t: Facts) -> str:
    """Why a public response and a watch is wrong in the case with truth ``t``, with its numbers."""
    cause = t["cause"]
    if cause == "vocal_perception_event":
        return (
            "Second best: nobody outside has asked, and a statement draws attention to a rise "
            f"the audit should explain first (complaints per exposure {times(t['per_exposure_ratio'])})."
        )
    if cause == "new_feedback_surface":
        return (
            "There is nothing to acknowledge: complaints per 1,000 exposures went "
            f"{times(t['per_exposure_ratio'])} while the control was shown "
            f"{times(t['exposure_ratio'])} as often."
        )
    if cause == "silent_behaviour_churn":
        return (
            "Watching exits is too late: the female-coded exit rate already went "
            f"{times(t['exit_gap'])} the male-coded change, with complaints per exposure at "
            f"{times(t['per_exposure_ratio'])}; find out why they leave."
        )
    if t["constraint"] == "model_frozen":
        return (
            "Second best: the model is frozen, but the flag can stop the rewrites now, and exits "
            f"already followed the complaints ({times(t['exit_gap'])} the male-coded change)."
        )
    return (
        "Acknowledging is not enough: exits already followed the complaints "
        f"({times(t['exit_gap'])} the male-coded change) and the model can be rolled back this "
        "week."
    )


def not_normalise(t: Facts) -> str:
    """Why fixing the dashboard is wrong in the case with truth ``t``, with its numbers."""
    if t["cause"] == "silent_behaviour_churn":
        return (
            "The dashboard is not the problem: complaints per exposure went "
            f"{times(t['per_exposure_ratio'])}, but the female-coded exit rate went "
            f"{times(t['exit_gap'])} the male-coded change."
        )
    return (
        "The rate moved, not only the count: complaints per 1,000 exposures went "
        f"{times(t['per_exposure_ratio'])} while exposures went {times(t['exposure_ratio'])}."
    )


def not_audit(t: Facts) -> str:
    """Why staying silent to audit is wrong in the case with truth ``t``, with its numbers."""
    cause = t["cause"]
    if cause == "vocal_perception_event":
        return (
            "Second best: the audit is right, but the journalist publishes on Friday and silence "
            "lets the story speak for you; complaints per exposure went "
            f"{times(t['per_exposure_ratio'])} and deserve an answer."
        )
    if cause == "new_feedback_surface":
        return (
            "There is nothing to audit: complaints per 1,000 exposures went "
            f"{times(t['per_exposure_ratio'])} while the control was shown "
            f"{times(t['exposure_ratio'])} as often; the count rose because more people were asked."
        )
    return (
        f"The audit's question is answered: {_rates(t)}; perception came first and behaviour "
        "followed, so act now."
    )


#: Days from the briefing's date to the trust review it names ("eight weeks from today").
REVIEW_DAYS = 56

#: The memo's typed fields, the same in every variant: what users say (raw and per exposure) and
#: do (exits) for female-coded names, and three decoys (volumes that move with the week, with
#: sign-ups or with where the feedback control is shown). No choice's position in one list matches
#: its partner's in another.
MEMO_FORM = MemoForm(
    signals={
        "raw_complaints": ("Tone complaints per week, female-coded names", "complaints/week"),
        "drafts_rewritten": ("Drafts the assistant rewrote per week, all users", "drafts/week"),
        "other_feedback": ("Other feedback submissions per week, female-coded names", "per week"),
        "complaints_per_exposure": (
            "Tone complaints per 1,000 feedback exposures, female-coded names (weekly)",
            "complaints per 1,000 exposures",
        ),
        "exit_rate": (
            "Account exits per 1,000 active accounts, female-coded names (weekly)",
            "exits per 1,000 accounts",
        ),
        "exposures": (
            "Feedback control exposures per week, female-coded names",
            "exposures/week",
        ),
    },
    actions={
        "roll_back_model": "Roll the tone model back to its previous version",
        "switch_off": "Switch the tone rewrite off for everyone by its flag",
        "reopen": "Reopen the investigation: audit outputs and interview users",
        "keep_course": "Keep the current plan unchanged",
        "public_update": "Publish an update to our public statement",
    },
    undo={
        "flag_on": "Turn the tone rewrite flag back on",
        "previous_model": "Redeploy the tone model version we replaced",
        "nothing_shipped": "Nothing changed in production: close the audit",
        "cannot_undo": "It cannot be undone: a published statement stays published",
        "old_dashboard": "Show the raw complaint count on the dashboard again",
    },
)
_UNDO = {
    "fix_the_model": ("previous_model",),
    "switch_off_rewrites": ("flag_on",),
    "respond_and_monitor": ("cannot_undo",),
    "normalise_the_metric": ("old_dashboard",),
    "audit_and_interview": ("nothing_shipped",),
}
_ON_TRIGGER = {
    "fix_the_model": ("switch_off", "reopen"),
    "switch_off_rewrites": ("reopen",),
    "respond_and_monitor": ("roll_back_model", "switch_off"),
    "normalise_the_metric": ("reopen", "roll_back_model"),
    "audit_and_interview": ("roll_back_model", "switch_off"),
}
#: Which signals carry each cause's harm. Raw complaints never do: a count moves with how often
#: the control is shown, so it cannot tell more objections from more asking.
_MOVES = {
    "vocal_perception_event": ("complaints_per_exposure",),
    "new_feedback_surface": ("complaints_per_exposure",),
    "silent_behaviour_churn": ("exit_rate",),
    "real_deference_problem": ("complaints_per_exposure", "exit_rate"),
}
#: Why each decoy cannot show this case's harm.
_DECOY = {
    "raw_complaints": "a count moves with how often the control is shown: it cannot tell more "
    "objections from more asking",
    "drafts_rewritten": "a volume of all users: it moves with the week, holidays and sign-ups",
    "other_feedback": "other feedback moves with where the control is shown, not with tone",
    "exposures": "how often the control is shown is a product choice, not a reaction",
}


def weekly_signals(case, group: str = "female-coded") -> pd.DataFrame:
    """The memo's six signals for ``group``, one row per week (``week_start`` index).

    A week's exposures are the mean over its logged days (every surface logged) times seven; lost
    log days are left out, never read as zero. Drafts are all users' (lost days left out, times 7).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> w = weekly_signals(load_case("perception_vs_behaviour", seed=1))
    >>> list(w.columns) == list(MEMO_FORM.signals), len(w)
    (True, 22)
    """
    t = case.tables
    fb = t["feedback_weekly"].loc[lambda d: d["name_group"] == group].set_index("week_start")
    rt = t["retention_weekly"].loc[lambda d: d["name_group"] == group].set_index("week_start")
    ex = t["feedback_exposure"].loc[lambda d: d["name_group"] == group]
    day = ex.groupby("date")["exposures"].sum(min_count=len(SURFACES)).dropna()
    exposures = day.groupby(_monday(day.index)).mean() * 7
    drafts = t["usage_daily"].groupby("date")["drafts_generated"].sum(min_count=3).dropna()
    return pd.DataFrame(
        {
            "raw_complaints": fb["tone_complaints"].astype(float),
            "drafts_rewritten": drafts.groupby(_monday(drafts.index)).mean() * 7,
            "other_feedback": fb["other_feedback"].astype(float),
            "complaints_per_exposure": fb["tone_complaints"] / exposures * 1000,
            "exit_rate": rt["exits"] / rt["active_accounts"] * 1000,
            "exposures": exposures,
        }
    )


def _monday(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return days - pd.to_timedelta(days.day_of_week, unit="D")


def _first_break(values: pd.Series, base: float, noise: float, direction: int):
    """The first week from which two weeks in a row sit beyond ``base ± noise`` toward harm."""
    out = ((values - base) * direction > noise).to_numpy()
    for i in range(len(out) - 1):
        if out[i] and out[i + 1]:
            return values.index[i]
    return None


def memo_key(case, truth: Facts, *, causes: Sequence = ()) -> MemoKey:
    """This case's key for the memo's typed fields, computed from its tables and facts.

    Baseline and noise (two standard deviations) are the female-coded weekly values of the first
    8 weeks; the harm level is the mean of the last 6 weeks where the cause moves the signal. A
    new feedback control harms no one: there the harm is where complaints per exposure would sit
    if the raw rise were real. Weekly signals show a failure a week late; in a real problem exits
    lag complaints by as many days again as the tables show between their breaks.

    Parameters
    ----------
    case : Case
        The case (its tables are read).
    truth : dict
        The case's truth (``decision``, ``cause``, ``complaint_count_ratio``).
    causes : sequence of Cause
        The spec's causes, for the partial credit of second-best options.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("perception_vs_behaviour", seed=1, variant="silent_behaviour_churn")
    >>> key = memo_key(case, case.truth)
    >>> [s for s, k in key.signals.items() if k.detects], key.horizon_days
    (['exit_rate'], 56)
    """
    weekly = weekly_signals(case)
    base_w, recent_w = weekly.iloc[:BASELINE_WEEKS], weekly.iloc[-RECENT_WEEKS:]
    cause = truth["cause"]
    signals, breaks = {}, {}
    for sid in weekly.columns:
        base = float(base_w[sid].mean())
        noise = float(2 * base_w[sid].std(ddof=1))
        harm = float(recent_w[sid].mean())
        if cause == "new_feedback_surface" and sid == "complaints_per_exposure":
            harm = base * truth["complaint_count_ratio"]
        detects = sid in _MOVES[cause] and harm - base > noise
        breaks[sid] = _first_break(weekly[sid].iloc[BASELINE_WEEKS:], base, noise, 1)
        if detects:
            why = f"normal {base:.2f} ± {noise:.2f} over the first 8 weeks; harm takes it to {harm:.2f}"
        elif sid in _DECOY:
            why = _DECOY[sid]
        else:
            why = (
                f"it stays near {base:.2f} (± {noise:.2f}) here: this case's harm does not move it"
            )
        signals[sid] = [base, noise, harm, 7.0, detects, why]
    first, late = breaks["complaints_per_exposure"], breaks["exit_rate"]
    if cause == "real_deference_problem" and first is not None and late is not None:
        lag = max(0, (late - first).days)
        signals["exit_rate"][3] = 7.0 + lag
        signals["exit_rate"][5] += f"; exits broke {lag} days after complaints per exposure"
    keys = {
        sid: SignalKey(round(b, 4), round(n, 4), round(h, 4), d, det, why)
        for sid, (b, n, h, d, det, why) in signals.items()
    }
    today = weekly.index[-1] + pd.Timedelta(days=7)
    partial = next((c.partial_for(truth) for c in causes if c.id == cause), {})
    fastest = min((sid for sid, k in keys.items() if k.detects), key=lambda s: keys[s].delay_days)
    return MemoKey(
        decision=truth["decision"],
        partial=partial,
        reversible={o: o != "respond_and_monitor" for o in _UNDO},
        undo_ok=_UNDO,
        on_trigger=_ON_TRIGGER,
        signals=keys,
        decided_on=today.strftime("%Y-%m-%d"),
        horizon_days=REVIEW_DAYS,
        facts={
            "decided_on": f"The briefing is dated {today:%Y-%m-%d}; the trust review meets eight "
            "weeks later.",
            "cause": truth["cause_label"],
            "constraint": truth["constraint"].replace("_", " "),
            "said": f"Complaints per 1,000 exposures went {times(truth['per_exposure_ratio'])}; "
            f"raw complaints {times(truth['complaint_count_ratio'])}.",
            "did": f"The female-coded exit rate went {times(truth['exit_rate_ratio'])}, "
            f"{times(truth['exit_gap'])} the male-coded change.",
            "fastest_signal": f"{MEMO_FORM.signals[fastest][0]}: {keys[fastest].why}",
            "statement": "A public statement, once published, cannot be withdrawn.",
        },
    )


#: The memo question's hints and debrief (its prompt and form are in the spec).
MEMO_HINTS = (
    Hint(
        "Watch a rate, not a count: a count rises when the control is shown more often. "
        "And ask which signal moves first when the harm is real.",
        safe=True,
    ),
)
MEMO_SOLUTION = (
    "A strong memo says which of perception and behaviour moved, what the chosen response "
    "gives up, who carries the risk if you are wrong, the rate you will watch and the "
    "value that would make you escalate or stand down."
)
