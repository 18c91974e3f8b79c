"""The support desk's tables and timeline events for :mod:`pmcourse.scenarios.capstone`.

Split out of the scenario module to keep it readable; :func:`capstone.generate` calls the drawing
functions in this order (event days, tickets and complaints, feedback, design options), each
drawing from the same ``rng``, so a seed gives the same case as before the split. The dashboard
and the freshness checks are derived from the drawn tables and draw nothing, as are the
briefing and the feedback on the segment and design questions (read straight off those tables);
the case's facts and the actions live in :mod:`pmcourse.scenarios._capstone_judge`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pmcourse.scenarios import synth

__all__ = [
    "briefing",
    "design_feedback",
    "segment_feedback",
    "CLIENTS",
    "DESIGNS",
    "SOURCE_TABLES",
    "build_dashboard",
    "build_freshness",
    "draw_design_options",
    "draw_events",
    "draw_feedback",
    "draw_tickets",
]

#: client -> share of AI replies shown there
CLIENTS = {"web_widget": 0.18, "email": 0.34, "ios_sdk": 0.26, "android_sdk": 0.22}
#: The dashboard's source tables, as the morning freshness checks name them.
SOURCE_TABLES = ("tickets_fact", "feedback_events", "complaints")
DASHBOARD_TILES = ["ai_resolved", "feedback_events", "thumbs_down"]

#: (id, description, lift range %, rollback-hours range, honours revocation, keeps human review)
DESIGNS = (
    (
        "finetune_transcripts",
        "Fine-tune on every customer transcript, retained indefinitely in the training set",
        (13, 18),
        (48, 120),
        "no",
        "yes",
    ),
    (
        "drop_review",
        "Send low-confidence drafts without human review",
        (10, 14),
        (1, 4),
        "yes",
        "no",
    ),
    (
        "launch_all_no_flag",
        "Launch to all tenants at once in the next app release, no flag",
        (7, 10),
        (72, 168),
        "yes",
        "yes",
    ),
    (
        "flag_retrieval",
        "Flagged rollout to 10% of tenants; answers grounded in a per-customer index that deletes "
        "on request",
        (3, 8),
        (0.5, 2),
        "yes",
        "yes",
    ),
    (
        "flag_prompt_only",
        "Flagged rollout to 10% of tenants; prompt-only, no customer data stored",
        (2, 7),
        (0.5, 2),
        "yes",
        "yes",
    ),
)


def draw_tickets(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    *,
    level: float,
    week: np.ndarray,
    hol: np.ndarray,
    seg_share: dict[str, float],
    harmed: str,
    push: np.ndarray,
    resolve_lift: float,
    review_cut: float,
    complaint_mult: float,
    base_complaint: float,
    delay_median: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw tickets and reviews by day and segment, and the complaints logged so far.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    index : DatetimeIndex
        The case's days.
    level : float
        Expected tickets per day over all segments, before the weekday and holiday profiles.
    week, hol : ndarray
        Weekday profile and holiday effect per day (multipliers).
    seg_share : dict
        Segment -> share of tickets, in the order the rows are drawn.
    harmed : str
        The segment whose reviewed drafts are corrected most, and who complains most.
    push : ndarray
        0 before the auto-resolve threshold change, ramping to 1 after it.
    resolve_lift, review_cut, complaint_mult : float
        What the threshold change does: more auto-resolved, fewer reviewed, more complaints.
    base_complaint : float
        Complaints per AI-resolved ticket before any change.
    delay_median : int
        Median days from ticket to complaint (a gamma(3) delay).

    Returns
    -------
    tickets_daily, complaints : DataFrame
        One row per day and segment; one row per complaint that has arrived by the last day.

    Examples
    --------
    >>> index = synth.days(pd.Timestamp("2026-03-02"), 28)
    >>> tickets, complaints = draw_tickets(
    ...     np.random.default_rng(0), index, level=6000.0, week=np.ones(28), hol=np.ones(28),
    ...     seg_share={"returning_customers": 0.7, "business_accounts": 0.3},
    ...     harmed="business_accounts", push=np.zeros(28), resolve_lift=0.0, review_cut=0.0,
    ...     complaint_mult=1.0, base_complaint=0.005, delay_median=4)
    >>> len(tickets), bool((complaints["complaint_date"] >= complaints["ticket_date"]).all())
    (56, True)
    """
    n = len(index)
    gamma_scale = delay_median / 2.674  # median of a gamma(3) is ~2.674 x scale
    tickets_rows = []
    complaint_rows = []
    for seg, share in seg_share.items():
        tickets = synth.nb_counts(rng, level * share * week * hol, dispersion=200)
        handled = synth.binomial_counts(rng, tickets, float(rng.uniform(0.55, 0.7)))
        resolve = float(rng.uniform(0.5, 0.6)) * (1 + resolve_lift * push)
        resolved = synth.binomial_counts(rng, handled, resolve)
        reviewed = synth.binomial_counts(
            rng, handled, float(rng.uniform(0.22, 0.28)) * (1 - review_cut * push)
        )
        corr = float(rng.uniform(0.26, 0.34)) if seg == harmed else float(rng.uniform(0.07, 0.14))
        corrected = synth.binomial_counts(rng, reviewed, corr)
        tickets_rows.append(
            pd.DataFrame(
                {
                    "date": index,
                    "segment": seg,
                    "tickets": tickets,
                    "ai_handled": handled,
                    "ai_resolved": resolved,
                    "drafts_reviewed": reviewed,
                    "drafts_corrected": corrected,
                }
            )
        )
        seg_rate = base_complaint * (1.8 if seg == harmed else 1.0)
        seg_mult = 1 + (complaint_mult - 1) * (1.5 if seg == harmed else 0.8) * push
        counts = synth.binomial_counts(rng, resolved, seg_rate * seg_mult)
        ticket_day = np.repeat(np.arange(n), counts)
        lag = np.round(rng.gamma(3.0, gamma_scale, len(ticket_day))).astype(np.int64)
        keep = ticket_day + lag < n  # complaints that have not arrived yet are not in the log
        complaint_rows.append(
            pd.DataFrame(
                {
                    "ticket_date": index[ticket_day[keep]],
                    "complaint_date": index[ticket_day[keep] + lag[keep]],
                    "segment": seg,
                }
            )
        )
    tickets_daily = synth.stack(tickets_rows, ["date", "segment"])
    complaints = synth.stack(complaint_rows, ["complaint_date", "ticket_date", "segment"])
    return tickets_daily, complaints


