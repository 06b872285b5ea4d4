"""Supervisors' licenses: kept by managers and admins, never by the supervisor."""

from __future__ import annotations

import pytest
from django.urls import reverse

from programs.models import AuditEvent
from supervision import events as supervision_events
from supervision.services.supervisors import supervisor_eligible_on
from tests.supervision.factories import DAY

pytestmark = pytest.mark.django_db


def test_a_supervisor_cannot_change_their_own_license(sup, client_for):
    c = client_for(sup.rookie)
    url = reverse("supervisor_edit", args=[sup.rookie.pk])
    response = c.post(
        url,
        {
            "license_type": "professional_counselor",
            "license_number": "LCPC-9",
            "licensed_on": "2010-01-01",
            "supervision_ceu_hours": "0",
        },
    )
    assert response.status_code == 403
    assert not supervisor_eligible_on(sup.rookie, DAY)
    changed = AuditEvent.objects.filter(event=supervision_events.SUPERVISOR_UPDATED)
    assert list(changed.values_list("actor", "subject_id")) == [
        (None, str(p.pk))
        for p in (sup.rookie.supervisor_profile, sup.supervisor.supervisor_profile)
    ]
