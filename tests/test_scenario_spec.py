"""The scenario spec and its engine: checks at load, the truth, the standard questions, the order."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from pmcourse.answers import Choice, Numeric
from pmcourse.answers.memo_case import MemoForm, MemoKey, SignalKey
from pmcourse.exceptions import ScenarioError
from pmcourse.scenarios import NOTEBOOKS, SCENARIOS
from pmcourse.scenarios.base import Case, Scenario, TableDoc
from pmcourse.scenarios.spec import (
    DIMENSIONS,
    SKILLS,
    Ask,
    Cause,
    Draw,
    Evidence,
    Option,
    ScenarioSpec,
    Size,
)

SIZES = {"small": Size(days=5), "default": Size(days=7), "large": Size(days=9, scale=3.0)}


def _generate(rng, variant, size):
    days = pd.date_range("2026-01-05", periods=size.days, freq="D")
    level = 100 if variant == "alpha_cause" else 60
    daily = pd.DataFrame({"date": days, "users": rng.poisson(level * size.scale, len(days))})
    timeline = pd.DataFrame(
        {"date": [days[2]], "event": ["Release"], "kind": ["release"], "detail": [""]}
    )
    facts = {
        "mean_users": round(float(daily["users"].mean()), 2),
        "deadline": bool(rng.random() < 0.5),
    }
    return Draw({"daily": daily}, timeline, "### Briefing", {"level": level}, facts)


def _own(case, truth):
    t = truth or {}
    return [Numeric("mean_users", "Mean users per day?", answer=t.get("mean_users"), tolerance=0.5)]


#: The tiny case's memo: its one real signal is daily users (a decoy, weekly NPS, cannot see it).
TINY_FORM = MemoForm(
    signals={"weekly_nps": ("Weekly NPS", "points"), "users": ("Daily users", "users")},
    actions={"escalate": "Escalate", "act_now": "Act now"},
    undo={"cannot_undo": "It cannot be undone", "revert": "Revert the change"},
)


def _tiny_memo_key(case, truth) -> MemoKey:
    """The tiny case's memo key from its table: users before the release, half of that is harm."""
    daily = case.tables["daily"]
    before = daily["users"][daily["date"] < daily["date"].iloc[2]]
    baseline = float(before.mean())
    decisions = ("act_now", "wait", "escalate")
    return MemoKey(
        decision=truth["decision"],
        partial={},
        reversible={d: True for d in decisions},
        undo_ok={d: ("revert",) for d in decisions},
        on_trigger={"act_now": ("escalate",), "wait": ("act_now",), "escalate": ("act_now",)},
        signals={
            "users": SignalKey(baseline, 2 * float(before.std()), baseline / 2, 1),
            "weekly_nps": SignalKey(40.0, 6.0, 35.0, 7, detects=False),
        },
        decided_on=(daily["date"].max() + pd.Timedelta(days=1)).date().isoformat(),
        horizon_days=30,
    )


def _tags(*qids: str) -> dict[str, tuple[str, str]]:
    return {q: ("constraint prioritisation", "failure archaeology") for q in qids}


def _spec(**overrides) -> ScenarioSpec:
    base = dict(
        name="tiny_case",
        notebook="98-tiny-case",
        title="Tiny",
        causes=(
            Cause("alpha_cause", "Alpha happened.", evidence=("high",), decision="act_now"),
            Cause(
                "beta_cause",
                "Beta happened.",
                evidence=lambda facts: ["low", "steady"] if facts["deadline"] else ["low"],
                decision=lambda facts: "wait" if facts["deadline"] else "act_now",
                partial={"escalate": 0.5},
            ),
        ),
        generate=_generate,
        questions=_own,
        tables={
            "daily": TableDoc("One row per day.", {"date": ("day", "date"), "users": ("u", "")})
        },
        naive_reading="It is alpha.",
        sizes=SIZES,
        order=("diagnosis", "mean_users", "evidence", "decision", "memo"),
        tags=_tags("diagnosis", "mean_users", "evidence", "decision", "memo"),
        decisions=(
            Option("act_now", "Act now."),
            Option("wait", "Wait for the deadline."),
            Option("escalate", "Escalate."),
        ),
        evidence=(
            Evidence("high", "Users are high."),
            Evidence(
                "low", lambda case: f"Users average {case.tables['daily']['users'].mean():.0f}."
            ),
            Evidence("steady", "Users are steady."),
        ),
        diagnosis=Ask("Why?", hints=("Look.",), solution="Because."),
        ask_evidence=Ask(
            "Which findings?", solution=lambda t: "see " + ",".join(t["evidence"]) if t else "-"
        ),
        ask_decision=Ask("What now?"),
        memo=Ask(
            "Memo.",
            extra_fields={"expires_on": "When it expires"},
            memo_form=TINY_FORM,
            memo_key=_tiny_memo_key,
        ),
    )
    base.update(overrides)
    return ScenarioSpec(**base)


