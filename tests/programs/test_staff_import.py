"""The shared import mechanism, through `import_staff`: every row validated, all or none,
line-numbered errors, a non-zero exit, and no duplicates on re-import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from config.accounts.models import User
from programs.imports import MISSING_COLUMN, REQUIRED, RowError
from programs.models import AuditEvent, Membership, Program, Role
from supervision import events as supervision_events

pytestmark = pytest.mark.django_db

HEADER = (
    "email,first_name,last_name,role,program,certification_number,certified_on,"
    "hire_date,license_type,license_number,licensed_on"
)
GOOD_ROWS = [
    "ana@example.org,Ana,Reyes,peer_supporter,recovery-coaching,MT-1234,2024-03-15,2024-01-08,,,",
    "ben@example.org,Ben,Cole,clinical_supervisor,recovery-coaching,,,2020-05-01,social_worker,LCSW-77,2015-06-30",
    "cy@example.org,Cy,Ward,program_manager,ed-bridge,,,2019-02-01,,,",
    "di@example.org,Di,Holt,org_admin,,,,,,,",
]


def _write(tmp_path: Path, lines: list[str], name: str = "staff.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_text(
        ("\ufeff" if bom else "") + "\n".join([HEADER, *lines]) + "\n", encoding="utf-8"
    )
    return path


def _run(path: Path, org_slug: str) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("import_staff", "--organization", org_slug, str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_creates_people_memberships_and_programs(org, tmp_path):
    out, _ = _run(_write(tmp_path, GOOD_ROWS, bom=True), org.slug)
    assert "4 row(s): 4 created, 0 updated, 0 unchanged" in out
    assert set(Program.objects.filter(organization=org).values_list("slug", flat=True)) == {
        "recovery-coaching",
        "ed-bridge",
    }
    ben = Membership.objects.get(user__email="ben@example.org", organization=org)
    assert ben.role == Role.CLINICAL_SUPERVISOR
    assert [p.slug for p in ben.programs.all()] == ["recovery-coaching"]
    assert not User.objects.get(email="ana@example.org").has_usable_password()


def test_importing_the_same_file_twice_changes_nothing(org, tmp_path):
    path = _write(tmp_path, GOOD_ROWS)
    _run(path, org.slug)
    out, _ = _run(path, org.slug)
    assert "4 row(s): 0 created, 0 updated, 4 unchanged" in out
    assert User.objects.count() == 4
    assert Membership.objects.count() == 4
    assert Program.objects.count() == 2


def test_every_bad_row_is_reported_and_nothing_is_written(org, tmp_path):
    rows = [
        GOOD_ROWS[0],
        "not-an-email,Bo,Lee,peer_supporter,,,,,,,",  # line 3
        "bo@example.org,Bo,Lee,wizard,,,,,,,",  # line 4
        "cat@example.org,,Hu,peer_supporter,,,2024-02-30,,,,",  # line 5
        "dee@example.org,Dee,Fox,clinical_supervisor,,,,,surgeon,,06/30/2015",  # line 6
        "ana@example.org,Ana,Reyes,peer_supporter,,,,,,,",  # line 7: duplicate
        "eve@example.org,Eve,Ng,peer_supporter,Bad Slug!,,,,,,",  # line 8
    ]
    with pytest.raises(CommandError) as failed:
        _run(_write(tmp_path, rows), org.slug)
    assert "nothing was imported" in str(failed.value)
    assert User.objects.count() == 0
    assert Membership.objects.count() == 0
    assert Program.objects.count() == 0


def test_errors_carry_line_column_and_reason(org, tmp_path, capsys):
    from programs.imports import ImportFailed
    from programs.staff_import import StaffImporter

    rows = [
        GOOD_ROWS[0],
        "not-an-email,Bo,Lee,peer_supporter,,,,,,,",
        "bo@example.org,Bo,Lee,wizard,,,,,,,",
        "cat@example.org,,Hu,peer_supporter,,,2024-02-30,,,,",
        "ana@example.org,Ana,Reyes,peer_supporter,,,,,,,",
    ]
    path = _write(tmp_path, rows)
    with pytest.raises(ImportFailed) as failed, path.open(encoding="utf-8") as stream:
        StaffImporter(organization=org).run(stream)
    errors = failed.value.errors
    assert RowError(3, "email", "not a valid e-mail address") in errors
    assert any(
        e.line == 4 and e.column == "role" and "'wizard' is not one of" in e.message for e in errors
    )
    assert RowError(5, "first_name", REQUIRED) in errors
    assert any(e.line == 5 and e.column == "certified_on" for e in errors)
    assert any(e.line == 6 and "line 2" in e.message for e in errors)


def test_the_command_prints_each_error_and_exits_non_zero(org, tmp_path):
    from io import StringIO

    err = StringIO()
    path = _write(
        tmp_path, ["x@example.org,X,Y,wizard,,,,,,,", "y@example.org,,Z,peer_supporter,,,,,,,"]
    )
    with pytest.raises(CommandError) as failed:
        call_command("import_staff", "--organization", org.slug, str(path), stderr=err)
    # Django turns a CommandError into exit status `returncode` when run from the shell.
    assert failed.value.returncode == 1
    printed = err.getvalue().splitlines()
    assert printed[0].startswith("line 2, column role: 'wizard' is not one of")
    assert printed[1] == "line 3, column first_name: a value is required"


def test_a_missing_column_is_reported_against_the_header(org, tmp_path):
    from programs.imports import ImportFailed
    from programs.staff_import import StaffImporter

    path = tmp_path / "short.csv"
    path.write_text("email,first_name,last_name\nx@example.org,X,Y\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed, path.open(encoding="utf-8") as stream:
        StaffImporter(organization=org).run(stream)
    assert RowError(1, "role", MISSING_COLUMN) in failed.value.errors


def test_an_unknown_organization_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No organization with the slug 'nope'"):
        _run(_write(tmp_path, GOOD_ROWS), "nope")


def test_a_second_import_updates_a_changed_role_and_adds_a_program(org, tmp_path):
    _run(_write(tmp_path, GOOD_ROWS), org.slug)
    changed = [
        GOOD_ROWS[0]
        .replace("recovery-coaching", "ed-bridge")
        .replace("peer_supporter", "program_manager")
    ]
    out, _ = _run(_write(tmp_path, changed, name="again.csv"), org.slug)
    assert "1 updated" in out
    ana = Membership.objects.get(user__email="ana@example.org")
    assert ana.role == Role.PROGRAM_MANAGER
    assert {p.slug for p in ana.programs.all()} == {"recovery-coaching", "ed-bridge"}


# --- a clinical supervisor's license ---------------------------------------------------------


def _supervisor_row(
    license_type: str = "social_worker",
    number: str = "LCSW-77",
    licensed_on: str = "2015-06-30",
    email: str = "ben@example.org",
) -> str:
    return f"{email},Ben,Cole,clinical_supervisor,,,,,{license_type},{number},{licensed_on}"


def _import_errors(org, path: Path) -> list[RowError]:
    from programs.imports import ImportFailed
    from programs.staff_import import StaffImporter

    with pytest.raises(ImportFailed) as failed, path.open(encoding="utf-8") as stream:
        StaffImporter(organization=org).run(stream)
    return failed.value.errors


def test_a_supervisors_license_is_stored_and_decides_when_they_may_supervise(org, tmp_path):
    from supervision.models import SupervisorProfile
    from supervision.services.supervisors import supervisor_eligible_on

    _run(_write(tmp_path, [_supervisor_row()]), org.slug)

    ben = Membership.objects.get(user__email="ben@example.org", organization=org)
    profile = SupervisorProfile.objects.get(membership=ben)
    assert (profile.license_type, profile.license_number, profile.licensed_on) == (
        "social_worker",
        "LCSW-77",
        dt.date(2015, 6, 30),
    )
    assert profile.supervision_ceu_hours == 0
    # Three years after the license date, not a day before.
    assert not supervisor_eligible_on(ben, dt.date(2018, 6, 29))
    assert supervisor_eligible_on(ben, dt.date(2018, 6, 30))
    assert (
        AuditEvent.objects.filter(
            event=supervision_events.SUPERVISOR_UPDATED, organization=org
        ).count()
        == 1
    )


def test_reimporting_a_license_reports_unchanged_and_writes_nothing(org, tmp_path):
    path = _write(tmp_path, [_supervisor_row()])
    _run(path, org.slug)

    out, _ = _run(path, org.slug)

    assert "1 row(s): 0 created, 0 updated, 1 unchanged" in out
    assert AuditEvent.objects.filter(event=supervision_events.SUPERVISOR_UPDATED).count() == 1


def test_a_changed_license_updates_the_profile_and_keeps_its_supervision_ceus(org, tmp_path):
    from supervision.models import SupervisorProfile
    from supervision.services.supervisors import supervisor_eligible_on, supervisor_profile_save

    _run(_write(tmp_path, [_supervisor_row(licensed_on="2024-01-02")]), org.slug)
    ben = Membership.objects.get(user__email="ben@example.org", organization=org)
    supervisor_profile_save(  # CEUs entered in the app, which the staff file does not carry
        membership=ben,
        actor=None,
        license_type="social_worker",
        license_number="LCSW-77",
        licensed_on=dt.date(2024, 1, 2),
        supervision_ceu_hours=Decimal(20),
    )

    out, _ = _run(
        _write(tmp_path, [_supervisor_row(number="LCSW-78", licensed_on="2024-01-02")], "b.csv"),
        org.slug,
    )

    assert "1 updated" in out
    profile = SupervisorProfile.objects.get(membership=ben)
    assert (profile.license_number, profile.supervision_ceu_hours) == ("LCSW-78", 20)
    # With 20 CEU hours kept, eligible from the license date (not three years later).
    assert supervisor_eligible_on(ben, dt.date(2024, 1, 2))


def test_blank_license_columns_leave_a_license_entered_in_the_app(org, tmp_path):
    from supervision.models import SupervisorProfile

    _run(_write(tmp_path, [_supervisor_row()]), org.slug)

    out, _ = _run(_write(tmp_path, [_supervisor_row("", "", "")], "b.csv"), org.slug)

    assert "1 unchanged" in out
    profile = SupervisorProfile.objects.get(membership__user__email="ben@example.org")
    assert (profile.license_type, profile.license_number) == ("social_worker", "LCSW-77")


def test_a_bad_license_type_is_reported_by_line_and_column_and_nothing_is_written(org, tmp_path):
    from supervision.models import LicenseType, SupervisorProfile

    bad = "dee@example.org,Dee,Fox,clinical_supervisor,,,,,surgeon,LIC-1,2015-06-30"

    errors = _import_errors(org, _write(tmp_path, [_supervisor_row(), bad]))

    assert errors == [
        RowError(3, "license_type", f"'surgeon' is not one of: {', '.join(LicenseType.values)}")
    ]
    assert not SupervisorProfile.objects.exists()
    assert not Membership.objects.exists()


def test_a_license_on_a_row_that_is_not_a_clinical_supervisor_is_an_error(org, tmp_path):
    from supervision.staff_columns import LICENSE_ONLY_FOR_SUPERVISORS

    rows = [
        "ana@example.org,Ana,Reyes,peer_supporter,,,,,psychologist,,",
        "cy@example.org,Cy,Ward,program_manager,,,,,,LIC-9,2015-06-30",
        GOOD_ROWS[3],  # blank license columns are fine for anyone
    ]

    errors = _import_errors(org, _write(tmp_path, rows))

    assert errors == [
        RowError(2, "license_type", LICENSE_ONLY_FOR_SUPERVISORS),
        RowError(3, "license_number", LICENSE_ONLY_FOR_SUPERVISORS),
        RowError(3, "licensed_on", LICENSE_ONLY_FOR_SUPERVISORS),
    ]


def test_a_license_needs_its_type_number_and_date_together(org, tmp_path):
    from supervision.staff_columns import LICENSE_NEEDS_ALL

    rows = [
        _supervisor_row(licensed_on=""),
        "dee@example.org,Dee,Fox,clinical_supervisor,,,,,,LIC-1,",
    ]

    errors = _import_errors(org, _write(tmp_path, rows))

    assert errors == [
        RowError(2, "licensed_on", LICENSE_NEEDS_ALL),
        RowError(3, "license_type", LICENSE_NEEDS_ALL),
        RowError(3, "licensed_on", LICENSE_NEEDS_ALL),
    ]


def test_a_license_date_in_the_future_is_an_error(org, tmp_path):
    from supervision.staff_columns import LICENSED_IN_FUTURE

    rows = [
        _supervisor_row(licensed_on="2025-06-17"),
        _supervisor_row(licensed_on="2025-06-16", email="bo@example.org"),
    ]
    noon = dt.datetime(2025, 6, 16, 12, tzinfo=ZoneInfo(org.time_zone))

    with time_machine.travel(noon, tick=False):
        errors = _import_errors(org, _write(tmp_path, rows))

    assert errors == [RowError(2, "licensed_on", LICENSED_IN_FUTURE)]
