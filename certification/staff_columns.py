"""A peer's certification and hire date, read from the staff file (programs.staff_import):
with a certification number and date the peer is certified, without them a trainee."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from certification.services import certification_record, profile_for
from programs.imports import Cells, RowError
from programs.models import Membership, Organization, Role
from programs.staff_import import StaffColumns, StaffRow

CERTIFICATION_NEEDS_BOTH = "give the certification number and the date certified together"


@dataclass(frozen=True)
class CertificationPart:
    certification_number: str
    certified_on: dt.date | None
    hire_date: dt.date | None


class CertificationColumns(StaffColumns):
    name = "certification"
    columns = ("certification_number", "certified_on", "hire_date")
    column_help = {
        "certification_number": "A certified peer supporter's certification number; give "
        "it with certified_on, or leave both blank for a trainee.",
        "certified_on": "The date the peer was certified, as YYYY-MM-DD.",
        "hire_date": "The date they started here, as YYYY-MM-DD. May be blank.",
    }
    example_row = {
        "certification_number": "PS-1042",
        "certified_on": "2024-03-15",
        "hire_date": "2024-01-08",
    }

    def parse(self, cells: Cells) -> CertificationPart:
        return CertificationPart(
            certification_number=cells.text("certification_number", max_length=40),
            certified_on=cells.date("certified_on"),
            hire_date=cells.date("hire_date"),
        )

    def check(
        self, line: int, row: StaffRow, part: CertificationPart, *, organization: Organization
    ) -> list[RowError]:
        if row.role == Role.PEER_SUPPORTER and bool(part.certification_number) != bool(
            part.certified_on
        ):
            column = "certified_on" if part.certification_number else "certification_number"
            return [RowError(line, column, CERTIFICATION_NEEDS_BOTH)]
        return []

    def write(
        self, membership: Membership, row: StaffRow, part: CertificationPart, *, actor: Any
    ) -> bool:
        if row.role != Role.PEER_SUPPORTER:
            return False
        profile = profile_for(membership)
        changed = False
        if part.hire_date and profile.hire_date != part.hire_date:
            profile.hire_date = part.hire_date
            profile.save(update_fields=["hire_date", "updated_at"])
            changed = True
        if part.certification_number and part.certified_on:
            known = profile.certifications.filter(
                number=part.certification_number, issued_on=part.certified_on
            ).exists()
            if not known:
                certification_record(
                    profile=profile,
                    actor=actor,
                    number=part.certification_number,
                    issued_on=part.certified_on,
                )
                changed = True
        return changed