def _case(spec, variant="beta_cause", seed=3, size="default"):
    return spec.build().generate(np.random.default_rng(seed), variant, size)


def test_build_gives_the_runtime_scenario_with_the_spec_attached():
    spec = _spec()
    scenario = spec.build()
    assert isinstance(scenario, Scenario) and scenario.spec.name == "tiny_case"
    assert scenario.variants == ("alpha_cause", "beta_cause")
    assert scenario.variant_labels == {
        "alpha_cause": "Alpha happened.",
        "beta_cause": "Beta happened.",
    }
    assert [scenario.spec.sizes[s].name for s in ("small", "default", "large")] == [
        "small",
        "default",
        "large",
    ]


def test_the_engine_writes_cause_label_evidence_and_decision_then_the_facts():
    case = _case(_spec())
    assert isinstance(case, Case) and case.scenario == "tiny_case" and case.size == "default"
    t = case.truth
    assert list(t)[:4] == ["cause", "cause_label", "evidence", "decision"]
    assert t["cause"] == "beta_cause" and t["cause_label"] == "Beta happened."
    # the decision and evidence depend on a constraint of the case (the deadline fact)
    assert t["decision"] == ("wait" if t["deadline"] else "act_now")
    assert t["evidence"] == (["low", "steady"] if t["deadline"] else ["low"])
    assert case.params == {"level": 60} and len(case.tables["daily"]) == 7


def test_both_constraints_occur_and_change_the_right_action():
    spec = _spec()
    decisions = {_case(spec, seed=s).truth["decision"] for s in range(20)}
    assert decisions == {"wait", "act_now"}


def test_size_knobs_reach_the_generator():
    spec = _spec()
    assert len(_case(spec, size="small").tables["daily"]) == 5
    assert len(_case(spec, size="large").tables["daily"]) == 9


def test_questions_follow_the_declared_order_in_both_modes():
    spec = _spec()
    scenario = spec.build()
    case = _case(spec)
    practice = scenario.questions(case, case.truth)
    graded = scenario.questions(case, None)
    assert [q.id for q in practice] == list(spec.order) == [q.id for q in graded]
    diagnosis = practice[0]
    assert isinstance(diagnosis, Choice) and list(diagnosis.options) == list(spec.variants)
    assert diagnosis.expected == "beta_cause" and graded[0].expected is None
    assert (
        practice[2].options["low"] == f"Users average {case.tables['daily']['users'].mean():.0f}."
    )
    assert practice[2].solution.startswith("see low") and graded[2].solution == "-"
    decision = practice[3]
    assert decision.partial == {"escalate": 0.5} and graded[3].partial == {}
    assert decision.score("escalate") == 0.5
    assert "expires_on" in practice[4].required


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "causes": (Cause("alpha_cause", "A.", evidence=("nope",), decision="act_now"),) * 1
                + (Cause("beta_cause", "B.", decision="wait"),)
            },
            "cause 'alpha_cause' cites evidence 'nope', which is not an evidence option",
        ),
        (
            {"causes": (Cause("alpha_cause", "A.", decision="fly"), Cause("beta_cause", "B."))},
            "cause 'alpha_cause' decides 'fly', which is not a decision id",
        ),
        (
            {"causes": (Cause("alpha_cause", "A."), Cause("alpha_cause", "B."))},
            "cause ids repeat: alpha_cause",
        ),
        (
            {"causes": (Cause("Alpha", "A."), Cause("beta_cause", "B."))},
            "cause id 'Alpha' must be snake_case",
        ),
        ({"causes": (Cause("alpha_cause", "A."),)}, "at least two causes"),
        ({"order": ("diagnosis", "evidence", "decision")}, "lacks the memo question 'memo'"),
        (
            {"order": ("diagnosis", "diagnosis", "evidence", "decision", "memo")},
            "names diagnosis more than once",
        ),
        ({"ask_decision": None}, "decisions are declared but ask_decision"),
        ({"decisions": ()}, "ask_decision is set but no decisions"),
        (
            {"sizes": {"small": Size(), "default": Size()}},
            "sizes must set exactly small, default, large",
        ),
        (
            {"sizes": {"small": Size(), "default": Size(), "large": 3}},
            "size 'large' must be a Size",
        ),
        (
            {
                "causes": (
                    Cause("alpha_cause", "A.", partial={"zzz": 0.5}),
                    Cause("beta_cause", "B."),
                )
            },
            "gives partial credit to unknown 'zzz'",
        ),
    ],
)
def test_spec_faults_are_named_when_the_module_loads(overrides, message):
    with pytest.raises(ScenarioError, match=message):
        _spec(**overrides).build()


