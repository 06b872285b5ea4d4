"""The report tables move to the reporting app with every row: renamed here, then taken
over (state only) by reporting.0001."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("encounters", "0005_reports")]

    operations = [
        migrations.AlterModelTable("alternativecost", "reporting_alternativecost"),
        migrations.AlterModelTable("reportrun", "reporting_reportrun"),
        migrations.AlterModelTable("reportschedule", "reporting_reportschedule"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel("ReportRun"),
                migrations.DeleteModel("ReportSchedule"),
                migrations.DeleteModel("AlternativeCost"),
            ]
        ),
    ]
