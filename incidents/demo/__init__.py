"""The incidents part of the demo data (``serve --demo``): four months of calls to Kestrel Logistics' desk.

About three hundred incidents, seeded and relative to now, planned from the topics and clusters in
``incidents/demo/data/*.toml`` (read by ``records``) and taken through the lifecycle, with their journal;
``story`` adds service levels, handoffs and the bell (docs/decisions/0015-demo-data-as-data.md).
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
from cmdb.demo import DOMAIN
from cmdb.models import ConfigurationItem, Contact, Location, Relationship, Service, SupportGroup
from incidents import selectors
from incidents.choices import OPEN_STATES, ActivityKind, Channel, ResolutionCode, State, Visibility
from incidents.demo import story
from incidents.demo.records import (
    CLUSTERS,
    DEVICE,
    LIFECYCLE,
    OPEN_TOPICS,
    PHONE,
    PRINTER,
    SWITCH,
    TOPICS,
    Cluster,
    Topic,
)
from incidents.models import Activity, Incident
from incidents.priority import priority_for
from knowledge.models import Category, KnownError

SEED = 2311
DAYS = 120  # how far back the incidents go
OPERATOR = "operator"
RECORDED, CLASSIFIED, INVESTIGATING = 2, 3, 4  # open day-to-day incidents: the newest, and of the last days
RESOLVED = 8  # the newest of the others are resolved, the rest closed
GROUP_WORK = 2  # open incidents of the last days in each group with a demo member, and one older
ADDED_CALLS = 4  # open day-to-day incidents that get a second call
AUTO_CLOSE_DAYS = 5  # closed automatically when the caller did not answer within these days
MINUTE, HOUR, DAY = datetime.timedelta(minutes=1), datetime.timedelta(hours=1), datetime.timedelta(days=1)
OWN_CIS = {PRINTER: "printer", DEVICE: "device", PHONE: "phone", SWITCH: "switch"}
CUSTOMER_STEPS = {"resolve", "reopen", "confirm", "inform"}


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
    # The lifecycle after recording: the moment of each step taken, and what it recorded.
    classified_at: datetime.datetime | None = None
    escalated_at: datetime.datetime | None = None
    acknowledged_at: datetime.datetime | None = None  # and assigned to the group's demo member, if any
    resolved_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    resolution_code: str = ""
    resolution_notes: str = ""
    closed_automatically: bool = False
    satisfaction: int | None = None
    satisfaction_comment: str = ""
    # The rest of the story (incidents.demo.story): the caller's "it works", a known error applied at first
    # line, a first-line fix the caller rejected, a wait on the caller, a re-evaluation asked by the group.
    confirmed_at: datetime.datetime | None = None
    known_error: tuple[int, str, str] | None = None  # id, number, workaround
    reopen: bool = False
    first_resolved_at: datetime.datetime | None = None
    reopened_at: datetime.datetime | None = None
    awaiting_since: datetime.datetime | None = None
    awaiting_reason: str = ""
    reevaluation: tuple[datetime.datetime, str, int, int] | None = None  # requested, reason, impact, urgency

    @property
    def recorded_at(self) -> datetime.datetime:
        return self.reported_at + datetime.timedelta(seconds=self.logging_seconds)


@transaction.atomic
def load_incidents_demo() -> None:
    """Load the incidents demo: nothing without an ``operator`` account, or when the demo's incidents are there
    already (a "recorded" entry marked demo). Callers, services, CIs and groups are looked up by name and
    e-mail; whatever the CMDB does not hold is skipped."""
    operator = get_user_model().objects.filter(username=OPERATOR).first()
    if operator is None or Activity.objects.filter(kind=ActivityKind.RECORDED, data__demo=True).exists():
        return
    directory = _Directory.fetch()
    if not directory.callers:
        return
    now = timezone.now()
    _load(_Planner(now, directory).plan(), operator, directory, now)


# --- the directory: who calls, from where, with what -----------------------------------------------------


class _Directory:
    """The CMDB demo's callers (with their floor's printer and switch, their device and phone), and the ids
    of the services, CIs and groups that the topics name."""

    def __init__(
        self,
        callers: list[_Caller],
        services: dict[str, int],
        cis: dict[str, int],
        groups: dict[str, int],
        categories: dict[tuple[str, ...], int] | None = None,
        tiers: dict[str, int] | None = None,
        members: dict[str, tuple[int, str]] | None = None,
        known_errors: dict[int, tuple[int, str, str]] | None = None,
    ) -> None:
        self.callers, self.services, self.cis, self.groups = callers, services, cis, groups
        self.categories = categories or {}  # path in the tree -> id
        self.tiers = tiers or {}  # group -> tier
        self.members = members or {}  # group -> (id, name) of its first member
        self.known_errors = known_errors or {}  # category id -> (id, number, workaround) of a published one

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
        groups = SupportGroup.objects.filter(name__in={t.group for t in TOPICS})
        members: dict[str, tuple[int, str]] = {}
        for group, user_id, first, last, username in (
            groups.filter(members__isnull=False)
            .order_by("name", "members__username")
            .values_list("name", "members", "members__first_name", "members__last_name", "members__username")
        ):
            members.setdefault(group, (user_id, f"{first} {last}".strip() or username))
        known_errors: dict[int, tuple[int, str, str]] = {}
        for pk, number, workaround, category_id in (
            KnownError.objects.filter(published=True, categories__isnull=False)
            .order_by("number")
            .values_list("pk", "number", "workaround", "categories")
        ):
            known_errors.setdefault(category_id, (pk, number, workaround))
        return cls(
            callers,
            dict(Service.objects.filter(name__in={t.service for t in TOPICS if t.service}).values_list("name", "id")),
            dict(live.filter(name__in=names).values_list("name", "id")),
            dict(groups.values_list("name", "id")),
            _category_paths(),
            dict(groups.values_list("name", "tier")),
            members,
            known_errors,
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

    def category(self, path: tuple[str, ...] | None) -> int | None:
        return self.categories.get(path) if path else None

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
        # The lifecycle steps draw from their own generator, so that the calls stay what they were.
        self.steps_rng = random.Random(SEED + 1)  # noqa: S311 - demo data, not security
        self.topics = {topic.key: topic for topic in TOPICS}

    def plan(self) -> list[_Planned]:
        day_to_day = self._day_to_day()
        clusters = [planned for cluster in CLUSTERS for planned in self._cluster(cluster)]
        self._states(day_to_day)
        self._second_calls([p for p in day_to_day if p.state in OPEN_STATES])
        plan = sorted(day_to_day + clusters, key=lambda p: p.reported_at)
        for planned in plan:
            self._finish(planned)
        story.plan_story(plan, self.now, self.directory, self.steps_rng)
        return plan

    def _day_to_day(self) -> list[_Planned]:
        weights = [topic.weight for topic in TOPICS]
        plan = []
        for days in range(DAYS, -1, -1):
            day = self.today - days * DAY
            if day.weekday() >= 5:
                continue
            # The business grows: an extra call more and more often towards today.
            growth = (self.rng.random() < 1 - days / DAYS) + (self.rng.random() < 0.8 - days / 50)
            calls = self.rng.choice((2, 2, 3, 3, 3, 4)) + (day.weekday() == 0) + growth
            for _call in range(calls):
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
        start = self._at(self._start_day(cluster), cluster.time.hour, cluster.time.minute)
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
                (start + added.minutes * MINUTE, added.text, added.users, next(callers)) for added in call.added
            ]
            master = planned if is_master else master
            plan.append(planned)
        return plan

    def _start_day(self, cluster: Cluster) -> datetime.date:
        first_of_month = self.today.replace(day=1)
        if cluster.start == "this morning":
            # The last working morning at least three hours old, so that its calls are all in the past.
            day = self.today
            while day.weekday() >= 5 or self._at(day, cluster.time.hour, cluster.time.minute) > self.now - 3 * HOUR:
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
            channels = LIFECYCLE.channels
            channel = rng.choices(list(channels), list(channels.values()))[0]
            channel = Channel.PHONE if channel == Channel.WALK_IN and caller.city != LIFECYCLE.desk_city else channel
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
        """The newest day-to-day incidents are with the desk; some of the last days' calls are with a group (a
        few in each group with a demo member, and there one more than a week old); the newest of the others
        are resolved, the rest closed."""
        newest = sorted(plan, key=lambda p: p.reported_at, reverse=True)
        for index, planned in enumerate(newest[: RECORDED + CLASSIFIED]):
            planned.state = State.RECORDED if index < RECORDED else State.CLASSIFIED
        rest = newest[RECORDED + CLASSIFIED :]
        recent = [p for p in rest if self.now - 8 * DAY < p.reported_at < self.now - 2 * HOUR]
        for planned in self.rng.sample(recent, k=min(INVESTIGATING, len(recent))):
            planned.state = State.INVESTIGATING
        for group in sorted(self.directory.members):
            mine = [p for p in rest if p.topic.group == group]
            fresh = [p for p in mine if self.now - 8 * DAY < p.reported_at < self.now - 2 * HOUR]
            for planned in fresh:
                if sum(p.state == State.INVESTIGATING for p in fresh) >= GROUP_WORK:
                    break
                planned.state = State.INVESTIGATING
            if not any(p.state == State.INVESTIGATING and p.reported_at < self.now - 8 * DAY for p in mine):
                week_old = next((p for p in mine if self.now - 22 * DAY < p.reported_at < self.now - 8 * DAY), None)
                if week_old is not None:
                    week_old.state = State.INVESTIGATING
        for key in OPEN_TOPICS:
            if not any(p.topic.key == key and p.state in OPEN_STATES for p in plan):
                planned = next((p for p in rest if p.topic.key == key and p.state == State.CLOSED), None)
                if planned is not None:
                    planned.state = State.INVESTIGATING
        resolved = [p for p in rest if p.state == State.CLOSED][:RESOLVED]
        for planned in resolved:
            planned.state = State.RESOLVED
        if resolved:  # the caller rejects the newest first-line fix (incidents.demo.story)
            resolved[0].reopen = True

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
        resolved_at = closed_at = None
        planned.assigned = not planned.reopen and (
            planned.state == State.INVESTIGATING
            or (planned.state in (State.RESOLVED, State.CLOSED) and (planned.serious or self.rng.random() < 0.6))
        )
        if planned.state in (State.RESOLVED, State.CLOSED):
            # The desk fixes most of its own calls within a couple of hours; a group may take a day or more.
            quick = not planned.assigned and self.rng.random() < 0.85
            last += self.rng.randint(8, 150 if quick else 30 * 60) * MINUTE
            resolved_at = last
            if planned.state == State.CLOSED:
                last += self.rng.randint(2, 5) * DAY
                closed_at = last
        planned.updated_at = min(last, self.now - MINUTE)
        self._steps(planned, resolved_at, closed_at)

    def _steps(
        self, planned: _Planned, resolved_at: datetime.datetime | None, closed_at: datetime.datetime | None
    ) -> None:
        """When each step after recording was taken, and what it recorded; every moment in the past."""
        if planned.state == State.RECORDED:
            return
        rng, latest = self.steps_rng, self.now - MINUTE
        waited = closed_at - resolved_at if closed_at and resolved_at else None
        planned.classified_at = min(planned.recorded_at + rng.randint(1, 8) * MINUTE, latest)
        if resolved_at is not None:
            master = planned.master
            if master is not None and master.resolved_at is not None:  # subordinates follow their master
                resolved_at = max(master.resolved_at, planned.classified_at + MINUTE)
            planned.resolved_at = min(max(resolved_at, planned.classified_at + 2 * MINUTE), latest)
        end = planned.resolved_at or latest
        if planned.serious:  # the notices go out first: no step before them (incidents.notices)
            planned.classified_at = min(planned.recorded_at + rng.randint(7, 12) * MINUTE, latest)
        if planned.assigned:
            planned.escalated_at = min(planned.classified_at + rng.randint(2, 20) * MINUTE, end)
            # Most groups acknowledge well within their agreement; now and then one is late.
            delay = rng.randint(3, 45) if rng.random() < 0.85 else rng.randint(70, 240)
            acknowledged = planned.escalated_at + delay * MINUTE
            has_time = end - planned.escalated_at > 10 * MINUTE
            if (
                has_time
                and planned.topic.group in self.directory.groups
                and (planned.resolved_at or rng.random() < 0.8)
            ):
                planned.acknowledged_at = min(acknowledged, planned.escalated_at + (end - planned.escalated_at) / 2)
        if planned.resolved_at is None:
            return
        if planned.master is not None and planned.master.resolution_code:
            planned.resolution_code = planned.master.resolution_code
            planned.resolution_notes = planned.master.resolution_notes
        else:
            codes = LIFECYCLE.group_codes if planned.assigned else LIFECYCLE.first_line_codes
            planned.resolution_code = rng.choices(list(codes), list(codes.values()))[0]
            planned.resolution_notes = rng.choice(LIFECYCLE.resolution_notes[planned.resolution_code])
            if planned.reopen:
                planned.resolution_code = ResolutionCode.WORKAROUND
                planned.resolution_notes = LIFECYCLE.resolution_notes[ResolutionCode.WORKAROUND][0]
        category_id = self.directory.category(planned.topic.category)
        if not planned.assigned and planned.resolution_code == ResolutionCode.WORKAROUND and planned.master is None:
            planned.known_error = self.directory.known_errors.get(category_id) if category_id else None
        if closed_at is None:
            return
        # As incidents.lifecycle does it: automatically only with a classification category.
        category = self.directory.category(planned.topic.category)
        planned.closed_automatically = waited is not None and waited >= AUTO_CLOSE_DAYS * DAY and category is not None
        if planned.closed_automatically:
            closed_at = planned.resolved_at + AUTO_CLOSE_DAYS * DAY + rng.randint(5, 55) * MINUTE
        elif rng.random() < 0.6:
            ratings = LIFECYCLE.satisfaction
            planned.satisfaction = rng.choices(list(ratings), list(ratings.values()))[0]
            if rng.random() < 0.3:
                planned.satisfaction_comment = rng.choice(LIFECYCLE.satisfaction_comments)
        planned.closed_at = min(max(closed_at, planned.resolved_at + HOUR), latest)
        if planned.satisfaction and rng.random() < 0.8:  # rated through the "it works" link, else on the phone
            planned.confirmed_at = planned.resolved_at + (planned.closed_at - planned.resolved_at) * rng.uniform(
                0.1, 0.6
            )

    def _at(self, day: datetime.date, hour: int, minute: int) -> datetime.datetime:
        moment = datetime.datetime.combine(day, datetime.time(hour)) + minute * MINUTE
        return timezone.make_aware(moment) + datetime.timedelta(seconds=self.rng.randint(0, 59))


# --- loading -------------------------------------------------------------------------------------------


def _load(plan: list[_Planned], operator: AbstractBaseUser, directory: _Directory, now: datetime.datetime) -> None:
    """Incidents, their CIs and journal in bulk; then dated back (``auto_now_add`` stamps every insert); then
    the rest of the story (``incidents.demo.story``)."""
    matrix = selectors.priority_matrix()
    levels = story.ServiceLevels(now)
    clocks = []
    incidents = []
    for planned in plan:
        topic = planned.topic
        service_id = directory.services.get(topic.service or "")
        priority = priority_for(planned.impact, planned.urgency, matrix)
        clock = levels.clock(planned, service_id, priority)
        clocks.append(clock)
        steps = _steps(planned, directory)
        moments = [planned.updated_at, *(moment for moment, _step in steps)]
        planned.updated_at = min(max(moment for moment in moments if moment), now - MINUTE)
        planned.incident = Incident(
            caller_id=planned.caller.id,
            channel=planned.channel,
            occurred_at=planned.occurred_at,
            reported_at=planned.reported_at,
            short_description=planned.summary,
            symptoms=planned.symptoms,
            location_id=planned.caller.workplace_id,
            service_id=service_id,
            affected_users=planned.affected_users,
            impact=planned.impact,
            urgency=planned.urgency,
            priority=priority,
            serious=planned.serious,
            desk_owner=operator,
            assigned_group_id=directory.groups.get(topic.group) if planned.assigned else None,
            logging_seconds=planned.logging_seconds,
            version=1 + len(planned.added) + len(steps),
            state=planned.state,
            **_lifecycle_fields(planned, directory),
            **clock.fields,
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
    story.load_story(
        plan,
        {planned.incident.pk: clock for planned, clock in zip(plan, clocks, strict=True)},
        levels,
        operator,
        directory,
        now,
    )
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
        entries.extend(_step_entries(planned, operator, directory))
    return entries


# --- the lifecycle after recording ----------------------------------------------------------------------


def _category_paths() -> dict[tuple[str, ...], int]:
    rows = {pk: (name, parent) for pk, name, parent in Category.objects.values_list("id", "name", "parent")}

    def path(pk: int) -> tuple[str, ...]:
        name, parent = rows[pk]
        return (*path(parent), name) if parent is not None else (name,)

    return {path(pk): pk for pk in rows}


def _lifecycle_fields(planned: _Planned, directory: _Directory) -> dict[str, object]:
    category = planned.topic.category
    member = directory.members.get(planned.topic.group) if planned.acknowledged_at else None
    notified = _notified_at(planned) if planned.serious else None
    known_error = planned.known_error
    reopened = planned.reopened_at is not None  # the failed resolution stays in the journal only
    return {
        "known_error_id": known_error[0] if known_error else None,
        "workaround": known_error[2] if known_error else "",
        "confirmed_at": planned.confirmed_at,
        "awaiting_caller_since": planned.awaiting_since,
        "awaiting_caller_reason": planned.awaiting_reason,
        "category_id": directory.category(category) if planned.classified_at else None,
        "assignee_id": member[0] if member else None,
        "acknowledged_at": planned.acknowledged_at,
        "resolution_code": "" if reopened else planned.resolution_code,
        "resolution_notes": "" if reopened else planned.resolution_notes,
        "resolved_at": planned.resolved_at,
        "root_cause_category_id": directory.category(_root_cause(planned)) if planned.closed_at else None,
        "closed_at": planned.closed_at,
        "closed_automatically": planned.closed_automatically,
        "satisfaction": planned.satisfaction,
        "satisfaction_comment": planned.satisfaction_comment,
        "management_notified_at": notified,
        "users_informed_at": notified + MINUTE if notified else None,
    }


def _steps(planned: _Planned, directory: _Directory) -> list[tuple[datetime.datetime, str]]:
    """The steps taken after recording that change the incident (each makes a version), in order: (moment, step)."""
    steps = []
    if planned.serious:
        notified = _notified_at(planned)
        steps += [(notified, "notify"), (notified + MINUTE, "inform")]
    if planned.classified_at:
        steps.append((planned.classified_at, "classify"))
    if planned.escalated_at and planned.topic.group in directory.groups:
        steps.append((planned.escalated_at, "escalate"))
        if planned.acknowledged_at:
            steps.append((planned.acknowledged_at, "acknowledge"))
            if planned.topic.group in directory.members:
                steps.append((planned.acknowledged_at + MINUTE, "assign"))
    if planned.first_resolved_at and planned.reopened_at:
        steps += [(planned.first_resolved_at, "resolve"), (planned.reopened_at, "reopen")]
    if planned.awaiting_since:
        steps.append((planned.awaiting_since, "await_caller"))
    if planned.resolved_at:
        steps.append((planned.resolved_at, "resolve"))
    if planned.confirmed_at:
        steps.append((planned.confirmed_at, "confirm"))
    if planned.closed_at:
        steps.append((planned.closed_at, "close"))
    return sorted(steps, key=lambda step: step[0])


def _notified_at(planned: _Planned) -> datetime.datetime:
    return planned.recorded_at + 4 * MINUTE


def _step_entries(planned: _Planned, operator: AbstractBaseUser, directory: _Directory) -> list[Activity]:
    """The journal entries of the steps, as ``incidents.lifecycle`` writes them, with the version each made."""
    entries = []
    for number, (moment, step) in enumerate(_steps(planned, directory), start=1):
        kind, author_id, text, data = _step_entry(planned, step, moment, operator.pk, directory)
        entries.append(
            Activity(
                incident=planned.incident,
                kind=kind,
                author_id=author_id,
                created_at=moment,
                text=text,
                # The resolution is written for the caller, and what the caller said is theirs to see.
                visibility=Visibility.CUSTOMER if step in CUSTOMER_STEPS else Visibility.INTERNAL,
                data=data,
                incident_version=1 + number + sum(1 for call in planned.added if call[0] <= moment),
            )
        )
    return entries


def _step_entry(
    planned: _Planned, step: str, moment: datetime.datetime, operator_id: int, directory: _Directory
) -> tuple[str, int | None, str, dict[str, object]]:
    """Kind, author, text and details of one step's entry. Groups without a demo member act without one."""
    incident, topic = planned.incident, planned.topic
    category = _path_label(topic.category, directory)
    group = topic.group if planned.escalated_at and topic.group in directory.groups else None
    member = directory.members.get(topic.group) if group else None
    worker_id = member[0] if member else None
    if step in story.STEPS:
        return story.step_entry(planned, step, moment, operator_id=operator_id, worker_id=worker_id)
    if step == "classify":
        return ActivityKind.STATE_CHANGED, operator_id, "", {
            "step": step, "state": ["recorded", "classified"], "category": [None, category],
            "priority": [incident.priority, incident.priority],
        }  # fmt: skip
    if step == "escalate":
        return ActivityKind.ESCALATED, operator_id, _("Beyond what the desk can fix at first line."), {
            "step": step, "state": ["classified", "investigating"], "assigned_group": [None, group],
            "tier": [None, directory.tiers.get(group)],
        }  # fmt: skip
    if step == "acknowledge":
        return ActivityKind.ACKNOWLEDGED, worker_id, "", {"acknowledged_at": [None, moment.isoformat()], "group": group}
    if step == "assign":
        return ActivityKind.ASSIGNED, worker_id, "", {"assignee": [None, member[1] if member else None]}
    if step == "resolve":
        master = planned.master.incident if planned.master and planned.master.resolved_at else None
        name = "resolve_with_master" if master else "resolve" if group else "resolve_at_first_line"
        data: dict[str, object] = {
            "step": name,
            "state": ["investigating" if group else "classified", "resolved"],
            "resolution_code": ["", planned.resolution_code],
        }
        if master is not None:
            data["master"] = master.number
        if planned.known_error:
            data["known_error"] = [None, planned.known_error[1]]
        return (
            ActivityKind.STATE_CHANGED,
            worker_id if name == "resolve" else operator_id,
            planned.resolution_notes,
            data,
        )
    automatic = planned.closed_automatically
    root_cause = _path_label(_root_cause(planned), directory)
    data = {
        "step": step, "via": "automatic" if automatic else "desk", "state": ["resolved", "closed"],
        "root_cause_category": [None, root_cause],
        "closed_at": [None, moment.isoformat()], "time_spent_minutes": 0,
    }  # fmt: skip
    if planned.satisfaction and not planned.confirmed_at:  # else the caller's rating, kept
        data["satisfaction"] = [None, planned.satisfaction]
    if automatic:
        text = _("Closed automatically: the caller did not reject the fix within %(days)s days.") % {
            "days": AUTO_CLOSE_DAYS
        }
        return ActivityKind.STATE_CHANGED, None, text, data
    return ActivityKind.STATE_CHANGED, operator_id, planned.satisfaction_comment, data


def _root_cause(planned: _Planned) -> tuple[str, ...] | None:
    """The desk's finding; automatic closure takes the classification category (``incidents.lifecycle``)."""
    category = planned.topic.category
    return category if planned.closed_automatically else planned.topic.root_cause or category


def _path_label(path: tuple[str, ...] | None, directory: _Directory) -> str | None:
    return " / ".join(path) if path and path in directory.categories else None
