"""Reads about supervision: who supervises whom, who may see which log, hours and the
monthly ratio (database aggregation, a fixed number of queries)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from programs.access import rule_for
from programs.models import Membership, Organization, Program, Role
from supervision import rules
from supervision.models import (
    Acknowledgment,
    HoursWorked,
    LogAttendee,
    RecordExport,
    SupervisionAgreement,
    SupervisionLog,
    SupervisorProfile,
    active_on,
    signed_log,
)


def supervisee_ids(supervisor: Membership, *, day: dt.date | None = None) -> QuerySet[Any]:
    """Ids of the memberships `supervisor` supervises under an agreement in force on `day`
    (today by default), as a subquery."""
    if day is None:
        day = supervisor.organization.today()
    return (
        SupervisionAgreement.objects.filter(supervisor=supervisor)
        .filter(active_on(day))
        .values("supervisee_id")
    )


def _program_peer_ids(membership: Membership) -> QuerySet[Any]:
    """Members of the programs a manager manages, as a subquery."""
    programs = Program.objects.for_member(membership).values("pk")
    return Membership.objects.filter(programs__in=programs).values("pk")


@rule_for(SupervisionAgreement)
def _agreements_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """Admins see every agreement; managers those of their programs' peers; a supervisor
    or peer their own."""
    if membership.role == Role.ORG_ADMIN:
        return qs
    if membership.role == Role.PROGRAM_MANAGER:
        return qs.filter(supervisee__in=_program_peer_ids(membership))
    return qs.filter(Q(supervisor=membership) | Q(supervisee=membership))


@rule_for(SupervisorProfile)
def _supervisors_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """Admins and managers see every supervisor's license; a supervisor their own."""
    if membership.role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER):
        return qs
    return qs.filter(membership=membership)


@rule_for(HoursWorked)
def _hours_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """A peer sees own hours; a supervisor their supervisees'; a manager their programs'
    peers'; an admin everyone's."""
    if membership.role == Role.ORG_ADMIN:
        return qs
    if membership.role == Role.PEER_SUPPORTER:
        return qs.filter(peer=membership)
    if membership.role == Role.CLINICAL_SUPERVISOR:
        return qs.filter(peer__in=supervisee_ids(membership))
    return qs.filter(peer__in=_program_peer_ids(membership))


@rule_for(SupervisionLog)
def _logs_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """A supervisor sees the logs they wrote; a peer the logs of sessions they attended; a
    manager the logs of their programs' peers; an admin all."""
    if membership.role == Role.ORG_ADMIN:
        return qs
    if membership.role == Role.CLINICAL_SUPERVISOR:
        return qs.filter(supervisor=membership)
    if membership.role == Role.PEER_SUPPORTER:
        own = LogAttendee.objects.filter(supervisee=membership)
        return qs.filter(pk__in=own.values("log_id"))
    managed = LogAttendee.objects.filter(supervisee__in=_program_peer_ids(membership))
    return qs.filter(pk__in=managed.values("log_id"))


@rule_for(LogAttendee)
def _attendees_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    return qs.filter(log__in=SupervisionLog.objects.for_member(membership).values("pk"))


@rule_for(RecordExport)
def _exports_visible(qs: QuerySet[Any], membership: Membership) -> QuerySet[Any]:
    """Who asked for an export sees it; admins see all."""
    if membership.role == Role.ORG_ADMIN:
        return qs
    return qs.filter(requested_by=membership.user_id)


def peers_for(membership: Membership, *, active_only: bool = True) -> QuerySet[Membership]:
    """The peer supporters whose supervision the member follows (by default only those
    still active; their records stay reachable with `active_only=False`)."""
    peers = Membership.objects.filter(
        organization=membership.organization_id, role=Role.PEER_SUPPORTER
    )
    if active_only:
        peers = peers.filter(is_active=True)
    if membership.role == Role.PEER_SUPPORTER:
        return peers.filter(pk=membership.pk)
    if membership.role == Role.CLINICAL_SUPERVISOR:
        return peers.filter(pk__in=supervisee_ids(membership))
    if membership.role == Role.PROGRAM_MANAGER:
        return peers.filter(pk__in=_program_peer_ids(membership))
    return peers


CONFIRMING_ROLES = (Role.ORG_ADMIN, Role.PROGRAM_MANAGER, Role.CLINICAL_SUPERVISOR)


def hours_confirmable_by(by: Membership | None) -> QuerySet[Membership]:
    """The peers whose reported hours `by` may confirm: a supervisor's supervisees (an
    agreement in force), a manager's programs' peers, every peer for an admin; nobody for
    a peer (not even themself) or a trainer."""
    if by is None or not by.is_active or by.role not in CONFIRMING_ROLES:
        return Membership.objects.none()
    return peers_for(by, active_only=False).exclude(pk=by.pk)


def may_confirm_hours(by: Membership | None, peer: Membership) -> bool:
    return hours_confirmable_by(by).filter(pk=peer.pk).exists()


def peers_in_month(peers: QuerySet[Membership], *, year: int, month: int) -> QuerySet[Membership]:
    """Of `peers`, those active now or with hours or supervision in the month: a peer who
    has since left still shows in the months they worked."""
    first, last = rules.month_bounds(year, month)
    worked = HoursWorked.objects.filter(date__range=(first, last)).values("peer_id")
    attended = LogAttendee.objects.filter(log__date__range=(first, last)).values("supervisee_id")
    return peers.filter(Q(is_active=True) | Q(pk__in=worked) | Q(pk__in=attended))


