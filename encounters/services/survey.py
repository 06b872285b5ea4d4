"""The anonymous survey: its questions (the standard ones every report relies on, and the
shape of the version an organization edits; our own wording, admins may reword any), and
its writes: publishing a version, one-time links, answers, imported answers."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from config.accounts.models import User
from encounters import events as encounter_events
from encounters.models import (
    Alternative,
    Encounter,
    SurveyChannel,
    SurveyLink,
    SurveyQuestionSet,
    SurveyResponse,
    YesNo,
)
from programs.audit import audit_record
from programs.models import Organization

SCALE = "scale"
CHOICE = "choice"
YES_NO = "yes_no"

# Standard questions, stored in their own columns of SurveyResponse for aggregation.
STANDARD_KEYS = ("satisfaction", "wellbeing", "alternative", "other_services", "relapse")
MAX_CUSTOM_QUESTIONS = 5

HANDOVER_MINUTES = 120  # a handed-over phone keeps its survey open this long
SURVEY_ALREADY_ANSWERED = "The survey for this encounter has already been answered."
SURVEY_ANSWER_ONE = "Answer at least one question, or hand the phone back."
QUESTION_TEXT_NEEDED = "Every question needs its wording."
TOO_MANY_QUESTIONS = f"Add at most {MAX_CUSTOM_QUESTIONS} questions of your own."


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: str
    low: int = 1
    high: int = 5
    low_label: str = ""
    high_label: str = ""

    @property
    def standard(self) -> bool:
        return self.key in STANDARD_KEYS

    def options(self) -> list[tuple[str, str]]:
        if self.kind == SCALE:
            return [(str(n), str(n)) for n in range(self.low, self.high + 1)]
        if self.key == "alternative":
            return list(Alternative.choices)
        return list(YesNo.choices)


# Scale ends and option lists belong to the key, not to the stored version: a reworded
# question still produces answers that add up with the old ones.
_SHAPE: dict[str, dict[str, Any]] = {
    "satisfaction": {
        "kind": SCALE,
        "low": 1,
        "high": 5,
        "low_label": "Not at all satisfied",
        "high_label": "Very satisfied",
    },
    "wellbeing": {"kind": SCALE, "low": 1, "high": 10, "low_label": "Poor", "high_label": "Great"},
    "alternative": {"kind": CHOICE},
    "other_services": {"kind": YES_NO},
    "relapse": {"kind": YES_NO},
}

DEFAULT_QUESTIONS = [
    {"key": "satisfaction", "text": "How satisfied are you with the support you got today?"},
    {
        "key": "wellbeing",
        "text": "How is your mental well-being right now, from 1 (poor) to 10 (great)?",
    },
    {
        "key": "alternative",
        "text": "If no peer supporter had been there for you today, what would you most "
        "likely have done?",
    },
    {
        "key": "other_services",
        "text": "Since we last met, have you used other services, such as a crisis line, "
        "the emergency room or a hospital stay?",
    },
    {"key": "relapse", "text": "Since we last met, have you had a relapse?"},
]


def questions_from(stored: list[dict[str, Any]]) -> list[Question]:
    """The questions of a stored version, with each standard key's fixed shape."""
    out = []
    for item in stored:
        key = item["key"]
        shape = _SHAPE.get(key, {"kind": item.get("kind", SCALE), "low": 1, "high": 5})
        if key not in _SHAPE and shape["kind"] == SCALE:
            shape = {**shape, "low_label": "Not at all", "high_label": "Very much"}
        out.append(Question(key=key, text=item["text"], **shape))
    return out


# ----- Writes ---------------------------------------------------------------------------


def survey_current(organization: Organization) -> SurveyQuestionSet:
    """The organization's current question set; version 1 (our defaults) on first use."""
    current = SurveyQuestionSet.objects.filter(organization=organization).first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return SurveyQuestionSet.objects.create(
                organization=organization, version=1, questions=DEFAULT_QUESTIONS
            )
    except IntegrityError:
        return SurveyQuestionSet.objects.filter(organization=organization).first()  # type: ignore[return-value]


