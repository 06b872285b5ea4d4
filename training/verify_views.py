"""The public page where anyone with a certificate's code checks that it is genuine. It
shows the certificate's own facts and nothing else; it needs no sign-in."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from training.models import Enrollment, EnrollmentStatus

CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$")


@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("code", "")
    code = raw.strip().upper().replace(" ", "")
    found = None
    if code and CODE.match(code):
        found = (
            Enrollment.objects.filter(certificate_code=code, status=EnrollmentStatus.COMPLETED)
            .select_related("session__course__organization")
            .first()
        )
    return render(
        request,
        "training/verify.html",
        {"code": raw[:20], "asked": bool(raw), "found": found},
        status=200,
    )
