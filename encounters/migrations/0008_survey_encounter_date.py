"""The encounter's date on each survey response, filled from the encounters, with an index
by organization and that date (the reports count survey figures by it)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_dates(apps, schema_editor):
    Encounter = apps.get_model("encounters", "Encounter")
    SurveyResponse = apps.get_model("encounters", "SurveyResponse")
    SurveyResponse.objects.update(
        encounter_date=Subquery(
            Encounter.objects.filter(pk=OuterRef("encounter_id")).values("date")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [("encounters", "0007_billing_terms")]

    operations = [
        migrations.AddField(
            model_name="surveyresponse",
            name="encounter_date",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(copy_dates, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="surveyresponse",
            name="encounter_date",
            field=models.DateField(),
        ),
        migrations.AddIndex(
            model_name="surveyresponse",
            index=models.Index(
                fields=["organization", "encounter_date"], name="survey_org_encounter_date"
            ),
        ),
    ]
