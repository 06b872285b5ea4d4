from django.urls import path

from supervision.views import agreements, home, hours, logs, records, supervisors

urlpatterns = [
    path("", home.SupervisionHomeView.as_view(), name="supervision_home"),
    path("logs/new/", logs.LogCreateView.as_view(), name="supervision_log_create"),
    path("logs/<int:pk>/", logs.LogDetailView.as_view(), name="supervision_log"),
    path("logs/<int:pk>/sign/", logs.LogSignView.as_view(), name="supervision_log_sign"),
    path("logs/<int:pk>/addendum/", logs.AddendumView.as_view(), name="supervision_addendum"),
    path(
        "logs/<int:pk>/acknowledge/",
        logs.AcknowledgeView.as_view(),
        name="supervision_acknowledge",
    ),
    path("logs/<int:pk>/delete/", logs.LogDeleteView.as_view(), name="supervision_log_delete"),
    path("ratio/", home.RatioView.as_view(), name="supervision_ratio"),
    path("supervisors/", supervisors.SupervisorListView.as_view(), name="supervisor_list"),
    path("supervisors/<int:pk>/", supervisors.SupervisorEditView.as_view(), name="supervisor_edit"),
    path("agreements/", agreements.AgreementListView.as_view(), name="agreement_list"),
    path("agreements/new/", agreements.AgreementCreateView.as_view(), name="agreement_create"),
    path("agreements/<int:pk>/", agreements.AgreementEditView.as_view(), name="agreement_edit"),
    path(
        "agreements/<int:pk>/document/",
        agreements.AgreementDocumentView.as_view(),
        name="agreement_document",
    ),
    path("records/", records.RecordExportView.as_view(), name="record_export"),
    path("records/<int:pk>/", records.RecordStatusView.as_view(), name="record_status"),
    path(
        "records/<int:pk>/download/", records.RecordDownloadView.as_view(), name="record_download"
    ),
    path("hours/", hours.HoursWeekView.as_view(), name="hours_week"),
    path("hours/<int:pk>/", hours.HoursPeerView.as_view(), name="hours_peer"),
    path("hours/<int:pk>/confirm/", hours.HoursConfirmView.as_view(), name="hours_confirm"),
]
