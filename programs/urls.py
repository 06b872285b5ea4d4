from django.urls import path

from programs import budget_views, import_views, planning_views, readiness_views, views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("organization/switch/", views.organization_switch, name="organization_switch"),
    path("programs/", views.ProgramListView.as_view(), name="program_list"),
    path("programs/new/", views.ProgramFormView.as_view(), name="program_create"),
    path("programs/<slug:slug>/", views.ProgramDetailView.as_view(), name="program_detail"),
    path("programs/<slug:slug>/edit/", views.ProgramFormView.as_view(), name="program_edit"),
    path(
        "programs/<slug:slug>/advance/",
        planning_views.PhaseAdvanceView.as_view(),
        name="program_phase_advance",
    ),
    path(
        "checklist/<int:pk>/",
        planning_views.ChecklistItemUpdateView.as_view(),
        name="program_checklist_item",
    ),
    path("phase-template/", planning_views.PhaseTemplateView.as_view(), name="phase_template"),
    path(
        "programs/<slug:slug>/positions/new/",
        budget_views.PositionView.as_view(),
        name="position_create",
    ),
    path("positions/<int:pk>/", budget_views.PositionView.as_view(), name="position_edit"),
    path(
        "funding/<int:pk>/remove/",
        budget_views.FundingRemoveView.as_view(),
        name="funding_remove",
    ),
    path(
        "phase-template/<int:pk>/remove/",
        planning_views.PhaseTemplateRemoveView.as_view(),
        name="phase_template_remove",
    ),
    path("members/", views.MemberListView.as_view(), name="member_list"),
    path("members/invite/", views.InvitationCreateView.as_view(), name="invitation_create"),
    path("members/<int:pk>/", views.MemberUpdateView.as_view(), name="member_edit"),
    path(
        "members/<int:pk>/clear-lockout/",
        views.MemberLockoutClearView.as_view(),
        name="member_lockout_clear",
    ),
    path(
        "invitations/<int:pk>/resend/",
        views.InvitationActionView.as_view(action="resend"),
        name="invitation_resend",
    ),
    path(
        "invitations/<int:pk>/revoke/",
        views.InvitationActionView.as_view(action="revoke"),
        name="invitation_revoke",
    ),
    path("invite/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("audit/", views.AuditLogView.as_view(), name="audit_log"),
    path("imports/", import_views.ImportPageView.as_view(), name="import_page"),
    path("imports/history/", import_views.ImportHistoryView.as_view(), name="import_history"),
    path(
        "imports/template/<slug:kind>.<str:fmt>",
        import_views.ImportTemplateView.as_view(),
        name="import_template",
    ),
    path("imports/<int:pk>/", import_views.ImportRunView.as_view(), name="import_run"),
    path(
        "imports/<int:pk>/confirm/",
        import_views.ImportRunConfirmView.as_view(),
        name="import_confirm",
    ),
    path(
        "imports/<int:pk>/problems.csv",
        import_views.ImportRunErrorsView.as_view(),
        name="import_problems",
    ),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("readiness/", readiness_views.ReadinessListView.as_view(), name="readiness_list"),
    path("readiness/new/", readiness_views.ReadinessCreateView.as_view(), name="readiness_new"),
    path("readiness/pdf/", readiness_views.ReadinessPdfView.as_view(), name="readiness_pdf"),
    path(
        "readiness/<int:pk>/",
        readiness_views.ReadinessDetailView.as_view(),
        name="readiness_detail",
    ),
    path(
        "readiness/actions/<int:pk>/done/",
        readiness_views.ReadinessActionDoneView.as_view(),
        name="readiness_action_done",
    ),
]
