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
    """Idempotent: a lapse is recorded once per expiry (a Lapse row), and each reminder has a
    unique sent-record, so running twice, or on two workers at once, repeats nothing."""
    lapsed = sent = 0
    for org in Organization.objects.all():
        today = org.today()
        certifications = (
            Certification.objects.filter(profile__membership__organization=org)
            .select_related("profile__membership")
            .prefetch_related("renewals", "lapses")
        )
        newest = {}
        for cert in certifications.order_by("issued_on"):
            newest[cert.profile_id] = cert  # a later certification keeps the peer certified
        for cert in newest.values():
            expiry = cert.current_expiry
            if expiry is None or expiry >= today or cert.is_active_on(today):
                continue
            # Once per expiry: a lapse from the day after it, recorded or withdrawn before,
            # is not recorded again.
            if any(lapse.starts_on == expiry + dt.timedelta(days=1) for lapse in cert.lapses.all()):
                continue
            if cert.open_lapse is not None:
                continue
            with transaction.atomic():
                done = certification_lapse(
                    certification=cert, actor=None, lapsed_on=expiry + dt.timedelta(days=1)
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
