"""Hours worked are "reported" until confirmed. Rows already stored: those a peer entered
themself stay reported; those entered by someone else (a manager correcting a week) or by
an import without a person are confirmed as of their last change."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def confirm_what_others_entered(apps, schema_editor):
    HoursWorked = apps.get_model("supervision", "HoursWorked")
    HoursWorked.objects.filter(entered_by__isnull=True).update(confirmed_at=F("updated_at"))
    HoursWorked.objects.filter(entered_by__isnull=False).exclude(entered_by=F("peer__user")).update(
        confirmed_at=F("updated_at"), confirmed_by=F("entered_by")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0006_agreement_upload_is_checked"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="hoursworked",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="hoursworked",
            name="confirmed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(confirm_what_others_entered, migrations.RunPython.noop),
    ]
