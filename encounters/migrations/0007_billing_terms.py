"""Payer terms with effective dates: each payer's current terms become its first row, in
force from 2000-01-01 (the earliest day the product accepts), so nothing bills otherwise."""

import datetime as dt

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

EARLIEST = dt.date(2000, 1, 1)


def first_terms(apps, schema_editor):
    Payer = apps.get_model("encounters", "Payer")
    BillingTerms = apps.get_model("encounters", "BillingTerms")
    BillingTerms.objects.bulk_create(
        BillingTerms(
            payer=payer,
            effective_from=EARLIEST,
            requires_certification=payer.requires_certification,
            daily_unit_cap=payer.daily_unit_cap,
        )
        for payer in Payer.objects.all()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("encounters", "0006_reports_move_to_reporting"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BillingTerms",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("effective_from", models.DateField()),
                ("requires_certification", models.BooleanField(default=True)),
                ("daily_unit_cap", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "payer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="terms",
                        to="encounters.payer",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "billing terms",
                "ordering": ["payer", "-effective_from"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("payer", "effective_from"), name="one_terms_per_day"
                    )
                ],
            },
        ),
        migrations.RunPython(first_terms, migrations.RunPython.noop),
    ]
