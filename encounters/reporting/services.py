"""Reports asked for in the browser or by a schedule: each request is checked, audited and
queued; a task builds its figures and four files once; schedules ask for the month or
quarter just ended and tell their recipients with a link (never the figures)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from config.accounts.models import User
from encounters.models import Alternative
from encounters.reporting import events as report_events
from encounters.reporting import formats
from encounters.reporting.figures import Scope, money
from encounters.reporting.models import ReportFrequency, ReportKind, ReportRun, ReportSchedule
from encounters.reporting.recipients import tell_recipients
from programs.access import Capability, can
from programs.audit import audit_record
from programs.models import Membership, Organization, Program, Role

logger = logging.getLogger(__name__)

END_BEFORE_START = "The last day is before the first day."
PERIOD_TOO_LONG = "A report covers at most three years; choose a shorter period."
ENDS_AFTER_TODAY = "The period cannot end after today: its figures are not in yet."
PROGRAM_OF_OTHER_ORG = "Choose one of your organization's programs."
NOT_YOUR_PROGRAM = "You can ask for reports on the programs you manage only."
WHOLE_ORGANIZATION_ADMINS_ONLY = (
    "Only an organization admin can report on all programs; choose one program."
)
UNKNOWN_KIND = "Choose the cost-savings report or the funder report."
SCENARIO_COST_SAVINGS_ONLY = (
    "A scenario applies to the cost-savings report only: clear it, or choose that report."
)
UNKNOWN_ALTERNATIVE = "The scenario names an alternative that does not exist."
NEGATIVE_COST = "A cost cannot be negative."
KEY_USED_BY_OTHER = "This form was already sent by someone else; open the page again."
NOT_ALLOWED = "You cannot ask for reports."
BUILD_FAILED = "Building the report failed ({reason}); the details are in the server log."
TOOK_TOO_LONG = "The report took too long to build and was stopped; ask for it again."

MAX_YEARS = 3
# A run still waiting or building after this long is taken as lost (a worker died).
STALE_AFTER = dt.timedelta(hours=1)
FILE_FORMATS = ("pdf", "xlsx", "csv", "json")

# (Registered here, next to the only code that reads them; encounters/apps.py should import
# this module in ready() so the rules hold before any page is loaded.)


# --- periods ------------------------------------------------------------------------------


def years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # February 29th in a year without one
        return day.replace(year=day.year + years, month=3, day=1)


def previous_period(frequency: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The last complete calendar month (monthly) or quarter (quarterly) before `today`."""
    if frequency == ReportFrequency.MONTHLY:
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = quarter_start - dt.timedelta(days=1)
    return dt.date(end.year, end.month - 2, 1), end


PRESETS = ("last_month", "last_quarter", "this_year")


