"""The report tables, taken over from encounters and programs with every row.

encounters.0006 and programs.0016 renamed the tables to reporting_*; this migration only
tells Django the models now live here, and moves their content types so that anything
pointing at them (permissions, admin history) follows."""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import certification.models

MOVED = {
    "encounters": ["alternativecost", "reportrun", "reportschedule"],
    "programs": ["programcost"],
}


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models_ in MOVED.items():
        for model in models_:
            if not ContentType.objects.filter(app_label="reporting", model=model).exists():
                ContentType.objects.filter(app_label=app_label, model=model).update(
                    app_label="reporting"
                )


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models_ in MOVED.items():
        ContentType.objects.filter(app_label="reporting", model__in=models_).update(
            app_label=app_label
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("programs", "0016_program_costs_move_to_reporting"),
        ("encounters", "0006_reports_move_to_reporting"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReportSchedule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("cost-savings", "Cost savings (diversion dollars)"),
                                    ("funder", "Funder report (program analysis)"),
                                ],
                                max_length=16,
                            ),
                        ),
                        (
                            "frequency",
                            models.CharField(
                                choices=[
                                    ("monthly", "Every month (the month before)"),
                                    ("quarterly", "Every quarter (the quarter before)"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("is_active", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="programs.organization",
                            ),
                        ),
                        (
                            "program",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="programs.program",
                            ),
                        ),
                        (
                            "recipients",
                            models.ManyToManyField(related_name="+", to="programs.membership"),
                        ),
                    ],
                    options={
                        "ordering": ["kind", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="AlternativeCost",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "alternative",
                            models.CharField(
                                choices=[
                                    ("none", "Nothing"),
                                    ("friend_or_family", "Called a friend or family"),
                                    ("crisis_line", "Called a crisis line"),
                                    ("called_911", "Called 911"),
                                    ("emergency_department", "Gone to the emergency room"),
                                    ("inpatient", "Gone into hospital"),
                                    ("crisis_bed", "Gone to detox or a crisis bed"),
                                    ("jail", "Ended up arrested or in jail"),
                                    ("used_substances", "Used alcohol or drugs"),
                                    ("other", "Something else"),
                                ],
                                max_length=24,
                            ),
                        ),
                        ("unit_cost", models.DecimalField(decimal_places=2, max_digits=10)),
                        (
                            "source",
                            models.CharField(
                                help_text="Where the figure comes from, as a funder could check it.",
                                max_length=300,
                            ),
                        ),
                        ("effective_from", models.DateField()),
                        (
                            "is_example",
                            models.BooleanField(
                                default=False,
                                help_text="A demo example, labelled as such until replaced.",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="alternative_costs",
                                to="programs.organization",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["alternative", "-effective_from"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("organization", "alternative", "effective_from"),
                                name="one_cost_per_alternative_and_day",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("unit_cost__gte", 0)), name="cost_not_negative"
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ProgramCost",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "category",
                            models.CharField(
                                choices=[
                                    ("salary_benefits", "Salary and benefits"),
                                    ("supervision", "Clinical supervision"),
                                    ("training", "Training"),
                                    ("equipment", "Equipment"),
                                    ("other", "Other"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "amount",
                            models.DecimalField(
                                decimal_places=2,
                                max_digits=12,
                                validators=[
                                    django.core.validators.MinValueValidator(
                                        Decimal("0"), "Cannot be negative."
                                    )
                                ],
                            ),
                        ),
                        ("starts_on", models.DateField()),
                        ("ends_on", models.DateField()),
                        ("note", models.CharField(blank=True, max_length=200)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "program",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="costs",
                                to="programs.program",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-starts_on", "category"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("ends_on__gte", models.F("starts_on"))),
                                name="cost_line_ends_after_start",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ReportRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("cost-savings", "Cost savings (diversion dollars)"),
                                    ("funder", "Funder report (program analysis)"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("start", models.DateField()),
                        ("end", models.DateField()),
                        (
                            "scenario",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text="Overridden unit costs and program cost, if any.",
                            ),
                        ),
                        ("requested_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting"),
                                    ("running", "Being built"),
                                    ("ready", "Ready"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=8,
                            ),
                        ),
                        ("progress", models.PositiveSmallIntegerField(default=0)),
                        ("error", models.CharField(blank=True, max_length=300)),
                        ("figures", models.JSONField(blank=True, default=dict)),
                        (
                            "pdf",
                            models.FileField(
                                blank=True,
                                storage=certification.models.private_storage,
                                upload_to="reports/%Y/",
                            ),
                        ),
                        (
                            "csv",
                            models.FileField(
                                blank=True,
                                storage=certification.models.private_storage,
                                upload_to="reports/%Y/",
                            ),
                        ),
                        (
                            "xlsx",
                            models.FileField(
                                blank=True,
                                storage=certification.models.private_storage,
                                upload_to="reports/%Y/",
                            ),
                        ),
                        (
                            "json",
                            models.FileField(
                                blank=True,
                                storage=certification.models.private_storage,
                                upload_to="reports/%Y/",
                            ),
                        ),
                        ("submission_key", models.UUIDField(blank=True, null=True, unique=True)),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="programs.organization",
                            ),
                        ),
                        (
                            "program",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="programs.program",
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "schedule",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="runs",
                                to="reporting.reportschedule",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-requested_at", "-pk"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("schedule__isnull", False)),
                                fields=("schedule", "start", "end"),
                                name="one_run_per_schedule_period",
                            )
                        ],
                    },
                ),
            ]
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
