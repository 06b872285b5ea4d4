"""`import_staff`: people, their role and program, from an agency's spreadsheet.

The same row carries what other apps keep about a person (a peer's certification, a
clinical supervisor's license). Those apps add their columns here when they start
(`staff_columns.append(...)`), so this layer never imports them; a row's parts are parsed,
checked and written in the order the apps registered, after the person's own columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from programs.imports import Cells, CsvImporter, Outcome, RowError
from programs.models import Membership, Organization, Role
from programs.services import RESERVED_PROGRAM_SLUGS, membership_ensure, program_ensure


@dataclass(frozen=True)
class StaffRow:
    email: str
    first_name: str
    last_name: str
    role: str
    program: str
    # Each registered app's part of the row, by the app's name.
    parts: dict[str, Any] = field(default_factory=dict)


class StaffColumns:
    """One app's columns of the staff file: subclass, and append an instance to
    `staff_columns` in the app's `ready()`."""

    name: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]
    # For the Import page: what each column means, and the template's example values.
    column_help: ClassVar[dict[str, str]] = {}
    example_row: ClassVar[dict[str, str]] = {}

    def parse(self, cells: Cells) -> Any:
        raise NotImplementedError

    def check(
        self, line: int, row: StaffRow, part: Any, *, organization: Organization
    ) -> list[RowError]:
        return []

    def write(self, membership: Membership, row: StaffRow, part: Any, *, actor: Any) -> bool:
        """Store the part for the person just imported; True if anything changed."""
        raise NotImplementedError


staff_columns: list[StaffColumns] = []

PERSON_COLUMNS = ("email", "first_name", "last_name", "role", "program")


class StaffImporter(CsvImporter[StaffRow]):
    kind = "staff"
    label = "Staff"
    key_description = "e-mail address"
    key_columns = ("email",)
    column_help = {
        "email": "The person's work e-mail address; they sign in with it. A person already "
        "on the staff list is matched by it.",
        "first_name": "Their first name.",
        "last_name": "Their last name.",
        "role": "What they do here: " + ", ".join(f"{v} ({label})" for v, label in Role.choices),
        "program": "The short name of the program they work in (letters, digits, hyphens); "
        "a program not yet here is created. May be blank.",
    }
    example_row = {
        "email": "jordan.lee@example.org",
        "first_name": "Jordan",
        "last_name": "Lee",
        "role": "peer_supporter",
        "program": "recovery-coaching",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.columns = PERSON_COLUMNS + tuple(c for part in staff_columns for c in part.columns)  # type: ignore[misc]
        # Each app's columns bring their own help and example values.
        self.column_help = {  # type: ignore[misc]
            **type(self).column_help,
            **{c: h for part in staff_columns for c, h in part.column_help.items()},
        }
        self.example_row = {  # type: ignore[misc]
            **type(self).example_row,
            **{c: v for part in staff_columns for c, v in part.example_row.items()},
        }

    def parse(self, cells: Cells) -> StaffRow:
        return StaffRow(
            email=cells.email("email"),
            first_name=cells.text("first_name", required=True, max_length=150),
            last_name=cells.text("last_name", required=True, max_length=150),
            role=cells.choice("role", Role.values, required=True),
            program=cells.slug("program"),
            parts={part.name: part.parse(cells) for part in staff_columns},
        )

    def check(self, rows: list[tuple[int, StaffRow]]) -> list[RowError]:
        errors = [
            RowError(line, "program", f"{row.program!r} is a reserved word; choose another")
            for line, row in rows
            if row.program in RESERVED_PROGRAM_SLUGS
        ]
        for line, row in rows:
            for part in staff_columns:
                errors.extend(
                    part.check(line, row, row.parts[part.name], organization=self.organization)
                )
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
        for part in staff_columns:
            if part.write(membership, row, row.parts[part.name], actor=self.actor):
                outcome = "updated" if outcome == "unchanged" else outcome
        return outcome
