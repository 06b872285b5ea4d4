"""Training pages (being written)."""

from django.views import View


class MyTrainingView(View):
    pass


class CourseListView(View):
    pass


class SessionListView(View):
    pass


class SessionCreateView(View):
    pass


class SessionDetailView(View):
    pass


class AttendanceView(View):
    pass


class SessionCloseView(View):
    pass


class SelfEnrollView(View):
    pass


class WithdrawView(View):
    pass


class ExamView(View):
    pass


class CertificateView(View):
    pass


class StaffTrainingView(View):
    pass
