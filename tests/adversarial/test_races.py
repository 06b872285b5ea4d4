"""The same request sent several times at once, as a phone on a weak signal, a double tap
or two tabs send it (issue #23, section 5): no duplicate, nothing lost. Real threads
through the real pages on PostgreSQL (SQLite serializes every write anyway); each thread
is a browser holding the same signed-in session."""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import threading
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client as Browser
from django.urls import reverse

from certification.models import Certification
from certification.services import profile_for
from encounters import events as encounter_events
from encounters.models import BillingTerms, Client, Encounter, SurveyChannel, SurveyResponse
from encounters.selectors import shared_payer
from encounters.services.survey import survey_link_create
from programs import audit
from programs.import_runs import import_upload
from programs.models import AuditEvent, ImportRun, ImportStatus, Notification, Role
from supervision import events as supervision_events
from supervision.models import HoursWorked, LicenseType, SupervisionAgreement, SupervisionLog
from supervision.services.logs import LogInput, log_save
from supervision.services.signing import content_version, signature_holds
from supervision.services.supervisors import supervisor_profile_save
from tests.factories import TEST_PASSWORD

pytestmark = [
    # The shared Medicaid payer the migrations seed is put back by _shared_medicaid: the
    # flush after a transactional test removes it.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real row locks"),
]

DAY = dt.date(2025, 3, 4)
SENDERS = 6


def at_once(n: int, send: Callable[[int], Any]) -> tuple[list[Any], list[BaseException]]:
    """Run send(0..n-1) in n threads released together; their answers and exceptions."""
    barrier = threading.Barrier(n)
    answers: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(10)
            answer = send(i)
            with lock:
                answers.append(answer)
        except BaseException as exc:  # the test inspects what each side saw
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a request hung (deadlock?)"
    return answers, errors


def same_session(browser: Browser, n: int) -> list[Browser]:
    """n browsers holding one signed-in session (one phone resending)."""
    copies = []
    for _ in range(n):
        c = Browser()
        c.cookies = copy.deepcopy(browser.cookies)
        copies.append(c)
    return copies


def events(name: str) -> int:
    return AuditEvent.objects.filter(event=name).count()


def _shared_medicaid() -> None:
    """The shared Medicaid payer and its first terms, as the migrations seed them: a
    transactional test elsewhere may have flushed them before serialized_rollback's copy
    was taken, so the suite's order must not decide whether these tests can run."""
    if shared_payer("medicaid") is not None:
        return
    from django.apps import apps as django_apps

    importlib.import_module("encounters.migrations.0002_seed_medicaid").forwards(django_apps, None)
    earliest = importlib.import_module("encounters.migrations.0007_billing_terms").EARLIEST
    medicaid = shared_payer("medicaid")
    assert medicaid is not None
    BillingTerms.objects.get_or_create(
        payer=medicaid,
        effective_from=earliest,
        defaults={"requires_certification": medicaid.requires_certification},
    )


@pytest.fixture
def world(org, member_of, program_in) -> Any:
    """A certified peer with a client, their eligible supervisor under an agreement, and
    an organization admin."""
    _shared_medicaid()
    program = program_in(org, name="Recovery Coaching")
    peer = member_of(org, Role.PEER_SUPPORTER, programs=[program], first_name="Pat")
    supervisor = member_of(org, Role.CLINICAL_SUPERVISOR, programs=[program], first_name="Sam")
    admin = member_of(org, Role.ORG_ADMIN)
    supervisor_profile_save(
        membership=supervisor,
        actor=None,
        license_type=LicenseType.SOCIAL_WORKER,
        license_number="LCSW-100",
        licensed_on=dt.date(2015, 6, 1),
    )
    SupervisionAgreement.objects.create(
        supervisor=supervisor, supervisee=peer, starts_on=dt.date(2024, 1, 1)
    )
    Certification.objects.create(
        profile=profile_for(peer), number="CBHPSS-7", issued_on=dt.date(2024, 1, 1)
    )
    client = Client.objects.create(
        program=program, code="RC-1", assigned_peer=peer, enrolled_on=dt.date(2024, 1, 1)
    )
    return SimpleNamespace(
        org=org, program=program, peer=peer, supervisor=supervisor, admin=admin, client=client
    )


