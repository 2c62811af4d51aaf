"""Erasing a person's data (decision record 0025): the incident history stays append-only, but one audited
function may rewrite the values it holds about that person, and the audit of an erasure records that it
happened without copying what was erased.

Both exceptions open only while the transaction-local setting ``servicedesk.erasing`` is ``on``, which only
``incidents.callers.erasure`` sets. Whoever may run SQL may set it too, as they may drop a trigger: the
database keeps the application honest, not its owner.
"""

import importlib

from django.conf import settings
from django.db import migrations, models

# The functions as 0008 made them: what this migration replaces, and puts back when reversed.
_0008 = importlib.import_module("incidents.migrations.0008_incident_history")
BEFORE = [sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION") for sql in _0008.CREATE if "CREATE FUNCTION" in sql]

ERASING = "current_setting('servicedesk.erasing', true) = 'on'"

APPEND_ONLY = f"""
CREATE OR REPLACE FUNCTION incidents_incidenthistory_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND pg_trigger_depth() > 1 THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND {ERASING} AND NEW.id = OLD.id AND NEW.incident_id = OLD.incident_id
       AND NEW.changed_at = OLD.changed_at AND NEW.operation = OLD.operation THEN
        RETURN NEW;  -- an erasure rewrites the values, never when, what or who
    END IF;
    RAISE EXCEPTION 'incidents_incidenthistory is written by the incident triggers only and never changed'
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

AUDIT = f"""
CREATE OR REPLACE FUNCTION incidents_incident_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) ELSE '{{}}'::jsonb END;
    diff jsonb;
BEGIN
    -- {{column: [old, new]}} for every column that differs; a new incident lists the columns it sets.
    SELECT jsonb_object_agg(new_col.key, jsonb_build_array(old_row -> new_col.key, new_col.value))
      INTO diff
      FROM jsonb_each(to_jsonb(NEW)) AS new_col
     WHERE new_col.key <> ALL ({_0008.NOT_AUDITED})
       AND new_col.value IS DISTINCT FROM coalesce(old_row -> new_col.key, 'null'::jsonb)
       AND (TG_OP = 'UPDATE' OR new_col.value NOT IN ('null'::jsonb, '""'::jsonb));
    IF diff IS NULL THEN
        RETURN NULL;  -- only bookkeeping changed (a save that changed nothing)
    END IF;
    IF TG_OP = 'UPDATE' AND {ERASING} THEN
        -- Which columns were erased, not what they held.
        SELECT jsonb_object_agg(key, '["[erased]", "[erased]"]'::jsonb) INTO diff FROM jsonb_object_keys(diff) AS key;
    END IF;
    INSERT INTO incidents_incidenthistory (incident_id, changed_at, operation, actor_id, context, changes)
    VALUES (NEW.id, clock_timestamp(), lower(TG_OP), {_0008.ACTOR}, {_0008.CONTEXT}, diff);
    RETURN NULL;
END
$$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0022_closure_confirmed_by_reply"),
        ("cmdb", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL([APPEND_ONLY, AUDIT], BEFORE),
        migrations.CreateModel(
            name="Erasure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("erased_at", models.DateTimeField(auto_now_add=True, verbose_name="erased")),
                ("reason", models.CharField(max_length=300, verbose_name="why")),
                ("counts", models.JSONField(default=dict, verbose_name="what was erased")),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=models.deletion.PROTECT, related_name="+", to="cmdb.contact", verbose_name="contact"
                    ),
                ),
                (
                    "erased_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="erased by",
                    ),
                ),
            ],
            options={
                "verbose_name": "erasure of personal data",
                "verbose_name_plural": "erasures of personal data",
                "ordering": ["-erased_at", "-id"],
            },
        ),
    ]