def draw_feedback(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    replies: np.ndarray,
    *,
    broken: np.ndarray,
    down_lift: np.ndarray,
    onset: pd.Timestamp,
) -> tuple[pd.DataFrame, list[pd.Timestamp]]:
    """Draw feedback events by day and client; client logs lose a few days (NaN, never 0).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    index : DatetimeIndex
        The case's days.
    replies : ndarray
        AI replies shown per day (all clients).
    broken : ndarray
        0 while every client sends feedback, 1 once a broken schema change stops all but the
        web widget.
    down_lift : ndarray
        Multiplier on the thumbs-down rate per day (1: unchanged).
    onset : Timestamp
        The onset; no log day within two days of it (nor in the last eight days) is lost.

    Returns
    -------
    feedback_daily : DataFrame
        One row per day and client.
    lost : list of Timestamp
        The days the client logs lost.

    Examples
    --------
    >>> index = synth.days(pd.Timestamp("2026-03-02"), 28)
    >>> fb, lost = draw_feedback(np.random.default_rng(0), index, np.full(28, 3000),
    ...                          broken=np.zeros(28), down_lift=np.ones(28), onset=index[20])
    >>> sorted(fb["client"].unique()), int(fb["feedback_events"].isna().sum()) == 4 * len(lost)
    (['android_sdk', 'email', 'ios_sdk', 'web_widget'], True)
    """
    n = len(index)
    down_rate = float(rng.uniform(0.08, 0.12)) * down_lift
    fb_rows = []
    for client, share in CLIENTS.items():
        client_replies = synth.binomial_counts(rng, replies, share)
        give = float(rng.uniform(0.06, 0.1)) * (1 if client == "web_widget" else 1 - broken)
        events = synth.binomial_counts(rng, client_replies, give)
        down = synth.binomial_counts(rng, events, down_rate)
        fb_rows.append(
            pd.DataFrame(
                {
                    "date": index,
                    "client": client,
                    "ai_replies": client_replies,
                    "feedback_events": events,
                    "thumbs_down": down,
                }
            )
        )
    feedback_daily = synth.stack(fb_rows, ["date", "client"])
    near = [onset + pd.Timedelta(days=k) for k in range(-2, 3)]
    return synth.mask_missing_days(
        rng,
        feedback_daily,
        ["feedback_events", "thumbs_down"],
        n_days=int(rng.integers(2, 4)) if n < 400 else 40,
        exclude=[*near, *index[-8:]],
    )


