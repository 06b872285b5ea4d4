"""The "Needs you" items of peers, supervisors, managers and admins (programs.needs_you),
each from the rule and the selector that already decide it, in a fixed number of queries
whatever the number of programs, peers, encounters or logs.

Reporting holds them because it is the layer that may read every app they come from
(certification, supervision, encounters); the trainer's items are training's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from certification import rules as ceu_rules
from certification.models import PeerProfile
from certification.selectors import standings_for, team_standings
from encounters import selectors as encounter_selectors
from encounters.models import Client, Encounter
from encounters.reporting.dashboard import dashboard_start
from encounters.reporting.models import ReportRun, ReportSchedule
from encounters.rules import NOT_BILLABLE_REASONS, OTHER_REASON
from programs.models import Membership, Program, Role
from programs.needs_you import NeedsYou, ordered
from programs.rules import caseload_warnings
from programs.selectors import pending_invitations
from supervision import rules as supervision_rules
from supervision import selectors as supervision_selectors

NAMES_SHOWN = 3  # names written out in an item; the rest are "and N more"
FAILED_REPORTS_DAYS = 30  # how far back a failed report run still needs someone


def needs_you_section(membership: Membership) -> dict[str, Any]:
    build = ROLE_ITEMS.get(membership.role)
    if build is None:
        return {}
    return {"needs_you": ordered(build(membership, membership.organization.today()))}


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _names(members: Iterable[Membership]) -> str:
    names = [str(m.user) for m in members]
    shown = ", ".join(names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _hours(value: Decimal) -> str:
    """10 rather than 10.00, 6.67 rather than 6.666…"""
    return f"{value.quantize(Decimal('0.01')).normalize():f}"


# --- Peer supporters ----------------------------------------------------------------------
def peer_items(m: Membership, today: dt.date) -> list[NeedsYou]:
    items: list[NeedsYou] = []
    # Notes are finished on the encounter's page while it can still be corrected.
    correctable = Encounter.objects.filter(
        peer=m, date__gte=today - dt.timedelta(days=settings.ENCOUNTER_CORRECTION_DAYS)
    ).filter(encounter_selectors.incomplete_notes_q())
    n = correctable.count()
    if n:
        oldest = correctable.order_by("date", "start_time", "pk").values_list("pk", flat=True)[0]
        items.append(
            NeedsYou(
                f"{_plural(n, 'encounter note')} not finished (data, assessment or plan "
                "left blank)",
                reverse("encounter_detail", args=[oldest]),
                "Finish the oldest",
                fix=f"Notes can be finished for {settings.ENCOUNTER_CORRECTION_DAYS} days.",
            )
        )
    since = (timezone.now() - dt.timedelta(hours=settings.SURVEY_LINK_HOURS)).date()
    unoffered = encounter_selectors.surveys_not_offered(m, since=max(since, today))
    n = unoffered.count()
    if n:
        newest = unoffered.values_list("pk", flat=True)[0]
        items.append(
            NeedsYou(
                f"{_plural(n, 'survey')} not offered yet today",
                reverse("encounter_saved", args=[newest]),
                "Offer the survey for the latest",
            )
        )
    waiting = supervision_selectors.logs_to_acknowledge(m)
    n = waiting.count()
    if n:
        first = waiting.values_list("pk", flat=True)[0]
        items.append(
            NeedsYou(
                f"{_plural(n, 'supervision log')} to read and acknowledge",
                reverse("supervision_log", args=[first]),
                "Read and acknowledge the oldest" if n > 1 else "Read and acknowledge it",
                fix="After each one you go on to the next.",
            )
        )
    (row,) = standings_for(PeerProfile.objects.filter(membership=m), year=today.year, today=today)[
        :1
    ] or (None,)
    if row is not None and row.standing.status in (
        ceu_rules.CeuStatus.BEHIND,
        ceu_rules.CeuStatus.OVERDUE,
    ):
        s = row.standing
        pace = ceu_rules.pace_needed(required=s.required, year=s.year, today=today)
        items.append(
            NeedsYou(
                f"CEUs {s.status_label.lower()}: {_hours(s.available)} of "
                f"{_hours(s.required)} hours, {_hours(pace)} expected by now",
                reverse("certification_mine"),
                "Add a CEU",
                urgent=s.status == ceu_rules.CeuStatus.OVERDUE,
            )
        )
    # Plan reviews and assessments due are not built yet: when they are, their items go here.
    return items


# --- Supervision standing (supervisors and managers) --------------------------------------
def _supervision_items(
    peers: Any, today: dt.date, *, behind_url: str, behind_action: str
) -> list[NeedsYou]:
    """Peers short of supervision last month (its end has passed) and behind pace this
    month (supervision_rules.month_standing), in three queries."""
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    ratios = supervision_selectors.monthly_ratios(peers, start=last_month, end=today)
    people = {p.pk: p for p in peers.select_related("user").order_by("user__last_name")}
    by_standing: dict[tuple[dt.date, str], list[Membership]] = {}
    for (peer_id, month), ratio in sorted(ratios.items(), key=lambda kv: kv[0][1]):
        if peer_id not in people:
            continue
        standing = supervision_rules.month_standing(
            ratio, year=month.year, month=month.month, today=today
        )
        if standing != supervision_rules.MonthStanding.MET:
            by_standing.setdefault((month, standing), []).append(people[peer_id])
    items = []
    short = by_standing.get((last_month, supervision_rules.MonthStanding.SHORT), [])
    if short:
        items.append(
            NeedsYou(
                f"{_plural(len(short), 'peer')} short of supervision in {last_month:%B}: "
                f"{_names(short)}",
                reverse("supervision_ratio") + f"?month={last_month:%Y-%m}",
                f"See {last_month:%B}'s ratio",
                urgent=True,
            )
        )
    behind = by_standing.get((this_month, supervision_rules.MonthStanding.BEHIND_PACE), [])
    if behind:
        items.append(
            NeedsYou(
                f"{_plural(len(behind), 'peer')} behind pace on supervision this month: "
                f"{_names(behind)}",
                behind_url,
                behind_action,
                fix="There is still time this month: hold and log a session.",
            )
        )
    return items


# --- Clinical supervisors -----------------------------------------------------------------
def supervisor_items(m: Membership, today: dt.date) -> list[NeedsYou]:
    items = []
    to_sign = supervision_selectors.logs_to_sign(m)
    counts = to_sign.aggregate(
        n=Count("pk"),
        overdue=Count(
            "pk", filter=Q(date__lt=supervision_selectors.overdue_cutoff(m.organization))
        ),
    )
    if counts["n"]:
        oldest = to_sign.values_list("pk", flat=True)[0]
        overdue = f", {counts['overdue']} overdue" if counts["overdue"] else ""
        items.append(
            NeedsYou(
                f"{_plural(counts['n'], 'log')} to sign{overdue}",
                reverse("supervision_log", args=[oldest]),
                "Sign the oldest",
                urgent=bool(counts["overdue"]),
            )
        )
    items += _supervision_items(
        supervision_selectors.peers_for(m),
        today,
        behind_url=reverse("supervision_log_create"),
        behind_action="Write a log",
    )
    # Assessments with safety alerts are not built yet: when they are, their item goes here.
    return items


# --- Program managers ---------------------------------------------------------------------
def manager_items(m: Membership, today: dt.date) -> list[NeedsYou]:
    items = []
    team = team_standings(m, year=today.year, today=today)
    team_url = reverse("certification_team")
    behind = [r for r in team if r.standing.status == ceu_rules.CeuStatus.BEHIND]
    overdue = [r for r in team if r.standing.status == ceu_rules.CeuStatus.OVERDUE]
    if behind or overdue:
        late = behind + overdue
        items.append(
            NeedsYou(
                f"{_plural(len(late), 'peer')} behind on CEUs: "
                f"{_names(r.profile.membership for r in late)}",
                team_url,
                "See the team's CEUs",
                urgent=bool(overdue),
            )
        )
    lapsed = [r for r in team if r.lapsed]
    if lapsed:
        items.append(
            NeedsYou(
                f"{_plural(len(lapsed), 'certification')} lapsed: "
                f"{_names(r.profile.membership for r in lapsed)}",
                team_url,
                "See who, and record renewals",
                urgent=True,
                fix="Encounters by a peer whose certification lapsed do not bill Medicaid.",
            )
        )
    window = max(settings.CERTIFICATION_RENEWAL_REMINDER_DAYS)
    expiring = [
        r
        for r in team
        if not r.lapsed and r.expires_on is not None and 0 <= (r.expires_on - today).days <= window
    ]
    if expiring:
        items.append(
            NeedsYou(
                f"{_plural(len(expiring), 'certification')} expiring within {window} days: "
                f"{_names(r.profile.membership for r in expiring)}",
                team_url,
                "See the expiry dates",
            )
        )
    items += _supervision_items(
        supervision_selectors.peers_for(m),
        today,
        behind_url=reverse("supervision_ratio"),
        behind_action="See this month's ratio",
    )
    items += _caseload_items(m, today)
    items += _not_billable_items(m, today)
    return items


def _caseload_items(m: Membership, today: dt.date) -> list[NeedsYou]:
    """Peers over a managed program's caseload limit (programs.rules.caseload_warnings),
    counted for every program in one grouped query."""
    active = Q(enrolled_on__lte=today) & (
        Q(discharged_on__isnull=True) | Q(discharged_on__gt=today)
    )
    rows = (
        Client.objects.filter(
            active,
            program__in=Program.objects.for_member(m).filter(is_active=True),
            assigned_peer__is_active=True,
            assigned_peer__role=Role.PEER_SUPPORTER,
        )
        .values(
            "program__slug",
            "program__name",
            "program__caseload_limit",
            "program__weekly_hours_limit",
            "assigned_peer",
        )
        .annotate(n=Count("pk"))
        .order_by("program__name")
    )
    over: dict[tuple[str, str], int] = {}
    for row in rows:
        if caseload_warnings(
            active_clients=row["n"],
            hours_per_week=None,
            caseload_limit=row["program__caseload_limit"],
            hours_limit=row["program__weekly_hours_limit"],
        ):
            key = (row["program__slug"], row["program__name"])
            over[key] = over.get(key, 0) + 1
    return [
        NeedsYou(
            f"{_plural(n, 'peer')} over the caseload limit in {name}",
            reverse("program_detail", args=[slug]),
            "See the caseloads",
            fix="Move clients to another peer, or raise the limit if it was set too low.",
        )
        for (slug, name), n in over.items()
    ]


def _not_billable_items(m: Membership, today: dt.date) -> list[NeedsYou]:
    """The last months' not-billable encounters counted by reason (one query), each with
    the encounter list filtered to it and what to do."""
    start = dashboard_start(today)
    counts = encounter_selectors.not_billable_counts(
        Encounter.objects.for_member(m).filter(date__gte=start, date__lte=today)
    )
    items = []
    for reason in (*NOT_BILLABLE_REASONS, OTHER_REASON):
        n = counts.get(reason.code, 0)
        if not n:
            continue
        query = urlencode({"not_billable": reason.code, "date_from": start.isoformat()})
        items.append(
            NeedsYou(
                f"{_plural(n, 'encounter')} since {start:%b} {start.day} did not bill: "
                f"{reason.label.lower()}",
                reverse("encounter_list") + "?" + query,
                "See them",
                fix=reason.fix,
            )
        )
    return items


# --- Organization admins ------------------------------------------------------------------
def admin_items(m: Membership, today: dt.date) -> list[NeedsYou]:
    items = []
    invited = pending_invitations(m).count()
    if invited:
        items.append(
            NeedsYou(
                f"{_plural(invited, 'invitation')} not yet accepted",
                reverse("member_list"),
                "Resend or withdraw them",
            )
        )
    reports = ReportRun.objects.for_member(m).aggregate(
        failed=Count(
            "pk",
            filter=Q(
                status=ReportRun.Status.FAILED,
                requested_at__gte=timezone.now() - dt.timedelta(days=FAILED_REPORTS_DAYS),
            ),
        )
    )
    if reports["failed"]:
        items.append(
            NeedsYou(
                f"{_plural(reports['failed'], 'report')} failed in the last "
                f"{FAILED_REPORTS_DAYS} days",
                reverse("report_list"),
                "See them and ask again",
                urgent=True,
            )
        )
    scheduled = ReportSchedule.objects.for_member(m).filter(is_active=True).count()
    items.append(
        NeedsYou(
            f"{_plural(scheduled, 'report')} scheduled"
            if scheduled
            else "No report is scheduled: funders' reports are built by hand",
            reverse("report_schedules"),
            "See the schedules" if scheduled else "Schedule one",
        )
    )
    payers = list(
        encounter_selectors.payers_without_current_rate(m.organization, today=today).values_list(
            "pk", "name"
        )
    )
    if payers:
        names = ", ".join(name for _, name in payers[:NAMES_SHOWN])
        more = f" and {len(payers) - NAMES_SHOWN} more" if len(payers) > NAMES_SHOWN else ""
        items.append(
            NeedsYou(
                f"{_plural(len(payers), 'payer')} without a rate in force today: {names}{more}",
                reverse("payer_detail", args=[payers[0][0]]),
                "Add a rate",
                urgent=True,
                fix="Encounters billed to a payer without a rate do not bill.",
            )
        )
    return items


ROLE_ITEMS: dict[str, Callable[[Membership, dt.date], list[NeedsYou]]] = {
    Role.PEER_SUPPORTER: peer_items,
    Role.CLINICAL_SUPERVISOR: supervisor_items,
    Role.PROGRAM_MANAGER: manager_items,
    Role.ORG_ADMIN: admin_items,
}
