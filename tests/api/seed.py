"""A small desk for the API to answer about: something in every list, an incident in every state of the lifecycle,
and the records the lists and forms refer to (services, CIs, callers, known errors, articles, changes)."""

from __future__ import annotations

from incidents.choices import Impact, Urgency
from incidents.journal import notes
from incidents.models import Incident
from tests.cmdb.factories import ChangeFactory, ConfigurationItemFactory, ContactFactory, ServiceFactory
from tests.incidents.workflow import classified, closed, investigating, record, resolved
from tests.knowledge.factories import ArticleFactory, KnownErrorFactory, ProblemFactory


def seed(*, operator, member, group, category) -> list[Incident]:
    """What a small desk holds; the incidents are taken through their steps by ``operator`` and ``member`` (of
    ``group``), as the desk and the groups take them."""
    cis = [ConfigurationItemFactory() for _ in range(3)]
    service = ServiceFactory(name="Remote access", cis=cis)
    ChangeFactory(cis=cis[:1])
    ProblemFactory()
    KnownErrorFactory(published=True, cis=cis[:1], services=[service], categories=[category])
    ArticleFactory()
    ContactFactory.create_batch(2)
    on = {"service": service, "cis": cis[:2]}
    master = record(operator, **on)
    incidents = [
        master,
        record(operator, parent=master),
        classified(operator, category, **on),
        investigating(operator, category, group, **on),
        resolved(operator, category, group, member, **on),
        closed(operator, resolved(operator, category, group, member)),
        record(operator, serious=True, impact=Impact.HIGH, urgency=Urgency.HIGH, serious_reason="The VPN is down."),
    ]
    notes.incident_add_note(by=member, incident_id=incidents[3].pk, text="Looking at the RADIUS logs.", minutes_spent=5)
    return incidents
