"""Who may verify a checklist step: a peer marks their own steps, but only a manager marks
the background check (and the employer's verification of employment), and a step a
manager verified is not the peer's to change or undo. Over HTTP, as each would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from certification import rules
from certification.models import ChecklistItem, VerifiedAs
from certification.services import MANAGER_VERIFIES_STEP, checklist_mark
from programs.models import Role

pytestmark = pytest.mark.django_db

DONE = {"completed_on": "2025-02-01", "note": "cleared"}


@pytest.fixture
def people(org, peer_profile, member_of, program_in, client_for):
    program = program_in(org)
    profile = peer_profile(org, mfa=False, programs=[program], first_name="Pat")
    manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program], first_name="Mona")
    return profile, manager, client_for(profile.membership), client_for(manager)


def _url(profile, step: str) -> str:
    return reverse("checklist_item", args=[profile.pk, step])


def _item(profile, step: str) -> ChecklistItem:
    return ChecklistItem.objects.get(profile=profile, requirement=step)


def test_the_background_check_and_employment_are_a_managers_to_verify():
    assert rules.verified_by_manager_only("background_check")
    assert rules.verified_by_manager_only("employment_verified")
    assert not rules.verified_by_manager_only("application")


@pytest.mark.parametrize("step", ["background_check", "employment_verified"])
def test_a_peer_cannot_mark_a_managers_step_done(people, step):
    profile, _, peer_c, _ = people
    response = peer_c.post(_url(profile, step), DONE)
    assert response.status_code == 200  # the page again, with the refusal
    assert MANAGER_VERIFIES_STEP in response.content.decode()
    assert not ChecklistItem.objects.filter(
        profile=profile, requirement=step, completed_on__isnull=False
    ).exists()
    page = peer_c.get(reverse("certification_mine")).content.decode()
    assert "A manager verifies this step." in page


def test_a_manager_verifies_the_background_check_and_the_peer_cannot_undo_or_overwrite_it(
    people,
):
    profile, manager, peer_c, manager_c = people
    assert manager_c.post(_url(profile, "background_check"), DONE).status_code == 302
    item = _item(profile, "background_check")
    assert (item.verified_as, item.updated_by) == (VerifiedAs.MANAGER, manager.user)

    page = peer_c.get(reverse("certification_mine")).content.decode()
    assert f"Verified by {manager.user} (manager)" in page

    for attempt in ({"completed_on": "", "note": ""}, {"completed_on": "2025-03-01"}):
        response = peer_c.post(_url(profile, "background_check"), attempt)
        assert response.status_code == 200
        assert "only a manager can change it" in response.content.decode()
    item.refresh_from_db()
    assert (str(item.completed_on), item.note, item.verified_as) == (
        "2025-02-01",
        "cleared",
        VerifiedAs.MANAGER,
    )
    # The manager can change it.
    manager_c.post(_url(profile, "background_check"), {"completed_on": "", "note": ""})
    item.refresh_from_db()
    assert item.completed_on is None


def test_a_peer_cannot_change_a_step_of_their_own_that_a_manager_verified(people):
    profile, manager, peer_c, _ = people
    checklist_mark(
        profile=profile, requirement="application", actor=manager.user, completed_on=None
    )
    checklist_mark(
        profile=profile,
        requirement="fee",
        actor=manager.user,
        completed_on=dt.date(2025, 1, 9),
    )
    # A step the manager left open the peer may still mark; one they verified, not.
    assert peer_c.post(_url(profile, "application"), DONE).status_code == 302
    assert _item(profile, "application").verified_as == VerifiedAs.PEER
    assert peer_c.post(_url(profile, "fee"), {"completed_on": ""}).status_code == 200
    assert str(_item(profile, "fee").completed_on) == "2025-01-09"


def test_the_peers_own_steps_are_recorded_as_the_peers_and_shown_so(people):
    profile, _, peer_c, manager_c = people
    assert peer_c.post(_url(profile, "application"), DONE).status_code == 302
    item = _item(profile, "application")
    assert (item.verified_as, item.updated_by) == (VerifiedAs.PEER, profile.membership.user)
    page = manager_c.get(reverse("certification_peer", args=[profile.pk])).content.decode()
    assert f"Marked done by the peer ({profile.membership.user})" in page
