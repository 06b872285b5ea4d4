"""Reports asked for in the browser, built in the background, archived and scheduled."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from encounters.models import Client, SurveyResponse
from encounters.reporting import events as report_events
from encounters.reporting import formats, schedules, services
from encounters.reporting.figures import Scope
from encounters.reporting.forms import ENTER_END, ENTER_START
from encounters.reporting.models import AlternativeCost, ProgramCost, ReportRun, ReportSchedule
from encounters.services.encounters import encounter_save
from encounters.services.survey import survey_current
from programs.models import AuditEvent, Notification, Role
from tests.encounters.conftest import encounter_input

pytestmark = pytest.mark.django_db

MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
# A month that ends the day after tomorrow (whatever the organization's time zone).
SOON = (
    (dt.date.today() - dt.timedelta(days=28)).isoformat(),
    (dt.date.today() + dt.timedelta(days=2)).isoformat(),
)
# What six surveyed people said they would have done without a peer.
ANSWERS = [
    "emergency_department",
    "emergency_department",
    "called_911",
    "none",
    "friend_or_family",
    "jail",
]


@pytest.fixture
def march(setup) -> Any:
    """Six encounters in March 2025 with six clients, each with a survey answer (six
    people: one person's answers count once, whatever their number); what the
    alternatives cost; the program's cost for the quarter."""
    org = setup.program.organization
    question_set = survey_current(org)
    for i, alternative in enumerate(ANSWERS):
        client = setup.client
        if i:
            client = Client.objects.create(
                program=setup.program,
                code=f"RC-1{i:02}",
                assigned_peer=setup.peer,
                enrolled_on=dt.date(2025, 1, 1),
            )
        encounter, _ = encounter_save(
            actor=setup.peer.user,
            peer=setup.peer,
            data=encounter_input(setup, client=client, date=dt.date(2025, 3, 3 + i)),
        )
        SurveyResponse.objects.create(
            encounter=encounter,
            organization=org,
            question_set=question_set,
            channel="handover",
            satisfaction=5,
            wellbeing=7,
            alternative=alternative,
            submitted_on=encounter.date,
        )
    for code, cost in (("emergency_department", "1500.00"), ("called_911", "750.00")):
        AlternativeCost.objects.create(
            organization=org,
            alternative=code,
            unit_cost=Decimal(cost),
            source="County figures, 2024",
            effective_from=dt.date(2024, 1, 1),
        )
    AlternativeCost.objects.create(
        organization=org,
        alternative="jail",
        unit_cost=Decimal("120.00"),
        source="Sheriff's office, one night",
        effective_from=dt.date(2024, 1, 1),
    )
    ProgramCost.objects.create(
        program=setup.program,
        category="salary_benefits",
        amount=Decimal("900.00"),
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 3, 31),
    )
    return setup


def _ask(c: Any, program: Any, **changes: Any) -> Any:
    data = {
        "kind": "cost-savings",
        "program": program.pk if program is not None else "",
        "period": "custom",
        "start": MARCH[0].isoformat(),
        "end": MARCH[1].isoformat(),
        "submission_key": str(uuid.uuid4()),
    }
    data.update(changes)
    return c.post(reverse("report_list"), data)


def _request(s: Any, who: Any, program: Any, **kw: Any) -> ReportRun:
    return services.report_request(
        organization=s.program.organization,
        actor=who.user,
        kind=kw.pop("kind", "funder"),
        program=program,
        start=MARCH[0],
        end=MARCH[1],
        **kw,
    )


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# --- asking, building, downloading --------------------------------------------------------


