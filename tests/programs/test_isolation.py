"""Nobody reaches another organization's objects: every object URL answers 404.

The table below must name every URL that takes an object's key; a new URL without a row
here fails `test_every_object_url_is_covered`, so isolation is tested for it too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from programs.models import Invitation, Membership, Organization, Role
from programs.services import invitation_create

pytestmark = pytest.mark.django_db

# url name -> (HTTP methods to try, how to get kwargs for an object of the given org)
ObjectKwargs = Callable[[dict[str, Any]], dict[str, Any]]
OBJECT_URLS: dict[str, tuple[tuple[str, ...], ObjectKwargs]] = {
    "program_detail": (("get",), lambda o: {"slug": o["program"].slug}),
    "program_edit": (("get", "post"), lambda o: {"slug": o["program"].slug}),
    "member_edit": (("get", "post"), lambda o: {"pk": o["membership"].pk}),
    "member_lockout_clear": (("post",), lambda o: {"pk": o["membership"].pk}),
    "invitation_resend": (("post",), lambda o: {"pk": o["invitation"].pk}),
    "invitation_revoke": (("post",), lambda o: {"pk": o["invitation"].pk}),
    "certification_peer": (("get",), lambda o: {"pk": o["profile"].pk}),
    "peer_profile_update": (("post",), lambda o: {"pk": o["profile"].pk}),
    "certification_record": (("post",), lambda o: {"pk": o["profile"].pk}),
    "certification_renew": (("post",), lambda o: {"pk": o["profile"].pk}),
    "certification_correct": (("post",), lambda o: {"pk": o["profile"].pk}),
    "certification_lapse": (("post",), lambda o: {"pk": o["profile"].pk}),
    "certification_reinstate": (("post",), lambda o: {"pk": o["profile"].pk}),
    "lapse_withdraw": (("post",), lambda o: {"pk": o["profile"].pk}),
    "recovery_date_reveal": (("post",), lambda o: {"pk": o["profile"].pk}),
    "ceu_add_for_peer": (("get", "post"), lambda o: {"pk": o["profile"].pk}),
    "ceu_certificate": (("get",), lambda o: {"pk": o["ceu"].pk}),
    "ceu_delete": (("post",), lambda o: {"pk": o["ceu"].pk}),
    "checklist_evidence": (("get",), lambda o: {"pk": o["checklist_item"].pk}),
    "readiness_detail": (("get", "post"), lambda o: {"pk": o["readiness"].pk}),
    "program_phase_advance": (("post",), lambda o: {"slug": o["program"].slug}),
    "position_create": (("get", "post"), lambda o: {"slug": o["program"].slug}),
    "position_edit": (("get", "post"), lambda o: {"pk": o["position"].pk}),
    "funding_remove": (("post",), lambda o: {"pk": o["funding"].pk}),
    "program_checklist_item": (("post",), lambda o: {"pk": o["phase_item"].pk}),
    "phase_template_remove": (("post",), lambda o: {"pk": o["template_item"].pk}),
    "readiness_action_done": (("post",), lambda o: {"pk": o["readiness_action"].pk}),
    "checklist_item": (
        ("post",),
        lambda o: {"pk": o["profile"].pk, "requirement": "application"},
    ),
    "encounter_detail": (("get", "post"), lambda o: {"pk": o["encounter"].pk}),
    "encounter_saved": (("get",), lambda o: {"pk": o["encounter"].pk}),
    "survey_handover": (("post",), lambda o: {"pk": o["encounter"].pk}),
    "survey_link": (("post",), lambda o: {"pk": o["encounter"].pk}),
    "client_detail": (("get", "post"), lambda o: {"pk": o["client"].pk}),
    "payer_detail": (("get", "post"), lambda o: {"pk": o["payer"].pk}),
    "rate_add": (("get", "post"), lambda o: {"pk": o["payer"].pk}),
    "rate_remove": (("post",), lambda o: {"pk": o["payer"].pk, "rate_pk": o["rate"].pk}),
    "alternative_cost_remove": (("post",), lambda o: {"pk": o["alternative_cost"].pk}),
    "program_cost_remove": (("post",), lambda o: {"pk": o["program_cost"].pk}),
    "supervision_log": (("get", "post"), lambda o: {"pk": o["log"].pk}),
    "supervision_log_sign": (("post",), lambda o: {"pk": o["log"].pk}),
    "supervision_addendum": (("post",), lambda o: {"pk": o["log"].pk}),
    "supervision_acknowledge": (("post",), lambda o: {"pk": o["log"].pk}),
    "supervision_log_delete": (("post",), lambda o: {"pk": o["log"].pk}),
    "supervisor_edit": (("get", "post"), lambda o: {"pk": o["supervisor"].pk}),
    "agreement_edit": (("get", "post"), lambda o: {"pk": o["agreement"].pk}),
    "agreement_document": (("get",), lambda o: {"pk": o["agreement"].pk}),
    "record_status": (("get",), lambda o: {"pk": o["record"].pk}),
    "record_download": (("get",), lambda o: {"pk": o["record"].pk}),
    "hours_peer": (("get", "post"), lambda o: {"pk": o["membership"].pk}),
    "hours_confirm": (("post",), lambda o: {"pk": o["membership"].pk}),
    "report_run": (("get",), lambda o: {"pk": o["report"].pk}),
    "report_file": (("get",), lambda o: {"pk": o["report"].pk, "fmt": "pdf"}),
    "report_schedule_remove": (("post",), lambda o: {"pk": o["report_schedule"].pk}),
    "session_detail": (("get", "post"), lambda o: {"pk": o["training_session"].pk}),
    "session_attendance": (("get", "post"), lambda o: {"pk": o["training_session"].pk}),
    "session_close": (("post",), lambda o: {"pk": o["training_session"].pk}),
    "session_open_to_others": (("post",), lambda o: {"pk": o["training_session"].pk}),
    # another organization's session is joined only when it is open to others
    # (tests/training/test_views.py)
    "session_join": (("post",), lambda o: {"pk": o["training_session"].pk}),
    "enrollment_withdraw": (("post",), lambda o: {"pk": o["enrollment"].pk}),
    "enrollment_exam": (("post",), lambda o: {"pk": o["enrollment"].pk}),
    "enrollment_certificate": (("get",), lambda o: {"pk": o["enrollment"].pk}),
    "import_run": (("get",), lambda o: {"pk": o["import_run"].pk}),
    "import_confirm": (("post",), lambda o: {"pk": o["import_run"].pk}),
    "import_problems": (("get",), lambda o: {"pk": o["import_run"].pk}),
}
# URLs with arguments that are not an organization's objects (the survey token is a
# secret link that needs no sign-in; its own tests cover it). An import kind's template is
# the same blank file for everyone.
NOT_OBJECT_URLS = {"invitation_accept", "survey_answer", "import_template"}
# Pages only the member who made the object opens (default: the organization admin).
OPENED_BY = {"encounter_saved": "membership"}


def _our_patterns() -> list[URLPattern]:
    found: list[URLPattern] = []

    def walk(patterns: list[Any], namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                module = getattr(p.urlconf_module, "__name__", "")
                if module.startswith(
                    ("programs", "certification", "supervision", "encounters", "training")
                ):
                    walk(p.url_patterns)
            elif isinstance(p, URLPattern) and p.pattern.regex.groups:
                found.append(p)

    walk(get_resolver().url_patterns)
    return found


def test_every_object_url_is_covered() -> None:
    names = {p.name for p in _our_patterns() if p.name}
    uncovered = names - set(OBJECT_URLS) - NOT_OBJECT_URLS
    assert not uncovered, f"add these URLs to OBJECT_URLS: {sorted(uncovered)}"


def _objects_of(org: Organization, member_of: Any, program_in: Any) -> dict[str, Any]:
    program = program_in(org)
    admin = member_of(org, Role.ORG_ADMIN)
    membership = member_of(org, Role.PEER_SUPPORTER, programs=[program])
    invitation, _ = invitation_create(
        organization=org,
        email=f"invitee@{org.slug}.example",
        role=Role.PEER_SUPPORTER,
        invited_by=admin.user,
    )
    from django.core.files.base import ContentFile

    from certification import services as cert

    profile = cert.profile_for(membership)
    ceu, _ = cert.ceu_add(
        profile=profile,
        actor=membership.user,
        date=dt.date(2025, 1, 2),
        hours=Decimal("2"),
        title="Ethics refresher",
        certificate=ContentFile(b"%PDF-1.4 cert", name="cert.pdf"),
    )
    item = cert.checklist_mark(
        profile=profile,
        requirement="application",
        actor=admin.user,
        completed_on=dt.date(2025, 1, 3),
        evidence=ContentFile(b"%PDF-1.4 ev", name="ev.pdf"),
    )
    from programs import readiness
    from programs.rules import READINESS_STATEMENTS

    assessment = readiness.readiness_assessment_record(
        organization=org,
        actor=admin.user,
        assessed_on=dt.date(2025, 3, 1),
        answers={c: (i < 7, "") for i, c in enumerate(READINESS_STATEMENTS)},
    )
    [readiness_action, *_] = readiness.readiness_plan_save(
        assessment=assessment,
        actor=admin.user,
        actions={
            c: readiness.PlannedAction("Act", admin.user, dt.date(2025, 9, 1))
            for c in list(READINESS_STATEMENTS)[7:]
        },
    )
    from programs.planning import phase_items_create, phase_template

    phase_items_create(program, program.phase)
    from programs.budget import funding_add, position_save

    position = position_save(
        program=program, actor=admin.user, hourly_wage=Decimal("18"), hours_per_week=Decimal("40")
    )
    funding = funding_add(
        position=position, actor=admin.user, kind="grant", yearly_amount=Decimal("40000")
    )
    from encounters.models import Client
    from encounters.services.encounters import EncounterInput, encounter_save

    client = Client.objects.create(
        program=program, code="C-1", assigned_peer=membership, enrolled_on=dt.date(2025, 1, 1)
    )
    encounter, _ = encounter_save(
        actor=membership.user,
        peer=membership,
        data=EncounterInput(
            program=program,
            client=client,
            date=dt.date(2025, 2, 3),
            start_time=dt.time(10),
            duration_minutes=30,
            setting="office",
            format="individual",
            phase="engaging",
            support_types=["emotional"],
        ),
    )
    from encounters.services.payers import PayerTerms, RateTerms, payer_create

    payer = payer_create(
        organization=org,
        actor=admin.user,
        code="county",
        terms=PayerTerms(name="County contract"),
        first_rate=RateTerms(dt.date(2025, 1, 1), Decimal("12.00")),
    )
    from encounters.reporting.assumptions import alternative_cost_set, program_cost_add

    alternative_cost = alternative_cost_set(
        organization=org,
        actor=admin.user,
        alternative="jail",
        unit_cost=Decimal("140.00"),
        source="County jail budget",
        effective_from=dt.date(2025, 1, 1),
    )
    program_cost = program_cost_add(
        organization=org,
        program=program,
        actor=admin.user,
        category="training",
        amount=Decimal("500.00"),
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 12, 31),
    )
    from supervision.models import RecordExport
    from supervision.services.agreements import AgreementInput, agreement_save
    from supervision.services.logs import LogInput, log_save
    from supervision.services.supervisors import supervisor_profile_save

    supervisor = member_of(org, Role.CLINICAL_SUPERVISOR, programs=[program])
    supervisor_profile_save(
        membership=supervisor,
        actor=None,
        license_type="psychologist",
        license_number="PSY-1",
        licensed_on=dt.date(2010, 1, 1),
    )
    agreement = agreement_save(
        organization=org,
        actor=admin.user,
        data=AgreementInput(
            supervisor=supervisor, supervisee=membership, starts_on=dt.date(2024, 1, 1)
        ),
        document=ContentFile(b"%PDF-1.4 agreement", name="agreement.pdf"),
    )
    log, _ = log_save(
        supervisor=supervisor,
        actor=supervisor.user,
        data=LogInput(
            date=dt.date(2025, 2, 3),
            start_time=dt.time(9),
            end_time=dt.time(10),
            supervisees=[membership],
        ),
    )
    record = RecordExport.objects.create(
        organization=org,
        peer=membership,
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 12, 31),
        requested_by=admin.user,
        status=RecordExport.Status.READY,
    )
    record.file.save("record.pdf", ContentFile(b"%PDF-1.4 record"))
    from encounters.reporting.models import ReportRun
    from encounters.reporting.schedules import schedule_save

    report = ReportRun.objects.create(
        organization=org,
        kind="funder",
        program=program,
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 3, 31),
        requested_by=admin.user,
        status=ReportRun.Status.READY,
        progress=100,
    )
    report.pdf.save("report.pdf", ContentFile(b"%PDF-1.4 report"))
    report_schedule = schedule_save(
        organization=org,
        actor=admin.user,
        kind="funder",
        program=program,
        frequency="quarterly",
        recipients=[admin],
    )
    from training.models import Course, Enrollment, TrainingSession

    course = Course.objects.create(
        organization=org, code="ps101", title="Peer Support 101", required_hours=Decimal(40)
    )
    training_session = TrainingSession.objects.create(
        course=course,
        starts_on=dt.date(2025, 3, 3),
        ends_on=dt.date(2025, 3, 7),
        place="Helena",
        trainer=admin,
        capacity=10,
    )
    enrollment = Enrollment.objects.create(
        session=training_session,
        name="Cam",
        email=f"cam@{org.slug}.example",
        trail="employment",
        status="completed",
    )
    enrollment.certificate.save("certificate.pdf", ContentFile(b"%PDF-1.4 certificate"))
    from django.core.files.uploadedfile import SimpleUploadedFile

    from programs.import_runs import import_upload

    import_run = import_upload(
        organization=org,
        actor=admin.user,
        kind="hours",
        file=SimpleUploadedFile(
            "hours.csv", f"peer_email,date,hours\n{membership.user.email},2025-02-03,6\n".encode()
        ),
    )
    return {
        "import_run": import_run,
        "training_session": training_session,
        "enrollment": enrollment,
        "report": report,
        "report_schedule": report_schedule,
        "supervisor": supervisor,
        "agreement": agreement,
        "log": log,
        "record": record,
        "payer": payer,
        "rate": payer.rates.get(),
        "alternative_cost": alternative_cost,
        "program_cost": program_cost,
        "client": client,
        "encounter": encounter,
        "position": position,
        "funding": funding,
        "phase_item": program.checklist.first(),
        "template_item": phase_template(org).first(),
        "readiness": assessment,
        "readiness_action": readiness_action,
        "program": program,
        "membership": membership,
        "invitation": invitation,
        "admin": admin,
        "profile": profile,
        "ceu": ceu,
        "checklist_item": item,
    }


@pytest.mark.parametrize("role", list(Role))
def test_a_member_of_one_organization_gets_404_for_every_object_of_another(
    org, other_org, member_of, program_in, client_for, role
):
    theirs = _objects_of(other_org, member_of, program_in)
    visitor = member_of(org, role, programs=[program_in(org)])
    client = client_for(visitor)
    for name, (methods, kwargs) in OBJECT_URLS.items():
        url = reverse(name, kwargs=kwargs(theirs))
        for method in methods:
            response = getattr(client, method)(url, {"name": "x", "role": "org_admin"})
            assert response.status_code == 404, f"{role} {method.upper()} {name}"
    # ...and nothing of theirs changed.
    theirs["membership"].refresh_from_db()
    assert theirs["membership"].role == Role.PEER_SUPPORTER
    assert Invitation.objects.get(pk=theirs["invitation"].pk).is_usable


def test_the_same_urls_work_for_the_owning_organization(org, member_of, program_in, client_for):
    ours = _objects_of(org, member_of, program_in)
    clients = {who: client_for(ours[who]) for who in {"admin", *OPENED_BY.values()}}
    for name, (methods, kwargs) in OBJECT_URLS.items():
        if "get" in methods:
            url = reverse(name, kwargs=kwargs(ours))
            client = clients[OPENED_BY.get(name, "admin")]
            assert client.get(url).status_code == 200, name


def test_switching_to_an_organization_you_do_not_belong_to_does_nothing(
    org, other_org, member_of, client_for
):
    peer = member_of(org, Role.PEER_SUPPORTER)
    client = client_for(peer)
    client.post(reverse("organization_switch"), {"organization": other_org.pk})
    response = client.get(reverse("home"))
    assert response.context["membership"].organization == org


def test_a_person_in_two_organizations_switches_and_sees_only_the_active_one(
    org, other_org, member_of, program_in, client_for
):
    ours = program_in(org, name="Ours")
    theirs = program_in(other_org, name="Theirs")
    supervisor = member_of(org, Role.CLINICAL_SUPERVISOR, programs=[ours])
    Membership.objects.create(
        user=supervisor.user, organization=other_org, role=Role.CLINICAL_SUPERVISOR
    ).programs.set([theirs])
    client = client_for(supervisor)

    client.post(reverse("organization_switch"), {"organization": org.pk})
    page = client.get(reverse("program_list")).content.decode()
    assert "Ours" in page and "Theirs" not in page
    assert client.get(reverse("program_detail", args=[theirs.slug])).status_code == 404

    client.post(reverse("organization_switch"), {"organization": other_org.pk})
    page = client.get(reverse("program_list")).content.decode()
    assert "Theirs" in page and "Ours" not in page
    assert client.get(reverse("program_detail", args=[ours.slug])).status_code == 404
