from django.urls import path

from encounters.views import clients as client_views
from encounters.views import encounters as encounter_views
from encounters.views import payers as payer_views
from encounters.views import survey as survey_views

urlpatterns = [
    path("encounters/", encounter_views.EncounterListView.as_view(), name="encounter_list"),
    path("encounters/new/", encounter_views.EncounterCreateView.as_view(), name="encounter_create"),
    path(
        "encounters/<int:pk>/",
        encounter_views.EncounterDetailView.as_view(),
        name="encounter_detail",
    ),
    path(
        "encounters/<int:pk>/saved/",
        encounter_views.EncounterSavedView.as_view(),
        name="encounter_saved",
    ),
    path(
        "encounters/<int:pk>/survey/handover/",
        survey_views.SurveyOfferView.as_view(channel="handover"),
        name="survey_handover",
    ),
    path(
        "encounters/<int:pk>/survey/link/",
        survey_views.SurveyOfferView.as_view(channel="link"),
        name="survey_link",
    ),
    path("clients/", client_views.ClientListView.as_view(), name="client_list"),
    path("clients/new/", client_views.ClientCreateView.as_view(), name="client_create"),
    path("clients/<int:pk>/", client_views.ClientDetailView.as_view(), name="client_detail"),
    path("payers/", payer_views.PayerListView.as_view(), name="payer_list"),
    path("payers/new/", payer_views.PayerCreateView.as_view(), name="payer_create"),
    path("payers/<int:pk>/", payer_views.PayerDetailView.as_view(), name="payer_detail"),
    path("payers/<int:pk>/rates/", payer_views.RateAddView.as_view(), name="rate_add"),
    path(
        "payers/<int:pk>/rates/<int:rate_pk>/remove/",
        payer_views.RateRemoveView.as_view(),
        name="rate_remove",
    ),
    path("survey/results/", survey_views.SurveyResultsView.as_view(), name="survey_results"),
    path("survey/questions/", survey_views.SurveyQuestionsView.as_view(), name="survey_questions"),
    path("survey/thanks/", survey_views.survey_thanks, name="survey_thanks"),
    path("s/<str:token>/", survey_views.survey_answer, name="survey_answer"),
]
