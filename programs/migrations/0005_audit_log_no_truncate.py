"""On PostgreSQL, refuse TRUNCATE of the audit log too (row triggers do not see it).

The one exception is a session that set `peerpath.allow_audit_truncate` to 'yes': the test
suite does, because Django empties the test database with TRUNCATE between tests. This stops
accidents (a `manage.py flush` against production); the boundary against deliberate
tampering is a database role for the app that does not own the table (see docs).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION programs_auditevent_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('peerpath.allow_audit_truncate', true) = 'yes' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The audit log is append-only: its entries cannot be changed or deleted.'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER programs_auditevent_no_truncate
    BEFORE TRUNCATE ON programs_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION programs_auditevent_no_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS programs_auditevent_no_truncate ON programs_auditevent;
DROP FUNCTION IF EXISTS programs_auditevent_no_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("programs", "0004_invitation_one_open_invitation_per_address")]
    operations = [migrations.RunPython(forwards, backwards)]
