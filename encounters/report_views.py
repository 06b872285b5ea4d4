"""Report pages (being written)."""

from django.views import View


class ReportListView(View):
    pass


class ReportRunView(View):
    pass


class ReportFileView(View):
    pass


class ReportScheduleView(View):
    pass


class ReportScheduleRemoveView(View):
    pass
