"""`import_encounters`: encounters (and their survey answers) from another system's export,
through the shared import mechanism. Rows are matched on `external_id`, so importing the
same file again adds nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from encounters.forms import EncounterForm
from encounters.models import (
    Alternative,
    Client,
    Format,
    ModelPhase,
    Payer,
    ServiceType,
    Setting,
    SupportType,
    YesNo,
)
from encounters.services.clients import client_save
from encounters.services.encounters import EncounterInput, encounter_save
from encounters.services.survey import survey_import
from programs.imports import Cells, CsvImporter, Outcome, RowError
from programs.models import Membership, Program, Role

NOT_A_PEER_HERE = "no peer supporter with this e-mail address in the organization"
NO_SUCH_PROGRAM = "no program with this short name in the organization"
PEER_NOT_IN_PROGRAM = "this peer supporter does not work in this program"
NO_SUCH_PAYER = "no payer with this code; an admin adds payers first"
CLIENT_NEEDED = "a one-on-one encounter needs a client_code"
HEAD_COUNT_NEEDED = "a group or outreach encounter needs its head_count (people present)"
HEAD_COUNT_ONE_ON_ONE = "a one-on-one encounter is with one person: leave head_count blank or 1"
# The most people the encounter form takes for one encounter.
MAX_HEAD_COUNT: int = EncounterForm.base_fields["head_count"].max_value  # type: ignore[attr-defined]


@dataclass(frozen=True)
class EncounterRow:
    external_id: str
    peer_email: str
    client_code: str
    program: str
    date: dt.date
    start_time: dt.time
    duration_minutes: int
    setting: str
    format: str
    head_count: int
    phase: str
    support_types: tuple[str, ...]
    service_type: str
    payer: str
    satisfaction: int | None
    wellbeing: int | None
    alternative: str
    other_services: str
    relapse: str

    @property
    def has_survey(self) -> bool:
        return (
            self.satisfaction is not None
            or self.wellbeing is not None
            or any((self.alternative, self.other_services, self.relapse))
        )


class EncounterImporter(CsvImporter[EncounterRow]):
    kind = "encounters"
    label = "Encounters"
    columns = (
        "external_id",
        "peer_email",
        "client_code",
        "program",
        "date",
        "start_time",
        "duration_minutes",
        "setting",
        "format",
        "head_count",
        "phase",
        "support_types",
        "service_type",
        "payer",
        "survey_satisfaction",
        "survey_wellbeing",
        "survey_alternative",
        "survey_other_services",
        "survey_relapse",
    )
    optional_columns = ("head_count", "survey_other_services", "survey_relapse")
    key_description = "external_id"
    key_columns = ("external_id",)
    column_help = {
        "external_id": "The encounter's number in the system it comes from; a second file "
        "with the same one adds nothing.",
        "peer_email": "The e-mail address of the peer supporter who met the person.",
        "client_code": "The client's code (never a name); a new code is added to the "
        "program. Needed for a one-on-one encounter.",
        "program": "The program's short name.",
        "date": "The day, as YYYY-MM-DD.",
        "start_time": "When it started, as HH:MM (24-hour clock).",
        "duration_minutes": "How long it lasted, in minutes (1 to 720).",
        "setting": "Where: " + ", ".join(Setting.values) + ".",
        "format": "One of " + ", ".join(Format.values) + ".",
        "head_count": "People present at a group or outreach encounter; blank or 1 for a "
        "one-on-one.",
        "phase": "Where the person is with the peer: " + ", ".join(ModelPhase.values) + ".",
        "support_types": "One or more of " + ", ".join(SupportType.values) + ", separated "
        "by semicolons.",
        "service_type": "The billed service: " + ", ".join(ServiceType.values) + ". May be blank.",
        "payer": "The payer's code, as an admin entered it. May be blank.",
        "survey_satisfaction": "The survey's satisfaction answer, 1 to 5. May be blank.",
        "survey_wellbeing": "The survey's well-being answer, 1 to 10. May be blank.",
        "survey_alternative": "What the person would have done without the peer: "
        + ", ".join(Alternative.values)
        + ". May be blank.",
        "survey_other_services": "Used other services (crisis line, emergency room, hospital) "
        "since the last meeting: " + ", ".join(YesNo.values) + ". May be blank.",
        "survey_relapse": "Had a relapse since the last meeting: "
        + ", ".join(YesNo.values)
        + ". May be blank.",
    }
    example_row = {
        "external_id": "enc-20250214-001",
        "peer_email": "jordan.lee@example.org",
        "client_code": "C-1042",
        "program": "recovery-coaching",
        "date": "2025-02-14",
        "start_time": "10:30",
        "duration_minutes": "45",
        "setting": "office",
        "format": "individual",
        "head_count": "",
        "phase": "connecting",
        "support_types": "emotional;informational",
        "service_type": "skills_coaching",
        "payer": "",
        "survey_satisfaction": "5",
        "survey_wellbeing": "7",
        "survey_alternative": "crisis_line",
        "survey_other_services": "no",
        "survey_relapse": "no",
    }

    def parse(self, cells: Cells) -> EncounterRow:
        fmt = cells.choice("format", Format.values, required=True)
        client_code = cells.text("client_code", max_length=40)
        if fmt == Format.INDIVIDUAL and not client_code:
            cells.error("client_code", CLIENT_NEEDED)
        head_count = self._head_count(cells, fmt)
        return EncounterRow(
            external_id=cells.text("external_id", required=True, max_length=80),
            peer_email=cells.email("peer_email"),
            client_code=client_code,
            program=cells.slug("program", required=True),
            date=cells.date("date", required=True) or dt.date.min,
            start_time=cells.time("start_time", required=True) or dt.time(0),
            duration_minutes=cells.integer(
                "duration_minutes", required=True, minimum=1, maximum=720
            )
            or 0,
            setting=cells.choice("setting", Setting.values, required=True),
            format=fmt,
            head_count=head_count,
            phase=cells.choice("phase", ModelPhase.values, required=True),
            support_types=tuple(cells.choices("support_types", SupportType.values, required=True)),
            service_type=cells.choice("service_type", ServiceType.values),
            payer=cells.slug("payer"),
            satisfaction=cells.integer("survey_satisfaction", minimum=1, maximum=5),
            wellbeing=cells.integer("survey_wellbeing", minimum=1, maximum=10),
            alternative=cells.choice("survey_alternative", Alternative.values),
            other_services=cells.choice("survey_other_services", YesNo.values),
            relapse=cells.choice("survey_relapse", YesNo.values),
        )

    @staticmethod
    def _head_count(cells: Cells, fmt: str) -> int:
        """People present: required for a group or outreach; a one-on-one row may leave it
        blank or say 1 (any other number means its format or its count is wrong, and an
        import that stored 1 anyway would hide which)."""
        if fmt == Format.INDIVIDUAL:
            given = cells.integer("head_count")
            if given not in (None, 1):
                cells.error("head_count", HEAD_COUNT_ONE_ON_ONE)
            return 1
        if fmt and cells.is_blank("head_count"):
            cells.error("head_count", HEAD_COUNT_NEEDED)
            return 1
        return cells.integer("head_count", minimum=1, maximum=MAX_HEAD_COUNT) or 1

    def key(self, row: EncounterRow) -> object:
        return row.external_id

    def check(self, rows: list[tuple[int, EncounterRow]]) -> list[RowError]:
        org = self.organization
        self._peers = {
            m.user.email: m
            for m in Membership.objects.filter(
                organization=org,
                role=Role.PEER_SUPPORTER,
                user__email__in={r.peer_email for _, r in rows},
            ).select_related("user", "organization")
        }
        self._peer_programs = {
            (pid, slug)
            for pid, slug in Membership.programs.through.objects.filter(
                membership__in=self._peers.values()
            ).values_list("membership_id", "program__slug")
        }
        self._programs = {p.slug: p for p in Program.objects.filter(organization=org)}
        shared = Payer.objects.filter(organization__isnull=True)
        own = Payer.objects.filter(organization=org)
        # The organization's own payer wins over a shared one with the same code.
        self._payers = {p.code: p for p in [*shared, *own]}
        self._first_seen: dict[tuple[str, str], dt.date] = {}
        for _, row in rows:
            if row.client_code:
                k = (row.program, row.client_code.lower())
                self._first_seen[k] = min(row.date, self._first_seen.get(k, row.date))
        errors = []
        for line, row in rows:
            peer = self._peers.get(row.peer_email)
            if peer is None:
                errors.append(RowError(line, "peer_email", NOT_A_PEER_HERE))
            if row.program not in self._programs:
                errors.append(RowError(line, "program", NO_SUCH_PROGRAM))
            elif peer is not None and (peer.pk, row.program) not in self._peer_programs:
                errors.append(RowError(line, "program", PEER_NOT_IN_PROGRAM))
            if row.payer and row.payer not in self._payers:
                errors.append(RowError(line, "payer", NO_SUCH_PAYER))
        return errors

    def _client(self, row: EncounterRow, program: Program, peer: Membership) -> Client | None:
        if not row.client_code:
            return None
        client = Client.objects.filter(program=program, code__iexact=row.client_code).first()
        if client is None:
            # Unknown clients are created in the program, on the peer's caseload, enrolled
            # on the day of their first encounter in the file.
            client = client_save(
                actor=self.actor,
                organization=self.organization,
                program=program,
                code=row.client_code,
                enrolled_on=self._first_seen[(row.program, row.client_code.lower())],
                assigned_peer=peer,
            )
        return client

    def write(self, row: EncounterRow) -> Outcome:
        peer = self._peers[row.peer_email]
        program = self._programs[row.program]
        client = self._client(row, program, peer)
        encounter, created = encounter_save(
            actor=self.actor,
            peer=peer,
            data=EncounterInput(
                program=program,
                client=client,
                head_count=row.head_count,
                date=row.date,
                start_time=row.start_time,
                duration_minutes=row.duration_minutes,
                setting=row.setting,
                format=row.format,
                phase=row.phase,
                support_types=list(row.support_types),
                service_type=row.service_type,
                payer=self._payers.get(row.payer) if row.payer else None,
            ),
            external_id=row.external_id,
            source="import",
        )
        surveyed = False
        if row.has_survey:
            surveyed = survey_import(
                encounter=encounter,
                satisfaction=row.satisfaction,
                wellbeing=row.wellbeing,
                alternative=row.alternative,
                other_services=row.other_services,
                relapse=row.relapse,
            )
        return "created" if created else ("updated" if surveyed else "unchanged")
