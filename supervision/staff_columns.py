"""A clinical supervisor's license, read from the staff file (programs.staff_import)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from programs.imports import Cells, RowError
from programs.models import Membership, Organization, Role
from programs.staff_import import StaffColumns, StaffRow
from supervision.models import LicenseType, SupervisorProfile
from supervision.services.supervisors import supervisor_profile_save

LICENSE_NEEDS_ALL = "give the license type, license number and date licensed together"
LICENSE_ONLY_FOR_SUPERVISORS = "licenses are recorded for clinical supervisors only"
LICENSED_IN_FUTURE = "is in the future"


@dataclass(frozen=True)
class LicensePart:
    license_type: str
    license_number: str
    licensed_on: dt.date | None


class LicenseColumns(StaffColumns):
    name = "license"
    columns = ("license_type", "license_number", "licensed_on")
    column_help = {
        "license_type": "Clinical supervisors only: their license, one of "
        + ", ".join(LicenseType.values)
        + ". Give it with license_number and licensed_on, or leave all three blank.",
        "license_number": "Clinical supervisors only: the license number.",
        "licensed_on": "Clinical supervisors only: the date licensed, as YYYY-MM-DD.",
    }

    def parse(self, cells: Cells) -> LicensePart:
        return LicensePart(
            license_type=cells.choice("license_type", LicenseType.values),
            license_number=cells.text("license_number", max_length=40),
            licensed_on=cells.date("licensed_on"),
        )

    def check(
        self, line: int, row: StaffRow, part: LicensePart, *, organization: Organization
    ) -> list[RowError]:
        given = {c: bool(getattr(part, c)) for c in self.columns}
        if not any(given.values()):
            return []
        if row.role != Role.CLINICAL_SUPERVISOR:
            return [RowError(line, c, LICENSE_ONLY_FOR_SUPERVISORS) for c in given if given[c]]
        # Eligibility to supervise counts from the license date, and the log records the
        # number, so a license without either would be recorded but useless.
        errors = [RowError(line, c, LICENSE_NEEDS_ALL) for c in given if not given[c]]
        if part.licensed_on and part.licensed_on > organization.today():
            errors.append(RowError(line, "licensed_on", LICENSED_IN_FUTURE))
        return errors

    def write(
        self, membership: Membership, row: StaffRow, part: LicensePart, *, actor: Any
    ) -> bool:
        """Blank license columns leave a license entered in the app as it is."""
        if row.role != Role.CLINICAL_SUPERVISOR or not part.license_type:
            return False
        profile = SupervisorProfile.objects.filter(membership=membership).first()
        wanted = (part.license_type, part.license_number, part.licensed_on)
        if profile is not None:
            stored = (profile.license_type, profile.license_number, profile.licensed_on)
            if stored == wanted:
                return False
        supervisor_profile_save(
            membership=membership,
            actor=actor,
            license_type=part.license_type,
            license_number=part.license_number,
            licensed_on=part.licensed_on,
            # CEU hours are not in the staff file: keep what the profile has.
            supervision_ceu_hours=(
                profile.supervision_ceu_hours if profile is not None else Decimal(0)
            ),
        )
        return True
