from django.urls import path

from encounters import cost_views, report_views, views

urlpatterns = [
    path("encounters/", views.EncounterListView.as_view(), name="encounter_list"),
    path("encounters/new/", views.EncounterCreateView.as_view(), name="encounter_create"),
    path("encounters/<int:pk>/", views.EncounterDetailView.as_view(), name="encounter_detail"),
    path("encounters/<int:pk>/saved/", views.EncounterSavedView.as_view(), name="encounter_saved"),
    path(
        "encounters/<int:pk>/survey/handover/",
        views.SurveyOfferView.as_view(channel="handover"),
        name="survey_handover",
    ),
    path(
        "encounters/<int:pk>/survey/link/",
        views.SurveyOfferView.as_view(channel="link"),
        name="survey_link",
    ),
    path("clients/", views.ClientListView.as_view(), name="client_list"),
    path("clients/new/", views.ClientCreateView.as_view(), name="client_create"),
    path("clients/<int:pk>/", views.ClientDetailView.as_view(), name="client_detail"),
    path("payers/", views.PayerListView.as_view(), name="payer_list"),
    path("payers/new/", views.PayerCreateView.as_view(), name="payer_create"),
    path("payers/<int:pk>/", views.PayerDetailView.as_view(), name="payer_detail"),
    path("payers/<int:pk>/rates/", views.RateAddView.as_view(), name="rate_add"),
    path(
        "payers/<int:pk>/rates/<int:rate_pk>/remove/",
        views.RateRemoveView.as_view(),
        name="rate_remove",
    ),
    path("reports/", report_views.ReportListView.as_view(), name="report_list"),
    path("reports/<int:pk>/", report_views.ReportRunView.as_view(), name="report_run"),
    path(
        "reports/<int:pk>/<str:fmt>/",
        report_views.ReportFileView.as_view(),
        name="report_file",
    ),
    path("reports/schedules/", report_views.ReportScheduleView.as_view(), name="report_schedules"),
    path(
        "reports/schedules/<int:pk>/remove/",
        report_views.ReportScheduleRemoveView.as_view(),
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
    path("survey/results/", views.SurveyResultsView.as_view(), name="survey_results"),
    path("survey/questions/", views.SurveyQuestionsView.as_view(), name="survey_questions"),
    path("survey/thanks/", views.survey_thanks, name="survey_thanks"),
    path("s/<str:token>/", views.survey_answer, name="survey_answer"),
]
