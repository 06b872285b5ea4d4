from django.urls import path

from certification import views

urlpatterns = [
    path("", views.MyCertificationView.as_view(), name="certification_mine"),
    path("ceus/new/", views.CeuAddView.as_view(), name="ceu_add"),
    path("ceus/<int:pk>/delete/", views.CeuDeleteView.as_view(), name="ceu_delete"),
    path("ceus/<int:pk>/certificate/", views.CeuCertificateView.as_view(), name="ceu_certificate"),
    path("checklist/<int:pk>/evidence/", views.EvidenceView.as_view(), name="checklist_evidence"),
    path("team/", views.TeamView.as_view(), name="certification_team"),
    path("peers/<int:pk>/", views.PeerRecordView.as_view(), name="certification_peer"),
    path(
        "peers/<int:pk>/profile/",
        views.PeerProfileUpdateView.as_view(),
        name="peer_profile_update",
    ),
    path(
        "peers/<int:pk>/certifications/new/",
        views.CertificationRecordView.as_view(),
        name="certification_record",
    ),
    path(
        "peers/<int:pk>/renewals/new/",
        views.CertificationRenewView.as_view(),
        name="certification_renew",
    ),
    path(
        "peers/<int:pk>/certifications/correct/",
        views.CertificationCorrectView.as_view(),
        name="certification_correct",
    ),
    path(
        "peers/<int:pk>/lapses/new/",
        views.CertificationLapseView.as_view(),
        name="certification_lapse",
    ),
    path(
        "peers/<int:pk>/lapses/reinstate/",
        views.CertificationReinstateView.as_view(),
        name="certification_reinstate",
    ),
    path(
        "peers/<int:pk>/lapses/withdraw/",
        views.LapseWithdrawView.as_view(),
        name="lapse_withdraw",
    ),
    path(
        "peers/<int:pk>/recovery-date/",
        views.RecoveryDateRevealView.as_view(),
        name="recovery_date_reveal",
    ),
    path("peers/<int:pk>/ceus/new/", views.CeuAddView.as_view(), name="ceu_add_for_peer"),
    path(
        "peers/<int:pk>/checklist/<slug:requirement>/",
        views.ChecklistItemView.as_view(),
        name="checklist_item",
    ),
]
