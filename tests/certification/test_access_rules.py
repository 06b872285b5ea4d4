"""Inside one organization: who may act on a peer's certification records. A supervisor
sees peers' standing but may not change their records or open their files."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from certification import events as cert_events
from certification.models import Certification, CeuEntry, ChecklistItem, Renewal
from certification.services import (
    RENEWAL_EXPIRY_AFTER_START,
    REVEAL_NEEDS_A_REASON,
    ceu_add,
    checklist_mark,
)
from programs.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(org, peer_profile, member_of, client_for, program_in):
    program = program_in(org)
    peer = peer_profile(org, certified_on=dt.date(2023, 1, 1), programs=[program], mfa=False)
    supervisor = member_of(org, Role.CLINICAL_SUPERVISOR, programs=[program])
    manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program])
    entry, _ = ceu_add(
        profile=peer,
        actor=None,
        date=dt.date(2025, 1, 5),
        hours=Decimal(1),
        title="QPR",
        certificate=ContentFile(b"%PDF-c", name="c.pdf"),
    )
    item = checklist_mark(
        profile=peer,
        requirement="attestation",
        actor=manager.user,
        completed_on=dt.date(2022, 12, 1),
        evidence=ContentFile(b"%PDF-attestation", name="a.pdf"),
    )
    return {
        "peer": peer,
        "entry": entry,
        "item": item,
        "supervisor": client_for(supervisor),
        "manager": client_for(manager),
    }


def test_a_supervisor_sees_the_team_but_not_a_peers_files(setting):
    sup = setting["supervisor"]
    assert sup.get(reverse("certification_team")).status_code == 200
    assert sup.get(reverse("ceu_certificate", args=[setting["entry"].pk])).status_code == 404
    assert sup.get(reverse("checklist_evidence", args=[setting["item"].pk])).status_code == 404
    assert (
        setting["manager"].get(reverse("checklist_evidence", args=[setting["item"].pk])).status_code
        == 200
    )


def test_a_supervisor_cannot_change_a_peers_records(setting):
    sup, peer = setting["supervisor"], setting["peer"]
    assert sup.get(reverse("certification_peer", args=[peer.pk])).status_code == 403
    assert sup.post(reverse("ceu_delete", args=[setting["entry"].pk])).status_code == 404
    add = sup.post(
        reverse("ceu_add_for_peer", args=[peer.pk]),
        {"date": "2025-02-02", "hours": "1", "title": "X", "submission_key": uuid.uuid4().hex},
    )
    assert add.status_code == 404
    mark = sup.post(reverse("checklist_item", args=[peer.pk, "attestation"]), {"completed_on": ""})
    assert mark.status_code == 404
    assert CeuEntry.objects.count() == 1
    assert ChecklistItem.objects.get().completed_on == dt.date(2022, 12, 1)


def test_a_renewal_names_a_certification_of_this_peer_only(setting, org, peer_profile):
    other = peer_profile(org, certified_on=dt.date(2023, 2, 2), mfa=False)
    theirs = Certification.objects.get(profile=other)
    response = setting["manager"].post(
        reverse("certification_renew", args=[setting["peer"].pk]),
        {
            "certification": theirs.pk,
            "effective_on": "2025-01-10",
            "expires_on": "2026-01-10",
            "fee": "93",
        },
    )
    assert response.status_code == 404
    assert not Renewal.objects.exists()


def test_a_renewal_sent_twice_is_recorded_once_and_typed_values_survive_an_error(setting):
    cert = Certification.objects.get(profile=setting["peer"])
    url = reverse("certification_renew", args=[setting["peer"].pk])
    data = {
        "certification": cert.pk,
        "effective_on": "2025-01-10",
        "expires_on": "2026-01-10",
        "fee": "93",
    }
    setting["manager"].post(url, data)
    setting["manager"].post(url, data)
    assert Renewal.objects.count() == 1
    bad = setting["manager"].post(url, {**data, "expires_on": "2024-01-01", "fee": "101.50"})
    body = bad.content.decode()
    assert RENEWAL_EXPIRY_AFTER_START in body
    assert 'value="101.50"' in body and 'value="2024-01-01"' in body
    assert '<details class="mt-2" open>' in body


def test_each_form_of_the_peer_page_is_for_a_manager_who_sees_the_peer(
    setting, org, member_of, client_for, program_in
):
    from programs.models import AuditEvent

    peer = setting["peer"]
    cert = Certification.objects.get(profile=peer)
    forms = {
        "peer_profile_update": {"job_title": "Lead", "status": "trainee", "trail": "employment"},
        "certification_record": {"number": "BHPSS-2", "issued_on": "2025-01-02"},
        "certification_renew": {
            "certification": cert.pk,
            "effective_on": "2025-01-10",
            "expires_on": "2026-01-10",
            "fee": "93",
        },
        "recovery_date_reveal": {"reason": "Audit"},
    }
    other_program = program_in(org)
    elsewhere = client_for(member_of(org, Role.PROGRAM_MANAGER, programs=[other_program]))
    for name, data in forms.items():
        url = reverse(name, args=[peer.pk])
        assert setting["supervisor"].post(url, data).status_code == 403, name
        assert elsewhere.post(url, data).status_code == 404, name  # not a peer of theirs
    peer.refresh_from_db()
    assert peer.job_title == ""
    assert Certification.objects.filter(profile=peer).count() == 1
    assert not Renewal.objects.exists()
    assert not AuditEvent.objects.filter(event=cert_events.PROFILE_RECOVERY_DATE_VIEWED).exists()


def test_a_recovery_date_look_needs_a_reason(setting):
    from programs.models import AuditEvent

    url = reverse("recovery_date_reveal", args=[setting["peer"].pk])
    response = setting["manager"].post(url, {"reason": "   "}, follow=True)
    assert response.redirect_chain == [
        (reverse("certification_peer", args=[setting["peer"].pk]), 302)
    ]
    assert REVEAL_NEEDS_A_REASON in response.content.decode()
    assert not AuditEvent.objects.filter(event=cert_events.PROFILE_RECOVERY_DATE_VIEWED).exists()


def test_an_invited_peer_is_on_the_team_page_before_opening_their_own(
    org, member_of, client_for, program_in
):
    from programs.services import invitation_accept, invitation_create

    program = program_in(org)
    admin = member_of(org, Role.ORG_ADMIN)
    invitation, _ = invitation_create(
        organization=org,
        email="new.peer@example.org",
        role=Role.PEER_SUPPORTER,
        programs=[program],
        invited_by=admin.user,
    )
    invitation_accept(
        invitation=invitation,
        first_name="Nia",
        last_name="New",
        password="a-long-unusual-passphrase",
    )
    page = client_for(admin).get(reverse("certification_team"))
    assert [r.profile.membership.user.email for r in page.context["rows"]] == [
        "new.peer@example.org"
    ]