def build_dashboard(
    index: pd.DatetimeIndex,
    tickets_daily: pd.DataFrame,
    feedback_daily: pd.DataFrame,
    last_loaded: pd.Timestamp,
) -> pd.DataFrame:
    """The team dashboard as displayed: built nightly from the tickets and the feedback events.

    Days after ``last_loaded`` (the source table's last load) repeat that day's tiles: the
    dashboard carries the last loaded day forward and never says "no data".

    Examples
    --------
    >>> index = pd.date_range("2026-03-02", periods=3)
    >>> tickets = pd.DataFrame({"date": index, "ai_resolved": [5, 6, 7]})
    >>> feedback = pd.DataFrame({"date": index, "feedback_events": [2.0, 3.0, 4.0],
    ...                          "thumbs_down": [1.0, 0.0, 1.0]})
    >>> build_dashboard(index, tickets, feedback, index[1])["ai_resolved"].tolist()
    [5, 6, 6]
    """
    day_fb = feedback_daily.groupby("date")[["feedback_events", "thumbs_down"]].sum(min_count=1)
    dashboard = pd.DataFrame(
        {
            "date": index,
            "ai_resolved": tickets_daily.groupby("date")["ai_resolved"].sum().to_numpy(),
            "feedback_events": day_fb["feedback_events"].to_numpy(),
            "thumbs_down": day_fb["thumbs_down"].to_numpy(),
        }
    )
    if last_loaded < index[-1]:
        frozen = dashboard["date"] > last_loaded
        dashboard.loc[frozen, DASHBOARD_TILES] = dashboard.loc[
            dashboard["date"] == last_loaded, DASHBOARD_TILES
        ].to_numpy()
    dashboard["ai_resolved"] = dashboard["ai_resolved"].astype(np.int64)
    return dashboard


def build_freshness(
    index: pd.DatetimeIndex,
    today: pd.Timestamp,
    tickets_daily: pd.DataFrame,
    feedback_daily: pd.DataFrame,
    complaints: pd.DataFrame,
    last_loaded: pd.Timestamp,
) -> pd.DataFrame:
    """The morning freshness checks: each morning up to today's, each source's newest partition.

    ``tickets_fact`` stops at ``last_loaded`` (and loads no rows after it); the other sources
    are fresh.

    Examples
    --------
    >>> index = pd.date_range("2026-03-02", periods=3)
    >>> tickets = pd.DataFrame({"date": index, "tickets": [5, 6, 7]})
    >>> feedback = pd.DataFrame({"date": index, "feedback_events": [2.0, 3.0, 4.0]})
    >>> complaints = pd.DataFrame({"complaint_date": index[[0, 2]]})
    >>> fresh = build_freshness(index, index[-1] + pd.Timedelta(days=1), tickets, feedback,
    ...                         complaints, index[0])
    >>> last = fresh[fresh["check_date"] == fresh["check_date"].max()]
    >>> last.set_index("table")["latest_partition"].dt.day.to_dict()
    {'complaints': 4, 'feedback_events': 4, 'tickets_fact': 2}
    """
    checks = index[1:].append(pd.DatetimeIndex([today]))
    prev = index
    day_fb = feedback_daily.groupby("date")[["feedback_events"]].sum(min_count=1)
    day_tickets = tickets_daily.groupby("date")["tickets"].sum().reindex(index).to_numpy()
    day_complaints = complaints.groupby("complaint_date").size().reindex(index, fill_value=0)
    tickets_latest = prev.where(prev <= last_loaded, last_loaded)
    loaded = dict(
        zip(
            SOURCE_TABLES,
            (
                (tickets_latest, np.where(prev <= last_loaded, day_tickets, 0)),
                (prev, np.nan_to_num(day_fb["feedback_events"].to_numpy())),
                (prev, day_complaints.to_numpy()),
            ),
            strict=True,
        )
    )
    frames = [
        pd.DataFrame(
            {
                "check_date": checks,
                "table": table,
                "latest_partition": latest,
                "rows_loaded": np.asarray(rows).astype(np.int64),
            }
        )
        for table, (latest, rows) in loaded.items()
    ]
    return synth.stack(frames, ["check_date", "table"])


