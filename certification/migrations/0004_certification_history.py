"""Certification history: a renewal keeps the day it takes effect; lapses become rows of
their own (a history), taken over from the single `lapsed_on` date."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Q


def lapses_from_dates(apps, schema_editor):
    Certification = apps.get_model("certification", "Certification")
    Lapse = apps.get_model("certification", "Lapse")
    Lapse.objects.bulk_create(
        Lapse(certification=cert, starts_on=cert.lapsed_on)
        for cert in Certification.objects.exclude(lapsed_on=None)
    )


def dates_from_lapses(apps, schema_editor):
    Lapse = apps.get_model("certification", "Lapse")
    for lapse in Lapse.objects.filter(withdrawn_at=None, reinstated_on=None):
        lapse.certification.lapsed_on = lapse.starts_on
        lapse.certification.save(update_fields=["lapsed_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0003_profiles_for_existing_peers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="renewal", name="one_record_per_renewal"),
        migrations.RenameField(
            model_name="renewal", old_name="renewed_on", new_name="effective_on"
        ),
        migrations.AlterField(
            model_name="renewal",
            name="effective_on",
            field=models.DateField(verbose_name="takes effect on"),
        ),
        migrations.AddConstraint(
            model_name="renewal",
            constraint=models.UniqueConstraint(
                fields=("certification", "effective_on", "expires_on"),
                name="one_record_per_renewal",
            ),
        ),
        migrations.AlterModelOptions(name="renewal", options={"ordering": ["-effective_on"]}),
        migrations.AddField(
            model_name="renewal",
            name="recorded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.CreateModel(
            name="Lapse",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("starts_on", models.DateField(verbose_name="lapsed from")),
                ("reinstated_on", models.DateField(blank=True, null=True)),
                ("reason", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("withdrawn_at", models.DateTimeField(blank=True, null=True)),
                (
                    "certification",
                    models.ForeignKey(
                        on_delete=models.deletion.PROTECT,
                        related_name="lapses",
                        to="certification.certification",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "withdrawn_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["starts_on", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=Q(withdrawn_at__isnull=True),
                        fields=("certification", "starts_on"),
                        name="one_lapse_per_day",
                    )
                ],
            },
        ),
        migrations.RunPython(lapses_from_dates, dates_from_lapses),
        migrations.RemoveField(model_name="certification", name="lapsed_on"),
    ]
