"""Readiness self-assessment: record answers, require and track a plan below the threshold.

Services (writes) and selectors (reads) for the one feature, kept together because each is
small; they follow the same rules as programs.services and programs.selectors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from config.accounts.models import User
from programs import audit
from programs.access import rule_for
from programs.audit import audit_record
from programs.models import (
    Membership,
    Organization,
    ReadinessAction,
    ReadinessAnswer,
    ReadinessAssessment,
    Role,
)
from programs.rules import READINESS_STATEMENTS, plan_deadline, readiness_verdict
from programs.services import OWNER_NOT_A_MEMBER

EVERY_STATEMENT_NEEDS_AN_ANSWER = "Answer yes or no to every statement."
DATE_NOT_LATER_THAN_TODAY = "Use the date the assessment was made (not later than today)."
ACTION_NEEDED = "Below the threshold, every 'no' needs an action, an owner and a target date."
TARGET_WITHIN_A_YEAR = "Choose a target date between the assessment and {deadline}."


def _managers_only(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    if membership.role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER):
        return qs
    return qs.none()


rule_for(ReadinessAssessment)(_managers_only)
rule_for(ReadinessAction)(_managers_only)


def verdict_for(assessment: ReadinessAssessment) -> Any:
    return readiness_verdict(
        yes=assessment.yes_count,
        total=assessment.total,
        threshold_percent=settings.READINESS_THRESHOLD_PERCENT,
    )


@transaction.atomic
def readiness_assessment_record(
    *,
    organization: Organization,
    actor: User,
    assessed_on: dt.date,
    answers: dict[str, tuple[bool, str]],
    notes: str = "",
    submission_key: str | None = None,
    ip_address: str | None = None,
) -> ReadinessAssessment:
    """Keep one answering of the ten statements (every assessment is kept)."""
    if set(answers) != set(READINESS_STATEMENTS):
        raise ValidationError(EVERY_STATEMENT_NEEDS_AN_ANSWER)
    today = organization.today()
    if not dt.date(2000, 1, 1) <= assessed_on <= today:
        raise ValidationError({"assessed_on": DATE_NOT_LATER_THAN_TODAY})
    if submission_key:
        already = ReadinessAssessment.objects.filter(submission_key=submission_key).first()
        if already is not None:
            return already
    try:
        with transaction.atomic():
            assessment = _assessment_create(
                organization, actor, assessed_on, answers, notes, submission_key
            )
    except IntegrityError:  # the same form, sent twice at the same moment
        return ReadinessAssessment.objects.get(submission_key=submission_key)
    audit_record(
        actor=actor,
        organization=organization,
        event=audit.READINESS_ASSESSED,
        subject=assessment,
        ip_address=ip_address,
        data={"yes": assessment.yes_count, "total": assessment.total},
    )
    return assessment


def _assessment_create(
    organization: Organization,
    actor: User,
    assessed_on: dt.date,
    answers: dict[str, tuple[bool, str]],
    notes: str,
    submission_key: str | None,
) -> ReadinessAssessment:
    assessment = ReadinessAssessment.objects.create(
        organization=organization,
        assessed_on=assessed_on,
        assessed_by=actor,
        yes_count=sum(1 for yes, _ in answers.values() if yes),
        total=len(READINESS_STATEMENTS),
        notes=notes,
        submission_key=submission_key or None,
    )
    ReadinessAnswer.objects.bulk_create(
        ReadinessAnswer(assessment=assessment, statement=code, answer=yes, comment=comment)
        for code, (yes, comment) in answers.items()
    )
    return assessment


@dataclass(frozen=True)
class PlannedAction:
    action: str
    owner: User | None
    target_date: dt.date | None


@transaction.atomic
def readiness_plan_save(
    *,
    assessment: ReadinessAssessment,
    actor: User,
    actions: dict[str, PlannedAction],
    ip_address: str | None = None,
) -> list[ReadinessAction]:
    """Save the plan for the 'no' answers. Below the threshold every 'no' needs an action
    with an owner and a target date within a year of the assessment."""
    noes = list(assessment.answers.filter(answer=False).values_list("statement", flat=True))
    deadline = plan_deadline(assessment.assessed_on, days=settings.READINESS_PLAN_DAYS)
    members = set(
        Membership.objects.filter(organization=assessment.organization, is_active=True).values_list(
            "user_id", flat=True
        )
    )
    errors: dict[str, list[str]] = {}
    required = verdict_for(assessment).needs_plan
    for code in noes:
        planned = actions.get(code)
        if planned is None or not planned.action.strip():
            if required:
                errors[f"{code}_action"] = [ACTION_NEEDED]
            continue
        if planned.owner is None or planned.owner.pk not in members:
            errors[f"{code}_owner"] = [OWNER_NOT_A_MEMBER]
        if planned.target_date is None or not (
            assessment.assessed_on <= planned.target_date <= deadline
        ):
            errors[f"{code}_target"] = [TARGET_WITHIN_A_YEAR.format(deadline=deadline)]
    if errors:
        raise ValidationError(errors)
    saved = []
    for code in noes:
        planned = actions.get(code)
        if planned is None or not planned.action.strip():
            continue
        item, _ = ReadinessAction.objects.update_or_create(
            assessment=assessment,
            statement=code,
            defaults={
                "action": planned.action.strip(),
                "owner": planned.owner,
                "target_date": planned.target_date,
            },
        )
        saved.append(item)
    audit_record(
        actor=actor,
        organization=assessment.organization,
        event=audit.READINESS_PLANNED,
        subject=assessment,
        ip_address=ip_address,
        data={"actions": len(saved)},
    )
    return saved


@transaction.atomic
def readiness_action_done(
    *,
    action: ReadinessAction,
    actor: User,
    done_on: dt.date | None,
    ip_address: str | None = None,
) -> ReadinessAction:
    action.done_on = done_on
    action.save(update_fields=["done_on"])
    audit_record(
        actor=actor,
        organization=action.assessment.organization,
        event=audit.READINESS_ACTION_DONE,
        subject=action,
        ip_address=ip_address,
        data={"done_on": str(done_on or "")},
    )
    return action


def readiness_history(membership: Membership) -> list[ReadinessAssessment]:
    """Every assessment the member may see, oldest first (for the trend)."""
    return list(
        ReadinessAssessment.objects.for_member(membership)
        .select_related("assessed_by")
        .order_by("assessed_on", "pk")
    )
