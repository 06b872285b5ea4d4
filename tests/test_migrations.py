import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_models_and_migrations_agree():
    # Exits non-zero (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_report_tables_move_to_reporting_with_every_row():
    """encounters.0006, programs.0016 and reporting.0001 rename the tables and hand the
    models over: rows made before the move (and their links) are all there after it."""
    import datetime as dt
    from decimal import Decimal

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("encounters", "0005_reports"), ("programs", "0015_trainer_role")]
    after = [
        ("encounters", "0006_reports_move_to_reporting"),
        ("programs", "0016_program_costs_move_to_reporting"),
        ("reporting", "0001_initial"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate([("reporting", None), *before])
    old = MigrationExecutor(connection).loader.project_state(before).apps
    org = old.get_model("programs", "Organization").objects.create(name="Move", slug="move")
    program = old.get_model("programs", "Program").objects.create(
        organization=org, name="P", slug="p"
    )
    user = old.get_model("accounts", "User").objects.create(email="m@example.org")
    member = old.get_model("programs", "Membership").objects.create(
        organization=org, user=user, role="org_admin"
    )
    old.get_model("encounters", "AlternativeCost").objects.create(
        organization=org,
        alternative="jail",
        unit_cost=Decimal("120.00"),
        source="county",
        effective_from=dt.date(2026, 1, 1),
    )
    schedule = old.get_model("encounters", "ReportSchedule").objects.create(
        organization=org, kind="funder", frequency="monthly"
    )
    schedule.recipients.add(member)
    old.get_model("encounters", "ReportRun").objects.create(
        organization=org,
        kind="funder",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 1, 31),
        schedule=schedule,
    )
    old.get_model("programs", "ProgramCost").objects.create(
        program=program,
        category="other",
        amount=Decimal("100.00"),
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = MigrationExecutor(connection).loader.project_state(after).apps
    assert new.get_model("reporting", "AlternativeCost").objects.get().unit_cost == Decimal(
        "120.00"
    )
    moved = new.get_model("reporting", "ReportSchedule").objects.get()
    assert list(moved.recipients.values_list("pk", flat=True)) == [member.pk]
    assert new.get_model("reporting", "ReportRun").objects.get().schedule_id == moved.pk
    assert new.get_model("reporting", "ProgramCost").objects.get().program_id == program.pk
    # Back to the latest state for the tests that follow.
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_sessions_made_before_the_flag_are_closed_to_other_organizations():
    """training.0003: a session that existed before the flag becomes closed, so nothing an
    organization ran is shown elsewhere until it says so."""
    import datetime as dt
    from decimal import Decimal

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("training", "0002_enrolled_by")]
    after = [("training", "0003_sessions_closed_to_other_organizations")]
    MigrationExecutor(connection).migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps
    org = old.get_model("programs", "Organization").objects.create(name="Old", slug="old")
    user = old.get_model("accounts", "User").objects.create(email="t@example.org")
    trainer = old.get_model("programs", "Membership").objects.create(
        organization=org, user=user, role="trainer"
    )
    course = old.get_model("training", "Course").objects.create(
        organization=org, code="ps101", title="PS101", required_hours=Decimal(40)
    )
    old.get_model("training", "TrainingSession").objects.create(
        course=course,
        starts_on=dt.date(2026, 1, 5),
        ends_on=dt.date(2026, 1, 9),
        place="Helena",
        trainer=trainer,
        capacity=10,
    )
    MigrationExecutor(connection).migrate(after)
    new = MigrationExecutor(connection).loader.project_state(after).apps
    session = new.get_model("training", "TrainingSession").objects.get()
    assert session.open_to_other_organizations is False
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
