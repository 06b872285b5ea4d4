"""The survey's small-numbers rule on its own: which cells are withheld (at the minimum's
edges), what counts as a person and an answer, per question and per program within a
month, whole months, and the reasons given."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from encounters.models import Client, SurveyResponse
from encounters.services.encounters import encounter_save
from encounters.survey_privacy import (
    FEW_CLIENTS,
    FEW_PEOPLE,
    PERIOD_NOT_WHOLE_MONTHS,
    PERIOD_NOT_WHOLE_QUARTERS,
    QUESTIONS,
    Cell,
    QuarterCell,
    SurveyDisclosure,
    answered,
    cell_withheld,
    survey_disclosure,
    whole_months,
    whole_quarters,
)
from tests.encounters.conftest import encounter_input

APRIL, MAY, JUNE = dt.date(2025, 4, 1), dt.date(2025, 5, 1), dt.date(2025, 6, 1)
TODAY = dt.date(2025, 6, 18)


# --- the cell rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("people", "minimum", "withheld"),
    [
        (0, 5, False),  # no one answered: nothing to withhold
        (1, 5, True),
        (4, 5, True),  # the minimum less one
        (5, 5, False),  # the minimum
        (6, 5, False),
        (0, 1, False),
        (1, 1, False),
        (1, 2, True),
        (2, 2, False),
    ],
)
def test_a_cell_is_withheld_from_one_person_to_the_minimum_less_one(people, minimum, withheld):
    assert cell_withheld(people, minimum) is withheld


@pytest.mark.parametrize(
    ("start", "end", "whole"),
    [
        (dt.date(2025, 4, 1), dt.date(2025, 4, 30), True),
        (dt.date(2025, 4, 1), dt.date(2025, 6, 30), True),
        (dt.date(2025, 12, 1), dt.date(2025, 12, 31), True),  # the year turns after it
        (dt.date(2024, 2, 1), dt.date(2024, 2, 29), True),  # a leap February
        (dt.date(2024, 2, 1), dt.date(2024, 2, 28), False),
        (dt.date(2025, 4, 2), dt.date(2025, 4, 30), False),  # starts a day late
        (dt.date(2025, 4, 1), dt.date(2025, 4, 29), False),  # ends a day early
        (dt.date(2025, 6, 1), TODAY, True),  # the last month may run to today
        (dt.date(2025, 6, 1), TODAY - dt.timedelta(days=1), False),  # but not to yesterday
    ],
)
def test_a_period_is_whole_months_or_runs_to_today(start, end, whole):
    assert whole_months(start, end, TODAY) is whole


def test_an_unknown_question_is_refused():
    with pytest.raises(ValueError, match="unknown survey question 'mood'"):
        answered("mood")


def _disclosure(people: dict[tuple[str, dt.date, str], int], whole: bool = True):
    ids = {"Recovery": 1, "Housing": 2}
    return SurveyDisclosure(
        whole_months=whole,
        minimum=5,
        people={Cell(ids[p], p, month, q): n for (p, month, q), n in people.items()},
    )


def test_a_figure_is_withheld_when_any_of_its_cells_is_and_says_which():
    d = _disclosure(
        {
            ("Recovery", APRIL, "satisfaction"): 9,
            ("Housing", APRIL, "satisfaction"): 4,
            ("Recovery", MAY, "satisfaction"): 5,
            ("Housing", MAY, "satisfaction"): 7,
        }
    )
    april = FEW_PEOPLE.format(minimum=5, cells="Housing in April 2025")
    assert april == "Fewer than 5 people answered this question in Housing in April 2025."
    assert d.reason("satisfaction") == april  # the period holds April's small cell
    assert d.reason("satisfaction", month=APRIL) == april
    assert d.reason("satisfaction", month=MAY) == ""  # May decides on May's cells alone
    assert d.withheld_cells("satisfaction") == [Cell(2, "Housing", APRIL, "satisfaction")]


def test_each_question_is_decided_on_its_own_cells():
    d = _disclosure(
        {
            ("Recovery", APRIL, "satisfaction"): 5,
            ("Recovery", APRIL, "wellbeing"): 4,
            ("Recovery", APRIL, "relapse"): 1,
        }
    )
    assert d.reason("satisfaction") == ""
    assert d.reason("wellbeing") and d.reason("relapse")
    # A question no one answered has nothing to withhold: its figure is simply empty.
    assert d.reason("alternative") == "" and not d.answered("alternative")
    assert d.answered("satisfaction") and not d.answered("satisfaction", month=MAY)


def test_every_cell_is_named_when_several_are_small():
    d = _disclosure({("Housing", APRIL, "alternative"): 2, ("Recovery", MAY, "alternative"): 3})
    assert d.reason("alternative") == FEW_PEOPLE.format(
        minimum=5, cells="Housing in April 2025; Recovery in May 2025"
    )


def test_a_period_of_part_months_withholds_every_answered_question():
    d = _disclosure({("Recovery", APRIL, "satisfaction"): 50}, whole=False)
    assert d.reason("satisfaction") == PERIOD_NOT_WHOLE_MONTHS
    assert d.reason("satisfaction", month=APRIL) == PERIOD_NOT_WHOLE_MONTHS
    # No answers, nothing withheld: in the period, or in a month of it.
    assert d.reason("wellbeing") == ""
    assert d.reason("satisfaction", month=MAY) == ""


Q2 = dt.date(2025, 4, 1)
RECOVERY_Q2, HOUSING_Q2 = QuarterCell(1, "Recovery", Q2), QuarterCell(2, "Housing", Q2)


def _quarters(whole: bool = True) -> SurveyDisclosure:
    d = _disclosure({("Recovery", APRIL, "wellbeing"): 30, ("Housing", APRIL, "wellbeing"): 30})
    return SurveyDisclosure(d.whole_months, d.minimum, d.people, whole_quarters=whole)


@pytest.mark.parametrize(
    ("clients", "reason"),
    [
        (0, ""),
        (1, FEW_CLIENTS.format(minimum=5, cells="Recovery in Q2 2025")),
        (4, FEW_CLIENTS.format(minimum=5, cells="Recovery in Q2 2025")),
        (5, ""),
    ],
)
def test_a_quarter_cell_of_the_wellbeing_change_needs_the_minimum_of_clients(clients, reason):
    assert _quarters().change_reason({RECOVERY_Q2: clients, HOUSING_Q2: 8}) == reason


def test_one_small_program_quarter_withholds_the_organization_s_change():
    d = _quarters()
    assert d.change_reason({RECOVERY_Q2: 40, HOUSING_Q2: 3}) == FEW_CLIENTS.format(
        minimum=5, cells="Housing in Q2 2025"
    )
    assert d.change_reason({RECOVERY_Q2: 40}) == ""


def test_every_small_quarter_is_named_in_the_order_of_programs_then_quarters():
    q3 = QuarterCell(1, "Recovery", dt.date(2025, 7, 1))
    reason = _quarters().change_reason({q3: 2, RECOVERY_Q2: 1, HOUSING_Q2: 3})
    assert reason == FEW_CLIENTS.format(
        minimum=5, cells="Housing in Q2 2025; Recovery in Q2 2025; Recovery in Q3 2025"
    )


def test_the_wellbeing_change_is_shown_over_whole_quarters_only():
    assert _quarters(whole=False).change_reason({RECOVERY_Q2: 40}) == PERIOD_NOT_WHOLE_QUARTERS
    assert _quarters(whole=False).change_reason({}) == PERIOD_NOT_WHOLE_QUARTERS
    nobody = SurveyDisclosure(whole_months=True, minimum=5, whole_quarters=False)
    assert nobody.change_reason({}) == ""  # no well-being answer: nothing to withhold


def test_the_wellbeing_change_goes_with_a_small_wellbeing_cell_whatever_its_clients():
    d = _disclosure({("Recovery", APRIL, "wellbeing"): 30, ("Housing", MAY, "wellbeing"): 2})
    d = SurveyDisclosure(d.whole_months, d.minimum, d.people, whole_quarters=True)
    assert d.change_reason({RECOVERY_Q2: 40}) == d.reason("wellbeing") != ""


@pytest.mark.parametrize(
    ("start", "end", "whole"),
    [
        (dt.date(2025, 1, 1), dt.date(2025, 3, 31), True),
        (dt.date(2025, 4, 1), dt.date(2025, 6, 30), True),
        (dt.date(2025, 7, 1), dt.date(2025, 9, 30), True),
        (dt.date(2025, 10, 1), dt.date(2025, 12, 31), True),
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31), True),
        (dt.date(2025, 4, 1), TODAY, True),  # the quarter running to today
        (dt.date(2025, 1, 1), dt.date(2025, 2, 28), False),
        (dt.date(2025, 2, 1), dt.date(2025, 3, 31), False),
        (dt.date(2025, 1, 2), dt.date(2025, 3, 31), False),
        (dt.date(2025, 1, 1), dt.date(2025, 3, 30), False),
        (dt.date(2025, 1, 1), dt.date(2025, 4, 30), False),
        (dt.date(2025, 4, 1), dt.date(2025, 6, 29), False),
        (dt.date(2025, 7, 1), dt.date(2025, 9, 29), False),
        (dt.date(2025, 10, 1), dt.date(2025, 12, 30), False),
    ],
)
def test_whole_quarters_start_on_a_quarter_s_first_day_and_end_on_its_last_or_today(
    start, end, whole
):
    assert whole_quarters(start, end, TODAY) is whole


# --- counting the cells in the database ---------------------------------------------------


def _client(program: Any, peer: Any) -> Client:
    return Client.objects.create(
        program=program,
        code=f"P-{Client.objects.count():04}",
        assigned_peer=peer,
        enrolled_on=dt.date(2024, 1, 1),
    )


def _answer(s: Any, day: dt.date, *, client: Any = "new", program: Any = None, **answers: Any):
    """One survey answered after an encounter on `day` (by a new client unless given;
    None for an encounter without a named client, a group)."""
    program = program or s.program
    if client == "new":
        client = _client(program, s.peer)
    extra = {"format": "group", "head_count": 4} if client is None else {}
    encounter, _ = encounter_save(
        actor=s.peer.user,
        peer=s.peer,
        data=encounter_input(s, program=program, client=client, date=day, **extra),
    )
    return SurveyResponse.objects.create(
        encounter=encounter,
        organization=program.organization,
        channel="handover",
        submitted_on=day,
        **answers,
    )


def _people(s: Any, **scope: Any) -> dict[tuple[str, dt.date, str], int]:
    d = survey_disclosure(s.program.organization, start=APRIL, end=dt.date(2025, 5, 31), **scope)
    return {(c.program, c.month, c.question): n for c, n in d.people.items()}


@pytest.mark.django_db
def test_a_cell_counts_people_not_answers(setup):
    s = setup
    for day in (4, 11, 18):  # one client, three surveys in April
        _answer(s, dt.date(2025, 4, day), client=s.client, satisfaction=5)
    _answer(s, dt.date(2025, 4, 20), client=s.other_client, satisfaction=2)
    _answer(s, dt.date(2025, 4, 21), client=None, satisfaction=4)  # a group: one person
    _answer(s, dt.date(2025, 4, 22), client=None, satisfaction=4)
    assert _people(s) == {("Recovery Coaching", APRIL, "satisfaction"): 4}


@pytest.mark.django_db
def test_only_a_substantive_answer_counts(setup):
    s = setup
    _answer(s, dt.date(2025, 4, 2), other_services="yes", relapse="prefer_not", alternative="")
    _answer(s, dt.date(2025, 4, 3), other_services="no", relapse="", alternative="none")
    _answer(s, dt.date(2025, 4, 4), other_services="prefer_not", relapse="no", wellbeing=1)
    month = ("Recovery Coaching", APRIL)
    assert _people(s) == {
        (*month, "other_services"): 2,  # yes and no; "I'd rather not say" is no answer
        (*month, "relapse"): 1,
        (*month, "alternative"): 1,  # "Nothing" is an answer; a blank is not
        (*month, "wellbeing"): 1,
    }


@pytest.mark.django_db
def test_cells_are_by_program_and_by_the_encounters_month(setup, program_in):
    s = setup
    housing = program_in(s.program.organization, name="Housing First")
    s.peer.programs.add(housing)
    _answer(s, dt.date(2025, 4, 30), satisfaction=3)
    late = _answer(s, dt.date(2025, 4, 29), satisfaction=3)
    late.submitted_on = dt.date(2025, 5, 2)  # answered in May: still April's encounter
    late.save()
    _answer(s, dt.date(2025, 5, 1), satisfaction=3)
    _answer(s, dt.date(2025, 4, 15), program=housing, satisfaction=1)
    assert _people(s) == {
        ("Recovery Coaching", APRIL, "satisfaction"): 2,
        ("Recovery Coaching", MAY, "satisfaction"): 1,
        ("Housing First", APRIL, "satisfaction"): 1,
    }
    # One program's disclosure holds that program's cells only.
    assert _people(s, programs=[housing]) == {("Housing First", APRIL, "satisfaction"): 1}


@pytest.mark.django_db
def test_only_the_periods_and_the_organizations_answers_count(setup, other_org):
    s = setup
    _answer(s, dt.date(2025, 3, 31), satisfaction=3)  # the day before
    _answer(s, dt.date(2025, 4, 1), satisfaction=3)
    _answer(s, dt.date(2025, 5, 31), satisfaction=3)
    _answer(s, dt.date(2025, 6, 1), satisfaction=3)  # the day after
    assert _people(s) == {
        ("Recovery Coaching", APRIL, "satisfaction"): 1,
        ("Recovery Coaching", MAY, "satisfaction"): 1,
    }
    # A response recorded under another organization is not this one's.
    SurveyResponse.objects.filter(encounter__date=dt.date(2025, 4, 1)).update(
        organization=other_org
    )
    assert _people(s) == {("Recovery Coaching", MAY, "satisfaction"): 1}


@pytest.mark.django_db
def test_programs_of_the_same_name_are_cells_of_their_own_named_in_order(setup, program_in):
    s = setup
    org = s.program.organization
    twins = [program_in(org, name="Outreach", slug=f"outreach-{i}") for i in (1, 2)]
    s.peer.programs.add(*twins)
    # The first twin's small cells are in May and June, the second's in April: each
    # program's cells come together, the first program's first, each in month order.
    _answer(s, dt.date(2025, 6, 2), program=twins[0], satisfaction=4)
    _answer(s, dt.date(2025, 5, 2), program=twins[0], satisfaction=4)
    _answer(s, dt.date(2025, 5, 3), program=twins[0], satisfaction=4)
    _answer(s, dt.date(2025, 4, 2), program=twins[1], satisfaction=4)
    _answer(s, dt.date(2025, 4, 2), program=s.program, satisfaction=4)
    d = survey_disclosure(org, start=APRIL, end=dt.date(2025, 6, 30))
    assert sorted((c.program_id, c.month, n) for c, n in d.people.items()) == sorted(
        [
            (twins[0].pk, MAY, 2),
            (twins[0].pk, JUNE, 1),
            (twins[1].pk, APRIL, 1),
            (s.program.pk, APRIL, 1),
        ]
    )
    assert d.reason("satisfaction") == FEW_PEOPLE.format(
        minimum=5,
        cells="Outreach in May 2025; Outreach in June 2025; Outreach in April 2025; "
        "Recovery Coaching in April 2025",
    )


@pytest.mark.django_db
def test_a_month_that_runs_to_today_is_whole(setup, settings):
    settings.SURVEY_MIN_RESPONSES = 1
    s = setup
    org = s.program.organization
    today = org.today()
    _answer(s, today, satisfaction=4)
    so_far = survey_disclosure(org, start=today.replace(day=1), end=today)
    assert so_far.whole_months and so_far.reason("satisfaction") == ""


@pytest.mark.django_db
def test_the_cells_are_counted_in_one_query(setup, django_assert_num_queries):
    s = setup
    for day in range(1, 8):
        _answer(s, dt.date(2025, 4, day), satisfaction=4, wellbeing=5, alternative="jail")
    with django_assert_num_queries(1):
        d = survey_disclosure(s.program.organization, start=APRIL, end=dt.date(2025, 4, 30))
    assert {c.question for c in d.people} == {"satisfaction", "wellbeing", "alternative"}
    assert set(QUESTIONS) >= {c.question for c in d.people}


@pytest.mark.django_db
def test_the_disclosure_knows_whole_quarters_by_the_organization_s_today(setup):
    org = setup.program.organization
    today = org.today()
    quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    assert survey_disclosure(org, start=quarter, end=today).whole_quarters
    assert survey_disclosure(org, start=Q2, end=dt.date(2025, 6, 30)).whole_quarters
    assert not survey_disclosure(org, start=APRIL, end=dt.date(2025, 5, 31)).whole_quarters


@pytest.mark.django_db
def test_the_minimum_comes_from_the_setting(setup, settings):
    s = setup
    for day in range(1, 4):
        _answer(s, dt.date(2025, 4, day), satisfaction=4)
    org, end = s.program.organization, dt.date(2025, 4, 30)
    settings.SURVEY_MIN_RESPONSES = 4
    assert survey_disclosure(org, start=APRIL, end=end).reason("satisfaction")
    settings.SURVEY_MIN_RESPONSES = 3
    assert survey_disclosure(org, start=APRIL, end=end).reason("satisfaction") == ""
