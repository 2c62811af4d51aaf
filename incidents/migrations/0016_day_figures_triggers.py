"""The triggers that keep the day figures (``incidents.models.figures``) as the incidents, their CI links and
their journal change: in the same transaction as the change, whoever makes it (a service, the sweep, the
admin, a ``QuerySet.update``). Incidents are never deleted (their history protects them), so there is no
trigger for that. Statement triggers with transition tables: a bulk update adds its rows once, not a row per
incident. The rows a statement took out (as they were) count -1 and the rows it wrote (as they are) +1 on
the days of their moments; a change that moves no figure writes nothing. Rows are only inserted, so writers
never wait for each other; ``incidents_compact_figures`` (the sweep) sums a day's rows into one.

Then every figure is computed once from the existing incidents (``incidents_rebuild_figures``).
"""

from django.db import migrations

# --- The triggers that keep the day figures (incidents.models.figures) -------------------------------------
#
# Written out here, not imported, so that this migration does what it did when it was written. Each figure
# is counted on the day of one moment of the incident: {moment: {column: value for that incident}}. The
# dashboard's definitions (incidents.dashboard) are these, summed over a period's days.

MICROSECONDS = "(extract(epoch FROM i.{moment} - i.reported_at) * 1000000)::bigint"

MOMENTS = {
    "reported_at": {"reported": "1"},
    "responded_at": {
        "responses_measured": "(i.response_met IS NOT NULL)::int",
        "responses_in_time": "(i.response_met IS TRUE)::int",
    },
    "acknowledged_at": {
        "acknowledged": "1",
        "acknowledge_microseconds": MICROSECONDS.format(moment="acknowledged_at"),
    },
    "resolved_at": {
        "resolved": "1",
        "resolutions_measured": "(i.resolution_met IS NOT NULL)::int",
        "resolutions_in_time": "(i.resolution_met IS TRUE)::int",
        "resolve_microseconds": MICROSECONDS.format(moment="resolved_at"),
        "first_contact": "(i.assigned_group_id IS NULL)::int",
        "with_known_error": "(i.known_error_id IS NOT NULL)::int",
    },
    "closed_at": {
        "closed": "1",
        "confirmed": "(i.confirmed_at IS NOT NULL)::int",
        "closed_automatically": "(i.closed_automatically IS TRUE)::int",
        "satisfaction_sum": "coalesce(i.satisfaction, 0)",
        "satisfaction_count": "(i.satisfaction IS NOT NULL)::int",
    },
}
COLUMNS = [column for figures in MOMENTS.values() for column in figures]

# A day in the desk's time zone. Created for UTC; incidents.figures.follow_time_zone replaces it with
# settings.TIME_ZONE after every migrate (and rebuilds the figures) when they differ. The comment names the
# zone the function holds.
LOCAL_DAY = """
CREATE FUNCTION incidents_local_day(moment timestamptz) RETURNS date
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT (moment AT TIME ZONE 'UTC')::date $$;
COMMENT ON FUNCTION incidents_local_day(timestamptz) IS 'UTC';
"""

# What one incident, as it is, adds to the days of its moments: a row per moment it has.
CONTRIBUTIONS = """
CREATE FUNCTION incidents_day_contributions(i incidents_incident)
    RETURNS TABLE (day date, {typed})
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ {branches} $$;
""".format(
    typed=", ".join(f"{column} bigint" for column in COLUMNS),
    branches=" UNION ALL ".join(
        "SELECT incidents_local_day(i.{moment}), {values} WHERE i.{moment} IS NOT NULL".format(
            moment=moment, values=", ".join(f"({figures.get(column, '0')})::bigint" for column in COLUMNS)
        )
        for moment, figures in MOMENTS.items()
    ),
)


def _append(table: str, key: str, columns: list[str], rows: str, *, compacted: bool = False) -> str:
    """Insert ``rows`` (the key, then ``columns``) into ``table``: never an update, so a change waits for no
    other change's row. The rebuild's and the compaction's rows are ``compacted``."""
    return f"""
    INSERT INTO {table} ({key}, {", ".join(columns)}, compacted)
    SELECT rows.*, {str(compacted).lower()} FROM ({rows}) AS rows
    """


