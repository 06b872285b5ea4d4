"""The anonymous survey: offering it after an encounter (the phone handed over, or a
one-time link and QR code), answering it without signing in, its figures, and editing its
questions."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from encounters import selectors
from encounters.forms import SurveyForm, SurveyQuestionsForm
from encounters.models import SurveyChannel
from encounters.services import survey as survey_services
from encounters.views.encounters import OwnEncounterMixin
from programs.access import Capability
from programs.models import Program
from programs.web import MemberRequiredMixin, client_ip


def _no_store(response: HttpResponse) -> HttpResponse:
    # Survey and token pages must not come back from the browser's cache or history.
    response["Cache-Control"] = "no-store"
    return response


class SurveyOfferView(OwnEncounterMixin, View):
    """The peer hands the phone over, or gets a one-time link and QR code to send."""

    channel: str = SurveyChannel.HANDOVER

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        encounter = self.own_encounter()
        try:
            link, token = survey_services.survey_link_create(
                encounter=encounter,
                actor=self.actor,
                channel=self.channel,
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            messages.info(request, " ".join(exc.messages))
            return redirect("encounter_saved", pk=pk)
        if self.channel == SurveyChannel.HANDOVER:
            return redirect("survey_answer", token=token)
        url = settings.SITE_URL + reverse("survey_answer", args=[token])
        return _no_store(
            render(
                request,
                "encounters/survey_link.html",
                {
                    "encounter": encounter,
                    "url": url,
                    "qr_svg": _qr_svg(url),
                    "expires_at": link.expires_at,
                },
            )
        )


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration: it is inlined in HTML
    return mark_safe(svg)  # noqa: S308  (our own generated markup, no user input)


@never_cache
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The survey as the person answers it: no sign-in, nothing about the client or the
    encounter, once only."""
    link = survey_services.survey_link_for(token)
    if link is None:
        return _no_store(render(request, "encounters/survey_closed.html", status=410))
    question_set = survey_services.survey_current(link.organization)
    questions = survey_services.questions_from(question_set.questions)
    if request.method == "POST":
        form = SurveyForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                survey_services.survey_submit(token=token, answers=form.answers())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("survey_thanks")
    else:
        form = SurveyForm(questions=questions)
    return _no_store(
        render(
            request,
            "encounters/survey_form.html",
            {"form": form, "organization": link.organization, "questions": questions},
        )
    )


@never_cache
def survey_thanks(request: HttpRequest) -> HttpResponse:
    return _no_store(render(request, "encounters/survey_thanks.html"))


class SurveyResultsView(MemberRequiredMixin, TemplateView):
    """Survey figures for a program and period: aggregates only, never one person's."""

    template_name = "encounters/survey_results.html"
    capability = Capability.VIEW_SURVEY_RESULTS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        m = self.membership
        today = m.organization.today()
        months = []
        y, mo = today.year, today.month
        for _ in range(24):
            months.append(dt.date(y, mo, 1))
            y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
        wanted = self.request.GET.get("month", "")
        chosen = next((d for d in months if d.strftime("%Y-%m") == wanted), months[0])
        programs = list(Program.objects.for_member(m).order_by("name"))
        program = next((p for p in programs if p.slug == self.request.GET.get("program")), None)
        ctx.update(
            months=months,
            month=chosen,
            programs=programs,
            program=program,
            survey=selectors.survey_month(m, year=chosen.year, month=chosen.month, program=program),
        )
        return ctx


class SurveyQuestionsView(MemberRequiredMixin, View):
    """Admins reword the questions or add their own; saving makes a new version."""

    capability = Capability.EDIT_SURVEY

    def _render(self, form: SurveyQuestionsForm, current: Any) -> HttpResponse:
        return render(
            self.request, "encounters/survey_questions.html", {"form": form, "current": current}
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        current = survey_services.survey_current(self.membership.organization)
        form = SurveyQuestionsForm(questions=survey_services.questions_from(current.questions))
        return self._render(form, current)

    def post(self, request: HttpRequest) -> HttpResponse:
        current = survey_services.survey_current(self.membership.organization)
        form = SurveyQuestionsForm(
            request.POST, questions=survey_services.questions_from(current.questions)
        )
        if form.is_valid():
            published = self.call_service(
                form,
                survey_services.survey_publish,
                organization=self.membership.organization,
                actor=self.actor,
                questions=form.question_list(),
            )
            if published is not None:
                if published.pk == current.pk:
                    messages.info(request, "Nothing changed; the survey stays as it was.")
                else:
                    messages.success(request, f"Survey version {published.version} is now in use.")
                return redirect("survey_questions")
        return self._render(form, current)
