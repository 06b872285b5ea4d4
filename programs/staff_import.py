"""`import_staff`: people, their role and program, from an agency's spreadsheet; a peer's
certification and a clinical supervisor's license come from the same row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from programs.imports import Cells, CsvImporter, Outcome, RowError
from programs.models import Membership, Role
from programs.services import RESERVED_PROGRAM_SLUGS, membership_ensure, program_ensure
from supervision.models import LicenseType, SupervisorProfile

CERTIFICATION_NEEDS_BOTH = "give the certification number and the date certified together"
LICENSE_NEEDS_ALL = "give the license type, license number and date licensed together"
LICENSE_ONLY_FOR_SUPERVISORS = "licenses are recorded for clinical supervisors only"
LICENSED_IN_FUTURE = "is in the future"
LICENSE_COLUMNS = ("license_type", "license_number", "licensed_on")


@dataclass(frozen=True)
class StaffRow:
    email: str
    first_name: str
    last_name: str
    role: str
    program: str
    certification_number: str
    certified_on: dt.date | None
    hire_date: dt.date | None
    license_type: str
    license_number: str
    licensed_on: dt.date | None


class StaffImporter(CsvImporter[StaffRow]):
    columns = (
        "email",
        "first_name",
        "last_name",
        "role",
        "program",
        "certification_number",
        "certified_on",
        "hire_date",
        "license_type",
        "license_number",
        "licensed_on",
    )
    key_description = "e-mail address"

    def parse(self, cells: Cells) -> StaffRow:
        return StaffRow(
            email=cells.email("email"),
            first_name=cells.text("first_name", required=True, max_length=150),
            last_name=cells.text("last_name", required=True, max_length=150),
            role=cells.choice("role", Role.values, required=True),
            program=cells.slug("program"),
            certification_number=cells.text("certification_number", max_length=40),
            certified_on=cells.date("certified_on"),
            hire_date=cells.date("hire_date"),
            license_type=cells.choice("license_type", LicenseType.values),
            license_number=cells.text("license_number", max_length=40),
            licensed_on=cells.date("licensed_on"),
        )

    def check(self, rows: list[tuple[int, StaffRow]]) -> list[RowError]:
        errors = [
            RowError(line, "program", f"{row.program!r} is a reserved word; choose another")
            for line, row in rows
            if row.program in RESERVED_PROGRAM_SLUGS
        ]
        for line, row in rows:
            if row.role == Role.PEER_SUPPORTER and bool(row.certification_number) != bool(
                row.certified_on
            ):
                column = "certified_on" if row.certification_number else "certification_number"
                errors.append(RowError(line, column, CERTIFICATION_NEEDS_BOTH))
            errors.extend(self._check_license(line, row))
        return errors

    def _check_license(self, line: int, row: StaffRow) -> list[RowError]:
        given = {c: bool(getattr(row, c)) for c in LICENSE_COLUMNS}
        if not any(given.values()):
            return []
        if row.role != Role.CLINICAL_SUPERVISOR:
            return [RowError(line, c, LICENSE_ONLY_FOR_SUPERVISORS) for c in given if given[c]]
        # Eligibility to supervise counts from the license date, and the log records the
        # number, so a license without either would be recorded but useless.
        errors = [RowError(line, c, LICENSE_NEEDS_ALL) for c in given if not given[c]]
        if row.licensed_on and row.licensed_on > self.organization.today():
            errors.append(RowError(line, "licensed_on", LICENSED_IN_FUTURE))
        return errors

    def key(self, row: StaffRow) -> object:
        return row.email

    def write(self, row: StaffRow) -> Outcome:
        programs = []
        if row.program:
            program, _ = program_ensure(
                organization=self.organization, slug=row.program, actor=self.actor
            )
            programs.append(program)
        membership, outcome = membership_ensure(
            organization=self.organization,
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            role=row.role,
            programs=programs,
            actor=self.actor,
        )
        if row.role == Role.PEER_SUPPORTER and self._fill_peer_profile(membership, row):
            outcome = "updated" if outcome == "unchanged" else outcome
        if row.role == Role.CLINICAL_SUPERVISOR and self._fill_supervisor_profile(membership, row):
            outcome = "updated" if outcome == "unchanged" else outcome
        return outcome

    def _fill_supervisor_profile(self, membership: Membership, row: StaffRow) -> bool:
        """The supervisor's license from a staff row; True if anything changed. Blank
        license columns leave a license entered in the app as it is."""
        from supervision.services import supervisor_profile_save

        if not row.license_type:
            return False
        profile = SupervisorProfile.objects.filter(membership=membership).first()
        wanted = (row.license_type, row.license_number, row.licensed_on)
        if profile is not None:
            stored = (profile.license_type, profile.license_number, profile.licensed_on)
            if stored == wanted:
                return False
        supervisor_profile_save(
            membership=membership,
            actor=self.actor,
            license_type=row.license_type,
            license_number=row.license_number,
            licensed_on=row.licensed_on,
            # CEU hours are not in the staff file: keep what the profile has.
            supervision_ceu_hours=(
                profile.supervision_ceu_hours if profile is not None else Decimal(0)
            ),
        )
        return True

    def _fill_peer_profile(self, membership: Membership, row: StaffRow) -> bool:
        """The certification issue's part of a staff row; True if anything changed."""
        from certification.services import certification_record, profile_for

        profile = profile_for(membership)
        changed = False
        if row.hire_date and profile.hire_date != row.hire_date:
            profile.hire_date = row.hire_date
            profile.save(update_fields=["hire_date", "updated_at"])
            changed = True
        if row.certification_number and row.certified_on:
            known = profile.certifications.filter(
                number=row.certification_number, issued_on=row.certified_on
            ).exists()
            if not known:
                certification_record(
                    profile=profile,
                    actor=self.actor,
                    number=row.certification_number,
                    issued_on=row.certified_on,
                )
                changed = True
        return changed
