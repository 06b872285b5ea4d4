"""Imports from the browser: upload and check a file (nothing written), confirm it (imported
all or nothing, in the background when it is large), the history, and how long files stay.

Every file goes through the same importer, `programs.imports`, as the management commands:
one set of rules. The importer is always given the organization the file was uploaded in,
so nothing a file says can write into another organization.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.accounts.models import User
from programs import audit
from programs.audit import audit_record
from programs.imports import (
    FILE_TOO_LARGE,
    IMPORT_KINDS,
    CsvImporter,
    ImportCheck,
    ImportFailed,
    ImportFile,
    ImportResult,
    RowError,
    max_bytes,
)
from programs.models import IMPORT_HOLDS_THE_FILE, ImportRun, ImportStatus, Organization

logger = logging.getLogger(__name__)

UNKNOWN_KIND = "Choose what the file holds."
NO_FILE = "Choose a file to upload."
EMPTY_FILE = "The file is empty."
TOO_LARGE = FILE_TOO_LARGE
HAS_PROBLEMS = "The file has problems; correct them and upload it again. Nothing was imported."
FILE_GONE = "The uploaded file has been deleted since it was checked; upload it again."
STOPPED = "The import stopped before it finished; nothing was imported. Upload the file again."
UNEXPECTED = (
    "The import stopped on an unexpected problem; nothing was imported. Tell your administrator."
)
# The progress shown while a background import runs lives in the cache: the import writes
# in one transaction, so a progress column would only be seen once it is over.
PROGRESS_KEY = "import-run-progress:{pk}"


def importer_columns(importer: CsvImporter[Any]) -> list[str]:
    """Every column the kind reads, in the order of its template."""
    return list(importer.known_columns())


def _error_rows(errors: list[RowError]) -> list[dict[str, Any]]:
    return [{"line": e.line, "column": e.column, "message": e.message} for e in errors]


def import_upload(
    *,
    organization: Organization,
    actor: User,
    kind: str,
    file: UploadedFile | None,
    sheet: str = "",
    ip_address: str | None = None,
) -> ImportRun:
    """Keep the file and check it: the first rows as read, every problem, the counts it
    would give. Nothing is imported. A file already imported for this kind is refused
    and says when."""
    if kind not in IMPORT_KINDS:
        raise ValidationError({"kind": UNKNOWN_KIND})
    if file is None:
        raise ValidationError({"file": NO_FILE})
    limit = max_bytes()
    if file.size is not None and file.size > limit:
        raise ValidationError({"file": TOO_LARGE.format(mb=limit // (1024 * 1024))})
    data = file.read()
    if not data:
        raise ValidationError({"file": EMPTY_FILE})
    sha256 = hashlib.sha256(data).hexdigest()
    run = ImportRun(
        organization=organization,
        kind=kind,
        uploaded_by=actor,
        file_name=(file.name or "upload")[:255],
        sha256=sha256,
        size=len(data),
        sheet=sheet,
    )
    earlier = _holder(organization, kind, sha256)
    if earlier is not None:
        run.status = ImportStatus.REFUSED_DUPLICATE
        run.duplicate_of = earlier
        run.finished_at = timezone.now()
        with transaction.atomic():
            run.save()
            _audit(run, actor, audit.IMPORT_REFUSED_DUPLICATE, ip_address)
        return run
    importer = IMPORT_KINDS[kind](organization=organization, actor=actor)
    check: ImportCheck = importer.check_file(
        ImportFile(data=data, name=run.file_name, sheet=sheet or None)
    )
    run.errors = _error_rows(check.errors)
    run.preview = {"header": check.header, "rows": [[line, row] for line, row in check.preview]}
    if check.result is not None:
        _set_counts(run, check.result)
        run.rows = check.result.rows
    with transaction.atomic():
        run.file.save(f"{kind}-{sha256[:16]}", ContentFile(data), save=False)
        run.save()
        _audit(run, actor, audit.IMPORT_CHECKED, ip_address)
    return run


def _holder(organization: Organization, kind: str, sha256: str) -> ImportRun | None:
    return (
        ImportRun.objects.filter(
            organization=organization, kind=kind, sha256=sha256, status__in=IMPORT_HOLDS_THE_FILE
        )
        .order_by("uploaded_at", "pk")
        .first()
    )


def _set_counts(run: ImportRun, result: ImportResult) -> None:
    run.created, run.updated, run.unchanged = result.created, result.updated, result.unchanged


def _audit(run: ImportRun, actor: User | None, event: str, ip_address: str | None) -> None:
    # Counts and the file's fingerprint only: never a row of the file.
    audit_record(
        actor=actor,
        organization=run.organization,
        event=event,
        subject=run,
        ip_address=ip_address,
        data={
            "kind": run.kind,
            "sha256": run.sha256,
            "size": run.size,
            "rows": run.rows,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "problems": len(run.errors),
        },
    )


def runs_in_background(run: ImportRun) -> bool:
    return run.rows > settings.IMPORT_BACKGROUND_ROWS


def import_confirm(*, run: ImportRun, actor: User, ip_address: str | None = None) -> ImportRun:
    """Import a checked file, all or nothing. Confirming again (a double click, a retry, a
    second tab) does nothing: the row lock makes confirmations take turns and only a
    checked run moves on. A large file is queued for a background task; a small one is
    imported before this returns."""
    with transaction.atomic():
        locked = (
            ImportRun.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=run.pk)
        )
        if locked.status != ImportStatus.CHECKED:
            return locked
        if locked.errors:
            raise ValidationError(HAS_PROBLEMS)
        if not locked.file:
            raise ValidationError(FILE_GONE)
        locked.status = ImportStatus.QUEUED
        locked.confirmed_by = actor
        locked.confirmed_at = timezone.now()
        locked.progress_total = locked.rows
        try:
            # A savepoint: another copy of this file confirmed first breaks the unique
            # constraint, and this run is then refused instead.
            with transaction.atomic():
                locked.save(
                    update_fields=["status", "confirmed_by", "confirmed_at", "progress_total"]
                )
        except IntegrityError:
            locked.status = ImportStatus.REFUSED_DUPLICATE
            locked.duplicate_of = _holder(locked.organization, locked.kind, locked.sha256)
            locked.finished_at = timezone.now()
            locked.save(
                update_fields=[
                    "status",
                    "confirmed_by",
                    "confirmed_at",
                    "duplicate_of",
                    "finished_at",
                ]
            )
            _audit(locked, actor, audit.IMPORT_REFUSED_DUPLICATE, ip_address)
            return locked
        background = runs_in_background(locked)
        if background:
            from programs.tasks import run_import

            transaction.on_commit(lambda: run_import.delay(run_id=locked.pk))
    if background:
        return ImportRun.objects.get(pk=locked.pk)
    return import_run_execute(run_id=locked.pk, ip_address=ip_address)


def import_run_execute(*, run_id: int, ip_address: str | None = None) -> ImportRun:
    """Import a confirmed run's file once. A repeat (redelivered task, second worker) waits
    for the row lock, then finds the run finished and leaves it."""
    ImportRun.objects.filter(pk=run_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    try:
        return _execute(run_id, ip_address)
    except Exception:  # the page says it stopped instead of waiting for ever
        logger.exception("import run %s failed", run_id)
        ImportRun.objects.filter(pk=run_id, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED,
            errors=[{"line": 0, "column": "", "message": UNEXPECTED}],
            finished_at=timezone.now(),
        )
        return ImportRun.objects.get(pk=run_id)
    finally:
        cache.delete(PROGRESS_KEY.format(pk=run_id))


@transaction.atomic
def _execute(run_id: int, ip_address: str | None) -> ImportRun:
    # The lock is held for the whole import: a live import's row cannot be taken by a
    # second worker, nor ended as stale (import_runs_expire skips locked rows).
    run = (
        ImportRun.objects.select_for_update(of=("self",))
        .select_related("organization", "confirmed_by")
        .get(pk=run_id)
    )
    if run.status != ImportStatus.RUNNING:
        return run
    if not run.file:
        return _finish_failed(run, [RowError(0, "", FILE_GONE, whole_file=True)], ip_address)
    with run.file.open("rb") as stored:
        data = stored.read()
    importer = IMPORT_KINDS[run.kind](organization=run.organization, actor=run.confirmed_by)
    upload = ImportFile(data=data, name=run.file_name, sheet=run.sheet or None)
    try:
        # A savepoint, so a refusal rolls back the rows but keeps the run's own row.
        with transaction.atomic():
            result = _run_file(importer, upload, _progress_of(run))
    except ImportFailed as failed:
        return _finish_failed(run, failed.errors, ip_address)
    _set_counts(run, result)
    run.rows = result.rows
    run.status = ImportStatus.IMPORTED
    run.errors = []
    run.progress_done = run.progress_total = result.rows
    run.finished_at = timezone.now()
    run.save()
    _audit(run, run.confirmed_by, audit.IMPORT_DONE, ip_address)
    return run


def _finish_failed(run: ImportRun, errors: list[RowError], ip_address: str | None) -> ImportRun:
    run.status = ImportStatus.FAILED
    run.errors = _error_rows(errors)
    run.created = run.updated = run.unchanged = 0
    run.finished_at = timezone.now()
    run.save()
    _audit(run, run.confirmed_by, audit.IMPORT_FAILED, ip_address)
    return run


def _run_file(
    importer: CsvImporter[Any], upload: ImportFile, progress: Callable[[int, int], None]
) -> ImportResult:
    return importer.run_file(upload, progress=progress)


def _progress_of(run: ImportRun) -> Callable[[int, int], None]:
    key = PROGRESS_KEY.format(pk=run.pk)
    last = [-1]

    def report(done: int, total: int) -> None:
        # About a hundred writes per import, however large the file.
        step = max(total // 100, 1)
        if done == total or done - last[0] >= step:
            last[0] = done
            cache.set(key, (done, total), timeout=settings.IMPORT_STALE_HOURS * 3600)

    return report


def import_progress(run: ImportRun) -> tuple[int, int]:
    """(rows done, rows in all) of an import; (0, its rows) before it starts."""
    if run.status == ImportStatus.IMPORTED:
        return run.progress_done, run.progress_total
    done, total = cache.get(PROGRESS_KEY.format(pk=run.pk)) or (0, run.progress_total)
    return int(done), int(total)


def progress_percent(run: ImportRun) -> int:
    done, total = import_progress(run)
    return min(100, 100 * done // total) if total else 0


def import_files_expire(*, now: dt.datetime | None = None) -> int:
    """Delete uploaded files older than IMPORT_KEEP_DAYS (and the preview read from them);
    the history row stays, with its fingerprint, counts and problems. An import still
    waiting or running keeps its file."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.IMPORT_KEEP_DAYS)
    deleted = 0
    expired = (
        ImportRun.objects.filter(uploaded_at__lt=cutoff)
        .exclude(file="")
        .exclude(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING])
        .values_list("pk", flat=True)
    )
    for pk in list(expired):
        with transaction.atomic():
            run = (
                ImportRun.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("organization")
                .filter(pk=pk)
                .exclude(file="")
                .first()
            )
            if run is None:
                continue
            name, storage = run.file.name, run.file.storage
            run.file = ""
            run.preview = {}
            run.file_deleted_at = now
            run.save(update_fields=["file", "preview", "file_deleted_at"])
            audit_record(
                actor=None,
                organization=run.organization,
                event=audit.IMPORT_FILE_DELETED,
                subject=run,
                data={
                    "kind": run.kind,
                    "sha256": run.sha256,
                    "kept_days": settings.IMPORT_KEEP_DAYS,
                },
            )
            transaction.on_commit(partial(storage.delete, name))
            deleted += 1
    return deleted


def import_runs_expire(*, now: dt.datetime | None = None) -> int:
    """End imports waiting or running longer than IMPORT_STALE_HOURS whose worker is gone
    (a live import holds its row's lock, so it is skipped); their transaction wrote
    nothing."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.IMPORT_STALE_HOURS)
    with transaction.atomic():
        stale = list(
            ImportRun.objects.select_for_update(skip_locked=True)
            .filter(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING], confirmed_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        return ImportRun.objects.filter(pk__in=stale).update(
            status=ImportStatus.FAILED,
            errors=[{"line": 0, "column": "", "message": STOPPED}],
            finished_at=now,
        )
