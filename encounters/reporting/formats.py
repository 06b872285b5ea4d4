"""The same figures as JSON, CSV and XLSX (and PDF, in pdf.py). Money is a number rounded
to cents; dates are ISO; every format is built from one figures dict."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from encounters.reporting.figures import Scope
from encounters.reporting.funder import funder
from encounters.reporting.savings import cost_savings
from programs.spreadsheets import Workbook, csv_text


def build(
    kind: str,
    scope: Scope,
    *,
    unit_costs: dict[str, Decimal] | None = None,
    program_cost: Decimal | None = None,
) -> dict[str, Any]:
    """The figures of a report of `kind` ("cost-savings" or "funder")."""
    if kind == "cost-savings":
        return cost_savings(scope, unit_costs=unit_costs, program_cost_override=program_cost)
    if kind == "funder":
        return funder(scope)
    raise ValueError(f"unknown report {kind!r}")


def plain(value: Any) -> Any:
    """JSON-ready: Decimals as numbers (cents kept), dates as ISO strings."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def to_json(figures: dict[str, Any]) -> str:
    return json.dumps(plain(figures), indent=2, ensure_ascii=False)


# What a withheld survey figure reads in the CSV and the spreadsheet; its reason is under
# the section "withheld" (JSON keeps the figure null and gives the same "withheld").
WITHHELD = "withheld"


def rows(figures: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """Every figure as (section, item, value): the CSV's lines and the spreadsheet's. A
    withheld survey figure reads "withheld"; one nobody answered stays empty."""
    withheld = figures.get("withheld") or {}
    for section, item, value in _rows(plain(figures)):
        if value is None and _is_withheld(section, item, withheld):
            value = WITHHELD
        yield section, item, value


def _is_withheld(section: str, item: str, withheld: dict[str, str]) -> bool:
    """Whether the line (section, item) is a figure named in the figures' "withheld": a
    summary figure by its key, a table's figures by the table ("alternatives": each
    answer's count and total) or its row ("monthly.2025-04-01": that month's dollars)."""
    if section == "summary":
        return item in withheld
    if section.startswith("alternatives."):
        return "alternatives" in withheld and item in ("count", "total")
    if section.startswith("monthly."):
        return section in withheld and item == "gross_diversion_dollars"
    return section in withheld


def _rows(data: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    for key, value in data.items():
        if key == "comparisons":
            for c in value:
                yield "comparisons", c["what"], c["figure"]
        elif key == "alternatives":
            for code, a in value.items():
                for field in ("count", "unit_cost", "total", "source", "effective_from"):
                    yield f"alternatives.{code}", field, a[field]
                if a["is_example"]:
                    yield f"alternatives.{code}", "is_example", True
        elif key == "costs_used":
            for c in value:
                section = f"costs_used.{c['alternative']}.{c['effective_from']}"
                for field in ("unit_cost", "until", "source", "is_example"):
                    yield section, field, c[field]
        elif key == "monthly":
            for m in value:
                for field, v in m.items():
                    if field != "month":
                        yield f"monthly.{m['month']}", field, v
        elif key == "billing_by_payer":
            for p in value:
                yield f"billing_by_payer.{p['payer']}", "units", p["units"]
                yield f"billing_by_payer.{p['payer']}", "amount", p["amount"]
        elif isinstance(value, dict):
            for item, v in value.items():
                yield key, item, v
        else:
            yield "summary", key, value


def to_csv(figures: dict[str, Any]) -> str:
    lines = (
        (section, item, "" if value is None else value) for section, item, value in rows(figures)
    )
    return csv_text([("section", "item", "value"), *lines], lineterminator="\n")


def to_xlsx(figures: dict[str, Any]) -> bytes:
    """A workbook: the summary and each table on its own sheet, same figures as the CSV."""
    book = Workbook()
    sheet = book.sheet("Figures", header=["section", "item", "value"])
    for line in rows(figures):
        sheet.append(line)
    sheet.widths({"A": 34, "B": 40, "C": 18})
    return book.to_bytes()


def to_pdf(figures: dict[str, Any]) -> bytes:
    from encounters.reporting.pdf import render_pdf

    return render_pdf(figures)


WRITERS: dict[str, Callable[[dict[str, Any]], str | bytes]] = {
    "json": to_json,
    "csv": to_csv,
    "xlsx": to_xlsx,
    "pdf": to_pdf,
}
