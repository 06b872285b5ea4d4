"""Who sees what inside one organization, tested from the outside."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from config.accounts.models import User
from programs import audit
from programs.models import Membership, Program, Role
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_staff_pages_are_for_organization_admins_only(org, member_of, client_for):
    for role in (Role.PROGRAM_MANAGER, Role.CLINICAL_SUPERVISOR, Role.PEER_SUPPORTER):
        client = client_for(member_of(org, role))
        for name in ("member_list", "invitation_create", "audit_log"):
            assert client.get(reverse(name)).status_code == 403, (role, name)
    admin_client = client_for(member_of(org, Role.ORG_ADMIN))
    for name in ("member_list", "invitation_create", "audit_log"):
        assert admin_client.get(reverse(name)).status_code == 200, name


def test_a_peer_sees_only_own_programs_and_cannot_edit_them(org, member_of, program_in, client_for):
    mine, not_mine = program_in(org, name="Mine"), program_in(org, name="Not mine")
    client = client_for(member_of(org, Role.PEER_SUPPORTER, programs=[mine]))
    page = client.get(reverse("program_list")).content.decode()
    assert "Mine" in page and "Not mine" not in page
    assert client.get(reverse("program_detail", args=[not_mine.slug])).status_code == 404
    assert client.get(reverse("program_detail", args=[mine.slug])).status_code == 200
    assert (
        client.post(reverse("program_edit", args=[mine.slug]), {"name": "Renamed"}).status_code
        == 403
    )
    mine.refresh_from_db()
    assert mine.name == "Mine"


def test_a_manager_edits_own_programs_and_creates_new_ones(org, member_of, program_in, client_for):
    mine, other = program_in(org, name="Mine"), program_in(org, name="Other")
    client = client_for(member_of(org, Role.PROGRAM_MANAGER, programs=[mine]))
    response = client.post(
        reverse("program_edit", args=[mine.slug]),
        {"name": "Mine renamed", "description": "", "is_active": "on"},
    )
    assert response.status_code == 302
    assert client.get(reverse("program_edit", args=[other.slug])).status_code == 404
    response = client.post(reverse("program_create"), {"name": "Rural Outreach", "is_active": "on"})
    assert response.status_code == 302
    assert Program.objects.filter(organization=org, slug="rural-outreach").exists()


def test_a_program_form_with_a_taken_name_says_so_by_the_field(
    org, member_of, program_in, client_for
):
    program_in(org, name="Drop-in", slug="drop-in")
    client = client_for(member_of(org, Role.ORG_ADMIN))
    response = client.post(reverse("program_create"), {"name": "Drop in", "is_active": "on"})
    assert response.status_code == 200
    assert "already uses this short name" in response.content.decode()
    assert 'value="Drop in"' in response.content.decode()


def test_the_last_admin_cannot_be_demoted_or_deactivated(org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN)
    client = client_for(admin)
    response = client.post(
        reverse("member_edit", args=[admin.pk]), {"role": Role.PEER_SUPPORTER, "is_active": "on"}
    )
    assert response.status_code == 200
    assert "at least one active organization admin" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.ORG_ADMIN


def test_an_admin_changes_a_role_and_it_is_audited(org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN)
    peer = member_of(org, Role.PEER_SUPPORTER)
    client = client_for(admin)
    response = client.post(
        reverse("member_edit", args=[peer.pk]), {"role": Role.PROGRAM_MANAGER, "is_active": "on"}
    )
    assert response.status_code == 302
    peer.refresh_from_db()
    assert peer.role == Role.PROGRAM_MANAGER
    from programs.models import AuditEvent

    event = AuditEvent.objects.get(event=audit.MEMBERSHIP_UPDATED, subject_id=str(peer.pk))
    assert event.actor == admin.user
    assert event.data["before"]["role"] == "peer_supporter"
    assert event.data["after"]["role"] == "program_manager"
    assert event.ip_address == "127.0.0.1"


def test_a_deactivated_member_reaches_nothing(org, member_of, client_for):
    peer = member_of(org, Role.PEER_SUPPORTER)
    client = client_for(peer)
    Membership.objects.filter(pk=peer.pk).update(is_active=False)
    assert client.get(reverse("home")).status_code == 403
    assert client.get(reverse("program_list")).status_code == 403


def test_django_admin_is_for_platform_superusers_only(org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN)
    to_login = "/platform-admin/login/?next=/platform-admin/"
    response = client_for(admin).get("/platform-admin/")
    assert (response.status_code, response["Location"]) == (302, to_login)
    # Staff status alone is not enough (Django's own check would let staff in): superusers only.
    staff = member_of(org, Role.PEER_SUPPORTER)
    User.objects.filter(pk=staff.user.pk).update(is_staff=True)
    response = client_for(staff).get("/platform-admin/")
    assert (response.status_code, response["Location"]) == (302, to_login)
    root = member_of(org, Role.PEER_SUPPORTER, email="root@example.org")
    User.objects.filter(pk=root.user.pk).update(is_staff=True, is_superuser=True)
    assert client_for(root).get("/platform-admin/").status_code == 200


def test_the_platform_admin_sign_in_is_the_apps_own_with_its_second_factor(org, member_of):
    root = member_of(org, Role.PEER_SUPPORTER, email="root@example.org")
    User.objects.filter(pk=root.user.pk).update(is_staff=True, is_superuser=True)
    response = Client().get("/platform-admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client = Client()
    client.post("/platform-admin/login/", {"username": root.user.email, "password": TEST_PASSWORD})
    assert client.get("/platform-admin/").status_code == 302  # that form signs nobody in


def test_a_superuser_must_enrol_a_second_factor(org):
    root = User.objects.create_superuser("root2@example.org", TEST_PASSWORD)
    client = Client()
    client.post(reverse("account_login"), {"login": root.email, "password": TEST_PASSWORD})
    response = client.get("/platform-admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_an_unknown_address_gets_our_own_not_found_page(org, member_of, client_for):
    response = client_for(member_of(org, Role.PEER_SUPPORTER)).get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_the_last_admin_cannot_be_deactivated_either(org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN)
    response = client_for(admin).post(
        reverse("member_edit", args=[admin.pk]), {"role": Role.ORG_ADMIN}
    )  # is_active unticked
    assert response.status_code == 200
    admin.refresh_from_db()
    assert admin.is_active


def test_who_sees_which_staff(org, member_of, program_in, client_for):
    from programs.models import Membership as M

    east, west = program_in(org, name="East"), program_in(org, name="West")
    peer_east = member_of(org, Role.PEER_SUPPORTER, programs=[east])
    peer_west = member_of(org, Role.PEER_SUPPORTER, programs=[west])
    manager_east = member_of(org, Role.PROGRAM_MANAGER, programs=[east])
    admin = member_of(org, Role.ORG_ADMIN)
    seen = lambda m: set(M.objects.for_member(m))  # noqa: E731
    assert seen(peer_east) == {peer_east}
    assert seen(manager_east) == {manager_east, peer_east}
    assert seen(admin) == {peer_east, peer_west, manager_east, admin}


def test_a_program_called_new_gets_an_address_that_works(org, member_of, client_for):
    client = client_for(member_of(org, Role.PROGRAM_MANAGER))
    response = client.post(reverse("program_create"), {"name": "New", "is_active": "on"})
    assert response.status_code == 302
    program = Program.objects.get(organization=org, name="New")
    assert program.slug != "new"
    # The manager who made it works in it, so its page opens for them.
    assert client.get(response["Location"]).status_code == 200


def test_saving_a_member_keeps_their_closed_programs(org, member_of, client_for, program_in):
    closed = program_in(org, name="Old Pilot", is_active=False)
    peer = member_of(org, Role.PEER_SUPPORTER, programs=[closed])
    client = client_for(member_of(org, Role.ORG_ADMIN))
    form = client.get(reverse("member_edit", args=[peer.pk])).context["form"]
    response = client.post(
        reverse("member_edit", args=[peer.pk]),
        {
            "role": Role.PEER_SUPPORTER,
            "is_active": "on",
            "programs": [p.pk for p in form.initial["programs"]],
        },
    )
    assert response.status_code == 302
    assert list(peer.programs.all()) == [closed]


def test_a_manager_sees_the_real_staff_count_of_each_program(
    org, member_of, client_for, program_in
):
    program = program_in(org, name="Bridge")
    manager = member_of(org, Role.PROGRAM_MANAGER, programs=[program])
    for _ in range(4):
        member_of(org, Role.PEER_SUPPORTER, mfa=False, programs=[program])
    page = client_for(manager).get(reverse("program_list"))
    [row] = page.context["programs"]
    assert row.staff_count == 5
