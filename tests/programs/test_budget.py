"""Cost per peer position, through the pages a manager uses."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from programs.models import FundingSource, PeerPosition, Role

pytestmark = pytest.mark.django_db


def test_a_manager_builds_a_position_budget_and_sees_the_balance(
    org, member_of, client_for, program_in
):
    program = program_in(org, name="Bridge")
    client = client_for(member_of(org, Role.PROGRAM_MANAGER, programs=[program]))
    response = client.post(
        reverse("position_create", args=[program.slug]),
        {
            "title": "Recovery coach",
            "hourly_wage": "18",
            "hours_per_week": "40",
            "benefits": "7488",
            "supervision": "3000",
            "laptop": "",
            "phone": "600",
        },
    )
    assert response.status_code == 302
    position = PeerPosition.objects.get()
    url = reverse("position_edit", args=[position.pk])
    page = client.get(url).content.decode()
    assert "$48,528.00" in page  # 37,440 wages + 7,488 + 3,000 + 600
    assert "No current funding" in page
    client.post(
        url,
        {
            "action": "funding",
            "kind": "medicaid",
            "yearly_amount": "30000",
            "submission_key": str(uuid.uuid4()),
        },
    )
    page = client.get(url).content.decode()
    assert "\u2212$18,528.00" in page and "Deficit of $18,528.00" in page  # minus sign
    assert "Only one funding source" in page
    client.post(
        url,
        {
            "action": "funding",
            "kind": "grant",
            "name": "State block grant",
            "yearly_amount": "20000",
            "ends_on": "2099-01-01",
            "submission_key": str(uuid.uuid4()),
        },
    )
    page = client.get(reverse("program_detail", args=[program.slug])).content.decode()
    assert "balance <strong>$1,472.00</strong>" in page
    assert "Deficit" not in page
    assert FundingSource.objects.count() == 2


def test_missing_pay_is_explained_and_what_was_typed_stays(org, member_of, client_for, program_in):
    program = program_in(org)
    client = client_for(member_of(org, Role.ORG_ADMIN))
    response = client.post(
        reverse("position_create", args=[program.slug]), {"title": "Night peer", "vehicle": "4200"}
    )
    body = response.content.decode()
    assert "Give an hourly wage with hours a week, or a yearly salary." in body
    assert 'value="Night peer"' in body and 'value="4200"' in body
    assert not PeerPosition.objects.exists()


def test_peers_and_supervisors_see_no_budget(org, member_of, client_for, program_in):
    program = program_in(org)
    for role in (Role.PEER_SUPPORTER, Role.CLINICAL_SUPERVISOR):
        client = client_for(member_of(org, role, programs=[program]))
        assert client.get(reverse("position_create", args=[program.slug])).status_code == 403
        page = client.get(reverse("program_detail", args=[program.slug])).content.decode()
        assert "Peer positions and funding" not in page


def test_the_program_page_answers_ready_phase_and_paid_for_at_once(
    org, member_of, client_for, program_in
):
    from programs import readiness
    from programs.planning import phase_items_create
    from programs.rules import READINESS_STATEMENTS

    program = program_in(org, name="Bridge")
    phase_items_create(program, program.phase)
    manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program])
    readiness.readiness_assessment_record(
        organization=org,
        actor=manager.user,
        assessed_on=dt.date(2025, 5, 1),
        answers={c: (True, "") for c in READINESS_STATEMENTS},
    )
    page = client_for(manager).get(reverse("program_detail", args=[program.slug]))
    body = page.content.decode()
    assert "Organization readiness" in body and "100% on May 1, 2025" in body
    assert "Phase: Planning" in body and "What is next" in body
    assert "Peer positions and funding" in body


def test_double_submits_add_one_funding_line_and_one_estimate(
    org, member_of, client_for, program_in
):
    import uuid

    from programs.budget import position_save

    program = program_in(org)
    manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program])
    position = position_save(
        program=program,
        actor=manager.user,
        hourly_wage=Decimal("18"),
        hours_per_week=Decimal("40"),
        billable_hours_per_week=Decimal("10"),
    )
    client = client_for(manager)
    url = reverse("position_edit", args=[position.pk])
    data = {
        "action": "funding",
        "kind": "grant",
        "yearly_amount": "1000",
        "submission_key": str(uuid.uuid4()),
    }
    client.post(url, data)
    client.post(url, data)
    assert FundingSource.objects.filter(kind="grant").count() == 1
    client.post(url, {"action": "medicaid_estimate"})
    client.post(url, {"action": "medicaid_estimate"})
    assert FundingSource.objects.filter(kind="medicaid").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("salary", "-5000", "A salary cannot be negative."),
        ("billable_hours_per_week", "300", "Billable hours cannot exceed the hours worked."),
        ("vehicle", "-1", "Cannot be negative."),
        ("ends_on", "2020-01-01", "The end comes after the start."),
    ],
)
def test_impossible_budget_numbers_are_refused_by_the_field(
    org, member_of, client_for, program_in, field, value, message
):
    program = program_in(org)
    client = client_for(member_of(org, Role.ORG_ADMIN))
    data = {
        "title": "Peer",
        "hourly_wage": "18",
        "hours_per_week": "40",
        "starts_on": "2025-01-01",
        field: value,
    }
    response = client.post(reverse("position_create", args=[program.slug]), data)
    assert message in response.content.decode()
    assert not PeerPosition.objects.exists()


def test_a_peer_cannot_remove_funding(org, member_of, client_for, program_in):
    from programs.budget import funding_add, position_save

    program = program_in(org)
    admin = member_of(org, Role.ORG_ADMIN)
    position = position_save(
        program=program, actor=admin.user, hourly_wage=Decimal("18"), hours_per_week=Decimal("40")
    )
    source = funding_add(
        position=position, actor=admin.user, kind="grant", yearly_amount=Decimal("1000")
    )
    peer = client_for(member_of(org, Role.PEER_SUPPORTER, programs=[program]))
    assert peer.post(reverse("funding_remove", args=[source.pk])).status_code == 403
    assert FundingSource.objects.filter(pk=source.pk).exists()
