"""The "Needs you" panel of each role's home page, from the outside: what each role sees
waiting, that every item links to a page where it is done, and that the panel costs the
same number of queries at 1 program as at 5 with many peers."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certification.models import Certification
from certification.services import profile_for
from encounters.models import Client, Encounter
from encounters.reporting.needs_you import needs_you_section
from encounters.services.payers import PayerTerms, RateTerms, payer_create
from programs.models import Role
from supervision.models import HoursWorked, LicenseType, SupervisionAgreement
from supervision.services.supervisors import supervisor_profile_save
from tests.encounters.conftest import save_encounter
from tests.supervision.factories import sign, write
from training import services as training_services
from training.catalog import seed_courses
from training.models import Course, TrainingSession
from training.needs_you import needs_you_section as trainer_section

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 4, 18, 0, tzinfo=dt.UTC)  # midday of March 4 in the Rockies
TODAY = dt.date(2026, 3, 4)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _panel(browser) -> str:
    html = browser.get(reverse("home")).content.decode()
    start = html.index('id="needs-you-heading"')
    return html[start : html.index("</section>", start)]


def _links(panel: str) -> list[str]:
    return [
        u.replace("&amp;", "&") for u in re.findall(r'class="needs-you-link" href="([^"]+)"', panel)
    ]


def _eligible(s):
    supervisor_profile_save(
        membership=s.supervisor,
        actor=None,
        license_type=LicenseType.SOCIAL_WORKER,
        license_number="LCSW-1",
        licensed_on=dt.date(2015, 1, 1),
    )


def test_a_peer_reads_and_acknowledges_waiting_logs_one_after_another(setup, client_for):
    s = setup
    _eligible(s)
    first = sign(s, write(s, date=dt.date(2026, 2, 3)))
    second = sign(s, write(s, date=dt.date(2026, 2, 17)))
    browser = client_for(s.peer)

    panel = _panel(browser)

    assert "2 supervision logs to read and acknowledge" in panel
    # One link, to the oldest: a queue, not a list of every log.
    assert reverse("supervision_log", args=[first.pk]) in _links(panel)
    assert reverse("supervision_log", args=[second.pk]) not in panel
    assert browser.get(_links(panel)[0]).status_code == 200
    # Acknowledging it goes on to the next one, then says there is no more.
    after = browser.post(reverse("supervision_acknowledge", args=[first.pk]))
    assert after.url == reverse("supervision_log", args=[second.pk])
    last = browser.post(reverse("supervision_acknowledge", args=[second.pk]), follow=True)
    assert "No more logs are waiting for you" in last.content.decode()
    assert "to read and acknowledge" not in _panel(browser)


def test_a_peer_is_asked_to_finish_a_note_and_offer_the_survey(setup, client_for):
    s = setup
    blank, _ = save_encounter(s, date=TODAY, note_data="Talked", note_plan="")
    browser = client_for(s.peer)

    panel = _panel(browser)

    assert "1 encounter note not finished" in panel
    assert reverse("encounter_detail", args=[blank.pk]) in _links(panel)
    assert "1 survey not offered yet today" in panel
    assert reverse("encounter_saved", args=[blank.pk]) in _links(panel)
    for url in _links(panel):
        assert browser.get(url).status_code == 200


def test_a_peer_behind_on_ceus_sees_the_pace(setup, client_for):
    s = setup  # certified 2024-01-01: 20 hours due in 2026, 3.33 expected by March 4
    panel = _panel(client_for(s.peer))
    assert "CEUs behind: 0 of 20 hours, 3.33 expected by now" in panel
    assert reverse("certification_mine") in _links(panel)


def test_a_supervisor_sees_logs_to_sign_oldest_first_and_supervision_behind_or_short(
    setup, client_for
):
    s = setup
    _eligible(s)
    old = write(s, date=dt.date(2026, 2, 20))  # more than a week ago: overdue
    write(s, date=dt.date(2026, 3, 3))
    HoursWorked.objects.create(peer=s.peer, date=dt.date(2026, 2, 10), hours=Decimal(20))
    HoursWorked.objects.create(peer=s.peer, date=dt.date(2026, 3, 2), hours=Decimal(8))
    browser = client_for(s.supervisor)

    panel = _panel(browser)

    assert "2 logs to sign, 1 overdue" in panel
    assert _links(panel)[0] == reverse("supervision_log", args=[old.pk])
    # February is over: short. March is still running: behind pace, never "short".
    assert f"1 peer short of supervision in February: {s.peer.user}" in panel
    assert f"1 peer behind pace on supervision this month: {s.peer.user}" in panel
    assert "short of supervision in March" not in panel
    for url in _links(panel):
        assert browser.get(url).status_code == 200


def test_a_manager_sees_not_billable_encounters_by_reason_each_with_its_filter(setup, client_for):
    s = setup
    no_service = [
        save_encounter(s, date=TODAY, start_time=dt.time(9 + i), service_type="")[0]
        for i in range(2)
    ]
    no_payer, _ = save_encounter(s, date=TODAY, start_time=dt.time(14), payer=None)
    save_encounter(s, date=TODAY, start_time=dt.time(15))  # bills
    county = payer_create(
        organization=s.program.organization,
        actor=s.admin.user,
        code="county",
        terms=PayerTerms(name="County contract"),
        first_rate=RateTerms(dt.date(2026, 6, 1), Decimal("12.00")),  # from June only
    )
    no_rate, _ = save_encounter(s, date=TODAY, start_time=dt.time(16), payer=county)
    browser = client_for(s.manager)

    panel = _panel(browser)

    assert "2 encounters since Dec 1 did not bill: no billable service chosen" in panel
    assert "1 encounter since Dec 1 did not bill: no payer chosen" in panel
    assert "1 encounter since Dec 1 did not bill: the payer had no rate on the day" in panel
    assert "choose the service given" in panel  # the way to fix it
    links = {u for u in _links(panel) if u.startswith(reverse("encounter_list"))}
    by_reason = {}
    for url in links:
        page = browser.get(url)
        assert page.status_code == 200
        by_reason[url.split("not_billable=")[1].split("&")[0]] = {
            e.pk for e in page.context["page_obj"].object_list
        }
    assert by_reason == {
        "no_service_type": {e.pk for e in no_service},
        "no_payer": {no_payer.pk},
        "no_rate": {no_rate.pk},
    }


def test_a_manager_sees_lapsed_certifications_and_caseloads_over_the_limit(setup, client_for):
    s = setup
    s.program.caseload_limit = 1
    s.program.save()
    Client.objects.create(
        program=s.program, code="RC-003", assigned_peer=s.peer, enrolled_on=dt.date(2025, 1, 1)
    )
    Certification.objects.create(
        profile=profile_for(s.other_peer),
        number="CBHPSS-9",
        issued_on=dt.date(2024, 1, 1),
        expires_on=dt.date(2026, 4, 1),
    )
    browser = client_for(s.manager)

    panel = _panel(browser)

    assert "1 peer over the caseload limit in Recovery Coaching" in panel
    assert reverse("program_detail", args=[s.program.slug]) in _links(panel)
    assert f"1 certification expiring within 60 days: {s.other_peer.user}" in panel
    for url in _links(panel):
        assert browser.get(url).status_code == 200


def test_an_admin_sees_invitations_reports_and_payers_without_a_rate(setup, client_for):
    from programs.services import invitation_create

    s = setup
    payer = payer_create(
        organization=s.program.organization,
        actor=s.admin.user,
        code="county",
        terms=PayerTerms(name="County contract"),
        first_rate=RateTerms(dt.date(2026, 6, 1), Decimal("12.00")),  # from June only
    )
    invitation_create(
        organization=s.program.organization,
        invited_by=s.admin.user,
        email="new@example.org",
        role=Role.PEER_SUPPORTER,
        programs=[s.program],
    )
    browser = client_for(s.admin)

    panel = _panel(browser)

    assert "1 invitation not yet accepted" in panel
    assert "1 payer without a rate in force today: County contract" in panel
    assert reverse("payer_detail", args=[payer.pk]) in _links(panel)
    assert "No report is scheduled" in panel
    for url in _links(panel):
        assert browser.get(url).status_code == 200


def test_a_trainer_sees_todays_session_and_the_attendance_to_record(org, member_of, client_for):
    seed_courses(org)
    trainer = member_of(org, Role.TRAINER, mfa=False)
    session = TrainingSession.objects.create(
        course=Course.objects.get(organization=org, code="ps101"),
        starts_on=TODAY - dt.timedelta(days=1),
        ends_on=TODAY + dt.timedelta(days=3),
        place="Helena",
        trainer=trainer,
        capacity=5,
    )
    training_services.enroll(
        session=session, actor=trainer.user, name="Ann", email="ann@example.org", trail="employment"
    )
    browser = client_for(trainer)

    panel = _panel(browser)

    assert "Peer Support 101" in panel and "attendance of 1 of 1 to record" in panel
    assert reverse("session_attendance", args=[session.pk]) in _links(panel)
    assert browser.get(_links(panel)[0]).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        trainer_section(trainer)
    assert len(ctx.captured_queries) <= 4


def _queries(member) -> int:
    with CaptureQueriesContext(connection) as ctx:
        needs_you_section(member)
    return len(ctx.captured_queries)


def test_the_panel_costs_the_same_queries_at_one_program_as_at_five(
    setup, org, member_of, program_in
):
    s = setup
    _eligible(s)
    sign(s, write(s, date=dt.date(2026, 2, 3)))
    save_encounter(s, date=TODAY, service_type="", note_plan="")
    roles = (s.peer, s.supervisor, s.manager, s.admin)
    few = {m.role: _queries(m) for m in roles}

    for i in range(4):
        program = program_in(org, name=f"Program {i}")
        s.manager.programs.add(program)
        for j in range(3):
            peer = member_of(org, Role.PEER_SUPPORTER, programs=[program], mfa=False)
            SupervisionAgreement.objects.create(
                supervisor=s.supervisor, supervisee=peer, starts_on=dt.date(2024, 1, 1)
            )
            HoursWorked.objects.create(peer=peer, date=dt.date(2026, 2, 2), hours=Decimal(10))
            client = Client.objects.create(
                program=program,
                code=f"P{i}-{j}",
                assigned_peer=peer,
                enrolled_on=dt.date(2025, 1, 1),
            )
            save_encounter(s, peer, program=program, client=client, date=TODAY, payer=None)
    assert Encounter.objects.count() == 13
    many = {m.role: _queries(m) for m in roles}
    print(f"Needs you, queries at 1 program: {few}; at 5 programs, 13 peers: {many}")
    assert many == few
    assert all(n <= 15 for n in many.values())
