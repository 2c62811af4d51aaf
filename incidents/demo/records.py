"""The incidents demo's records, read from ``incidents/demo/data/*.toml``: the shape of each file, then the files.

Topic keys, category paths, services and groups are checked against the files (and the CMDB and knowledge
demos' files) when they are read; CIs are looked up when loading, and skipped when the CMDB does not hold them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from django.core.exceptions import ValidationError

from cmdb.demo.records import ORGANISATION, SERVICES
from incidents.canned.placeholders import check_placeholders
from incidents.choices import Channel, Impact, ResolutionCode, State, Urgency
from knowledge.demo.records import CATEGORIES
from servicedesk.demo_data import DemoDataError, read_demo_data, show

DATA = Path(__file__).parent / "data"

# In a topic's CIs: the caller's own printer, laptop or workstation, desk phone, and their floor's switch.
PRINTER, DEVICE, PHONE, SWITCH = "<printer>", "<device>", "<phone>", "<switch>"


@dataclass(frozen=True)
class Topic:
    """A kind of call: what it is about (service, CIs, the group that would take it) and how callers put it."""

    key: str
    weight: int  # how often it comes up among the day-to-day calls
    cis: tuple[str, ...]
    group: str
    impact: Impact
    urgency: Urgency
    category: tuple[str, ...]  # what the desk classifies it under
    summaries: tuple[str, ...]
    symptoms: tuple[str, ...]
    service: str | None = None
    root_cause: tuple[str, ...] | None = None  # the category at closure, when not the one it was classified under
    cause: str = "Not found"  # the root cause the desk finds (incidents.models.closure.RootCause)
    departments: tuple[str, ...] = ()  # callers from these departments (anyone when empty)
    cities: tuple[str, ...] = ()  # callers working there (anywhere when empty)
    affected: tuple[int, int] = (1, 1)


@dataclass(frozen=True)
class AddedCall:
    minutes: int  # after the cluster began
    text: str
    users: int


@dataclass(frozen=True)
class Call:
    """One call of a cluster: minutes after the cluster began, in the caller's words; later calls added to it."""

    minutes: int
    summary: str
    symptoms: str
    state: State
    channel: Channel = Channel.PHONE
    added: tuple[AddedCall, ...] = ()
    users: int = 1  # affected users when recorded


@dataclass(frozen=True)
class Cluster:
    """Similar calls within hours: the same service and CIs, similar words (see clusters.toml)."""

    topic: str
    start: Literal["this morning", "month end", "payroll day"] | int
    time: datetime.time
    impact: Impact
    urgency: Urgency
    calls: tuple[Call, ...]
    master: bool = False
    serious: bool = False
    city: str = ""  # callers working there only
    floor: str = ""  # and on this floor


@dataclass(frozen=True)
class Lifecycle:
    """How the calls were handled (relative weights), and the words of the story."""

    channels: dict[Channel, int]
    desk_city: str
    first_line_codes: dict[ResolutionCode, int]
    group_codes: dict[ResolutionCode, int]
    resolution_notes: dict[ResolutionCode, tuple[str, ...]]
    satisfaction: dict[int, int]
    satisfaction_comments: tuple[str, ...]
    confirm_ratings: tuple[int, ...]
    confirm_comments: tuple[str, ...]
    reopen_reason: str
    awaiting_reasons: tuple[str, ...]
    reevaluation_reason: str


@dataclass(frozen=True)
class ServiceLevelRecord:
    """A service level of its own calendar, open every hour of every day, covering these services."""

    name: str
    description: str
    calendar: str
    services: tuple[str, ...]
    targets: tuple[tuple[int, int, int], ...]  # (priority, response minutes, resolution minutes)


@dataclass(frozen=True)
class CannedReplyRecord:
    """A canned reply: desk-wide when ``group`` is empty, else that support group's."""

    title: str
    group: str
    body: str