def draw_design_options(rng: np.random.Generator) -> pd.DataFrame:
    """Draw the design options on the table, lettered A-E in a random order.

    The best lift always breaks a future path; two options keep them open, and their lifts
    differ by at least a point, so the comparison is a real one.

    Examples
    --------
    >>> designs = draw_design_options(np.random.default_rng(0))
    >>> designs["option"].tolist(), int((designs["honours_consent_revocation"] == "no").sum())
    (['A', 'B', 'C', 'D', 'E'], 1)
    """
    order = rng.permutation(len(DESIGNS))
    letters = "ABCDE"
    design_rows = []
    lifts = {}
    for pos, k in enumerate(order):
        key, desc, (lo, hi), (rlo, rhi), revocable, review = DESIGNS[k]
        lift = round(float(rng.uniform(lo, hi)), 1)
        lifts[key] = lift
        design_rows.append(
            [letters[pos], desc, lift, round(float(rng.uniform(rlo, rhi)), 1), revocable, review]
        )
    open_keys = ("flag_retrieval", "flag_prompt_only")
    if abs(lifts[open_keys[0]] - lifts[open_keys[1]]) < 1.0:
        bump = open_keys[0] if lifts[open_keys[0]] >= lifts[open_keys[1]] else open_keys[1]
        for row, k in zip(design_rows, order, strict=True):
            if DESIGNS[k][0] == bump:
                row[2] = round(row[2] + 1.0, 1)
                lifts[bump] = row[2]
    return pd.DataFrame(
        design_rows,
        columns=[
            "option",
            "description",
            "expected_lift_pct",
            "rollback_hours",
            "honours_consent_revocation",
            "keeps_human_review",
        ],
    )


def draw_events(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    variant: str,
    onset: pd.Timestamp,
    launch: pd.Timestamp,
) -> dict[str, tuple[pd.Timestamp, str, str, str]]:
    """Draw the timeline's events: event key -> its row (day, event text, kind, detail).

    Every case carries all six events. The event that owns the hidden cause lands on the onset;
    the other pipeline and deploy changes land somewhere in the last four weeks, and the model
    deploy always sits within three days of the onset, a decoy in every case.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    index : DatetimeIndex
        The case's days.
    variant : str
        The hidden cause.
    onset, launch : Timestamp
        The cause's first day and the announced launch.

    Examples
    --------
    >>> index = synth.days("2026-03-02", 70)
    >>> events = draw_events(np.random.default_rng(0), index, "stale_upstream_table", index[65],
    ...                      pd.Timestamp("2026-05-20"))
    >>> events["scheduler"][0] == index[65], abs((events["model"][0] - index[65]).days) <= 3
    (True, True)
    """
    n = len(index)
    kinds = {
        "scheduler": "stale_upstream_table",
        "schema": "feedback_events_stopped",
        "threshold": "volume_target_misaligned",
    }
    # the cause's own event lands on the onset, the others anywhere in the last four weeks
    day = {
        k: onset if owner == variant else index[n - int(rng.integers(4, 26))]
        for k, owner in kinds.items()
    }
    model_off = int(rng.choice([-3, -2, -1, 1, 2, 3]))
    day["model"] = min(onset + pd.Timedelta(days=model_off), index[-1])
    day["target"] = index[n - int(rng.integers(30, 38))]
    day["announce"] = index[n - int(rng.integers(20, 27))]
    texts = {
        "scheduler": (
            "Warehouse job scheduler migrated",
            "pipeline",
            "nightly jobs moved to a new cluster",
        ),
        "schema": (
            "Feedback event schema v2",
            "pipeline",
            "client SDKs send feedback in the new format",
        ),
        "threshold": (
            "Auto-resolve confidence threshold tuned",
            "deploy",
            "drafts above the threshold are sent without review",
        ),
        "model": ("Reply model v3.2 deployed", "deploy", "new base model for drafts"),
        "target": ("Quarterly target set: AI-resolved tickets +40%", "policy", "team OKR"),
        "announce": (
            "GA date announced at the partner summit",
            "market",
            f"general availability on {launch:%Y-%m-%d}",
        ),
    }
    return {k: (day[k], *texts[k]) for k in texts}


