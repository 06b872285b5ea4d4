from django.urls import path

from encounters.reporting import cost_views, views

urlpatterns = [
    path("reports/", views.ReportListView.as_view(), name="report_list"),
    path("reports/<int:pk>/", views.ReportRunView.as_view(), name="report_run"),
    path(
        "reports/<int:pk>/<str:fmt>/",
        views.ReportFileView.as_view(),
        name="report_file",
    ),
    path("reports/schedules/", views.ReportScheduleView.as_view(), name="report_schedules"),
    path(
        "reports/schedules/<int:pk>/remove/",
        views.ReportScheduleRemoveView.as_view(),
        name="report_schedule_remove",
    ),
    path("costs/", cost_views.AlternativeCostListView.as_view(), name="alternative_costs"),
    path(
        "costs/<int:pk>/remove/",
        cost_views.AlternativeCostRemoveView.as_view(),
        name="alternative_cost_remove",
    ),
    path("program-costs/", cost_views.ProgramCostListView.as_view(), name="program_costs"),
    path(
        "program-costs/<int:pk>/remove/",
        cost_views.ProgramCostRemoveView.as_view(),
        name="program_cost_remove",
    ),
]
