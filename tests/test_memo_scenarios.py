"""Every scenario's typed memo (issue 12), held to one set of rules.

Each scenario with a memo Ask (``spec.memo``: a form and a key computed from the case) is checked
here, with its reference solver (``tests/solvers/<name>.py``), against the design's rules as
``typed_memo_rules`` writes them out independently of the engine:

- the key fits its form and the scenario's options, and the prompt dictates no field value;
- the solver's memo, written from a graded copy of the case (tables only), breaks no rule, and
  the engine scores it at least ``MODEL_MEMO_BAR`` with every typed field answered;
- a memo a learner is tempted to write breaks the rules it should;
- (slow) under every constraint of every cause, the solver's memo still holds;
- (slow) over 200 seeds (the variants in turn), each detecting signal leaves a band between noise and
  harm and shows the failure before the decision expires.

What is particular to one scenario stays in ``tests/test_scenario_<name>.py``: the key's numbers
against an independent pandas computation from the tables, who bears which error and why.
"""

from __future__ import annotations

import functools
import importlib
import re

import pytest
import scenario_cases
from typed_memo_rules import band_faults, broken_rules, key_shape_faults

from pmcourse.answers.memo_case import MemoForm, MemoKey
from pmcourse.scenarios import SCENARIOS, load_case
from pmcourse.scenarios.contract import MODEL_MEMO_BAR

#: Every registered scenario that asks a memo (a memo Ask must carry a form and a key).
NAMES = [n for n in SCENARIOS.available() if SCENARIOS[n].spec.memo is not None]
#: Seeds the slow sweep draws (each with the next variant in turn).
SWEEP_SEEDS = range(200)
#: The last seed tried when looking for a (variant, constraint) pair the shared sample lacks.
LAST_SEED = 60
#: The signal that shows the failure in every case of a scenario (its story's harm signal).
ALWAYS_DETECTS = {
    "usage_drop": "requests_per_user",
    "override_kill_rule": "task_failure_rate",
    "capstone": "complaints_per_1k",
}
#: usage_drop reviews four weeks after the next app release: never sooner than 28 days.
MIN_HORIZON_DAYS = {"usage_drop": 28}
#: A memo a learner is tempted to write: (variant, seed, fields changed in the solver's memo,
#: the rules it must break, by the first words of their messages).
TEMPTING_MEMOS = {
    "usage_drop": (  # hollow: the wrong option, a metric that does not move, zeros, no expiry
        "nav_refresh_hid_entry_point",
        3,
        {
            "option": "roll_back_model",
            "signal": "active_users",
            "comparator": ">",
            "threshold": "0",
            "window_days": "0",
            "action": "keep_course",
            "expiry": "2099-01-01",
            "undo": "server_redeploy",
        },
        ("option", "signal", "threshold", "window", "action", "expiry"),
    ),
    "regret_signal": (  # the raw dashboard, which counts the duplicated events
        "duplicate_event_logging",
        3,
        {
            "signal": "regret_dashboard",
            "action": "keep_dashboard",
            "expiry": "2099-01-01",
            "undo": "redeploy_release",
        },
        ("signal", "action", "expiry", "undo"),
    ),
    "override_kill_rule": (  # the original "revert above 15%" rule on the pooled override rate
        "novelty_wears_off",
        1,
        {
            "signal": "override_rate_pooled",
            "threshold": "15",
            "action": "keep_watching",
            "expiry": "2099-01-01",
            "bearer_worse_kept": "team",
        },
        ("signal", "action", "expiry", "bearer of 'worse_kept'"),
    ),
}


def _solver(name: str):
    return importlib.import_module(f"solvers.{name}")


def _memo_id(name: str) -> str:
    return SCENARIOS[name].spec.standard_ids()["memo"]


def _memo_sample(name: str) -> dict:
    """(variant, seed) -> case: every variant at the shared sample's first seed (the inner loop;
    the other seeds, and every constraint of every cause, are the slow test's)."""
    return scenario_cases.sample(name, scenario_cases.SAMPLE_SEEDS[:1])


