"""Browser tests of the answer forms in JupyterLab: every notebook's forms are measured in the page
(no input narrower than its value, inputs aligned on one label column, prompts rendered), and an
unchecked memo edit survives a kernel restart as a draft, with the dead form saying so meanwhile.

Screenshots of one form per question type go to ``build/browser-artifacts/forms/`` (or
``$PMCOURSE_ARTIFACTS/forms/``).
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
from browser import (  # noqa: F401  (fixtures)
    ROOT,
    accept_kernel_dialog,
    click_menu,
    lab,
    lab_page,
    open_notebook,
    requires_chromium,
    restart_kernel,
    run_all_cells,
    wait_idle,
    write_notebook,
)

from pmcourse.scenarios import NOTEBOOKS as CASE_NOTEBOOKS

pytestmark = [pytest.mark.browser, requires_chromium]

# every notebook with a case (the closing notebook asks no question)
NOTEBOOKS = sorted(CASE_NOTEBOOKS.values())
ARTIFACTS = Path(os.environ.get("PMCOURSE_ARTIFACTS", ROOT / "build" / "browser-artifacts"))

# Every form of every notebook, filled with its expected answer where the case knows one (so the
# widest real values are in the inputs: 08's threshold, the longest metric names...). A ranking
# form (no notebook asks one yet) is drawn too, so every type is looked at.
GALLERY_CELLS = [
    "import pmcourse\nfrom IPython.display import display\nfrom pmcourse.answers import Ranking\n"
    "from pmcourse.scenarios import load_case, scenario_for_notebook",
    *[
        f"session = pmcourse.start({nb!r}, learner='gallery')\n"
        # the session hides the answers (the learner earns them): read them from the case itself
        f"scenario = scenario_for_notebook({nb!r})\n"
        "case = load_case(scenario.name)\n"
        "expected = {q.id: q.expected for q in scenario.questions(case, case.truth)}\n"
        "for qid in session.questions:\n"
        "    form = session.ask(qid)\n"
        "    if expected[qid] is not None:\n"
        "        form.set_value(expected[qid])\n"
        "    display(form)"
        for nb in NOTEBOOKS
    ],
    "display(Ranking('priorities', 'Order the **constraints** by what decides this case', "
    "{'legal': 'The audit date set by the regulator', 'eng': 'No engineering time this quarter', "
    "'pay': 'The payment cycle', 'launch': 'The launch in two weeks'}, "
    "answer=['legal', 'pay', 'eng', 'launch']).widget())",
]

MEASURE = """() => {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  const width = (el, text) => { ctx.font = getComputedStyle(el).font; return ctx.measureText(text).width; };
  const room = el => {
    const s = getComputedStyle(el);
    return el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  };
  const narrow = [], lefts = new Set(), prompts = [];
  let inputs = 0;
  for (const form of document.querySelectorAll('.pmcourse-question')) {
    const id = [...form.classList].find(c => c.startsWith('pmcourse-q-'));
    for (const el of form.querySelectorAll('.pmcourse-input input[type=text], .pmcourse-input select')) {
      inputs += 1;
      const texts = el.tagName === 'SELECT' ? [...el.options].map(o => o.text) : [el.value || el.placeholder];
      for (const text of texts) {
        if (width(el, text) > room(el) + 0.5) narrow.push(`${id}: "${text}" needs ${width(el, text).toFixed(0)}px, has ${room(el)}px`);
      }
    }
    for (const row of form.querySelectorAll('.pmcourse-field')) {
      lefts.add(Math.round(row.children[1].getBoundingClientRect().left));
    }
    const prompt = form.querySelector('.pmcourse-prompt').innerText;
    if (prompt.includes('`') || prompt.includes('**')) prompts.push(`${id}: ${prompt.slice(0, 80)}`);
  }
  return {forms: document.querySelectorAll('.pmcourse-question').length, inputs, narrow,
          lefts: [...lefts], prompts};
}"""


def test_every_notebook_form_fits_its_values_and_aligns(lab, lab_page):  # noqa: F811
    page = lab_page
    write_notebook(lab, "forms-gallery.ipynb", GALLERY_CELLS)
    open_notebook(page, lab, "forms-gallery.ipynb")
    run_all_cells(page)
    page.wait_for_function(
        "n => document.querySelectorAll('.pmcourse-question').length >= n",
        arg=len(NOTEBOOKS) * 2,
        timeout=60_000,
    )
    page.wait_for_timeout(1_000)  # let the last views lay out
    found = page.evaluate(MEASURE)
    assert found["forms"] >= 60 and found["inputs"] >= 30, found
    assert found["narrow"] == [], "inputs narrower than their values:\n" + "\n".join(
        found["narrow"]
    )
    assert len(found["lefts"]) == 1, f"inputs start at several x positions: {found['lefts']}"
    assert found["prompts"] == [], found["prompts"]
    # 08's kill-rule threshold shows its whole value, and the rule reads as a sentence
    capstone = page.locator(".pmcourse-type-kill_criterion").last
    threshold = capstone.locator(".pmcourse-input input[type=text]").first
    assert "." in threshold.input_value()
    assert "within" in capstone.locator(".pmcourse-preview").inner_text()
    tracebacks = page.locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    )
    assert tracebacks.count() == 0, tracebacks.all_inner_texts()
    shots = ARTIFACTS / "forms"
    shots.mkdir(parents=True, exist_ok=True)
    for qtype in ("choice", "multi_choice", "numeric", "ranking", "kill_criterion", "memo"):
        form = page.locator(f".pmcourse-type-{qtype}").last
        form.scroll_into_view_if_needed()
        if qtype == "numeric":  # Enter checks; a missing value is named by its label
            form.locator(".pmcourse-input input").fill("")
            form.locator(".pmcourse-input input").press("Enter")
            message = form.locator(".pmcourse-feedback .pmcourse-message")
            message.wait_for()
            assert "Still to fill in: Value" in message.inner_text()
        if qtype == "choice":  # a hint and the solution, one under the other
            hint = form.locator("button.pmcourse-hint")
            if hint.count():
                hint.click()
                form.locator(".pmcourse-hint-panel").wait_for()
            form.locator("button.pmcourse-solution").click()
            form.locator(".pmcourse-solution-panel").wait_for()
        form.screenshot(path=str(shots / f"{qtype}.png"))
        assert (shots / f"{qtype}.png").stat().st_size > 5_000


def _drafts(home: Path, question: str) -> list[str]:
    path = home / "answers.sqlite"
    if not path.exists():
        return []
    conn = sqlite3.connect(path)
    try:
        return [
            r[0]
            for r in conn.execute(
                "SELECT value FROM events WHERE question = ? AND kind = 'draft' ORDER BY id",
                (question,),
            )
        ]
    finally:
        conn.close()


MEMO = ".pmcourse-q-decision_memo"
TYPED = "Two weeks of rollout speed for the complaint signal"


def test_an_unchecked_memo_edit_survives_a_kernel_restart_as_a_draft(lab, lab_page):  # noqa: F811
    page = lab_page
    write_notebook(
        lab,
        "draft.ipynb",
        [
            "import pmcourse\nsession = pmcourse.start('08-capstone')",
            "session.ask('decision_memo')",
        ],
    )
    open_notebook(page, lab, "draft.ipynb")
    run_all_cells(page)
    memo = page.locator(MEMO)
    memo.wait_for(timeout=30_000)
    first = memo.locator("textarea").first
    first.fill(TYPED)
    memo.locator(".pmcourse-prompt").click()  # leaving the field sends it to the kernel
    deadline = time.monotonic() + 15
    while not any(TYPED in d for d in _drafts(lab.home, "decision_memo")):
        assert time.monotonic() < deadline, "the edit never reached the answer log as a draft"
        time.sleep(0.2)
    memo.locator(".pmcourse-draft", has_text="not submitted").wait_for(timeout=10_000)

    # the kernel restarts: the old form stays on the page and says it is dead, in one line
    restart_kernel(page)
    dead = memo.locator(".pmcourse-dead")
    dead.wait_for(state="visible", timeout=30_000)
    assert "run the cells again" in dead.inner_text()
    label = memo.locator("button.pmcourse-check").evaluate(
        "b => getComputedStyle(b, '::after').content"
    )
    assert "Kernel restarted" in label
    shots = ARTIFACTS / "forms"
    shots.mkdir(parents=True, exist_ok=True)
    memo.locator(".pmcourse-dead").screenshot(path=str(shots / "memo-after-restart-line.png"))
    memo.locator("button.pmcourse-check").screenshot(
        path=str(shots / "memo-after-restart-button.png")
    )

    # run again: the draft comes back, marked as not submitted
    run_all_cells(page)
    restored = page.locator(MEMO)
    restored.locator(".pmcourse-draft", has_text="Restored your draft").wait_for(timeout=30_000)
    assert restored.locator("textarea").first.input_value() == TYPED
    assert "not submitted" in restored.locator(".pmcourse-draft").inner_text()
    assert restored.locator(".pmcourse-dead").is_hidden()
    restored.screenshot(path=str(shots / "memo-draft-restored.png"))

    # saved, shut down and reopened: one line to run the cells, not "model not found"
    click_menu(page, "File", "Save Notebook")
    page.wait_for_timeout(1_000)
    click_menu(page, "Kernel", "Shut Down Kernel")
    page.wait_for_timeout(1_000)
    page.goto(lab.notebook_url("draft.ipynb"))
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    accept_kernel_dialog(page)
    wait_idle(page)
    stale = page.locator(".pmcourse-stale")
    stale.wait_for(state="visible", timeout=30_000)
    assert "run the cells again" in stale.inner_text()
    page.wait_for_timeout(2_000)  # the widget manager gives up on the model by now
    assert page.get_by_text("model not found").filter(visible=True).count() == 0
    page.screenshot(path=str(shots / "reopened-without-kernel.png"))


TYPED_MEMO = ".pmcourse-q-typed_memo"


def test_a_typed_memo_is_filled_checked_and_self_assessed_in_the_page(lab, lab_page):  # noqa: F811
    """The typed memo form in JupyterLab: dropdowns and text boxes, a bad date is one line, a
    sound memo scores, then the model memo and the rubric show and the ticks are saved."""
    page = lab_page
    write_notebook(
        lab,
        "typed-memo.ipynb",
        [
            f"import sys\nsys.path.insert(0, {str(ROOT / 'tests')!r})\n"
            "import pmcourse.answers.widgets\nfrom memo_support import make_memo\n"
            "memo = make_memo(id='typed_memo')",
            "memo.widget()",
        ],
    )
    open_notebook(page, lab, "typed-memo.ipynb")
    run_all_cells(page)
    form = page.locator(TYPED_MEMO)
    form.wait_for(timeout=30_000)
    selects = form.locator(".pmcourse-input select")
    assert selects.count() == 10  # option, signal, comparator, action, undo, 2x2 liability, traded
    choices = ["Roll the suggestions back.", "Daily override rate", ">", "Pause the rollout",
               "Turn the feature back on", "The product team", "None", "The users who override",
               "Turn the suggestions off in settings", "Minutes saved per task"]  # fmt: skip
    for index, label in zip((0, 1, 2, 3, 4, 5, 6, 7, 8, 9), choices, strict=True):
        selects.nth(index).select_option(label=label)
    texts = form.locator(".pmcourse-input input[type=text]")
    for index, value in enumerate(["6%", "7", "in 3 weeks maybe", "2.0"]):
        texts.nth(index).fill(value)
        texts.nth(index).press("Tab")
    form.locator("button.pmcourse-check").click()
    message = form.locator(".pmcourse-feedback .pmcourse-message")
    message.wait_for()
    page.wait_for_function(
        "() => document.querySelector('.pmcourse-q-typed_memo .pmcourse-feedback')"
        ".innerText.includes('as a date')"
    )
    assert "YYYY-MM-DD" in message.inner_text() and "\n" not in message.inner_text().strip()
    texts.nth(2).fill("2026-04-01")
    texts.nth(2).press("Tab")
    form.locator("button.pmcourse-check").click()
    page.wait_for_function(
        "() => document.querySelector('.pmcourse-q-typed_memo .pmcourse-feedback')"
        ".innerText.includes('Correct')"
    )
    review = form.locator(".pmcourse-model-memo")
    review.wait_for(timeout=30_000)
    assert "Daily override rate" in review.inner_text()
    form.locator(".pmcourse-rubric input[type=checkbox]").first.check()
    form.locator("button.pmcourse-self-assess").click()
    form.locator(".pmcourse-self-assess-feedback", has_text="1 of 6").wait_for(timeout=30_000)
    shots = ARTIFACTS / "forms"
    shots.mkdir(parents=True, exist_ok=True)
    form.screenshot(path=str(shots / "typed-memo.png"))
    tracebacks = page.locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    )
    assert tracebacks.count() == 0, tracebacks.all_inner_texts()
