"""A page's statements are prepared on the server once its connection has run them twice, and then only executed
(decision record 0064)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.incidents.workflow import record

pytestmark = pytest.mark.django_db


def prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_an_incident_page_requested_again_runs_its_statements_prepared(client, operator):
    incident = record(operator, short_description="Printer jams on floor 3")
    client.force_login(operator)

    client.get(incident.get_absolute_url())
    assert not any('FROM "incidents_incident"' in statement for statement in prepared())
    for _ in range(2):
        page = client.get(incident.get_absolute_url()).text
        assert "Printer jams on floor 3" in page

    statements = prepared()
    # The session, the signed-in user and the incident: the same text on every request, the values bound apart.
    assert any('FROM "django_session"' in statement for statement in statements)
    assert any(statement.startswith('SELECT "incidents_incident"."id"') for statement in statements)
    assert not any(incident.number in statement for statement in statements)
