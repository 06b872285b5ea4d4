"""A peer's supervision record for the Board: every log in a date range with all its
fields, signatures, addenda and acknowledgments, and the monthly ratio table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from programs.models import Membership
from programs.pdf import pdf_from_html
from supervision import selectors
from supervision.models import Acknowledgment, SupervisionLog
from supervision.services.signing import signature_holds


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    months, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def record_context(
    peer: Membership, start: dt.date, end: dt.date, viewer: Membership | None
) -> dict[str, Any]:
    """The record as `viewer` may see it: a supervisor's export holds only their own
    logs; the peer's own, a manager's or an admin's holds all of the peer's."""
    logs = list(
        SupervisionLog.objects.for_member(viewer)
        .filter(attendees__supervisee=peer, date__range=(start, end))
        .select_related("supervisor__user", "signed_by")
        .prefetch_related(
            "attendees",
            "clients",
            "addenda__author",
            Prefetch("acknowledgments", queryset=Acknowledgment.objects.filter(supervisee=peer)),
        )
        .order_by("date", "start_time")
    )
    ratios = selectors.monthly_ratios(Membership.objects.filter(pk=peer.pk), start=start, end=end)
    empty = selectors.empty_month_ratio()
    months = [
        (first, ratios.get((peer.pk, first), empty))
        for first in (dt.date(y, m, 1) for y, m in _months(start, end))
    ]
    return {
        "peer": peer,
        "organization": peer.organization,
        "start": start,
        "end": end,
        "generated": timezone.localtime(),
        "logs": [(log, signature_holds(log) if log.is_signed else None) for log in logs],
        "months": months,
        "unsigned": sum(1 for log in logs if not log.is_signed),
        "unconfirmed_months": sum(1 for _, r in months if r.rests_on_unconfirmed_hours),
    }


def render_record_pdf(
    peer: Membership, start: dt.date, end: dt.date, viewer: Membership | None
) -> bytes:
    html = render_to_string("supervision/record_pdf.html", record_context(peer, start, end, viewer))
    return pdf_from_html(html)
