"""Hours worked, a week on one phone screen: a peer records their own, a manager or admin
corrects a peer's. The hours set how much supervision the month needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from programs.access import Capability
from programs.models import Membership
from programs.web import MemberRequiredMixin
from supervision.hours_forms import HoursConfirmForm, HoursWeekForm
from supervision.models import HoursWorked
from supervision.selectors import may_confirm_hours, peers_for
from supervision.services.hours import hours_confirm, hours_set


@dataclass(frozen=True)
class Week:
    """Monday to Sunday, seen on `today` (the organization's)."""

    monday: dt.date
    today: dt.date

    @property
    def days(self) -> list[dt.date]:
        return [self.monday + dt.timedelta(days=i) for i in range(7)]

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def previous(self) -> dt.date | None:
        if self.monday.toordinal() <= 7:  # the calendar's first week
            return None
        return self.monday - dt.timedelta(days=7)

    @property
    def next(self) -> dt.date | None:
        """The next week's Monday, unless that week has not begun."""
        following = self.monday + dt.timedelta(days=7)
        return following if following <= self.today else None

    @property
    def is_current(self) -> bool:
        return self.monday <= self.today <= self.sunday


def week_of(asked: str | None, *, today: dt.date) -> Week:
    """The week holding the day asked for (YYYY-MM-DD); this week when none is asked, the
    date cannot be read, or its week has not begun."""
    this_monday = today - dt.timedelta(days=today.weekday())
    try:
        day = dt.date.fromisoformat((asked or "").strip())
    except ValueError:
        return Week(this_monday, today)
    return Week(min(day - dt.timedelta(days=day.weekday()), this_monday), today)


class HoursWeekMixin(MemberRequiredMixin):
    """The week screen for one peer; subclasses say whose (`peer`)."""

    template_name = "supervision/hours_week.html"

    @property
    def peer(self) -> Membership:
        raise NotImplementedError

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        week = self._week()
        stored = self._stored(week)
        return self._render(HoursWeekForm(days=week.days, today=week.today, stored=stored), week)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        week = self._week()
        form = HoursWeekForm(request.POST, days=week.days, today=week.today)
        if form.is_valid():
            changed = self.call_service(
                form,
                hours_set,
                peer=self.peer,
                actor=self.actor,
                days=form.days_to_save(),
            )
            if changed is not None:
                messages.success(request, self._saved_message(changed))
                return redirect(f"{request.path}?week={week.monday.isoformat()}")
        return self._render(form, week)

    def _week(self) -> Week:
        today = self.peer.organization.today()
        return week_of(self.request.GET.get("week"), today=today)

    def _hours(self) -> Any:
        # Scoped to what the viewer may see, on top of the peer having been found in scope.
        return HoursWorked.objects.for_member(self.membership).filter(peer=self.peer)

    def _stored(self, week: Week) -> dict[dt.date, Decimal]:
        rows = self._hours().filter(date__range=(week.monday, week.sunday))
        return dict(rows.values_list("date", "hours"))

    def _reported(self, week: Week) -> list[dt.date]:
        """The week's days whose hours the peer reported and nobody has confirmed yet."""
        rows = self._hours().filter(
            date__range=(week.monday, week.sunday), confirmed_at__isnull=True
        )
        return sorted(rows.values_list("date", flat=True))

    def _totals(self, week: Week) -> dict[str, Decimal]:
        """The week's hours and the current month's so far, as stored, in one query."""
        month_start = week.today.replace(day=1)
        totals = self._hours().aggregate(
            week=Sum("hours", filter=Q(date__range=(week.monday, week.sunday))),
            month=Sum("hours", filter=Q(date__range=(month_start, week.today))),
        )
        return {k: v or Decimal(0) for k, v in totals.items()}

    def _saved_message(self, changed: int) -> str:
        if not changed:
            return "Nothing changed: these hours were already saved."
        days = f"{changed} day{'s' if changed != 1 else ''} changed"
        if self.peer.pk == self.membership.pk:
            return f"Hours saved: {days}."
        return f"Hours saved for {self.peer.user}: {days}."

    def _render(self, form: HoursWeekForm, week: Week) -> HttpResponse:
        totals = self._totals(week)
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "week": week,
                "today": week.today,
                "peer": self.peer,
                "own": self.peer.pk == self.membership.pk,
                "week_total": totals["week"],
                "month_total": totals["month"],
                "reported_days": self._reported(week),
                "may_confirm": may_confirm_hours(self.membership, self.peer),
            },
        )


class HoursWeekView(HoursWeekMixin, View):
    """A peer's own week."""

    capability = Capability.RECORD_OWN_HOURS

    @property
    def peer(self) -> Membership:
        return self.membership


class HoursPeerView(HoursWeekMixin, View):
    """A manager or admin correcting one peer's week. The peer is looked up among the peers
    the member follows before the capability check: anyone else's is a 404."""

    capability = Capability.MANAGE_SUPERVISION
    object: Membership

    def get_object(self) -> Membership:
        peers = peers_for(self.membership).select_related("user", "organization")
        return get_object_or_404(peers, pk=self.kwargs["pk"])

    @property
    def peer(self) -> Membership:
        return self.object


class HoursConfirmView(MemberRequiredMixin, View):
    """Confirm the hours a peer reported over some days (a week or a month as shown): their
    supervisor, a manager of their program or an admin. The peer is looked up among the
    peers the member follows first (anyone else's is a 404); the peer themself, or anyone
    else who follows them without the right to confirm, is refused (403)."""

    capability = Capability.VIEW_SUPERVISION
    object: Membership

    def get_object(self) -> Membership:
        peers = peers_for(self.membership, active_only=False).select_related("user", "organization")
        return get_object_or_404(peers, pk=self.kwargs["pk"])

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        peer = self.object
        if not may_confirm_hours(self.membership, peer):
            raise PermissionDenied
        form = HoursConfirmForm(request.POST)
        if not form.is_valid():
            problems = [str(e) for errors in form.errors.values() for e in errors]
            messages.error(request, "Nothing confirmed: " + " ".join(problems))
            return redirect("supervision_ratio")
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
        confirmed = self.call_service(
            form, hours_confirm, peer=peer, by=self.membership, first=first, last=last
        )
        if confirmed is None:
            messages.info(request, " ".join(str(e) for e in form.non_field_errors()))
        else:
            days = f"{confirmed} day{'s' if confirmed != 1 else ''}"
            messages.success(request, f"Confirmed {peer.user}'s hours: {days}.")
        if form.cleaned_data.get("back") == "week":
            return redirect(f"{reverse('hours_peer', args=[peer.pk])}?week={first.isoformat()}")
        return redirect(f"{reverse('supervision_ratio')}?month={first:%Y-%m}")
