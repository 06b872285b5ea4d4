"""Client records: who sees which clients and who sees their name and contact, and
caseloads against the program's limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from encounters import events
from encounters.models import Client
from programs.models import Role
from tests.encounters.conftest import audit_rows

pytestmark = pytest.mark.django_db


def _client(program, peer, code, discharged=None):
    return Client.objects.create(
        program=program,
        code=code,
        assigned_peer=peer,
        enrolled_on=dt.date(2025, 1, 1),
        discharged_on=discharged,
    )


def test_a_peer_sees_own_clients_a_manager_the_programs_and_nobody_another_orgs(
    org, other_org, member_of, program_in
):
    east, west = program_in(org), program_in(org)
    peer = member_of(org, Role.PEER_SUPPORTER, programs=[east])
    other_peer = member_of(org, Role.PEER_SUPPORTER, programs=[east])
    manager_west = member_of(org, Role.PROGRAM_MANAGER, programs=[west])
    admin = member_of(org, Role.ORG_ADMIN)
    mine, theirs = _client(east, peer, "E-1"), _client(east, other_peer, "E-2")
    west_client = _client(west, None, "W-1")
    elsewhere = _client(program_in(other_org), None, "X-1")
    seen = lambda m: set(Client.objects.for_member(m))  # noqa: E731
    assert seen(peer) == {mine}
    assert seen(manager_west) == {west_client}
    assert seen(admin) == {mine, theirs, west_client}
    assert elsewhere not in seen(admin)


def test_the_program_page_flags_an_overloaded_peer(org, member_of, client_for, program_in):
    from certification.services import profile_for

    program = program_in(org, caseload_limit=3, weekly_hours_limit=Decimal("40"))
    busy = member_of(org, Role.PEER_SUPPORTER, programs=[program], first_name="Busy")
    calm = member_of(org, Role.PEER_SUPPORTER, programs=[program], first_name="Calm")
    for i in range(4):
        _client(program, busy, f"B-{i}")
    _client(program, busy, "B-old", discharged=dt.date(2025, 3, 1))  # discharged: not counted
    _client(program, calm, "C-1")
    profile = profile_for(busy)
    profile.hours_per_week = Decimal("45")
    profile.save()
    manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program])
    page = client_for(manager).get(reverse("program_detail", args=[program.slug]))
    rows = {
        peer.user.first_name: (peer.active_clients, warnings)
        for peer, _hours, warnings in page.context["caseloads"]
    }
    assert rows["Calm"] == (1, [])
    assert rows["Busy"][0] == 4
    assert rows["Busy"][1] == [
        "4 active clients: over the limit of 3.",
        "45 hours a week: over the limit of 40.",
    ]
    assert "Overloaded" in page.content.decode()


def test_the_medicaid_estimate_becomes_funding_in_one_tap(org, member_of, client_for, program_in):
    from programs.budget import position_save
    from programs.models import FundingSource

    program = program_in(org)
    manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program])
    position = position_save(
        program=program,
        actor=manager.user,
        hourly_wage=Decimal("18"),
        hours_per_week=Decimal("40"),
        billable_hours_per_week=Decimal("20"),
    )
    client = client_for(manager)
    url = reverse("position_edit", args=[position.pk])
    assert "about <strong>$58,281.60</strong>" in client.get(url).content.decode()
    client.post(url, {"action": "medicaid_estimate"})
    source = FundingSource.objects.get()
    assert (source.kind, source.yearly_amount) == ("medicaid", Decimal("58281.60"))


def test_name_and_contact_are_shown_to_the_assigned_peer_and_managers_not_supervisors(
    setup, client_for
):
    s = setup
    url = reverse("client_detail", args=[s.client.pk])
    for who, shown in [("peer", True), ("manager", True), ("admin", True), ("supervisor", False)]:
        page = client_for(getattr(s, who)).get(url).content.decode()
        assert ("Jamie Example" in page) is shown, who
        assert ("406-555-0100" in page) is shown, who
        assert "RC-001" in page
    # Every opening of the record is audited, whoever opened it.
    assert audit_rows(events.CLIENT_VIEWED) == [
        (events.CLIENT_VIEWED, getattr(s, who).user_id, "encounters.client", str(s.client.pk), {})
        for who in ("peer", "manager", "admin", "supervisor")
    ]
