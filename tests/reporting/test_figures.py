"""The report figures against hand-computed expectations on small fixed data: diversion
dollars, prorated program cost, net savings, return ratio, scenarios, withheld survey
figures, the funder report's figures, every format carrying the same numbers, the command,
and flat query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from encounters.models import Client, SurveyResponse
from encounters.reporting import formats
from encounters.reporting.figures import Scope, program_cost
from encounters.reporting.funder import funder
from encounters.reporting.models import AlternativeCost, ProgramCost
from encounters.reporting.savings import cost_savings
from encounters.services.encounters import encounter_save
from encounters.survey_privacy import PERIOD_NOT_WHOLE_MONTHS
from tests.encounters.conftest import encounter_input

pytestmark = pytest.mark.django_db

Q2 = (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
# client, day, alternative, satisfaction, wellbeing (None: no survey)
VISITS = [
    ("a", dt.date(2025, 4, 2), "called_911", 5, 4),
    ("a", dt.date(2025, 5, 6), "called_911", 4, 6),
    ("a", dt.date(2025, 6, 3), "emergency_department", 5, 7),
    ("b", dt.date(2025, 4, 9), "none", 3, 5),
    ("b", dt.date(2025, 5, 14), "inpatient", 5, 6),
    ("b", dt.date(2025, 6, 11), None, None, None),
]


def _encounter(s: Any, client: Any, day: dt.date, minutes: int = 30) -> Any:
    encounter, _ = encounter_save(
        actor=s.peer.user,
        peer=s.peer,
        data=encounter_input(
            s, client=client, program=client.program, date=day, duration_minutes=minutes
        ),
    )
    return encounter


@pytest.fixture
def data(setup: Any, settings: Any) -> Any:
    # The by-hand figures use a handful of answers; the privacy minimum is tested on its own.
    settings.SURVEY_MIN_RESPONSES = 1
    org = setup.program.organization
    clients = {"a": setup.client, "b": setup.client}
    clients["b"] = Client.objects.create(
        program=setup.program,
        code="RC-003",
        assigned_peer=setup.peer,
        enrolled_on=dt.date(2025, 1, 1),
    )
    _encounter(setup, clients["a"], dt.date(2025, 3, 31))  # the day before: outside
    for who, day, alternative, satisfaction, wellbeing in VISITS:
        enc = _encounter(setup, clients[who], day)
        if alternative is not None:
            SurveyResponse.objects.create(
                encounter=enc,
                organization=org,
                channel="handover",
                satisfaction=satisfaction,
                wellbeing=wellbeing,
                alternative=alternative,
                other_services="yes" if who == "a" else "no",
                relapse="no",
                submitted_on=day,
            )
    for code, cost, since in [
        ("called_911", "750", dt.date(2025, 1, 1)),
        ("called_911", "800", dt.date(2025, 7, 1)),  # after the period: not used
        ("emergency_department", "2000", dt.date(2024, 1, 1)),
        ("inpatient", "1500", dt.date(2024, 1, 1)),
        ("none", "0", dt.date(2024, 1, 1)),
    ]:
        AlternativeCost.objects.create(
            organization=org,
            alternative=code,
            unit_cost=Decimal(cost),
            source="County budget 2025",
            effective_from=since,
        )
    ProgramCost.objects.create(
        program=setup.program,
        category="salary_benefits",
        amount=Decimal("36500"),
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 12, 31),
    )
    ProgramCost.objects.create(
        program=setup.program,
        category="equipment",
        amount=Decimal("1000"),
        starts_on=dt.date(2025, 6, 15),
        ends_on=dt.date(2025, 7, 14),
    )
    setup.scope = Scope(org, *Q2, program=setup.program)
    return setup


def test_a_cost_line_counts_by_the_days_it_shares_with_the_period(data):
    cost = program_cost(data.scope)
    # 36,500 x 91/365 = 9,100.00; 1,000 x 16/30 = 533.33
    assert cost == {
        "total": Decimal("9633.33"),
        "by_category": {"salary_benefits": Decimal("9100.00"), "equipment": Decimal("533.33")},
    }


def test_cost_savings_by_hand(data):
    f = cost_savings(data.scope)
    assert (f["encounters"], f["surveys"], f["response_rate"]) == (6, 5, Decimal("0.8333"))
    assert f["alternatives"]["called_911"] | {"label": None} == {
        "label": None,
        "count": 2,
        "unit_cost": Decimal("750.00"),
        "total": Decimal("1500.00"),
        "source": "County budget 2025",
        "effective_from": dt.date(2025, 1, 1),
        "is_example": False,
        "is_scenario": False,
        "priced_by_date": False,
    }
    assert (
        f["alternatives"]["jail"]["count"] == 0 and f["alternatives"]["jail"]["unit_cost"] is None
    )
    # 2 x 750 + 2,000 + 1,500 + 0 = 5,000
    assert f["gross_diversion_dollars"] == Decimal("5000.00")
    assert f["program_cost"] == Decimal("9633.33")
    assert f["net_savings"] == Decimal("-4633.33")
    assert f["return_ratio"] == Decimal("0.52")
    assert not f["scenario"]
    assert [(m["month"], m["encounters"], m["gross_diversion_dollars"]) for m in f["monthly"]] == [
        (dt.date(2025, 4, 1), 2, Decimal("750.00")),
        (dt.date(2025, 5, 1), 2, Decimal("2250.00")),
        (dt.date(2025, 6, 1), 2, Decimal("2000.00")),
    ]


def test_a_scenario_overrides_costs_and_says_so(data):
    f = cost_savings(
        data.scope,
        unit_costs={"called_911": Decimal("1000"), "jail": Decimal("300")},
        program_cost_override=Decimal("2500"),
    )
    assert f["scenario"] and f["program_cost_overridden"]
    assert f["alternatives"]["called_911"]["source"] == "scenario"
    assert f["alternatives"]["called_911"]["is_scenario"]
    assert not f["alternatives"]["inpatient"]["is_scenario"]
    assert f["gross_diversion_dollars"] == Decimal("5500.00")
    assert (f["net_savings"], f["return_ratio"]) == (Decimal("3000.00"), Decimal("2.20"))


def test_zero_program_cost_gives_no_ratio_and_no_surveys_gives_zero(data):
    f = cost_savings(data.scope, program_cost_override=Decimal(0))
    assert f["return_ratio"] is None and f["net_savings"] == Decimal("5000.00")
    empty = Scope(data.scope.organization, dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    g = cost_savings(empty)
    assert (g["encounters"], g["surveys"], g["response_rate"]) == (0, 0, None)
    assert g["gross_diversion_dollars"] == Decimal("0.00")


def test_survey_figures_over_too_few_answers_are_withheld(data, settings):
    settings.SURVEY_MIN_RESPONSES = 6
    f = cost_savings(data.scope)
    assert f["survey_figures_withheld"]
    assert f["gross_diversion_dollars"] is None
    assert all(a["count"] is None for a in f["alternatives"].values())
    g = funder(data.scope)
    assert g["satisfaction_mean"] is None and g["wellbeing_change"] is None
    assert g["encounters"] == 6  # not a survey figure


def test_funder_report_by_hand(data):
    f = funder(data.scope)
    assert (f["clients_served"], f["encounters"], f["encounters_per_client"]) == (
        2,
        6,
        Decimal("3.00"),
    )
    assert f["hours"] == Decimal("3.00")
    # 30 minutes = 2 units at $14.01, six times
    assert (f["billable_units"], f["billable_amount"]) == (12, Decimal("168.12"))
    assert f["billing_by_payer"] == [
        {"payer": "Medicaid", "units": 12, "amount": Decimal("168.12")}
    ]
    assert f["cost_per_encounter"] == Decimal("1605.56")  # 9,633.33 / 6
    assert f["support_types"]["emotional"] == 6
    assert f["support_types_percent"]["emotional"] == Decimal("100.0")
    assert f["satisfaction_mean"] == Decimal("4.40")
    assert f["satisfaction_distribution"] == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 3}
    assert f["wellbeing_mean"] == Decimal("5.60")
    # a: 4 -> 7 (+3); b: 5 -> 6 (+1)
    assert f["wellbeing_change"] == {"clients": 2, "mean": Decimal("2.00")}
    assert (f["other_services_yes"], f["other_services_answered"]) == (3, 5)
    assert f["would_have_used_emergency_services"] == 4
    assert f["response_rate"] == Decimal("0.8333")


def test_every_format_carries_the_same_numbers(data, tmp_path):
    figures = formats.build("cost-savings", data.scope)
    as_json = json.loads(formats.to_json(figures))
    assert as_json["gross_diversion_dollars"] == 5000.0
    assert as_json["alternatives"]["called_911"] == {
        "label": "Called 911",
        "count": 2,
        "unit_cost": 750.0,
        "total": 1500.0,
        "source": "County budget 2025",
        "effective_from": "2025-01-01",
        "is_example": False,
        "is_scenario": False,
        "priced_by_date": False,
    }
    table = {
        (r["section"], r["item"]): r["value"]
        for r in csv.DictReader(io.StringIO(formats.to_csv(figures)))
    }
    assert table[("summary", "gross_diversion_dollars")] == "5000.0"
    assert table[("summary", "return_ratio")] == "0.52"
    assert table[("alternatives.called_911", "total")] == "1500.0"
    from openpyxl import load_workbook

    path = tmp_path / "r.xlsx"
    path.write_bytes(formats.to_xlsx(figures))
    sheet = load_workbook(path).active
    assert sheet is not None
    cells = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells[("summary", "net_savings")] == -4633.33
    assert cells[("alternatives.called_911", "count")] == 2
    assert len(cells) == len(table)


def test_the_command_writes_each_format_and_a_scenario(data, tmp_path):
    costs = tmp_path / "costs.csv"
    costs.write_text("alternative,unit_cost\ncalled_911,1000\njail,300\n")
    out = tmp_path / "r.json"
    call_command(
        "report",
        "cost-savings",
        "--organization", data.scope.organization.slug,
        "--program", data.program.slug,
        "--start", "2025-04-01",
        "--end", "2025-06-30",
        "--format", "json",
        "--output", str(out),
        "--costs", str(costs),
        "--program-cost", "2500",
    )  # fmt: skip
    result = json.loads(out.read_text())
    assert (result["gross_diversion_dollars"], result["return_ratio"]) == (5500.0, 2.2)
    assert result["scenario"] is True
    for fmt in ("csv", "xlsx", "pdf"):
        target = tmp_path / f"r.{fmt}"
        call_command(
            "report", "funder",
            "--organization", data.scope.organization.slug,
            "--start", "2025-04-01", "--end", "2025-06-30",
            "--format", fmt, "--output", str(target),
        )  # fmt: skip
        assert target.stat().st_size > 100


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2025-06-30", "--end", "2025-04-01"], "before --start"),
        (["--start", "April", "--end", "2025-04-01"], "YYYY-MM-DD"),
        (["--program", "nope"], "no program"),
        (["--program-cost", "-5"], "negative"),
    ],
)
def test_the_command_refuses_bad_arguments_clearly(data, tmp_path, args, message):
    base = {
        "--start": "2025-04-01",
        "--end": "2025-06-30",
        "--format": "json",
        "--output": str(tmp_path / "x.json"),
    }
    extra = dict(zip(args[::2], args[1::2], strict=True))
    flat = [x for k, v in {**base, **extra}.items() for x in (k, v)]
    with pytest.raises(CommandError, match=message):
        call_command(
            "report", "cost-savings", "--organization", data.scope.organization.slug, *flat
        )


def test_bad_scenario_costs_are_named_by_line(data, tmp_path):
    costs = tmp_path / "costs.csv"
    costs.write_text("alternative,unit_cost\nwalked_away,10\ncalled_911,lots\n")
    with pytest.raises(CommandError) as err:
        call_command(
            "report", "cost-savings",
            "--organization", data.scope.organization.slug,
            "--start", "2025-04-01", "--end", "2025-06-30",
            "--output", str(tmp_path / "x.json"), "--costs", str(costs),
        )  # fmt: skip
    assert "line 2, column alternative" in str(err.value)
    assert "line 3, column unit_cost" in str(err.value)


def test_the_query_count_does_not_grow_with_the_data(data):
    def count(kind: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            formats.build(kind, data.scope)
        return len(ctx)

    before = {k: count(k) for k in ("cost-savings", "funder")}
    # More of everything a figure is built from: encounters with answers of every kind,
    # cost versions and cost lines.
    codes = ["called_911", "jail", "inpatient", "crisis_bed", "none"]
    for day in range(1, 20):
        enc = _encounter(data, data.client, dt.date(2025, 5, day))
        SurveyResponse.objects.create(
            encounter=enc, organization=data.scope.organization, channel="handover",
            alternative=codes[day % 5], satisfaction=1 + day % 5, wellbeing=1 + day % 10,
            submitted_on=enc.date,
        )  # fmt: skip
        AlternativeCost.objects.create(
            organization=data.scope.organization, alternative=codes[day % 5],
            unit_cost=Decimal(day * 10), source="x", effective_from=dt.date(2024, 1, day),
        )  # fmt: skip
        ProgramCost.objects.create(
            program=data.program, category="other", amount=Decimal(day),
            starts_on=dt.date(2025, 4, day), ends_on=dt.date(2025, 6, day),
        )  # fmt: skip
    assert {k: count(k) for k in ("cost-savings", "funder")} == before


# --- privacy: no figure from a few people's answers, whatever the period --------------------


def test_a_month_with_few_people_withholds_its_own_figures_and_the_periods(data, settings):
    settings.SURVEY_MIN_RESPONSES = 2  # April and May: clients a and b; June: a alone
    f = cost_savings(data.scope)
    june = "Fewer than 2 people answered this question in Recovery Coaching in June 2025."
    assert f["gross_diversion_dollars"] is None and f["withheld"]["gross_diversion_dollars"] == june
    assert f["withheld"]["monthly.2025-06-01"] == june
    # Each month decides on its own cells: April and May are shown, June is not, and the
    # period's total (which would give June away as total minus April and May) is withheld.
    assert [(m["gross_diversion_dollars"], m["surveys"]) for m in f["monthly"]] == [
        (Decimal("750.00"), 2),
        (Decimal("2250.00"), 2),
        (None, 1),  # how many answered is shown, as the period's count is; not what
    ]
    assert f["encounters"] == 6  # not a survey figure


def test_a_period_that_is_not_whole_months_withholds_survey_figures(data):
    cut = Scope(data.scope.organization, dt.date(2025, 4, 2), dt.date(2025, 6, 30), data.program)
    f = cost_savings(cut)
    assert f["survey_figures_withheld"]
    assert f["withheld"]["gross_diversion_dollars"] == PERIOD_NOT_WHOLE_MONTHS
    g = funder(cut)
    assert g["satisfaction_mean"] is None
    assert g["withheld"]["satisfaction_mean"] == PERIOD_NOT_WHOLE_MONTHS


def test_the_organization_is_withheld_when_one_program_has_few_answers(data, settings, program_in):
    settings.SURVEY_MIN_RESPONSES = 5
    org = data.scope.organization
    # Another program with five people answering each month; this one has two, two, one.
    other = program_in(org, name="Other")
    data.peer.programs.add(other)
    for i in range(5):
        person = Client.objects.create(
            program=other, code=f"OT-{i}", assigned_peer=data.peer, enrolled_on=dt.date(2025, 1, 1)
        )
        for day in (dt.date(2025, 4, 3), dt.date(2025, 5, 7), dt.date(2025, 6, 4)):
            enc = _encounter(data, person, day)
            SurveyResponse.objects.create(
                encounter=enc, organization=org, channel="handover", alternative="jail",
                satisfaction=2, submitted_on=day,
            )  # fmt: skip
    whole = Scope(org, *Q2)
    assert cost_savings(whole)["survey_figures_withheld"]  # org minus "Other" = this program
    assert not cost_savings(Scope(org, *Q2, program=other))["survey_figures_withheld"]
    settings.SURVEY_MIN_RESPONSES = 1
    assert not cost_savings(whole)["survey_figures_withheld"]


def test_each_question_needs_the_minimum_of_answers(data, settings):
    # Every month has two people answering each question but well-being, which one person
    # answered, in April only.
    SurveyResponse.objects.filter(encounter__program=data.program).update(wellbeing=None)
    b = Client.objects.get(code="RC-003")
    for who, day, answers in (
        (data.client, dt.date(2025, 4, 20), {"wellbeing": 9}),
        (b, dt.date(2025, 6, 20), {"satisfaction": 4, "alternative": "none",
                                   "other_services": "no", "relapse": "no"}),
    ):  # fmt: skip
        enc = _encounter(data, who, day)
        SurveyResponse.objects.create(
            encounter=enc, organization=data.scope.organization, channel="handover",
            submitted_on=day, **answers,
        )  # fmt: skip
    settings.SURVEY_MIN_RESPONSES = 2
    f = funder(data.scope)
    assert f["wellbeing_mean"] is None
    # Stricter than before: the change rests on the same well-being cells, so it goes too.
    assert f["wellbeing_change"] is None
    assert set(f["withheld"]) == {"wellbeing_mean", "wellbeing_change"}
    assert f["satisfaction_mean"] == Decimal("4.33")  # (5 + 4 + 5 + 3 + 5 + 4) / 6


def test_a_wellbeing_change_over_fewer_clients_than_the_minimum_is_withheld(data, settings):
    settings.SURVEY_MIN_RESPONSES = 1
    assert funder(data.scope)["wellbeing_change"] == {"clients": 2, "mean": Decimal("2.00")}
    settings.SURVEY_MIN_RESPONSES = 3  # over the 2 clients' changes; months have 2, 2, 1
    assert funder(data.scope)["wellbeing_change"] is None


def test_each_answer_is_priced_at_the_cost_in_force_on_its_date(data):
    AlternativeCost.objects.create(
        organization=data.scope.organization,
        alternative="called_911",
        unit_cost=Decimal("1000"),
        source="County budget, May revision",
        effective_from=dt.date(2025, 5, 1),
    )
    f = cost_savings(data.scope)
    # April's 911 answer at $750, May's at $1,000.
    assert f["alternatives"]["called_911"]["total"] == Decimal("1750.00")
    assert f["alternatives"]["called_911"]["priced_by_date"]
    assert f["gross_diversion_dollars"] == Decimal("5250.00")
    versions = [
        (c["unit_cost"], c["until"]) for c in f["costs_used"] if c["alternative"] == "called_911"
    ]
    assert versions == [(Decimal("750.00"), dt.date(2025, 4, 30)), (Decimal("1000.00"), None)]


def test_encounters_per_client_counts_only_encounters_with_a_client(data):
    encounter_save(
        actor=data.peer.user,
        peer=data.peer,
        data=encounter_input(
            data, client=None, format="group", head_count=6, date=dt.date(2025, 5, 20)
        ),
    )
    f = funder(data.scope)
    assert (f["encounters"], f["encounters_per_client"]) == (7, Decimal("3.00"))
