from django.urls import path

from training import verify_views, views

urlpatterns = [
    path("training/", views.MyTrainingView.as_view(), name="training_mine"),
    path("training/courses/", views.CourseListView.as_view(), name="course_list"),
    path("training/sessions/", views.SessionListView.as_view(), name="session_list"),
    path("training/sessions/new/", views.SessionCreateView.as_view(), name="session_create"),
    path("training/sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session_detail"),
    path(
        "training/sessions/<int:pk>/attendance/",
        views.AttendanceView.as_view(),
        name="session_attendance",
    ),
    path(
        "training/sessions/<int:pk>/close/", views.SessionCloseView.as_view(), name="session_close"
    ),
    path(
        "training/sessions/<int:pk>/open/",
        views.SessionOpenToOthersView.as_view(),
        name="session_open_to_others",
    ),
    path("training/sessions/<int:pk>/join/", views.SelfEnrollView.as_view(), name="session_join"),
    path(
        "training/enrollments/<int:pk>/withdraw/",
        views.WithdrawView.as_view(),
        name="enrollment_withdraw",
    ),
    path("training/enrollments/<int:pk>/exam/", views.ExamView.as_view(), name="enrollment_exam"),
    path(
        "training/enrollments/<int:pk>/certificate/",
        views.CertificateView.as_view(),
        name="enrollment_certificate",
    ),
    path("training/staff/", views.StaffTrainingView.as_view(), name="staff_training"),
    path("verify/", verify_views.verify, name="certificate_verify"),
]