def monthly_ratios(
    peers: QuerySet[Membership], *, start: dt.date, end: dt.date
) -> dict[tuple[int, dt.date], rules.MonthRatio]:
    """The monthly ratio of each of `peers` in each calendar month from `start`'s to
    `end`'s, keyed by (peer id, the month's first day): hours worked, minutes owed for them,
    minutes had in signed sessions they attended (a session counts at its full length for
    each attendee), the balance and whether it complies, and how many of the hours are
    reported by the peer and not yet confirmed (they count, but the figure says so). A
    month with neither hours nor supervision is left out: it owes and has nothing. Two
    queries, whatever the span.

    The ratio page, its CSV, `supervision_compliance`, the short-month warning, the record
    for the Board and the reports all read the ratio from here."""
    first = dt.date(start.year, start.month, 1)
    last = rules.month_bounds(end.year, end.month)[1]
    ids = peers.values("pk")
    hours = {
        (peer, month): (total, unconfirmed)
        for peer, month, total, unconfirmed in HoursWorked.objects.filter(
            peer__in=ids, date__range=(first, last)
        )
        .annotate(month=TruncMonth("date"))
        .values_list("peer", "month")
        .annotate(total=Sum("hours"), unconfirmed=Sum("hours", filter=Q(confirmed_at__isnull=True)))
        .values_list("peer", "month", "total", "unconfirmed")
    }
    received = {
        (peer, month): total
        for peer, month, total in LogAttendee.objects.filter(
            signed_log("log__"), supervisee__in=ids, log__date__range=(first, last)
        )
        .annotate(month=TruncMonth("log__date"))
        .values_list("supervisee", "month")
        .annotate(total=Sum("log__minutes"))
        .values_list("supervisee", "month", "total")
    }
    none = (Decimal(0), Decimal(0))
    return {
        key: rules.month_ratio(
            hours.get(key, none)[0] or Decimal(0),
            received.get(key) or 0,
            hours.get(key, none)[1] or Decimal(0),
        )
        for key in hours.keys() | received.keys()
    }


def empty_month_ratio() -> rules.MonthRatio:
    """The ratio of a month with no hours and no supervision (left out above)."""
    return rules.month_ratio(Decimal(0), 0)


@dataclass(frozen=True)
class PeerMonth:
    peer: Membership
    ratio: rules.MonthRatio


def month_ratios(peers: QuerySet[Membership], *, year: int, month: int) -> list[PeerMonth]:
    """Each of `peers` (by name) with their ratio for one calendar month, in three queries."""
    first, last = rules.month_bounds(year, month)
    peer_list = list(peers.select_related("user").order_by("user__last_name", "user__first_name"))
    ratios = monthly_ratios(peers, start=first, end=last)
    empty = empty_month_ratio()
    return [PeerMonth(p, ratios.get((p.pk, first), empty)) for p in peer_list]


COMPLIANCE_COLUMNS = (
    "email",
    "hours_worked",
    "required_minutes",
    "received_minutes",
    "balance_minutes",
    "compliant",
    "unconfirmed_hours",
    "includes_unconfirmed_hours",
)


def compliance_row(row: PeerMonth) -> dict[str, Any]:
    r = row.ratio
    return {
        "email": row.peer.user.email,
        "hours_worked": r.hours_worked,
        "required_minutes": r.required_minutes,
        "received_minutes": r.received_minutes,
        "balance_minutes": r.balance_minutes,
        "compliant": r.compliant,
        "unconfirmed_hours": r.unconfirmed_hours,
        "includes_unconfirmed_hours": r.rests_on_unconfirmed_hours,
    }


def plain_number(value: Any) -> Any:
    """10 rather than 10.00, 22.5 rather than 22.50: the same figure in every export."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        d = Decimal(value)
        return int(d) if d == d.to_integral_value() else float(d.normalize())
    return value


def compliance_cells(row: PeerMonth) -> dict[str, Any]:
    """A compliance row as exports write it: plain numbers, compliant as true/false."""
    cells = {k: plain_number(v) for k, v in compliance_row(row).items()}
    cells["compliant"] = bool(cells["compliant"])
    cells["includes_unconfirmed_hours"] = bool(cells["includes_unconfirmed_hours"])
    return cells


def overdue_cutoff(organization: Organization) -> dt.date:
    """Unsigned logs dated before this day are overdue."""
    return organization.today() - dt.timedelta(days=settings.SUPERVISION_SIGN_DAYS)


def logs_to_acknowledge(supervisee: Membership) -> QuerySet[SupervisionLog]:
    """The signed logs of sessions the supervisee attended and has not acknowledged yet,
    oldest first: the order in which they are read and acknowledged."""
    acked = Acknowledgment.objects.filter(supervisee=supervisee).values("log_id")
    return (
        SupervisionLog.objects.filter(attendees__supervisee=supervisee)
        .signed()
        .exclude(pk__in=acked)
        .order_by("date", "start_time", "pk")
    )


def logs_to_sign(supervisor: Membership) -> QuerySet[SupervisionLog]:
    """The supervisor's logs still unsigned, oldest (so the overdue) first."""
    return (
        SupervisionLog.objects.unsigned()
        .filter(supervisor=supervisor)
        .order_by("date", "start_time", "pk")
    )
