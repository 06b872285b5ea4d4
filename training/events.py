"""Audit events of courses, sessions, enrolments and certificates.

Each code is stored in the audit row; its label is what a reader sees.
"""

from programs.audit import event

TRAINING_ATTENDANCE = event("training.attendance", "Attendance taken")
TRAINING_CLOSED = event("training.closed", "Training session closed")
TRAINING_COMPLETED = event("training.completed", "Training completed")
TRAINING_CREDIT_REFUSED = event("training.credit_refused", "CEU credit refused")
TRAINING_ENROLLED = event("training.enrolled", "Enrolled in a training session")
TRAINING_EXAM = event("training.exam", "Exam score recorded")
TRAINING_FAILED = event("training.failed", "Training not passed (exam)")
TRAINING_INCOMPLETE = event("training.incomplete", "Training not completed (hours missing)")
TRAINING_MOVED_UP = event("training.moved_up", "Moved up from the waiting list")
TRAINING_SESSION_CREATED = event("training.session_created", "Training session added")
TRAINING_SESSION_OPENED = event(
    "training.session_opened", "Training session opened to other organizations"
)
TRAINING_SESSION_CLOSED_TO_OTHERS = event(
    "training.session_closed_to_others", "Training session closed to other organizations"
)
TRAINING_WITHDRAWN = event("training.withdrawn", "Withdrew from a training session")
