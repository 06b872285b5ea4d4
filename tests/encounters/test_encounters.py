"""Logging, correcting and listing encounters: idempotency, the checks on what is entered,
phases, scoping and the audit of reads and writes."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from encounters import events
from encounters.models import Client, Encounter
from encounters.services import encounters as encounter_services
from programs.models import AuditEvent
from tests.encounters.conftest import DAY, audit_rows, encounter_input, save_encounter

pytestmark = pytest.mark.django_db


def _form(s, **changes):
    data = {
        "submission_key": str(uuid.uuid4()),
        "format": "individual",
        "client": s.client.pk,
        "date": DAY.isoformat(),
        "start_time": "10:00",
        "duration_minutes": "23",
        "setting": "office",
        "phase": "connecting",
        "support_types": ["emotional", "affiliation"],
        "service_type": "skills_coaching",
        "payer": s.medicaid.pk,
        "note_data": "Talked through the week.",
        "note_assessment": "",
        "note_plan": "Meet Friday.",
        "referrals": "",
    }
    data.update(changes)
    return data


# ----- Idempotency -------------------------------------------------------------------------


def test_the_same_form_sent_twice_creates_one_encounter(setup, client_for):
    s = setup
    browser = client_for(s.peer)
    data = _form(s)
    first = browser.post(reverse("encounter_create"), data)
    again = browser.post(reverse("encounter_create"), data)  # a double tap or a retry
    assert Encounter.objects.count() == 1
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]


def test_a_submission_key_of_another_person_is_refused_not_returned(setup):
    s = setup
    key = uuid.uuid4()
    encounter_services.encounter_save(
        actor=s.peer.user, peer=s.peer, data=encounter_input(s), submission_key=key
    )
    with pytest.raises(ValidationError):
        encounter_services.encounter_save(
            actor=s.other_peer.user,
            peer=s.other_peer,
            data=encounter_input(s, client=s.other_client),
            submission_key=key,
        )


# ----- Bad input --------------------------------------------------------------------------


def test_a_failed_submission_keeps_everything_typed_and_says_what_is_wrong(setup, client_for):
    s = setup
    browser = client_for(s.peer)
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    data = _form(s, date=future, duration_minutes="0", support_types=[], note_data="Long note kept")
    response = browser.post(reverse("encounter_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "support_types" in form.errors and "duration_minutes" in form.errors
    page = response.content.decode()
    assert "Long note kept" in page and "Meet Friday." in page and future in page
    assert Encounter.objects.count() == 0
    # Fix the two fields: now the service refuses the future date, next to the field.
    data.update(duration_minutes="30", support_types=["emotional"])
    response = browser.post(reverse("encounter_create"), data)
    assert response.context["form"].errors["date"] == [encounter_services.IN_THE_FUTURE]
    assert "Long note kept" in response.content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"duration_minutes": "abc"},
        {"date": "2025-02-30"},
        {"start_time": "25:99"},
        {"client": "999999"},
        {"payer": "nope"},
        {"format": "telepathy"},
        {"format": "group", "client": "", "head_count": "-3"},
    ],
)
def test_nonsense_input_gets_a_message_never_a_server_error(setup, client_for, changes):
    s = setup
    response = client_for(s.peer).post(reverse("encounter_create"), _form(s, **changes))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Encounter.objects.count() == 0


def test_a_client_from_another_peers_caseload_cannot_be_picked(setup, client_for):
    s = setup
    response = client_for(s.peer).post(
        reverse("encounter_create"), _form(s, client=s.other_client.pk)
    )
    assert "client" in response.context["form"].errors
    assert Encounter.objects.count() == 0


def test_encounters_outside_the_clients_enrolment_are_refused(setup):
    s = setup
    with pytest.raises(ValidationError) as err:
        save_encounter(s, date=dt.date(2024, 12, 31))
    assert "enrolled" in err.value.message_dict["date"][0]


# ----- Phase -------------------------------------------------------------------------------


def test_the_clients_phase_follows_the_latest_encounter_and_can_move_back(setup):
    s = setup
    save_encounter(s, phase="supporting", date=dt.date(2025, 3, 1))
    s.client.refresh_from_db()
    assert s.client.phase == "supporting"
    save_encounter(s, phase="engaging", date=dt.date(2025, 3, 2))
    s.client.refresh_from_db()
    assert s.client.phase == "engaging"
    # An older encounter logged late does not override the latest one.
    save_encounter(s, phase="connecting", date=dt.date(2025, 2, 1))
    s.client.refresh_from_db()
    assert s.client.phase == "engaging"


# ----- Corrections -------------------------------------------------------------------------


def test_a_peer_corrects_a_recent_encounter_but_not_an_old_one(setup, client_for, settings):
    s = setup
    settings.ENCOUNTER_CORRECTION_DAYS = 14
    encounter, _ = save_encounter(s)
    browser = client_for(s.peer)
    url = reverse("encounter_detail", args=[encounter.pk])
    with time_machine.travel(DAY + dt.timedelta(days=14), tick=False):
        response = browser.post(url, _form(s, duration_minutes="45"))
        assert response.status_code == 302
    encounter.refresh_from_db()
    assert (encounter.duration_minutes, encounter.units) == (45, 3)
    with time_machine.travel(DAY + dt.timedelta(days=15), tick=False):
        browser.post(url, _form(s, duration_minutes="60"))
    encounter.refresh_from_db()
    assert encounter.duration_minutes == 45
    # The manager still can.
    client_for(s.manager).post(url, _form(s, duration_minutes="60"))
    encounter.refresh_from_db()
    assert encounter.duration_minutes == 60
    # Oldest first: the peer's correction (the form also added a note and a support type),
    # then the manager's. The log names the fields, never their contents.
    subject = ("encounters.encounter", str(encounter.pk))
    assert audit_rows(events.ENCOUNTER_UPDATED) == [
        (
            events.ENCOUNTER_UPDATED,
            s.peer.user_id,
            *subject,
            {"fields": ["duration_minutes", "affiliation", "note_data", "note_plan"]},
        ),
        (events.ENCOUNTER_UPDATED, s.manager.user_id, *subject, {"fields": ["duration_minutes"]}),
    ]


# The correction window (encounter_services.may_correct), asked by the page and the service
# alike: a peer corrects their own encounter up to ENCOUNTER_CORRECTION_DAYS days after it,
# counted in the organization's days; managers and admins any time.
LAST_DAY = DAY + dt.timedelta(days=14)  # with ENCOUNTER_CORRECTION_DAYS = 14


def _correct(s, encounter, actor, **changes):
    return encounter_services.encounter_save(
        actor=actor.user,
        peer=encounter.peer,
        data=encounter_input(s, **changes),
        encounter=encounter,
    )


def _at_noon(day: dt.date, tz: str = "America/Denver"):
    return time_machine.travel(dt.datetime.combine(day, dt.time(12), ZoneInfo(tz)), tick=False)


def test_the_service_lets_a_peer_correct_on_the_last_day_of_the_window(setup, settings):
    s = setup
    settings.ENCOUNTER_CORRECTION_DAYS = 14
    encounter, _ = save_encounter(s)
    with _at_noon(LAST_DAY):
        corrected, created = _correct(s, encounter, s.peer, duration_minutes=45)
    assert (created, corrected.duration_minutes) == (False, 45)


def test_the_service_refuses_a_peers_correction_the_day_after_the_window(setup, settings):
    s = setup
    settings.ENCOUNTER_CORRECTION_DAYS = 14
    encounter, _ = save_encounter(s)
    with _at_noon(LAST_DAY + dt.timedelta(days=1)), pytest.raises(ValidationError) as err:
        _correct(s, encounter, s.peer, duration_minutes=45)
    assert err.value.messages == [encounter_services.TOO_OLD_TO_CORRECT.format(days=14)]
    encounter.refresh_from_db()
    assert encounter.duration_minutes == 23
    assert audit_rows(events.ENCOUNTER_UPDATED) == []
    # The window is the setting's: with 15 days the same day is still open.
    settings.ENCOUNTER_CORRECTION_DAYS = 15
    with _at_noon(LAST_DAY + dt.timedelta(days=1)):
        assert _correct(s, encounter, s.peer, duration_minutes=45)[0].duration_minutes == 45


def test_the_service_lets_managers_and_admins_correct_after_the_window(setup, settings):
    s = setup
    settings.ENCOUNTER_CORRECTION_DAYS = 14
    encounter, _ = save_encounter(s)
    with _at_noon(LAST_DAY + dt.timedelta(days=100)):
        _correct(s, encounter, s.manager, duration_minutes=45)
        _correct(s, encounter, s.admin, duration_minutes=60)
    encounter.refresh_from_db()
    assert encounter.duration_minutes == 60


def test_the_window_closes_at_midnight_in_the_organizations_time_zone_not_utc(setup, settings, org):
    # Honolulu (UTC-10) is neither UTC nor the server's zone (America/Denver): at 09:30 UTC
    # on the 19th it is the 19th in UTC and in Denver, still the 18th (the last day) there.
    s = setup
    settings.ENCOUNTER_CORRECTION_DAYS = 14
    org.time_zone = "Pacific/Honolulu"
    org.save(update_fields=["time_zone"])
    encounter, _ = save_encounter(s)
    day_after = LAST_DAY + dt.timedelta(days=1)
    late_evening = dt.datetime.combine(day_after, dt.time(9, 30), dt.UTC)
    with time_machine.travel(late_evening, tick=False):
        assert timezone.now().date() == timezone.localdate() == day_after
        assert _correct(s, encounter, s.peer, duration_minutes=45)[0].duration_minutes == 45
    midnight_there = dt.datetime.combine(day_after, dt.time(0), ZoneInfo("Pacific/Honolulu"))
    with time_machine.travel(midnight_there, tick=False), pytest.raises(ValidationError) as err:
        _correct(s, encounter, s.peer, duration_minutes=60)
    assert err.value.messages == [encounter_services.TOO_OLD_TO_CORRECT.format(days=14)]
    encounter.refresh_from_db()
    assert encounter.duration_minutes == 45


def test_the_correction_page_refuses_a_peer_after_the_window_in_a_fresh_session(
    setup, client_for, settings
):
    s = setup
    settings.ENCOUNTER_CORRECTION_DAYS = 14
    encounter, _ = save_encounter(s)
    url = reverse("encounter_detail", args=[encounter.pk])
    refused = encounter_services.TOO_OLD_TO_CORRECT.format(days=14)
    with _at_noon(LAST_DAY):
        browser = client_for(s.peer)  # signed in on this very day: nothing has expired
        assert "form" in browser.get(url).context  # still open: the form is shown
        assert browser.post(url, _form(s, duration_minutes="45"))["Location"] == reverse(
            "encounter_list"
        )
    with _at_noon(LAST_DAY + dt.timedelta(days=1)):
        browser = client_for(s.peer)
        page = browser.get(url)
        assert page.status_code == 200 and "form" not in page.context  # read-only now
        response = browser.post(url, _form(s, duration_minutes="60"), follow=True)
        # Refused by the window, on the encounter's page, signed in all along: not sent
        # to sign in again.
        assert response.redirect_chain == [(url, 302)]
        assert response.context["user"] == s.peer.user
        assert refused in [str(m) for m in response.context["messages"]]
    encounter.refresh_from_db()
    assert encounter.duration_minutes == 45


# ----- The payer ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["app", "import"])
def test_the_service_refuses_another_organizations_payer_passed_to_it_directly(
    setup, other_org, member_of, source
):
    from encounters.services.payers import PayerTerms, RateTerms, payer_create

    s = setup
    theirs = payer_create(
        organization=other_org,
        actor=member_of(other_org, "org_admin").user,
        code="county",
        terms=PayerTerms(name="Their county"),
        first_rate=RateTerms(dt.date(2025, 1, 1), D("99.00")),
    )
    with pytest.raises(ValidationError) as err:
        encounter_services.encounter_save(
            actor=s.peer.user, peer=s.peer, data=encounter_input(s, payer=theirs), source=source
        )
    assert err.value.message_dict == {"payer": [encounter_services.PAYER_OF_OTHER_ORG]}
    assert not Encounter.objects.exists()
    # Nor may a correction move an encounter onto it.
    encounter, _ = save_encounter(s)
    with pytest.raises(ValidationError) as err:
        _correct(s, encounter, s.manager, payer=theirs)
    assert err.value.message_dict == {"payer": [encounter_services.PAYER_OF_OTHER_ORG]}
    encounter.refresh_from_db()
    assert encounter.payer == s.medicaid


# ----- Who sees what ----------------------------------------------------------------------


def test_each_role_sees_the_encounters_and_clients_its_work_needs(setup, client_for):
    s = setup
    mine, _ = save_encounter(s)
    theirs, _ = save_encounter(s, peer=s.other_peer, client=s.other_client)
    expected = {
        "peer": ({mine}, {s.client}),
        "other_peer": ({theirs}, {s.other_client}),
        "supervisor": ({mine}, {s.client}),  # supervises only the first peer
        "manager": ({mine, theirs}, {s.client, s.other_client}),
        "admin": ({mine, theirs}, {s.client, s.other_client}),
    }
    for who, (encounters, clients) in expected.items():
        m = getattr(s, who)
        assert set(Encounter.objects.for_member(m)) == encounters, who
        assert set(Client.objects.for_member(m)) == clients, who
    # From the outside: the supervisor gets a 404 for the other peer's encounter and client.
    sup = client_for(s.supervisor)
    assert sup.get(reverse("encounter_detail", args=[theirs.pk])).status_code == 404
    assert sup.get(reverse("client_detail", args=[s.other_client.pk])).status_code == 404
    assert sup.get(reverse("encounter_detail", args=[mine.pk])).status_code == 200


def test_an_ended_supervision_agreement_ends_the_view(setup):
    from supervision.models import SupervisionAgreement

    s = setup
    save_encounter(s)
    SupervisionAgreement.objects.update(ends_on=dt.date(2025, 1, 31))
    assert not Encounter.objects.for_member(s.supervisor).exists()


def test_reads_and_writes_of_clients_and_encounters_are_audited_with_where_from(setup, client_for):
    s = setup
    browser = client_for(s.peer)
    browser.post(reverse("encounter_create"), _form(s), REMOTE_ADDR="203.0.113.9")
    encounter = Encounter.objects.get()
    manager = client_for(s.manager)
    manager.get(reverse("encounter_detail", args=[encounter.pk]))
    client_for(s.supervisor).get(reverse("client_detail", args=[s.client.pk]))
    manager.get(reverse("encounter_list"))
    # Every client and encounter row, oldest first, with where it came from.
    rows = [
        (e.event, e.actor_id, e.subject_type, e.subject_id, e.ip_address, e.data)
        for e in AuditEvent.objects.filter(event__regex=r"^(encounter|client)\.").order_by("pk")
    ]
    here = "127.0.0.1"
    assert rows == [
        (
            events.ENCOUNTER_CREATED,
            s.peer.user_id,
            "encounters.encounter",
            str(encounter.pk),
            "203.0.113.9",
            {"source": "app"},
        ),
        (
            events.ENCOUNTER_VIEWED,
            s.manager.user_id,
            "encounters.encounter",
            str(encounter.pk),
            here,
            {},
        ),
        (
            events.CLIENT_VIEWED,
            s.supervisor.user_id,
            "encounters.client",
            str(s.client.pk),
            here,
            {},
        ),
        (
            events.ENCOUNTER_LISTED,
            s.manager.user_id,
            "",
            "",
            here,
            {"filters": {}, "shown": [encounter.pk]},
        ),
    ]
    # The log never carries the note's words.
    assert all("Talked" not in str(e.data) for e in AuditEvent.objects.all())


def test_admins_export_the_audit_log_as_csv(setup, client_for):
    s = setup
    save_encounter(s)
    response = client_for(s.admin).get(reverse("audit_log") + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert events.ENCOUNTER_CREATED in body and s.peer.user.email in body
    assert client_for(s.manager).get(reverse("audit_log") + "?format=csv").status_code == 403


# ----- Lists -------------------------------------------------------------------------------


def test_the_managers_list_filters_and_totals_only_billable_units_and_amount(setup, client_for):
    s = setup
    save_encounter(s, duration_minutes=60)  # 4 units, $56.04
    save_encounter(s, duration_minutes=30, service_type="")  # not billable
    save_encounter(s, peer=s.other_peer, client=s.other_client, duration_minutes=45)  # trainee
    save_encounter(s, duration_minutes=15, date=dt.date(2025, 2, 1), phase="engaging")
    browser = client_for(s.manager)
    totals = browser.get(reverse("encounter_list")).context["totals"]
    assert (totals.encounters, totals.units, totals.amount, totals.minutes) == (
        4,
        5,
        D("70.05"),
        150,
    )
    march = browser.get(
        reverse("encounter_list"), {"date_from": "2025-03-01", "date_to": "2025-03-31"}
    )
    assert march.context["totals"].encounters == 3
    by_peer = browser.get(reverse("encounter_list"), {"peer": s.other_peer.pk})
    assert by_peer.context["totals"].encounters == 1
    not_billed = browser.get(reverse("encounter_list"), {"service_type": "none"})
    assert not_billed.context["totals"].encounters == 1
    support = browser.get(reverse("encounter_list"), {"support_type": "informational"})
    assert support.context["totals"].encounters == 0


def test_the_lists_audit_row_keeps_the_filters_as_read_not_the_raw_query(setup, client_for):
    s = setup
    save_encounter(s)
    browser = client_for(s.manager)
    response = browser.get(
        reverse("encounter_list"),
        {"date_from": "2025-03-01", "peer": s.peer.pk, "setting": "office", "junk": "x"},
    )
    assert response.status_code == 200
    (row,) = AuditEvent.objects.filter(event=events.ENCOUNTER_LISTED)
    assert row.data["filters"] == {
        "date_from": "2025-03-01",
        "peer": s.peer.pk,
        "setting": "office",
    }


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "\x00"},
        {"date_to": "2025-02-30"},
        {"peer": "\x00"},
        {"payer": "99999999999999999999999"},
        {"setting": "\x00\u202e"},
        {"date_from": "2025-03-01", "date_to": "\x00"},
    ],
)
def test_a_filter_that_cannot_be_read_is_a_field_error_and_shows_no_rows(setup, client_for, query):
    s = setup
    save_encounter(s)
    response = client_for(s.manager).get(reverse("encounter_list"), query)
    assert response.status_code == 200
    flt = response.context["filter"]
    refused = {name for name in query if name in flt.form.errors}
    assert refused and refused <= set(query)
    assert b"invalid-feedback" in response.content
    # Narrowing that failed never widens: nothing is listed, and the audit row says so.
    assert list(response.context["page_obj"]) == []
    assert b"correct the filter above" in response.content
    (row,) = AuditEvent.objects.filter(event=events.ENCOUNTER_LISTED)
    assert row.data["shown"] == []
    assert not set(row.data["filters"]) & refused


def test_the_list_takes_the_same_number_of_queries_for_3_or_30_encounters(setup, client_for):
    s = setup
    browser = client_for(s.manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert browser.get(reverse("encounter_list")).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        save_encounter(s, start_time=dt.time(8 + i))
    few = count()
    for i in range(27):
        save_encounter(
            s, start_time=dt.time(8, i + 1), client=None, format="outreach", head_count=2
        )
    assert count() == few


def test_pages_work_for_every_role(setup, client_for):
    s = setup
    encounter, _ = save_encounter(s)
    browsers = {w: client_for(getattr(s, w)) for w in ("peer", "supervisor", "manager", "admin")}
    for who, browser in browsers.items():
        for name in ("encounter_list", "client_list"):
            assert browser.get(reverse(name)).status_code == 200, (who, name)
    peer = browsers["peer"]
    page = peer.get(reverse("encounter_create"))
    # Defaults: the last client and setting.
    assert page.context["form"].initial["client"] == s.client.pk
    assert peer.get(reverse("encounter_saved", args=[encounter.pk])).status_code == 200
    assert browsers["supervisor"].get(reverse("encounter_create")).status_code == 403


def test_odd_input_from_a_peer_in_two_programs_is_a_message_not_a_server_error(
    setup, client_for, program_in, org
):
    s = setup
    s.peer.programs.add(program_in(org))
    browser = client_for(s.peer)
    assert browser.get(reverse("encounter_create") + "?client=²").status_code == 200
    response = browser.post(reverse("encounter_create"), _form(s, client=""))
    assert response.status_code == 200 and "client" in response.context["form"].errors
    assert Encounter.objects.count() == 0


def test_a_manager_correcting_picks_only_clients_of_their_own_programs(
    setup, client_for, program_in, org, member_of
):
    s = setup
    elsewhere = program_in(org)
    s.peer.programs.add(elsewhere)
    hidden = Client.objects.create(
        program=elsewhere, code="EL-1", assigned_peer=s.peer, enrolled_on=dt.date(2025, 1, 1)
    )
    encounter, _ = save_encounter(s)
    manager = client_for(s.manager)
    url = reverse("encounter_detail", args=[encounter.pk])
    assert "EL-1" not in manager.get(url).content.decode()
    response = manager.post(url, _form(s, client=hidden.pk))
    assert response.status_code == 200 and "client" in response.context["form"].errors
    encounter.refresh_from_db()
    assert encounter.client == s.client


# ----- What a POST costs -------------------------------------------------------------------


def _statements(ctx: CaptureQueriesContext) -> list[str]:
    # Savepoints are the test's own transaction around the request, not queries.
    return [
        q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]


def test_logging_an_encounter_looks_nothing_up_twice(setup, client_for):
    """The form loads the client and the payer; the service locks the client (reading it
    afresh) and bills from what it has: no foreign key is probed again (full_clean's
    `SELECT 1`), the payer is not fetched again, the encounter is not read back."""
    s = setup
    browser = client_for(s.peer)
    with CaptureQueriesContext(connection) as ctx:
        assert browser.post(reverse("encounter_create"), _form(s)).status_code == 302
    sql = _statements(ctx)
    probes = [q for q in sql if q.startswith('SELECT 1 AS "a" FROM') and "FOR UPDATE" not in q]
    # (the sign-in check of elevated roles and the peer's own program are the only ones)
    assert len(probes) == 2, probes
    assert sum(q.startswith('SELECT "encounters_payer"') for q in sql) == 1
    assert sum(q.startswith('SELECT "encounters_client"') for q in sql) == 2  # form, lock
    assert not [q for q in sql if q.startswith('SELECT "encounters_encounter"."id"')][1:]
    assert len(sql) <= 20
