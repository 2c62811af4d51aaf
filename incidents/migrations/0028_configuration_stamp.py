"""A stamp that moves whenever the configuration a recording reads changes (decision record 0037).

The priority matrix, the service levels, their coverage, targets and calendars are cached in each process
(``incidents.servicelevels.configuration``); a process reads this one-row stamp in the recording's transaction and
loads them again when it moved. Statement triggers move it, so every way of changing a table does: the admin, a
``QuerySet.update``, raw SQL, a fixture. The stamp is drawn from a sequence, which never hands a number out twice,
so a change that was rolled back can never share its stamp with a later one; it starts from the clock, so neither
does a sequence made again.
"""

from django.db import migrations

TABLES = (
    "incidents_priorityrule",
    "incidents_servicelevel",
    "incidents_servicelevelcoverage",
    "incidents_serviceleveltarget",
    "incidents_businesscalendar",
    "incidents_workingperiod",
    "incidents_holiday",
)

CREATE = [
    "CREATE SEQUENCE incidents_configstamp_seq",
    # Starting from the clock in microseconds, not 1: a sequence made again (this migration reversed and applied
    # again) must not hand out a stamp that a process still holds for what the tables held before.
    "SELECT setval('incidents_configstamp_seq', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)",
    """
CREATE TABLE incidents_configstamp (
    id smallint PRIMARY KEY CHECK (id = 1),
    stamp bigint NOT NULL
)
""",
    "INSERT INTO incidents_configstamp (id, stamp) VALUES (1, nextval('incidents_configstamp_seq'))",
    """
CREATE FUNCTION incidents_configuration_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE incidents_configstamp SET stamp = nextval('incidents_configstamp_seq') WHERE id = 1;
    RETURN NULL;
END
$$
""",
    *(
        f"CREATE TRIGGER {table}_configuration_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION incidents_configuration_changed()"
        for table in TABLES
    ),
]

DROP = [
    *(f"DROP TRIGGER {table}_configuration_changed ON {table}" for table in TABLES),
    "DROP FUNCTION incidents_configuration_changed()",
    "DROP TABLE incidents_configstamp",
    "DROP SEQUENCE incidents_configstamp_seq",
]


class Migration(migrations.Migration):
    dependencies = [("incidents", "0027_open_work_lists")]

    operations = [migrations.RunSQL(CREATE, DROP)]
