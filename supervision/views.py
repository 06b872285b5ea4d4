"""Supervision pages (being written)."""

from django.views import View


class SupervisionHomeView(View):
    pass


class LogCreateView(View):
    pass


class LogDetailView(View):
    pass


class LogSignView(View):
    pass


class AddendumView(View):
    pass


class AcknowledgeView(View):
    pass


class LogDeleteView(View):
    pass


class RatioView(View):
    pass


class SupervisorListView(View):
    pass


class SupervisorEditView(View):
    pass


class AgreementListView(View):
    pass


class AgreementCreateView(View):
    pass


class AgreementEditView(View):
    pass


class AgreementDocumentView(View):
    pass


class RecordExportView(View):
    pass


class RecordStatusView(View):
    pass


class RecordDownloadView(View):
    pass
