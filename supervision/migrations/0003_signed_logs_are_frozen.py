"""On PostgreSQL, a signed supervision log cannot change and no log is deleted in its
retention period, whatever the application does: triggers refuse it.

- a signed log (signed in the app or on paper) refuses UPDATE;
- a log refuses DELETE while younger than 7 years (the Board may ask for it);
- the attendees and clients of a signed log refuse INSERT, UPDATE and DELETE;
- addenda and acknowledgments refuse UPDATE and DELETE (they are signed statements).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION supervision_log_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.date > (current_date - interval '7 years') THEN
            RAISE EXCEPTION 'Supervision logs are kept for 7 years and cannot be deleted.'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.signed_at IS NOT NULL OR OLD.signed_on_paper IS NOT NULL THEN
        RAISE EXCEPTION 'This supervision log is signed: add a signed addendum instead.'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER supervision_log_guard
    BEFORE UPDATE OR DELETE ON supervision_supervisionlog
    FOR EACH ROW EXECUTE FUNCTION supervision_log_guard();

CREATE OR REPLACE FUNCTION supervision_log_part_guard() RETURNS trigger AS $$
DECLARE
    parent integer;
BEGIN
    IF TG_OP = 'INSERT' THEN parent := NEW.log_id; ELSE parent := OLD.log_id; END IF;
    IF EXISTS (
        SELECT 1 FROM supervision_supervisionlog
        WHERE id = parent AND (signed_at IS NOT NULL OR signed_on_paper IS NOT NULL)
    ) THEN
        RAISE EXCEPTION 'This supervision log is signed: add a signed addendum instead.'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER supervision_attendee_guard
    BEFORE INSERT OR UPDATE OR DELETE ON supervision_logattendee
    FOR EACH ROW EXECUTE FUNCTION supervision_log_part_guard();
CREATE TRIGGER supervision_client_guard
    BEFORE INSERT OR UPDATE OR DELETE ON supervision_logclient
    FOR EACH ROW EXECUTE FUNCTION supervision_log_part_guard();

CREATE OR REPLACE FUNCTION supervision_statement_guard() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Signed statements in a supervision record cannot be changed or deleted.'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER supervision_addendum_guard
    BEFORE UPDATE OR DELETE ON supervision_addendum
    FOR EACH ROW EXECUTE FUNCTION supervision_statement_guard();
CREATE TRIGGER supervision_ack_guard
    BEFORE UPDATE OR DELETE ON supervision_acknowledgment
    FOR EACH ROW EXECUTE FUNCTION supervision_statement_guard();
"""
DROP = """
DROP TRIGGER IF EXISTS supervision_log_guard ON supervision_supervisionlog;
DROP TRIGGER IF EXISTS supervision_attendee_guard ON supervision_logattendee;
DROP TRIGGER IF EXISTS supervision_client_guard ON supervision_logclient;
DROP TRIGGER IF EXISTS supervision_addendum_guard ON supervision_addendum;
DROP TRIGGER IF EXISTS supervision_ack_guard ON supervision_acknowledgment;
DROP FUNCTION IF EXISTS supervision_log_guard();
DROP FUNCTION IF EXISTS supervision_log_part_guard();
DROP FUNCTION IF EXISTS supervision_statement_guard();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_logs_hours_agreements")]
    operations = [migrations.RunPython(forwards, backwards)]
