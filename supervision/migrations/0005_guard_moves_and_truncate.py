"""On PostgreSQL: a row cannot be moved into (or out of) a signed log, and the supervision
tables refuse TRUNCATE (row triggers do not see it), except in a session that set
`peerpath.allow_audit_truncate` to 'yes' (the test suite's flush between tests)."""

from django.db import migrations

TABLES = (
    "supervision_supervisionlog",
    "supervision_logattendee",
    "supervision_logclient",
    "supervision_addendum",
    "supervision_acknowledgment",
)

CREATE = """
CREATE OR REPLACE FUNCTION supervision_log_part_guard() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM supervision_supervisionlog
        WHERE (signed_at IS NOT NULL OR signed_on_paper IS NOT NULL)
          AND id IN (
            CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.log_id END,
            CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.log_id END
          )
    ) THEN
        RAISE EXCEPTION 'This supervision log is signed: add a signed addendum instead.'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION supervision_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('peerpath.allow_audit_truncate', true) = 'yes' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'Supervision records are kept for 7 years and cannot be emptied.'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
    FOR EACH STATEMENT EXECUTE FUNCTION supervision_no_truncate();"""
    for t in TABLES
)
DROP = "".join(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};\n" for t in TABLES) + (
    "DROP FUNCTION IF EXISTS supervision_no_truncate();\n"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0004_addendum_key")]
    operations = [migrations.RunPython(forwards, backwards)]
