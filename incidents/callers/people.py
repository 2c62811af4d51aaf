"""Who an incident keeps informed: its caller, the callers whose calls were added to it, the contacts and
addresses the desk added and, for a master incident, the people of its subordinates. A person is named by a
``key`` ("contact:12", "email:ann@example.com") that a signed link can carry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db.models import F

from cmdb.models import Contact
from incidents.models import Erasure, Incident, IncidentPerson
from servicedesk.compiled import IDS_PLACEHOLDER, AnyOf, CompiledQuery


@dataclass(frozen=True)
class Person:
    """Someone kept informed about an incident (``incident_id``: the incident they came from)."""

    key: str
    name: str
    email: str
    reason: str
    incident_id: int
    contact_id: int | None = None
    first_name: str = ""
    row_id: int | None = None  # the ``IncidentPerson`` that keeps them informed (none for a caller)
    active: bool = True  # the contact is active (an erased contact never is)
    language: str = ""  # the contact's; blank: the desk's (``servicedesk.locales``)

    @property
    def is_caller(self) -> bool:
        return self.reason == CALLER

    @property
    def full_name(self) -> str:
        """As a contact names itself (the mails greet a person as they greet a contact)."""
        return self.name


CALLER = "caller"


def contact_key(contact_id: int) -> str:
    return f"contact:{contact_id}"


def address_key(email: str) -> str:
    return f"email:{email.strip().lower()}"


def person_of_contact(contact: Contact, *, reason: str, incident_id: int) -> Person:
    return Person(
        contact_key(contact.pk), contact.full_name, contact.email, reason, incident_id, contact.pk, contact.first_name,
        active=contact.active, language=contact.language,
    )  # fmt: skip


def people_of(incident: Incident, *, with_subordinates: bool = False) -> list[Person]:
    """The incident's people, the caller first; each once (by contact, then by address)."""
    incident_ids = [incident.pk]
    if with_subordinates:
        incident_ids += list(Incident.objects.filter(parent_id=incident.pk).order_by("pk").values_list("pk", flat=True))
    callers = dict(Incident.objects.filter(pk__in=incident_ids).values_list("pk", "caller_id"))
    contacts = Contact.objects.in_bulk(callers.values())
    return _people(incident, {pk: contacts[caller_id] for pk, caller_id in callers.items()})


def people_of_read(incident: Incident, subordinates: Iterable[Incident]) -> list[Person]:
    """``people_of(incident, with_subordinates=True)`` for an incident read with its caller, and its subordinates
    with theirs, as the incident page reads them: one query, for the people added to them."""
    callers = {incident.pk: incident.caller} | {subordinate.pk: subordinate.caller for subordinate in subordinates}
    return _people(incident, callers)


def _people(incident: Incident, callers: dict[int, Contact]) -> list[Person]:
    """The people of the incidents whose callers these are (by incident id): the incident's caller first, the
    other callers by incident, then the people added, the incident's own first."""
    rows = _ADDED.rows(list(callers))
    found: list[Person] = [person_of_contact(callers[incident.pk], reason=CALLER, incident_id=incident.pk)]
    for incident_id, caller in sorted(callers.items()):
        if incident_id != incident.pk:
            found.append(person_of_contact(caller, reason=CALLER, incident_id=incident_id))
    for row in sorted(rows, key=lambda row: (row.incident_id != incident.pk, row.added_at, row.pk)):
        found.append(person_of_row(row))
    return _once(found)


# The people added to some incidents, with their contacts: built once a process (servicedesk.compiled), as every
# incident page reads them.
_ADDED = CompiledQuery(
    lambda ids: IncidentPerson.objects.filter(AnyOf(F("incident_id"), ids)).select_related("contact"),
    placeholder=IDS_PLACEHOLDER,
)


def people_of_many(incidents: list[Incident]) -> dict[int, list[Person]]:
    """``people_of`` for several incidents at once, each without its subordinates (two queries in all)."""
    contacts = Contact.objects.in_bulk({incident.caller_id for incident in incidents})
    found = {
        incident.pk: [person_of_contact(contacts[incident.caller_id], reason=CALLER, incident_id=incident.pk)]
        for incident in incidents
    }
    rows = IncidentPerson.objects.filter(incident_id__in=list(found)).select_related("contact")
    for row in rows.order_by("added_at", "pk"):
        found[row.incident_id].append(person_of_row(row))
    return {incident_id: _once(people) for incident_id, people in found.items()}


def person_of_row(row: IncidentPerson) -> Person:
    """The person one row of ``IncidentPerson`` keeps informed (its contact loaded)."""
    if row.contact is not None:
        person = person_of_contact(row.contact, reason=row.reason, incident_id=row.incident_id)
        return replace(person, row_id=row.pk)
    first_name = row.name.split()[0] if row.name.strip() else ""
    name = row.name or row.email
    return Person(address_key(row.email), name, row.email, row.reason, row.incident_id, None, first_name, row.pk)


def person_with_address(incident: Incident, address: str) -> Person | None:
    """The person of the incident (or of its subordinates) who writes from ``address``, if any."""
    address = address.strip().lower()
    if not address:
        return None
    for person in people_of(incident, with_subordinates=True):
        if person.email.lower() == address:
            return person
    return None


def person_with_key(incident: Incident, key: str) -> Person | None:
    """The person a signed link names, while they are still one of the incident's people (a link mailed
    before people had keys names nobody: it is the caller's)."""
    key = key or contact_key(incident.caller_id)
    if key == contact_key(incident.caller_id):  # the caller is always one of them
        person: Person | None = person_of_contact(incident.caller, reason=CALLER, incident_id=incident.pk)
    else:
        person = next((person for person in people_of(incident, with_subordinates=True) if person.key == key), None)
    if person is not None and not person.active and Erasure.objects.filter(contact_id=person.contact_id).exists():
        return None  # erased: their links stop with their data
    return person


def reachable(people: list[Person]) -> list[Person]:
    """Those who can be mailed (each address once: ``people_of`` already keeps one person per address)."""
    return [person for person in people if person.email]


def _once(people: list[Person]) -> list[Person]:
    seen_keys: set[str] = set()
    seen_addresses: set[str] = set()
    unique = []
    for person in people:
        address = person.email.lower()
        if person.key in seen_keys or (address and address in seen_addresses):
            continue
        seen_keys.add(person.key)
        if address:
            seen_addresses.add(address)
        unique.append(person)
    return unique
