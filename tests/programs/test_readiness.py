"""Readiness self-assessment: score and verdict, the plan below 80%, history, PDF."""

from __future__ import annotations

import datetime as dt
import html
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs.models import ReadinessAction, ReadinessAssessment, Role
from programs.readiness import (
    ACTION_NEEDED,
    DATE_NOT_LATER_THAN_TODAY,
    TARGET_WITHIN_A_YEAR,
    PlannedAction,
    readiness_assessment_record,
    readiness_plan_save,
)
from programs.rules import READINESS_STATEMENTS, readiness_verdict

pytestmark = pytest.mark.django_db
CODES = list(READINESS_STATEMENTS)


@pytest.mark.parametrize(("yes", "ready"), [(7, False), (8, True), (10, True), (0, False)])
def test_ready_at_eight_of_ten(yes, ready):
    verdict = readiness_verdict(yes=yes, total=10, threshold_percent=80)
    assert verdict.ready is ready
    assert verdict.needs_plan is (not ready)
    assert verdict.percent == yes * 10


def _answers(yes: int, day: str = "2025-03-01") -> dict[str, str]:
    import uuid

    data = {"assessed_on": day, "submission_key": str(uuid.uuid4())}
    for i, code in enumerate(CODES):
        data[code] = "yes" if i < yes else "no"
    return data


def test_a_manager_takes_the_assessment_and_every_one_is_kept(org, member_of, client_for):
    client = client_for(member_of(org, Role.PROGRAM_MANAGER))
    assert client.post(reverse("readiness_new"), _answers(7, "2025-01-10")).status_code == 302
    assert client.post(reverse("readiness_new"), _answers(9, "2025-09-10")).status_code == 302
    scores = list(
        ReadinessAssessment.objects.order_by("assessed_on").values_list("yes_count", flat=True)
    )
    assert scores == [7, 9]
    page = client.get(reverse("readiness_list")).content.decode()
    assert "Jan 2025: 70%" in page and "Sep 2025: 90%" in page  # the chart's description


