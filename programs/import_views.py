"""The Import page: what each kind of file holds and its templates, upload and check, confirm,
follow a background import, and the organization's import history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from programs import import_runs
from programs.access import Capability
from programs.forms import ImportUploadForm
from programs.imports import IMPORT_KINDS, CsvImporter
from programs.models import ImportRun, ImportStatus
from programs.spreadsheets import Workbook, csv_text
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip

RUNS_PER_PAGE = 25
# Problems shown on the page; all of them are in the CSV.
PROBLEMS_SHOWN = 200
# The order of the Import page: who works here first, then what they did.
KIND_ORDER = ("staff", "encounters", "ceus", "hours", "supervision")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    name: str
    help: str
    optional: bool
    example: str


@dataclass(frozen=True)
class KindInfo:
    kind: str
    label: str
    columns: list[Column]


def _importer(kind: str, membership: Any) -> CsvImporter[Any]:
    if kind not in IMPORT_KINDS:
        raise Http404
    return IMPORT_KINDS[kind](organization=membership.organization, actor=membership.user)


def kinds_offered(membership: Any) -> list[KindInfo]:
    def order(kind: str) -> tuple[int, str]:
        return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), kind)

    out = []
    for kind in sorted(IMPORT_KINDS, key=order):
        importer = _importer(kind, membership)
        out.append(
            KindInfo(
                kind=kind,
                label=importer.label,
                columns=[
                    Column(
                        name=c,
                        help=importer.column_help.get(c, ""),
                        optional=c in importer.optional_columns,
                        example=importer.example_row.get(c, ""),
                    )
                    for c in import_runs.importer_columns(importer)
                ],
            )
        )
    return out


def _labelled(runs: Any) -> list[ImportRun]:
    """The runs, each with its kind's name for a reader as `kind_label`."""
    out = list(runs)
    for run in out:
        importer = IMPORT_KINDS.get(run.kind)
        run.kind_label = importer.label if importer else run.kind
    return out


def problem_text(error: dict[str, Any]) -> str:
    """A problem as the page and the CSV say it: "line N, column C: message"."""
    where = []
    if error.get("line"):
        where.append(f"line {error['line']}")
    if error.get("column"):
        where.append(f"column {error['column']}")
    return f"{', '.join(where)}: {error['message']}" if where else str(error["message"])


class ImportPageView(MemberRequiredMixin, View):
    """Each kind with what its columns mean and its templates; the upload form."""

    capability = Capability.IMPORT_DATA

    def _form(self, data: Any = None, files: Any = None) -> ImportUploadForm:
        kinds = [(k.kind, k.label) for k in kinds_offered(self.membership)]
        return ImportUploadForm(data, files, kinds=kinds)

    def _render(self, form: ImportUploadForm, status: int = 200) -> HttpResponse:
        recent = (
            ImportRun.objects.for_member(self.membership)
            .select_related("uploaded_by", "confirmed_by")
            .defer("preview")[:5]
        )
        return render(
            self.request,
            "programs/imports/page.html",
            {
                "form": form,
                "kinds": kinds_offered(self.membership),
                "recent": _labelled(recent),
                "keep_days": settings.IMPORT_KEEP_DAYS,
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(self._form())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request.POST, request.FILES)
        if form.is_valid():
            run = self.call_service(
                form,
                import_runs.import_upload,
                organization=self.membership.organization,
                actor=self.actor,
                kind=form.cleaned_data["kind"],
                file=form.cleaned_data["file"],
                sheet=form.cleaned_data["sheet"],
            )
            if run is not None:
                return redirect("import_run", pk=run.pk)
        return self._render(form)


class ImportTemplateView(MemberRequiredMixin, View):
    """A kind's template: the header row and one example row, as CSV or XLSX."""

    capability = Capability.IMPORT_DATA

    def get(self, request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
        importer = _importer(kind, self.membership)
        columns = import_runs.importer_columns(importer)
        example = [importer.example_row.get(c, "") for c in columns]
        name = f"peerpath-{kind}-template"
        if fmt == "csv":
            response = HttpResponse(
                csv_text([columns, example]), content_type="text/csv; charset=utf-8"
            )
        elif fmt == "xlsx":
            book = Workbook()
            sheet = book.sheet(importer.label[:31], header=columns)
            sheet.append(example)
            response = HttpResponse(book.to_bytes(), content_type=XLSX)
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response


def _run_context(run: ImportRun) -> dict[str, Any]:
    problems = [problem_text(e) for e in run.errors[:PROBLEMS_SHOWN]]
    preview = run.preview or {}
    header = preview.get("header", [])
    importer = IMPORT_KINDS.get(run.kind)
    return {
        "run": run,
        "kind_label": importer.label if importer else run.kind,
        "problems": problems,
        "more_problems": max(0, len(run.errors) - PROBLEMS_SHOWN),
        "header": header,
        "preview_rows": [
            (line, [values.get(c, "") for c in header]) for line, values in preview.get("rows", [])
        ],
        "percent": import_runs.progress_percent(run),
        "progress": import_runs.import_progress(run),
        "background": import_runs.runs_in_background(run),
        "can_confirm": run.status == ImportStatus.CHECKED and not run.errors and bool(run.file),
    }


class ImportRunView(ScopedObjectMixin, View):
    """One upload: the check's preview and problems and the Confirm button; then the
    import's progress (htmx polls the status part) and its result."""

    model = ImportRun
    capability = Capability.IMPORT_DATA

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = ImportRun.objects.select_related(
            "uploaded_by", "confirmed_by", "duplicate_of__uploaded_by"
        ).get(pk=self.object.pk)
        context = _run_context(run)
        if request.headers.get("HX-Request"):
            response = render(request, "programs/imports/_run_status.html", context)
            if not run.is_in_progress:
                # Finished: the whole page shows the result (the problems sit outside the
                # polled part).
                response["HX-Refresh"] = "true"
            return response
        return render(request, "programs/imports/run.html", context)


class ImportRunConfirmView(ScopedObjectMixin, View):
    model = ImportRun
    capability = Capability.IMPORT_DATA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            run = import_runs.import_confirm(
                run=self.object, actor=self.actor, ip_address=client_ip(request)
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("import_run", pk=pk)
        if run.status == ImportStatus.IMPORTED:
            messages.success(request, f"Imported {run.file_name}.")
        return redirect("import_run", pk=run.pk)


class ImportRunErrorsView(ScopedObjectMixin, View):
    """Every problem of an upload as CSV: line, column, message."""

    model = ImportRun
    capability = Capability.IMPORT_DATA

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        run: ImportRun = self.object
        rows: list[list[Any]] = [["line", "column", "problem"]]
        rows += [[e.get("line") or "", e.get("column", ""), e["message"]] for e in run.errors]
        response = HttpResponse(csv_text(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-problems.csv"'
        return response


class ImportHistoryView(MemberRequiredMixin, View):
    """Every upload of the organization, newest first."""

    capability = Capability.IMPORT_DATA

    def get(self, request: HttpRequest) -> HttpResponse:
        runs = (
            ImportRun.objects.for_member(self.membership)
            .select_related("uploaded_by", "confirmed_by")
            .defer("preview")
        )
        page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
        return render(
            request,
            "programs/imports/history.html",
            {
                "runs": _labelled(page.object_list),
                "page_obj": page,
                "is_paginated": page.has_other_pages(),
            },
        )
