from django.urls import path

from supervision import hours_views, views

urlpatterns = [
    path("", views.SupervisionHomeView.as_view(), name="supervision_home"),
    path("logs/new/", views.LogCreateView.as_view(), name="supervision_log_create"),
    path("logs/<int:pk>/", views.LogDetailView.as_view(), name="supervision_log"),
    path("logs/<int:pk>/sign/", views.LogSignView.as_view(), name="supervision_log_sign"),
    path("logs/<int:pk>/addendum/", views.AddendumView.as_view(), name="supervision_addendum"),
    path(
        "logs/<int:pk>/acknowledge/",
        views.AcknowledgeView.as_view(),
        name="supervision_acknowledge",
    ),
    path("logs/<int:pk>/delete/", views.LogDeleteView.as_view(), name="supervision_log_delete"),
    path("ratio/", views.RatioView.as_view(), name="supervision_ratio"),
    path("supervisors/", views.SupervisorListView.as_view(), name="supervisor_list"),
    path("supervisors/<int:pk>/", views.SupervisorEditView.as_view(), name="supervisor_edit"),
    path("agreements/", views.AgreementListView.as_view(), name="agreement_list"),
    path("agreements/new/", views.AgreementCreateView.as_view(), name="agreement_create"),
    path("agreements/<int:pk>/", views.AgreementEditView.as_view(), name="agreement_edit"),
    path(
        "agreements/<int:pk>/document/",
        views.AgreementDocumentView.as_view(),
        name="agreement_document",
    ),
    path("records/", views.RecordExportView.as_view(), name="record_export"),
    path("records/<int:pk>/", views.RecordStatusView.as_view(), name="record_status"),
    path("records/<int:pk>/download/", views.RecordDownloadView.as_view(), name="record_download"),
    path("hours/", hours_views.HoursWeekView.as_view(), name="hours_week"),
    path("hours/<int:pk>/", hours_views.HoursPeerView.as_view(), name="hours_peer"),
]