def _sums(expressions: list[str], source: str, key: str) -> str:
    """``sum(expression)`` each, from ``source`` grouped by ``key``; only the keys where one is not 0."""
    sums = [f"sum({expression})" for expression in expressions]
    return (
        f"SELECT {key}, {', '.join(sums)} FROM {source} GROUP BY {key}"
        f" HAVING {' OR '.join(f'{total} <> 0' for total in sums)}"
    )


# What changed incidents (``changed``: sign, i) add to every table: +1 for a row as it is now, -1 for a row
# as it was. An update that changes no counted column adds nothing and writes nothing.
INCIDENTS_CHANGED = """
WITH changed AS NOT MATERIALIZED ({changed}),
days AS ({days}),
services AS ({services}),
categories AS ({categories})
{cis}
"""


def incidents_changed(changed: str, *, compacted: bool = False) -> str:
    return INCIDENTS_CHANGED.format(
        changed=changed,
        days=_append(
            "incidents_dayfigures",
            "day",
            COLUMNS,
            _sums(
                [f"changed.sign * c.{column}" for column in COLUMNS],
                "changed CROSS JOIN LATERAL incidents_day_contributions(changed.i) AS c",
                "c.day",
            ),
            compacted=compacted,
        ),
        services=_append(
            "incidents_servicedayfigures",
            "day, service_id",
            ["reported"],
            _sums(
                ["changed.sign"],
                "(SELECT changed.sign, incidents_local_day((changed.i).reported_at) AS day,"
                " (changed.i).service_id AS service_id FROM changed WHERE (changed.i).service_id IS NOT NULL)"
                " AS changed",
                "changed.day, changed.service_id",
            ),
            compacted=compacted,
        ),
        categories=_append(
            "incidents_categorydayfigures",
            "day, category_id",
            ["closed", "changed"],
            _sums(
                ["changed.sign", "changed.sign * changed.other_root_cause"],
                "(SELECT changed.sign, incidents_local_day((changed.i).closed_at) AS day,"
                " (changed.i).category_id AS category_id,"
                " ((changed.i).root_cause_category_id IS DISTINCT FROM (changed.i).category_id)::int"
                " AS other_root_cause FROM changed"
                " WHERE (changed.i).closed_at IS NOT NULL AND (changed.i).category_id IS NOT NULL) AS changed",
                "changed.day, changed.category_id",
            ),
            compacted=compacted,
        ),
        # The links of a changed incident count on its report day: they move if that day does.
        cis=cis_changed(
            "SELECT changed.sign, (changed.i).reported_at, link.configurationitem_id FROM changed"
            " JOIN incidents_incident_cis AS link ON link.incident_id = (changed.i).id",
            compacted=compacted,
        ),
    )


def cis_changed(links: str, *, compacted: bool = False) -> str:
    """``links``: (sign, reported_at, configurationitem_id) rows."""
    return _append(
        "incidents_cidayfigures",
        "day, ci_id",
        ["reported"],
        _sums(
            ["links.sign"],
            f"(SELECT link.sign, incidents_local_day(link.reported_at) AS day, link.ci_id"
            f" FROM ({links}) AS link (sign, reported_at, ci_id)) AS links",
            "links.day, links.ci_id",
        ),
        compacted=compacted,
    )


def reopened(activities: str, *, compacted: bool = False) -> str:
    """``activities``: journal rows; a reopening is journaled as the state change of the step reopen."""
    return _append(
        "incidents_dayfigures",
        "day",
        ["reopened"],
        f"SELECT incidents_local_day(a.created_at), count(*) FROM ({activities}) AS a"
        f" WHERE a.kind = 'state_changed' AND a.data ->> 'step' = 'reopen' GROUP BY 1",
        compacted=compacted,
    )


