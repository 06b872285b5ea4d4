from django.urls import path

from encounters import views

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
    path("survey/results/", views.SurveyResultsView.as_view(), name="survey_results"),
    path("survey/questions/", views.SurveyQuestionsView.as_view(), name="survey_questions"),
    path("survey/thanks/", views.survey_thanks, name="survey_thanks"),
    path("s/<str:token>/", views.survey_answer, name="survey_answer"),
]
