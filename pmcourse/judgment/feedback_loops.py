"""For each case, the feedback loop that would have caught a wrong call sooner (data, per scenario).

The essay's regret portfolio documents decisions that failed *and what feedback loops were
missing*. :data:`FEEDBACK_LOOPS` holds, per scenario and per hidden cause, that loop: the signal
to watch, how soon it shows, and what it would have told apart. Each entry is a function of the
case's truth, so it quotes this case's facts (the slice that moved, the delay, the segment).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pmcourse.exceptions import ScenarioError

__all__ = ["FEEDBACK_LOOPS", "feedback_loop"]

Truth = Mapping[str, Any]


def _pct(x: float) -> str:
    return f"{x:.0%}"


#: scenario name -> cause id -> ``loop(truth) -> str``.
FEEDBACK_LOOPS: dict[str, dict[str, Callable[[Truth], str]]] = {
    "orientation": {
        "release_hurt_usage": lambda t: (
            "A same-weekday baseline on the release dashboard (each day against the median of the "
            f"same weekday in the four weeks before): it showed a {_pct(t['same_weekday_gap'])} "
            "gap from the first weekday after the release, not after a week of arguing."
        ),
        "weekend_rhythm_only": lambda t: (
            "A same-weekday baseline instead of day-over-day change: it would have shown the "
            "weekend dip as the usual rhythm on the first Monday, before anyone asked for a "
            "rollback."
        ),
    },
    "usage_drop": {
        "nav_refresh_hid_entry_point": lambda t: (
            f"Entry-point clicks per active user by platform and app version, alerting on one "
            f"version: the moved button showed on {t['where']} within a day of the new version."
        ),
        "locale_model_regression": lambda t: (
            "Accept rate per locale after every summariser deploy (a canary per locale): the "
            f"regression in {t['where']} showed in the first days, before the weekly usage chart."
        ),
        "client_sdk_event_loss": lambda t: (
            "A client-vs-server reconciliation (client-logged requests per server call, per app "
            f"version): the lost events on {t['where']} showed the day the version shipped."
        ),
        "seasonal_holiday_lull": lambda t: (
            "A seasonal baseline (the same weeks last year, or the holiday calendar on the "
            "dashboard): the lull would have been expected, not diagnosed."
        ),
        "competitor_launch_one_market": lambda t: (
            "New-user rate per market beside a watch on competitor launches: the one market's "
            "fall among new users showed in the launch week."
        ),
        "campaign_low_intent_mix": lambda t: (
            "Usage per user reported per tenure segment (mix-adjusted) with the campaign's "
            "start on the timeline: the headline fell while no segment did."
        ),
    },
    "regret_signal": {
        "far_field_asr_misrecognition": lambda t: (
            "Mean ASR confidence per device type, alerting on far-field devices: it fell before "
            "the regret rate moved."
        ),
        "single_intent_nlu_confusion": lambda t: (
            f"Regret rate per intent after each language-model release: {t['top_intent']} rose "
            "alone, on every device, from the release."
        ),
        "latency_timeout_retries": lambda t: (
            "The share of answers slower than the timeout, per day: it went from "
            f"{_pct(t['slow_first'])} to {_pct(t['slow_last'])}, a direct and faster signal than "
            "the repeats it caused."
        ),
        "intentional_repeat_intents": lambda t: (
            "A regret rate that excludes intents people repeat on purpose (timer, next track), "
            "reported beside their share of requests: the rise would never have shown."
        ),
        "duplicate_event_logging": lambda t: (
            "A duplicate-event check in the logging pipeline (identical events within a second): "
            "the copies showed the day the logging change shipped."
        ),
    },
    "override_kill_rule": {
        "suggestions_truly_degraded": lambda t: (
            "A kill rule on an outcome the suggestions cause (task failures), per cohort, at "
            "pre-registered looks: it fires on harm, and the deploy shows in it within a week."
        ),
        "novelty_wears_off": lambda t: (
            "Override rate by days of exposure, not by calendar day: the decay with exposure "
            "showed in the first week and told novelty apart from harm."
        ),
        "rollout_cohort_mix": lambda t: (
            "Override rate per tenure cohort beside the rollout mix: flat within every cohort "
            "from the first look, so the pooled rise was the mix."
        ),
        "one_tap_override_ui": lambda t: (
            "An outcome metric (task failures) beside the override rate, and the card redesign "
            "on the timeline: overrides stepped up at the redesign while outcomes stayed flat."
        ),
    },
    "model_drift": {
        "serving_feature_skew": lambda t: (
            "A weekly PSI check per feature between training and serving, with pipeline changes "
            "on the timeline: the one feature jumped on the change date."
        ),
        "impression_definition_change": lambda t: (
            "Clicks and impressions per served card tracked separately: impressions per card "
            "rose with the new app version while clicks per card held, a metric change, not a "
            "model change."
        ),
        "gradual_concept_drift": lambda t: (
            "Offline evaluation of production against a retrained candidate on recent weeks, run "
            "on a schedule: the gap grew week by week before the CTR chart made it obvious."
        ),
        "new_item_cold_start": lambda t: (
            "CTR per item age and the new-item share of served cards: established items held "
            "while new items grew their share."
        ),
    },
    "perception_vs_behaviour": {
        "vocal_perception_event": lambda t: (
            "Complaints per exposure beside exit rates per group: the perception moved, the "
            "behaviour did not, so the loop to watch was exits, weekly."
        ),
        "new_feedback_surface": lambda t: (
            "Complaints divided by how often the feedback control was shown: raw complaints "
            f"rose {t['complaint_count_ratio']:.1f}x with exposures, the rate did not."
        ),
        "silent_behaviour_churn": lambda t: (
            "Exit rate per group, weekly, with an alert on the gap between groups: users left "
            "without complaining, and only the exits could show it."
        ),
        "real_deference_problem": lambda t: (
            "Complaints per exposure as the early signal and exits as the lagging one: the "
            "complaints rose first, weeks before the exits followed."
        ),
    },
    "fraud_cost_asymmetry": {
        "threshold_tightened_on_freelancers": lambda t: (
            f"Upheld appeals per 1,000 invoices per seller segment, and an appeal SLA of "
            f"{t['appeal_sla_days']} days (the {t['harmed_segment']} payment cycle): the wrong "
            "blocks landed on them from the threshold review."
        ),
        "corridor_fraud_ring": lambda t: (
            f"Mean score and block rate per payment corridor: {t['top_corridor']} rose alone, "
            "from the first weeks of the ring."
        ),
        "fraud_base_rate_shift": lambda t: (
            "Score distribution per corridor against the blocked cutoff: everything moved "
            "together, a base-rate shift and not a new pattern."
        ),
        "chargeback_lag_artifact": lambda t: (
            "Fraud rates reported by invoice cohort once chargebacks have had time to arrive: "
            "the recent weeks looked clean only because their outcomes were still pending."
        ),
    },
    "metric_puzzles": {
        "traffic_mix_to_low_value": lambda t: (
            "Revenue per visit split into channel mix and channel rate (mix_rate), weekly: "
            f"the mix term moved as traffic shifted toward {t['share_gainer']}."
        ),
        "discount_order_value_erosion": lambda t: (
            "Average order value per channel beside conversion: conversion rose where order "
            "values fell, inside the discounted channels."
        ),
        "refund_lag_net_revenue": lambda t: (
            "Revenue net of refunds by order cohort, with a refund curve per cohort: the newer "
            f"cohorts were refunded {t['refund_ratio']:.1f}x as often within five weeks."
        ),
        "diversity_reranker_tradeoff": lambda t: (
            "The trade-off written down with its guard: topic diversity and 7-day return beside "
            "CTR, so the CTR given up is measured against what it bought."
        ),
        "clickbait_engagement_trap": lambda t: (
            "A diversity and churn guardrail on every model release: topic entropy fell and "
            "churn rose while CTR climbed."
        ),
    },
    "capstone": {
        "stale_upstream_table": lambda t: (
            "A freshness check on every source table the dashboard reads, shown on the "
            "dashboard: the stale partition was visible the first day it stopped loading."
        ),
        "feedback_events_stopped": lambda t: (
            "Feedback events per AI reply as a monitored metric with its own alert: it fell to "
            f"{_pct(t['feedback_ratio'])} of baseline while the dashboard looked calm."
        ),
        "volume_target_misaligned": lambda t: (
            "Complaints per 1,000 AI-resolved tickets beside the volume target, with the review "
            f"share: complaints arrive a median {t['median_complaint_delay']:.0f} days later, so "
            "the kill window must cover that delay."
        ),
        "deadline_ship_behind_flag": lambda t: (
            "A kill rule on complaints per 1,000 AI-resolved tickets whose window covers a week "
            f"plus the {t['median_complaint_delay']:.0f}-day complaint delay, and a decision that "
            f"expires on {t['expires_on']}."
        ),
    },
    "regulatory_reflex": {
        "appeal_entry_point_lost": lambda t: (
            "In-app appeals per 1,000 restrictions by platform and app version, alerting on any "
            f"cohort under a third of the rest: {t['lowest_cohort']} fell to "
            f"{t['lowest_appeal_rate']:.1f} within a day of the release."
        ),
        "audit_trail_gap": lambda t: (
            "The logged-reason share by region as a gate on every pipeline change: "
            f"{t['worst_region']} fell to {_pct(t['worst_logged_share'])} the day the pipeline "
            "moved, weeks before an auditor would have asked."
        ),
        "snapshots_block_revocation": lambda t: (
            "Revocations honoured within the limit, checked daily against the rule's "
            f"{t['limit_hours']:.0f} hours: only {_pct(t['on_time_share'])} were, from the days "
            "after the pipeline change; a design review of snapshot retention would have caught "
            "it before it shipped."
        ),
        "classifier_overblocks_group": lambda t: (
            "QA overturns per age band after every model deploy (a canary per band): the "
            f"{t['overturn_band']} band went from {_pct(t['overturn_before'])} to "
            f"{_pct(t['overturn_after'])} within QA's two-day review, before complaints rose."
        ),
    },
}


def feedback_loop(scenario: str, truth: Truth) -> str:
    """The loop that would have caught a wrong call sooner in this case.

    Raises
    ------
    ScenarioError
        When the scenario or its cause has no entry (a new case must add one).

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> truth = load_case("orientation", seed=7, variant="weekend_rhythm_only").truth
    >>> feedback_loop("orientation", truth).startswith("A same-weekday baseline")
    True

    Introduced in notebooks/10-judgment-profile.ipynb.
    """
    loops = FEEDBACK_LOOPS.get(scenario)
    if loops is None or truth.get("cause") not in loops:
        known = ", ".join(sorted(FEEDBACK_LOOPS))
        raise ScenarioError(
            f"No feedback loop is written for scenario {scenario!r} and cause "
            f"{truth.get('cause')!r}; scenarios with loops: {known}."
        )
    return loops[truth["cause"]](truth)
