"""The one place that decides who may see and do what.

Two layers, both applied by `scope()`:
1. Organization isolation, for every model: only rows of the member's active organization.
   A model says where its organization is with `organization_lookup`. A row of another
   organization is never returned, so views built on `scope()` answer 404 for it.
2. Role rules inside the organization, registered per model with `@rule_for(Model)` by the
   app that owns the model (a peer sees own clients, a supervisor supervisees' work...).

Views never filter by organization or role themselves: they call
`Model.objects.for_member(request.membership)` (or `scoped_object_or_404`) and `can()`.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from programs.models import Membership

M = TypeVar("M", bound=models.Model)
Rule = Callable[[models.QuerySet[Any], "Membership"], models.QuerySet[Any]]

_RULES: dict[type[models.Model], Rule] = {}


class ScopedQuerySet(models.QuerySet[M]):
    def for_member(self, membership: Membership | None) -> Self:
        """Rows of this queryset the member may see in their active organization."""
        return scope(self, membership)


def rule_for(model: type[models.Model]) -> Callable[[Rule], Rule]:
    """Register the in-organization visibility rule for `model` (one per model)."""

    def register(rule: Rule) -> Rule:
        if model in _RULES and _RULES[model] is not rule:
            raise RuntimeError(f"A visibility rule for {model.__name__} is already registered.")
        _RULES[model] = rule
        return rule

    return register


def scope(queryset: models.QuerySet[M], membership: Membership | None) -> Any:
    if membership is None or not membership.is_active or not membership.user.is_active:
        return queryset.none()
    model = queryset.model
    lookup = getattr(model, "organization_lookup", None)
    if lookup is None:
        raise TypeError(f"{model.__name__} has no organization_lookup; it cannot be scoped.")
    scoped = queryset.filter(**{lookup: membership.organization_id})
    rule = _RULES.get(model)
    return rule(scoped, membership) if rule else scoped


# Who a supervisor supervises is the supervision app's to say (agreements live there), yet
# the apps below it (clients, encounters) scope their rows by it. Supervision registers the
# answer when it starts, so no app has to import one above it.
SuperviseeIds = Callable[["Membership"], models.QuerySet[Any]]
_SUPERVISEES: list[SuperviseeIds] = []


def supervisees_answered_by(provider: SuperviseeIds) -> SuperviseeIds:
    """Register the function giving the ids of the members a supervisor supervises today."""
    if _SUPERVISEES and _SUPERVISEES[0] is not provider:
        raise RuntimeError("Who supervises whom is already answered by another function.")
    _SUPERVISEES[:] = [provider]
    return provider


def supervisee_ids(supervisor: Membership) -> models.QuerySet[Any]:
    """Ids of the members `supervisor` supervises under an agreement in force today, as a
    subquery; nobody while no app has registered the answer."""
    if not _SUPERVISEES:
        from programs.models import Membership

        return Membership.objects.none().values("pk")
    return _SUPERVISEES[0](supervisor)


def scoped_object_or_404(
    queryset: models.QuerySet[M], membership: Membership | None, **lookup: Any
) -> M:
    obj: M | None = scope(queryset, membership).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


class Capability(StrEnum):
    MANAGE_MEMBERS = "manage_members"
    MANAGE_PROGRAMS = "manage_programs"
    VIEW_PROGRAMS = "view_programs"
    VIEW_AUDIT_LOG = "view_audit_log"
    VIEW_TEAM_CERTIFICATION = "view_team_certification"
    MANAGE_CERTIFICATION = "manage_certification"
    KEEP_OWN_CERTIFICATION = "keep_own_certification"
    MANAGE_READINESS = "manage_readiness"
    LOG_ENCOUNTERS = "log_encounters"
    VIEW_ENCOUNTERS = "view_encounters"
    CORRECT_ENCOUNTERS = "correct_encounters"
    MANAGE_CLIENTS = "manage_clients"
    VIEW_SURVEY_RESULTS = "view_survey_results"
    EDIT_SURVEY = "edit_survey"
    MANAGE_PAYERS = "manage_payers"
    VIEW_SUPERVISION = "view_supervision"
    WRITE_SUPERVISION_LOGS = "write_supervision_logs"
    MANAGE_SUPERVISION = "manage_supervision"
    RECORD_OWN_HOURS = "record_own_hours"
    VIEW_REPORTS = "view_reports"
    MANAGE_COSTS = "manage_costs"
    RUN_TRAINING = "run_training"
    VIEW_STAFF_TRAINING = "view_staff_training"
    # The Import page: staff, encounters, CEUs, hours and paper logs from a spreadsheet.
    IMPORT_DATA = "import_data"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "org_admin": frozenset(Capability)
    - {
        Capability.KEEP_OWN_CERTIFICATION,
        Capability.LOG_ENCOUNTERS,
        Capability.WRITE_SUPERVISION_LOGS,
        Capability.RECORD_OWN_HOURS,
    },
    "program_manager": frozenset(
        {
            Capability.MANAGE_PROGRAMS,
            Capability.VIEW_PROGRAMS,
            Capability.VIEW_TEAM_CERTIFICATION,
            Capability.MANAGE_CERTIFICATION,
            Capability.MANAGE_READINESS,
            Capability.VIEW_ENCOUNTERS,
            Capability.CORRECT_ENCOUNTERS,
            Capability.MANAGE_CLIENTS,
            Capability.VIEW_SURVEY_RESULTS,
            Capability.VIEW_SUPERVISION,
            Capability.MANAGE_SUPERVISION,
            Capability.VIEW_REPORTS,
            Capability.VIEW_STAFF_TRAINING,
            Capability.IMPORT_DATA,
        }
    ),
    "clinical_supervisor": frozenset(
        {
            Capability.VIEW_PROGRAMS,
            Capability.VIEW_TEAM_CERTIFICATION,
            Capability.VIEW_ENCOUNTERS,
            Capability.VIEW_SUPERVISION,
            Capability.WRITE_SUPERVISION_LOGS,
        }
    ),
    "peer_supporter": frozenset(
        {
            Capability.VIEW_PROGRAMS,
            Capability.KEEP_OWN_CERTIFICATION,
            Capability.LOG_ENCOUNTERS,
            Capability.VIEW_ENCOUNTERS,
            Capability.VIEW_SUPERVISION,
            Capability.RECORD_OWN_HOURS,
        }
    ),
    # Runs the organization's training sessions: rosters, attendance, exam scores.
    "trainer": frozenset({Capability.RUN_TRAINING}),
}


def can(membership: Membership | None, capability: Capability) -> bool:
    if membership is None or not membership.is_active:
        return False
    return capability in ROLE_CAPABILITIES.get(membership.role, frozenset())


def capabilities(membership: Membership | None) -> dict[str, bool]:
    """Every capability as a flag, for role-aware navigation in templates."""
    return {c.value: can(membership, c) for c in Capability}