@functools.cache
def _constraint_sample(name: str) -> dict:
    """(variant, seed) -> case: the shared sample past its first seed, plus the first later seed
    of every (variant, constraint) pair the sample lacks, so the solver writes a memo under every
    constraint of every cause."""
    scenario = SCENARIOS[name]
    sample = dict(scenario_cases.sample(name))
    constraints = [c.id for c in scenario.spec.constraints] or [None]
    wanted = {(v, c) for v in scenario.variants for c in constraints}
    wanted -= {(v, case.truth.get("constraint")) for (v, _), case in sample.items()}
    for seed in range(max(scenario_cases.SAMPLE_SEEDS) + 1, LAST_SEED + 1):
        if not wanted:
            break
        for variant in sorted({v for v, _ in wanted}):
            case = scenario_cases.case(name, variant, seed)
            if (variant, case.truth.get("constraint")) in wanted:
                wanted.discard((variant, case.truth.get("constraint")))
                sample[(variant, seed)] = case
    assert not wanted, f"{name}: no seed up to {LAST_SEED} draws {sorted(wanted)}"
    first = set(_memo_sample(name))
    return {k: case for k, case in sample.items() if k not in first}


@functools.cache
def _solver_memo(name: str, variant: str, seed: int) -> dict:
    """The solver's memo answer, written from what a graded student sees (truth hidden)."""
    case = scenario_cases.case(name, variant, seed)
    return _solver(name).model_answers(scenario_cases.as_graded(case), None)[_memo_id(name)]


def test_every_scenario_with_a_memo_is_checked_here():
    assert NAMES, "no registered scenario asks a memo"
    for name in NAMES:
        ask = SCENARIOS[name].spec.memo
        assert ask.memo_form is not None and ask.memo_key is not None, name
        assert hasattr(_solver(name), "model_answers"), f"tests/solvers/{name}.py: model_answers"
    assert set(ALWAYS_DETECTS) | set(MIN_HORIZON_DAYS) | set(TEMPTING_MEMOS) <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_the_key_fits_its_form_and_the_options(name):
    spec = SCENARIOS[name].spec
    form = spec.memo.memo_form
    options = {d.id for d in spec.decisions}
    assert MemoForm.from_dict(form.to_dict()) == form
    for (variant, seed), case in _memo_sample(name).items():
        where = (variant, seed)
        key = scenario_cases.memo_key(case)
        assert key_shape_faults(key, form, spec.decisions) == [], where
        assert MemoKey.from_dict(key.to_dict()) == key, where
        assert key.decision == case.truth["decision"], where
        assert set(key.partial) <= options - {key.decision}, where
        assert all(0 < credit < 1 for credit in key.partial.values()), where
        assert bool(key.errors) == form.liability, where
        assert (key.traded in form.tradeoff) if form.trade_off else key.traded is None, where
        for option in options:  # every option has an undo and an action when its signal fires
            assert key.undo_ok[option] and key.on_trigger[option], (where, option)
            # an option that cannot be undone says so, and no other option does
            assert ("cannot_undo" in key.undo_ok[option]) != key.reversible[option], (where, option)


@pytest.mark.parametrize("name", NAMES)
def test_the_prompt_dictates_no_field_value(name):
    ask = SCENARIOS[name].spec.memo
    form, text = ask.memo_form, ask.prompt
    assert not any(ch.isdigit() for ch in text), text
    # every label of the form, and every id but a party's (a memo is written *for* someone)
    labels = [
        *(label for label, _ in form.signals.values()),
        *form.actions.values(),
        *form.undo.values(),
        *form.errors.values(),
        *form.parties.values(),
        *form.recourse.values(),
        *form.tradeoff.values(),
    ]
    assert [label for label in labels if label.lower() in text.lower()] == []
    ids = [*form.signals, *form.actions, *form.undo, *form.recourse, *form.tradeoff]
    # the parties who bear an error in any case are answers: the prompt never names them
    ids += sorted(
        {
            e.bearer
            for c in _memo_sample(name).values()
            for e in scenario_cases.memo_key(c).errors.values()
        }
    )
    named = [i for i in ids if re.search(rf"\b{re.escape(i)}\b", text, flags=re.IGNORECASE)]
    assert named == [], text


