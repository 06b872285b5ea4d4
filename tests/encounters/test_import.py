"""import_encounters: all rows or none, line-numbered errors, no duplicates on re-import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from encounters.models import Client, Encounter, SurveyResponse

pytestmark = pytest.mark.django_db

HEADER = (
    "external_id,peer_email,client_code,program,date,start_time,duration_minutes,setting,"
    "format,phase,support_types,service_type,payer,survey_satisfaction,survey_wellbeing,"
    "survey_alternative\n"
)


def _file(tmp_path, setup, *rows):
    peer, other = setup.peer.user.email, setup.other_peer.user.email
    slug = setup.program.slug
    body = HEADER + "".join(r.format(peer=peer, other=other, program=slug) + "\n" for r in rows)
    path = tmp_path / "encounters.csv"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = [
    "A-1,{peer},RC-001,{program},2025-03-04,10:00,23,office,individual,connecting,emotional;affiliation,skills_coaching,medicaid,5,7,emergency_department",
    "A-2,{peer},NEW-9,{program},2025-03-05,11:30,60,phone,individual,engaging,informational,,,,,",
    "A-3,{peer},,{program},2025-03-06,18:00,90,drop_in_center,group,supporting,affiliation,natural_supports,medicaid,,,",
    "A-4,{other},NEW-9,{program},2025-03-01,09:00,30,community,individual,engaging,emotional,self_advocacy,medicaid,4,,",
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
        "B-1,nobody@example.org,RC-001,{program},2025-03-04,10:00,23,office,individual,connecting,emotional,,,,,",
        "B-2,{peer},RC-001,{program},2025-13-04,25:00,0,moon,individual,connecting,telepathy,,,6,11,teleport",
        "B-3,{peer},,{program},2025-03-04,10:00,20,office,individual,connecting,emotional,,,,,",
        "A-1,{peer},RC-001,{program},2025-03-04,10:00,23,office,individual,connecting,emotional,,,,,",
        "B-4,{peer},RC-001,{program},2025-03-04,10:00,20,office,individual,connecting,emotional,,unknownpay,,,",
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
        "line 9: the same external_id appears on line 2",
    ]:
        assert expected in err, expected
    assert Encounter.objects.count() == 0 and not Client.objects.filter(code="NEW-9").exists()


def test_a_row_the_service_refuses_rolls_back_the_whole_file(setup, tmp_path, org, capsys):
    # RC-001 was enrolled on 2025-01-01: an encounter before that is refused by the service.
    rows = [
        *GOOD,
        "C-1,{peer},RC-001,{program},2024-12-01,10:00,23,office,individual,connecting,emotional,,,,,",
    ]
    with pytest.raises(CommandError):
        call_command(
            "import_encounters", "--organization", org.slug, str(_file(tmp_path, setup, *rows))
        )
    assert "line 6, column date" in capsys.readouterr().err
    assert Encounter.objects.count() == 0
