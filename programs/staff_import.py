"""`import_staff`: people, their role and program, from an agency's spreadsheet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from programs.imports import Cells, CsvImporter, Outcome, RowError
from programs.models import Membership, Role
from programs.services import RESERVED_PROGRAM_SLUGS, membership_ensure, program_ensure

CERTIFICATION_NEEDS_BOTH = "give the certification number and the date certified together"

LICENSE_TYPES = (
    "physician",
    "psychologist",
    "social_worker",
    "professional_counselor",
    "psychiatric_nurse",
    "marriage_family_therapist",
    "addiction_counselor",
)


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
            license_type=cells.choice("license_type", LICENSE_TYPES),
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
        return outcome

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
