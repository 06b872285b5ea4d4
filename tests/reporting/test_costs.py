"""The cost-savings assumptions: what each alternative costs (with a source), what each
program cost, who may keep them, and how a report counts a cost line by its days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from encounters.reporting import assumptions as a
from encounters.reporting import events as report_events
from encounters.reporting.figures import Scope, costs_in_force, program_cost
from encounters.reporting.models import AlternativeCost, ProgramCost
from programs.models import AuditEvent, Role

pytestmark = pytest.mark.django_db

# Every test runs on Sunday, June 15, 2025 (noon, the organization's time).
TODAY = dt.date(2025, 6, 15)
JAN_1 = dt.date(2025, 1, 1)
DEC_31 = dt.date(2025, 12, 31)


@pytest.fixture(autouse=True)
def _on_june_15(org):
    noon = dt.datetime(2025, 6, 15, 12, 0, tzinfo=ZoneInfo(org.time_zone))
    with time_machine.travel(noon, tick=False):
        yield


def set_cost(s: Any, alternative: str = "called_911", **changes: Any) -> AlternativeCost:
    values: dict[str, Any] = dict(
        organization=s.program.organization,
        actor=s.admin.user,
        alternative=alternative,
        unit_cost=Decimal("950.00"),
        source="County sheriff's budget 2025, cost per call",
        effective_from=JAN_1,
    )
    values.update(changes)
    return a.alternative_cost_set(**values)


def add_line(s: Any, **changes: Any) -> ProgramCost:
    values: dict[str, Any] = dict(
        organization=s.program.organization,
        program=s.program,
        actor=s.admin.user,
        category="salary_benefits",
        amount=Decimal("3650.00"),
        starts_on=JAN_1,
        ends_on=DEC_31,
        note="Two part-time coaches",
    )
    values.update(changes)
    return a.program_cost_add(**values)


def refused(call: Any, **kwargs: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as err:
        call(**kwargs)
    return err.value.message_dict if hasattr(err.value, "error_dict") else {"": err.value.messages}


def example(s: Any, alternative: str = "called_911", **changes: Any) -> AlternativeCost:
    values: dict[str, Any] = dict(
        organization=s.program.organization,
        alternative=alternative,
        unit_cost=Decimal("1250.00"),
        source="Illustrative figure for the demo",
        effective_from=dt.date(2024, 1, 1),
        is_example=True,
    )
    values.update(changes)
    return AlternativeCost.objects.create(**values)


# --- what an alternative costs ------------------------------------------------------------


def test_a_second_value_for_the_same_day_corrects_it_and_the_same_again_changes_nothing(setup):
    first = set_cost(setup)
    created = AuditEvent.objects.get(event=report_events.ALTERNATIVE_COST_CREATED)
    assert created.actor == setup.admin.user
    assert created.organization == setup.program.organization
    assert created.subject_id == str(first.pk)
    assert created.data == {
        "alternative": "called_911",
        "before": None,
        "after": {
            "unit_cost": "950.00",
            "source": "County sheriff's budget 2025, cost per call",
            "from": "2025-01-01",
            "is_example": False,
        },
    }
    corrected = set_cost(setup, unit_cost=Decimal("975.00"), source="  Sheriff's budget p. 14 ")
    assert corrected.pk == first.pk
    assert AlternativeCost.objects.count() == 1
    assert (corrected.unit_cost, corrected.source) == (Decimal("975.00"), "Sheriff's budget p. 14")
    event = AuditEvent.objects.get(event=report_events.ALTERNATIVE_COST_CORRECTED)
    assert event.data["before"]["unit_cost"] == "950.00"
    assert event.data["after"]["unit_cost"] == "975.00"
    assert event.data["after"]["source"] == "Sheriff's budget p. 14"
    # The very same value again (a double tap) writes nothing.
    again = set_cost(setup, unit_cost=Decimal("975.00"), source="Sheriff's budget p. 14")
    assert again.pk == first.pk
    assert AuditEvent.objects.filter(event__startswith="alternative_cost.").count() == 2


def test_a_value_set_by_the_organization_ends_the_example_from_its_date_on(setup):
    old = example(setup)
    org = setup.program.organization
    own = set_cost(setup, effective_from=dt.date(2025, 3, 1))
    assert own.is_example is False
    assert costs_in_force(org, dt.date(2025, 2, 28))["called_911"].is_example is True
    assert costs_in_force(org, dt.date(2025, 3, 1))["called_911"] == own
    old.refresh_from_db()
    assert old.is_example is True  # the history keeps what the earlier reports used


def test_setting_the_example_figure_again_on_its_date_makes_it_the_organizations_own(setup):
    old = example(setup, effective_from=JAN_1)
    same = set_cost(setup, unit_cost=old.unit_cost, source=old.source)
    assert same.pk == old.pk and same.is_example is False
    event = AuditEvent.objects.get(event=report_events.ALTERNATIVE_COST_CORRECTED)
    assert (event.data["before"]["is_example"], event.data["after"]["is_example"]) == (True, False)


@pytest.mark.parametrize("alternative", ["none", "friend_or_family", "used_substances"])
def test_an_alternative_that_costs_nothing_may_be_zero(setup, alternative):
    cost = set_cost(setup, alternative=alternative, unit_cost=Decimal(0))
    assert cost.unit_cost == Decimal("0.00")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"unit_cost": Decimal("-0.01")}, "unit_cost", a.COST_RANGE),
        ({"unit_cost": Decimal("10000000")}, "unit_cost", a.COST_RANGE),
        ({"unit_cost": Decimal("12.345")}, "unit_cost", a.WHOLE_CENTS),
        ({"source": ""}, "source", a.SOURCE_NEEDED),
        ({"source": "   "}, "source", a.SOURCE_NEEDED),
        ({"source": "x" * 301}, "source", a.SOURCE_TOO_LONG),
        ({"effective_from": dt.date(1999, 12, 31)}, "effective_from", a.DATE_RANGE),
        ({"effective_from": TODAY + dt.timedelta(days=367)}, "effective_from", a.DATE_RANGE),
        ({"alternative": "taxi"}, "alternative", a.UNKNOWN_ALTERNATIVE),
    ],
)
def test_a_cost_outside_the_rules_is_refused_by_its_field(setup, changes, field, message):
    errors = refused(set_cost, s=setup, **changes)
    assert errors == {field: [message]}
    assert not AlternativeCost.objects.exists()
    assert not AuditEvent.objects.filter(event__startswith="alternative_cost.").exists()


def test_the_edges_of_the_rules_are_accepted(setup):
    set_cost(setup, unit_cost=Decimal("9999999.99"), effective_from=dt.date(2000, 1, 1))
    set_cost(setup, effective_from=TODAY + dt.timedelta(days=366))
    set_cost(setup, source="s" * 300, effective_from=TODAY)
    assert AlternativeCost.objects.count() == 3


def test_a_removed_value_is_audited_once_and_the_one_before_applies_again(setup):
    org = setup.program.organization
    earlier = set_cost(setup)
    wrong = set_cost(setup, unit_cost=Decimal("9500.00"), effective_from=dt.date(2025, 5, 1))
    assert a.alternative_cost_remove(organization=org, cost=wrong, actor=setup.admin.user)
    assert costs_in_force(org, TODAY)["called_911"] == earlier
    assert not a.alternative_cost_remove(organization=org, cost=wrong, actor=setup.admin.user)
    event = AuditEvent.objects.get(event=report_events.ALTERNATIVE_COST_REMOVED)
    assert event.subject_id == str(wrong.pk)
    assert event.data["before"]["unit_cost"] == "9500.00" and event.data["after"] is None


def test_another_organizations_objects_are_refused(setup, other_org, member_of, program_in):
    theirs_admin = member_of(other_org, Role.ORG_ADMIN)
    theirs_program = program_in(other_org)
    cost = a.alternative_cost_set(
        organization=other_org,
        actor=theirs_admin.user,
        alternative="jail",
        unit_cost=Decimal(120),
        source="Their jail budget",
        effective_from=JAN_1,
    )
    line = a.program_cost_add(
        organization=other_org,
        program=theirs_program,
        actor=theirs_admin.user,
        category="training",
        amount=Decimal(500),
        starts_on=JAN_1,
        ends_on=DEC_31,
    )
    ours = setup.program.organization
    actor = setup.admin.user
    assert refused(a.alternative_cost_remove, organization=ours, cost=cost, actor=actor) == {
        "": [a.NOT_THIS_ORGANIZATION]
    }
    assert refused(a.program_cost_remove, organization=ours, line=line, actor=actor) == {
        "": [a.NOT_THIS_ORGANIZATION]
    }
    assert refused(add_line, s=setup, program=theirs_program) == {"": [a.NOT_THIS_ORGANIZATION]}
    assert AlternativeCost.objects.filter(pk=cost.pk).exists()
    assert ProgramCost.objects.filter(pk=line.pk).exists()
    assert ProgramCost.objects.count() == 1


# --- what a program cost -------------------------------------------------------------------


def test_a_program_cost_line_is_added_and_audited_once(setup):
    line = add_line(setup)
    again = add_line(setup)
    assert again.pk == line.pk and ProgramCost.objects.count() == 1
    event = AuditEvent.objects.get(event=report_events.PROGRAM_COST_CREATED)
    assert event.subject_id == str(line.pk)
    assert event.data == {
        "before": None,
        "after": {
            "program": setup.program.slug,
            "category": "salary_benefits",
            "amount": "3650.00",
            "starts_on": "2025-01-01",
            "ends_on": "2025-12-31",
            "note": "Two part-time coaches",
        },
    }
    # A line that differs in anything is a line of its own.
    add_line(setup, note="Third coach")
    assert ProgramCost.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": Decimal("-1")}, "amount", a.AMOUNT_RANGE),
        ({"amount": Decimal("100000000")}, "amount", a.AMOUNT_RANGE),
        ({"amount": Decimal("1.005")}, "amount", a.WHOLE_CENTS),
        ({"ends_on": dt.date(2024, 12, 31)}, "ends_on", a.ENDS_BEFORE_START),
        (
            {"starts_on": dt.date(2021, 1, 1), "ends_on": dt.date(2026, 1, 1)},
            "ends_on",
            a.TOO_LONG,
        ),
        ({"starts_on": dt.date(1999, 1, 1)}, "starts_on", a.DATE_RANGE),
        (
            {"starts_on": TODAY + dt.timedelta(days=367), "ends_on": dt.date(2026, 12, 31)},
            "starts_on",
            a.DATE_RANGE,
        ),
        ({"category": "snacks"}, "category", a.UNKNOWN_CATEGORY),
        ({"note": "n" * 201}, "note", a.NOTE_TOO_LONG),
    ],
)
def test_a_program_cost_line_outside_the_rules_is_refused(setup, changes, field, message):
    assert refused(add_line, s=setup, **changes) == {field: [message]}
    assert not ProgramCost.objects.exists()


def test_a_program_cost_line_may_be_free_one_day_or_five_years_long(setup):
    add_line(setup, amount=Decimal(0), starts_on=TODAY, ends_on=TODAY)
    add_line(setup, starts_on=dt.date(2021, 1, 1), ends_on=dt.date(2025, 12, 31))
    add_line(setup, starts_on=dt.date(2024, 2, 29), ends_on=dt.date(2029, 2, 28))
    assert ProgramCost.objects.count() == 3


def test_a_removed_line_is_audited_once(setup):
    line = add_line(setup)
    org = setup.program.organization
    assert a.program_cost_remove(organization=org, line=line, actor=setup.admin.user)
    assert not a.program_cost_remove(organization=org, line=line, actor=setup.admin.user)
    event = AuditEvent.objects.get(event=report_events.PROGRAM_COST_REMOVED)
    assert event.data["before"]["amount"] == "3650.00" and event.data["after"] is None


# --- how a report counts a line ------------------------------------------------------------


def test_a_line_counts_by_the_days_it_shares_with_the_period(setup, program_in):
    org = setup.program.organization
    add_line(setup)  # $3,650 over the 365 days of 2025: $10 a day
    # $200 over 20 days, 12 of them in March.
    training = {"starts_on": dt.date(2025, 3, 20), "ends_on": dt.date(2025, 4, 8)}
    add_line(setup, category="training", amount=Decimal(200), **training)
    # $999 over April, outside March.
    april = {"starts_on": dt.date(2025, 4, 1), "ends_on": dt.date(2025, 4, 30)}
    add_line(setup, category="equipment", amount=Decimal(999), **april)
    march = Scope(org, dt.date(2025, 3, 1), dt.date(2025, 3, 31), setup.program)
    figures = program_cost(march)
    assert figures["by_category"] == {
        "salary_benefits": Decimal("310.00"),
        "training": Decimal("120.00"),
    }
    assert figures["total"] == Decimal("430.00")
    # A line outside the period counts nothing; one sharing its last day counts that day.
    may = Scope(org, dt.date(2025, 5, 1), dt.date(2025, 5, 31), setup.program)
    assert program_cost(may)["by_category"] == {"salary_benefits": Decimal("310.00")}
    april_1 = Scope(org, dt.date(2025, 3, 25), dt.date(2025, 4, 1), setup.program)
    assert program_cost(april_1)["by_category"]["equipment"] == Decimal("33.30")
    # Another program's lines are not this program's cost.
    other = program_in(org)
    assert program_cost(Scope(org, JAN_1, DEC_31, other))["total"] == Decimal(0)


# --- the pages ----------------------------------------------------------------------------


def _cost_form(**changes: Any) -> dict[str, str]:
    data = {
        "alternative": "emergency_department",
        "unit_cost": "2150.00",
        "source": "Regional hospital charge master 2025",
        "effective_from": "2025-01-01",
    }
    data.update(changes)
    return data


def _line_form(s: Any, **changes: Any) -> dict[str, str]:
    data = {
        "program": str(s.program.pk),
        "category": "supervision",
        "amount": "7800.00",
        "starts_on": "2025-01-01",
        "ends_on": "2025-12-31",
        "note": "Clinical supervision",
    }
    data.update(changes)
    return data


def test_an_admin_sees_each_alternative_with_its_value_source_and_history(setup, client_for):
    example(setup, source="Illustrative figure for the demo")
    set_cost(setup, alternative="jail", unit_cost=Decimal("140.00"), source="County jail 2025")
    next_year = dt.date(2026, 1, 1)
    set_cost(setup, alternative="jail", unit_cost=Decimal(150), effective_from=next_year)
    response = client_for(setup.admin).get(reverse("alternative_costs"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "$1,250.00" in page and "example" in page and "Illustrative figure" in page
    assert "$140.00" in page and "County jail 2025" in page and "upcoming" in page
    assert "Gone into hospital" in page  # an alternative with no value yet is listed too
    assert "Save the value" in page
    help_text = str(response.context["form"]["unit_cost"].help_text)
    for label in ("Nothing", "Called a friend or family", "Used alcohol or drugs"):
        assert label in help_text


def test_an_admin_adds_a_value_on_the_page(setup, client_for):
    c = client_for(setup.admin)
    response = c.post(reverse("alternative_costs"), _cost_form())
    assert response.status_code == 302
    cost = AlternativeCost.objects.get()
    assert (cost.alternative, cost.unit_cost, cost.created_by) == (
        "emergency_department",
        Decimal("2150.00"),
        setup.admin.user,
    )
    assert c.post(reverse("alternative_costs"), _cost_form()).status_code == 302
    assert AuditEvent.objects.filter(event=report_events.ALTERNATIVE_COST_CREATED).count() == 1
    assert AlternativeCost.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"unit_cost": "-5"}, "unit_cost", a.COST_RANGE),
        ({"unit_cost": "lots"}, "unit_cost", "Enter a number"),
        ({"source": ""}, "source", a.SOURCE_NEEDED),
        ({"source": "   "}, "source", a.SOURCE_NEEDED),
        ({"effective_from": "1999-12-31"}, "effective_from", a.DATE_RANGE),
        ({"effective_from": "June"}, "effective_from", "valid date"),
        ({"alternative": "taxi"}, "alternative", "valid choice"),
    ],
)
def test_bad_cost_input_is_shown_by_its_field_and_keeps_what_was_typed(
    setup, client_for, changes, field, message
):
    response = client_for(setup.admin).post(reverse("alternative_costs"), _cost_form(**changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert form.data["source"] == _cost_form(**changes)["source"]
    assert form.data["unit_cost"] == _cost_form(**changes)["unit_cost"]
    assert not AlternativeCost.objects.exists()


def test_every_problem_with_a_value_is_shown_at_once(setup, client_for):
    data = _cost_form(unit_cost="-3", source="", effective_from="1999-01-01")
    response = client_for(setup.admin).post(reverse("alternative_costs"), data)
    assert response.context["form"].errors == {
        "unit_cost": [a.COST_RANGE],
        "source": [a.SOURCE_NEEDED],
        "effective_from": [a.DATE_RANGE],
    }


def test_a_manager_reads_the_costs_but_changes_nothing(setup, client_for):
    cost = set_cost(setup)
    line = add_line(setup)
    c = client_for(setup.manager)
    page = c.get(reverse("alternative_costs")).content.decode()
    assert "$950.00" in page and "Save the value" not in page and "Remove" not in page
    page = c.get(reverse("program_costs")).content.decode()
    assert "$3,650.00" in page and "Save the line" not in page and "Remove" not in page
    assert c.post(reverse("alternative_costs"), _cost_form()).status_code == 403
    assert c.post(reverse("program_costs"), _line_form(setup)).status_code == 403
    assert c.post(reverse("alternative_cost_remove", args=[cost.pk])).status_code == 403
    assert c.post(reverse("program_cost_remove", args=[line.pk])).status_code == 403
    assert AlternativeCost.objects.count() == 1 and ProgramCost.objects.count() == 1


def test_a_manager_sees_only_their_own_programs_lines(setup, client_for, program_in):
    elsewhere = program_in(setup.program.organization, name="Jail Reentry")
    add_line(setup, program=elsewhere, amount=Decimal("4321.00"))
    add_line(setup)
    page = client_for(setup.manager).get(reverse("program_costs")).content.decode()
    assert setup.program.name in page and "$3,650.00" in page
    assert "Jail Reentry" not in page and "4,321" not in page
    admin_page = client_for(setup.admin).get(reverse("program_costs")).content.decode()
    assert "Jail Reentry" in admin_page and "$4,321.00" in admin_page


@pytest.mark.parametrize("who", ["peer", "supervisor"])
def test_peers_and_supervisors_cannot_open_the_cost_pages(setup, client_for, who):
    cost = set_cost(setup)
    line = add_line(setup)
    c = client_for(getattr(setup, who))
    assert c.get(reverse("alternative_costs")).status_code == 403
    assert c.get(reverse("program_costs")).status_code == 403
    assert c.post(reverse("alternative_costs"), _cost_form()).status_code == 403
    assert c.post(reverse("program_costs"), _line_form(setup)).status_code == 403
    assert c.post(reverse("alternative_cost_remove", args=[cost.pk])).status_code == 403
    assert c.post(reverse("program_cost_remove", args=[line.pk])).status_code == 403
    assert AlternativeCost.objects.count() == 1 and ProgramCost.objects.count() == 1


def test_an_admin_adds_and_removes_a_line_and_sees_the_years_prorated_total(setup, client_for):
    # $3,650 over 365 days, 181 of them in 2025.
    add_line(setup, starts_on=dt.date(2024, 7, 1), ends_on=dt.date(2025, 6, 30))
    c = client_for(setup.admin)
    response = c.post(reverse("program_costs"), _line_form(setup))
    assert response.status_code == 302
    line = ProgramCost.objects.get(category="supervision")
    assert (line.amount, line.created_by) == (Decimal("7800.00"), setup.admin.user)
    response = c.get(reverse("program_costs"))
    [(program, total)] = response.context["rows"]
    assert program == setup.program
    assert total == Decimal("9610.00")  # 7,800 + 3,650 x 181 / 365
    assert "$9,610.00" in response.content.decode()
    url = reverse("program_cost_remove", args=[line.pk])
    assert c.post(url).status_code == 302
    assert "already removed" in c.post(url, follow=True).content.decode()
    assert AuditEvent.objects.filter(event=report_events.PROGRAM_COST_REMOVED).count() == 1
    assert not ProgramCost.objects.filter(pk=line.pk).exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "-1"}, "amount", a.AMOUNT_RANGE),
        ({"ends_on": "2024-12-31"}, "ends_on", a.ENDS_BEFORE_START),
        ({"starts_on": "2019-01-01", "ends_on": "2025-12-31"}, "ends_on", a.TOO_LONG),
        ({"category": ""}, "category", "required"),
        ({"program": "999999"}, "program", "valid choice"),
    ],
)
def test_bad_line_input_is_shown_by_its_field_and_keeps_what_was_typed(
    setup, client_for, changes, field, message
):
    data = _line_form(setup, **changes)
    response = client_for(setup.admin).post(reverse("program_costs"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert form.data["note"] == "Clinical supervision" and form.data["amount"] == data["amount"]
    assert not ProgramCost.objects.exists()


def test_an_admin_removes_a_value_and_a_second_tap_says_it_is_gone(setup, client_for):
    cost = set_cost(setup)
    c = client_for(setup.admin)
    url = reverse("alternative_cost_remove", args=[cost.pk])
    assert c.get(url).status_code == 302
    assert AlternativeCost.objects.filter(pk=cost.pk).exists()
    assert c.post(url).status_code == 302
    assert not AlternativeCost.objects.filter(pk=cost.pk).exists()
    assert "already removed" in c.post(url, follow=True).content.decode()
    assert AuditEvent.objects.filter(event=report_events.ALTERNATIVE_COST_REMOVED).count() == 1


def test_another_organizations_values_and_lines_are_not_found(
    setup, client_for, other_org, member_of, program_in
):
    theirs_admin = member_of(other_org, Role.ORG_ADMIN)
    cost = AlternativeCost.objects.create(
        organization=other_org,
        alternative="jail",
        unit_cost=Decimal(120),
        source="Their jail budget",
        effective_from=JAN_1,
    )
    line = ProgramCost.objects.create(
        program=program_in(other_org, name="Their Program"),
        category="training",
        amount=Decimal(500),
        starts_on=JAN_1,
        ends_on=DEC_31,
        created_by=theirs_admin.user,
    )
    c = client_for(setup.admin)
    assert c.post(reverse("alternative_cost_remove", args=[cost.pk])).status_code == 404
    assert c.post(reverse("program_cost_remove", args=[line.pk])).status_code == 404
    # A pk that never existed is a 404 too, not "already removed".
    assert c.post(reverse("program_cost_remove", args=[line.pk + 1000])).status_code == 404
    assert AlternativeCost.objects.filter(pk=cost.pk).exists()
    assert ProgramCost.objects.filter(pk=line.pk).exists()
    pages = c.get(reverse("alternative_costs")).content.decode()
    pages += c.get(reverse("program_costs")).content.decode()
    assert "Their jail budget" not in pages and "Their Program" not in pages
    # ...and our program is not theirs to add a line to.
    response = c.post(reverse("program_costs"), _line_form(setup, program=str(line.program_id)))
    assert "valid choice" in " ".join(response.context["form"].errors["program"])


@pytest.mark.parametrize("url_name", ["alternative_costs", "program_costs"])
def test_the_pages_query_count_does_not_grow_with_the_values(setup, client_for, url_name):
    c = client_for(setup.admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse(url_name)).status_code == 200
        return len(ctx.captured_queries)

    set_cost(setup)
    add_line(setup)
    few = queries()
    for day in range(2, 20):
        set_cost(setup, effective_from=dt.date(2025, 1, day))
        set_cost(setup, alternative="jail", effective_from=dt.date(2025, 1, day))
        add_line(setup, starts_on=dt.date(2025, 1, day))
    assert queries() == few


# --- demo data -------------------------------------------------------------------------------


def test_the_demo_costs_are_labelled_examples_and_seeded_once(org, program_in):
    from encounters.reporting.demo import seed_costs
    from programs.demo import DemoContext

    programs = {slug: program_in(org, slug=slug) for slug in ("recovery-coaching", "ed-bridge")}
    ctx = DemoContext(organization=org, programs=programs)
    seed_costs(ctx)
    seed_costs(ctx)
    costs = {c.alternative: c for c in AlternativeCost.objects.filter(organization=org)}
    assert len(costs) == 10 and all(c.is_example for c in costs.values())
    assert all("Illustrative figure for the demo" in c.source for c in costs.values())
    for code in ("none", "friend_or_family", "used_substances"):
        assert costs[code].unit_cost == Decimal(0)
    # Four categories for each program, for last year and this year.
    assert ProgramCost.objects.count() == 2 * 4 * 2
    assert program_cost(Scope(org, JAN_1, DEC_31))["total"] > Decimal(200_000)


def test_the_program_costs_page_takes_the_same_queries_for_1_or_5_programs(
    setup, client_for, program_in
):
    browser = client_for(setup.admin)

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = browser.get(reverse("program_costs"))
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    add_line(setup)
    one, _ = count()
    org = setup.program.organization
    for i in range(4):
        program = program_in(org, name=f"Program {i}")
        # A line wholly inside the year and one reaching into the next: each is prorated.
        add_line(
            setup,
            program=program,
            amount=Decimal("730.00"),
            starts_on=dt.date(2025, 7, 1),
            ends_on=dt.date(2026, 6, 30),
        )
    five, page = count()
    assert five == one
    # Each program's own year figure (184 of the line's 365 days), not one for all of them.
    assert page.count("$368.00") == 4 and "$3,650.00" in page