def test_an_admin_asks_for_a_report_and_its_four_files_carry_the_same_figures(
    march, client_for, django_capture_on_commit_callbacks
):
    c = client_for(march.admin)
    page = c.get(reverse("report_list"))
    assert page.status_code == 200
    assert b"Last quarter" in page.content and b"All programs" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(c, march.program)
    run = ReportRun.objects.get()
    assert response["Location"] == reverse("report_run", args=[run.pk])
    assert (run.status, run.progress, run.error) == ("ready", 100, "")
    assert run.finished_at is not None and run.requested_by == march.admin.user
    assert (run.kind, run.program, run.start, run.end, run.scenario) == (
        "cost-savings",
        march.program,
        *MARCH,
        {},
    )

    # The program's figures: 2 x $1,500 + $750 + $120, against March's 31 of the 90 days of
    # a $900 quarter.
    figures = formats.build(
        "cost-savings", Scope(march.program.organization, *MARCH, program=march.program)
    )
    assert run.figures == formats.plain(figures)
    assert run.figures["gross_diversion_dollars"] == 3870.0
    assert run.figures["program_cost"] == 310.0
    assert run.figures["net_savings"] == 3560.0

    files = {}
    for fmt in ("pdf", "xlsx", "csv", "json"):
        download = c.get(reverse("report_file", args=[run.pk, fmt]))
        assert download.status_code == 200, fmt
        assert download["Content-Disposition"] == (
            f'attachment; filename="cost-savings-{march.program.slug}-2025-03-01-2025-03-31.{fmt}"'
        )
        files[fmt] = _body(download)
    assert files["pdf"].startswith(b"%PDF")
    assert json.loads(files["json"]) == formats.plain(figures)
    expected = [[section, item, value] for section, item, value in formats.rows(figures)]
    lines = list(csv.reader(io.StringIO(files["csv"].decode())))
    assert lines[0] == ["section", "item", "value"]
    assert [line[:2] for line in lines[1:]] == [[s, i] for s, i, _ in expected]
    assert ["summary", "gross_diversion_dollars", "3870.0"] in lines
    sheet = load_workbook(io.BytesIO(files["xlsx"])).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(cells) == len(expected) == len(lines) - 1
    for (section, item, value), line, row in zip(expected, lines[1:], cells, strict=True):
        assert row[:2] == [section, item]
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert row[2] == value and float(line[2]) == value, (section, item)

    audit = AuditEvent.objects.filter(subject_id=str(run.pk), subject_type="reporting.reportrun")
    requested = audit.get(event=report_events.REPORT_REQUESTED)
    assert requested.actor == march.admin.user
    assert requested.data == {
        "kind": "cost-savings",
        "program": march.program.pk,
        "start": "2025-03-01",
        "end": "2025-03-31",
        "scenario": False,
        "schedule": None,
    }
    downloads = audit.filter(event=report_events.REPORT_DOWNLOADED).order_by("pk")
    assert [e.data["format"] for e in downloads] == ["pdf", "xlsx", "csv", "json"]


