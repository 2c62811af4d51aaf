"""Background work about callers: anonymising the people of incidents past the retention period (beat, daily)."""

from __future__ import annotations

from celery import shared_task

from incidents.callers.retention import incident_anonymise, incidents_due_for_anonymising


# Named like the other beat tasks of the incidents app.
@shared_task(name="incidents.tasks.incidents_anonymise_due")
def incidents_anonymise_due() -> int:
    """A batch of the incidents due, each in its own transaction; the next day takes the rest."""
    return sum(incident_anonymise(incident_id) for incident_id in incidents_due_for_anonymising())
