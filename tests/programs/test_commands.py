from __future__ import annotations

import time
from io import StringIO

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from config.accounts.models import User
from programs import audit
from programs.demo import DEMO_ORG_SLUG, DEMO_STAFF, current_demo_code
from programs.models import AuditEvent, Membership, Organization, Program, Role

pytestmark = pytest.mark.django_db


def test_create_organization_is_idempotent():
    out = StringIO()
    call_command("create_organization", "valley", "--name", "Valley Peer Network", stdout=out)
    call_command("create_organization", "valley", "--name", "Another name", stdout=out)
    assert Organization.objects.filter(slug="valley").count() == 1
    assert Organization.objects.get(slug="valley").name == "Valley Peer Network"
    assert "Already there" in out.getvalue()
    assert AuditEvent.objects.filter(event=audit.ORGANIZATION_CREATED).count() == 1


def _counts() -> tuple[int, ...]:
    from certification.models import Certification, CeuEntry, SentReminder
    from programs.models import Notification

    models = (
        Organization,
        Program,
        User,
        Membership,
        Authenticator,
        CeuEntry,
        Certification,
        SentReminder,
        Notification,
    )
    return tuple(model.objects.count() for model in models)


def test_seed_demo_refuses_without_demo_mode(settings):
    from django.core.management.base import CommandError

    from programs.management.commands.seed_demo import DEMO_ONLY

    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="runs only with DEMO_MODE on"):
        call_command("seed_demo", stdout=StringIO())
    assert DEMO_ONLY.startswith("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_is_idempotent_and_prints_every_login(settings):
    settings.DEMO_MODE = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first
    org = Organization.objects.get(slug=DEMO_ORG_SLUG)
    assert org.programs.count() == 2
    roles = list(
        Membership.objects.filter(organization=org, is_active=True).values_list("role", flat=True)
    )
    assert roles.count(Role.PEER_SUPPORTER) == 6
    assert roles.count(Role.CLINICAL_SUPERVISOR) == 2
    assert roles.count(Role.PROGRAM_MANAGER) == 1
    for email, *_ in DEMO_STAFF:
        assert email in out.getvalue()
    # one upcoming session takes people from elsewhere; the rest stay the org's own
    from training.models import TrainingSession

    sessions = TrainingSession.objects.filter(course__organization=org)
    assert sessions.filter(open_to_other_organizations=True).count() == 1
    assert sessions.filter(open_to_other_organizations=False).exists()


@pytest.mark.parametrize("email", ["admin@demo.peerpath.test", "peer@demo.peerpath.test"])
def test_a_demo_login_works_with_the_shown_code(settings, email):
    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=StringIO())
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": email, "password": settings.DEMO_PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    with time_machine.travel(time.time(), tick=False):  # made and checked in one 30 s step
        response = client.post(reverse("mfa_authenticate"), {"code": current_demo_code()})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
