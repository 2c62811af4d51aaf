"""Retention: ``CALLER_RETENTION_MONTHS`` after an incident is closed, its people are anonymised on it (the
caller becomes the shared "Anonymised caller", their words and names go, as an erasure does, for this
incident only); the incident and its figures stay. Beat runs it daily (decision record 0025)."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cmdb.models import Contact
from incidents.callers import erasure
from incidents.callers.people import people_of
from incidents.choices import ActivityKind, State
from incidents.models import Activity, Attachment, InboundMail, Incident, IncidentHistory, OutboxMessage, OutboxState
from servicedesk.actor import acting_as

BATCH = 200
ANONYMOUS = {"first_name": "Anonymised", "last_name": "caller", "active": False}
security = logging.getLogger("servicedesk.security")


def incidents_due_for_anonymising(*, now: datetime.datetime | None = None) -> list[int]:
    """The closed incidents past the retention period, not anonymised yet (the oldest first, a batch)."""
    months = settings.CALLER_RETENTION_MONTHS
    if months <= 0:
        return []
    cutoff = (now or timezone.now()) - datetime.timedelta(days=round(months * 30.44))
    due = Incident.objects.filter(state=State.CLOSED, closed_at__lt=cutoff, anonymised_at__isnull=True)
    return list(due.order_by("closed_at").values_list("pk", flat=True)[:BATCH])


@transaction.atomic
def incident_anonymise(incident_id: int) -> bool:
    """Anonymise the people of one closed incident; ``False`` when it is not due (any more)."""
    incident = Incident.objects.select_for_update().filter(pk=incident_id, anonymised_at__isnull=True).first()
    if incident is None or incident.state != State.CLOSED:
        return False
    people = people_of(incident)
    words = [word for person in people for word in (person.name, person.email) if word]
    # Not get_or_create: nothing makes the placeholder unique, and a second one must not stop retention.
    placeholder = Contact.objects.filter(**ANONYMOUS, email="").order_by("pk").first()
    placeholder = placeholder or Contact.objects.create(**ANONYMOUS, email="")
    with acting_as(None, f"retention of {incident.number}"), erasure.erasing():
        journal = Activity.objects.filter(incident=incident)
        answers = Q(kind=ActivityKind.CALLER_REPLIED) | Q(data__via="caller_link")
        files = list(Attachment.objects.filter(activity__in=journal.filter(kind=ActivityKind.CALLER_REPLIED)))
        journal.filter(answers).update(text=erasure.ERASED)
        journal.filter(answers, data__has_key="satisfaction_comment").update(
            data=erasure.jsonb_set("data", "satisfaction_comment", [erasure.ERASED, erasure.ERASED])
        )
        history = IncidentHistory.objects.filter(incident=incident)
        for column in ("satisfaction_comment", "caller_id"):
            history.filter(changes__has_key=column).update(
                changes=erasure.jsonb_set("changes", column, [erasure.ERASED, erasure.ERASED])
            )
        mails = OutboxMessage.objects.filter(incident=incident)
        mails.filter(kind__in=erasure.QUOTING).update(body_text=erasure.ERASED, body_html="")
        to_them = mails.filter(recipient__in=[person.email for person in people if person.email])
        to_them.filter(state=OutboxState.PENDING).update(state=OutboxState.FAILED, last_error=erasure.NOT_SENT)
        to_them.update(recipient=erasure.ERASED_ADDRESS, body_text=erasure.ERASED, body_html="")
        for word in words:
            erasure.text_replaced(journal, "text", word)
            erasure.details_replaced(journal, word)
            for column in ("subject", "body_text", "body_html"):
                erasure.text_replaced(mails, column, word)
        InboundMail.objects.filter(Q(incident=incident) | Q(regarding=incident)).update(**erasure.MAIL_EMPTIED)
        erasure.files_erased(files)
        incident.people.all().delete()
        Incident.objects.filter(pk=incident.pk).update(
            caller=placeholder, satisfaction_comment="", anonymised_at=timezone.now()
        )
    security.info("incident anonymised number=%s people=%s", incident.number, len(people))
    return True
