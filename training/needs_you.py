"""The trainer's "Needs you" items (programs.needs_you): sessions running today and the
attendance still to record in them (else the next session), and exam scores still to
enter, in four queries at most."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from programs.models import Membership, Role
from programs.needs_you import NeedsYou, ordered
from training import selectors
from training.models import EnrollmentStatus


def needs_you_section(membership: Membership) -> dict[str, Any]:
    if membership.role != Role.TRAINER:
        return {}
    return {"needs_you": ordered(trainer_items(membership, membership.organization.today()))}


def trainer_items(m: Membership, today: dt.date) -> list[NeedsYou]:
    items = []
    enrolled = Q(enrollments__status=EnrollmentStatus.ENROLLED)
    sessions_today = (
        selectors.sessions_run_by(m)
        .filter(starts_on__lte=today, ends_on__gte=today)
        .annotate(
            enrolled=Count("enrollments", filter=enrolled, distinct=True),
            recorded=Count(
                "enrollments__attendance",
                filter=enrolled & Q(enrollments__attendance__date=today),
                distinct=True,
            ),
        )
        .order_by("course__title", "pk")
    )
    for session in sessions_today:
        missing = session.enrolled - session.recorded
        if missing:
            items.append(
                NeedsYou(
                    f"{session.course.title} runs today: attendance of {missing} of "
                    f"{session.enrolled} to record",
                    reverse("session_attendance", args=[session.pk]),
                    "Record today's attendance",
                )
            )
        else:
            items.append(
                NeedsYou(
                    f"{session.course.title} runs today ({session.place})",
                    reverse("session_detail", args=[session.pk]),
                    "Open the session",
                )
            )
    if not items:
        upcoming = (
            selectors.sessions_run_by(m).filter(starts_on__gt=today).order_by("starts_on").first()
        )
        if upcoming is not None:
            items.append(
                NeedsYou(
                    f"Your next session: {upcoming.course.title}, from "
                    f"{upcoming.starts_on:%b} {upcoming.starts_on.day} ({upcoming.place})",
                    reverse("session_detail", args=[upcoming.pk]),
                    "See who is coming",
                )
            )
    # A score is entered once the course's hours are done: from the session's last day.
    unscored = selectors.enrollments_run_by(m).filter(
        status=EnrollmentStatus.ENROLLED,
        exam_score__isnull=True,
        session__course__pass_mark__isnull=False,
        session__ends_on__lte=today,
    )
    n = unscored.count()
    if n:
        first = unscored.order_by("session__ends_on", "pk").values_list("session", flat=True)[0]
        items.append(
            NeedsYou(
                f"{n} exam score{'s' if n != 1 else ''} to enter",
                reverse("session_detail", args=[first]),
                "Enter the scores",
                urgent=True,
            )
        )
    return items
