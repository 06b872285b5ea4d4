"""The report as a print-quality PDF (WeasyPrint), charts drawn as SVG on the server."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone


def render_pdf(figures: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    template = (
        "encounters/reports/cost_savings_pdf.html"
        if figures["report"] == "cost-savings"
        else "encounters/reports/funder_pdf.html"
    )
    html = render_to_string(template, {"f": figures, "generated": timezone.localtime()})
    return HTML(string=html).write_pdf()