def segment_feedback(tables: Mapping[str, pd.DataFrame], harmed: str, labels) -> dict[str, str]:
    """Per wrong segment: its correction rate against the most-corrected segment's."""
    rev = tables["tickets_daily"].groupby("segment")[["drafts_reviewed", "drafts_corrected"]].sum()
    top = rev.loc[harmed, "drafts_corrected"] / rev.loc[harmed, "drafts_reviewed"]
    return {
        seg: (
            f"Reviewers corrected {int(row.drafts_corrected):,} of this segment's "
            f"{int(row.drafts_reviewed):,} reviewed drafts ({row.drafts_corrected / row.drafts_reviewed:.1%}),"
            f" against {top:.1%} for the most-corrected segment."
        )
        for seg, row in rev.iterrows()
        if seg != harmed and seg in labels
    }


def design_feedback(designs: pd.DataFrame, best: str) -> dict[str, str]:
    """Per wrong design option: the column of its row that rules it out."""
    lift = designs.set_index("option")["expected_lift_pct"]
    out = {}
    for row in designs.itertuples():
        if row.option == best:
            continue
        if row.honours_consent_revocation != "yes":
            why = "a customer's consent revocation could never be honoured fully"
        elif row.keeps_human_review != "yes":
            why = "low-confidence drafts would no longer go to review"
        elif row.rollback_hours > 24:
            why = f"undoing it takes {row.rollback_hours:g} hours, more than a day"
        else:
            why = f"it keeps paths open, but option {best} does too with {lift[best]:g}% lift"
        out[row.option] = f"Option {row.option} ({row.expected_lift_pct:g}% lift): {why}."
    return out


def briefing(
    today: pd.Timestamp, launch: pd.Timestamp, *, baseline_days: int, this_week: str
) -> str:
    """The case's briefing: the feature, the launch, the four constraints and this week's limit.

    Every date comes from the case; the one variable premise (can a pipeline fix land before the
    date?) is ``this_week``, the constraint the case drew; no number a question grades is stated.

    Examples
    --------
    >>> text = briefing(pd.Timestamp("2026-05-11"), pd.Timestamp("2026-05-21"),
    ...                 baseline_days=28, this_week="A migration freezes every pipeline change.")
    >>> text.splitlines()[0], "two weeks after launch" in text, "migration freezes" in text
    ('### Briefing', True, True)
    """
    return (
        "### Briefing\n\n"
        f"It is {today:%A} {today:%Y-%m-%d}. You own **AutoResolve**, an AI feature that drafts "
        "and sends replies to customer-support tickets. Human reviewers check the drafts the model "
        "is least sure about; customers can rate AI replies with a thumbs up or down; complaints "
        "reach the support system days later.\n\n"
        f"General availability was announced for **{launch:%A} {launch:%Y-%m-%d}** at the partner "
        "summit. The team's quarterly target counts AI-resolved tickets, and the team dashboard is "
        "on the screen in every stand-up. Somebody has proposed dropping human review to make the "
        "date and the target. Support's lead treats a week with complaints per AI-resolved ticket "
        "at twice the usual rate as an incident.\n\n"
        f"**This week:** {this_week}\n\n"
        "Four constraints are in the room at once: the freshness of the data, the team's incentive, "
        "the feedback loop, and the deadline. One of them invalidates the others. Find it from the "
        "data, then write the decision as a memo someone could prove wrong: an expiry date (two "
        "weeks after launch), kill criteria, who is harmed if the guardrail goes, and which design "
        "keeps future paths open.\n\n"
        "You have ten weeks of data up to yesterday: the dashboard as displayed, the morning "
        "freshness checks of its source tables, tickets and reviews by customer segment, feedback "
        "events by client, the complaint log, and the design options on the table. The "
        f"**baseline** is the first {baseline_days} days, before any change on the timeline."
    )
