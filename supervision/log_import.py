"""`import_supervision`: supervision logs kept on paper before the app, through the shared
import mechanism. A row is one session; it is written by `services.paper_import.log_import`,
which marks it as transcribed from paper, counts it as signed when the paper was, and
lands an `external_id` once, so importing the same file again changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models.functions import Lower

from programs.imports import BAD_TIME, Cells, CsvImporter, Outcome, RowError
from programs.models import Membership, Role
from supervision.models import SupervisionLog
from supervision.services.paper_import import log_import
from supervision.services.supervisors import supervisor_eligible_on

NOT_A_SUPERVISOR_HERE = "no active clinical supervisor with this e-mail address in the organization"
NOT_A_PEER_HERE = "{email}: no active peer supporter with this e-mail address in the organization"
WRONG_ROLE = "{email} is a {role} here, not a {wanted}"
NO_SUPERVISEES = "give at least one supervisee's e-mail address"
IN_THE_FUTURE = "is in the future"
END_NOT_AFTER_START = "must be after start_time"
SIGNED_BEFORE_SESSION = "is before the session's date"
IMPORTED_WITH_OTHER_DETAILS = (
    "a log with this external_id was imported before with other details; correct it in "
    "the app (a signed log by an addendum), not by importing again"
)


@dataclass(frozen=True)
class PaperLogRow:
    external_id: str
    supervisor_email: str
    supervisee_emails: tuple[str, ...]
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    signed_on: dt.date | None


class PaperLogImporter(CsvImporter[PaperLogRow]):
    kind = "supervision"
    label = "Supervision logs (paper)"
    columns = (
        "external_id",
        "supervisor_email",
        "supervisee_emails",
        "date",
        "start_time",
        "end_time",
        "signed_on",
    )
    key_description = "external_id"
    key_columns = ("external_id",)
    column_help = {
        "external_id": "Your own reference for the session (the paper form's number); a "
        "second file with the same one adds nothing.",
        "supervisor_email": "The e-mail address of the clinical supervisor who held it.",
        "supervisee_emails": "The peer supporters supervised, by e-mail address, separated "
        "by semicolons.",
        "date": "The day of the session, as YYYY-MM-DD; not in the future.",
        "start_time": "When it started, as HH:MM (24-hour clock).",
        "end_time": "When it ended, as HH:MM; after start_time.",
        "signed_on": "The date the supervisor signed the paper log, as YYYY-MM-DD; blank if "
        "it was never signed.",
    }
    example_row = {
        "external_id": "paper-2024-031",
        "supervisor_email": "dr.rivera@example.org",
        "supervisee_emails": "jordan.lee@example.org;sam.ortiz@example.org",
        "date": "2024-11-05",
        "start_time": "09:00",
        "end_time": "10:00",
        "signed_on": "2024-11-05",
    }

    _existing: dict[str, SupervisionLog]
    _members: dict[str, Membership]

    def parse(self, cells: Cells) -> PaperLogRow:
        today = self.organization.today()
        external_id = cells.text("external_id", required=True, max_length=80)
        supervisor_email = cells.email("supervisor_email")
        supervisees = cells.emails("supervisee_emails")
        if not supervisees and not any(e.column == "supervisee_emails" for e in cells.errors):
            cells.error("supervisee_emails", NO_SUPERVISEES)  # only separators, e.g. ";"
        day = cells.date("date", required=True)
        start = _minute(cells, "start_time")
        end = _minute(cells, "end_time")
        signed_on = cells.date("signed_on")
        if day is not None and day > today:
            cells.error("date", IN_THE_FUTURE)
        if start is not None and end is not None and end <= start:
            cells.error("end_time", END_NOT_AFTER_START)
        if signed_on is not None:
            if signed_on > today:
                cells.error("signed_on", IN_THE_FUTURE)
            elif day is not None and signed_on < day:
                cells.error("signed_on", SIGNED_BEFORE_SESSION)
        return PaperLogRow(
            external_id=external_id,
            supervisor_email=supervisor_email,
            supervisee_emails=tuple(dict.fromkeys(supervisees)),
            date=day or dt.date.min,
            start_time=start or dt.time.min,
            end_time=end or dt.time.min,
            signed_on=signed_on,
        )

    def key(self, row: PaperLogRow) -> object:
        return row.external_id

    def check(self, rows: list[tuple[int, PaperLogRow]]) -> list[RowError]:
        self._existing = {
            log.external_id: log
            for log in SupervisionLog.objects.filter(
                organization=self.organization, external_id__in={r.external_id for _, r in rows}
            )
            .select_related("supervisor__user")
            .prefetch_related("attendees__supervisee__user")
        }
        errors = []
        new = []
        for line, row in rows:
            log = self._existing.get(row.external_id)
            if log is None:
                new.append((line, row))
            elif not _same(log, row):
                errors.append(RowError(line, "external_id", IMPORTED_WITH_OTHER_DETAILS))
        # A row already imported is not written again, so whether its people are still
        # active does not matter: a file imported last year re-runs as "unchanged".
        emails = {r.supervisor_email for _, r in new} | {
            e for _, r in new for e in r.supervisee_emails
        }
        self._members = {
            m.user.email.lower(): m
            for m in Membership.objects.filter(organization=self.organization)
            .alias(email=Lower("user__email"))
            .filter(email__in=emails)
            .select_related("user", "organization")
        }
        for line, row in new:
            problem = self._not_in_role(row.supervisor_email, Role.CLINICAL_SUPERVISOR)
            if problem:
                errors.append(RowError(line, "supervisor_email", problem))
            elif row.signed_on is not None and not supervisor_eligible_on(
                self._members[row.supervisor_email], row.date
            ):
                errors.append(RowError(line, "signed_on", SUPERVISOR_NOT_ELIGIBLE))
            for email in row.supervisee_emails:
                problem = self._not_in_role(email, Role.PEER_SUPPORTER)
                if problem:
                    errors.append(RowError(line, "supervisee_emails", problem))
        return errors

    def _not_in_role(self, email: str, role: Role) -> str:
        member = self._members.get(email)
        if member is None or not member.is_active or not member.user.is_active:
            return (
                NOT_A_SUPERVISOR_HERE
                if role == Role.CLINICAL_SUPERVISOR
                else NOT_A_PEER_HERE.format(email=email)
            )
        if member.role != role:
            return WRONG_ROLE.format(
                email=email, role=member.get_role_display().lower(), wanted=role.label.lower()
            )
        return ""

    def write(self, row: PaperLogRow) -> Outcome:
        if row.external_id in self._existing:
            return "unchanged"
        _, created = log_import(
            organization=self.organization,
            actor=self.actor,
            external_id=row.external_id,
            supervisor=self._members[row.supervisor_email],
            supervisees=[self._members[e] for e in row.supervisee_emails],
            date=row.date,
            start_time=row.start_time,
            end_time=row.end_time,
            signed_on=row.signed_on,
        )
        return "created" if created else "unchanged"


def _minute(cells: Cells, column: str) -> dt.time | None:
    """A time of day to the minute, as the log keeps it (seconds would let 09:00:30 to
    09:00:45 pass as a session and store zero minutes)."""
    value = cells.time(column, required=True)
    if value is None:
        return None
    if value.tzinfo is not None:
        cells.error(column, BAD_TIME)
        return None
    return value.replace(second=0, microsecond=0)


SUPERVISOR_NOT_ELIGIBLE = (
    "the supervisor's license (see import_staff) does not make them eligible to supervise "
    "peers on this date, so the log cannot count as signed"
)


def _same(log: SupervisionLog, row: PaperLogRow) -> bool:
    """Whether an imported log says what the row says."""
    return (
        log.supervisor.user.email.lower() == row.supervisor_email
        and {a.supervisee.user.email.lower() for a in log.attendees.all()}
        == set(row.supervisee_emails)
        and (log.date, log.start_time, log.end_time, log.signed_on_paper)
        == (row.date, row.start_time, row.end_time, row.signed_on)
    )