def test_a_missing_answer_is_shown_by_the_statement_and_keeps_the_rest(org, member_of, client_for):
    client = client_for(member_of(org, Role.PROGRAM_MANAGER))
    data = _answers(8)
    del data[CODES[3]]
    data[f"{CODES[0]}_comment"] = "We run a monthly wellness night."
    response = client.post(reverse("readiness_new"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in body
    assert "We run a monthly wellness night." in body
    assert not ReadinessAssessment.objects.exists()


def test_below_eighty_percent_every_no_needs_an_owned_dated_action(
    org, other_org, member_of, client_for
):
    manager = member_of(org, Role.PROGRAM_MANAGER)
    outsider = member_of(other_org, Role.PROGRAM_MANAGER)
    client = client_for(manager)
    client.post(reverse("readiness_new"), _answers(7))
    assessment = ReadinessAssessment.objects.get()
    url = reverse("readiness_detail", args=[assessment.pk])
    noes = CODES[7:]
    empty = client.post(url, {})
    assert ACTION_NEEDED in html.unescape(empty.content.decode())
    plan = {}
    for code in noes:
        plan[f"{code}_action"] = f"Work on {code}"
        plan[f"{code}_owner"] = manager.user.pk
        plan[f"{code}_target"] = "2025-12-01"
    late = {**plan, f"{noes[0]}_target": "2026-03-02"}  # more than a year after 2025-03-01
    assert "Choose a target date between" in html.unescape(client.post(url, late).content.decode())
    stranger = {**plan, f"{noes[1]}_owner": outsider.user.pk}
    assert client.post(url, stranger).status_code == 200  # not among the choices: refused
    assert not ReadinessAction.objects.exists()
    assert client.post(url, plan).status_code == 302
    assert ReadinessAction.objects.filter(assessment=assessment).count() == 3
    action = ReadinessAction.objects.first()
    assert action is not None
    client.post(reverse("readiness_action_done", args=[action.pk]), {"done": "yes"})
    client.post(reverse("readiness_action_done", args=[action.pk]), {"done": "yes"})  # again
    action.refresh_from_db()
    assert action.done_on is not None  # sending it twice does not undo it


def test_at_eighty_percent_no_plan_is_required(org, member_of, client_for):
    client = client_for(member_of(org, Role.ORG_ADMIN))
    client.post(reverse("readiness_new"), _answers(8))
    assessment = ReadinessAssessment.objects.get()
    response = client.post(reverse("readiness_detail", args=[assessment.pk]), {})
    assert response.status_code == 302


def test_peers_and_supervisors_do_not_reach_readiness(org, member_of, client_for):
    for role in (Role.PEER_SUPPORTER, Role.CLINICAL_SUPERVISOR):
        client = client_for(member_of(org, role))
        assert client.get(reverse("readiness_list")).status_code == 403
        assert client.post(reverse("readiness_new"), _answers(9)).status_code == 403


def test_the_board_pdf_carries_the_score_answers_and_plan(org, member_of, client_for, tmp_path):
    manager = member_of(org, Role.PROGRAM_MANAGER)
    client = client_for(manager)
    client.post(
        reverse("readiness_new"),
        {**_answers(7, "2025-02-01"), f"{CODES[0]}_comment": "Quarterly forums"},
    )
    assessment = ReadinessAssessment.objects.get()
    plan = {
        f"{c}_action": "Train all staff on recovery language" if c == CODES[7] else f"Act on {c}"
        for c in CODES[7:]
    }
    plan.update({f"{c}_owner": manager.user.pk for c in CODES[7:]})
    plan.update({f"{c}_target": "2025-10-01" for c in CODES[7:]})
    client.post(reverse("readiness_detail", args=[assessment.pk]), plan)
    response = client.get(reverse("readiness_pdf"))
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(response.content)
    raw = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(raw.split())  # table cells wrap; compare words, not line breaks
    assert "Readiness self-assessment" in text
    assert org.name in text
    assert "7 of 10 (70%)" in text and "not ready yet" in text
    assert "Quarterly forums" in text
    assert "Train all staff on recovery language" in text
    assert "Page 1 of" in text
    assert dt.date(2025, 2, 1).strftime("%B %-d, %Y") in text


def test_a_double_submitted_assessment_is_kept_once(org, member_of, client_for):
    client = client_for(member_of(org, Role.PROGRAM_MANAGER))
    data = _answers(9)  # one form, with its one key, sent twice
    client.post(reverse("readiness_new"), data)
    client.post(reverse("readiness_new"), data)
    assert ReadinessAssessment.objects.count() == 1


@pytest.mark.parametrize("day", ["9999-12-31", "2999-01-01"])
def test_a_future_assessment_date_is_refused_by_the_field(org, member_of, client_for, day):
    client = client_for(member_of(org, Role.PROGRAM_MANAGER))
    response = client.post(reverse("readiness_new"), _answers(9, day))
    assert response.status_code == 200
    assert DATE_NOT_LATER_THAN_TODAY.split("(")[0] in html.unescape(response.content.decode())
    assert not ReadinessAssessment.objects.exists()


# ----- The plan's deadline (programs.rules.plan_deadline, READINESS_PLAN_DAYS) -------------
ASSESSED = dt.date(2025, 3, 1)
DEADLINE = dt.date(2026, 3, 1)  # 365 days after the assessment
ONE_DAY = dt.timedelta(days=1)


def _plan_with_target(org, member_of, target: dt.date) -> list[ReadinessAction]:
    """A 7-of-10 assessment and its plan, the first 'no' aimed at `target`, the others at
    the assessment's own day."""
    manager = member_of(org, Role.PROGRAM_MANAGER)
    assessment = readiness_assessment_record(
        organization=org,
        actor=manager.user,
        assessed_on=ASSESSED,
        answers={code: (i < 7, "") for i, code in enumerate(CODES)},
    )
    actions = {code: PlannedAction(f"Work on {code}", manager.user, ASSESSED) for code in CODES[7:]}
    actions[CODES[7]] = PlannedAction("The one at the edge", manager.user, target)
    return readiness_plan_save(assessment=assessment, actor=manager.user, actions=actions)


@pytest.mark.parametrize(
    "target",
    [DEADLINE - ONE_DAY, DEADLINE, ASSESSED],
    ids=["the day before the deadline", "the deadline itself", "the assessment's own day"],
)
def test_a_plans_target_date_may_be_any_day_up_to_and_on_the_deadline(org, member_of, target):
    saved = _plan_with_target(org, member_of, target)
    assert {a.statement: a.target_date for a in saved}[CODES[7]] == target


@pytest.mark.parametrize(
    "target",
    [DEADLINE + ONE_DAY, ASSESSED - ONE_DAY],
    ids=["the day after the deadline", "the day before the assessment"],
)
def test_a_plans_target_date_after_the_deadline_or_before_the_assessment_is_refused(
    org, member_of, target
):
    with pytest.raises(ValidationError) as err:
        _plan_with_target(org, member_of, target)
    assert err.value.message_dict == {
        f"{CODES[7]}_target": [TARGET_WITHIN_A_YEAR.format(deadline=DEADLINE)]
    }
    assert not ReadinessAction.objects.exists()


def test_the_deadline_is_read_from_readiness_plan_days(org, member_of, settings):
    settings.READINESS_PLAN_DAYS = 30
    assert _plan_with_target(org, member_of, dt.date(2025, 3, 31))
    with pytest.raises(ValidationError) as err:
        _plan_with_target(org, member_of, dt.date(2025, 4, 1))
    assert TARGET_WITHIN_A_YEAR.format(deadline=dt.date(2025, 3, 31)) in err.value.messages