def _encounter_form(w: Any, key: str) -> dict[str, Any]:
    return {
        "submission_key": key,
        "format": "individual",
        "client": w.client.pk,
        "date": DAY.isoformat(),
        "start_time": "10:00",
        "duration_minutes": "30",
        "setting": "office",
        "phase": "connecting",
        "support_types": ["emotional"],
        "service_type": "skills_coaching",
        "payer": shared_payer("medicaid").pk,  # type: ignore[union-attr]
        "note_data": "Talked through the week.",
        "note_assessment": "",
        "note_plan": "Meet Friday.",
        "referrals": "",
    }


def test_one_encounter_form_resent_from_several_threads_lands_once(world, client_for) -> None:
    browsers = same_session(client_for(world.peer), SENDERS)
    data = _encounter_form(world, str(uuid.uuid4()))
    url = reverse("encounter_create")

    answers, errors = at_once(SENDERS, lambda i: browsers[i].post(url, data))

    assert not errors
    assert Encounter.objects.count() == 1
    encounter = Encounter.objects.get()
    saved = reverse("encounter_saved", args=[encounter.pk])
    # every copy is answered as a success, with the one encounter
    assert [(a.status_code, a["Location"]) for a in answers] == [(302, saved)] * SENDERS
    assert events(encounter_events.ENCOUNTER_CREATED) == 1
    assert encounter.duration_minutes == 30 and encounter.client == world.client


def _encounter(w: Any, client_for: Any) -> Encounter:
    browser = client_for(w.peer)
    browser.post(reverse("encounter_create"), _encounter_form(w, str(uuid.uuid4())))
    return Encounter.objects.get()


def test_one_survey_link_answered_twice_at_once_keeps_one_response(world, client_for) -> None:
    encounter = _encounter(world, client_for)
    _, token = survey_link_create(
        encounter=encounter, actor=world.peer.user, channel=SurveyChannel.LINK
    )
    url = reverse("survey_answer", args=[token])
    answer = {"satisfaction": "5", "wellbeing": "8", "alternative": "crisis_line", "relapse": "no"}
    phones = [Browser(), Browser()]

    answers, errors = at_once(2, lambda i: phones[i].post(url, answer))

    assert not errors
    assert SurveyResponse.objects.filter(encounter=encounter).count() == 1
    assert events(encounter_events.SURVEY_ANSWERED) == 1
    kept = SurveyResponse.objects.get()
    assert (kept.satisfaction, kept.wellbeing) == (5, 8)
    # the first thanks; the other thanks too, or says the link is used (never an error)
    thanks = reverse("survey_thanks")
    assert sorted(a.status_code for a in answers)[0] == 302
    assert all(
        (a.status_code == 302 and a["Location"] == thanks) or a.status_code == 410 for a in answers
    )


def _log(w: Any) -> SupervisionLog:
    log, _ = log_save(
        supervisor=w.supervisor,
        actor=w.supervisor.user,
        data=LogInput(
            date=DAY,
            start_time=dt.time(9, 0),
            end_time=dt.time(10, 0),
            supervisees=[w.peer],
            topics=["check_in", "ethics_boundaries"],
            clients=[(w.client, "connecting")],
            notes="Boundaries around rides.",
            signoff_assessments=True,
            signoff_interventions=True,
        ),
    )
    return log


def test_one_log_signed_twice_at_once_has_one_signature(world, client_for) -> None:
    log = _log(world)
    tabs = same_session(client_for(world.supervisor), 2)
    url = reverse("supervision_log_sign", args=[log.pk])
    form = {"credential": TEST_PASSWORD, "version": content_version(log)}

    answers, errors = at_once(2, lambda i: tabs[i].post(url, form))

    assert not errors
    assert all(a.status_code in (200, 302) for a in answers)
    log.refresh_from_db()
    assert log.is_signed and log.signed_by == world.supervisor.user
    assert signature_holds(log)
    assert events(supervision_events.SUPERVISION_SIGNED) == 1
    # the supervisee is asked to acknowledge it once
    assert Notification.objects.filter(user=world.peer.user).count() == 1
    assert events(supervision_events.SUPERVISION_SIGN_FAILED) == 0