def _solver_memo_faults(name: str, sample: dict) -> list:
    """Where the solver's memo breaks a rule, or the engine scores it under the bar."""
    scenario, qid = SCENARIOS[name], _memo_id(name)
    form, faults = scenario.spec.memo.memo_form, []
    for (variant, seed), case in sample.items():
        memo = _solver_memo(name, variant, seed)
        broken = broken_rules(memo, scenario_cases.memo_key(case), form)
        question = next(q for q in scenario.questions(case, case.truth) if q.id == qid)
        if broken or question.score(memo) < MODEL_MEMO_BAR:
            faults.append((variant, seed, broken, question.score(memo)))
    return faults


@pytest.mark.slow  # the rest of the sample and seeds past it: make test runs it, test-fast not
@pytest.mark.parametrize("name", NAMES)
def test_the_solver_memo_holds_under_every_constraint_of_every_cause(name):
    assert _solver_memo_faults(name, _constraint_sample(name)) == []


@pytest.mark.parametrize("name", NAMES)
def test_the_solver_memo_meets_every_rule_from_the_tables_alone(name):
    form = SCENARIOS[name].spec.memo.memo_form
    for (variant, seed), case in _memo_sample(name).items():
        memo = _solver_memo(name, variant, seed)
        assert broken_rules(memo, scenario_cases.memo_key(case), form) == [], (variant, seed)


@pytest.mark.parametrize("name", NAMES)
def test_the_engine_scores_the_solver_memo_high(name):
    scenario, qid = SCENARIOS[name], _memo_id(name)
    for (variant, seed), case in _memo_sample(name).items():
        question = next(q for q in scenario.questions(case, case.truth) if q.id == qid)
        answer = _solver_memo(name, variant, seed)
        checks = question.checks(answer)
        assert [f for f in question.typed if not answer.get(f)] == [], (variant, seed)
        assert [c.contradiction for c in checks if c.contradiction] == [], (variant, seed)
        score = question.score(answer)
        assert score >= MODEL_MEMO_BAR, (variant, seed, [c.message for c in checks if c.credit < 1])


@pytest.mark.parametrize("name", sorted(TEMPTING_MEMOS))
def test_a_tempting_wrong_memo_breaks_the_rules(name):
    variant, seed, changes, rules = TEMPTING_MEMOS[name]
    case = scenario_cases.case(name, variant, seed)
    memo = {**_solver_memo(name, variant, seed), **changes}
    form = SCENARIOS[name].spec.memo.memo_form
    broken = " | ".join(broken_rules(memo, scenario_cases.memo_key(case), form))
    for rule in rules:
        assert f"{rule} " in broken, (rule, broken)


def _sweep_faults(name: str, key: MemoKey) -> list[str]:
    """What the sweep holds every case's key to, beyond its shape."""
    faults = band_faults(key)
    faults += [
        f"{sid}: shows the failure after {s.delay_days} days, past the {key.horizon_days}-day horizon"
        for sid, s in key.signals.items()
        if s.detects and s.delay_days > key.horizon_days
    ]
    if name in ALWAYS_DETECTS and not key.signals[ALWAYS_DETECTS[name]].detects:
        faults.append(f"{ALWAYS_DETECTS[name]} does not detect this case's failure")
    if key.horizon_days < MIN_HORIZON_DAYS.get(name, 1):
        faults.append(f"horizon {key.horizon_days} days < {MIN_HORIZON_DAYS[name]}")
    return faults


@pytest.mark.slow  # 200 cases per scenario: make test runs it, test-fast does not
@pytest.mark.parametrize("name", NAMES)
def test_the_memo_band_is_real_for_every_seed(name):
    spec = SCENARIOS[name].spec
    variants = SCENARIOS[name].variants
    faults = {}
    for seed in SWEEP_SEEDS:  # every variant in turn: 200 seeds, each cause 50 or more times
        variant = variants[seed % len(variants)]
        case = load_case(name, seed=seed, variant=variant)  # not cached: 200 cases
        key = spec.memo.memo_key(case, case.truth)
        bad = _sweep_faults(name, key) + key_shape_faults(key, spec.memo.memo_form, spec.decisions)
        if bad:
            faults[seed] = bad
    assert faults == {}
