"""The rules of a course: when a participant has completed it, and which way an enrolment's
status may move."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from training.models import EnrollmentStatus

COMPLETED = "completed"
FAILED = "failed"
INCOMPLETE = "incomplete"
IN_PROGRESS = "in_progress"


@dataclass(frozen=True)
class Outcome:
    result: str
    reason: str = ""


def course_outcome(
    *,
    required_hours: Decimal,
    attended_hours: Decimal,
    pass_mark: int | None,
    exam_score: Decimal | None,
    session_over: bool,
) -> Outcome:
    """Completed: every required hour attended and, for a course with an exam, a score at
    or above the pass mark. A score below it fails the course (no retakes: a new session).
    Once the session is over, missing hours leave it incomplete."""
    if pass_mark is not None and exam_score is not None and exam_score < pass_mark:
        return Outcome(
            FAILED, f"Exam score {exam_score:g}% is under the pass mark of {pass_mark}%."
        )
    hours_done = attended_hours >= required_hours
    exam_done = pass_mark is None or exam_score is not None
    if hours_done and exam_done:
        return Outcome(COMPLETED)
    if session_over:
        missing = max(Decimal(0), required_hours - attended_hours)
        if not hours_done:
            return Outcome(INCOMPLETE, f"{missing:g} of {required_hours:g} hours were missed.")
        return Outcome(INCOMPLETE, "No exam score was recorded.")
    return Outcome(IN_PROGRESS)


# --- an enrolment's status ---------------------------------------------------------------

# Every move an enrolment's status may make (as django-oscar's order pipeline). It starts
# enrolled or waiting; a freed seat moves the first waiting up; both may withdraw, and a
# withdrawn person may come back (same record, end of the line). The course rule settles
# an enrolled person as completed, failed or incomplete; an incomplete one may still
# complete (hours made up, the exam taken) or fail the exam. Completed and failed are final:
# no retakes, another try is a new session.
STATUS_MOVES: dict[EnrollmentStatus, frozenset[EnrollmentStatus]] = {
    EnrollmentStatus.ENROLLED: frozenset(
        {
            EnrollmentStatus.WITHDRAWN,
            EnrollmentStatus.COMPLETED,
            EnrollmentStatus.FAILED,
            EnrollmentStatus.INCOMPLETE,
        }
    ),
    EnrollmentStatus.WAITING: frozenset({EnrollmentStatus.ENROLLED, EnrollmentStatus.WITHDRAWN}),
    EnrollmentStatus.WITHDRAWN: frozenset({EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITING}),
    EnrollmentStatus.INCOMPLETE: frozenset({EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED}),
    EnrollmentStatus.COMPLETED: frozenset(),
    EnrollmentStatus.FAILED: frozenset(),
}
STATUS_MOVE_REFUSED = "An enrolment cannot move from {current} to {to}."


class StatusMoveRefused(Exception):
    """A status change the map does not list. The services look before they move, so this
    is a mistake in the code, never a person's."""


def check_status_move(current: str, to: str) -> None:
    """Allowed when STATUS_MOVES lists `to` among the moves from `current`; else refused."""
    if EnrollmentStatus(to) not in STATUS_MOVES[EnrollmentStatus(current)]:
        raise StatusMoveRefused(STATUS_MOVE_REFUSED.format(current=current, to=to))


def may_become(to: EnrollmentStatus) -> tuple[EnrollmentStatus, ...]:
    """The statuses an enrolment may move to `to` from."""
    return tuple(s for s, moves in STATUS_MOVES.items() if to in moves)


# Signed up, free to withdraw: enrolled or waiting (one session of a course at a time).
SIGNED_UP = may_become(EnrollmentStatus.WITHDRAWN)
# The outcome is still open (enrolled or incomplete): the exam and the course rule apply.
OUTCOME_OPEN = may_become(EnrollmentStatus.COMPLETED)
# Holding a seat: counts toward the session's capacity.
TAKING_A_SEAT = (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED)
# A row on the attendance sheet: whose hours are recorded.
ON_THE_SHEET = (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED, EnrollmentStatus.INCOMPLETE)


def exam_is_open(*, has_exam: bool, exam_score: Decimal | None, status: str) -> bool:
    """A score may be recorded for a course with an exam, once, while the outcome is open."""
    return has_exam and exam_score is None and status in OUTCOME_OPEN
