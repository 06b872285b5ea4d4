"""Written supervision agreements: who supervises which peer from when, signed by both;
signed and in force, an agreement satisfies the peer's checklist item "written
agreement"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from certification.models import PeerProfile, Requirement
from config.accounts.models import User
from programs.audit import audit_record
from programs.models import Membership, Organization, Role
from programs.uploads import validate_upload
from supervision import events as supervision_events
from supervision.models import SupervisionAgreement, signed_and_active_on
from supervision.services.supervisors import (
    IN_THE_FUTURE,
    NOT_A_PEER,
    NOT_A_SUPERVISOR,
    not_eligible_reason,
    supervisor_eligible_on,
)

ENDS_BEFORE_START = "The end date is before the start."


@dataclass
class AgreementInput:
    supervisor: Membership
    supervisee: Membership
    starts_on: dt.date
    ends_on: dt.date | None = None
    supervisor_signed_on: dt.date | None = None
    supervisee_signed_on: dt.date | None = None


@transaction.atomic
def agreement_save(
    *,
    organization: Organization,
    actor: User | None,
    data: AgreementInput,
    agreement: SupervisionAgreement | None = None,
    document: File | None = None,
    ip_address: str | None = None,
) -> SupervisionAgreement:
    """Record a written supervision agreement (new, or its dates and signatures). A new one
    needs a supervisor eligible to supervise peers. Once signed by both and in force, it
    satisfies the peer's checklist item "written agreement"."""
    today = organization.today()
    errors: dict[str, str] = {}
    sup, peer = data.supervisor, data.supervisee
    if sup.organization_id != organization.pk or sup.role != Role.CLINICAL_SUPERVISOR:
        errors["supervisor"] = NOT_A_SUPERVISOR
    elif (
        agreement is None
        or agreement.supervisor_id != sup.pk
        or agreement.starts_on != data.starts_on
    ) and not supervisor_eligible_on(sup, data.starts_on):
        # Named on a new agreement, or newly named or moved: eligible from its first day.
        errors["supervisor"] = not_eligible_reason(sup)
    if peer.organization_id != organization.pk or peer.role != Role.PEER_SUPPORTER:
        errors["supervisee"] = NOT_A_PEER
    if data.ends_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = ENDS_BEFORE_START
    for f in ("supervisor_signed_on", "supervisee_signed_on"):
        signed = getattr(data, f)
        if signed is not None and signed > today:
            errors[f] = IN_THE_FUTURE
    if document is not None:
        try:
            validate_upload(document)
        except ValidationError as refused:
            errors["document"] = refused.messages[0]
    if errors:
        raise ValidationError(errors)
    creating = agreement is None
    tracked = (
        "supervisor_id",
        "supervisee_id",
        "starts_on",
        "ends_on",
        "supervisor_signed_on",
        "supervisee_signed_on",
    )
    if agreement is None:
        agreement = SupervisionAgreement(created_by=actor)
        before: dict[str, str] = {}
    else:
        agreement = SupervisionAgreement.objects.select_for_update().get(pk=agreement.pk)
        before = {f: str(getattr(agreement, f) or "") for f in tracked}
    for f in ("supervisor", "supervisee", "starts_on", "ends_on"):
        setattr(agreement, f, getattr(data, f))
    agreement.supervisor_signed_on = data.supervisor_signed_on
    agreement.supervisee_signed_on = data.supervisee_signed_on
    if document is not None:
        agreement.document = document
    agreement.save()
    audit_record(
        actor=actor,
        organization=organization,
        event=supervision_events.AGREEMENT_CREATED
        if creating
        else supervision_events.AGREEMENT_UPDATED,
        subject=agreement,
        ip_address=ip_address,
        data={
            "signed": agreement.is_signed,
            "not_therapist_confirmed": True,
            "document_replaced": document is not None,
            "changed": {
                f: [before.get(f, ""), str(getattr(agreement, f) or "")]
                for f in tracked
                if before.get(f, "") != str(getattr(agreement, f) or "")
            },
        },
    )
    _mark_written_agreement(agreement, actor=actor, today=today)
    return agreement


def _mark_written_agreement(
    agreement: SupervisionAgreement, *, actor: User | None, today: dt.date
) -> None:
    """A signed agreement in force ticks the peer's checklist item, with the agreement as
    its evidence (once)."""
    if (
        not SupervisionAgreement.objects.filter(pk=agreement.pk)
        .filter(signed_and_active_on(today))
        .exists()
    ):
        return
    profile = PeerProfile.objects.filter(membership=agreement.supervisee).first()
    if profile is None:
        return
    from certification.rules import requirements_for_trail
    from certification.services import checklist_mark

    requirement = Requirement.SUPERVISION_AGREEMENT
    if requirement not in requirements_for_trail(profile.trail):
        return
    done = profile.checklist.filter(requirement=requirement, completed_on__isnull=False)
    if done.exists():
        return
    signed = max(d for d in (agreement.supervisor_signed_on, agreement.supervisee_signed_on) if d)
    checklist_mark(
        profile=profile,
        requirement=requirement,
        actor=actor,
        completed_on=signed,
        note=f"Agreement with {agreement.supervisor.user} from {agreement.starts_on}",
    )
