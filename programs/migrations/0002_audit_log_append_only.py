"""On PostgreSQL, refuse UPDATE and DELETE on the audit log at the database itself."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION programs_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: its entries cannot be changed or deleted.'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER programs_auditevent_append_only
    BEFORE UPDATE OR DELETE ON programs_auditevent
    FOR EACH ROW EXECUTE FUNCTION programs_auditevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS programs_auditevent_append_only ON programs_auditevent;
DROP FUNCTION IF EXISTS programs_auditevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
