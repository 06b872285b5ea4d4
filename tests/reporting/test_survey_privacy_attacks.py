"""The small-numbers rule tried from the outside: one program has a month with few people
answering (or one question has few answers in one month) while the others are large. Every
figure the product shows of them (both reports in every format, for the organization,
each program and a manager's programs, over every whole-month period; the survey results
page; the dashboard) is read, and the small cell's answers must not be recoverable: the
figures a subtraction needs are withheld, and nothing shown changes at all when the small
cell's answers do. With no small cell, the same figures are shown."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from encounters import selectors
from encounters.models import Client, SurveyResponse
from encounters.reporting import formats
from encounters.reporting.dashboard import dashboard
from encounters.reporting.figures import Scope
from encounters.reporting.models import AlternativeCost, ReportRun
from encounters.reporting.pdf import render_html, render_pdf
from encounters.services.encounters import encounter_save
from encounters.survey_privacy import PERIOD_NOT_WHOLE_QUARTERS, whole_quarters
from tests.encounters.conftest import encounter_input

pytestmark = pytest.mark.django_db

GENERATED = dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC)
DEFAULTS: dict[str, Any] = {
    "satisfaction": 4,
    "wellbeing": 6,
    "alternative": "called_911",
    "other_services": "no",
    "relapse": "no",
}
SURVEY_FIGURES = (
    "satisfaction_mean",
    "satisfaction_distribution",
    "wellbeing_mean",
    "other_services_yes",
    "relapses_reported",
    "would_have_used_emergency_services",
)


def _month_end(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _three_months(today: dt.date) -> list[dt.date]:
    """The three whole months before this one (so that every period is in the past and
    the survey page offers them, whatever day the tests run)."""
    first = today.replace(day=1)
    months: list[dt.date] = []
    for _ in range(3):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        months.insert(0, first)
    return months


def _people(program: Any, peer: Any, n: int) -> list[Client]:
    return [
        Client.objects.create(
            program=program,
            code=f"P-{Client.objects.count():04}",
            assigned_peer=peer,
            enrolled_on=dt.date(2020, 1, 1),
        )
        for _ in range(n)
    ]


def _answer(s: Any, program: Any, people: list[Client], day: dt.date, **answers: Any) -> None:
    """Each person has an encounter on `day` and answers the survey after it."""
    for i, person in enumerate(people):
        encounter, _ = encounter_save(
            actor=s.peer.user,
            peer=s.peer,
            data=encounter_input(
                s, program=program, client=person, date=day, start_time=dt.time(9, i)
            ),
        )
        SurveyResponse.objects.create(
            encounter=encounter,
            organization=program.organization,
            channel="handover",
            submitted_on=day,
            **(DEFAULTS | answers),
        )


@pytest.fixture
def world(setup: Any, settings: Any, program_in: Any) -> Any:
    """Three programs over three whole months. Recovery Coaching: the same five people
    each month; Crisis Bridge: six each month; Housing First: six in the first and last
    month but two in the middle one (the small cell). The manager has Recovery Coaching
    and Housing First."""
    settings.SURVEY_MIN_RESPONSES = 5
    s = setup
    org = s.program.organization
    s.org = org
    s.housing = program_in(org, name="Housing First")
    s.crisis = program_in(org, name="Crisis Bridge")
    s.peer.programs.add(s.housing, s.crisis)
    s.manager.programs.add(s.housing)
    s.months = _three_months(org.today())
    first, middle, last = s.months
    recovery, crisis, housing = (
        _people(s.program, s.peer, 5),
        _people(s.crisis, s.peer, 6),
        _people(s.housing, s.peer, 6),
    )
    for month in s.months:
        _answer(s, s.program, recovery, month + dt.timedelta(days=2), satisfaction=5)
        _answer(s, s.crisis, crisis, month + dt.timedelta(days=3), satisfaction=2, wellbeing=3)
        _answer(
            s, s.crisis, crisis[:1], month + dt.timedelta(days=9), satisfaction=2, wellbeing=3,
            alternative="jail",
        )  # fmt: skip
    _answer(s, s.housing, housing, first + dt.timedelta(days=4), satisfaction=3)
    _answer(s, s.housing, housing, last + dt.timedelta(days=4), satisfaction=3, wellbeing=8)
    _answer(
        s, s.housing, housing[:2], middle + dt.timedelta(days=4), satisfaction=1, wellbeing=2,
        alternative="inpatient", other_services="yes", relapse="yes",
    )  # fmt: skip
    s.small = SurveyResponse.objects.filter(
        encounter__program=s.housing, encounter__date__month=middle.month
    )
    s.housing_people = housing
    for code, cost in (("called_911", "750"), ("inpatient", "1500"), ("jail", "120")):
        AlternativeCost.objects.create(
            organization=org,
            alternative=code,
            unit_cost=Decimal(cost),
            source="County figures",
            effective_from=dt.date(2020, 1, 1),
        )
    return s


def _periods(months: list[dt.date]) -> Iterator[tuple[dt.date, dt.date]]:
    """Every period of whole months within the three: one, two or three of them."""
    for i, start in enumerate(months):
        for end in months[i:]:
            yield start, _month_end(end)


def _without_tokens(html: str) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def _pdf_text(figures: dict[str, Any], tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf(figures, generated=GENERATED))
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


def _everything_shown(w: Any, browsers: dict[str, Any], tmp_path: Path) -> dict[Any, Any]:
    """Every survey figure the product shows of this data, keyed by where it is shown."""
    shown: dict[Any, Any] = {}
    programs = {"all": None, "recovery": w.program, "housing": w.housing, "crisis": w.crisis}
    for name, program in programs.items():
        for start, end in _periods(w.months):
            for kind in ("funder", "cost-savings"):
                f = formats.build(kind, Scope(w.org, start, end, program))
                key = (kind, name, start, end)
                shown[(*key, "json")] = formats.to_json(f)
                shown[(*key, "csv")] = formats.to_csv(f)
                shown[(*key, "pdf layout")] = render_html(f, generated=GENERATED)
    whole = (w.months[0], _month_end(w.months[-1]))
    for kind, program in (("funder", None), ("cost-savings", w.housing)):
        f = formats.build(kind, Scope(w.org, *whole, program))
        shown[(kind, "pdf text", program)] = _pdf_text(f, tmp_path)
        book = load_workbook(io.BytesIO(formats.to_xlsx(f))).active
        assert book is not None
        shown[(kind, "xlsx", program)] = list(book.iter_rows(values_only=True))
    for who, browser in browsers.items():
        for month in w.months:
            for slug in ("", w.program.slug, w.housing.slug, w.crisis.slug):
                page = browser.get(
                    reverse("survey_results"), {"month": f"{month:%Y-%m}", "program": slug}
                )
                assert page.status_code == 200
                shown[("survey page", who, month, slug)] = (
                    page.context["survey"],
                    _without_tokens(page.content.decode()),
                )
    for who in ("admin", "manager"):
        shown[("dashboard", who)] = dashboard(getattr(w, who), _month_end(w.months[-1]))
    return shown


def _differences(before: dict[Any, Any], after: dict[Any, Any]) -> list[Any]:
    assert before.keys() == after.keys()
    return [key for key in before if before[key] != after[key]]


@pytest.fixture
def browsers(world: Any, client_for: Any) -> dict[str, Any]:
    signed_in = {"admin": client_for(world.admin), "manager": client_for(world.manager)}
    for browser in signed_in.values():
        browser.get(reverse("home"))  # the "signed in" message is shown once, here
    return signed_in


# --- the small month of one program ---------------------------------------------------------


def test_nothing_shown_anywhere_changes_when_the_small_months_answers_do(world, browsers, tmp_path):
    """If every figure shown is the same for two different sets of answers in the small
    cell, no subtraction or other sum of shown figures can tell which it was."""
    before = _everything_shown(world, browsers, tmp_path)
    # The same two people, the same questions answered, other answers.
    world.small.update(
        satisfaction=5, wellbeing=9, alternative="jail", other_services="no", relapse="no"
    )
    after = _everything_shown(world, browsers, tmp_path)
    assert _differences(before, after) == []


def test_the_comparison_would_catch_a_change_in_a_shown_cell(world, browsers, tmp_path):
    """The control: the same reading notices one answer changed in a cell that is shown."""
    before = _everything_shown(world, browsers, tmp_path)
    one = SurveyResponse.objects.filter(encounter__program=world.program).first()
    assert one is not None
    SurveyResponse.objects.filter(pk=one.pk).update(satisfaction=1)
    changed = _differences(before, _everything_shown(world, browsers, tmp_path))
    quarter = (world.months[0], _month_end(world.months[-1]))
    assert ("funder", "recovery", *quarter, "json") in changed
    assert ("survey page", "admin", one.encounter.date.replace(day=1), world.program.slug) in (
        changed
    )


def _funder(w: Any, program: Any, first: int, last: int) -> dict[str, Any]:
    return formats.build(
        "funder", Scope(w.org, w.months[first], _month_end(w.months[last]), program)
    )


def _savings(w: Any, program: Any, first: int, last: int) -> dict[str, Any]:
    return formats.build(
        "cost-savings", Scope(w.org, w.months[first], _month_end(w.months[last]), program)
    )


def test_the_organization_minus_the_other_programs_finds_its_total_withheld(world):
    w = world
    # Old attack: organization - Recovery Coaching - Crisis Bridge = Housing First's
    # quarter, and Housing First's quarter - its first and last months = the small month.
    org, recovery, crisis = (_funder(w, p, 0, 2) for p in (None, w.program, w.crisis))
    housing = _funder(w, w.housing, 0, 2)
    assert recovery["satisfaction_mean"] == Decimal("5.00")
    assert crisis["satisfaction_mean"] == Decimal("2.00")
    for key in SURVEY_FIGURES:
        assert org[key] is None and housing[key] is None, key
        assert "Housing First in" in org["withheld"][key]
    assert _funder(w, w.housing, 0, 0)["satisfaction_mean"] == Decimal("3.00")
    assert _funder(w, w.housing, 2, 2)["satisfaction_mean"] == Decimal("3.00")
    # Two periods that differ by the small month: the longer one is withheld.
    assert _funder(w, w.housing, 0, 1)["satisfaction_mean"] is None
    assert _funder(w, w.housing, 1, 2)["satisfaction_mean"] is None
    # The middle month over the organization minus the other programs' middle months.
    assert _funder(w, None, 1, 1)["satisfaction_mean"] is None
    assert _funder(w, w.program, 1, 1)["satisfaction_mean"] == Decimal("5.00")


def test_the_cost_savings_months_show_only_their_own_shown_cells(world):
    w = world
    whole = _savings(w, None, 0, 2)
    months = [m["gross_diversion_dollars"] for m in whole["monthly"]]
    # The first and last months are shown; the middle and the quarter's total are not, so
    # the total minus the shown months cannot be taken.
    assert months[1] is None and whole["gross_diversion_dollars"] is None
    # Recovery Coaching's 5, Crisis Bridge's 6 and Housing First's 6 calls to 911 at $750,
    # and one night in jail at $120, in the first month and in the last.
    assert months[0] == months[2] == Decimal("12870.00")
    assert whole["withheld"][f"monthly.{w.months[1].isoformat()}"].startswith("Fewer than 5")
    # The middle month of the other programs is there, without Housing First.
    assert _savings(w, w.program, 1, 1)["gross_diversion_dollars"] == Decimal("3750.00")
    assert _savings(w, w.housing, 1, 1)["gross_diversion_dollars"] is None
    assert all(a["count"] is None for a in whole["alternatives"].values())
    # The PDF names each withheld figure, the month's among them, with its reason.
    notice = render_html(whole, generated=GENERATED)
    assert f"gross diversion dollars of {w.months[1]:%B %Y}: withheld. Fewer than 5" in notice


def test_the_survey_page_for_all_programs_hides_what_one_program_would_give_away(world, browsers):
    w = world
    middle = f"{w.months[1]:%Y-%m}"

    def page(who: str, slug: str) -> Any:
        return browsers[who].get(reverse("survey_results"), {"month": middle, "program": slug})

    everyone = page("admin", "")
    survey = everyone.context["survey"]
    assert not survey.shown and survey.responses == 5 + 7 + 2
    assert set(survey.withheld) == {
        "satisfaction", "wellbeing", "alternative", "other_services", "relapse",
    }  # fmt: skip
    assert "Housing First in" in survey.withheld["satisfaction"]
    assert page("admin", w.program.slug).context["survey"].satisfaction_mean == Decimal("5.0")
    assert page("admin", w.crisis.slug).context["survey"].satisfaction_mean == Decimal("2.0")
    assert page("admin", w.housing.slug).context["survey"].satisfaction_mean is None
    # The manager's programs together (Recovery Coaching and Housing First) minus the one
    # shown would be Housing First: withheld.
    mine = page("manager", "").context["survey"]
    assert mine.responses == 7 and mine.satisfaction_mean is None
    html = page("manager", "").content.decode()
    assert f"Housing First in {w.months[1]:%B %Y}" in html  # why, on the page
    # Programs they do not manage are not theirs to choose: all of theirs is shown.
    assert page("manager", w.crisis.slug).context["survey"].responses == 7


def test_the_dashboard_withholds_the_small_month_and_the_periods_mean(world):
    w = world
    today = _month_end(w.months[-1])
    (everyone,) = dashboard(w.admin, today)["panels"]
    by_month = {m.month: m for m in everyone["satisfaction_by_month"]}
    assert by_month[w.months[1]].mean is None and by_month[w.months[1]].withheld
    assert by_month[w.months[0]].mean is not None and by_month[w.months[2]].mean is not None
    assert everyone["cards"]["satisfaction"] is None and everyone["cards"]["satisfaction_withheld"]
    assert "withheld" in str(everyone["charts"]["satisfaction"])
    panels = {p["title"]: p for p in dashboard(w.manager, today)["panels"]}
    assert panels["Recovery Coaching"]["cards"]["satisfaction"] == Decimal("5.00")
    housing = {m.month: m.mean for m in panels["Housing First"]["satisfaction_by_month"]}
    assert housing[w.months[1]] is None and panels["Housing First"]["cards"]["satisfaction"] is None
    assert housing[w.months[0]] == housing[w.months[2]] == Decimal("3.00")


def test_with_no_small_cell_every_figure_is_shown_and_adds_up(world):
    w = world
    _answer(w, w.housing, w.housing_people[2:5], w.months[1] + dt.timedelta(days=4))
    org = _funder(w, None, 0, 2)
    assert set(org["withheld"]) <= {"wellbeing_change"}  # shown over whole quarters only
    parts = [_funder(w, p, 0, 2) for p in (w.program, w.housing, w.crisis)]
    # The organization is the sum of its programs, figure by figure (no cell is small, so
    # it may be).
    assert org["relapses_reported"] == sum(p["relapses_reported"] for p in parts) == 2
    assert org["satisfaction_distribution"] == {
        point: sum(p["satisfaction_distribution"][point] for p in parts) for point in "12345"
    }
    savings = _savings(w, None, 0, 2)
    assert savings["withheld"] == {}
    assert savings["gross_diversion_dollars"] == sum(
        m["gross_diversion_dollars"] for m in savings["monthly"]
    )
    assert all(m["gross_diversion_dollars"] is not None for m in savings["monthly"])
    # The well-being change is taken within calendar quarters (tested below): over these
    # three months it shows only when they are one quarter.
    months = (w.months[0], _month_end(w.months[2]), w.org.today())
    if not whole_quarters(*months):
        assert _funder(w, w.housing, 0, 2)["withheld"] == {
            "wellbeing_change": PERIOD_NOT_WHOLE_QUARTERS
        }


# --- off by one: the minimum per program and per question -----------------------------------


@pytest.mark.parametrize(("people", "shown"), [(4, False), (5, True)])
def test_one_programs_month_at_the_minimum_is_shown_and_one_below_is_not(world, people, shown):
    w = world
    _answer(w, w.housing, w.housing_people[2:people], w.months[1] + dt.timedelta(days=4))
    for program in (None, w.housing):
        f = _funder(w, program, 0, 2)
        assert (f["satisfaction_mean"] is not None) is shown
        assert (_savings(w, program, 0, 2)["gross_diversion_dollars"] is not None) is shown
    summary = selectors.survey_month(
        w.admin, year=w.months[1].year, month=w.months[1].month, program=None
    )
    assert ("satisfaction" not in summary.withheld) is shown
    assert (summary.satisfaction_mean is not None) is shown


@pytest.mark.parametrize(("answered", "shown"), [(4, False), (5, True)])
def test_a_question_answered_by_the_minimum_is_shown_and_by_one_fewer_is_not(
    world, answered, shown
):
    """Five people respond; `answered` of them answer the relapse question, the others say
    they would rather not. Only the relapse figures depend on it."""
    w = world
    _answer(w, w.housing, w.housing_people[2:5], w.months[1] + dt.timedelta(days=4))
    middle = SurveyResponse.objects.filter(
        encounter__program=w.housing, encounter__date__month=w.months[1].month
    ).order_by("pk")
    assert middle.count() == 5
    SurveyResponse.objects.filter(pk__in=[r.pk for r in middle[answered:]]).update(
        relapse="prefer_not"
    )
    f = _funder(w, w.housing, 0, 2)
    assert (f["relapses_reported"] is not None) is shown
    assert f["satisfaction_mean"] is not None and f["other_services_yes"] is not None
    if shown:  # "I'd rather not say" is in no denominator: 6 + 5 + 6 answered
        assert (f["relapses_reported"], f["relapse_answered"]) == (2, 17)
    summary = selectors.survey_month(
        w.manager, year=w.months[1].year, month=w.months[1].month, program=w.housing
    )
    assert ("relapse" not in summary.withheld) is shown
    assert summary.satisfaction_mean is not None
    assert (summary.relapse_answered == 5) if shown else summary.relapse_answered is None


def test_one_persons_many_answers_are_one_person(world):
    """Five surveys in the small month from the same two people stay two people."""
    w = world
    for day in (10, 12, 14):
        _answer(w, w.housing, w.housing_people[:1], w.months[1] + dt.timedelta(days=day))
    assert w.small.count() == 5
    assert _funder(w, w.housing, 1, 1)["satisfaction_mean"] is None


# --- one question with few answers in one month ---------------------------------------------


@pytest.fixture
def few_wellbeing(world: Any) -> Any:
    """The small month made large, except for well-being: of its six people, two answer."""
    w = world
    _answer(w, w.housing, w.housing_people[2:], w.months[1] + dt.timedelta(days=4), wellbeing=None)
    w.small = SurveyResponse.objects.filter(
        encounter__program=w.housing,
        encounter__date__month=w.months[1].month,
        wellbeing__isnull=False,
    )
    assert w.small.count() == 2
    return w


def test_two_periods_a_month_apart_cannot_give_away_a_questions_few_answers(few_wellbeing):
    w = few_wellbeing
    # The first month, and the first two: their difference would be the middle month's
    # two well-being answers. The first is shown; the second is withheld.
    assert _funder(w, w.housing, 0, 0)["wellbeing_mean"] == Decimal("6.00")
    two = _funder(w, w.housing, 0, 1)
    assert two["wellbeing_mean"] is None and two["wellbeing_change"] is None
    assert "Housing First in" in two["withheld"]["wellbeing_mean"]
    # The other questions of the same month are shown.
    assert two["satisfaction_mean"] is not None and two["relapses_reported"] is not None
    assert _funder(w, None, 0, 2)["wellbeing_mean"] is None


def test_nothing_shown_changes_when_the_few_wellbeing_answers_do(few_wellbeing, browsers, tmp_path):
    before = _everything_shown(few_wellbeing, browsers, tmp_path)
    few_wellbeing.small.update(wellbeing=10)
    assert _differences(before, _everything_shown(few_wellbeing, browsers, tmp_path)) == []


# --- the files a report run offers -----------------------------------------------------------


def test_a_reports_files_say_which_figures_are_withheld_and_why(
    world, client_for, django_capture_on_commit_callbacks, tmp_path
):
    w = world
    c = client_for(w.admin)
    start, end = w.months[0], _month_end(w.months[-1])
    with django_capture_on_commit_callbacks(execute=True):
        c.post(
            reverse("report_list"),
            {
                "kind": "funder",
                "program": "",
                "period": "custom",
                "start": start.isoformat(),
                "end": end.isoformat(),
                "submission_key": str(uuid.uuid4()),
            },
        )
    run = ReportRun.objects.get()
    assert run.status == "ready"

    def download(fmt: str) -> bytes:
        return b"".join(c.get(reverse("report_file", args=[run.pk, fmt])).streaming_content)

    why = f"Fewer than 5 people answered this question in Housing First in {w.months[1]:%B %Y}."
    figures = json.loads(download("json"))
    assert figures["satisfaction_mean"] is None and figures["withheld"]["satisfaction_mean"] == why
    # How many answered is not what they answered: the count is shown.
    assert figures["surveys"] == 3 * 5 + 3 * 7 + (6 + 2 + 6)
    rows = csv.DictReader(io.StringIO(download("csv").decode()))
    lines = {(r["section"], r["item"]): r["value"] for r in rows}
    assert lines[("summary", "satisfaction_mean")] == "withheld"
    assert lines[("withheld", "satisfaction_mean")] == why
    assert lines[("summary", "satisfaction_distribution")] == "withheld"
    sheet = load_workbook(io.BytesIO(download("xlsx"))).active
    assert sheet is not None
    cells = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells[("summary", "wellbeing_mean")] == "withheld"
    assert cells[("withheld", "wellbeing_mean")] == why
    path = tmp_path / "run.pdf"
    path.write_bytes(download("pdf"))
    text = " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "Survey figures withheld" in text and why in text
    assert (
        "Mean satisfaction, satisfaction answers by point, mean well-being, change in"
        " well-being, other services used, relapses, emergency services otherwise used:"
        f" withheld. {why}"
    ) in text
    assert "Satisfaction, answers by point" not in text  # the table is not printed


# --- the well-being change: cells of a program's calendar quarter ----------------------------

Q1, Q2, Q3 = dt.date(2025, 1, 1), dt.date(2025, 4, 1), dt.date(2025, 7, 1)


def test_overlapping_periods_cannot_give_away_one_clients_wellbeing_change(setup, settings):
    """The attack that works on a change taken over free periods: one client answers in
    the first and the last month only; months 1-2, 1-3 and 2-3 each cover enough clients,
    and (1-3) - (1-2) - (2-3) would leave that client's own change. Taken within calendar
    quarters, the change is withheld over part quarters and adds up over whole ones, so
    nothing is left over to read."""
    settings.SURVEY_MIN_RESPONSES = 5
    s = setup
    s.org = s.program.organization
    others = _people(s.program, s.peer, 5)
    for day, wellbeing in ((dt.date(2025, 1, 5), 4), (dt.date(2025, 3, 5), 5)):
        _answer(s, s.program, others, day, wellbeing=wellbeing)
    for day, wellbeing in ((dt.date(2025, 4, 5), 5), (dt.date(2025, 6, 5), 8)):
        _answer(s, s.program, others, day, wellbeing=wellbeing)
    (lone,) = _people(s.program, s.peer, 1)  # answers once in each quarter
    _answer(s, s.program, [lone], dt.date(2025, 1, 9), wellbeing=2)
    _answer(s, s.program, [lone], dt.date(2025, 6, 9), wellbeing=9)

    def funder(start: dt.date, end: dt.date) -> dict[str, Any]:
        return formats.build("funder", Scope(s.org, start, _month_end(end), s.program))

    # Any period that is not whole quarters: withheld, and says why.
    for start, end in (
        (Q1, dt.date(2025, 2, 1)),
        (dt.date(2025, 2, 1), dt.date(2025, 5, 1)),
        (dt.date(2025, 3, 1), dt.date(2025, 6, 1)),
    ):
        f = funder(start, end)
        assert f["wellbeing_change"] is None
        assert f["withheld"]["wellbeing_change"] == PERIOD_NOT_WHOLE_QUARTERS
    first, second, half = (
        funder(Q1, dt.date(2025, 3, 1)),
        funder(Q2, dt.date(2025, 6, 1)),
        funder(Q1, dt.date(2025, 6, 1)),
    )
    assert first["wellbeing_change"] == {"clients": 5, "mean": Decimal("1.00")}
    assert second["wellbeing_change"] == {"clients": 5, "mean": Decimal("3.00")}

    def total(f: dict[str, Any]) -> Decimal:
        return f["wellbeing_change"]["mean"] * f["wellbeing_change"]["clients"]

    # The half year is exactly its two quarters: subtracting leaves nothing.
    assert total(half) - total(first) - total(second) == 0
    # And the lone client's answers enter no change shown: change them, nothing moves.
    SurveyResponse.objects.filter(encounter__client=lone).update(wellbeing=10)
    assert [
        funder(Q1, m)["wellbeing_change"] for m in (dt.date(2025, 3, 1), dt.date(2025, 6, 1))
    ] == [
        first["wellbeing_change"],
        half["wellbeing_change"],
    ]


def test_a_quarter_with_too_few_clients_answering_twice_withholds_every_total_with_it(
    setup, settings, program_in
):
    settings.SURVEY_MIN_RESPONSES = 5
    s = setup
    s.org = s.program.organization
    housing = program_in(s.org, name="Housing First")
    for program, n in ((s.program, 5), (housing, 4)):
        people = _people(program, s.peer, n)
        s.peer.programs.add(program)
        _answer(s, program, people, dt.date(2025, 7, 3), wellbeing=3)
        _answer(s, program, people, dt.date(2025, 8, 3), wellbeing=6)
    # Well-being cells are large enough each month; the change's quarter cells are not.
    more = _people(housing, s.peer, 1)
    _answer(s, housing, more, dt.date(2025, 7, 4), wellbeing=5)
    _answer(s, housing, more, dt.date(2025, 8, 4), wellbeing=5)
    org = formats.build("funder", Scope(s.org, Q3, dt.date(2025, 9, 30)))
    assert org["wellbeing_mean"] is not None
    assert org["wellbeing_change"] == {"clients": 10, "mean": Decimal("2.70")}
    # That client now answers in July only, and another person in August only: each
    # month still has five people, but only four clients of Housing First answered twice.
    one_short = SurveyResponse.objects.filter(encounter__client__in=more, encounter__date__month=8)
    one_short.update(wellbeing=None)
    _answer(s, housing, _people(housing, s.peer, 1), dt.date(2025, 8, 5), wellbeing=5)
    for program in (None, housing):
        f = formats.build("funder", Scope(s.org, Q3, dt.date(2025, 9, 30), program))
        assert f["wellbeing_change"] is None
        assert "Housing First in Q3 2025" in f["withheld"]["wellbeing_change"]
    alone = formats.build("funder", Scope(s.org, Q3, dt.date(2025, 9, 30), s.program))
    assert alone["wellbeing_change"] == {"clients": 5, "mean": Decimal("3.00")}
