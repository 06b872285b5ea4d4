"""The reports timed against a floor: hand-written SQL computing the same figures.

benchmark_reports [--sizes 10000,100000] [--repeat 7] [--jit on,off] [--keep] [--reuse]

For each size, seeds a throwaway organization ("Benchmark N <timestamp>") with peers,
programs, clients, N encounters over the last two years (about 60% followed by a survey),
alternative costs in two versions and program cost lines, then ANALYZEs the tables it
filled (as after any bulk load: the planner must see the rows before it plans for them).

The items timed are the funder and cost-savings reports as JSON for the last whole quarter
and the four quarters ending with it, each beside its floor: a few SQL statements a person
would write for exactly the figures the report shows (the encounter totals, billing by
payer, every survey aggregate with the cells that decide what is withheld, the well-being
change, each answer priced by the cost in force on its date, the monthly series). Before
anything is timed, the floor's figures are compared with the report's and the command
stops on any difference. The program cost, the cost tables and the staff figures are the
same Python in both (they are a few small queries). The dashboard of an admin and of a
manager is timed too (no floor: it is the two reports over 90 days plus two series).

Every item runs --repeat times, interleaved (each round runs every item once, so a slow
moment of the machine falls on all of them), once with PostgreSQL's JIT on (its default)
and once off; the table gives the median, min and max, and each report's median over its
floor's median. A benchmark, not a test: it asserts nothing about time.

Seeding uses bulk_create, so no audit rows are written and the organization can be
removed again at the end (the audit log refuses deletes). PostgreSQL only: the floor is
PostgreSQL's SQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
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
from encounters.reporting.figures import EMERGENCY, Scope, money, program_cost, share
from encounters.reporting.funder import staff_figures
from encounters.reporting.models import AlternativeCost, CostCategory, ProgramCost
from encounters.reporting.savings import PERIOD_FIGURES
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
class Item:
    """One thing timed: a report (with its floor's name) or a page's figures."""

    name: str
    run: Callable[[], Any]
    floor: str | None = None  # the name of the item that is this one's floor
    queries: int = 0
    seconds: dict[str, list[float]] = field(default_factory=dict)  # by JIT setting


def _report_json(kind: str, scope: Scope) -> str:
    return formats.to_json(formats.build(kind, scope))


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@contextmanager
def _step(out: Any, what: str) -> Iterator[None]:
    started = time.perf_counter()
    out.write(f"  {what}...", ending="")
    out.flush()
    yield
    out.write(f" {time.perf_counter() - started:.1f} s")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "").replace("k", "000")) for part in text.split(",")]
    except ValueError as exc:
        raise CommandError(f"--sizes: {exc}") from exc
    if not sizes or any(n < 100 for n in sizes):
        raise CommandError("--sizes: give sizes of 100 encounters or more, e.g. 10000,100000")
    return sizes


class Command(BaseCommand):
    help = "Time each report against hand-written SQL for the same figures, at several sizes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sizes", default="10000,100000", help="encounters per organization (10k,100k)"
        )
        parser.add_argument("--repeat", type=int, default=7, help="runs of each item (>= 7)")
        parser.add_argument("--jit", default="on,off", help="PostgreSQL JIT settings to time")
        parser.add_argument("--keep", action="store_true", help="keep the seeded organizations")
        parser.add_argument(
            "--reuse", action="store_true", help="time organizations kept by an earlier --keep"
        )
        parser.add_argument("--seed", type=int, default=20261124, help="random seed")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The floor is PostgreSQL SQL: run this on PostgreSQL.")
        for name in ("weasyprint", "weasyprint.progress", "fontTools"):
            logging.getLogger(name).setLevel(logging.WARNING)
        jits = [j.strip() for j in options["jit"].split(",") if j.strip()]
        if not jits or any(j not in ("on", "off") for j in jits):
            raise CommandError("--jit: on, off or on,off")
        repeat = max(1, options["repeat"])
        today = timezone.localdate()
        for n in _sizes(options["sizes"]):
            org, stamp = self._organization(n, options, today)
            try:
                items = self._items(org, today)
                self._check(org, today)
                self._time(items, repeat, jits)
                self._print(n, items, jits)
            finally:
                if options["keep"] or options["reuse"]:
                    self.stdout.write(f"Kept {org.name} (slug {org.slug}).")
                else:
                    self._clean(org, stamp)

    def _organization(
        self, n: int, options: dict[str, Any], today: dt.date
    ) -> tuple[Organization, str]:
        if options["reuse"]:
            org = (
                Organization.objects.filter(slug__startswith=f"benchmark-{n}-")
                .order_by("-slug")
                .first()
            )
            if org is not None:
                self.stdout.write(f"Database: {connection.vendor}. Reusing {org.name}.")
                self._analyze()
                return org, org.slug.rsplit("-", 1)[1]
        stamp = f"{timezone.now():%Y%m%d%H%M%S}n{n}"
        self.stdout.write(f"Database: {connection.vendor}. Seeding {n:,} encounters.")
        org = Organization.objects.create(
            name=f"Benchmark {n} {stamp}", slug=f"benchmark-{n}-{stamp}"
        )
        try:
            self._seed(org, random.Random(options["seed"]), n, today, stamp)
        except BaseException:
            self._clean(org, stamp)
            raise
        with _step(self.stdout, "ANALYZE"):
            self._analyze()
        self.stdout.write("")
        return org, stamp

    def _analyze(self) -> None:
        """Fresh statistics after a bulk load: without them the planner plans for the
        empty tables it last saw."""
        tables = [Encounter, SurveyResponse, Client, AlternativeCost, ProgramCost, Rate, Payer]
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(_table(t) for t in tables))

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
            # A manager of two programs, for the manager's dashboard.
            manager = Membership.objects.create(
                user=User.objects.create(
                    email=f"manager-{stamp}@benchmark.invalid", password=password
                ),
                organization=org,
                role=Role.PROGRAM_MANAGER,
            )
            manager.programs.set(programs[:2])
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
            encounter_date=e.date,
        )

    # --- what is timed ---------------------------------------------------------------------

    def _periods(self, org: Organization, today: dt.date) -> dict[str, Scope]:
        """The last whole calendar quarter, and the four quarters that end with it."""
        quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        end = quarter_start - dt.timedelta(days=1)
        start_q = dt.date(end.year, end.month - 2, 1)
        start_y = (
            dt.date(end.year, 1, 1) if end.month == 12 else dt.date(end.year - 1, end.month + 1, 1)
        )
        return {"quarter": Scope(org, start_q, end), "year": Scope(org, start_y, end)}

    def _items(self, org: Organization, today: dt.date) -> list[Item]:
        from encounters.reporting.dashboard import dashboard

        items: list[Item] = []
        for period, scope in self._periods(org, today).items():
            for kind, floor in (("funder", floor_funder), ("cost-savings", floor_cost_savings)):
                name = f"{kind} json {period}"
                items.append(
                    Item(
                        name,
                        partial(_report_json, kind, scope),
                        floor=f"{name} floor",
                    )
                )
                items.append(Item(f"{name} floor", partial(floor, scope)))
        admin = Membership(organization=org, role=Role.ORG_ADMIN)
        items.append(Item("dashboard admin", lambda: dashboard(admin, today)))
        manager = (
            Membership.objects.filter(organization=org, role=Role.PROGRAM_MANAGER)
            .order_by("pk")
            .first()
        )
        if manager is not None:
            items.append(Item("dashboard manager", lambda: dashboard(manager, today)))
        # Hooks: the encounter POST against a bare insert and a 10,000-row import go here
        # as further Items (their floor the bare insert), timed in the same rounds.
        return items

    def _check(self, org: Organization, today: dt.date) -> None:
        """The floor computes exactly the figures the report shows, or nothing is timed."""
        for period, scope in self._periods(org, today).items():
            for kind, floor in (("funder", floor_funder), ("cost-savings", floor_cost_savings)):
                report = report_as_floor(kind, formats.build(kind, scope))
                expected = floor(scope)
                shown = {key: report[key] for key in expected}
                if shown != expected:
                    differ = [k for k in expected if shown[k] != expected[k]]
                    raise CommandError(
                        f"{kind} {period}: the floor differs from the report on {differ}: "
                        + "; ".join(f"{k}: {shown[k]!r} != {expected[k]!r}" for k in differ[:3])
                    )
        self.stdout.write("  the floors compute the reports' figures: checked.")

    def _time(self, items: list[Item], repeat: int, jits: list[str]) -> None:
        for jit in jits:
            with connection.cursor() as cursor:
                cursor.execute(f"SET jit = {'on' if jit == 'on' else 'off'}")
            for item in items:  # warm: the first run of each pays for cold caches
                with CaptureQueriesContext(connection) as queries:
                    item.run()
                item.queries = len(queries)
                item.seconds[jit] = []
            for _ in range(repeat):
                for item in items:
                    started = time.perf_counter()
                    item.run()
                    item.seconds[jit].append(time.perf_counter() - started)
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")

    def _print(self, n: int, items: list[Item], jits: list[str]) -> None:
        by_name = {item.name: item for item in items}
        head = ["item", "queries"]
        for jit in jits:
            head += [f"jit {jit} median ms", "min-max", "x floor"]
        lines = [head]
        for item in items:
            line = [item.name, str(item.queries)]
            for jit in jits:
                runs = item.seconds[jit]
                median = statistics.median(runs)
                line += [f"{median * 1000:.1f}", f"{min(runs) * 1000:.0f}-{max(runs) * 1000:.0f}"]
                floor = by_name.get(item.floor or "")
                line.append(
                    f"{median / statistics.median(floor.seconds[jit]):.2f}" if floor else ""
                )
            lines.append(line)
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        self.stdout.write(
            f"\n{n:,} encounters, {len(next(iter(items)).seconds[jits[0]])} runs each"
        )
        for k, line in enumerate(lines):
            self.stdout.write(
                "  ".join(
                    cell.ljust(w) if i == 0 else cell.rjust(w)
                    for i, (cell, w) in enumerate(zip(line, widths, strict=True))
                )
            )
            if k == 0:
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


# --- the floors: hand-written SQL for the reports' figures -----------------------------------
# Table names come from the models and every value is a parameter, never text from input.


def _survey_from(scope: Scope) -> tuple[str, list[Any]]:
    """The scope's survey responses joined to their encounters, filtered by the best index
    the schema offers (the response's own copy of the encounter's date, where it has one)."""
    e, r = _table(Encounter), _table(SurveyResponse)
    has_date = any(f.name == "encounter_date" for f in SurveyResponse._meta.get_fields())
    day = "r.encounter_date" if has_date else "e.date"
    sql = (
        f"FROM {r} r JOIN {e} e ON e.id = r.encounter_id "
        f"WHERE r.organization_id = %s AND {day} BETWEEN %s AND %s"
    )
    params: list[Any] = [scope.organization.pk, scope.start, scope.end]
    if scope.program is not None:
        sql += " AND e.program_id = %s"
        params.append(scope.program.pk)
    return sql, params


def _encounters_where(scope: Scope) -> tuple[str, list[Any]]:
    sql = "WHERE e.organization_id = %s AND e.date BETWEEN %s AND %s"
    params: list[Any] = [scope.organization.pk, scope.start, scope.end]
    if scope.program is not None:
        sql += " AND e.program_id = %s"
        params.append(scope.program.pk)
    return sql, params


ANSWERED = {
    "satisfaction": "r.satisfaction IS NOT NULL",
    "wellbeing": "r.wellbeing IS NOT NULL",
    "alternative": "r.alternative <> ''",
    "other_services": "r.other_services IN ('yes', 'no')",
    "relapse": "r.relapse IN ('yes', 'no')",
}


def _people(question: str) -> str:
    said = ANSWERED[question]
    return (
        f"count(DISTINCT e.client_id) FILTER (WHERE {said}) "
        f"+ count(*) FILTER (WHERE {said} AND e.client_id IS NULL)"
    )


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _small(people: int) -> bool:
    return 0 < people < int(settings.SURVEY_MIN_RESPONSES)


def _cents(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT_, ROUND_HALF_UP)


CENT_ = Decimal("0.01")


def floor_funder(scope: Scope) -> dict[str, Any]:
    """The funder report's figures in four statements (and the shared staff figures)."""
    from encounters.survey_privacy import whole_months, whole_quarters

    e = _table(Encounter)
    where, params = _encounters_where(scope)
    supports = "".join(f", count(*) FILTER (WHERE e.{s})" for s in SupportType.values)
    phases = "".join(f", count(*) FILTER (WHERE e.phase = '{p}')" for p in ModelPhase.values)
    (row,) = _fetch(
        "SELECT count(*), count(DISTINCT e.client_id), count(e.client_id), "  # noqa: S608
        "coalesce(sum(e.duration_minutes), 0), "
        "coalesce(sum(e.units) FILTER (WHERE e.billable), 0), "
        "coalesce(sum(e.amount) FILTER (WHERE e.billable), 0)"
        f"{supports}{phases} FROM {e} e {where}",
        params,
    )
    n, clients, with_client, minutes, units, amount = row[:6]
    support = dict(zip(SupportType.values, row[6 : 6 + len(SupportType.values)], strict=True))
    phase = dict(zip(ModelPhase.values, row[6 + len(SupportType.values) :], strict=True))
    by_payer = [
        {"payer": name, "units": u, "amount": money(a)}
        for name, _, u, a in _fetch(
            f"SELECT p.name, e.payer_id, sum(e.units), sum(e.amount) FROM {e} e "  # noqa: S608
            f"JOIN {_table(Payer)} p ON p.id = e.payer_id {where} AND e.billable "
            "GROUP BY p.name, e.payer_id ORDER BY p.name, e.payer_id",
            params,
        )
    ]
    survey_sql, survey_params = _survey_from(scope)
    emergency = ", ".join(f"'{a}'" for a in EMERGENCY)
    cells = _fetch(
        "SELECT e.program_id, date_trunc('month', e.date)::date, count(*), "
        + ", ".join(_people(q) for q in ANSWERED)
        + ", "
        + ", ".join(f"count(*) FILTER (WHERE r.satisfaction = {i})" for i in range(1, 6))
        + ", coalesce(sum(r.wellbeing), 0), count(r.wellbeing), "
        "count(*) FILTER (WHERE r.other_services = 'yes'), "
        f"count(*) FILTER (WHERE {ANSWERED['other_services']}), "
        "count(*) FILTER (WHERE r.relapse = 'yes'), "
        f"count(*) FILTER (WHERE {ANSWERED['relapse']}), "
        f"count(*) FILTER (WHERE r.alternative IN ({emergency})) "
        f"{survey_sql} GROUP BY 1, 2",
        survey_params,
    )
    total = [sum(c[k] for c in cells) for k in range(2, len(cells[0]))] if cells else [0] * 18
    surveys = total[0]
    people = dict(zip(ANSWERED, range(5), strict=True))
    answered = {q: any(c[3 + people[q]] for c in cells) for q in ANSWERED}
    today = scope.organization.today()
    months_whole = whole_months(scope.start, scope.end, today)
    withheld = {
        q: answered[q] and (not months_whole or any(_small(c[3 + people[q]]) for c in cells))
        for q in ANSWERED
    }
    sat = total[6:11]
    wb_sum, wb_n, other_yes, other_n, relapse_yes, relapse_n, emerg = total[11:18]
    # The well-being change: each client's first and latest answer within a program's
    # quarter, in one grouped pass.
    changes = _fetch(
        "SELECT program_id, count(*), sum(latest - first), quarter "  # noqa: S608
        "FROM (SELECT e.program_id, e.client_id, "
        "date_trunc('quarter', e.date)::date AS quarter, "
        "(array_agg(r.wellbeing ORDER BY e.date, e.start_time, r.id))[1] AS first, "
        "(array_agg(r.wellbeing ORDER BY e.date DESC, e.start_time DESC, r.id DESC))[1] "
        f"AS latest {survey_sql} AND r.wellbeing IS NOT NULL AND e.client_id IS NOT NULL "
        "GROUP BY 1, 2, 3 HAVING count(*) >= 2) AS t GROUP BY program_id, quarter",
        survey_params,
    )
    change_clients = sum(c[1] for c in changes)
    change_sum = sum(c[2] for c in changes)
    change_withheld = withheld["wellbeing"] or (
        answered["wellbeing"]
        and (
            not whole_quarters(scope.start, scope.end, today) or any(_small(c[1]) for c in changes)
        )
    )
    figures: dict[str, tuple[Any, bool]] = {
        "satisfaction_mean": (
            _cents(Decimal(sum(i * k for i, k in enumerate(sat, 1))) / sum(sat))
            if sum(sat)
            else None,
            withheld["satisfaction"],
        ),
        "satisfaction_distribution": (
            {str(i): k for i, k in enumerate(sat, 1)},
            withheld["satisfaction"],
        ),
        "wellbeing_mean": (
            _cents(Decimal(wb_sum) / wb_n) if wb_n else None,
            withheld["wellbeing"],
        ),
        "wellbeing_change": (
            {
                "clients": change_clients,
                "mean": _cents(Decimal(change_sum) / change_clients) if change_clients else None,
            },
            change_withheld,
        ),
        "other_services_yes": (other_yes, withheld["other_services"]),
        "other_services_answered": (other_n, withheld["other_services"]),
        "relapses_reported": (relapse_yes, withheld["relapse"]),
        "relapse_answered": (relapse_n, withheld["relapse"]),
        "would_have_used_emergency_services": (emerg, withheld["alternative"]),
    }
    cost = program_cost(scope)
    return {
        "clients_served": clients,
        "encounters": n,
        "encounters_per_client": _cents(Decimal(with_client) / clients) if clients else None,
        "hours": (Decimal(minutes) / 60).quantize(CENT_),
        "billable_units": units,
        "billable_amount": money(amount),
        "billing_by_payer": by_payer,
        "program_cost": cost["total"],
        "cost_per_encounter": money(cost["total"] / n) if n and cost["total"] else None,
        "support_types": support,
        "phases": phase,
        "surveys": surveys,
        "response_rate": share(surveys, n),
        "withheld_keys": sorted(k for k, (_, w) in figures.items() if w),
        **{k: None if w else v for k, (v, w) in figures.items()},
        **staff_figures(scope),
    }


def floor_cost_savings(scope: Scope) -> dict[str, Any]:
    """The cost-savings report's figures in three statements (and the shared program
    cost): each answer priced by the cost in force on its date through a join with the
    cost versions' spans, not a lookup per answer."""
    from encounters.survey_privacy import whole_months

    e, c = _table(Encounter), _table(AlternativeCost)
    where, params = _encounters_where(scope)
    months: dict[Any, int] = {}
    n = clients = 0
    month_of = "date_trunc('month', e.date)::date"
    for month, grouped, count, distinct in _fetch(
        f"SELECT {month_of}, grouping({month_of}), count(*), "  # noqa: S608
        f"count(DISTINCT e.client_id) FROM {e} e {where} GROUP BY GROUPING SETS ((), ({month_of}))",
        params,
    ):
        if grouped:
            n, clients = count, distinct
        else:
            months[month] = count
    survey_sql, survey_params = _survey_from(scope)
    priced_join = (
        "LEFT JOIN versions v ON v.alternative = r.alternative AND v.effective_from <= e.date "
        "AND (v.until IS NULL OR e.date < v.until) WHERE"
    )
    rows = _fetch(
        "WITH versions AS (SELECT alternative, unit_cost, effective_from, "  # noqa: S608
        "lead(effective_from) OVER (PARTITION BY alternative ORDER BY effective_from) AS until "
        f"FROM {c} WHERE organization_id = %s) "
        f"SELECT e.program_id, {month_of}, r.alternative, grouping(r.alternative), count(*), "
        f"sum(v.unit_cost), {_people('alternative')} "
        f"{survey_sql.replace('WHERE', priced_join, 1)} "
        f"GROUP BY GROUPING SETS ((e.program_id, {month_of}), "
        f"(e.program_id, {month_of}, r.alternative))",
        [scope.organization.pk, *survey_params],
    )
    surveys_by_month: dict[dt.date, int] = {}
    small: set[dt.date] = set()
    answered_months: set[dt.date] = set()
    by_code: dict[str, list[Any]] = {}
    gross_by_month: dict[dt.date, Decimal] = {}
    for _, month, code, grouped, count, priced, people in rows:
        day = month
        if grouped:
            surveys_by_month[day] = surveys_by_month.get(day, 0) + count
            if people:
                answered_months.add(day)
            if _small(people):
                small.add(day)
        elif code:
            got = by_code.setdefault(code, [0, ZERO_])
            got[0] += count
            got[1] += priced or ZERO_
            gross_by_month[day] = gross_by_month.get(day, ZERO_) + (priced or ZERO_)
    surveys = sum(surveys_by_month.values())
    months_whole = whole_months(scope.start, scope.end, scope.organization.today())
    withheld = bool(answered_months) and (not months_whole or bool(small))
    in_force: dict[str, Decimal] = {}
    for code, unit_cost in _fetch(
        f"SELECT DISTINCT ON (alternative) alternative, unit_cost FROM {c} "  # noqa: S608
        "WHERE organization_id = %s AND effective_from <= %s "
        "ORDER BY alternative, effective_from DESC",
        [scope.organization.pk, scope.end],
    ):
        in_force[code] = unit_cost
    alternatives = {}
    gross = ZERO_
    for code in Alternative.values:
        count, total = by_code.get(code, (0, ZERO_))
        alternatives[code] = (
            None if withheld else count,
            None if withheld else money(total),
            money(in_force[code]) if code in in_force else None,
        )
        gross += ZERO_ if withheld else money(total)
    cost_total = program_cost(scope)["total"]
    gross_total = None if withheld else money(gross)
    net = None if gross_total is None else money(gross_total - cost_total)
    monthly = []
    month = scope.start.replace(day=1)
    reasons = set(PERIOD_FIGURES) if withheld else set()
    while month <= scope.end:
        month_withheld = month in answered_months and (not months_whole or month in small)
        if month_withheld:
            reasons.add(f"monthly.{month.isoformat()}")
        monthly.append(
            (
                month,
                months.get(month, 0),
                surveys_by_month.get(month, 0),
                None if month_withheld else money(gross_by_month.get(month, ZERO_)),
            )
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return {
        "encounters": n,
        "clients_served": clients,
        "surveys": surveys,
        "response_rate": share(surveys, n),
        "alternatives": alternatives,
        "gross_diversion_dollars": gross_total,
        "program_cost": cost_total,
        "net_savings": net,
        "return_ratio": None
        if gross_total is None or not cost_total
        else (gross_total / cost_total).quantize(CENT_, ROUND_HALF_UP),
        "monthly": monthly,
        "withheld_keys": sorted(reasons),
    }


ZERO_ = Decimal(0)


def report_as_floor(kind: str, report: dict[str, Any]) -> dict[str, Any]:
    """The report's figures in the floor's shape, for the comparison."""
    view = dict(report, withheld_keys=sorted(report["withheld"]))
    if kind == "cost-savings":
        view["alternatives"] = {
            code: (a["count"], a["total"], a["unit_cost"])
            for code, a in report["alternatives"].items()
        }
        view["monthly"] = [
            (m["month"], m["encounters"], m["surveys"], m["gross_diversion_dollars"])
            for m in report["monthly"]
        ]
    return view