def test_order_and_built_questions_must_agree():
    order = ("diagnosis", "evidence", "decision", "memo", "ghost")
    spec = _spec(order=order, tags=_tags(*order))
    case = _case(_spec())
    with pytest.raises(
        ScenarioError, match="ordered but not built: ghost; built but not ordered: mean_users"
    ):
        spec.build().questions(case, case.truth)
    clash = _spec(questions=lambda case, truth: [Numeric("memo", "x?", tolerance=1)])
    with pytest.raises(ScenarioError, match="'memo' is both a standard question"):
        clash.build().questions(case, case.truth)


def test_the_generator_may_not_set_what_the_engine_derives():
    def generate(rng, variant, size):
        draw = _generate(rng, variant, size)
        return replace(draw, facts={**draw.facts, "cause": variant})

    with pytest.raises(ScenarioError, match="facts set cause, which the engine derives"):
        _case(_spec(generate=generate))
    with pytest.raises(ScenarioError, match="must return a Draw"):
        _case(_spec(generate=lambda rng, variant, size: {}))


def test_a_runtime_decision_or_evidence_outside_the_spec_is_refused():
    bad = _spec(
        causes=(
            Cause("alpha_cause", "A.", evidence=lambda f: ["nope"], decision="act_now"),
            Cause("beta_cause", "B.", evidence=("low",), decision=lambda f: "fly"),
        )
    )
    with pytest.raises(ScenarioError, match="cites unknown evidence"):
        _case(bad, variant="alpha_cause")
    with pytest.raises(ScenarioError, match="decides 'fly', which is not a decision id"):
        _case(bad, variant="beta_cause")


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_every_course_scenario_is_built_from_a_spec(name):
    scenario = SCENARIOS[name]
    assert scenario.spec is not None, f"{name} is not built from a ScenarioSpec"
    assert scenario.variants == scenario.spec.variants


def test_why_not_becomes_this_cases_feedback_on_a_wrong_pick():
    spec = _spec(
        causes=(
            Cause(
                "alpha_cause",
                "Alpha happened.",
                evidence=("high",),
                decision="act_now",
                why_not=lambda t: f"Users averaged {t['mean_users']:.1f} a day, too few for alpha.",
            ),
            Cause("beta_cause", "Beta happened.", evidence=("low",), decision="act_now"),
        ),
        decisions=(
            Option("act_now", "Act now."),
            Option(
                "wait", "Wait.", why_not=lambda t: f"Waiting leaves {t['mean_users']:.1f} users."
            ),
            Option("escalate", "Escalate."),
        ),
    )
    scenario = spec.build()
    case = _case(spec)
    questions = {q.id: q for q in scenario.questions(case, case.truth)}
    mean = case.truth["mean_users"]
    wrong = questions["diagnosis"].answer("alpha_cause")
    assert wrong.score == 0 and f"Users averaged {mean:.1f} a day" in wrong.message
    assert f"Waiting leaves {mean:.1f} users." in questions["decision"].answer("wait").message
    # graded questions carry no feedback that would give the answer away
    graded = {q.id: q for q in scenario.questions(case, None)}
    assert "option_feedback" not in graded["diagnosis"].to_key()