@transaction.atomic
def survey_publish(
    *,
    organization: Organization,
    actor: User,
    questions: list[dict[str, Any]],
    ip_address: str | None = None,
) -> SurveyQuestionSet:
    """Save an edited question set as the next version. The standard questions stay (the
    reports count them) but may be reworded; up to MAX_CUSTOM_QUESTIONS may be added."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    cleaned: list[dict[str, Any]] = []
    custom = 0
    for q in questions:
        text = " ".join(str(q.get("text", "")).split())
        if not text:
            raise ValidationError(QUESTION_TEXT_NEEDED)
        if q["key"] in STANDARD_KEYS:
            cleaned.append({"key": q["key"], "text": text})
        else:
            custom += 1
            kind = q.get("kind") if q.get("kind") in (SCALE, YES_NO) else SCALE
            cleaned.append({"key": q["key"], "text": text, "kind": kind})
    if custom > MAX_CUSTOM_QUESTIONS:
        raise ValidationError(TOO_MANY_QUESTIONS)
    missing = [k for k in STANDARD_KEYS if k not in {c["key"] for c in cleaned}]
    for key in missing:
        cleaned.append(next(d for d in DEFAULT_QUESTIONS if d["key"] == key))
    last = survey_current(organization)
    if last.questions == cleaned:
        return last
    version = (
        SurveyQuestionSet.objects.filter(organization=organization).aggregate(v=Max("version"))["v"]
        or 0
    ) + 1
    published = SurveyQuestionSet.objects.create(
        organization=organization, version=version, questions=cleaned, created_by=actor
    )
    audit_record(
        actor=actor,
        organization=organization,
        event=encounter_events.SURVEY_PUBLISHED,
        subject=published,
        ip_address=ip_address,
        data={"version": version},
    )
    return published


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def survey_link_create(
    *, encounter: Encounter, actor: User, channel: str, ip_address: str | None = None
) -> tuple[SurveyLink, str]:
    """A fresh one-time token for the encounter's survey; any earlier token stops working.
    Returns the link and the token (shown once, never stored)."""
    if SurveyResponse.objects.filter(encounter=encounter).exists():
        raise ValidationError(SURVEY_ALREADY_ANSWERED)
    token = secrets.token_urlsafe(24)
    lifetime = (
        dt.timedelta(minutes=HANDOVER_MINUTES)
        if channel == SurveyChannel.HANDOVER
        else dt.timedelta(hours=settings.SURVEY_LINK_HOURS)
    )
    link, _ = SurveyLink.objects.update_or_create(
        encounter=encounter,
        defaults={
            "organization_id": encounter.organization_id,
            "token_hash": _hash(token),
            "channel": channel,
            "expires_at": timezone.now() + lifetime,
            "used_at": None,
            "created_by": actor,
        },
    )
    audit_record(
        actor=actor,
        organization=encounter.organization,
        event=encounter_events.SURVEY_OFFERED,
        subject=encounter,
        ip_address=ip_address,
        data={"channel": channel},
    )
    return link, token


def survey_link_for(token: str) -> SurveyLink | None:
    """The link for a token if it can still be answered; None if unknown, used or expired."""
    link = SurveyLink.objects.filter(token_hash=_hash(token)).select_related("organization").first()
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        return None
    return link


@transaction.atomic
def survey_submit(*, token: str, answers: dict[str, Any]) -> SurveyResponse | None:
    """Record the person's answers once. A second submission with the same token (a double
    tap, a resend) records nothing and returns None; the person sees the same thank-you."""
    link = (
        SurveyLink.objects.select_for_update()
        .filter(token_hash=_hash(token))
        .select_related("encounter")
        .first()
    )
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        return None
    if not any(v not in (None, "") for v in answers.values()):
        raise ValidationError(SURVEY_ANSWER_ONE)
    if SurveyResponse.objects.filter(encounter_id=link.encounter_id).exists():
        return None
    question_set = survey_current(link.organization)
    keys = {q.key for q in questions_from(question_set.questions)}
    standard = {k: answers.get(k) for k in STANDARD_KEYS}
    response = SurveyResponse(
        encounter_id=link.encounter_id,
        organization_id=link.organization_id,
        question_set=question_set,
        channel=link.channel,
        satisfaction=standard["satisfaction"] or None,
        wellbeing=standard["wellbeing"] or None,
        alternative=standard["alternative"] or "",
        other_services=standard["other_services"] or "",
        relapse=standard["relapse"] or "",
        extra={k: v for k, v in answers.items() if k not in STANDARD_KEYS and k in keys and v},
        submitted_on=link.organization.today(),
        encounter_date=link.encounter.date,
    )
    response.full_clean(exclude=["encounter", "organization", "question_set"])
    response.save()
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    # No audit row names the response: the log says only that a survey came back.
    audit_record(
        actor=None,
        organization=link.organization,
        event=encounter_events.SURVEY_ANSWERED,
        subject=link.encounter,
        data={"channel": link.channel},
    )
    return response


def survey_import(
    *,
    encounter: Encounter,
    satisfaction: int | None,
    wellbeing: int | None,
    alternative: str,
    other_services: str = "",
    relapse: str = "",
) -> bool:
    """Attach imported survey answers to an imported encounter, once."""
    if SurveyResponse.objects.filter(encounter=encounter).exists():
        return False
    SurveyResponse.objects.create(
        encounter=encounter,
        organization_id=encounter.organization_id,
        question_set=survey_current(encounter.organization),
        channel=SurveyChannel.IMPORT,
        satisfaction=satisfaction,
        wellbeing=wellbeing,
        alternative=alternative,
        other_services=other_services,
        relapse=relapse,
        submitted_on=encounter.date,
        encounter_date=encounter.date,
    )
    return True
