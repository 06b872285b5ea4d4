"""How long the reports take on a large organization, next to the raw SQL they rest on.

benchmark_reports [--encounters N] [--repeat R] [--keep]

Seeds a throwaway organization ("Benchmark <timestamp>") with peers, programs, clients,
N encounters over the last two years (about 60% followed by a survey), alternative costs
and program cost lines, then builds the cost-savings and funder reports for a quarter
and a year (and the home-page dashboard for 90 days) and prints, for each, the best of R
runs next to the best time of a hand-written SQL aggregate over the same period. A
benchmark, not a test: it reports numbers and asserts nothing.

Seeding uses bulk_create, so no audit rows are written and the organization can be
removed again at the end (the audit log refuses deletes).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.accounts.models import User
from encounters import rules
from encounters.demo import ALTERNATIVE_WEIGHTS, SETTING_WEIGHTS
from encounters.models import (
    Alternative,
    Client,
    Encounter,
    Format,
    ModelPhase,
    Payer,
    Rate,
    ServiceType,
    SupportType,
    SurveyChannel,
    SurveyResponse,
    YesNo,
)
from encounters.reporting import formats
from encounters.reporting.figures import Scope
from encounters.reporting.models import AlternativeCost, CostCategory, ProgramCost
from programs.models import Membership, Organization, Program, Role

PROGRAMS = 4
PEERS_PER_PROGRAM = 12
CLIENTS_PER_PROGRAM = 600
BATCH = 5000
SURVEY_SHARE = 0.6
RATE = Decimal("14.01")
# How often each type of support is given, as in the demo data.
SUPPORT_SHARES = {
    SupportType.EMOTIONAL: 0.77,
    SupportType.INFORMATIONAL: 0.35,
    SupportType.INSTRUMENTAL: 0.25,
    SupportType.AFFILIATION: 0.18,
}

# Published unit costs of the alternatives (illustrative, in the range DOMAIN.md cites).
UNIT_COSTS = {
    Alternative.CALLED_911: Decimal("750"),
    Alternative.EMERGENCY_DEPARTMENT: Decimal("2032"),
    Alternative.INPATIENT: Decimal("8200"),
    Alternative.CRISIS_BED: Decimal("1100"),
    Alternative.JAIL: Decimal("3700"),
    Alternative.CRISIS_LINE: Decimal("45"),
    Alternative.USED_SUBSTANCES: Decimal("250"),
}


@dataclass
class Row:
    report: str
    period: str
    fmt: str
    seconds: float
    raw_seconds: float | None
    queries: int
    note: str = ""


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


@contextmanager
def _step(out: Any, what: str) -> Iterator[None]:
    started = time.perf_counter()
    out.write(f"  {what}...", ending="")
    out.flush()
    yield
    out.write(f" {time.perf_counter() - started:.1f} s")


class Command(BaseCommand):
    help = "Seed a large throwaway organization and time each report against raw SQL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--encounters", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best kept)")
        parser.add_argument("--keep", action="store_true", help="keep the seeded organization")
        parser.add_argument("--seed", type=int, default=20261124, help="random seed")

    def handle(self, *args: Any, **options: Any) -> None:
        # WeasyPrint logs each layout step; the table is what this command is for.
        for name in ("weasyprint", "weasyprint.progress", "fontTools"):
            logging.getLogger(name).setLevel(logging.WARNING)
        rng = random.Random(options["seed"])
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        today = timezone.localdate()
        self.stdout.write(
            f"Database: {connection.vendor}. Seeding {options['encounters']:,} encounters."
        )
        org = Organization.objects.create(name=f"Benchmark {stamp}", slug=f"benchmark-{stamp}")
        try:
            self._seed(org, rng, options["encounters"], today, stamp)
            rows = self._measure(org, today, max(1, options["repeat"]))
            self._print(rows)
        finally:
            if options["keep"]:
                self.stdout.write(f"Kept {org.name} (slug {org.slug}).")
            else:
                self._clean(org, stamp)

    # --- seeding ---------------------------------------------------------------------------

    def _seed(
        self, org: Organization, rng: random.Random, n: int, today: dt.date, stamp: str
    ) -> None:
        out = self.stdout
        first_day = today - dt.timedelta(days=2 * 365 - 1)
        with _step(out, "people and programs"), transaction.atomic():
            programs = Program.objects.bulk_create(
                Program(organization=org, name=f"Program {i + 1}", slug=f"program-{i + 1}")
                for i in range(PROGRAMS)
            )
            password = make_password(None)  # unusable: nobody signs in as these
            users = User.objects.bulk_create(
                User(email=f"peer{i}-{stamp}@benchmark.invalid", password=password)
                for i in range(PROGRAMS * PEERS_PER_PROGRAM)
            )
            peers = Membership.objects.bulk_create(
                Membership(user=u, organization=org, role=Role.PEER_SUPPORTER) for u in users
            )
            Through = Membership.programs.through
            Through.objects.bulk_create(
                Through(membership_id=m.pk, program_id=programs[i // PEERS_PER_PROGRAM].pk)
                for i, m in enumerate(peers)
            )
            clients = Client.objects.bulk_create(
                Client(
                    program=p,
                    code=f"B{p.pk}-{i:04d}",
                    assigned_peer=peers[j * PEERS_PER_PROGRAM + i % PEERS_PER_PROGRAM],
                    enrolled_on=first_day - dt.timedelta(days=rng.randint(0, 200)),
                )
                for j, p in enumerate(programs)
                for i in range(CLIENTS_PER_PROGRAM)
            )
            payer = Payer.objects.create(organization=org, code="bench-medicaid", name="Medicaid")
            rate = Rate.objects.create(
                payer=payer, effective_from=first_day - dt.timedelta(days=30), unit_amount=RATE
            )
            AlternativeCost.objects.bulk_create(
                AlternativeCost(
                    organization=org,
                    alternative=code,
                    unit_cost=cost * factor,
                    source="Benchmark figure",
                    effective_from=since,
                )
                for code, cost in UNIT_COSTS.items()
                for since, factor in (
                    (first_day - dt.timedelta(days=30), Decimal(1)),
                    (today - dt.timedelta(days=365), Decimal("1.04")),
                )
            )
            ProgramCost.objects.bulk_create(
                ProgramCost(
                    program=p,
                    category=category,
                    amount=amount,
                    starts_on=start,
                    ends_on=start + dt.timedelta(days=90),
                )
                for p in programs
                for start in (first_day + dt.timedelta(days=91 * q) for q in range(8))
                for category, amount in (
                    (CostCategory.SALARY_BENEFITS, Decimal("48000")),
                    (CostCategory.SUPERVISION, Decimal("6500")),
                    (CostCategory.TRAINING, Decimal("1200")),
                )
            )
        certified = {m.pk: rng.random() < 0.85 for m in peers}
        by_program: dict[int, list[Client]] = {p.pk: [] for p in programs}
        for c in clients:
            by_program[c.program_id].append(c)
        peers_by_program = {
            p.pk: peers[j * PEERS_PER_PROGRAM : (j + 1) * PEERS_PER_PROGRAM]
            for j, p in enumerate(programs)
        }
        with _step(out, f"{n:,} encounters and their surveys"):
            done = 0
            while done < n:
                size = min(BATCH, n - done)
                batch = [
                    self._encounter(
                        rng,
                        org,
                        programs,
                        peers_by_program,
                        by_program,
                        certified,
                        payer,
                        rate,
                        first_day,
                        done + i,
                    )
                    for i in range(size)
                ]
                with transaction.atomic():
                    saved = Encounter.objects.bulk_create(batch)
                    if any(e.pk is None for e in saved):  # a backend that returns no ids
                        ids = dict(
                            Encounter.objects.filter(
                                organization=org, external_id__in=[e.external_id for e in saved]
                            ).values_list("external_id", "pk")
                        )
                        for e in saved:
                            e.pk = ids[e.external_id]
                    SurveyResponse.objects.bulk_create(
                        self._response(rng, org, e) for e in saved if rng.random() < SURVEY_SHARE
                    )
                done += size

    def _encounter(
        self,
        rng: random.Random,
        org: Organization,
        programs: list[Program],
        peers_by_program: dict[int, list[Membership]],
        clients: dict[int, list[Client]],
        certified: dict[int, bool],
        payer: Payer,
        rate: Rate,
        first_day: dt.date,
        i: int,
    ) -> Encounter:
        program = rng.choice(programs)
        peer = rng.choice(peers_by_program[program.pk])
        group = rng.random() < 0.06
        client = None if group else rng.choice(clients[program.pk])
        day = first_day + dt.timedelta(days=rng.randint(0, 2 * 365 - 1))
        minutes = rng.choice([10, 15, 20, 23, 30, 30, 45, 45, 60, 75, 90])
        service = "" if rng.random() < 0.15 else rng.choice(ServiceType.values)
        billed = payer if rng.random() < 0.85 else None
        decision = rules.billing_decision(
            minutes=minutes,
            date=day,
            service_type=service,
            payer_name=billed.name if billed else None,
            unit_rate=rate.unit_amount if billed else None,
            peer_certified=certified[peer.pk],
        )
        support = {
            s: rng.random() < p
            for s, p in zip(SupportType.values, (0.77, 0.35, 0.25, 0.18), strict=True)
        }
        return Encounter(
            organization=org,
            program=program,
            peer=peer,
            client=client,
            head_count=rng.randint(4, 11) if group else 1,
            date=day,
            start_time=dt.time(rng.randint(8, 17), rng.choice([0, 15, 30, 45])),
            duration_minutes=minutes,
            setting=rng.choices(list(SETTING_WEIGHTS), list(SETTING_WEIGHTS.values()))[0],
            format=Format.GROUP if group else Format.INDIVIDUAL,
            phase=rng.choice(ModelPhase.values),
            service_type=service,
            payer=billed,
            billable=decision.billable,
            units=decision.units,
            amount=decision.amount,
            not_billable_reason=decision.reason,
            rate=rate if decision.billable else None,
            external_id=f"bench-{i:07d}",
            source="benchmark",
            **support,
        )

    def _response(self, rng: random.Random, org: Organization, e: Encounter) -> SurveyResponse:
        return SurveyResponse(
            encounter=e,
            organization=org,
            channel=SurveyChannel.HANDOVER if rng.random() < 0.8 else SurveyChannel.LINK,
            satisfaction=rng.choices([5, 4, 3, 2, 1], weights=[58, 28, 9, 3, 2])[0],
            wellbeing=rng.randint(2, 9),
            alternative=rng.choices(list(ALTERNATIVE_WEIGHTS), list(ALTERNATIVE_WEIGHTS.values()))[
                0
            ],
            other_services=rng.choices([YesNo.NO, YesNo.YES, YesNo.PREFER_NOT], [70, 22, 8])[0],
            relapse=rng.choices([YesNo.NO, YesNo.YES, YesNo.PREFER_NOT], [78, 12, 10])[0],
            submitted_on=e.date,
        )

    # --- measuring -------------------------------------------------------------------------

    def _measure(self, org: Organization, today: dt.date, repeat: int) -> list[Row]:
        from encounters.reporting.dashboard import DASHBOARD_DAYS, dashboard

        self.stdout.write("  timing...")
        # The last whole calendar quarter, and the four quarters that end with it.
        quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        end = quarter_start - dt.timedelta(days=1)
        start_q = dt.date(end.year, end.month - 2, 1)
        start_y = (
            dt.date(end.year, 1, 1) if end.month == 12 else dt.date(end.year - 1, end.month + 1, 1)
        )
        periods = {
            "quarter": Scope(org, start_q, end),
            "year": Scope(org, start_y, end),
        }
        raw = {"cost-savings": self._raw_cost_savings, "funder": self._raw_funder}
        rows: list[Row] = []
        for kind in ("cost-savings", "funder"):
            for name, scope in periods.items():
                label = f"{name} {scope.start}..{scope.end}"
                raw_seconds, _ = _best(partial(raw[kind], scope), repeat)
                for fmt in ["json", "pdf"] if name == "quarter" else ["json"]:
                    rows.append(self._time_report(kind, scope, fmt, label, raw_seconds, repeat))
        admin = Membership(organization=org, role=Role.ORG_ADMIN)
        start_d = today - dt.timedelta(days=DASHBOARD_DAYS - 1)
        raw_seconds, _ = _best(lambda: self._raw_funder(Scope(org, start_d, today)), repeat)
        with CaptureQueriesContext(connection) as queries:
            seconds, _ = _best(lambda: dashboard(admin, today), repeat)
        rows.append(
            Row(
                "dashboard",
                f"{DASHBOARD_DAYS} days {start_d}..{today}",
                "html data",
                seconds,
                raw_seconds,
                len(queries) // repeat,
            )
        )
        return rows

    def _time_report(
        self, kind: str, scope: Scope, fmt: str, label: str, raw_seconds: float, repeat: int
    ) -> Row:
        """The report's figures and file, as the report task builds them; a PDF once."""
        runs = 1 if fmt == "pdf" else repeat

        def build() -> str | bytes:
            return formats.WRITERS[fmt](formats.build(kind, scope))

        try:
            with CaptureQueriesContext(connection) as queries:
                seconds, _ = _best(build, runs)
        except Exception as exc:  # a missing PDF template must not lose the table
            return Row(kind, label, fmt, 0.0, raw_seconds, 0, f"failed: {exc}")
        return Row(kind, label, fmt, seconds, raw_seconds, len(queries) // runs)

    def _raw_cost_savings(self, scope: Scope) -> list[Any]:
        """What the cost-savings figures rest on: encounters and clients, and the survey's
        answers counted by alternative, over the period."""
        e, r = _table(Encounter), _table(SurveyResponse)
        params: list[Any] = [scope.organization.pk, scope.start, scope.end]
        with connection.cursor() as cursor:
            # Table names come from the models, never from input.
            cursor.execute(
                f"SELECT count(*), count(DISTINCT client_id) FROM {e} "  # noqa: S608
                "WHERE organization_id = %s AND date BETWEEN %s AND %s",
                params,
            )
            result = cursor.fetchall()
            cursor.execute(
                f"SELECT r.alternative, count(*) FROM {r} r "  # noqa: S608
                f"JOIN {e} e ON e.id = r.encounter_id "
                "WHERE r.organization_id = %s AND e.date BETWEEN %s AND %s "
                "GROUP BY r.alternative",
                params,
            )
            return result + cursor.fetchall()

    def _raw_funder(self, scope: Scope) -> list[Any]:
        """What the funder figures rest on: the encounter totals (with support types and
        phases), billing by payer, and the survey's aggregates, over the period."""
        e, r = _table(Encounter), _table(SurveyResponse)
        params: list[Any] = [scope.organization.pk, scope.start, scope.end]
        counts = ", ".join(
            [f"sum(CASE WHEN {s} THEN 1 ELSE 0 END)" for s in SupportType.values]
            + [f"sum(CASE WHEN phase = '{p}' THEN 1 ELSE 0 END)" for p in ModelPhase.values]
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), count(DISTINCT client_id), sum(duration_minutes), "  # noqa: S608
                "sum(CASE WHEN billable THEN units ELSE 0 END), "
                f"sum(CASE WHEN billable THEN amount ELSE 0 END), {counts} FROM {e} "
                "WHERE organization_id = %s AND date BETWEEN %s AND %s",
                params,
            )
            result = cursor.fetchall()
            cursor.execute(
                f"SELECT payer_id, sum(units), sum(amount) FROM {e} "  # noqa: S608
                "WHERE organization_id = %s AND date BETWEEN %s AND %s AND billable "
                "GROUP BY payer_id",
                params,
            )
            result += cursor.fetchall()
            cursor.execute(
                "SELECT count(*), avg(r.satisfaction), avg(r.wellbeing), "  # noqa: S608
                "sum(CASE WHEN r.other_services = 'yes' THEN 1 ELSE 0 END), "
                "sum(CASE WHEN r.relapse = 'yes' THEN 1 ELSE 0 END) "
                f"FROM {r} r JOIN {e} e ON e.id = r.encounter_id "
                "WHERE r.organization_id = %s AND e.date BETWEEN %s AND %s",
                params,
            )
            return result + cursor.fetchall()

    def _print(self, rows: list[Row]) -> None:
        head = ("report", "period", "format", "seconds", "raw SQL s", "x raw", "queries")
        lines = [head]
        for row in rows:
            ratio = (
                f"{row.seconds / row.raw_seconds:.1f}"
                if row.raw_seconds and row.seconds and row.fmt != "pdf"
                else ""
            )
            lines.append(
                (
                    row.report,
                    row.period,
                    row.fmt,
                    f"{row.seconds:.3f}" if not row.note else row.note[:60],
                    f"{row.raw_seconds:.3f}" if row.raw_seconds is not None else "",
                    ratio,
                    str(row.queries) if not row.note else "",
                )
            )
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        self.stdout.write("")
        for n, line in enumerate(lines):
            self.stdout.write(
                "  ".join(
                    cell.ljust(w) if i < 3 else cell.rjust(w)
                    for i, (cell, w) in enumerate(zip(line, widths, strict=True))
                )
            )
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))

    # --- cleaning up -----------------------------------------------------------------------

    def _clean(self, org: Organization, stamp: str) -> None:
        """Delete the seeded rows in dependency order, with plain SQL: the ORM's collector
        would load 100,000 encounters to check what protects them."""
        Through = Membership.programs.through
        programs = f"SELECT id FROM {_table(Program)} WHERE organization_id = %s"  # noqa: S608
        payers = f"SELECT id FROM {_table(Payer)} WHERE organization_id = %s"  # noqa: S608
        steps: list[tuple[type[Model], str]] = [
            (SurveyResponse, "organization_id = %s"),
            (Encounter, "organization_id = %s"),
            (Client, f"program_id IN ({programs})"),
            (ProgramCost, f"program_id IN ({programs})"),
            (AlternativeCost, "organization_id = %s"),
            (Rate, f"payer_id IN ({payers})"),
            (Payer, "organization_id = %s"),
            (Through, f"program_id IN ({programs})"),
            (Membership, "organization_id = %s"),
            (Program, "organization_id = %s"),
        ]
        refused: list[str] = []
        self.stdout.write(f"Removing {org.name}...")
        for model, where in steps:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {_table(model)} WHERE {where}", [org.pk])  # noqa: S608
            except Exception as exc:
                refused.append(f"{model._meta.db_table}: {exc}")
        try:
            with transaction.atomic():
                User.objects.filter(email__endswith=f"-{stamp}@benchmark.invalid").delete()
                Organization.objects.filter(pk=org.pk).delete()
        except Exception as exc:
            refused.append(f"organization and users: {exc}")
        if refused:
            self.stdout.write(
                "Could not remove everything (delete the rest by hand):\n  " + "\n  ".join(refused)
            )
        else:
            self.stdout.write("Removed the benchmark organization and all its rows.")
