"""The incidents part of the demo data (``serve --demo``): four months of calls to Kestrel Logistics' desk.

What is loaded
    About three hundred incidents over the last four months, recorded by the demo user ``operator``: a few
    calls every working day about what the CMDB demo's callers run into (printers on their floor, the VPN,
    Outlook, locked accounts, the ERP, the Rotterdam warehouse's Wi-Fi and handheld scanners, pay slips...),
    in their words and with their service and CIs. About thirty are open: the newest recorded, the next
    ones classified, a dozen older ones investigating; the rest are resolved (the last few days) or closed.

Clusters of similar calls (``incidents.demo.data.CLUSTERS``), each within a few hours
    - this morning: "VPN authentication failed" for home workers, an open master incident (investigating,
      two calls added) with three subordinates, recorded and classified;
    - this morning: the printer on the 2nd floor in Amsterdam jams (three open calls of the Finance floor);
    - the last working day of last month: the ERP slow at month end, seven calls, a closed master;
    - 17 days ago at the start of the shift: Wi-Fi and scanners drop at the Rotterdam dock doors, six calls;
    - 38 days ago: Outlook "Trying to connect" for everyone, eight calls under a serious, closed master;
    - payroll day two months ago: the bank rejects the payroll file, three calls under a serious master.
    So the similar-incident panel has open incidents to show for "vpn keeps saying authentication failed"
    or "printer on the 2nd floor in Amsterdam jams".

Journal
    Every incident has its "recorded" entry (with ``"demo": true`` in its details), a master one
    "subordinate recorded" entry per subordinate, and a few open incidents "call added" entries (their
    affected users grown to match). Later lifecycle steps have no journal entries yet.

Loading is deterministic (seeded, no Faker) and relative to now; callers, services, CIs and groups are
looked up by name and e-mail, and whatever the CMDB does not hold is skipped. It loads nothing when there is
no ``operator`` account or when the demo's incidents are already there (a "recorded" entry marked demo).
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cmdb.choices import CIClass, CIStatus, RelationshipKind
from cmdb.demo.data import DOMAIN
from cmdb.models import ConfigurationItem, Contact, Location, Relationship, Service, SupportGroup
from incidents import selectors
from incidents.choices import OPEN_STATES, ActivityKind, Channel, State
from incidents.demo.data import (
    CLUSTERS,
    DAYS,
    DEVICE,
    OPEN_TOPICS,
    PHONE,
    PRINTER,
    SEED,
    SWITCH,
    TOPICS,
    Cluster,
    Topic,
)
from incidents.models import Activity, Incident
from incidents.priority import priority_for

OPERATOR = "operator"
RECORDED, CLASSIFIED, INVESTIGATING = 5, 5, 12  # open day-to-day incidents, newest first
RESOLVED = 8  # the newest of the others are resolved, the rest closed
ADDED_CALLS = 4  # open day-to-day incidents that get a second call
MINUTE, HOUR, DAY = datetime.timedelta(minutes=1), datetime.timedelta(hours=1), datetime.timedelta(days=1)
CHANNELS = {Channel.PHONE: 55, Channel.EMAIL: 20, Channel.CHAT: 17, Channel.WALK_IN: 8}
OWN_CIS = {PRINTER: "printer", DEVICE: "device", PHONE: "phone", SWITCH: "switch"}


@dataclass(frozen=True)
class _Caller:
    id: int
    name: str
    workplace_id: int | None
    department: str
    city: str
    floor: str
    own: dict[str, str]  # "printer", "switch", "device", "phone": CI names


@dataclass
class _Planned:
    topic: Topic
    caller: _Caller
    summary: str
    symptoms: str
    reported_at: datetime.datetime
    occurred_at: datetime.datetime
    logging_seconds: int
    channel: str
    impact: int
    urgency: int
    state: str = State.CLOSED
    serious: bool = False
    affected_users: int = 1
    master: _Planned | None = None
    added: list[tuple[datetime.datetime, str, int, _Caller]] = field(default_factory=list)
    assigned: bool = False  # to the topic's support group
    updated_at: datetime.datetime | None = None
    incident: Incident | None = None

    @property
    def recorded_at(self) -> datetime.datetime:
        return self.reported_at + datetime.timedelta(seconds=self.logging_seconds)


@transaction.atomic
def load_incidents_demo() -> None:
    """Load the incidents demo (see the module docstring); nothing when it is loaded already."""
    operator = get_user_model().objects.filter(username=OPERATOR).first()
    if operator is None or Activity.objects.filter(kind=ActivityKind.RECORDED, data__demo=True).exists():
        return
    directory = _Directory.fetch()
    if not directory.callers:
        return
    _load(_Planner(timezone.now(), directory).plan(), operator, directory)


# --- the directory: who calls, from where, with what -----------------------------------------------------


class _Directory:
    """The CMDB demo's callers (with their floor's printer and switch, their device and phone), and the ids
    of the services, CIs and groups that the topics name."""

    def __init__(
        self, callers: list[_Caller], services: dict[str, int], cis: dict[str, int], groups: dict[str, int]
    ) -> None:
        self.callers, self.services, self.cis, self.groups = callers, services, cis, groups

    @classmethod
    def fetch(cls) -> _Directory:
        locations = {pk: (name, parent) for pk, name, parent in Location.objects.values_list("id", "name", "parent")}

        def site(pk: int | None) -> str:
            while pk is not None and locations[pk][1] is not None:
                pk = locations[pk][1]
            return locations[pk][0].split()[0] if pk is not None else ""

        live = ConfigurationItem.objects.exclude(status=CIStatus.RETIRED)
        printers = {
            ci.location.parent_id: ci
            for ci in live.filter(ci_class=CIClass.PRINTER, location__isnull=False).select_related("location")
        }
        switches = dict(
            Relationship.objects.filter(
                source__in=[ci.pk for ci in printers.values()],
                kind=RelationshipKind.CONNECTED_TO,
                target__ci_class=CIClass.NETWORK_DEVICE,
            ).values_list("source__name", "target__name")
        )
        owned: dict[str, dict[str, str]] = defaultdict(dict)
        devices = live.filter(ci_class__in=[CIClass.LAPTOP, CIClass.WORKSTATION, CIClass.PHONE])
        for name, ci_class, attributes in devices.order_by("name").values_list("name", "ci_class", "attributes"):
            if email := str(attributes.get("assigned_to", "")).lower():
                owned[email]["phone" if ci_class == CIClass.PHONE else "device"] = name
        callers = []
        contacts = Contact.objects.filter(active=True, user__isnull=True, email__iendswith=f"@{DOMAIN}")
        for contact in contacts.order_by("email"):
            floor_id = locations[contact.workplace_id][1] if contact.workplace_id else None
            printer = printers.get(floor_id)
            own = dict(owned.get(contact.email.lower(), {}))
            if printer is not None:
                own["printer"] = printer.name
                if printer.name in switches:
                    own["switch"] = switches[printer.name]
            floor = locations[floor_id][0] if floor_id else "Ground floor"
            callers.append(
                _Caller(
                    contact.pk,
                    contact.full_name,
                    contact.workplace_id,
                    contact.department,
                    site(contact.workplace_id),
                    floor[0].lower() + floor[1:],  # "the printer on the 2nd floor", "on the mezzanine"
                    own,
                )
            )
        names = {name for topic in TOPICS for name in topic.cis if name not in OWN_CIS}
        names |= {name for caller in callers for name in caller.own.values()}
        return cls(
            callers,
            dict(Service.objects.filter(name__in={t.service for t in TOPICS if t.service}).values_list("name", "id")),
            dict(live.filter(name__in=names).values_list("name", "id")),
            dict(SupportGroup.objects.filter(name__in={t.group for t in TOPICS}).values_list("name", "id")),
        )

    def callers_for(self, topic: Topic, city: str = "", floor: str = "") -> list[_Caller]:
        """The callers this topic fits; those with the device it is about first choice; anyone if none fits."""
        fits = [
            caller
            for caller in self.callers
            if (not topic.departments or caller.department in topic.departments)
            and (not topic.cities or caller.city in topic.cities)
            and (not city or caller.city == city)
            and (not floor or caller.floor == floor)
        ]
        needed = [OWN_CIS[name] for name in topic.cis if name in (DEVICE, PHONE)]
        return [c for c in fits if all(kind in c.own for kind in needed)] or fits or self.callers

    def ci_names(self, topic: Topic, caller: _Caller) -> list[str]:
        names = [caller.own.get(OWN_CIS[name], "") if name in OWN_CIS else name for name in topic.cis]
        return [name for name in dict.fromkeys(names) if name in self.cis]


# --- the plan ------------------------------------------------------------------------------------------


class _Planner:
    """Every incident, call and date, relative to ``now``; the same on every run at the same moment."""

    def __init__(self, now: datetime.datetime, directory: _Directory) -> None:
        self.now, self.directory = now, directory
        self.today = timezone.localdate(now)
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not security
        self.topics = {topic.key: topic for topic in TOPICS}

    def plan(self) -> list[_Planned]:
        day_to_day = self._day_to_day()
        clusters = [planned for cluster in CLUSTERS for planned in self._cluster(cluster)]
        self._states(day_to_day)
        self._second_calls([p for p in day_to_day if p.state in OPEN_STATES])
        plan = sorted(day_to_day + clusters, key=lambda p: p.reported_at)
        for planned in plan:
            self._finish(planned)
        return plan

    def _day_to_day(self) -> list[_Planned]:
        weights = [topic.weight for topic in TOPICS]
        plan = []
        for days in range(DAYS, -1, -1):
            day = self.today - days * DAY
            if day.weekday() >= 5:
                continue
            for _call in range(self.rng.choice((2, 2, 3, 3, 3, 4)) + (day.weekday() == 0)):
                topic = self.rng.choices(TOPICS, weights)[0]
                reported_at = self._at(day, 8, self.rng.randint(0, 9 * 60 + 30))
                caller = self.rng.choice(self.directory.callers_for(topic))
                urgency = max(topic.urgency - 1, 1) if self.rng.random() < 0.15 else topic.urgency
                planned = self._planned(
                    topic,
                    caller,
                    reported_at,
                    self.rng.choice(topic.summaries),
                    self.rng.choice(topic.symptoms),
                    topic.impact,
                    urgency,
                )
                if planned.recorded_at < self.now - 10 * MINUTE:
                    planned.affected_users = self.rng.randint(*topic.affected)
                    plan.append(planned)
        return plan

    def _cluster(self, cluster: Cluster) -> list[_Planned]:
        topic = self.topics[cluster.topic]
        start = self._at(self._start_day(cluster), *cluster.hour)
        # Each call, and each call added to one, from another caller (one caller twice only in a tiny CMDB).
        pool = self.directory.callers_for(topic, cluster.city, cluster.floor)
        needed = len(cluster.calls) + sum(len(call.added) for call in cluster.calls)
        callers = itertools.cycle(self.rng.sample(pool, k=min(needed, len(pool))))
        master: _Planned | None = None
        plan = []
        for call in cluster.calls:
            is_master = cluster.master and master is None
            impact, urgency = (
                (cluster.impact, cluster.urgency) if is_master or not cluster.master else (topic.impact, topic.urgency)
            )
            reported_at = min(start + call.minutes * MINUTE, self.now - 10 * MINUTE)
            planned = self._planned(
                topic,
                next(callers),
                reported_at,
                call.summary,
                call.symptoms,
                impact,
                urgency,
                channel=call.channel,
                state=call.state,
            )
            planned.serious, planned.affected_users, planned.master = is_master and cluster.serious, call.users, master
            planned.added = [
                (start + minutes * MINUTE, text, users, next(callers)) for minutes, text, users in call.added
            ]
            master = planned if is_master else master
            plan.append(planned)
        return plan

    def _start_day(self, cluster: Cluster) -> datetime.date:
        first_of_month = self.today.replace(day=1)
        if cluster.start == "this morning":
            # The last working morning at least three hours old, so that its calls are all in the past.
            day = self.today
            while day.weekday() >= 5 or self._at(day, *cluster.hour) > self.now - 3 * HOUR:
                day -= DAY
            return day
        if cluster.start == "month end":
            day = first_of_month - DAY
        elif cluster.start == "payroll day":
            day = ((first_of_month - DAY).replace(day=1) - DAY).replace(day=20)
        else:
            day = self.today - int(cluster.start) * DAY
        while day.weekday() >= 5:
            day -= DAY
        return day

    def _planned(
        self,
        topic: Topic,
        caller: _Caller,
        reported_at: datetime.datetime,
        summary: str,
        symptoms: str,
        impact: int,
        urgency: int,
        *,
        channel: str | None = None,
        state: str = State.CLOSED,
    ) -> _Planned:
        rng = self.rng
        if channel is None:
            channel = rng.choices(list(CHANNELS), list(CHANNELS.values()))[0]
            channel = Channel.PHONE if channel == Channel.WALK_IN and caller.city != "Eindhoven" else channel
        quick = channel in (Channel.EMAIL, Channel.CHAT)
        logging_seconds = rng.randint(241, 540) if rng.random() < 0.08 else rng.randint(40, 150 if quick else 240)
        before = 0 if rng.random() < 0.3 else rng.randint(2, 120)
        text = {"floor": caller.floor, "city": caller.city}
        return _Planned(
            topic,
            caller,
            summary.format(**text),
            symptoms.format(**text),
            reported_at,
            reported_at - before * MINUTE,
            logging_seconds,
            channel,
            impact,
            urgency,
            state,
        )

    def _states(self, plan: list[_Planned]) -> None:
        """The newest day-to-day incidents are open, the next ones resolved, some older ones investigating."""
        newest = sorted(plan, key=lambda p: p.reported_at, reverse=True)
        for index, planned in enumerate(newest):
            if index < RECORDED:
                planned.state = State.RECORDED
            elif index < RECORDED + CLASSIFIED:
                planned.state = State.CLASSIFIED
            elif index < RECORDED + CLASSIFIED + RESOLVED:
                planned.state = State.RESOLVED
        closed = newest[RECORDED + CLASSIFIED + RESOLVED :]
        older = [p for p in closed if p.reported_at > self.now - 25 * DAY]
        for planned in self.rng.sample(older, k=min(INVESTIGATING, len(older))):
            planned.state = State.INVESTIGATING
        for key in OPEN_TOPICS:
            if not any(p.topic.key == key and p.state in OPEN_STATES for p in plan):
                planned = next((p for p in closed if p.topic.key == key), None)
                if planned is not None:
                    planned.state = State.INVESTIGATING

    def _second_calls(self, open_incidents: list[_Planned]) -> None:
        for planned in self.rng.sample(open_incidents, k=min(ADDED_CALLS, len(open_incidents))):
            caller = self.rng.choice(self.directory.callers_for(planned.topic))
            moment = planned.recorded_at + self.rng.randint(20, 300) * MINUTE
            text = self.rng.choice(planned.topic.symptoms).format(floor=caller.floor, city=caller.city)
            planned.added.append((moment, text, 1, caller))

    def _finish(self, planned: _Planned) -> None:
        """Calls added in the past only; the time of the last change (resolution or closure for the others)."""
        planned.added = [call for call in planned.added if planned.recorded_at < call[0] < self.now - MINUTE]
        planned.affected_users += sum(users for _, _, users, _ in planned.added)
        last = max([planned.recorded_at, *(call[0] for call in planned.added)])
        if planned.state in (State.RESOLVED, State.CLOSED):
            last += self.rng.randint(20, 30 * 60) * MINUTE
            if planned.state == State.CLOSED:
                last += self.rng.randint(2, 5) * DAY
        planned.updated_at = min(last, self.now - MINUTE)
        planned.assigned = planned.state == State.INVESTIGATING or (
            planned.state in (State.RESOLVED, State.CLOSED) and (planned.serious or self.rng.random() < 0.6)
        )

    def _at(self, day: datetime.date, hour: int, minute: int) -> datetime.datetime:
        moment = datetime.datetime.combine(day, datetime.time(hour)) + minute * MINUTE
        return timezone.make_aware(moment) + datetime.timedelta(seconds=self.rng.randint(0, 59))


# --- loading -------------------------------------------------------------------------------------------


def _load(plan: list[_Planned], operator: AbstractBaseUser, directory: _Directory) -> None:
    """Incidents, their CIs and journal in bulk; then dated back (``auto_now_add`` stamps every insert)."""
    matrix = selectors.priority_matrix()
    incidents = []
    for planned in plan:
        topic = planned.topic
        planned.incident = Incident(
            caller_id=planned.caller.id,
            channel=planned.channel,
            occurred_at=planned.occurred_at,
            reported_at=planned.reported_at,
            short_description=planned.summary,
            symptoms=planned.symptoms,
            location_id=planned.caller.workplace_id,
            service_id=directory.services.get(topic.service or ""),
            affected_users=planned.affected_users,
            impact=planned.impact,
            urgency=planned.urgency,
            priority=priority_for(planned.impact, planned.urgency, matrix),
            serious=planned.serious,
            desk_owner=operator,
            assigned_group_id=directory.groups.get(topic.group) if planned.assigned else None,
            logging_seconds=planned.logging_seconds,
            version=1 + len(planned.added),
            state=planned.state,
        )
        incidents.append(planned.incident)
    # Numbers come from the column default, read back with RETURNING; in order of reporting.
    Incident.objects.bulk_create(incidents, batch_size=500)
    for planned in plan:
        incident = planned.incident
        incident.created_at, incident.updated_at = planned.recorded_at, planned.updated_at
        incident.parent = planned.master.incident if planned.master else None
    Incident.objects.bulk_update(incidents, ["created_at", "updated_at", "parent"], batch_size=500)

    Incident.cis.through.objects.bulk_create(
        [
            Incident.cis.through(incident_id=planned.incident.pk, configurationitem_id=directory.cis[name])
            for planned in plan
            for name in directory.ci_names(planned.topic, planned.caller)
        ],
        batch_size=1000,
    )
    journal = sorted(_journal(plan, operator, directory), key=lambda entry: entry.created_at)
    stamped = [entry.created_at for entry in journal]
    Activity.objects.bulk_create(journal, batch_size=1000)
    for entry, created_at in zip(journal, stamped, strict=True):
        entry.created_at = created_at
    Activity.objects.bulk_update(journal, ["created_at"], batch_size=1000)
    # The similar-incident panel weighs words and corrects typos ("outlok") with the planner's statistics of
    # the table; fresh ones now, rather than whenever autovacuum first analyses it.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Incident._meta.db_table)}")


def _journal(plan: list[_Planned], operator: AbstractBaseUser, directory: _Directory) -> list[Activity]:
    entries = []
    for planned in plan:
        incident, master = planned.incident, planned.master
        entries.append(
            Activity(
                incident=incident,
                kind=ActivityKind.RECORDED,
                author=operator,
                created_at=planned.recorded_at,
                text=incident.symptoms,
                data={
                    "caller": planned.caller.name,
                    "channel": incident.channel,
                    "impact": incident.impact,
                    "urgency": incident.urgency,
                    "priority": incident.priority,
                    "serious": incident.serious,
                    "cis": directory.ci_names(planned.topic, planned.caller),
                    "service": planned.topic.service if incident.service_id else None,
                    "parent": master.incident.number if master else None,
                    "demo": True,
                },
            )
        )
        if master is not None:
            entries.append(
                Activity(
                    incident=master.incident,
                    kind=ActivityKind.SUBORDINATE_RECORDED,
                    author=operator,
                    created_at=planned.recorded_at,
                    text=_("%(number)s recorded as a subordinate: %(summary)s")
                    % {"number": incident.number, "summary": incident.short_description},
                    data={"subordinate": incident.number, "caller": planned.caller.name},
                )
            )
        entries.extend(
            Activity(
                incident=incident,
                kind=ActivityKind.CALL_ADDED,
                author=operator,
                created_at=moment,
                text=text,
                data={"caller": caller.name, "caller_id": caller.id, "affected_users_added": users},
            )
            for moment, text, users, caller in planned.added
        )
    return entries
