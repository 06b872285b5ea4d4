"""The Import page (programs.import_views, programs.import_runs): who may use it, the check
that writes nothing, the confirm that imports once, duplicates, the organization a file
lands in, background imports and how long files are kept."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from programs import audit
from programs.import_runs import (
    PROGRESS_KEY,
    TOO_LARGE,
    import_confirm,
    import_files_expire,
    import_runs_expire,
    import_upload,
    importer_columns,
)
from programs.imports import IMPORT_KINDS, Cells
from programs.models import AuditEvent, ImportRun, ImportStatus, Membership, Role
from programs.tasks import imports_daily, run_import
from supervision.hours_import import NOT_AN_ACTIVE_PEER_HERE
from supervision.models import HoursWorked

pytestmark = pytest.mark.django_db

HEADER = "peer_email,date,hours"


def _file(*rows: str, name: str = "hours.csv", header: str = HEADER) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([header, *rows]) + "\n").encode(), "text/csv")


def _rows(peer: Membership, n: int, start: dt.date = dt.date(2025, 1, 1)) -> list[str]:
    return [f"{peer.user.email},{start + dt.timedelta(days=i)},7.5" for i in range(n)]


@pytest.fixture
def manager(org: Any, member_of: Any) -> Membership:
    return member_of(org, Role.PROGRAM_MANAGER)


@pytest.fixture
def peer(org: Any, member_of: Any) -> Membership:
    return member_of(org, Role.PEER_SUPPORTER)


def _upload(client: Any, upload: SimpleUploadedFile, kind: str = "hours", **extra: str) -> Any:
    return client.post(reverse("import_page"), {"kind": kind, "file": upload, **extra})


def _last_run() -> ImportRun:
    return ImportRun.objects.order_by("-pk").first()  # type: ignore[return-value]


# ----- who may import --------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.PROGRAM_MANAGER])
def test_admins_and_managers_get_the_import_page_and_its_link(org, member_of, client_for, role):
    client = client_for(member_of(org, role))
    page = client.get(reverse("import_page"))
    assert page.status_code == 200
    assert f'href="{reverse("import_page")}"' in page.content.decode()  # in the navigation
    assert client.get(reverse("import_history")).status_code == 200


@pytest.mark.parametrize("role", [Role.PEER_SUPPORTER, Role.CLINICAL_SUPERVISOR, Role.TRAINER])
def test_peers_supervisors_and_trainers_are_refused_and_upload_nothing(
    org, member_of, client_for, peer, role
):
    who = member_of(org, role)
    client = client_for(who)
    assert client.get(reverse("import_page")).status_code == 403
    assert client.get(reverse("import_history")).status_code == 403
    assert client.get(reverse("import_template", args=["hours", "csv"])).status_code == 403
    assert _upload(client, _file(*_rows(peer, 1))).status_code == 403
    assert not ImportRun.objects.exists()
    assert f'href="{reverse("import_page")}"' not in client.get(reverse("home")).content.decode()


def test_a_peer_cannot_open_or_confirm_a_managers_upload(org, manager, peer, client_for):
    run = import_upload(
        organization=org, actor=manager.user, kind="hours", file=_file(*_rows(peer, 1))
    )
    client = client_for(peer)
    assert client.get(reverse("import_run", args=[run.pk])).status_code == 403
    assert client.post(reverse("import_confirm", args=[run.pk])).status_code == 403
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED
    assert not HoursWorked.objects.exists()


# ----- what each kind holds, and its templates -------------------------------------------


def test_the_page_lists_every_kind_with_what_each_column_means(org, manager, client_for):
    page = client_for(manager).get(reverse("import_page")).content.decode()
    for kind in ("staff", "encounters", "ceus", "hours", "supervision"):
        importer = IMPORT_KINDS[kind](organization=org)
        assert importer.label.replace("(", "") in page.replace("(", "")
        assert reverse("import_template", args=[kind, "csv"]) in page
        assert reverse("import_template", args=[kind, "xlsx"]) in page
        for column in importer_columns(importer):
            assert f"<code>{column}</code>" in page
            assert importer.column_help.get(column), f"{kind}.{column} has no help"


@pytest.mark.parametrize("kind", ["staff", "encounters", "ceus", "hours", "supervision"])
def test_each_template_is_the_header_and_an_example_row_the_importer_reads(
    org, manager, client_for, kind
):
    client = client_for(manager)
    importer = IMPORT_KINDS[kind](organization=org, actor=manager.user)
    columns = importer_columns(importer)

    response = client.get(reverse("import_template", args=[kind, "csv"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="peerpath-{kind}-template.csv"'
    )
    header, example = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == columns
    # The example row reads without a problem, cell by cell, through the kind's own parser.
    cells = Cells(values=dict(zip(header, example, strict=True)), line=2)
    importer.parse(cells)
    assert cells.errors == []
    # The whole file is accepted as far as its columns go: every problem left is about the
    # organization's records (the example's people and programs are not here), none is
    # about the header.
    from programs.imports import ImportFile

    check = importer.check_file(ImportFile(data=response.content, name="t.csv"))
    assert check.header == columns
    assert [line for line, _ in check.preview] == [2]
    assert all(e.line == 2 and e.column in columns for e in check.errors), check.errors

    book = client.get(reverse("import_template", args=[kind, "xlsx"]))
    assert book.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(book.content), read_only=True).worksheets[0]
    rows = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows == [header, example]


# ----- the check writes nothing ----------------------------------------------------------


def test_the_check_shows_the_rows_as_read_and_every_problem_and_writes_nothing(
    org, manager, peer, client_for
):
    client = client_for(manager)
    good, bad = _rows(peer, 2)
    bad = bad.replace(",7.5", ",25")
    response = _upload(client, _file(good, bad, "nobody@example.org,2025-01-05,4"))
    run = _last_run()
    assert response.status_code == 302 and response["Location"] == reverse(
        "import_run", args=[run.pk]
    )
    assert run.status == ImportStatus.CHECKED and run.file
    assert not HoursWorked.objects.exists()

    page = client.get(response["Location"]).content.decode()
    assert "2 problems" in page
    assert "line 3, column hours: " in page
    assert f"line 4, column peer_email: {NOT_AN_ACTIVE_PEER_HERE}" in page
    assert peer.user.email in page  # the preview, as read
    assert "Confirm and import" not in page

    problems = client.get(reverse("import_problems", args=[run.pk]))
    assert problems["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(problems.content.decode())))
    assert lines[0] == ["line", "column", "problem"]
    assert lines[1][:2] == ["3", "hours"] and lines[2] == [
        "4",
        "peer_email",
        NOT_AN_ACTIVE_PEER_HERE,
    ]

    # Confirming a file with problems imports nothing.
    client.post(reverse("import_confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED
    assert not HoursWorked.objects.exists()


def test_the_preview_shows_the_first_20_rows(org, manager, peer, client_for):
    client = client_for(manager)
    _upload(client, _file(*_rows(peer, 25)))
    run = _last_run()
    assert [line for line, _ in run.preview["rows"]] == list(range(2, 22))
    page = client.get(reverse("import_run", args=[run.pk])).content.decode()
    assert "The first 20 rows as read" in page
    assert "2025-01-20" in page and "2025-01-21" not in page  # rows 20 and 21 of the file
    assert "Importing it will create 25" in page


def test_a_missing_file_an_unknown_kind_and_a_file_too_large_are_said_by_field(
    org, manager, peer, client_for, settings
):
    client = client_for(manager)
    response = client.post(reverse("import_page"), {"kind": "hours"})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    response = _upload(client, _file(*_rows(peer, 1)), kind="payroll")
    assert response.status_code == 200 and response.context["form"].errors["kind"]
    settings.IMPORT_MAX_BYTES = 2 * 1024 * 1024
    big = SimpleUploadedFile("big.csv", b"x" * (2 * 1024 * 1024 + 1), "text/csv")
    response = _upload(client, big)
    assert response.context["form"].errors["file"] == [TOO_LARGE.format(mb=2)]
    assert not ImportRun.objects.exists()


# ----- confirm ---------------------------------------------------------------------------


def test_confirm_imports_everything_once_however_often_it_is_sent(org, manager, peer, client_for):
    client = client_for(manager)
    _upload(client, _file(*_rows(peer, 3)))
    run = _last_run()
    url = reverse("import_confirm", args=[run.pk])

    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # a double click, a retry
    run.refresh_from_db()
    assert run.status == ImportStatus.IMPORTED
    assert (run.created, run.updated, run.unchanged) == (3, 0, 0)
    assert run.confirmed_by == manager.user
    assert HoursWorked.objects.filter(peer=peer).count() == 3
    done = AuditEvent.objects.filter(event=audit.IMPORT_DONE)
    assert done.count() == 1
    data = done.get().data
    assert (data["created"], data["rows"], data["kind"]) == (3, 3, "hours")
    assert peer.user.email not in str(data)  # counts, never row data

    page = client.get(reverse("import_run", args=[run.pk])).content.decode()
    assert "3 created, 0 updated, 0 unchanged" in page
    history = client.get(reverse("import_history")).content.decode()
    assert "hours.csv" in history and run.sha256 in history and "3 created" in history


def test_a_file_already_imported_is_refused_and_changes_nothing(org, manager, peer, client_for):
    client = client_for(manager)
    rows = _rows(peer, 2)
    _upload(client, _file(*rows))
    first = _last_run()
    client.post(reverse("import_confirm", args=[first.pk]))
    HoursWorked.objects.filter(peer=peer).update(hours=Decimal(3))  # corrected in the app

    _upload(client, _file(*rows, name="hours again.csv"))
    again = _last_run()
    assert again.status == ImportStatus.REFUSED_DUPLICATE
    assert again.duplicate_of == first and not again.file
    page = client.get(reverse("import_run", args=[again.pk])).content.decode()
    assert "Already imported." in page and "Nothing was changed." in page
    assert client.post(reverse("import_confirm", args=[again.pk])).status_code == 302
    assert set(HoursWorked.objects.values_list("hours", flat=True)) == {Decimal(3)}
    assert AuditEvent.objects.filter(event=audit.IMPORT_REFUSED_DUPLICATE).count() == 1


def test_two_checked_copies_of_a_file_confirmed_one_after_the_other_import_once(org, manager, peer):
    rows = _rows(peer, 2)
    one = import_upload(organization=org, actor=manager.user, kind="hours", file=_file(*rows))
    two = import_upload(organization=org, actor=manager.user, kind="hours", file=_file(*rows))
    assert one.status == two.status == ImportStatus.CHECKED
    assert import_confirm(run=one, actor=manager.user).status == ImportStatus.IMPORTED
    second = import_confirm(run=two, actor=manager.user)
    assert second.status == ImportStatus.REFUSED_DUPLICATE and second.duplicate_of == one
    assert AuditEvent.objects.filter(event=audit.IMPORT_DONE).count() == 1


def test_the_same_file_for_another_kind_or_organization_is_not_a_duplicate(
    org, other_org, manager, peer, member_of
):
    rows = _rows(peer, 1)
    import_confirm(
        run=import_upload(organization=org, actor=manager.user, kind="hours", file=_file(*rows)),
        actor=manager.user,
    )
    elsewhere = member_of(other_org, Role.PROGRAM_MANAGER)
    run = import_upload(
        organization=other_org, actor=elsewhere.user, kind="hours", file=_file(*rows)
    )
    assert run.status == ImportStatus.CHECKED  # checked there, on its own terms


# ----- the file lands in the uploader's organization, whatever it says -------------------


def test_a_file_naming_another_organizations_people_writes_nothing_there(
    org, other_org, manager, member_of, client_for
):
    theirs = member_of(other_org, Role.PEER_SUPPORTER)
    client = client_for(manager)
    _upload(client, _file(*_rows(theirs, 2)))
    run = _last_run()
    assert run.organization == org
    assert {(e["column"], e["message"]) for e in run.errors} == {
        ("peer_email", NOT_AN_ACTIVE_PEER_HERE)
    }
    client.post(reverse("import_confirm", args=[run.pk]))
    assert not HoursWorked.objects.exists()


def test_a_run_is_confirmed_only_in_the_organization_it_was_uploaded_in(
    org, other_org, manager, peer, client_for
):
    Membership.objects.create(user=manager.user, organization=other_org, role=Role.ORG_ADMIN)
    client = client_for(manager)
    client.post(reverse("organization_switch"), {"organization": org.pk})
    _upload(client, _file(*_rows(peer, 1)))
    run = _last_run()
    client.post(reverse("organization_switch"), {"organization": other_org.pk})
    assert client.post(reverse("import_confirm", args=[run.pk])).status_code == 404
    assert client.get(reverse("import_run", args=[run.pk])).status_code == 404
    assert run.pk not in [r.pk for r in client.get(reverse("import_history")).context["runs"]]
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED


# ----- large files in the background -----------------------------------------------------


def test_a_large_file_is_imported_by_a_task_the_page_follows(
    org, manager, peer, client_for, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 3
    client = client_for(manager)
    _upload(client, _file(*_rows(peer, 4)))
    run = _last_run()
    page = client.get(reverse("import_run", args=[run.pk])).content.decode()
    assert "imported in the background" in page

    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("import_confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportStatus.QUEUED and not HoursWorked.objects.exists()
    status = client.get(reverse("import_run", args=[run.pk]), headers={"HX-Request": "true"})
    part = status.content.decode()
    assert 'hx-trigger="every 1s"' in part and "Waiting to start" in part
    assert "HX-Refresh" not in status

    # While it runs, the part shows how far it has come.
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING)
    from django.core.cache import cache

    cache.set(PROGRESS_KEY.format(pk=run.pk), (1, 4))
    part = client.get(
        reverse("import_run", args=[run.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "Importing… 1 of 4 rows." in part and "w-25" in part
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.QUEUED)

    assert len(queued) == 1
    queued[0]()  # the task, run in-process (CELERY_TASK_ALWAYS_EAGER)
    run.refresh_from_db()
    assert run.status == ImportStatus.IMPORTED and run.created == 4
    assert HoursWorked.objects.count() == 4
    done = client.get(reverse("import_run", args=[run.pk]), headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"  # the whole page then shows the result
    assert "every 1s" not in done.content.decode()

    # A redelivered task finds it imported and does nothing.
    assert run_import.delay(run_id=run.pk).get() == ImportStatus.IMPORTED
    assert AuditEvent.objects.filter(event=audit.IMPORT_DONE).count() == 1


def test_a_small_file_is_imported_while_the_page_waits(
    org, manager, peer, client_for, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 3
    client = client_for(manager)
    _upload(client, _file(*_rows(peer, 3)))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("import_confirm", args=[_last_run().pk]))
    assert not [c for c in queued if "run_import" in repr(c)]
    assert _last_run().status == ImportStatus.IMPORTED


def test_a_file_that_no_longer_imports_at_confirm_time_fails_whole(org, manager, peer):
    run = import_upload(
        organization=org, actor=manager.user, kind="hours", file=_file(*_rows(peer, 2))
    )
    Membership.objects.filter(pk=peer.pk).update(is_active=False)  # left since the check
    run = import_confirm(run=run, actor=manager.user)
    assert run.status == ImportStatus.FAILED
    assert {e["line"] for e in run.errors} == {2, 3}
    assert not HoursWorked.objects.exists()
    assert AuditEvent.objects.filter(event=audit.IMPORT_FAILED).count() == 1


# ----- how long files are kept -----------------------------------------------------------


def test_files_past_the_keeping_days_are_deleted_and_the_history_stays(
    org, manager, peer, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_KEEP_DAYS = 30
    old = import_upload(
        organization=org, actor=manager.user, kind="hours", file=_file(*_rows(peer, 1))
    )
    import_confirm(run=old, actor=manager.user)
    recent = import_upload(
        organization=org,
        actor=manager.user,
        kind="hours",
        file=_file(*_rows(peer, 1, dt.date(2025, 6, 1))),
    )
    now = timezone.now()
    ImportRun.objects.filter(pk=old.pk).update(uploaded_at=now - dt.timedelta(days=31))
    ImportRun.objects.filter(pk=recent.pk).update(uploaded_at=now - dt.timedelta(days=29))
    old.refresh_from_db()
    path = old.file.path

    with django_capture_on_commit_callbacks(execute=True):
        assert imports_daily.delay().get() == {"files_deleted": 1, "stale_ended": 0}
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.file and old.file_deleted_at is not None and old.preview == {}
    assert (old.status, old.created, old.sha256) == (ImportStatus.IMPORTED, 1, old.sha256)
    import os

    assert not os.path.exists(path)
    assert recent.file and os.path.exists(recent.file.path)
    assert AuditEvent.objects.filter(event=audit.IMPORT_FILE_DELETED).count() == 1
    assert import_files_expire() == 0  # a second run finds nothing


def test_an_import_whose_worker_died_is_ended_so_the_page_stops_waiting(
    org, manager, peer, settings
):
    settings.IMPORT_STALE_HOURS = 6
    run = import_upload(
        organization=org, actor=manager.user, kind="hours", file=_file(*_rows(peer, 1))
    )
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.RUNNING, confirmed_at=timezone.now() - dt.timedelta(hours=7)
    )
    assert import_runs_expire() == 1
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED and run.errors[0]["message"].startswith(
        "The import stopped"
    )


# ----- every kind, through the page -------------------------------------------------------


def _kind_overrides(org: Any, member_of: Any, program_in: Any) -> dict[str, dict[str, str]]:
    """For each kind, the example row's references replaced by this organization's own."""
    from supervision.services.supervisors import supervisor_profile_save

    program = program_in(org, slug="recovery-coaching")
    peer = member_of(org, Role.PEER_SUPPORTER, programs=[program])
    supervisor = member_of(org, Role.CLINICAL_SUPERVISOR, programs=[program])
    supervisor_profile_save(
        membership=supervisor,
        actor=None,
        license_type="psychologist",
        license_number="PSY-1",
        licensed_on=dt.date(2010, 1, 1),
    )
    return {
        "staff": {},
        "encounters": {"peer_email": peer.user.email, "program": program.slug},
        "ceus": {"peer_email": peer.user.email},
        "hours": {"peer_email": peer.user.email},
        "supervision": {
            "supervisor_email": supervisor.user.email,
            "supervisee_emails": peer.user.email,
        },
    }


@pytest.mark.parametrize("kind", ["staff", "encounters", "ceus", "hours", "supervision"])
def test_each_kind_is_imported_from_its_template_through_the_page(
    org, manager, member_of, program_in, client_for, kind
):
    overrides = _kind_overrides(org, member_of, program_in)[kind]
    client = client_for(manager)
    template = client.get(reverse("import_template", args=[kind, "csv"])).content.decode()
    header, example = list(csv.reader(io.StringIO(template)))
    row = [overrides.get(c, v) for c, v in zip(header, example, strict=True)]
    data = ",".join(header) + "\n" + ",".join(row) + "\n"
    _upload(client, SimpleUploadedFile(f"{kind}.csv", data.encode()), kind=kind)
    run = _last_run()
    assert run.errors == [] and run.status == ImportStatus.CHECKED, run.errors
    client.post(reverse("import_confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportStatus.IMPORTED and run.created == 1, run.errors
    assert run.confirmed_by == manager.user


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real row locks")
def test_two_confirmations_at_the_same_moment_import_once(org, manager, peer):
    import threading

    from django.db import transaction

    from tests.programs.test_races import _in_thread

    run = import_upload(
        organization=org, actor=manager.user, kind="hours", file=_file(*_rows(peer, 2))
    )
    first_in = threading.Event()
    errors: list[Exception] = []
    seen: list[str] = []

    def first() -> None:
        # Confirm and hold the transaction open until the other side is waiting.
        with transaction.atomic():
            seen.append(import_confirm(run=run, actor=manager.user).status)
            first_in.set()
            threading.Event().wait(1.0)

    def second() -> None:
        first_in.wait(5)
        seen.append(import_confirm(run=run, actor=manager.user).status)

    threads = [_in_thread(first, errors), _in_thread(second, errors)]
    for t in threads:
        t.join(20)
    assert not errors
    assert seen == [ImportStatus.IMPORTED, ImportStatus.IMPORTED]
    assert AuditEvent.objects.filter(event=audit.IMPORT_DONE).count() == 1
    assert HoursWorked.objects.count() == 2
