"""Supervision logs and hours for tests, written through the real services (with the `sup`
fixture of conftest.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from supervision.models import HoursWorked, SupervisionLog
from supervision.services.logs import LogInput, log_save
from supervision.services.signing import log_sign
from tests.factories import TEST_PASSWORD

DAY = dt.date(2025, 3, 4)


def write(s: Any, *, supervisor: Any = None, **changes: Any) -> SupervisionLog:
    """A log of a one-hour session on DAY with Pat and client RC-1, both sign-off
    statements ticked, by `s.supervisor` unless another is given."""
    values: dict[str, Any] = dict(
        date=DAY,
        start_time=dt.time(9, 0),
        end_time=dt.time(10, 0),
        supervisees=[s.peer],
        topics=["check_in", "ethics_boundaries"],
        clients=[(s.client, "connecting")],
        notes="Boundaries around rides.",
        signoff_assessments=True,
        signoff_interventions=True,
    )
    values.update(changes)
    supervisor = supervisor or s.supervisor
    log, _ = log_save(supervisor=supervisor, actor=supervisor.user, data=LogInput(**values))
    return log


def sign(s: Any, log: SupervisionLog) -> SupervisionLog:
    return log_sign(log=log, actor=s.supervisor.user, credential=TEST_PASSWORD)


def hours(peer: Any, day: dt.date, h: str) -> None:
    HoursWorked.objects.create(peer=peer, date=day, hours=Decimal(h))
