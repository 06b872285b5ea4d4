"""Invitations: the only way into an organization. Tested through HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from config.accounts.models import User
from programs import audit
from programs.models import AuditEvent, Invitation, Membership, Role
from programs.services import ALREADY_A_MEMBER, ALREADY_INVITED

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a-long-and-unusual-passphrase"


def _invite(client, email="new.peer@example.org", role=Role.PEER_SUPPORTER, programs=()):
    return client.post(
        reverse("invitation_create"),
        {"email": email, "role": role, "programs": [p.pk for p in programs]},
    )


def _link_from_last_email() -> str:
    match = re.search(r"https?://\S+/invite/(\S+)/", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return reverse("invitation_accept", args=[match.group(1)])


def _accept_as_new(client, link, **overrides):
    data = {
        "first_name": "Robin",
        "last_name": "Hale",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }
    return client.post(link, data)


def test_admin_invites_and_the_person_joins_with_the_right_role(
    org, member_of, client_for, program_in
):
    program = program_in(org)
    admin = member_of(org, Role.ORG_ADMIN)
    response = _invite(client_for(admin), programs=[program])
    assert response.status_code == 302

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.peer@example.org"]
    assert org.name in message.subject

    from django.test import Client

    visitor = Client()
    link = _link_from_last_email()
    assert visitor.get(link).status_code == 200
    response = _accept_as_new(visitor, link)
    assert response.status_code == 302

    user = User.objects.get(email="new.peer@example.org")
    membership = Membership.objects.get(user=user, organization=org)
    assert membership.role == Role.PEER_SUPPORTER
    assert list(membership.programs.all()) == [program]
    assert user.check_password(NEW_PASSWORD)
    # Signed in straight away, and the link cannot be used a second time.
    assert visitor.get(reverse("home")).status_code == 200
    assert Client().get(link).status_code == 410
    assert AuditEvent.objects.filter(event=audit.INVITATION_ACCEPTED, actor=user).count() == 1


def test_an_expired_link_is_refused(org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN)
    _invite(client_for(admin))
    link = _link_from_last_email()
    from django.test import Client

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert Client().get(link).status_code == 410
        response = _accept_as_new(Client(), link)
        assert response.status_code == 410
    assert not User.objects.filter(email="new.peer@example.org").exists()


def test_a_link_still_works_just_before_it_expires(org, member_of, client_for, settings):
    admin = member_of(org, Role.ORG_ADMIN)
    _invite(client_for(admin))
    link = _link_from_last_email()
    from django.test import Client

    with time_machine.travel(timezone.now() + settings.INVITATION_VALID_FOR - timedelta(minutes=1)):
        assert _accept_as_new(Client(), link).status_code == 302


def test_a_double_submitted_invitation_sends_one_link(org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN)
    c = client_for(admin)
    assert _invite(c).status_code == 302
    second = _invite(c)
    assert second.status_code == 200
    assert ALREADY_INVITED in second.content.decode()
    assert Invitation.objects.filter(email="new.peer@example.org").count() == 1
    assert len(mail.outbox) == 1


def test_inviting_an_active_member_is_refused_by_the_field(org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN)
    peer = member_of(org, Role.PEER_SUPPORTER)
    response = _invite(client_for(admin), email=peer.user.email)
    assert response.status_code == 200
    assert ALREADY_A_MEMBER in response.content.decode()
    assert len(mail.outbox) == 0


def test_resend_gives_a_new_link_and_kills_the_old_one(org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN)
    c = client_for(admin)
    _invite(c)
    old_link = _link_from_last_email()
    invitation = Invitation.objects.get()
    assert c.post(reverse("invitation_resend", args=[invitation.pk])).status_code == 302
    new_link = _link_from_last_email()
    assert new_link != old_link
    from django.test import Client

    assert Client().get(old_link).status_code == 410
    assert Client().get(new_link).status_code == 200


def test_a_withdrawn_invitation_cannot_be_used(org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN)
    c = client_for(admin)
    _invite(c)
    link = _link_from_last_email()
    c.post(reverse("invitation_revoke", args=[Invitation.objects.get().pk]))
    from django.test import Client

    assert _accept_as_new(Client(), link).status_code == 410


def test_weak_or_mismatched_passwords_keep_what_was_typed(org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN)
    _invite(client_for(admin))
    link = _link_from_last_email()
    from django.test import Client

    response = _accept_as_new(Client(), link, password2="something-else-entirely")
    body = response.content.decode()
    assert response.status_code == 200
    assert "The two passwords do not match." in body
    assert 'value="Robin"' in body and 'value="Hale"' in body
    response = _accept_as_new(Client(), link, password1="12345", password2="12345")
    assert "too short" in response.content.decode()
    assert not User.objects.filter(email="new.peer@example.org").exists()


def test_a_person_with_an_account_joins_a_second_organization_after_signing_in(
    org, other_org, member_of, client_for
):
    supervisor = member_of(other_org, Role.CLINICAL_SUPERVISOR)
    admin = member_of(org, Role.ORG_ADMIN)
    _invite(client_for(admin), email=supervisor.user.email, role=Role.CLINICAL_SUPERVISOR)
    link = _link_from_last_email()
    from django.test import Client

    # Signed out: no second account can be made for the address.
    response = _accept_as_new(Client(), link)
    assert response.status_code == 200
    assert User.objects.filter(email=supervisor.user.email).count() == 1
    # Signed in as that person: joins.
    response = client_for(supervisor).post(link)
    assert response.status_code == 302
    assert Membership.objects.filter(
        user=supervisor.user, organization=org, role=Role.CLINICAL_SUPERVISOR
    ).exists()


def test_only_organization_admins_can_invite(org, member_of, client_for):
    for role in (Role.PROGRAM_MANAGER, Role.CLINICAL_SUPERVISOR, Role.PEER_SUPPORTER):
        member = member_of(org, role)
        assert _invite(client_for(member)).status_code == 403
    assert Invitation.objects.count() == 0


def test_the_invitation_email_repeats_nothing_when_the_task_runs_twice(org, member_of):
    from programs.services import invitation_create
    from programs.tasks import send_invitation_email

    admin = member_of(org, Role.ORG_ADMIN)
    invitation, token = invitation_create(
        organization=org, email="x@example.org", role=Role.PEER_SUPPORTER, invited_by=admin.user
    )
    assert len(mail.outbox) == 1  # sent once on commit
    assert send_invitation_email(invitation_id=invitation.pk, token=token) is False
    assert len(mail.outbox) == 1


def test_the_invitation_form_offers_only_this_organizations_programs(
    org, other_org, member_of, client_for, program_in
):
    program_in(org, name="Street Outreach")
    program_in(other_org, name="Their Secret Program")
    page = client_for(member_of(org, Role.ORG_ADMIN)).get(reverse("invitation_create"))
    body = page.content.decode()
    assert re.search(r'<input[^>]*type="checkbox"[^>]*name="programs"', body)
    assert "Street Outreach" in body
    assert "Their Secret Program" not in body


def test_withdrawing_with_htmx_returns_only_the_refreshed_list(org, member_of, client_for):
    admin = member_of(org, Role.ORG_ADMIN)
    c = client_for(admin)
    _invite(c, email="first@example.org")
    _invite(c, email="second@example.org")
    first = Invitation.objects.get(email="first@example.org")
    response = c.post(reverse("invitation_revoke", args=[first.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="invitation-list"' in body
    assert "<html" not in body
    assert "second@example.org" in body and "first@example.org was withdrawn" in body
    assert "first@example.org ·" not in body


def test_an_invitation_never_rewrites_a_current_members_role(org, member_of, client_for):
    from programs.services import invitation_accept, invitation_create

    admin = member_of(org, Role.ORG_ADMIN)
    invitation, _ = invitation_create(
        organization=org,
        email="later.admin@example.org",
        role=Role.PEER_SUPPORTER,
        invited_by=admin.user,
    )
    # Meanwhile the person becomes a member some other way (an import, say).
    from programs.services import membership_ensure

    member, _ = membership_ensure(
        organization=org,
        email="later.admin@example.org",
        first_name="L",
        last_name="A",
        role=Role.PROGRAM_MANAGER,
        programs=[],
    )
    invitation.refresh_from_db()
    assert not invitation.is_usable  # the import withdrew the older invitation
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        invitation_accept(invitation=invitation, user=member.user)
    member.refresh_from_db()
    assert member.role == Role.PROGRAM_MANAGER


def test_deactivating_a_person_withdraws_their_open_invitation(org, member_of, client_for):
    from programs.services import invitation_create, membership_update

    admin = member_of(org, Role.ORG_ADMIN)
    peer = member_of(org, Role.PEER_SUPPORTER)
    membership_update(
        membership=peer, actor=admin.user, role=peer.role, programs=[], is_active=False
    )
    invitation, _ = invitation_create(
        organization=org, email=peer.user.email, role=Role.ORG_ADMIN, invited_by=admin.user
    )
    membership_update(
        membership=peer, actor=admin.user, role=peer.role, programs=[], is_active=False
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_a_signed_in_person_cannot_accept_someone_elses_invitation(
    org, other_org, member_of, client_for
):
    admin = member_of(org, Role.ORG_ADMIN)
    _invite(client_for(admin), email="intended@example.org")
    link = _link_from_last_email()
    outsider = member_of(other_org, Role.PEER_SUPPORTER)
    response = client_for(outsider).post(link)
    assert response.status_code == 200
    assert not Membership.objects.filter(user=outsider.user, organization=org).exists()
