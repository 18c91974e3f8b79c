"""Failure-archaeology toolkit: pure functions on pandas objects, no knowledge of scenarios.

Each function validates its input and raises a :class:`~pmcourse.exceptions.PMCourseError`
subclass naming the argument or column at fault. Heavy dependencies (scipy, statsmodels,
ruptures) load on first call, not on import.
"""

from __future__ import annotations

from pmcourse.diagnose.changepoints import (
    ChangepointResult,
    detect_changepoints,
    same_weekday_baseline,
)
from pmcourse.diagnose.costs import CostCurve, cost_curve, cost_threshold, expected_cost
from pmcourse.diagnose.decompose import mix_rate
from pmcourse.diagnose.drift import KSResult, drift_report, js_distance, ks_drift, psi
from pmcourse.diagnose.drilldown import AttributionResult, attribute_change
from pmcourse.diagnose.rates import (
    KillRuleResult,
    KillRuleSimulation,
    SRMResult,
    evaluate_kill_rule,
    simulate_kill_rule,
    srm_test,
    wilson_interval,
)
from pmcourse.diagnose.regret import RegretResult, regret_rate
from pmcourse.diagnose.windows import WindowComparison, WindowTotal, compare_windows

__all__ = [
    "compare_windows",
    "mix_rate",
    "attribute_change",
    "detect_changepoints",
    "same_weekday_baseline",
    "psi",
    "ks_drift",
    "js_distance",
    "drift_report",
    "wilson_interval",
    "srm_test",
    "evaluate_kill_rule",
    "simulate_kill_rule",
    "regret_rate",
    "cost_threshold",
    "expected_cost",
    "cost_curve",
    # result types
    "AttributionResult",
    "ChangepointResult",
    "CostCurve",
    "KSResult",
    "SRMResult",
    "KillRuleResult",
    "KillRuleSimulation",
    "RegretResult",
    "WindowComparison",
    "WindowTotal",
]
