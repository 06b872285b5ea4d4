"""Certificates of completion, rendered in the background."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from programs.pdf import pdf_from_html
from programs.services import notification_send
from training.models import Enrollment, EnrollmentStatus


def certificate_pdf(enrollment: Enrollment) -> bytes:
    course = enrollment.session.course
    html = render_to_string(
        "training/certificate_pdf.html",
        {
            "enrollment": enrollment,
            "course": course,
            "organization": course.organization,
            "verify_path": reverse("certificate_verify"),
            "site_url": settings.SITE_URL,
            "generated": timezone.localtime(),
        },
    )
    return pdf_from_html(html)


@shared_task(name="training.render_certificate", acks_late=True)
def render_certificate(enrollment_id: int) -> str:
    """Render a completion certificate once, and tell the person (no details but the
    course's name)."""
    enrollment = Enrollment.objects.select_related("session__course__organization", "user").get(
        pk=enrollment_id
    )
    if enrollment.status != EnrollmentStatus.COMPLETED or enrollment.certificate:
        return "nothing to do"
    with transaction.atomic():
        locked = (
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("session__course__organization", "user")
            .get(pk=enrollment_id)
        )
        if locked.certificate:
            return "done already"
        pdf = certificate_pdf(locked)  # the code printed is the code stored
        locked.certificate.save(
            f"certificate-{locked.certificate_code}.pdf", ContentFile(pdf), save=True
        )
        if locked.user is not None:
            course = enrollment.session.course
            notification_send(
                user=locked.user,
                organization=course.organization,
                title=f"Your certificate for {course.title} is ready",
                body="Download it from My training.",
                link=reverse("training_mine"),
            )
    return "rendered"


@shared_task(name="training.daily", acks_late=True)
def training_daily() -> dict[str, int]:
    """After a session's last day, settle everyone still enrolled: completed, failed or
    incomplete (hours missing). Idempotent: only enrolments still "enrolled" are looked at."""
    from programs.models import Organization
    from training.services import evaluate

    settled = 0
    for org in Organization.objects.filter(courses__isnull=False).distinct():
        today = org.today()
        for enrollment in Enrollment.objects.filter(
            session__course__organization=org,
            session__ends_on__lt=today,
            status=EnrollmentStatus.ENROLLED,
        ):
            with transaction.atomic():
                settled += evaluate(enrollment).status != EnrollmentStatus.ENROLLED
    return {"settled": settled}
