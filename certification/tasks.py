"""The daily certification run: lapse expired certifications, then send due reminders."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import transaction

from certification.models import Certification, CertificationStatus, PeerProfile
from certification.services import certification_lapse, reminders_send_for
from programs.models import Organization, Role

logger = logging.getLogger(__name__)


@shared_task(name="certification.daily", acks_late=True)
def certification_daily() -> dict[str, int]:
    """Idempotent: a lapse is recorded once (lapsed_on is set), and each reminder has a
    unique sent-record, so running twice, or on two workers at once, repeats nothing."""
    lapsed = sent = 0
    for org in Organization.objects.all():
        today = org.today()
        for cert in Certification.objects.filter(
            profile__membership__organization=org,
            expires_on__lt=today,
            lapsed_on__isnull=True,
        ).select_related("profile__membership"):
            # Renewed since? A later certification or renewal keeps the peer certified.
            newer = Certification.objects.filter(
                profile=cert.profile_id, issued_on__gt=cert.issued_on
            ).exists()
            if not newer and cert.expires_on is not None:
                with transaction.atomic():
                    done = certification_lapse(
                        certification=cert,
                        actor=None,
                        lapsed_on=cert.expires_on + dt.timedelta(days=1),
                    )
                lapsed += done is not None
        profiles = PeerProfile.objects.filter(
            membership__organization=org,
            membership__is_active=True,
            membership__role=Role.PEER_SUPPORTER,
        ).exclude(status__in=[CertificationStatus.SEPARATED, CertificationStatus.INACTIVE])
        for profile in profiles.select_related("membership__organization", "membership__user"):
            try:
                sent += len(reminders_send_for(profile, today=today))
            except Exception:
                # One bad record must not stop everyone else's reminders; the next run
                # retries it (nothing was marked sent for it).
                logger.exception("reminders failed for peer profile %s", profile.pk)
    return {"lapsed": lapsed, "reminders": sent}