def test_a_spec_that_asks_no_evidence_or_decision_still_records_them_in_the_truth():
    spec = _spec(
        causes=(
            Cause("alpha_cause", "A.", evidence=("same_weekday",), decision="investigate"),
            Cause("beta_cause", "B.", evidence=("same_weekday",), decision="no_action"),
        ),
        decisions=(),
        evidence=(),
        ask_evidence=None,
        ask_decision=None,
        memo=None,  # a typed memo offers the decisions; with none declared there is no memo
        order=("diagnosis", "mean_users"),
        tags=_tags("diagnosis", "mean_users"),
    )
    case = _case(spec, variant="alpha_cause")
    assert case.truth["evidence"] == ["same_weekday"] and case.truth["decision"] == "investigate"
    assert [q.id for q in spec.build().questions(case, case.truth)] == list(spec.order)


def _statement_spec(**overrides):
    from pmcourse.scenarios.spec import EVIDENCE_RULE  # noqa: F401  (imported for the test below)

    base = dict(
        causes=(
            Cause(
                "alpha_cause",
                "A.",
                decision=lambda f: "wait" if f["constraint"] == "freeze" else "act_now",
            ),
            Cause("beta_cause", "B.", decision="act_now"),
        ),
        evidence=(
            Evidence(
                "busy",
                lambda case: f"Users average {case.tables['daily']['users'].mean():.0f}.",
                holds=lambda f: f["mean_users"] > 80,
            ),
            Evidence("quiet", "Users average under 80.", holds=lambda f: f["mean_users"] <= 80),
            Evidence("has_data", "There is data for every day.", shared=True),
        ),
        constraints=(Option("freeze", "A release freeze"), Option("open", "Engineers are free")),
    )
    base.update(overrides)
    return _spec(**base)


def _with_constraint(generate):
    def draw(rng, variant, size):
        d = generate(rng, variant, size)
        return replace(
            d, facts={**d.facts, "constraint": "freeze" if d.facts["deadline"] else "open"}
        )

    return draw


def test_statement_evidence_is_what_holds_in_this_case_and_tells_stories_apart():
    from pmcourse.scenarios.spec import EVIDENCE_RULE

    spec = _statement_spec(generate=_with_constraint(_generate))
    for variant in spec.variants:
        case = _case(spec, variant=variant)
        t = case.truth
        assert t["evidence"] == (["busy"] if t["mean_users"] > 80 else ["quiet"])
        evidence = next(q for q in spec.build().questions(case, t) if q.id == "evidence")
        assert evidence.prompt.endswith(EVIDENCE_RULE)
        right = set(t["evidence"])
        assert evidence.score(right) == 1.0
        assert (
            evidence.score(right | {"has_data"}) == 0.0
        )  # a shared statement costs like a false one


def test_the_decision_depends_on_the_drawn_constraint():
    spec = _statement_spec(generate=_with_constraint(_generate))
    seen = {}
    for seed in range(30):
        t = _case(spec, variant="alpha_cause", seed=seed).truth
        seen.setdefault(t["constraint"], set()).add(t["decision"])
    assert seen == {"freeze": {"wait"}, "open": {"act_now"}}
    with pytest.raises(
        ScenarioError,
        match=r"facts\['constraint'\] is None; the spec's constraints are freeze, open",
    ):
        _case(_statement_spec())  # the plain generator draws no constraint


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "evidence": (
                    Evidence("busy", "Busy.", holds=lambda f: True),
                    Evidence("quiet", "Quiet."),
                )
            },
            "statements quiet say neither when they hold",
        ),
        (
            {
                "causes": (
                    Cause("alpha_cause", "A.", evidence=("busy",), decision="act_now"),
                    Cause("beta_cause", "B.", decision="act_now"),
                )
            },
            "causes alpha_cause list evidence, but the statements' holds",
        ),
    ],
)
def test_statement_evidence_faults_are_named(overrides, message):
    with pytest.raises(ScenarioError, match=message):
        _statement_spec(**overrides).build()


