"""Build a report synchronously, for scripts and cron:

report cost-savings|funder --organization SLUG [--program SLUG] --start YYYY-MM-DD
    --end YYYY-MM-DD --format json|csv|xlsx|pdf --output PATH
    [--costs FILE.csv] [--program-cost AMOUNT]      (cost-savings scenarios)
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from encounters.models import Alternative
from encounters.reporting import formats
from encounters.reporting.figures import Scope
from programs.models import Organization


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name}: expected a date as YYYY-MM-DD, got {value!r}") from None


def _amount(value: str, where: str) -> Decimal:
    try:
        amount = Decimal(value.strip().replace(",", "").lstrip("$"))
    except InvalidOperation:
        raise CommandError(f"{where}: expected an amount, got {value!r}") from None
    if not amount.is_finite() or amount >= Decimal("1e12"):
        raise CommandError(f"{where}: expected an amount under 1,000,000,000,000, got {value!r}")
    if amount < 0:
        raise CommandError(f"{where}: an amount cannot be negative")
    return amount


def read_costs(path: Path) -> dict[str, Decimal]:
    """A scenario's unit costs from CSV (alternative,unit_cost); every bad line is named."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"--costs: cannot read {path}: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or {"alternative", "unit_cost"} - set(reader.fieldnames):
        raise CommandError("--costs: the header must be alternative,unit_cost")
    costs: dict[str, Decimal] = {}
    problems = []
    for line, row in enumerate(reader, start=2):
        code = (row.get("alternative") or "").strip()
        if code not in Alternative.values:
            problems.append(f"line {line}, column alternative: unknown code {code!r}")
            continue
        if code in costs:
            problems.append(f"line {line}, column alternative: {code} appears twice")
            continue
        try:
            costs[code] = _amount(row.get("unit_cost") or "", f"line {line}, column unit_cost")
        except CommandError as exc:
            problems.append(str(exc))
    if problems:
        raise CommandError("--costs: " + "; ".join(problems))
    return costs


class Command(BaseCommand):
    help = "Build the cost-savings or funder report for a period, in one format, to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["cost-savings", "funder"])
        parser.add_argument("--organization", required=True)
        parser.add_argument("--program", help="a program's short name (default: all)")
        parser.add_argument("--start", required=True)
        parser.add_argument("--end", required=True)
        parser.add_argument("--format", choices=sorted(formats.WRITERS), default="json")
        parser.add_argument("--output", required=True, help="file to write ('-' for stdout)")
        parser.add_argument("--costs", type=Path, help="cost-savings: CSV alternative,unit_cost")
        parser.add_argument("--program-cost", help="cost-savings: the program cost to assume")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["organization"]).first()
        if org is None:
            raise CommandError(f"No organization with the slug {options['organization']!r}.")
        program = None
        if options["program"]:
            program = org.programs.filter(slug=options["program"]).first()
            if program is None:
                raise CommandError(f"{org.name} has no program {options['program']!r}.")
        start, end = _date(options["start"], "start"), _date(options["end"], "end")
        if end < start:
            raise CommandError("--end is before --start.")
        kind = options["kind"]
        if kind != "cost-savings" and (options["costs"] or options["program_cost"]):
            raise CommandError("--costs and --program-cost are for the cost-savings report.")
        unit_costs = read_costs(options["costs"]) if options["costs"] else None
        program_cost = (
            _amount(options["program_cost"], "--program-cost") if options["program_cost"] else None
        )
        figures = formats.build(
            kind,
            Scope(org, start, end, program),
            unit_costs=unit_costs,
            program_cost=program_cost,
        )
        data = formats.WRITERS[options["format"]](figures)
        if options["output"] == "-":
            if isinstance(data, bytes):
                raise CommandError("Write xlsx and pdf to a file, not to the screen.")
            self.stdout.write(data)
            return
        out = Path(options["output"])
        try:
            if isinstance(data, bytes):
                out.write_bytes(data)
            else:
                out.write_text(data, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc}") from None
        self.stderr.write(f"Wrote {out} ({len(data):,} bytes).")
