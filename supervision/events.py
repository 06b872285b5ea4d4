"""Audit events of supervisors, agreements, hours and supervision logs.

Each code is stored in the audit row; its label is what a reader sees.
"""

from programs.audit import event

AGREEMENT_CREATED = event("agreement.created", "Supervision agreement added")
AGREEMENT_DOCUMENT_DOWNLOADED = event(
    "agreement.document_downloaded", "Signed agreement downloaded"
)
AGREEMENT_UPDATED = event("agreement.updated", "Supervision agreement changed")
HOURS_CONFIRMED = event("hours.confirmed", "Reported hours worked confirmed")
HOURS_UPDATED = event("hours.updated", "Hours worked changed")
SUPERVISION_ACKNOWLEDGED = event("supervision.acknowledged", "Supervision log acknowledged")
SUPERVISION_ADDENDUM = event("supervision.addendum", "Signed addendum added")
SUPERVISION_CREATED = event("supervision.created", "Supervision log written")
SUPERVISION_DELETE_REFUSED = event(
    "supervision.delete_refused", "Deleting a supervision log refused"
)
SUPERVISION_IMPORTED = event("supervision.imported", "Paper supervision log transcribed")
SUPERVISION_RECORD_DOWNLOADED = event(
    "supervision.record_downloaded", "Supervision record downloaded"
)
SUPERVISION_RECORD_REQUESTED = event("supervision.record_requested", "Supervision record asked for")
SUPERVISION_SIGN_FAILED = event(
    "supervision.sign_failed", "Supervision signing refused (wrong password or code)"
)
SUPERVISION_SIGNED = event("supervision.signed", "Supervision log signed")
SUPERVISION_UPDATED = event("supervision.updated", "Supervision log changed (before signing)")
SUPERVISION_VIEWED = event("supervision.viewed", "Supervision log opened")
SUPERVISOR_UPDATED = event("supervisor.updated", "Supervisor's license changed")
