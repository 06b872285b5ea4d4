"""The home page's dashboard: the reports' own figures for the last 90 days, shown only
to those who may see reports and only for what they may see, in a fixed number of
queries whatever the number of encounters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from encounters.models import Client, Encounter
from encounters.reporting import formats
from encounters.reporting.dashboard import (
    MAX_PANELS,
    dashboard,
    dashboard_scopes,
    dashboard_start,
    satisfaction_by_month,
)
from encounters.reporting.figures import Scope
from encounters.reporting.models import AlternativeCost, ProgramCost
from encounters.services.encounters import encounter_save
from encounters.services.survey import survey_link_create, survey_submit
from programs.models import Role
from tests.encounters.conftest import encounter_input

pytestmark = pytest.mark.django_db

HEADING = "The last 90 days"


def _log(s, n, *, day, peer=None, client=None, program=None, step=1):
    """n encounters, one a day going back from `day` by `step` days, logged by the peer."""
    peer = peer or s.peer
    logged = []
    for i in range(n):
        encounter, _ = encounter_save(
            actor=peer.user,
            peer=peer,
            data=encounter_input(
                s,
                program=program or s.program,
                client=client or s.client,
                date=day - dt.timedelta(days=i * step),
                start_time=dt.time(8 + i % 10, (i // 10) % 4 * 15),
            ),
        )
        logged.append(encounter)
    return logged


def _answer(encounter, *, satisfaction, alternative="none"):
    """The survey answered through the real one-time link, as a client would."""
    _, token = survey_link_create(
        encounter=encounter, actor=encounter.peer.user, channel="handover"
    )
    survey_submit(token=token, answers={"satisfaction": satisfaction, "alternative": alternative})


def _window(today, program=None, *, org):
    return Scope(org, dashboard_start(today), today, program)


def test_the_dashboard_shows_the_reports_own_figures_for_the_last_90_days(
    setup, org, client_for, settings
):
    s = setup
    # The same numbers as the reports is the rule here; the privacy minimum has its tests.
    settings.SURVEY_MIN_RESPONSES = 1
    today = org.today()
    inside = _log(s, 12, day=today, step=6)  # spread over 67 days
    _log(s, 3, day=dashboard_start(today) - dt.timedelta(days=1))  # before the window
    for i, encounter in enumerate(inside[:7]):
        _answer(encounter, satisfaction=5 - i % 2, alternative="called_911" if i < 3 else "none")
    AlternativeCost.objects.create(
        organization=org,
        alternative="called_911",
        unit_cost=D("750"),
        source="County EMS",
        effective_from=dt.date(2020, 1, 1),
    )
    ProgramCost.objects.create(
        program=s.program,
        category="salary_benefits",
        amount=D("900"),
        starts_on=dashboard_start(today),
        ends_on=today,
    )
    scope = _window(today, s.program, org=org)
    funder = formats.build("funder", scope)
    savings = formats.build("cost-savings", scope)

    panel = dashboard(s.manager, today)["panels"][0]

    assert panel["funder"] == funder and panel["cost_savings"] == savings
    cards = panel["cards"]
    assert cards["encounters"] == funder["encounters"] == 12
    assert cards["clients_served"] == funder["clients_served"] == 1
    assert cards["hours"] == funder["hours"] == D("4.60")  # 12 x 23 minutes
    assert cards["satisfaction"] == funder["satisfaction_mean"] == D("4.57")
    assert savings["return_ratio"] == D("2.50")  # 3 x $750 for $900
    assert cards["return_ratio_text"] == "2.50 to 1"
    # The page shows the same figures.
    page = client_for(s.manager).get(reverse("home"))
    html = page.content.decode()
    assert page.context["dashboard"]["panels"][0]["cards"] == cards
    assert HEADING in html and "2.50 to 1" in html and "4.57" in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart w-100') == 4
    assert reverse("report_list") in html


def test_without_a_program_cost_the_ratio_says_so(setup, org):
    s = setup
    today = org.today()
    _log(s, 2, day=today)
    cards = dashboard(s.admin, today)["panels"][0]["cards"]
    assert cards["return_ratio"] is None
    assert cards["return_ratio_text"] == "no program cost entered"


def test_peers_and_supervisors_see_no_dashboard(setup, org, client_for):
    s = setup
    _log(s, 3, day=org.today())
    for member in (s.peer, s.supervisor):
        page = client_for(member).get(reverse("home"))
        assert page.status_code == 200
        assert "dashboard" not in page.context
        assert HEADING not in page.content.decode()


def test_an_admin_sees_the_whole_organization(setup, org, client_for, program_in, member_of):
    s = setup
    today = org.today()
    other = program_in(org, name="Housing First")
    peer = member_of(org, Role.PEER_SUPPORTER, programs=[other], mfa=False)
    client = Client.objects.create(
        program=other, code="HF-001", assigned_peer=peer, enrolled_on=dt.date(2025, 1, 1)
    )
    _log(s, 2, day=today)
    _log(s, 3, day=today, peer=peer, client=client, program=other)
    page = client_for(s.admin).get(reverse("home"))
    panels = page.context["dashboard"]["panels"]
    assert [(p["title"], p["cards"]["encounters"]) for p in panels] == [("All programs", 5)]


def test_a_manager_sees_only_their_programs(setup, org, client_for, program_in, member_of):
    s = setup
    today = org.today()
    other = program_in(org, name="Housing First")
    peer = member_of(org, Role.PEER_SUPPORTER, programs=[other], mfa=False)
    client = Client.objects.create(
        program=other, code="HF-001", assigned_peer=peer, enrolled_on=dt.date(2025, 1, 1)
    )
    _log(s, 2, day=today)
    _log(s, 3, day=today, peer=peer, client=client, program=other)

    page = client_for(s.manager).get(reverse("home"))

    panels = page.context["dashboard"]["panels"]
    assert [(p["title"], p["cards"]["encounters"]) for p in panels] == [("Recovery Coaching", 2)]
    assert "Housing First" not in page.content.decode()
    # Given the second program too, they see one panel per program, never one sum.
    s.manager.programs.add(other)
    panels = dashboard(s.manager, today)["panels"]
    assert [(p["title"], p["cards"]["encounters"]) for p in panels] == [
        ("Housing First", 3),
        ("Recovery Coaching", 2),
    ]


def test_a_manager_of_many_programs_sees_at_most_four_panels(setup, org, program_in):
    s = setup
    s.manager.programs.add(*(program_in(org, name=f"Program {i}") for i in range(MAX_PANELS)))
    scopes, left_off = dashboard_scopes(s.manager, org.today())
    assert len(scopes) == MAX_PANELS and left_off == 1
    assert all(scope.program is not None for scope in scopes)


def _people(s, n):
    """n clients of the program, each a person of their own."""
    return [
        Client.objects.create(
            program=s.program,
            code=f"RC-D{Client.objects.count():03}",
            assigned_peer=s.peer,
            enrolled_on=dt.date(2024, 1, 1),
        )
        for _ in range(n)
    ]


def test_a_month_under_the_survey_minimum_hides_its_mean_and_the_periods(setup, org, settings):
    s = setup
    settings.SURVEY_MIN_RESPONSES = 5
    today = org.today()
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    people = _people(s, 5)
    for person in people:
        (e,) = _log(s, 1, day=this_month, client=person)
        _answer(e, satisfaction=4)
    earlier = [_log(s, 1, day=last_month, client=person)[0] for person in people]
    for e in earlier[:4]:
        _answer(e, satisfaction=2)
    scope = _window(today, org=org)

    months = {m.month: m for m in satisfaction_by_month(scope)}
    assert (months[last_month].surveys, months[this_month].surveys) == (4, 5)
    assert months[last_month].withheld and months[last_month].mean is None
    assert "fewer than 5 people" in months[last_month].reason.lower()
    # Each month decides on its own cells: this month's five people are shown. The period's
    # mean, which with this month's would give last month's away, is withheld instead.
    assert months[this_month].mean == D("4.00") and not months[this_month].withheld
    cards = dashboard(s.admin, today)["panels"][0]["cards"]
    assert cards["satisfaction"] is None and cards["satisfaction_withheld"]

    _answer(earlier[4], satisfaction=3)
    months = {m.month: m for m in satisfaction_by_month(scope)}
    assert months[last_month].mean == D("2.20")
    assert months[this_month].mean == D("4.00")
    assert not any(m.withheld for m in months.values())
    assert dashboard(s.admin, today)["panels"][0]["cards"]["satisfaction"] == D("3.10")


def test_the_home_page_query_count_does_not_grow_with_encounters(setup, org, client_for):
    s = setup
    today = org.today()
    browser = client_for(s.manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert browser.get(reverse("home")).status_code == 200
        return len(ctx.captured_queries)

    for e in _log(s, 5, day=today, step=3):
        _answer(e, satisfaction=4, alternative="crisis_line")
    browser.get(reverse("home"))  # the first request after sign-in does extra work
    few = queries()
    more = _log(s, 45, day=today - dt.timedelta(days=1), step=1)
    for e in more[::3]:
        _answer(e, satisfaction=5, alternative="called_911")
    assert Encounter.objects.count() == 50
    many = queries()
    print(f"home page: {few} queries with 5 encounters, {many} with 50")
    assert many == few
