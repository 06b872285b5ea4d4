"""Hours worked pages (being written)."""

from django.views import View


class HoursWeekView(View):
    pass


class HoursPeerView(View):
    pass
