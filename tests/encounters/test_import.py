"""import_encounters: all rows or none, line-numbered errors, no duplicates on re-import."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from encounters.encounter_import import (
    HEAD_COUNT_NEEDED,
    HEAD_COUNT_ONE_ON_ONE,
    EncounterImporter,
)
from encounters.models import Client, Encounter, SurveyResponse
from programs.imports import BAD_WHOLE_NUMBER, ImportFailed, RowError

pytestmark = pytest.mark.django_db

HEADER = (
    "external_id,peer_email,client_code,program,date,start_time,duration_minutes,setting,"
    "format,head_count,phase,support_types,service_type,payer,survey_satisfaction,"
    "survey_wellbeing,survey_alternative,survey_other_services,survey_relapse\n"
)


def _file(tmp_path, setup, *rows):
    peer, other = setup.peer.user.email, setup.other_peer.user.email
    slug = setup.program.slug
    body = HEADER + "".join(r.format(peer=peer, other=other, program=slug) + "\n" for r in rows)
    path = tmp_path / "encounters.csv"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = [
    "A-1,{peer},RC-001,{program},2025-03-04,10:00,23,office,individual,,connecting,emotional;affiliation,skills_coaching,medicaid,5,7,emergency_department,yes,no",
    "A-2,{peer},NEW-9,{program},2025-03-05,11:30,60,phone,individual,,engaging,informational,,,,,,,",
    "A-3,{peer},,{program},2025-03-06,18:00,90,drop_in_center,group,6,supporting,affiliation,natural_supports,medicaid,,,,,",
    "A-4,{other},NEW-9,{program},2025-03-01,09:00,30,community,individual,,engaging,emotional,self_advocacy,medicaid,4,,,,prefer_not",
]


def test_a_good_file_imports_every_row_bills_by_the_rules_and_creates_unknown_clients(
    setup, tmp_path, org
):
    call_command(
        "import_encounters", "--organization", org.slug, str(_file(tmp_path, setup, *GOOD))
    )
    by_id = {e.external_id: e for e in Encounter.objects.all()}
    assert set(by_id) == {"A-1", "A-2", "A-3", "A-4"}
    assert (by_id["A-1"].units, by_id["A-1"].amount) == (2, D("28.02"))
    assert by_id["A-1"].support_types == ["emotional", "affiliation"]
    assert not by_id["A-2"].billable and by_id["A-2"].not_billable_reason
    assert by_id["A-3"].client is None and by_id["A-3"].units == 6
    assert not by_id["A-4"].billable  # the other peer is not certified
    new = Client.objects.get(code="NEW-9")
    # Created on the first file row's peer, enrolled on its earliest date in the file.
    assert new.enrolled_on == dt.date(2025, 3, 1)
    assert SurveyResponse.objects.count() == 2  # rows with any survey_* value
    assert SurveyResponse.objects.get(encounter=by_id["A-1"]).alternative == "emergency_department"


def test_importing_the_same_file_again_adds_nothing(setup, tmp_path, org):
    path = _file(tmp_path, setup, *GOOD)
    call_command("import_encounters", "--organization", org.slug, str(path))
    call_command("import_encounters", "--organization", org.slug, str(path))
    assert Encounter.objects.count() == 4 and SurveyResponse.objects.count() == 2


def test_one_bad_row_means_nothing_is_written_and_every_problem_is_named(
    setup, tmp_path, org, capsys
):
    rows = [
        *GOOD,
        "B-1,nobody@example.org,RC-001,{program},2025-03-04,10:00,23,office,individual,,connecting,emotional,,,,,,,",
        "B-2,{peer},RC-001,{program},2025-13-04,25:00,0,moon,individual,,connecting,telepathy,,,6,11,teleport,,",
        "B-3,{peer},,{program},2025-03-04,10:00,20,office,individual,,connecting,emotional,,,,,,,",
        "A-1,{peer},RC-001,{program},2025-03-04,10:00,23,office,individual,,connecting,emotional,,,,,,,",
        "B-4,{peer},RC-001,{program},2025-03-04,10:00,20,office,individual,,connecting,emotional,,unknownpay,,,,,",
    ]
    with pytest.raises(CommandError):
        call_command(
            "import_encounters", "--organization", org.slug, str(_file(tmp_path, setup, *rows))
        )
    err = capsys.readouterr().err
    for expected in [
        "line 6, column peer_email",
        "line 7, column date",
        "line 7, column start_time",
        "line 7, column duration_minutes",
        "line 7, column setting",
        "line 7, column support_types",
        "line 7, column survey_satisfaction",
        "line 7, column survey_wellbeing",
        "line 7, column survey_alternative",
        "line 8, column client_code",
        "line 9, column external_id: the same external_id appears on line 2",
    ]:
        assert expected in err, expected
    assert Encounter.objects.count() == 0 and not Client.objects.filter(code="NEW-9").exists()


def test_a_row_the_service_refuses_rolls_back_the_whole_file(setup, tmp_path, org, capsys):
    # RC-001 was enrolled on 2025-01-01: an encounter before that is refused by the service.
    rows = [
        *GOOD,
        "C-1,{peer},RC-001,{program},2024-12-01,10:00,23,office,individual,,connecting,emotional,,,,,,,",
    ]
    with pytest.raises(CommandError):
        call_command(
            "import_encounters", "--organization", org.slug, str(_file(tmp_path, setup, *rows))
        )
    assert "line 6, column date" in capsys.readouterr().err
    assert Encounter.objects.count() == 0


# ----- Every survey answer and a group's head count ----------------------------------------


def _row(setup, **values: str) -> str:
    """One CSV line: a good one-on-one row by the first peer, with `values` put in."""
    row = dict(
        external_id="N-1",
        peer_email=setup.peer.user.email,
        client_code="RC-001",
        program=setup.program.slug,
        date="2025-03-04",
        start_time="10:00",
        duration_minutes="23",
        setting="office",
        format="individual",
        head_count="",
        phase="connecting",
        support_types="emotional",
        service_type="skills_coaching",
        payer="medicaid",
        survey_satisfaction="",
        survey_wellbeing="",
        survey_alternative="",
        survey_other_services="",
        survey_relapse="",
    )
    row.update(values)
    assert list(row) == HEADER.strip().split(",")
    return ",".join(row.values())


def _import(org, setup, *rows: str):
    return EncounterImporter(organization=org).run(io.StringIO(HEADER + "\n".join(rows) + "\n"))


def test_every_survey_answer_and_a_groups_head_count_load(setup, tmp_path, org):
    call_command(
        "import_encounters", "--organization", org.slug, str(_file(tmp_path, setup, *GOOD))
    )
    by_id = {e.external_id: e for e in Encounter.objects.all()}
    assert {k: e.head_count for k, e in by_id.items()} == {"A-1": 1, "A-2": 1, "A-3": 6, "A-4": 1}
    answers = {
        r.encounter.external_id: (
            r.satisfaction,
            r.wellbeing,
            r.alternative,
            r.other_services,
            r.relapse,
        )
        for r in SurveyResponse.objects.select_related("encounter")
    }
    assert answers == {
        "A-1": (5, 7, "emergency_department", "yes", "no"),
        "A-4": (4, None, "", "", "prefer_not"),
    }


@pytest.mark.parametrize("column", ["survey_other_services", "survey_relapse"])
def test_a_row_answering_only_the_other_services_or_relapse_question_records_a_survey(
    setup, org, column
):
    _import(org, setup, _row(setup, **{column: "yes"}))
    response = SurveyResponse.objects.get()
    assert getattr(response, column.removeprefix("survey_")) == "yes"
    assert (response.satisfaction, response.wellbeing, response.alternative) == (None, None, "")


@pytest.mark.parametrize(("fmt", "head_count"), [("group", "500"), ("outreach", "1")])
def test_a_group_or_outreach_head_count_from_1_to_500_loads(setup, org, fmt, head_count):
    _import(org, setup, _row(setup, format=fmt, client_code="", head_count=head_count))
    assert Encounter.objects.get().head_count == int(head_count)


def test_a_one_on_one_row_may_say_its_one_person(setup, org):
    _import(org, setup, _row(setup, head_count="1"))
    assert Encounter.objects.get().head_count == 1


YES_NO = "is not one of: yes, no, prefer_not"


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"survey_other_services": "maybe"}, "survey_other_services", f"'maybe' {YES_NO}"),
        ({"survey_relapse": "Yes"}, "survey_relapse", f"'Yes' {YES_NO}"),
        ({"survey_relapse": "true"}, "survey_relapse", f"'true' {YES_NO}"),
        ({"format": "group", "client_code": ""}, "head_count", HEAD_COUNT_NEEDED),
        ({"format": "outreach", "head_count": "0"}, "head_count", "must be at least 1"),
        ({"format": "group", "head_count": "501"}, "head_count", "must be at most 500"),
        ({"format": "group", "head_count": "six"}, "head_count", BAD_WHOLE_NUMBER),
        ({"format": "group", "head_count": "2.5"}, "head_count", BAD_WHOLE_NUMBER),
        # One-on-one is one person: another count means the format or the count is wrong,
        # and storing 1 regardless would hide which. Refused, not ignored.
        ({"head_count": "6"}, "head_count", HEAD_COUNT_ONE_ON_ONE),
        ({"head_count": "0"}, "head_count", HEAD_COUNT_ONE_ON_ONE),
    ],
)
def test_a_bad_survey_answer_or_head_count_is_a_row_error_and_nothing_is_written(
    setup, org, values, column, message
):
    good = _row(setup, external_id="N-0", survey_relapse="no")
    with pytest.raises(ImportFailed) as failed:
        _import(org, setup, good, _row(setup, **values))
    assert failed.value.errors == [RowError(3, column, message)]
    assert not Encounter.objects.exists() and not SurveyResponse.objects.exists()


OLD_HEADER = (
    "external_id,peer_email,client_code,program,date,start_time,duration_minutes,setting,"
    "format,phase,support_types,service_type,payer,survey_satisfaction,survey_wellbeing,"
    "survey_alternative\n"
)


def test_a_file_in_the_columns_of_before_still_loads_and_a_group_in_it_asks_its_head_count(
    setup, org
):
    """head_count and the other-services and relapse answers were added later: a file
    without those columns loads, reading them as blank; a group row then needs its count."""
    peer, slug = setup.peer.user.email, setup.program.slug
    one = f"B-1,{peer},RC-001,{slug},2025-03-04,10:00,30,office,individual,connecting,emotional,skills_coaching,medicaid,4,6,none\n"  # noqa: E501
    EncounterImporter(organization=org).run(io.StringIO(OLD_HEADER + one))
    response = SurveyResponse.objects.get()
    assert (response.satisfaction, response.other_services, response.relapse) == (4, "", "")
    group = f"B-2,{peer},,{slug},2025-03-05,10:00,60,community,group,connecting,emotional,,,,,\n"
    with pytest.raises(ImportFailed) as failed:
        EncounterImporter(organization=org).run(io.StringIO(OLD_HEADER + group))
    assert [(e.line, e.column) for e in failed.value.errors] == [(2, "head_count")]
    assert Encounter.objects.count() == 1
