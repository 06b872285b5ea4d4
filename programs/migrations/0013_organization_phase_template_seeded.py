"""Remember that an organization's phase checklists were copied from the defaults."""

from django.db import migrations, models


def mark_seeded(apps, schema_editor):
    Organization = apps.get_model("programs", "Organization")
    PhaseTemplateItem = apps.get_model("programs", "PhaseTemplateItem")
    seeded = PhaseTemplateItem.objects.values("organization_id").distinct()
    Organization.objects.filter(pk__in=seeded).update(phase_template_seeded=True)


class Migration(migrations.Migration):
    dependencies = [("programs", "0012_alter_fundingsource_yearly_amount_and_more")]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="phase_template_seeded",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_seeded, migrations.RunPython.noop),
    ]
