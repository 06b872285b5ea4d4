"""Program cost lines move to the reporting app with every row: the table is renamed here,
then taken over (state only) by reporting.0001."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("programs", "0015_trainer_role")]

    operations = [
        migrations.AlterModelTable("programcost", "reporting_programcost"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel("ProgramCost")]
        ),
    ]