# ---- tags: what each question trains (the essay's dimensions and skills) -----------------------
@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (_tags("diagnosis", "evidence", "decision", "memo"), "'mean_users' has no tag"),
        (
            {**_tags("diagnosis", "mean_users", "evidence", "decision", "memo"), "ghost": None},
            "a tag names 'ghost', which is not a question in the order",
        ),
        (
            {
                **_tags("diagnosis", "mean_users", "evidence", "decision"),
                "memo": ("speed", "failure archaeology"),
            },
            "the tag of 'memo' is \\('speed', 'failure archaeology'\\); dimensions are",
        ),
        (
            {
                **_tags("diagnosis", "mean_users", "evidence", "decision"),
                "memo": ("feedback velocity", "charisma"),
            },
            "the tag of 'memo' is \\('feedback velocity', 'charisma'\\)",
        ),
        (
            {**_tags("diagnosis", "mean_users", "evidence", "decision"), "memo": "feedback"},
            "the tag of 'memo' must be a \\(dimension, skill\\) pair",
        ),
    ],
)
def test_every_question_carries_a_known_dimension_and_skill(tags, message):
    with pytest.raises(ScenarioError, match=message):
        _spec(tags=tags).build()


def test_built_questions_carry_their_tags_but_the_key_does_not():
    tags = {
        **_tags("diagnosis", "evidence", "decision"),
        "mean_users": ("feedback velocity", "failure archaeology"),
        "memo": ("liability mapping", "trade-off articulation"),
    }
    spec = _spec(tags=tags)
    case = _case(spec)
    for truth in (case.truth, None):
        built = {q.id: q for q in spec.build().questions(case, truth)}
        assert {q: (b.dimension, b.skill) for q, b in built.items()} == tags
    assert "dimension" not in built["memo"].to_key() and "skill" not in built["memo"].to_key()


def _course_tags() -> dict[str, dict[str, tuple[str, str]]]:
    return {name: dict(SCENARIOS[name].spec.tags) for name in NOTEBOOKS}


def test_every_question_of_the_course_is_tagged():
    for name in NOTEBOOKS:
        scenario = SCENARIOS[name]
        case = scenario.generate(np.random.default_rng(0), scenario.variants[0], "small")
        for question in scenario.questions(case, case.truth):
            assert question.dimension in DIMENSIONS, f"{name}: {question.id} has no dimension"
            assert question.skill in SKILLS, f"{name}: {question.id} has no skill"


def _thin_dimensions(course_tags) -> dict[str, int]:
    """Dimensions trained by fewer than five questions across the course, with their counts."""
    counts = Counter(tag[0] for tags in course_tags.values() for tag in tags.values())
    return {d: counts[d] for d in DIMENSIONS if counts[d] < 5}


def test_every_dimension_is_trained_by_at_least_five_questions_across_the_course():
    thin = _thin_dimensions(_course_tags())
    assert not thin, f"dimensions with fewer than five questions across the course: {thin}"


def test_the_course_checks_fail_on_an_untagged_question_and_a_thin_dimension():
    name = list(NOTEBOOKS)[-1]
    spec = SCENARIOS[name].spec
    untagged = dict(spec.tags)
    untagged.pop(spec.order[-1])
    with pytest.raises(ScenarioError, match="has no tag"):
        replace(spec, tags=untagged).build()
    # every liability question retagged: the dimension is counted thin
    retagged = {
        n: {
            q: ("feedback velocity", t[1]) if t[0] == "liability mapping" else t
            for q, t in tags.items()
        }
        for n, tags in _course_tags().items()
    }
    assert _thin_dimensions(retagged) == {"liability mapping": 0}


def test_a_typed_memo_gets_its_key_in_practice_and_only_its_form_in_graded_mode():
    import memo_support

    case = memo_support.fixture_case(3)
    practice = memo_support.SCENARIO.questions(case, case.truth)[-1]
    graded = memo_support.SCENARIO.questions(case, None)[-1]
    assert practice.form == graded.form == memo_support.FORM
    assert practice.memo_key.decision == case.truth["decision"] and graded.memo_key is None
    assert practice.options == graded.options == memo_support.OPTIONS
    assert practice.has_key and not graded.has_key and graded.to_key()["memo_key"] is None


def test_a_memo_with_half_a_typed_form_fails_the_check():
    import memo_support

    for half in (
        replace(_spec().memo, memo_form=memo_support.FORM, memo_key=None),
        replace(_spec().memo, memo_form=None),
    ):
        with pytest.raises(ScenarioError, match="sets one of memo_form and memo_key"):
            _spec(memo=half).check()


def test_every_memo_must_be_typed():
    _spec().check()
    prose_only = replace(_spec().memo, memo_form=None, memo_key=None)
    with pytest.raises(ScenarioError, match="lacks memo_form and memo_key.*docs/authoring.md"):
        _spec(memo=prose_only).check()