def test_the_run_page_polls_while_building_and_then_offers_the_files(
    march, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    c = client_for(march.admin)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        run = _request(march, march.admin, march.program)
    assert len(queued) == 1
    assert (run.status, run.progress) == ("pending", 0)
    waiting = c.get(reverse("report_run", args=[run.pk]), HTTP_HX_REQUEST="true")
    text = waiting.content.decode()
    assert 'hx-trigger="every 2s"' in text and "Waiting to start" in text
    assert reverse("report_file", args=[run.pk, "pdf"]) not in text

    seen = []
    real_pdf = formats.WRITERS["pdf"]

    def pdf_while_watching(figures: dict[str, Any]) -> str | bytes:
        building = ReportRun.objects.get(pk=run.pk)
        page = c.get(reverse("report_run", args=[run.pk]), HTTP_HX_REQUEST="true")
        seen.append((building.status, building.progress, page.content.decode()))
        return real_pdf(figures)

    monkeypatch.setitem(formats.WRITERS, "pdf", pdf_while_watching)
    queued[0]()
    [(status, progress, html)] = seen
    assert (status, progress) == ("running", 70)
    assert 'hx-trigger="every 2s"' in html and "Building the report" in html and "70%" in html

    done = c.get(reverse("report_run", args=[run.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and "Ready." in done
    for fmt in ("pdf", "xlsx", "csv", "json"):
        assert reverse("report_file", args=[run.pk, fmt]) in done
    full = c.get(reverse("report_run", args=[run.pk]))
    assert full.status_code == 200 and b"<html" in full.content and b"Ready." in full.content


def test_a_scenario_is_stored_and_labelled(march, client_for, django_capture_on_commit_callbacks):
    c = client_for(march.admin)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(c, march.program, cost_emergency_department="2000", program_cost="1000")
    run = ReportRun.objects.get()
    assert run.scenario == {
        "unit_costs": {"emergency_department": "2000.00"},
        "program_cost": "1000.00",
    }
    assert run.figures["scenario"] is True
    ed = run.figures["alternatives"]["emergency_department"]
    assert (ed["unit_cost"], ed["source"], ed["total"]) == (2000.0, "scenario", 4000.0)
    assert run.figures["alternatives"]["called_911"]["unit_cost"] == 750.0  # not overridden
    assert run.figures["program_cost"] == 1000.0
    assert run.figures["gross_diversion_dollars"] == 4870.0
    page = c.get(reverse("report_run", args=[run.pk])).content.decode()
    assert "Scenario." in page and "Gone to the emergency room: $2000.00 each" in page
    assert "Program cost for the period: $1000.00" in page
    archive = c.get(reverse("report_list")).content.decode()
    assert ">Scenario</span>" in archive
    requested = AuditEvent.objects.get(event=report_events.REPORT_REQUESTED)
    assert requested.data["scenario"] is True


def test_a_scenario_is_refused_for_the_funder_report_and_what_was_typed_stays(march, client_for):
    c = client_for(march.admin)
    response = _ask(c, march.program, kind="funder", cost_called_911="99.50")
    assert response.status_code == 200
    assert services.SCENARIO_COST_SAVINGS_ONLY in response.content.decode()
    assert 'value="99.50"' in response.content.decode()
    assert not ReportRun.objects.exists()


def test_a_double_submit_asks_once(march, client_for, django_capture_on_commit_callbacks):
    c = client_for(march.admin)
    key = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _ask(c, march.program, submission_key=key)
        second = _ask(c, march.program, submission_key=key)
    assert first["Location"] == second["Location"]
    assert ReportRun.objects.count() == 1
    assert len(callbacks) == 1  # one build queued
    assert AuditEvent.objects.filter(event=report_events.REPORT_REQUESTED).count() == 1


def test_someone_else_cannot_reuse_a_form_key(march):
    key = uuid.uuid4()
    _request(march, march.admin, march.program, submission_key=key)
    with pytest.raises(ValidationError) as refused:
        _request(march, march.manager, march.program, submission_key=key)
    assert refused.value.messages == [services.KEY_USED_BY_OTHER]


# --- failures -----------------------------------------------------------------------------


def test_a_failing_build_ends_as_failed_and_offers_no_files(
    march, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(formats, "build", broken)
    c = client_for(march.admin)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(c, march.program)
    run = ReportRun.objects.get()
    assert run.status == "failed" and run.finished_at is not None
    assert run.error == services.BUILD_FAILED.format(reason="RuntimeError")
    assert not run.pdf and not run.figures
    page = c.get(reverse("report_run", args=[run.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "could not be built" in page and "hx-trigger" not in page
    for fmt in ("pdf", "json"):
        assert c.get(reverse("report_file", args=[run.pk, fmt])).status_code == 404


def test_a_ready_run_is_not_built_again(march, django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks(execute=True):
        run = _request(march, march.admin, march.program)
    run.refresh_from_db()
    pdf_name, finished = run.pdf.name, run.finished_at

    def must_not_run(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError("built twice")

    monkeypatch.setattr(formats, "build", must_not_run)
    again = services.report_build(run_id=run.pk)
    assert (again.status, again.pdf.name, again.finished_at) == ("ready", pdf_name, finished)


def test_a_run_lost_by_its_worker_is_failed_after_an_hour(
    march, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        run = _request(march, march.admin, march.program)
    later = run.requested_at + services.STALE_AFTER
    assert services.report_runs_expire(now=later) == 0
    assert services.report_runs_expire(now=later + dt.timedelta(seconds=1)) == 1
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", services.TOOK_TOO_LONG)


# --- who sees which -------------------------------------------------------------------------


def test_the_archive_shows_each_role_the_runs_it_may_see(
    march, org, other_org, member_of, program_in, client_for, django_capture_on_commit_callbacks
):
    other_program = program_in(org, name="Jail Reentry")
    other_manager = member_of(org, Role.PROGRAM_MANAGER, programs=[other_program])
    with django_capture_on_commit_callbacks(execute=True):
        ours = _request(march, march.admin, march.program)
        theirs = _request(march, other_manager, other_program)
        whole = _request(march, march.admin, None)
    runs = {"ours": ours, "theirs": theirs, "whole": whole}
    visible = {
        march.admin: {"ours", "theirs", "whole"},
        march.manager: {"ours"},
        other_manager: {"theirs"},
    }
    for who, expected in visible.items():
        c = client_for(who)
        archive = c.get(reverse("report_list")).content.decode()
        for name, run in runs.items():
            url = reverse("report_run", args=[run.pk])
            assert (f'href="{url}"' in archive) == (name in expected), (who.role, name)
            assert c.get(url).status_code == (200 if name in expected else 404), (who.role, name)
            download = c.get(reverse("report_file", args=[run.pk, "pdf"]))
            assert download.status_code == (200 if name in expected else 404), (who.role, name)

    peer = client_for(march.peer)
    assert peer.get(reverse("report_list")).status_code == 403
    assert peer.get(reverse("report_schedules")).status_code == 403
    assert peer.get(reverse("report_run", args=[ours.pk])).status_code == 404

    outsider = client_for(member_of(other_org, Role.ORG_ADMIN))
    assert outsider.get(reverse("report_run", args=[ours.pk])).status_code == 404
    assert outsider.get(reverse("report_file", args=[ours.pk, "pdf"])).status_code == 404
    assert (
        f'href="{reverse("report_run", args=[ours.pk])}"'
        not in outsider.get(reverse("report_list")).content.decode()
    )


def test_an_unknown_format_or_an_unfinished_run_has_no_file(
    march, client_for, django_capture_on_commit_callbacks
):
    c = client_for(march.admin)
    with django_capture_on_commit_callbacks(execute=False):
        pending = _request(march, march.admin, march.program)
    assert c.get(reverse("report_file", args=[pending.pk, "pdf"])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        ready = _request(march, march.admin, march.program)
    assert c.get(reverse("report_file", args=[ready.pk, "docx"])).status_code == 404
    assert not AuditEvent.objects.filter(event=report_events.REPORT_DOWNLOADED).exists()


def test_a_manager_reports_on_own_programs_only(march, org, program_in, client_for):
    other_program = program_in(org, name="Jail Reentry")
    c = client_for(march.manager)
    page = c.get(reverse("report_list")).content.decode()
    assert "All programs" not in page and "Jail Reentry" not in page
    whole = _ask(c, None)
    assert services.WHOLE_ORGANIZATION_ADMINS_ONLY in whole.content.decode()
    other = _ask(c, other_program)
    assert "Select a valid choice" in other.content.decode()
    with pytest.raises(ValidationError) as refused:
        _request(march, march.manager, other_program)
    assert refused.value.message_dict == {"program": [services.NOT_YOUR_PROGRAM]}
    assert not ReportRun.objects.exists()


# --- the period -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2025-03-31", "2025-03-01", services.END_BEFORE_START),
        ("2022-01-01", "2025-01-01", services.PERIOD_TOO_LONG),
        (SOON[0], SOON[1], services.ENDS_AFTER_TODAY),
        ("", "2025-03-01", ENTER_START),
        ("2025-03-01", "", ENTER_END),
    ],
)
def test_a_bad_period_is_named_by_its_field_and_what_was_typed_stays(
    march, client_for, start, end, message
):
    c = client_for(march.admin)
    response = _ask(c, march.program, start=start, end=end, cost_jail="80")
    html = response.content.decode()
    assert response.status_code == 200
    field = "start" if message == ENTER_START else "end"
    assert f'<p id="error_1_id_{field}"><strong>{message}</strong></p>' in html
    for typed in (start, end):
        if typed:
            assert f'value="{typed}"' in html
    assert 'value="80"' in html
    assert not ReportRun.objects.exists()


def test_a_period_is_at_most_three_years_and_ends_by_today():
    today = dt.date(2028, 1, 1)
    check = services.check_period
    too_long = {"end": [services.PERIOD_TOO_LONG]}
    assert check(dt.date(2022, 1, 1), dt.date(2024, 12, 31), today=today) == {}
    assert check(dt.date(2022, 1, 1), dt.date(2025, 1, 1), today=today) == too_long
    # From February 29th, three years run to February 28th.
    assert check(dt.date(2024, 2, 29), dt.date(2027, 2, 28), today=today) == {}
    assert check(dt.date(2024, 2, 29), dt.date(2027, 3, 1), today=today) == too_long
    assert check(dt.date(2027, 5, 1), dt.date(2027, 5, 1), today=today) == {}
    assert check(dt.date(2027, 5, 2), dt.date(2027, 5, 1), today=today) == {
        "end": [services.END_BEFORE_START]
    }
    assert check(dt.date(2027, 12, 1), today, today=today) == {}
    assert check(dt.date(2027, 12, 1), dt.date(2028, 1, 2), today=today) == {
        "end": [services.ENDS_AFTER_TODAY]
    }


@pytest.mark.parametrize(
    ("today", "monthly", "quarterly"),
    [
        ("2026-01-01", ("2025-12-01", "2025-12-31"), ("2025-10-01", "2025-12-31")),
        ("2026-03-31", ("2026-02-01", "2026-02-28"), ("2025-10-01", "2025-12-31")),
        ("2026-04-01", ("2026-03-01", "2026-03-31"), ("2026-01-01", "2026-03-31")),
        ("2024-03-15", ("2024-02-01", "2024-02-29"), ("2023-10-01", "2023-12-31")),
    ],
)
def test_the_previous_month_and_quarter(today, monthly, quarterly):
    day = dt.date.fromisoformat(today)

    def as_dates(pair: tuple[str, str]) -> tuple[dt.date, ...]:
        return tuple(dt.date.fromisoformat(d) for d in pair)

    assert services.previous_period("monthly", day) == as_dates(monthly)
    assert services.previous_period("quarterly", day) == as_dates(quarterly)
    assert services.preset_period("this_year", day) == (day.replace(month=1, day=1), day)


# --- schedules ------------------------------------------------------------------------------


def test_a_schedule_builds_each_period_once_and_tells_its_recipients_once(
    march, client_for, django_capture_on_commit_callbacks
):
    c = client_for(march.admin)
    response = c.post(
        reverse("report_schedules"),
        {
            "kind": "funder",
            "program": march.program.pk,
            "frequency": "monthly",
            "recipients": [march.admin.pk, march.manager.pk],
        },
    )
    assert response.status_code == 302
    schedule = ReportSchedule.objects.get()
    assert AuditEvent.objects.get(event=report_events.REPORT_SCHEDULE_ADDED).data == {
        "kind": "funder",
        "program": march.program.pk,
        "frequency": "monthly",
        "recipients": sorted([march.admin.pk, march.manager.pk]),
    }
    page = c.get(reverse("report_schedules")).content.decode()
    assert reverse("report_schedule_remove", args=[schedule.pk]) in page
    assert f"To {march.admin.user}, {march.manager.user}" in page or (
        f"To {march.manager.user}, {march.admin.user}" in page
    )

    for day in (dt.date(2025, 4, 2), dt.date(2025, 4, 2), dt.date(2025, 4, 30)):
        with django_capture_on_commit_callbacks(execute=True):
            schedules.schedules_run(today=day)
    run = ReportRun.objects.get()
    assert (run.schedule, run.requested_by, run.start, run.end) == (schedule, None, *MARCH)
    assert run.status == "ready"
    notes = Notification.objects.order_by("user_id")
    assert {n.user_id for n in notes} == {march.admin.user_id, march.manager.user_id}
    for note in notes:
        assert note.title == "Your monthly funder report is ready"
        assert note.link == reverse("report_run", args=[run.pk])
        assert note.body == (
            "Recovery Coaching, March 1, 2025 to March 31, 2025. Open it in PeerPath to "
            "download the PDF or the spreadsheet."
        )
    # The e-mails carry the link and the period, never a figure or a client.
    assert len(mail.outbox) == 2
    for email in mail.outbox:
        assert reverse("report_run", args=[run.pk]) in email.body
    for text in [*(e.body for e in mail.outbox), *(n.body for n in notes)]:
        assert "$" not in text and "RC-00" not in text
        assert "Jamie" not in text and "encounters" not in text.lower()

    # The next month has a run of its own, and its own notifications.
    with django_capture_on_commit_callbacks(execute=True):
        schedules.schedules_run(today=dt.date(2025, 5, 1))
    assert ReportRun.objects.count() == 2
    assert Notification.objects.count() == 4
    # A manager sees the scheduled run of their program.
    manager = client_for(march.manager)
    assert manager.get(reverse("report_run", args=[run.pk])).status_code == 200


def test_a_failed_scheduled_run_is_tried_again_by_the_next_pass(
    march, django_capture_on_commit_callbacks, monkeypatch
):
    schedules.schedule_save(
        organization=march.program.organization,
        actor=march.admin.user,
        kind="cost-savings",
        program=None,
        frequency="quarterly",
        recipients=[march.admin],
    )
    real_build = formats.build
    monkeypatch.setattr(formats, "build", lambda *a, **k: 1 / 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert schedules.schedules_run(today=dt.date(2025, 4, 10)) == {"asked": 1, "retried": 0}
    run = ReportRun.objects.get()
    assert run.status == "failed" and (run.start, run.end) == (dt.date(2025, 1, 1), MARCH[1])
    assert not Notification.objects.exists()
    monkeypatch.setattr(formats, "build", real_build)
    with django_capture_on_commit_callbacks(execute=True):
        assert schedules.schedules_run(today=dt.date(2025, 4, 11)) == {"asked": 0, "retried": 1}
    run.refresh_from_db()
    assert run.status == "ready"
    assert Notification.objects.get().title == "Your quarterly cost-savings report is ready"


def test_a_schedule_goes_only_to_people_who_can_open_it(
    march, org, member_of, program_in, client_for
):
    other_manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program_in(org)])
    c = client_for(march.admin)
    response = c.post(
        reverse("report_schedules"),
        {
            "kind": "funder",
            "program": march.program.pk,
            "frequency": "quarterly",
            "recipients": [march.admin.pk, other_manager.pk],
        },
    )
    html = response.content.decode()
    assert schedules.RECIPIENT_CANNOT_SEE.format(name=other_manager.user) in html
    nobody = c.post(
        reverse("report_schedules"),
        {"kind": "funder", "program": march.program.pk, "frequency": "quarterly"},
    )
    assert "This field is required" in nobody.content.decode()
    peer = c.post(
        reverse("report_schedules"),
        {
            "kind": "funder",
            "program": march.program.pk,
            "frequency": "quarterly",
            "recipients": [march.peer.pk],
        },
    )
    assert "Select a valid choice" in peer.content.decode()
    assert not ReportSchedule.objects.exists()


def test_a_removed_schedule_builds_nothing_more(
    march, client_for, django_capture_on_commit_callbacks
):
    schedule = schedules.schedule_save(
        organization=march.program.organization,
        actor=march.manager.user,
        kind="funder",
        program=march.program,
        frequency="monthly",
        recipients=[march.manager],
    )
    c = client_for(march.manager)
    remove = reverse("report_schedule_remove", args=[schedule.pk])
    assert remove in c.get(reverse("report_schedules")).content.decode()
    assert c.post(remove).status_code == 302
    assert c.post(remove).status_code == 302  # twice: no second audit row
    schedule.refresh_from_db()
    assert not schedule.is_active
    assert AuditEvent.objects.filter(event=report_events.REPORT_SCHEDULE_REMOVED).count() == 1
    assert remove not in c.get(reverse("report_schedules")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        schedules.schedules_run(today=dt.date(2025, 4, 2))
    assert not ReportRun.objects.exists()


def test_a_recipient_who_left_is_not_told(march, django_capture_on_commit_callbacks):
    schedules.schedule_save(
        organization=march.program.organization,
        actor=march.admin.user,
        kind="funder",
        program=march.program,
        frequency="monthly",
        recipients=[march.admin, march.manager],
    )
    march.manager.is_active = False
    march.manager.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        schedules.schedules_run(today=dt.date(2025, 4, 2))
    assert [n.user for n in Notification.objects.all()] == [march.admin.user]


def test_a_far_future_period_is_refused_by_its_field_not_a_server_error():
    today = dt.date(2026, 11, 24)
    far = dt.date(9999, 12, 31)
    assert services.check_period(far, far, today=today) == {"end": [services.ENDS_AFTER_TODAY]}


def test_the_same_schedule_asked_for_twice_is_one_schedule(march):
    from encounters.reporting.models import ReportSchedule

    for _ in range(2):
        schedules.schedule_save(
            organization=march.program.organization,
            actor=march.manager.user,
            kind="funder",
            program=march.program,
            frequency="monthly",
            recipients=[march.manager],
        )
    assert ReportSchedule.objects.filter(is_active=True).count() == 1


def test_a_run_being_built_is_not_claimed_again(march, monkeypatch):
    run = services.report_request(
        organization=march.program.organization,
        actor=march.admin.user,
        kind="funder",
        program=march.program,
        start=dt.date(2025, 3, 1),
        end=dt.date(2025, 3, 31),
    )
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.RUNNING, progress=40)
    # A redelivered message while another worker builds it: left alone.
    again = services.report_build(run_id=run.pk)
    assert (again.status, again.progress) == (ReportRun.Status.RUNNING, 40)
