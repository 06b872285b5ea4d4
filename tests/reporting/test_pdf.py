"""The cost-savings and funder reports as PDFs: the figures printed as the JSON gives them,
the labels a funder relies on (scenario, examples, withheld survey figures, page N of M),
and no client anywhere. Then the SVG charts on their own."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from encounters.models import SurveyChannel
from encounters.reporting import charts
from encounters.reporting.figures import Scope
from encounters.reporting.formats import build
from encounters.reporting.models import AlternativeCost, ProgramCost
from encounters.reporting.pdf import MINUS, render_pdf
from encounters.services.encounters import encounter_save
from encounters.services.survey import survey_link_create, survey_submit
from encounters.survey_privacy import PERIOD_NOT_WHOLE_QUARTERS
from tests.encounters.conftest import encounter_input

pytestmark = pytest.mark.django_db

START, END = dt.date(2025, 2, 1), dt.date(2025, 3, 31)
Q1_START = dt.date(2025, 1, 1)


@pytest.fixture(autouse=True)
def _few_answers_shown(settings: Any) -> None:
    # The printing of figures is what is tested here; a handful of answers stands in for a
    # real month's. The privacy minimum is tested on its own (and below, where it is set).
    settings.SURVEY_MIN_RESPONSES = 1


# 09:30 in Montana (the settings' zone), the morning after the quarter's data came in.
GENERATED = dt.datetime(2025, 4, 2, 15, 30, tzinfo=dt.UTC)
SCENARIO = "Scenario — not the organization's recorded figures"
WITHHELD = "Survey figures withheld"
SVG = "{http://www.w3.org/2000/svg}"

# (day, client, phase, support types, survey answers or None)
ENCOUNTERS: list[tuple[dt.date, str, str, list[str], dict[str, str] | None]] = [
    (dt.date(2025, 2, 10), "client", "engaging", ["emotional"], None),
    (
        dt.date(2025, 2, 11),
        "client",
        "connecting",
        ["emotional", "informational"],
        {
            "alternative": "emergency_department",
            "satisfaction": "5",
            "wellbeing": "4",
            "other_services": "no",
        },
    ),
    (
        dt.date(2025, 3, 4),
        "client",
        "connecting",
        ["emotional"],
        {"alternative": "emergency_department", "satisfaction": "5", "other_services": "yes"},
    ),
    (
        dt.date(2025, 3, 5),
        "client",
        "supporting",
        ["emotional", "informational"],
        {
            "alternative": "called_911",
            "satisfaction": "4",
            "wellbeing": "7",
            "relapse": "yes",
            "other_services": "no",
        },
    ),
    (
        dt.date(2025, 3, 6),
        "other_client",
        "connecting",
        ["emotional"],
        {"alternative": "jail", "satisfaction": "3", "wellbeing": "5", "other_services": "yes"},
    ),
    (
        dt.date(2025, 3, 7),
        "other_client",
        "connecting",
        ["instrumental"],
        {"alternative": "none", "satisfaction": "5", "relapse": "no", "other_services": "no"},
    ),
]


def _encounters(s: Any, rows: list[Any] = ENCOUNTERS) -> None:
    """Log each encounter through the service; hand the survey over and answer it."""
    for i, (day, who, phase, supports, answers) in enumerate(rows):
        encounter, _ = encounter_save(
            actor=s.peer.user,
            peer=s.peer,
            data=encounter_input(
                s,
                client=getattr(s, who),
                date=day,
                start_time=dt.time(9, i),
                phase=phase,
                support_types=supports,
            ),
        )
        if answers is not None:
            _, token = survey_link_create(
                encounter=encounter, actor=s.peer.user, channel=SurveyChannel.HANDOVER
            )
            assert survey_submit(token=token, answers=answers) is not None


def _costs(s: Any, org: Any) -> None:
    def cost(alternative: str, amount: str, source: str, since: dt.date, example: bool) -> None:
        AlternativeCost.objects.create(
            organization=org,
            alternative=alternative,
            unit_cost=Decimal(amount),
            source=source,
            effective_from=since,
            is_example=example,
        )

    cost("emergency_department", "2032.50", "County ED billing 2024", dt.date(2025, 1, 1), False)
    cost("jail", "168.20", "Sheriff jail budget", dt.date(2024, 7, 1), False)
    cost("called_911", "750.00", "Sample figure", dt.date(2024, 1, 1), True)
    for category, amount in (("salary_benefits", "1200.00"), ("supervision", "300.00")):
        ProgramCost.objects.create(
            program=s.program,
            category=category,
            amount=Decimal(amount),
            starts_on=START,
            ends_on=END,
        )


@dataclass
class Printed:
    layout: str  # pdftotext -layout, as it came
    pages: list[str]  # each page's words, spaces and line breaks collapsed

    @property
    def text(self) -> str:
        return " ".join(self.pages)

    def row(self, *cells: str) -> bool:
        """Whether a line of the layout holds these cells side by side (a table row; the
        other column of a two-column section may share the line)."""
        pattern = r"(^|\s)" + r"\s+".join(re.escape(c) for c in cells) + r"(\s|$)"
        return any(re.search(pattern, line) for line in self.layout.splitlines())

    def tile(self, value: str, label: str) -> bool:
        """Whether `value` is printed with `label` starting right under it (a figure tile)."""
        lines = self.layout.splitlines()
        for above, below in itertools.pairwise(lines):
            for m in re.finditer(r"(?<!\S)" + re.escape(value) + r"(?!\S)", above):
                if label in below[max(0, m.start() - 2) : m.start() + len(label) + 2]:
                    return True
        return False


def _printed(pdf: bytes, tmp_path: Path) -> Printed:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    layout = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [" ".join(page.split()) for page in layout.split("\f")]
    return Printed(layout, [p for p in pages if p])


def _report(
    kind: str, org: Any, tmp_path: Path, program: Any = None, **scenario: Any
) -> tuple[dict[str, Any], Printed]:
    figures = build(kind, Scope(org, START, END, program), **scenario)
    return figures, _printed(render_pdf(figures, generated=GENERATED), tmp_path)


def _every_page_is_numbered_with_the_footer(printed: Printed, footer: str) -> None:
    pages = printed.pages
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page
        assert footer in page


def _no_client(printed: Printed) -> None:
    for private in ("RC-001", "RC-002", "Jamie", "406-555"):
        assert private not in printed.text


# --- the cost-savings report -------------------------------------------------------------------


def test_cost_savings_pdf_prints_the_figures_as_the_json_gives_them(setup, org, settings, tmp_path):
    s = setup
    _encounters(s)
    _costs(s, org)
    f, pdf = _report("cost-savings", org, tmp_path, program=s.program)
    # The figures: 2 x 2,032.50 + 750 + 168.20 = 4,983.20 gross; cost 1,200 + 300;
    # net 3,483.20 over 2 clients; 4,983.20 / 1,500 = 3.32; 5 answers of 6 encounters.
    assert (f["gross_diversion_dollars"], f["program_cost"], f["net_savings"]) == (
        Decimal("4983.20"),
        Decimal("1500.00"),
        Decimal("3483.20"),
    )
    assert (f["return_ratio"], f["net_savings_per_client"]) == (Decimal("3.32"), Decimal("1741.60"))
    assert (f["encounters"], f["surveys"], f["response_rate"]) == (6, 5, Decimal("0.8333"))
    # ... each printed under its own label.
    assert pdf.tile("$4,983.20", "Gross diversion dollars")
    assert pdf.tile("$1,500.00", "Program cost")
    assert pdf.tile("$3,483.20", "Net savings")
    assert pdf.tile("3.32 to 1", "Return (gross ÷ cost)")
    assert pdf.tile("$1,741.60", "Net savings per client (2")
    assert pdf.tile("6", "Encounters") and pdf.tile("5", "Surveys answered")
    assert pdf.tile("83.3%", "Response rate")
    # Heading, scope and when it was made, on the first page.
    first = pdf.pages[0]
    assert "Prairie Hope" in first and "Program Recovery Coaching" in first
    assert "Period February 1, 2025 to March 31, 2025" in first
    assert "Generated April 2, 2025, 09:30 MDT" in first
    _every_page_is_numbered_with_the_footer(
        pdf, "Cost savings report · Prairie Hope · Recovery Coaching · February 1, 2025"
    )
    # The answers: label, count, unit cost, total, source.
    assert pdf.row("Gone to the emergency room", "2", "$2,032.50", "$4,065.00", "County ED")
    assert pdf.row("Called 911", "1", "$750.00", "$750.00", "Sample figure example")
    assert pdf.row("Ended up arrested or in jail", "1", "$168.20", "$168.20", "Sheriff jail")
    assert pdf.row("Nothing", "1", "not set", "$0.00")
    assert pdf.row("Gross diversion dollars", "$4,983.20")
    # Cost by category, and the month-by-month trend (one ED answer in February).
    assert pdf.row("Salary and benefits", "$1,200.00")
    assert pdf.row("Clinical supervision", "$300.00")
    assert pdf.row("February 2025", "2", "1", "$2,032.50")
    assert pdf.row("March 2025", "4", "4", "$2,950.70")
    # Assumptions with sources and the dates they apply from; the example is flagged, and
    # the first page warns of it.
    assert pdf.row(
        "Gone to the emergency room", "$2,032.50", "County ED billing 2024", "January 1, 2025"
    )
    assert pdf.row("Ended up arrested or in jail", "$168.20", "Sheriff jail budget", "July 1, 2024")
    assert pdf.row("Called 911", "$750.00", "Sample figure example", "January 1, 2024")
    assert f["examples_in_use"] and "Example costs in use" in first
    # Published comparisons beside the program's own.
    assert pdf.row(
        "$2.28 per $1", "returned per dollar spent (a Colorado health center)", "3.32 to 1"
    )
    assert pdf.row("$2,138", "less Medicaid cost per person with peer crisis support", "$1,741.60")
    assert "Scenario" not in pdf.text and "withheld" not in pdf.text
    _no_client(pdf)


def test_without_example_costs_there_is_no_example_warning(setup, org, tmp_path):
    s = setup
    _encounters(s)
    _costs(s, org)
    AlternativeCost.objects.filter(is_example=True).update(is_example=False)
    f, pdf = _report("cost-savings", org, tmp_path)
    assert not f["examples_in_use"]
    assert "Example costs in use" not in pdf.text
    assert not pdf.row("Sample figure", "example") and pdf.row("Sample figure")


def test_a_scenario_is_labelled_on_every_page_and_its_figures_are_printed(setup, org, tmp_path):
    s = setup
    _encounters(s)
    _costs(s, org)
    f, pdf = _report(
        "cost-savings",
        org,
        tmp_path,
        unit_costs={"emergency_department": Decimal("1000")},
        program_cost=Decimal("2500"),
    )
    assert f["scenario"] and len(pdf.pages) >= 2
    assert all(SCENARIO in page for page in pdf.pages)
    # 2 x 1,000 + 750 + 168.20 = 2,918.20 gross; less 2,500 = 418.20; 2,918.20 / 2,500 = 1.17.
    assert (f["gross_diversion_dollars"], f["net_savings"]) == (
        Decimal("2918.20"),
        Decimal("418.20"),
    )
    assert pdf.tile("$2,918.20", "Gross diversion dollars")
    assert pdf.tile("$2,500.00", "Program cost scenario")
    assert pdf.tile("$418.20", "Net savings") and pdf.tile("1.17 to 1", "Return")
    assert pdf.row("Gone to the emergency room", "2", "$1,000.00", "$2,000.00", "scenario")
    assert "unit costs and a program cost" in pdf.pages[0]
    assert "All programs" in pdf.pages[0]


def test_a_loss_prints_as_a_negative_amount(setup, org, tmp_path):
    s = setup
    _encounters(s)
    _costs(s, org)
    f, pdf = _report("cost-savings", org, tmp_path, program_cost=Decimal("10000"))
    assert (f["net_savings"], f["return_ratio"]) == (Decimal("-5016.80"), Decimal("0.50"))
    assert pdf.tile(f"{MINUS}$5,016.80", "Net savings") and pdf.tile("0.50 to 1", "Return")


def test_survey_figures_are_withheld_below_the_minimum_number_of_answers(
    setup, org, settings, tmp_path
):
    settings.SURVEY_MIN_RESPONSES = 6
    s = setup
    _encounters(s)  # five answers, one short of the minimum
    _costs(s, org)
    for kind in ("cost-savings", "funder"):
        f, pdf = _report(kind, org, tmp_path)
        assert f["survey_figures_withheld"] and f["surveys"] == 5
        assert WITHHELD in pdf.pages[0] and "fewer than 6 people" in pdf.pages[0]
        # Nothing drawn from the answers: no gross, no counts by answer, no satisfaction.
        assert "$4,983.20" not in pdf.text and "$4,065.00" not in pdf.text
        assert not pdf.row("Gone to the emergency room", "2") and "4.4 of 5" not in pdf.text
        if kind == "cost-savings":
            assert pdf.tile("withheld", "Gross diversion dollars")
        else:
            assert pdf.tile("withheld", "Mean satisfaction") and "Satisfaction," not in pdf.text
        _no_client(pdf)
    settings.SURVEY_MIN_RESPONSES = 1
    for kind in ("cost-savings", "funder"):
        # Over the whole quarter, so that the well-being change (taken within quarters) is
        # shown too.
        f = build(kind, Scope(org, Q1_START, END))
        pdf = _printed(render_pdf(f, generated=GENERATED), tmp_path)
        assert not f["survey_figures_withheld"]
        assert "withheld" not in pdf.text


# --- the funder report -------------------------------------------------------------------------


def test_funder_pdf_prints_the_figures_as_the_json_gives_them(setup, org, settings, tmp_path):
    s = setup
    _encounters(s)
    _costs(s, org)
    f, pdf = _report("funder", org, tmp_path)
    assert (f["clients_served"], f["encounters"], f["encounters_per_client"]) == (
        2,
        6,
        Decimal("3.00"),
    )
    assert pdf.tile("2", "Clients served") and pdf.tile("6", "Encounters")
    assert pdf.tile("3", "Encounters per client")
    assert f["hours"] == Decimal("2.30") and pdf.tile("2.3", "Hours of peer support")
    # Billing: 23 minutes is two 15-minute units at Medicaid's $14.01.
    assert (f["billable_units"], f["billable_amount"]) == (12, Decimal("168.12"))
    assert pdf.tile("12", "Billable units") and pdf.tile("$168.12", "Billable amount")
    assert f["billing_by_payer"] == [
        {"payer": "Medicaid", "units": 12, "amount": Decimal("168.12")}
    ]
    assert pdf.row("Medicaid", "12", "$168.12")
    assert f["cost_per_encounter"] == Decimal("250.00")
    assert pdf.tile("$250.00", "Cost per encounter") and pdf.tile("$1,500.00", "Program cost")
    # Support types and phases in percent.
    assert f["support_types_percent"]["emotional"] == Decimal("83.3")
    assert pdf.row("Emotional", "5", "83.3%") and pdf.row("Informational", "2", "33.3%")
    assert pdf.row("Practical help", "1", "16.7%") and pdf.row("Connection", "0", "0.0%")
    assert pdf.row("Connecting", "4", "66.7%") and pdf.row("Engaging", "1", "16.7%")
    # The survey: mean and distribution of satisfaction, well-being mean and change.
    assert f["satisfaction_mean"] == Decimal("4.40") and pdf.tile("4.4 of 5", "Mean satisfaction")
    assert f["satisfaction_distribution"] == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 3}
    for point, n in f["satisfaction_distribution"].items():
        assert pdf.row(point, str(n))
    assert f["wellbeing_mean"] == Decimal("5.33") and pdf.tile("5.33 of 10", "Mean well-being")
    # The well-being change is taken within calendar quarters: February and March are not
    # one, so it is withheld, and says why.
    assert f["wellbeing_change"] is None
    assert f["withheld"]["wellbeing_change"] == PERIOD_NOT_WHOLE_QUARTERS
    assert PERIOD_NOT_WHOLE_QUARTERS in pdf.text.replace("\n", " ")
    quarter = build("funder", Scope(org, Q1_START, END))
    q_pdf = _printed(render_pdf(quarter, generated=GENERATED), tmp_path)
    # RC-001 went from 4 to 7 within the quarter; RC-002 answered once and is not counted.
    assert quarter["wellbeing_change"] == {"clients": 1, "mean": Decimal("3.00")}
    assert "+3.00 points on average" in q_pdf.text
    assert "over the 1 client who answered at least twice" in q_pdf.text
    assert (f["other_services_yes"], f["other_services_answered"]) == (2, 5)
    assert pdf.row("Used other services since the last meeting", "2 of 5 answers (40.0%)")
    assert pdf.row("Had a relapse since the last meeting", "1 of 2 answers (50.0%)")
    assert pdf.tile("5", "Surveys answered") and pdf.tile("83.3%", "Response rate")
    # Staff; a share with nothing to count (no peer-month with hours) says "no data".
    assert f["supervision_compliant_share"] is None
    assert pdf.row(
        "Months meeting the clinical supervision requirement (each peer's months with hours"
        " worked)",
        "no data",
    )
    # Zero is a figure, not "no data": the one peer's CEU year is not on track.
    assert (f["staff_headcount"], f["staff_turnover_rate"], f["ceu_on_track_share"]) == (1, 0, 0)
    assert pdf.row("Peer supporters at the end of the period", "1")
    assert pdf.row("Turnover (those who left ÷ average headcount)", "0.0%")
    assert pdf.row("Peers on track with continuing education (CEU) for the year", "0.0%")
    assert "Program All programs" in pdf.pages[0]
    _every_page_is_numbered_with_the_footer(
        pdf, "Funder report · Prairie Hope · All programs · February 1, 2025"
    )
    assert "Scenario" not in pdf.text
    _no_client(pdf)


def test_funder_pdf_says_no_data_where_a_share_has_nothing_to_count(setup, org, tmp_path):
    f, pdf = _report("funder", org, tmp_path)
    assert f["encounters"] == 0 and f["support_types_percent"]["emotional"] is None
    assert pdf.row("Emotional", "0", "no data") and pdf.tile("no data", "Cost per encounter")
    assert pdf.pages[0].count("Page 1 of") == 1


# --- the charts --------------------------------------------------------------------------------


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own markup


def _bars(svg: ET.Element, size: str) -> dict[str, float]:
    return {
        b.get("data-value", ""): float(b.get(size, "0"))
        for b in svg.iter(f"{SVG}rect")
        if b.get("class") == "bar"
    }


def test_charts_escape_every_text():
    nasty = '<script>alert("x")</script> & Co'
    for markup in (
        charts.bar_chart([(nasty, 3)], title=nasty, value_text=lambda v: f"<{v}>"),
        charts.share_bar_chart([(nasty, 50)], title=nasty),
        charts.distribution_chart([(nasty, 2)], title=nasty, low_label=nasty, high_label=nasty),
    ):
        assert "<script>" not in markup and "&lt;script&gt;" in markup
        svg = _svg(markup)  # still well-formed
        title = svg.find(f"{SVG}title")
        assert title is not None and title.text == nasty


def test_each_chart_names_its_title_and_description_for_screen_readers():
    markup = charts.bar_chart([("Jan", 4), ("Feb", None)], title="Encounters by month")
    svg = _svg(markup)
    assert svg.get("role") == "img"
    ids = (svg.get("aria-labelledby") or "").split()
    found = {el.get("id"): el for el in svg.iter() if el.get("id")}
    assert [found[i].tag for i in ids] == [f"{SVG}title", f"{SVG}desc"]
    assert found[ids[1]].text == "Jan: 4; Feb: no data"
    other = _svg(charts.bar_chart([("Jan", 4)], title="Gross by month"))
    assert other.get("aria-labelledby") != svg.get("aria-labelledby")  # two on one page


def test_charts_with_no_data_say_so_and_draw_no_bar():
    for markup in (
        charts.bar_chart([], title="Encounters per week"),
        charts.bar_chart([("W1", None)], title="Encounters per week"),
        charts.share_bar_chart([], title="Types of support"),
        charts.distribution_chart([], title="Satisfaction"),
        charts.distribution_chart([(str(i), 0) for i in range(1, 6)], title="Satisfaction"),
    ):
        svg = _svg(markup)
        assert not _bars(svg, "height")
        assert charts.NO_DATA in "".join(svg.itertext())


def test_bar_heights_are_proportional_to_the_values():
    svg = _svg(
        charts.bar_chart([("a", 10), ("b", 25), ("c", 0), ("d", Decimal("12.5"))], title="t")
    )
    h = _bars(svg, "height")
    assert h["25"] > 0 and h["0"] == 0
    assert h["10"] / h["25"] == pytest.approx(0.4, abs=0.001)
    assert h["12.5"] / h["10"] == pytest.approx(1.25, abs=0.001)


def test_a_negative_bar_hangs_below_the_zero_line():
    svg = _svg(charts.bar_chart([("loss", -50), ("gain", 100)], title="Net by month"))
    bars = {b.get("data-value"): b for b in svg.iter(f"{SVG}rect") if b.get("class") == "bar"}
    loss, gain = bars["-50"], bars["100"]
    zero = float(gain.get("y", 0)) + float(gain.get("height", 0))
    assert float(loss.get("y", 0)) == pytest.approx(zero)
    assert float(loss.get("height", 0)) / float(gain.get("height", 0)) == pytest.approx(
        0.5, abs=0.001
    )


def test_share_bars_are_proportional_and_a_missing_share_reads_no_data():
    markup = charts.share_bar_chart(
        [
            ("Emotional", Decimal("75.4")),
            ("All", 100),
            ("Connection", Decimal("30.8")),
            ("X", None),
        ],
        title="Types of support",
    )
    svg = _svg(markup)
    w = _bars(svg, "width")
    track = max(float(r.get("width", 0)) for r in svg.iter(f"{SVG}rect") if r.get("class") != "bar")
    assert w["100"] == pytest.approx(track)
    assert w["75.4"] / w["100"] == pytest.approx(0.754, abs=0.001)
    assert w["30.8"] / w["75.4"] == pytest.approx(30.8 / 75.4, abs=0.001)
    assert "no data" in "".join(svg.itertext()) and len(w) == 3
    assert "75.4%" in "".join(svg.itertext())


def test_distribution_columns_are_proportional_with_counts_and_shares():
    svg = _svg(
        charts.distribution_chart([("1", 1), ("2", 0), ("3", 2), ("4", 0), ("5", 5)], title="t")
    )
    h = _bars(svg, "height")
    assert h["1"] / h["5"] == pytest.approx(0.2, abs=0.001) and h["0"] == 0
    text = " ".join(svg.itertext())
    assert "62.5%" in text and "12.5%" in text  # 5 of 8, 1 of 8
