"""`import_supervision`: paper logs from before the app, checked row by row, written all or
none, marked as transcribed from paper, signed when the paper was, and landed once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from certification.services import certification_record, profile_for
from programs.imports import REQUIRED, ImportFailed, RowError
from programs.models import AuditEvent, Membership, Role
from programs.services import membership_update
from supervision import events as supervision_events
from supervision.log_import import (
    END_NOT_AFTER_START,
    IMPORTED_WITH_OTHER_DETAILS,
    IN_THE_FUTURE,
    NO_SUPERVISEES,
    NOT_A_PEER_HERE,
    NOT_A_SUPERVISOR_HERE,
    SIGNED_BEFORE_SESSION,
    WRONG_ROLE,
    PaperLogImporter,
)
from supervision.models import LicenseType, LogAttendee, LogSource, SupervisionLog
from supervision.selectors import month_ratios
from supervision.services.supervisors import supervisor_profile_save

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 16)
HEADER = "external_id,supervisor_email,supervisee_emails,date,start_time,end_time,signed_on"
GOOD_ROWS = [
    # A group session with two supervisees, signed on paper the next day.
    "P-001,sam@example.org,pat@example.org;olu@example.org,2025-05-06,09:00,10:30,2025-05-07",
    # Never signed on paper.
    "P-002,sam@example.org,pat@example.org,2025-05-20,14:00,14:45,",
]


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    noon = dt.datetime(2025, 6, 16, 12, tzinfo=ZoneInfo("America/Denver"))
    with time_machine.travel(noon, tick=False):
        yield


@pytest.fixture
def staff(org, other_org, member_of) -> Any:
    def person(organization: Any, role: str, email: str, first: str, last: str) -> Membership:
        return member_of(
            organization, role, mfa=False, email=email, first_name=first, last_name=last
        )

    sam = person(org, Role.CLINICAL_SUPERVISOR, "sam@example.org", "Sam", "Ortiz")
    supervisor_profile_save(
        membership=sam,
        actor=None,
        license_type=LicenseType.SOCIAL_WORKER,
        license_number="LCSW-77",
        licensed_on=dt.date(2015, 6, 30),
    )
    pat = person(org, Role.PEER_SUPPORTER, "pat@example.org", "Pat", "Lee")
    certification_record(
        profile=profile_for(pat), actor=None, number="MT-1234", issued_on=dt.date(2024, 3, 15)
    )
    return SimpleNamespace(
        sam=sam,
        pat=pat,
        olu=person(org, Role.PEER_SUPPORTER, "olu@example.org", "Olu", "Ade"),
        gone=person(org, Role.PEER_SUPPORTER, "gone@example.org", "Gil", "Gone"),
        admin=person(org, Role.ORG_ADMIN, "ada@example.org", "Ada", "Min"),
        outsider=person(other_org, Role.CLINICAL_SUPERVISOR, "out@example.org", "Oz", "Out"),
    )


def _write(tmp_path: Path, lines: list[str], name: str = "logs.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _run(path: Path, org_slug: str, *extra: str) -> str:
    out = StringIO()
    call_command("import_supervision", "--organization", org_slug, *extra, str(path), stdout=out)
    return out.getvalue()


def _errors(org: Any, path: Path) -> list[RowError]:
    with pytest.raises(ImportFailed) as failed, path.open(encoding="utf-8") as stream:
        PaperLogImporter(organization=org).run(stream)
    return failed.value.errors


def test_paper_logs_are_imported_as_paper_logs_with_who_imported_them(org, staff, tmp_path):
    out = _run(_write(tmp_path, GOOD_ROWS), org.slug, "--actor", "ada@example.org")

    assert "2 row(s): 2 created, 0 updated, 0 unchanged" in out
    log = SupervisionLog.objects.get(organization=org, external_id="P-001")
    assert log.source == LogSource.PAPER
    assert log.supervisor == staff.sam
    assert (log.date, log.start_time, log.end_time) == (
        dt.date(2025, 5, 6),
        dt.time(9, 0),
        dt.time(10, 30),
    )
    assert log.minutes == 90
    assert log.signed_on_paper == dt.date(2025, 5, 7)
    assert log.is_signed
    assert log.created_by == staff.admin.user
    assert (log.supervisor_name, log.supervisor_license_number) == ("Sam Ortiz", "LCSW-77")
    assert sorted(
        log.attendees.values_list("supervisee_id", "supervisee_name", "certification_number")
    ) == sorted([(staff.pat.pk, "Pat Lee", "MT-1234"), (staff.olu.pk, "Olu Ade", "")])
    audit = AuditEvent.objects.get(
        event=supervision_events.SUPERVISION_IMPORTED, subject_id=str(log.pk)
    )
    assert (audit.actor, audit.organization) == (staff.admin.user, org)
    assert audit.data == {"external_id": "P-001", "signed_on_paper": "2025-05-07"}


def test_a_log_signed_on_paper_counts_toward_the_ratio_and_an_unsigned_one_does_not(
    org, staff, tmp_path
):
    _run(_write(tmp_path, GOOD_ROWS), org.slug)

    may = {
        m.peer.pk: m.ratio.received_minutes
        for m in month_ratios(
            Membership.objects.filter(pk__in=[staff.pat.pk, staff.olu.pk]), year=2025, month=5
        )
    }
    # P-001 (90 minutes, signed) counts for both; P-002 (45 minutes, unsigned) for nobody.
    assert may == {staff.pat.pk: 90, staff.olu.pk: 90}


def test_a_blank_signed_on_leaves_the_log_unsigned(org, staff, tmp_path):
    _run(_write(tmp_path, GOOD_ROWS), org.slug)

    log = SupervisionLog.objects.get(organization=org, external_id="P-002")
    assert log.source == LogSource.PAPER
    assert log.minutes == 45
    assert log.signed_on_paper is None
    assert log.signature_hash == ""
    assert not log.is_signed


def test_the_edges_are_accepted_today_signed_the_same_day_and_one_minute_long(org, staff, tmp_path):
    out = _run(
        _write(tmp_path, ["E-1,sam@example.org,pat@example.org,2025-06-16,09:00,09:01,2025-06-16"]),
        org.slug,
    )

    assert "1 created" in out
    log = SupervisionLog.objects.get(external_id="E-1")
    assert (log.minutes, log.signed_on_paper) == (1, TODAY)


def test_every_bad_row_is_reported_by_line_and_column_and_nothing_is_written(org, staff, tmp_path):
    membership_update(
        membership=staff.gone, actor=None, role=Role.PEER_SUPPORTER, programs=[], is_active=False
    )
    session = "2025-05-06,09:00,10:00"
    rows = [
        GOOD_ROWS[0],  # line 2
        f"B-03,nobody@example.org,pat@example.org,{session},",
        f"B-04,out@example.org,pat@example.org,{session},",  # another organization's
        f"B-05,pat@example.org,olu@example.org,{session},",  # a peer as supervisor
        f"B-06,sam@example.org,pat@example.org;zed@example.org,{session},",
        "B-07,sam@example.org,pat@example.org,2025-05-06,10:00,09:30,",
        "B-08,sam@example.org,pat@example.org,2025-05-06,10:00,10:00,",
        "B-09,sam@example.org,pat@example.org,2025-06-17,09:00,10:00,",  # tomorrow
        f"B-10,sam@example.org,pat@example.org,{session},2025-05-05",  # signed the day before
        f"P-001,sam@example.org,pat@example.org,{session},",  # line 11: same id as line 2
        f"B-12,sam@example.org,;,{session},",
        "B-13,sam@example.org,pat@example.org,2025-06-10,09:00,10:00,2025-06-17",
        f"B-14,sam@example.org,ada@example.org,{session},",  # an admin as supervisee
        f"B-15,sam@example.org,gone@example.org,{session},",  # a peer no longer active
        f"B-16,sam@example.org,,{session},",
    ]

    errors = _errors(org, _write(tmp_path, rows))

    assert errors == sorted(
        [
            RowError(3, "supervisor_email", NOT_A_SUPERVISOR_HERE),
            RowError(4, "supervisor_email", NOT_A_SUPERVISOR_HERE),
            RowError(
                5,
                "supervisor_email",
                WRONG_ROLE.format(
                    email="pat@example.org", role="peer supporter", wanted="clinical supervisor"
                ),
            ),
            RowError(6, "supervisee_emails", NOT_A_PEER_HERE.format(email="zed@example.org")),
            RowError(7, "end_time", END_NOT_AFTER_START),
            RowError(8, "end_time", END_NOT_AFTER_START),
            RowError(9, "date", IN_THE_FUTURE),
            RowError(10, "signed_on", SIGNED_BEFORE_SESSION),
            RowError(11, "external_id", "the same external_id appears on line 2"),
            RowError(12, "supervisee_emails", NO_SUPERVISEES),
            RowError(13, "signed_on", IN_THE_FUTURE),
            RowError(
                14,
                "supervisee_emails",
                WRONG_ROLE.format(
                    email="ada@example.org", role="organization admin", wanted="peer supporter"
                ),
            ),
            RowError(15, "supervisee_emails", NOT_A_PEER_HERE.format(email="gone@example.org")),
            RowError(16, "supervisee_emails", REQUIRED),
        ]
    )
    assert not SupervisionLog.objects.exists()
    assert not LogAttendee.objects.exists()
    assert not AuditEvent.objects.filter(event=supervision_events.SUPERVISION_IMPORTED).exists()


def test_a_bad_file_fails_the_command_and_writes_nothing(org, staff, tmp_path):
    err = StringIO()
    path = _write(tmp_path, [GOOD_ROWS[0], "B-1,sam@example.org,zed@example.org,2025-05-06,9"])

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_supervision", "--organization", org.slug, str(path), stderr=err)

    assert "line 3, column end_time: a value is required" in err.getvalue()
    assert not SupervisionLog.objects.exists()


def test_importing_the_same_file_again_changes_nothing(org, staff, tmp_path):
    path = _write(tmp_path, GOOD_ROWS)
    _run(path, org.slug)
    before = list(SupervisionLog.objects.order_by("pk").values())
    audit_rows = AuditEvent.objects.count()

    out = _run(path, org.slug)

    assert "2 row(s): 0 created, 0 updated, 2 unchanged" in out
    assert list(SupervisionLog.objects.order_by("pk").values()) == before
    assert LogAttendee.objects.count() == 3
    assert AuditEvent.objects.count() == audit_rows


def test_a_file_imported_before_still_reruns_after_a_supervisee_has_left(org, staff, tmp_path):
    path = _write(tmp_path, GOOD_ROWS)
    _run(path, org.slug)
    membership_update(
        membership=staff.olu, actor=None, role=Role.PEER_SUPPORTER, programs=[], is_active=False
    )

    out = _run(path, org.slug)

    assert "0 created, 0 updated, 2 unchanged" in out


def test_a_changed_row_for_an_imported_log_is_an_error_not_a_silent_skip(org, staff, tmp_path):
    _run(_write(tmp_path, GOOD_ROWS), org.slug)
    changed = [GOOD_ROWS[0].replace("10:30", "10:45"), GOOD_ROWS[1]]

    errors = _errors(org, _write(tmp_path, changed, name="again.csv"))

    assert errors == [RowError(2, "external_id", IMPORTED_WITH_OTHER_DETAILS)]
    assert SupervisionLog.objects.get(external_id="P-001").end_time == dt.time(10, 30)


def test_the_same_external_id_in_another_organization_is_another_log(
    org, other_org, staff, member_of, tmp_path
):
    _run(_write(tmp_path, GOOD_ROWS), org.slug)
    peer = member_of(other_org, Role.PEER_SUPPORTER, mfa=False, email="kim@example.org")
    row = "P-001,out@example.org,kim@example.org,2025-05-06,09:00,10:30,"

    out = _run(_write(tmp_path, [row], name="other.csv"), other_org.slug)

    assert "1 created" in out
    log = SupervisionLog.objects.get(organization=other_org, external_id="P-001")
    assert [a.supervisee for a in log.attendees.all()] == [peer]


def test_without_actor_the_logs_have_no_importer_like_every_import(org, staff, tmp_path):
    _run(_write(tmp_path, GOOD_ROWS), org.slug)

    assert set(SupervisionLog.objects.values_list("created_by", flat=True)) == {None}


@pytest.mark.parametrize("email", ["pat@example.org", "out@example.org", "nobody@example.org"])
def test_the_actor_must_manage_supervision_in_the_organization(org, staff, tmp_path, email):
    with pytest.raises(CommandError, match="not an active organization admin or program manager"):
        _run(_write(tmp_path, GOOD_ROWS), org.slug, "--actor", email)

    assert not SupervisionLog.objects.exists()


def test_a_paper_log_counts_as_signed_only_if_its_supervisor_was_eligible_that_day(
    org, staff, tmp_path, member_of
):
    rookie = member_of(
        org, Role.CLINICAL_SUPERVISOR, mfa=False, email="rue@example.org", first_name="Rue"
    )
    supervisor_profile_save(
        membership=rookie,
        actor=None,
        license_type=LicenseType.PROFESSIONAL_COUNSELOR,
        license_number="LCPC-1",
        licensed_on=dt.date(2024, 1, 1),
    )
    path = _write(
        tmp_path,
        [
            "R-1,rue@example.org,pat@example.org,2025-02-03,09:00,10:00,2025-02-03",
            "R-2,rue@example.org,pat@example.org,2025-02-04,09:00,10:00,",
        ],
    )
    errors = _errors(org, path)
    assert [(e.line, e.column) for e in errors] == [(2, "signed_on")]
    assert "not make them eligible" in errors[0].message
    assert not SupervisionLog.objects.filter(organization=org).exists()
