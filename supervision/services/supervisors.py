"""Who takes part in supervision: a clinical supervisor's license and whether it lets them
supervise peers on a day, and the refusals every supervision write shares (not a
supervisor, not a peer, a date still to come)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from config.accounts.models import User
from programs.audit import audit_record
from programs.models import Membership, Role
from supervision import events as supervision_events
from supervision import rules
from supervision.models import SupervisorProfile

NOT_A_SUPERVISOR = "Choose a clinical supervisor of this organization."
NOT_A_PEER = "Choose a peer supporter of this organization."
IN_THE_FUTURE = "This date has not happened yet."
SUPERVISOR_NOT_ELIGIBLE = (
    "{name} may not supervise peers yet: a license and either {years} years since "
    "licensure or {ceus} hours of clinical-supervision CEUs are needed."
)


def supervisor_profile_for(membership: Membership) -> SupervisorProfile:
    profile, _ = SupervisorProfile.objects.get_or_create(membership=membership)
    return profile


def supervisor_eligible_on(membership: Membership, day: dt.date) -> bool:
    profile = SupervisorProfile.objects.filter(membership=membership).first()
    if profile is None:
        return False
    return rules.supervisor_eligible_on(
        day,
        license_type=profile.license_type,
        licensed_on=profile.licensed_on,
        ceu_hours=profile.supervision_ceu_hours,
    )


def not_eligible_reason(membership: Membership) -> str:
    """Why `membership` may not supervise peers (yet), for a refusal."""
    return SUPERVISOR_NOT_ELIGIBLE.format(
        name=membership.user,
        years=settings.SUPERVISOR_YEARS_LICENSED,
        ceus=settings.SUPERVISOR_CEU_HOURS,
    )


@transaction.atomic
def supervisor_profile_save(
    *,
    membership: Membership,
    actor: User | None,
    license_type: str,
    license_number: str,
    licensed_on: dt.date | None,
    supervision_ceu_hours: Decimal = Decimal(0),
    ip_address: str | None = None,
) -> SupervisorProfile:
    if membership.role != Role.CLINICAL_SUPERVISOR:
        raise ValidationError(NOT_A_SUPERVISOR)
    profile = supervisor_profile_for(membership)
    fields = ("license_type", "license_number", "licensed_on", "supervision_ceu_hours")
    before = {f: str(getattr(profile, f) or "") for f in fields}
    profile.license_type = license_type
    profile.license_number = license_number.strip()
    profile.licensed_on = licensed_on
    profile.supervision_ceu_hours = supervision_ceu_hours
    profile.full_clean()
    profile.save()
    audit_record(
        actor=actor,
        organization=membership.organization,
        event=supervision_events.SUPERVISOR_UPDATED,
        subject=profile,
        ip_address=ip_address,
        data={
            "before": before,
            "after": {f: str(getattr(profile, f) or "") for f in fields},
        },
    )
    return profile
