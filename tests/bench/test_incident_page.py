"""The pure part of bench/incident_page.py: naming the statements the ORM wrote by the table they read."""

import incident_page
import pytest


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        (
            'SELECT "incidents_incident"."id", "incidents_incident"."number" FROM "incidents_incident"',
            "incidents_incident",
        ),
        ('SELECT DISTINCT "knowledge_problem"."id" FROM "knowledge_problem"', "knowledge_problem"),
        (
            'SELECT ("cmdb_supportgroup_members"."supportgroup_id") AS "x", "auth_user"."id"',
            "cmdb_supportgroup_members",
        ),
        ("WITH RECURSIVE ancestors(id) AS (SELECT 1)", "WITH"),
    ],
)
def test_a_statement_is_named_by_the_table_of_its_first_column(sql, kind):
    assert incident_page.statement_kind(sql) == kind
