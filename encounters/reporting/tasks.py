"""Reports in the background: building a requested run, and the daily pass that asks for
each schedule's month or quarter."""

from __future__ import annotations

from celery import shared_task

from encounters.reporting.schedules import schedules_run
from encounters.reporting.services import report_build, report_runs_expire


# The soft limit raises inside the build, which then ends the run as failed.
@shared_task(name="reports.build", acks_late=True, soft_time_limit=15 * 60, time_limit=16 * 60)
def build_report(run_id: int) -> str:
    """Build the run once; a repeat (redelivery, retry) of a ready run does nothing."""
    return report_build(run_id=run_id).status


@shared_task(name="reports.schedules", acks_late=True)
def run_schedules() -> dict[str, int]:
    """Daily: fail runs lost by a dead worker, then ask for each schedule's last period."""
    expired = report_runs_expire()
    return {"expired": expired, **schedules_run()}
