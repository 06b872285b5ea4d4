"""Readiness self-assessment pages: history with a trend, a new assessment, its plan, PDF."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from programs import readiness
from programs.access import Capability
from programs.forms import ReadinessForm, ReadinessPlanForm
from programs.models import ReadinessAction, ReadinessAssessment
from programs.pdf import pdf_from_html
from programs.rules import READINESS_STATEMENTS, plan_deadline
from programs.web import MemberRequiredMixin, ScopedObjectMixin, client_ip

CHART_WIDTH, CHART_HEIGHT = 320, 140


def trend_bars(history: list[ReadinessAssessment]) -> list[dict[str, Any]]:
    """Bar geometry for the server-drawn SVG trend: one bar per assessment, by percent."""
    shown = history[-12:]
    if not shown:
        return []
    slot = CHART_WIDTH / len(shown)
    bars = []
    for i, a in enumerate(shown):
        verdict = readiness.verdict_for(a)
        height = CHART_HEIGHT * verdict.percent / 100
        bars.append(
            {
                "x": round(i * slot + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(CHART_HEIGHT - height, 1),
                "height": round(height, 1),
                "percent": verdict.percent,
                "ready": verdict.ready,
                "label": a.assessed_on.strftime("%b %Y"),
                "label_x": round(i * slot + slot / 2, 1),
            }
        )
    return bars


def _history_context(membership: Any) -> dict[str, Any]:
    history = readiness.readiness_history(membership)
    threshold = settings.READINESS_THRESHOLD_PERCENT
    return {
        "history": list(reversed(history)),
        "latest": history[-1] if history else None,
        "latest_verdict": readiness.verdict_for(history[-1]) if history else None,
        "bars": trend_bars(history),
        "chart": {
            "width": CHART_WIDTH,
            "height": CHART_HEIGHT,
            "threshold_y": CHART_HEIGHT * (100 - threshold) / 100,
        },
        "threshold": threshold,
    }


class ReadinessListView(MemberRequiredMixin, TemplateView):
    capability = Capability.MANAGE_READINESS
    template_name = "programs/readiness_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **_history_context(self.membership)}


class ReadinessCreateView(MemberRequiredMixin, FormView[ReadinessForm]):
    capability = Capability.MANAGE_READINESS
    template_name = "programs/readiness_form.html"
    form_class = ReadinessForm

    def get_initial(self) -> dict[str, Any]:
        return {"assessed_on": self.membership.organization.today()}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        form = ctx["form"]
        ctx["statements"] = [(form[c], form[f"{c}_comment"]) for c in READINESS_STATEMENTS]
        return ctx

    def form_valid(self, form: ReadinessForm) -> HttpResponse:
        assessment = self.call_service(
            form,
            readiness.readiness_assessment_record,
            organization=self.membership.organization,
            actor=self.actor,
            assessed_on=form.cleaned_data["assessed_on"],
            answers=form.answers(),
            notes=form.cleaned_data["notes"],
            submission_key=form.cleaned_data["submission_key"].hex,
        )
        if assessment is None:
            return self.form_invalid(form)
        verdict = readiness.verdict_for(assessment)
        if verdict.ready:
            messages.success(self.request, f"Ready: {verdict.percent}%.")
        else:
            messages.warning(
                self.request,
                f"{verdict.percent}%: below {verdict.threshold_percent}%. "
                "Plan an action for each 'no' below.",
            )
        return redirect("readiness_detail", pk=assessment.pk)


class ReadinessDetailView(ScopedObjectMixin, TemplateView):
    model = ReadinessAssessment
    capability = Capability.MANAGE_READINESS
    template_name = "programs/readiness_detail.html"

    def _plan_form(self, data: Any = None) -> ReadinessPlanForm:
        a: ReadinessAssessment = self.get_object()
        noes = [
            (x.statement, READINESS_STATEMENTS.get(x.statement, x.statement))
            for x in a.answers.all()
            if not x.answer
        ]
        initial = {}
        for act in a.actions.all():
            initial.update(
                {
                    f"{act.statement}_action": act.action,
                    f"{act.statement}_owner": act.owner_id,
                    f"{act.statement}_target": act.target_date,
                }
            )
        return ReadinessPlanForm(data, noes=noes, organization=a.organization, initial=initial)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        a: ReadinessAssessment = self.get_object()
        plan_form = kwargs.pop("plan_form", None) or self._plan_form()
        return {
            **super().get_context_data(**kwargs),
            "assessment": a,
            "verdict": readiness.verdict_for(a),
            "answers": [
                (READINESS_STATEMENTS.get(x.statement, x.statement), x) for x in a.answers.all()
            ],
            "actions": a.actions.select_related("owner"),
            "plan_form": plan_form,
            "plan_rows": [
                (plan_form[f"{c}_action"], plan_form[f"{c}_owner"], plan_form[f"{c}_target"])
                for c, _ in plan_form.noes
            ],
            "deadline": plan_deadline(a.assessed_on, days=settings.READINESS_PLAN_DAYS),
        }

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        a: ReadinessAssessment = self.get_object()
        form = self._plan_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            planned = {
                code: readiness.PlannedAction(
                    action=data[f"{code}_action"],
                    owner=data[f"{code}_owner"],
                    target_date=data[f"{code}_target"],
                )
                for code, _ in form.noes
            }
            if (
                self.call_service(
                    form,
                    readiness.readiness_plan_save,
                    assessment=a,
                    actor=self.actor,
                    actions=planned,
                )
                is not None
            ):
                messages.success(request, "Plan saved.")
                return redirect("readiness_detail", pk=a.pk)
        return self.render_to_response(self.get_context_data(plan_form=form))


class ReadinessActionDoneView(ScopedObjectMixin, View):
    model = ReadinessAction
    capability = Capability.MANAGE_READINESS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        action: ReadinessAction = self.get_object()
        # The button says what it does, so sending it twice cannot undo it.
        done = action.assessment.organization.today() if request.POST.get("done") == "yes" else None
        if (done is None) == (action.done_on is None):
            return redirect("readiness_detail", pk=action.assessment_id)
        readiness.readiness_action_done(
            action=action, actor=self.actor, done_on=done, ip_address=client_ip(request)
        )
        return redirect("readiness_detail", pk=action.assessment_id)


class ReadinessPdfView(MemberRequiredMixin, View):
    """The history and latest plan as a PDF for a board meeting (WeasyPrint)."""

    capability = Capability.MANAGE_READINESS

    def get(self, request: HttpRequest) -> HttpResponse:
        ctx = _history_context(self.membership)
        latest = ctx["latest"]
        ctx.update(
            {
                "organization": self.membership.organization,
                "generated": timezone.localtime(),
                "answers": [
                    (READINESS_STATEMENTS.get(x.statement, x.statement), x)
                    for x in latest.answers.all()
                ]
                if latest
                else [],
                "actions": latest.actions.select_related("owner") if latest else [],
            }
        )
        html = render_to_string("programs/readiness_pdf.html", ctx, request=request)
        response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="readiness.pdf"'
        return response