def test_a_log_signed_while_it_is_being_corrected_loses_nothing(world, client_for) -> None:
    log = _log(world)
    tabs = same_session(client_for(world.supervisor), 2)
    sign = {"credential": TEST_PASSWORD, "version": content_version(log)}
    edit = {
        "date": DAY.isoformat(),
        "start_time": "09:00",
        "end_time": "10:30",
        "supervisees": [world.peer.pk],
        "topics": ["check_in"],
        "notes": "Corrected in the other tab.",
        "signoff_assessments": "on",
        "signoff_interventions": "on",
        "submission_key": str(uuid.uuid4()),
    }
    requests = [
        lambda: tabs[0].post(reverse("supervision_log_sign", args=[log.pk]), sign),
        lambda: tabs[1].post(reverse("supervision_log", args=[log.pk]), edit),
    ]

    answers, errors = at_once(2, lambda i: requests[i]())

    assert not errors
    assert all(a.status_code in (200, 302) for a in answers)
    log.refresh_from_db()
    # Whichever came first, the other was refused: signed first, the correction did not
    # land on the signed log; corrected first, the supervisor did not sign a version they
    # were not shown. What is signed is what is stored.
    corrected = log.notes == "Corrected in the other tab."
    assert log.is_signed != corrected
    if log.is_signed:
        assert signature_holds(log)
        assert events(supervision_events.SUPERVISION_SIGNED) == 1
    else:
        assert log.minutes == 90
        assert events(supervision_events.SUPERVISION_SIGNED) == 0


def _hours_file(w: Any) -> SimpleUploadedFile:
    rows = "".join(
        f"{w.peer.user.email},{(DAY + dt.timedelta(days=d)).isoformat()},6\n" for d in range(5)
    )
    return SimpleUploadedFile("hours.csv", f"peer_email,date,hours\n{rows}".encode())


def test_one_import_confirmed_twice_at_once_is_written_once(world, client_for) -> None:
    run = import_upload(
        organization=world.org, actor=world.admin.user, kind="hours", file=_hours_file(world)
    )
    assert run.status == ImportStatus.CHECKED and not run.errors
    tabs = same_session(client_for(world.admin), 2)
    url = reverse("import_confirm", args=[run.pk])

    answers, errors = at_once(2, lambda i: tabs[i].post(url))

    assert not errors
    assert all(a.status_code == 302 for a in answers)
    run.refresh_from_db()
    assert run.status == ImportStatus.IMPORTED and run.created == 5
    assert events(audit.IMPORT_DONE) == 1
    assert HoursWorked.objects.filter(peer=world.peer).count() == 5


def test_two_copies_of_one_file_confirmed_at_once_import_once(world, client_for) -> None:
    runs = [
        import_upload(
            organization=world.org, actor=world.admin.user, kind="hours", file=_hours_file(world)
        )
        for _ in range(2)
    ]
    assert [r.status for r in runs] == [ImportStatus.CHECKED] * 2
    tabs = same_session(client_for(world.admin), 2)

    answers, errors = at_once(
        2, lambda i: tabs[i].post(reverse("import_confirm", args=[runs[i].pk]))
    )

    assert not errors
    assert all(a.status_code == 302 for a in answers)
    statuses = sorted(ImportRun.objects.values_list("status", flat=True))
    assert statuses == sorted([ImportStatus.IMPORTED, ImportStatus.REFUSED_DUPLICATE])
    assert events(audit.IMPORT_DONE) == 1
    assert events(audit.IMPORT_REFUSED_DUPLICATE) == 1
    assert HoursWorked.objects.filter(peer=world.peer).count() == 5