@dataclass(frozen=True)
class IncidentTemplateRecord:
    """An incident template; ``service`` empty and ``category`` empty: none."""

    name: str
    short_description: str
    symptoms: str
    service: str
    category: tuple[str, ...]
    impact: Impact
    urgency: Urgency


@dataclass(frozen=True)
class _IncidentTemplates:
    templates: tuple[IncidentTemplateRecord, ...]


@dataclass(frozen=True)
class _CannedReplies:
    replies: tuple[CannedReplyRecord, ...]


@dataclass(frozen=True)
class _ServiceLevels:
    service_levels: tuple[ServiceLevelRecord, ...]


@dataclass(frozen=True)
class _Topics:
    always_open: tuple[str, ...]
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class _Clusters:
    clusters: tuple[Cluster, ...]


_TOPICS = read_demo_data(DATA / "topics.toml", _Topics)
TOPICS = _TOPICS.topics
OPEN_TOPICS = _TOPICS.always_open  # always with an open incident, for the similar-incident panel to show
CLUSTERS = read_demo_data(DATA / "clusters.toml", _Clusters).clusters
LIFECYCLE = read_demo_data(DATA / "lifecycle.toml", Lifecycle)
SERVICE_LEVELS = read_demo_data(DATA / "service_levels.toml", _ServiceLevels).service_levels
CANNED_REPLIES = read_demo_data(DATA / "canned_replies.toml", _CannedReplies).replies
INCIDENT_TEMPLATES = read_demo_data(DATA / "incident_templates.toml", _IncidentTemplates).templates


def _check() -> None:
    """Every topic, category, service and group a file names is one the demo's files define."""
    known = {
        "topic": {topic.key for topic in TOPICS},
        "category": {category.path for category in CATEGORIES},
        "service": {service.name for service in SERVICES.services},
        "support group": {group.name for group in ORGANISATION.groups},
        "placeholder": {PRINTER, DEVICE, PHONE, SWITCH},
    }

    def expect(file: str, where: str, what: str, names: Iterable) -> None:
        for name in names:
            if name not in known[what]:
                raise DemoDataError(DATA / file, where, f"no {what} {show(name)}")

    expect("topics.toml", "always_open", "topic", OPEN_TOPICS)
    for n, topic in enumerate(TOPICS):
        where = f'topics[{n}] ("{topic.key}")'
        expect("topics.toml", f"{where}.category", "category", [topic.category])
        expect("topics.toml", f"{where}.root_cause", "category", [topic.root_cause] if topic.root_cause else [])
        expect("topics.toml", f"{where}.service", "service", [topic.service] if topic.service else [])
        expect("topics.toml", f"{where}.group", "support group", [topic.group])
        expect("topics.toml", f"{where}.cis", "placeholder", [name for name in topic.cis if name.startswith("<")])
    if len(known["topic"]) < len(TOPICS):
        raise DemoDataError(DATA / "topics.toml", "topics", "two topics have the same key")
    for n, cluster in enumerate(CLUSTERS):
        expect("clusters.toml", f"clusters[{n}].topic", "topic", [cluster.topic])
    for n, level in enumerate(SERVICE_LEVELS):
        expect("service_levels.toml", f"service_levels[{n}].services", "service", level.services)
    for n, reply in enumerate(CANNED_REPLIES):
        expect("canned_replies.toml", f"replies[{n}].group", "support group", [reply.group] if reply.group else [])
        try:
            check_placeholders(reply.body)
        except ValidationError as error:
            raise DemoDataError(DATA / "canned_replies.toml", f"replies[{n}].body", error.messages[0]) from error

    for n, record in enumerate(INCIDENT_TEMPLATES):
        where = f"templates[{n}]"
        expect("incident_templates.toml", f"{where}.service", "service", [record.service] if record.service else [])
        expect("incident_templates.toml", f"{where}.category", "category", [record.category] if record.category else [])


_check()
