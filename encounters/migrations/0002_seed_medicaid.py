"""Montana Medicaid pays $14.01 per 15-minute unit of peer support ($56.04 an hour)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations


def forwards(apps, schema_editor):
    Payer = apps.get_model("encounters", "Payer")
    Rate = apps.get_model("encounters", "Rate")
    payer, _ = Payer.objects.get_or_create(
        organization=None,
        code="medicaid",
        defaults={"name": "Medicaid", "requires_certification": True},
    )
    Rate.objects.get_or_create(
        payer=payer,
        effective_from=dt.date(2020, 1, 1),
        defaults={"unit_minutes": 15, "unit_amount": Decimal("14.01")},
    )


class Migration(migrations.Migration):
    dependencies = [("encounters", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
