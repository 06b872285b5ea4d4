"""Background work for organizations: invitation e-mails and housekeeping."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from programs.models import Invitation


@shared_task(
    name="programs.send_invitation_email",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_invitation_email(*, invitation_id: int, token: str) -> bool:
    """Send the invitation link once. A repeat run (retry, second worker) sends nothing.

    The row lock makes two workers take turns; whoever comes second sees `sent_at`.
    The e-mail names the organization and role only, never anything about clients.
    """
    with transaction.atomic():
        invitation = (
            # Lock this row only: a join would also lock the organization row, which
            # membership and invitation writes lock first (deadlock).
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organization")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.sent_at is not None or not invitation.is_usable:
            return False
        if invitation.token_hash != Invitation.hash_token(token):
            return False  # superseded by a resend: that one carries its own link
        context = {
            "invitation": invitation,
            "link": settings.SITE_URL + reverse("invitation_accept", args=[token]),
        }
        send_mail(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}You are invited to "
            f"{invitation.organization.name}",
            message=render_to_string("programs/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True


@shared_task(
    name="programs.email_notification",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def email_notification(*, notification_id: int) -> bool:
    """E-mail a notification once; a repeat run finds `emailed_at` and sends nothing."""
    from programs.models import Notification

    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user", "organization")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if note is None:
            return False
        send_mail(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{note.title}",
            message=render_to_string(
                "programs/email/notification.txt",
                {"note": note, "link": settings.SITE_URL + note.link if note.link else ""},
            ),
            from_email=None,
            recipient_list=[note.user.email],
        )
        note.emailed_at = timezone.now()
        note.save(update_fields=["emailed_at"])
    return True


# The soft limit raises inside the import, whose transaction then writes nothing.
@shared_task(
    name="programs.run_import", acks_late=True, soft_time_limit=60 * 60, time_limit=61 * 60
)
def run_import(*, run_id: int) -> str:
    """Import a confirmed file once; a repeat finds the run finished and does nothing."""
    from programs.import_runs import import_run_execute

    return import_run_execute(run_id=run_id).status


@shared_task(name="programs.imports_daily", acks_late=True)
def imports_daily() -> dict[str, int]:
    """Daily: delete uploaded files past IMPORT_KEEP_DAYS; end imports whose worker died."""
    from programs.import_runs import import_files_expire, import_runs_expire

    return {"files_deleted": import_files_expire(), "stale_ended": import_runs_expire()}
