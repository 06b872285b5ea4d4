"""Development phases: in order, gated by the checklist, overridable only with a reason."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from config.text import CANNOT_BE_STORED
from programs import audit
from programs.models import (
    AuditEvent,
    ChecklistItem,
    PhaseChange,
    PhaseTemplateItem,
    Program,
    Role,
)
from programs.planning import ITEMS_OPEN, LAST_PHASE, program_phase_advance
from programs.rules import DEFAULT_PHASE_ITEMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def program_and_manager(org, member_of, client_for):
    manager = member_of(org, Role.PROGRAM_MANAGER)
    client = client_for(manager)
    client.post(reverse("program_create"), {"name": "Street Outreach", "is_active": "on"})
    return Program.objects.get(slug="street-outreach"), manager, client


def test_a_new_program_starts_in_planning_with_its_checklist(program_and_manager):
    program, _, client = program_and_manager
    assert program.phase == "planning" and program.phase_since is not None
    titles = list(program.checklist.values_list("title", flat=True))
    assert titles == list(DEFAULT_PHASE_ITEMS["planning"])
    page = client.get(reverse("program_detail", args=[program.slug])).content.decode()
    assert "0 / 6" in page and "What is next" in page


def test_moving_on_with_items_open_needs_a_recorded_reason(program_and_manager):
    program, manager, client = program_and_manager
    url = reverse("program_phase_advance", args=[program.slug])
    response = client.post(url, {"override_reason": "", "from_phase": "planning"}, follow=True)
    assert ITEMS_OPEN.format(n=6).split(".")[0] in response.content.decode()
    program.refresh_from_db()
    assert program.phase == "planning"

    client.post(
        url,
        {
            "override_reason": "Grant start date is fixed; funding letter pending",
            "from_phase": "planning",
        },
    )
    program.refresh_from_db()
    assert program.phase == "implementation"
    change = PhaseChange.objects.get()
    assert (change.open_items, change.changed_by) == (6, manager.user)
    assert change.override_reason == "Grant start date is fixed; funding letter pending"
    event = AuditEvent.objects.get(event=audit.PROGRAM_PHASE_OVERRIDDEN)
    assert event.data["open_items"] == 6
    # The next phase's checklist is there, and the open items stay visible in history.
    assert program.checklist.filter(phase="implementation").count() == 10
    assert program.checklist.filter(phase="planning", done_on__isnull=True).count() == 6


def test_with_every_item_done_no_reason_is_needed(program_and_manager):
    program, manager, client = program_and_manager
    for item in program.checklist.all():
        client.post(
            reverse("program_checklist_item", args=[item.pk]),
            {"done": "on", "owner": manager.user.pk, "due_date": "2026-01-15"},
        )
    assert not ChecklistItem.objects.filter(program=program, done_on__isnull=True).exists()
    client.post(reverse("program_phase_advance", args=[program.slug]), {"from_phase": "planning"})
    program.refresh_from_db()
    assert program.phase == "implementation"
    assert PhaseChange.objects.get().override_reason == ""
    assert AuditEvent.objects.filter(event="program.phase_changed").count() == 1


def test_operational_is_the_last_phase(program_and_manager):
    program, manager, _ = program_and_manager
    for _ in range(2):
        program_phase_advance(program=program, actor=manager.user, override_reason="test")
    program.refresh_from_db()
    assert program.phase == "operational"
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=LAST_PHASE):
        program_phase_advance(program=program, actor=manager.user, override_reason="x")


def test_each_organization_edits_its_own_template(org, other_org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN)
    client = client_for(admin)
    client.post(
        reverse("phase_template"),
        {"phase": "planning", "title": "Talk to the county commissioners"},
    )
    client.post(reverse("program_create"), {"name": "Rural", "is_active": "on"})
    ours = Program.objects.get(organization=org, slug="rural")
    assert ours.checklist.filter(title="Talk to the county commissioners").exists()
    other_admin = member_of(other_org, Role.ORG_ADMIN)
    client_for(other_admin).post(reverse("program_create"), {"name": "Rural", "is_active": "on"})
    theirs = Program.objects.get(organization=other_org, slug="rural")
    assert not theirs.checklist.filter(title="Talk to the county commissioners").exists()


def test_peers_cannot_move_a_program_or_tick_items(org, member_of, client_for, program_in):
    from programs.planning import phase_items_create

    program = program_in(org)
    phase_items_create(program, program.phase)
    peer = member_of(org, Role.PEER_SUPPORTER, programs=[program])
    client = client_for(peer)
    assert (
        client.post(
            reverse("program_phase_advance", args=[program.slug]), {"override_reason": "x"}
        ).status_code
        == 403
    )
    item = program.checklist.first()
    assert item is not None
    assert (
        client.post(reverse("program_checklist_item", args=[item.pk]), {"done": "on"}).status_code
        == 403
    )
    program.refresh_from_db()
    assert program.phase == "planning"


def test_the_home_page_shows_every_programs_phase(org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN)
    client = client_for(admin)
    client.post(reverse("program_create"), {"name": "Alpha", "is_active": "on"})
    client.post(reverse("program_create"), {"name": "Beta", "is_active": "on"})
    beta = Program.objects.get(slug="beta")
    program_phase_advance(program=beta, actor=admin.user, override_reason="pilot")
    body = client.get(reverse("home")).content.decode()
    assert "Planning · 0/6 done" in body
    assert "Implementation · 0/10 done" in body


def test_a_double_tap_on_move_never_skips_a_phase(program_and_manager):
    program, _, client = program_and_manager
    url = reverse("program_phase_advance", args=[program.slug])
    data = {"override_reason": "Funding confirmed by phone", "from_phase": "planning"}
    client.post(url, data)
    response = client.post(url, data, follow=True)  # the same form, sent again
    program.refresh_from_db()
    assert program.phase == "implementation"
    assert PhaseChange.objects.count() == 1
    assert "already in Implementation" in response.content.decode()


def test_an_emptied_template_stays_empty(org, member_of, client_for):
    from programs.models import PhaseTemplateItem
    from programs.planning import phase_template

    client = client_for(member_of(org, Role.ORG_ADMIN))
    client.get(reverse("phase_template"))
    count = PhaseTemplateItem.objects.filter(organization=org).count()
    assert count == sum(len(v) for v in DEFAULT_PHASE_ITEMS.values())
    for item in PhaseTemplateItem.objects.filter(organization=org):
        client.post(reverse("phase_template_remove", args=[item.pk]))
    org.refresh_from_db()
    assert list(phase_template(org)) == []  # not copied again


def test_an_owner_from_elsewhere_is_refused_with_a_message(
    program_and_manager, other_org, member_of
):
    program, manager, client = program_and_manager
    outsider = member_of(other_org, Role.PROGRAM_MANAGER)
    item = program.checklist.first()
    assert item is not None
    client.post(reverse("program_checklist_item", args=[item.pk]), {"owner": manager.user.pk})
    response = client.post(
        reverse("program_checklist_item", args=[item.pk]), {"owner": outsider.user.pk}, follow=True
    )
    assert "was not saved" in response.content.decode()
    item.refresh_from_db()
    assert item.owner == manager.user  # unchanged, not silently cleared


def test_peers_cannot_reach_the_template_page(org, member_of, client_for):
    client = client_for(member_of(org, Role.PEER_SUPPORTER))
    assert client.get(reverse("phase_template")).status_code == 403


@pytest.mark.parametrize(
    ("title", "error"),
    [
        ("Call the \x00 county", CANNOT_BE_STORED),
        ("", "Write the item."),
        ("x" * 201, "at most 200 characters"),
    ],
    ids=["nul", "blank", "too-long"],
)
def test_a_template_item_that_cannot_be_kept_is_a_field_error_with_the_text_kept(
    org, member_of, client_for, title, error
):
    client = client_for(member_of(org, Role.ORG_ADMIN))
    client.get(reverse("phase_template"))  # the defaults are copied on first use
    before = PhaseTemplateItem.objects.count()
    response = client.post(reverse("phase_template"), {"phase": "planning", "title": title})
    assert response.status_code == 200
    page = response.content.decode()
    assert html.escape(error) in page
    assert 'id="new-planning-error"' in page and 'id="new-operational-error"' not in page
    if title:
        assert f'value="{html.escape(title)}"' in page  # what was typed, to correct
    assert PhaseTemplateItem.objects.count() == before
    assert not AuditEvent.objects.filter(event=audit.PHASE_TEMPLATE_ADDED).exists()


def test_a_template_item_for_no_known_phase_is_refused(org, member_of, client_for):
    client = client_for(member_of(org, Role.ORG_ADMIN))
    response = client.post(reverse("phase_template"), {"phase": "\x00", "title": "Call"})
    assert response.status_code == 200
    assert b"was not added" in response.content
    assert not PhaseTemplateItem.objects.filter(title="Call").exists()


def test_a_program_does_not_move_on_with_a_reason_that_cannot_be_stored(program_and_manager):
    program, _manager, client = program_and_manager
    response = client.post(
        reverse("program_phase_advance", args=[program.slug]),
        {"override_reason": "because\x00", "from_phase": program.phase},
        follow=True,
    )
    assert response.status_code == 200
    assert html.escape(CANNOT_BE_STORED) in response.content.decode()
    program.refresh_from_db()
    assert program.phase == "planning" and not PhaseChange.objects.exists()
