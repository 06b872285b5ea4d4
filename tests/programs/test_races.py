"""Concurrent writes that must not both pass the same check. PostgreSQL only: SQLite
serializes every write anyway, and CI runs the suite on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from programs.models import Invitation, Membership, Role
from programs.services import LAST_ADMIN, invitation_create, membership_update

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real row locks"),
]


def _in_thread(target, errors):
    def run():
        try:
            target()
        except Exception as exc:  # the test inspects what each side saw
            errors.append(exc)
        finally:
            connections.close_all()

    t = threading.Thread(target=run)
    t.start()
    return t


def test_two_admins_demoting_each_other_at_once_leave_one_admin(org, member_of):
    a = member_of(org, Role.ORG_ADMIN)
    b = member_of(org, Role.ORG_ADMIN)
    a_wrote = threading.Event()
    errors_a: list[Exception] = []
    errors_b: list[Exception] = []

    def first():
        # Demote B and hold the transaction open until the other side is waiting.
        with transaction.atomic():
            membership_update(membership=b, actor=a.user, role=Role.PEER_SUPPORTER, programs=[])
            a_wrote.set()
            threading.Event().wait(1.0)

    def second():
        a_wrote.wait(5)
        membership_update(membership=a, actor=b.user, role=Role.PEER_SUPPORTER, programs=[])

    threads = [_in_thread(first, errors_a), _in_thread(second, errors_b)]
    for t in threads:
        t.join(20)
    assert not errors_a
    assert len(errors_b) == 1 and isinstance(errors_b[0], ValidationError)
    assert LAST_ADMIN in errors_b[0].messages
    admins = Membership.objects.filter(organization=org, role=Role.ORG_ADMIN, is_active=True)
    assert list(admins) == [a]


def test_two_simultaneous_invitations_to_one_address_make_one(org, member_of):
    admin = member_of(org, Role.ORG_ADMIN)
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def invite():
        barrier.wait(5)
        invitation_create(
            organization=org,
            email="twice@example.org",
            role=Role.PEER_SUPPORTER,
            invited_by=admin.user,
        )

    threads = [_in_thread(invite, errors) for _ in range(2)]
    for t in threads:
        t.join(20)
    assert Invitation.objects.filter(email="twice@example.org").count() == 1
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
