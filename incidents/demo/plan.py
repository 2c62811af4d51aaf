"""The plan of the demo's incidents: who calls about what and when, and how far each has come in its lifecycle,
seeded and relative to now, before anything is written."""

from __future__ import annotations

import datetime
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from cmdb.choices import CIClass, CIStatus, RelationshipKind
from cmdb.demo import DOMAIN
from cmdb.models import ConfigurationItem, Contact, Location, Relationship, Service, SupportGroup
from incidents.choices import OPEN_STATES, Channel, ResolutionCode, State
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
from incidents.models import Incident, RootCause
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


@dataclass(frozen=True)
class Caller:
    id: int
    name: str
    workplace_id: int | None
    department: str
    city: str
    floor: str
    own: dict[str, str]  # "printer", "switch", "device", "phone": CI names


@dataclass
class Planned:
    topic: Topic
    caller: Caller
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
    master: Planned | None = None
    added: list[tuple[datetime.datetime, str, int, Caller]] = field(default_factory=list)
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


class Directory:
    """The CMDB demo's callers (with their floor's printer and switch, their device and phone), and the ids
    of the services, CIs and groups that the topics name."""

    def __init__(
        self,
        callers: list[Caller],
        services: dict[str, int],
        cis: dict[str, int],
        groups: dict[str, int],
        categories: dict[tuple[str, ...], int] | None = None,
        tiers: dict[str, int] | None = None,
        members: dict[str, tuple[int, str]] | None = None,
        known_errors: dict[int, tuple[int, str, str]] | None = None,
        root_causes: dict[str, int] | None = None,
    ) -> None:
        self.callers, self.services, self.cis, self.groups = callers, services, cis, groups
        self.categories = categories or {}  # path in the tree -> id
        self.tiers = tiers or {}  # group -> tier
        self.members = members or {}  # group -> (id, name) of its first member
        self.known_errors = known_errors or {}  # category id -> (id, number, workaround) of a published one
        self.root_causes = root_causes or {}  # name -> id of the causes the desk finds

    @classmethod
    def fetch(cls) -> Directory:
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
                Caller(
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
            category_paths(),
            dict(groups.values_list("name", "tier")),
            members,
            known_errors,
            dict(RootCause.objects.filter(active=True).values_list("name", "id")),
        )

    def callers_for(self, topic: Topic, city: str = "", floor: str = "") -> list[Caller]:
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

    def ci_names(self, topic: Topic, caller: Caller) -> list[str]:
        names = [caller.own.get(OWN_CIS[name], "") if name in OWN_CIS else name for name in topic.cis]
        return [name for name in dict.fromkeys(names) if name in self.cis]


# --- the plan ------------------------------------------------------------------------------------------


class Planner:
    """Every incident, call and date, relative to ``now``; the same on every run at the same moment."""

    def __init__(self, now: datetime.datetime, directory: Directory) -> None:
        self.now, self.directory = now, directory
        self.today = timezone.localdate(now)
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not security
        # The lifecycle steps draw from their own generator, so that the calls stay what they were.
        self.steps_rng = random.Random(SEED + 1)  # noqa: S311 - demo data, not security
        self.topics = {topic.key: topic for topic in TOPICS}

    def plan(self) -> list[Planned]:
        day_to_day = self._day_to_day()
        clusters = [planned for cluster in CLUSTERS for planned in self._cluster(cluster)]
        self._states(day_to_day)
        self._second_calls([p for p in day_to_day if p.state in OPEN_STATES])
        plan = sorted(day_to_day + clusters, key=lambda p: p.reported_at)
        for planned in plan:
            self._finish(planned)
        for planned in plan:
            if planned.master is not None:  # a master counts everyone the outage affects (decision record 0013)
                planned.master.affected_users += planned.affected_users
        story.plan_story(plan, self.now, self.directory, self.steps_rng)
        return plan

    def _day_to_day(self) -> list[Planned]:
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

    def _cluster(self, cluster: Cluster) -> list[Planned]:
        topic = self.topics[cluster.topic]
        start = self._at(self._start_day(cluster), cluster.time.hour, cluster.time.minute)
        # Each call, and each call added to one, from another caller (one caller twice only in a tiny CMDB).
        pool = self.directory.callers_for(topic, cluster.city, cluster.floor)
        needed = len(cluster.calls) + sum(len(call.added) for call in cluster.calls)
        callers = itertools.cycle(self.rng.sample(pool, k=min(needed, len(pool))))
        master: Planned | None = None
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
        caller: Caller,
        reported_at: datetime.datetime,
        summary: str,
        symptoms: str,
        impact: int,
        urgency: int,
        *,
        channel: str | None = None,
        state: str = State.CLOSED,
    ) -> Planned:
        rng = self.rng
        if channel is None:
            channels = LIFECYCLE.channels
            channel = rng.choices(list(channels), list(channels.values()))[0]
            channel = Channel.PHONE if channel == Channel.WALK_IN and caller.city != LIFECYCLE.desk_city else channel
        quick = channel in (Channel.EMAIL, Channel.CHAT)
        logging_seconds = rng.randint(241, 540) if rng.random() < 0.08 else rng.randint(40, 150 if quick else 240)
        before = 0 if rng.random() < 0.3 else rng.randint(2, 120)
        text = {"floor": caller.floor, "city": caller.city}
        return Planned(
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

    def _states(self, plan: list[Planned]) -> None:
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

    def _second_calls(self, open_incidents: list[Planned]) -> None:
        for planned in self.rng.sample(open_incidents, k=min(ADDED_CALLS, len(open_incidents))):
            caller = self.rng.choice(self.directory.callers_for(planned.topic))
            moment = planned.recorded_at + self.rng.randint(20, 300) * MINUTE
            text = self.rng.choice(planned.topic.symptoms).format(floor=caller.floor, city=caller.city)
            planned.added.append((moment, text, 1, caller))

    def _finish(self, planned: Planned) -> None:
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
        self, planned: Planned, resolved_at: datetime.datetime | None, closed_at: datetime.datetime | None
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
        if planned.serious:  # the notices go out first: no step before them (incidents.lifecycle.notices)
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


def category_paths() -> dict[tuple[str, ...], int]:
    rows = {pk: (name, parent) for pk, name, parent in Category.objects.values_list("id", "name", "parent")}

    def path(pk: int) -> tuple[str, ...]:
        name, parent = rows[pk]
        return (*path(parent), name) if parent is not None else (name,)

    return {path(pk): pk for pk in rows}
