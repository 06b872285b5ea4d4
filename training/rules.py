"""The rules of a course: when a participant has completed it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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