# Which rows the compaction sums: (table, key, columns).
TABLES = [
    ("incidents_dayfigures", "day", [*COLUMNS, "reopened"]),
    ("incidents_servicedayfigures", "day, service_id", ["reported"]),
    ("incidents_cidayfigures", "day, ci_id", ["reported"]),
    ("incidents_categorydayfigures", "day, category_id", ["closed", "changed"]),
]


def compact(table: str, key: str, columns: list[str]) -> str:
    """Every row of a key that has rows added since the last compaction, summed into one."""
    return f"""
    WITH gone AS (
        DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM {table} WHERE NOT compacted)
        RETURNING {key}, {", ".join(columns)}
    )
    {_append(table, key, columns, _sums(columns, "gone", key), compacted=True)}
    """


def trigger_function(name: str, body: str) -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
{body};
    RETURN NULL;
END
$function$;
"""


NEW_INCIDENTS = "SELECT 1 AS sign, n::incidents_incident AS i FROM new_rows AS n"
OLD_INCIDENTS = "SELECT -1 AS sign, o::incidents_incident AS i FROM old_rows AS o"
LINKED = "SELECT {sign}, i.reported_at, link.configurationitem_id FROM {links} AS link JOIN incidents_incident AS i ON i.id = link.incident_id"

TRIGGERS = [
    ("incidents_incident", "INSERT", "NEW TABLE AS new_rows", incidents_changed(NEW_INCIDENTS)),
    (
        "incidents_incident",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        incidents_changed(f"{NEW_INCIDENTS} UNION ALL {OLD_INCIDENTS}"),
    ),
    ("incidents_incident_cis", "INSERT", "NEW TABLE AS new_rows", cis_changed(LINKED.format(sign=1, links="new_rows"))),
    ("incidents_incident_cis", "DELETE", "OLD TABLE AS old_rows", cis_changed(LINKED.format(sign=-1, links="old_rows"))),
    ("incidents_activity", "INSERT", "NEW TABLE AS new_rows", reopened("SELECT * FROM new_rows")),
]


def _trigger_name(table: str, event: str) -> str:
    return f"{table}_figures_{event.lower()}"


CREATE = [
    LOCAL_DAY,
    CONTRIBUTIONS,
    *(
        trigger_function(_trigger_name(table, event), body)
        + f"""
CREATE TRIGGER {_trigger_name(table, event)} AFTER {event} ON {table}
    REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {_trigger_name(table, event)}();
"""
        for table, event, transition, body in TRIGGERS
    ),
    # Every figure again from the incidents and the journal: after a bulk load with the triggers off, or
    # when the desk's time zone changes (incidents.figures).
    f"""
CREATE FUNCTION incidents_rebuild_figures() RETURNS void LANGUAGE plpgsql AS $function$
BEGIN
    TRUNCATE {", ".join(table for table, _key, _columns in TABLES)};
    {incidents_changed("SELECT 1 AS sign, i FROM incidents_incident AS i", compacted=True)};
    {reopened("SELECT * FROM incidents_activity", compacted=True)};
END
$function$;
""",
    # The sweep's (incidents.figures.compact). One at a time: a second would wait for the first's rows.
    f"""
CREATE FUNCTION incidents_compact_figures() RETURNS void LANGUAGE plpgsql AS $function$
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('incidents_compact_figures')) THEN
        RETURN;
    END IF;
    {";".join(compact(*table) for table in TABLES)};
END
$function$;
""",
    "SELECT incidents_rebuild_figures();",
]

DROP = [
    "DROP FUNCTION incidents_compact_figures()",
    "DROP FUNCTION incidents_rebuild_figures()",
    *(
        f"DROP TRIGGER {_trigger_name(table, event)} ON {table}; DROP FUNCTION {_trigger_name(table, event)}()"
        for table, event, _transition, _body in TRIGGERS
    ),
    "DROP FUNCTION incidents_day_contributions(incidents_incident)",
    "DROP FUNCTION incidents_local_day(timestamptz)",
]


class Migration(migrations.Migration):
    dependencies = [("incidents", "0015_day_figures")]

    operations = [migrations.RunSQL(CREATE, DROP)]