def preset_period(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The dates of a period picked by name: last month, last quarter, this year so far."""
    if preset == "last_month":
        return previous_period(ReportFrequency.MONTHLY, today)
    if preset == "last_quarter":
        return previous_period(ReportFrequency.QUARTERLY, today)
    if preset == "this_year":
        return today.replace(month=1, day=1), today
    raise ValueError(f"unknown period {preset!r}")


# --- asking for a report ------------------------------------------------------------------


def membership_of(actor: User, organization: Organization) -> Membership:
    membership = (
        Membership.objects.filter(user=actor, organization=organization, is_active=True)
        .select_related("user")
        .first()
    )
    if membership is None or not can(membership, Capability.VIEW_REPORTS):
        raise PermissionDenied(NOT_ALLOWED)
    return membership


def check_scope(
    errors: dict[str, list[str]],
    *,
    organization: Organization,
    membership: Membership | None,
    program: Program | None,
) -> None:
    """The program is the organization's; a manager asks for their own programs only, and
    only an admin for the whole organization. (No membership: a schedule, checked when
    it was set up.)"""
    if program is not None and program.organization_id != organization.pk:
        errors.setdefault("program", []).append(PROGRAM_OF_OTHER_ORG)
    elif membership is None:
        return
    elif program is None:
        if membership.role != Role.ORG_ADMIN:
            errors.setdefault("program", []).append(WHOLE_ORGANIZATION_ADMINS_ONLY)
    elif not Program.objects.for_member(membership).filter(pk=program.pk).exists():
        errors.setdefault("program", []).append(NOT_YOUR_PROGRAM)


def check_period(start: dt.date, end: dt.date, *, today: dt.date) -> dict[str, list[str]]:
    """A period runs forwards, spans at most MAX_YEARS and ends by today."""
    if end < start:
        return {"end": [END_BEFORE_START]}
    if end > today:  # first: a far-future date must not reach the year arithmetic
        return {"end": [ENDS_AFTER_TODAY]}
    if end >= years_later(start, MAX_YEARS):
        return {"end": [PERIOD_TOO_LONG]}
    return {}


def _scenario(
    errors: dict[str, list[str]],
    *,
    kind: str,
    unit_costs: dict[str, Decimal] | None,
    program_cost: Decimal | None,
) -> dict[str, Any]:
    """The scenario as stored on the run (amounts as text, so no cent is lost)."""
    unit_costs = unit_costs or {}
    if not unit_costs and program_cost is None:
        return {}
    if kind != ReportKind.COST_SAVINGS:
        errors.setdefault("kind", []).append(SCENARIO_COST_SAVINGS_ONLY)
        return {}
    if set(unit_costs) - set(Alternative.values):
        errors.setdefault("__all__", []).append(UNKNOWN_ALTERNATIVE)
    amounts = [*unit_costs.values(), *([program_cost] if program_cost is not None else [])]
    if any(a < 0 for a in amounts):
        errors.setdefault("__all__", []).append(NEGATIVE_COST)
    scenario: dict[str, Any] = {}
    if unit_costs:
        scenario["unit_costs"] = {code: str(money(unit_costs[code])) for code in sorted(unit_costs)}
    if program_cost is not None:
        scenario["program_cost"] = str(money(program_cost))
    return scenario


def report_request(
    *,
    organization: Organization,
    actor: User | None,
    kind: str,
    program: Program | None,
    start: dt.date,
    end: dt.date,
    unit_costs: dict[str, Decimal] | None = None,
    program_cost: Decimal | None = None,
    submission_key: uuid.UUID | None = None,
    schedule: ReportSchedule | None = None,
    ip_address: str | None = None,
) -> ReportRun:
    """Ask for a report; a task builds it after commit. The same `submission_key` (a form's
    one-time key) asks once however often it is sent. `actor` None is a schedule."""
    if submission_key is not None:
        existing = ReportRun.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return _same_asker(existing, organization, actor)
    membership = membership_of(actor, organization) if actor is not None else None
    errors: dict[str, list[str]] = {}
    if kind not in ReportKind.values:
        errors["kind"] = [UNKNOWN_KIND]
    check_scope(errors, organization=organization, membership=membership, program=program)
    for field, messages in check_period(start, end, today=organization.today()).items():
        errors.setdefault(field, []).extend(messages)
    scenario = _scenario(errors, kind=kind, unit_costs=unit_costs, program_cost=program_cost)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            run = ReportRun.objects.create(
                organization=organization,
                kind=kind,
                program=program,
                start=start,
                end=end,
                scenario=scenario,
                requested_by=actor,
                schedule=schedule,
                submission_key=submission_key,
            )
            audit_record(
                actor=actor,
                organization=organization,
                event=report_events.REPORT_REQUESTED,
                subject=run,
                ip_address=ip_address,
                data={
                    "kind": kind,
                    "program": program.pk if program else None,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "scenario": bool(scenario),
                    "schedule": schedule.pk if schedule else None,
                },
            )
    except IntegrityError:
        # Two copies of one form raced and the other landed first.
        existing = (
            ReportRun.objects.filter(submission_key=submission_key).first()
            if submission_key
            else None
        )
        if existing is None:
            raise
        return _same_asker(existing, organization, actor)
    queue_build(run.pk)
    return run


def _same_asker(run: ReportRun, organization: Organization, actor: User | None) -> ReportRun:
    if run.organization_id != organization.pk or run.requested_by_id != (
        actor.pk if actor else None
    ):
        raise ValidationError(KEY_USED_BY_OTHER)
    return run


def queue_build(run_id: int) -> None:
    from encounters.reporting.tasks import build_report

    transaction.on_commit(lambda: build_report.delay(run_id=run_id))


# --- building it --------------------------------------------------------------------------


def file_name(run: ReportRun, fmt: str) -> str:
    """`funder-recovery-coaching-2026-04-01-2026-06-30.pdf`; no program: the whole org."""
    program = f"{run.program.slug}-" if run.program is not None else ""
    return f"{run.kind}-{program}{run.start.isoformat()}-{run.end.isoformat()}.{fmt}"


def scenario_costs(run: ReportRun) -> tuple[dict[str, Decimal] | None, Decimal | None]:
    unit_costs = {k: Decimal(v) for k, v in run.scenario.get("unit_costs", {}).items()}
    program_cost = run.scenario.get("program_cost")
    return unit_costs or None, Decimal(program_cost) if program_cost is not None else None


def _progress(run_id: int, percent: int) -> None:
    ReportRun.objects.filter(pk=run_id, status=ReportRun.Status.RUNNING).update(progress=percent)


def report_build(*, run_id: int) -> ReportRun:
    """Build a run's figures and its PDF, XLSX, CSV and JSON once. A ready run is left as
    it is; any failure ends the run as failed with a short reason, never half-built."""
    # Claimed once: a redelivered message finds it running (or ready) and leaves it; a
    # failed run may be built again, and so may one left running past STALE_AFTER.
    stale = timezone.now() - STALE_AFTER
    claimed = (
        ReportRun.objects.filter(pk=run_id)
        .filter(
            Q(status__in=[ReportRun.Status.PENDING, ReportRun.Status.FAILED])
            | Q(status=ReportRun.Status.RUNNING, requested_at__lt=stale)
        )
        .update(status=ReportRun.Status.RUNNING, progress=10, error="")
    )
    run = ReportRun.objects.select_related("organization", "program").get(pk=run_id)
    if not claimed:
        return run
    try:
        unit_costs, program_cost = scenario_costs(run)
        figures = formats.build(
            run.kind,
            Scope(run.organization, run.start, run.end, run.program),
            unit_costs=unit_costs,
            program_cost=program_cost,
        )
        _progress(run_id, 40)
        files = {fmt: formats.WRITERS[fmt](figures) for fmt in ("json", "csv", "xlsx")}
        _progress(run_id, 70)
        files["pdf"] = formats.WRITERS["pdf"](figures)
        return _finish(run_id, figures, files)
    except Exception as exc:  # the page says it failed instead of waiting forever
        logger.exception("report run %s failed", run_id)
        ReportRun.objects.filter(pk=run_id).exclude(status=ReportRun.Status.READY).update(
            status=ReportRun.Status.FAILED,
            error=BUILD_FAILED.format(reason=type(exc).__name__)[:300],
            finished_at=timezone.now(),
        )
        return ReportRun.objects.get(pk=run_id)


@transaction.atomic
def _finish(run_id: int, figures: dict[str, Any], files: dict[str, str | bytes]) -> ReportRun:
    # The row lock makes a second worker on the same run (a redelivery) wait, then see it
    # ready and leave it: files are written and recipients told once.
    run = (
        ReportRun.objects.select_for_update(of=("self",))
        .select_related("organization", "program", "schedule")
        .get(pk=run_id)
    )
    if run.status == ReportRun.Status.READY:
        return run
    for fmt, data in files.items():
        content = data.encode("utf-8") if isinstance(data, str) else data
        getattr(run, fmt).save(file_name(run, fmt), ContentFile(content), save=False)
    run.figures = formats.plain(figures)
    run.status = ReportRun.Status.READY
    run.progress = 100
    run.error = ""
    run.finished_at = timezone.now()
    run.save(update_fields=[*FILE_FORMATS, "figures", "status", "progress", "error", "finished_at"])
    if run.schedule is not None:
        tell_recipients(run, run.schedule)
    return run


def report_runs_expire(*, now: dt.datetime | None = None) -> int:
    """Runs still waiting or building STALE_AFTER after they were asked for are failed,
    so no page waits for ever on a run whose worker died."""
    now = now or timezone.now()
    return ReportRun.objects.filter(
        status__in=[ReportRun.Status.PENDING, ReportRun.Status.RUNNING],
        requested_at__lt=now - STALE_AFTER,
    ).update(status=ReportRun.Status.FAILED, error=TOOK_TOO_LONG, finished_at=now)
