"""The incident history: an audit of ``incidents_incident`` and its CI links, written by database triggers.

Nothing changes an incident without a row here: not a service, the admin, a Celery task, a
``QuerySet.update`` or raw SQL. The triggers compare the whole row before and after (``to_jsonb``), so a
column added later is audited without touching them. Who acted comes from two transaction-local settings
the application gives the transaction (``servicedesk.actor``); see ``incidents.history``.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Bookkeeping columns: they change with every save and say nothing a reader needs (the search vector is
# derived from the texts, which are audited themselves).
NOT_AUDITED = "ARRAY['updated_at', 'search_vector', 'version']"

# The application's user id, only if it is one: a malformed setting leaves the actor empty rather than
# failing the write it describes. Nine digits stay within the user table's integer key.
ACTOR = (
    "CASE WHEN current_setting('servicedesk.actor', true) ~ '^[0-9]{1,9}$'"
    " THEN current_setting('servicedesk.actor', true)::integer END"
)
CONTEXT = "coalesce(current_setting('servicedesk.context', true), '')"

CREATE = [
    f"""
CREATE FUNCTION incidents_incident_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) ELSE '{{}}'::jsonb END;
    diff jsonb;
BEGIN
    -- {{column: [old, new]}} for every column that differs; a new incident lists the columns it sets.
    SELECT jsonb_object_agg(new_col.key, jsonb_build_array(old_row -> new_col.key, new_col.value))
      INTO diff
      FROM jsonb_each(to_jsonb(NEW)) AS new_col
     WHERE new_col.key <> ALL ({NOT_AUDITED})
       AND new_col.value IS DISTINCT FROM coalesce(old_row -> new_col.key, 'null'::jsonb)
       AND (TG_OP = 'UPDATE' OR new_col.value NOT IN ('null'::jsonb, '""'::jsonb));
    IF diff IS NULL THEN
        RETURN NULL;  -- only bookkeeping changed (a save that changed nothing)
    END IF;
    INSERT INTO incidents_incidenthistory (incident_id, changed_at, operation, actor_id, context, changes)
    VALUES (NEW.id, clock_timestamp(), lower(TG_OP), {ACTOR}, {CONTEXT}, diff);
    RETURN NULL;
END
$$
""",
    """
CREATE TRIGGER incidents_incident_audit
    AFTER INSERT OR UPDATE ON incidents_incident
    FOR EACH ROW EXECUTE FUNCTION incidents_incident_audit()
""",
    f"""
-- One row per incident and statement: incident.cis.add(a, b) is one change, not two.
CREATE FUNCTION incidents_incident_cis_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incidents_incidenthistory (incident_id, changed_at, operation, actor_id, context, changes)
    SELECT links.incident_id, clock_timestamp(), 'update', {ACTOR}, {CONTEXT},
           jsonb_build_object('cis', jsonb_build_object(
               CASE TG_OP WHEN 'INSERT' THEN 'added' ELSE 'removed' END,
               jsonb_agg(links.configurationitem_id ORDER BY links.configurationitem_id)))
      FROM changed_links AS links
     GROUP BY links.incident_id;
    RETURN NULL;
END
$$
""",
    """
CREATE TRIGGER incidents_incident_cis_added
    AFTER INSERT ON incidents_incident_cis
    REFERENCING NEW TABLE AS changed_links
    FOR EACH STATEMENT EXECUTE FUNCTION incidents_incident_cis_audit()
""",
    """
CREATE TRIGGER incidents_incident_cis_removed
    AFTER DELETE ON incidents_incident_cis
    REFERENCING OLD TABLE AS changed_links
    FOR EACH STATEMENT EXECUTE FUNCTION incidents_incident_cis_audit()
""",
    """
-- Append-only, and written by the triggers above only (they run at trigger depth 1, their insert's own
-- trigger at depth 2). Whoever may drop a trigger may still rewrite history; the application may not.
CREATE FUNCTION incidents_incidenthistory_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND pg_trigger_depth() > 1 THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'incidents_incidenthistory is written by the incident triggers only and never changed'
        USING ERRCODE = 'insufficient_privilege';
END
$$
""",
    """
CREATE TRIGGER incidents_incidenthistory_append_only
    BEFORE INSERT OR UPDATE OR DELETE ON incidents_incidenthistory
    FOR EACH ROW EXECUTE FUNCTION incidents_incidenthistory_append_only()
""",
]

DROP = [
    "DROP TRIGGER incidents_incidenthistory_append_only ON incidents_incidenthistory",
    "DROP FUNCTION incidents_incidenthistory_append_only()",
    "DROP TRIGGER incidents_incident_cis_removed ON incidents_incident_cis",
    "DROP TRIGGER incidents_incident_cis_added ON incidents_incident_cis",
    "DROP FUNCTION incidents_incident_cis_audit()",
    "DROP TRIGGER incidents_incident_audit ON incidents_incident",
    "DROP FUNCTION incidents_incident_audit()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0007_attachments_reevaluations_confirmation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="IncidentHistory",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("changed_at", models.DateTimeField(editable=False, verbose_name="changed")),
                (
                    "operation",
                    models.CharField(
                        choices=[("insert", "created"), ("update", "changed")],
                        editable=False,
                        max_length=10,
                        verbose_name="operation",
                    ),
                ),
                ("context", models.TextField(blank=True, editable=False, verbose_name="context")),
                ("changes", models.JSONField(default=dict, editable=False, verbose_name="changes")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="actor",
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="history",
                        to="incidents.incident",
                        verbose_name="incident",
                    ),
                ),
            ],
            options={
                "verbose_name": "incident history entry",
                "verbose_name_plural": "incident history",
                "ordering": ["changed_at", "id"],
                "default_permissions": ["view"],
                "indexes": [models.Index(fields=["incident", "changed_at", "id"], name="incidents_history_timeline")],
            },
        ),
        migrations.RunSQL(CREATE, DROP),
    ]
