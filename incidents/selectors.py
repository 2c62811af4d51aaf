"""Page-shaped reads of incidents."""

from __future__ import annotations

import functools

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery, Sum, prefetch_related_objects
from django.db.models.functions import Coalesce

from cmdb.models import ConfigurationItem
from incidents.choices import ReevaluationOutcome
from incidents.models import Activity, Attachment, Incident, PriorityRule, Reevaluation
from incidents.priority import Matrix
from knowledge.models import Category
from servicedesk.compiled import CompiledPrefetches, CompiledRelation, put_prefetched


def priority_matrix() -> Matrix:
    """The desk's matrix as configured (nine rows)."""
    return {(rule.impact, rule.urgency): rule.priority for rule in PriorityRule.objects.all()}


def incident_list() -> QuerySet[Incident]:
    """Incidents as the lists, the queue and the desk's work list show them, newest first. The relations a row
    shows are read by id for the page's rows (decision record 0040): joined, PostgreSQL joined every incident of a
    queue's tab before sorting it, and took up to 10 ms to plan the six tables (48 against 21 ms a queue page at a
    million incidents, measured)."""
    return LIST_ROWS.queryset().defer("search_vector", "symptoms").order_by("-reported_at", "-id")


# What a row of a list shows besides the incident. Of the master it shows the number; django-fsm reads the state of
# every incident loaded, so that comes too.
LIST_BY_ID = ("caller", "service", "assigned_group", "assignee")
# Each read by a statement built once a process (decision record 0070).
LIST_ROWS = CompiledPrefetches(
    Incident, *LIST_BY_ID, Prefetch("parent", queryset=Incident.objects.only("id", "number", "state"))
)


def incident_detail() -> QuerySet[Incident]:
    """The incident as its page shows it, in small statements (decision record 0040): the incident with the four
    relations every page shows and nearly every incident has (caller, service, desk owner, group: five tables,
    about 1 ms to plan where the eighteen of one join took 10-25), then each other relation read by its id in a
    statement of its own, none when it is empty. The lifecycle's permission rules read the group's members, the
    pending re-evaluations and the subordinates: prefetched, they cost no query per rule. Most incidents have no
    re-evaluation waiting and no subordinate: the incident's statement says whether they have, and
    ``with_waiting_and_subordinates`` reads them only then. The journal is read a page at a time
    (``incidents.journal.paging``), the resolution's relations by the panel that shows them (``with_resolution``)."""
    return (
        Incident.objects.defer("search_vector")
        .select_related(*PAGE_JOINED)
        .prefetch_related(
            *PAGE_BY_ID,
            Prefetch("category", queryset=categories_with_path()),
            Prefetch("parent", queryset=Incident.objects.defer("search_vector", "symptoms")),
            # The permission rules compare the members with the user by id.
            Prefetch("assigned_group__members", queryset=get_user_model().objects.only("id").order_by("pk")),
            # The page names and links them; the review and the changes around the call need their ids.
            Prefetch("cis", queryset=ConfigurationItem.objects.only("id", "name").order_by("name")),
        )
        .annotate(
            minutes_spent_total=minutes_spent_total(),
            reevaluation_waits=Exists(pending_reevaluations().filter(incident=OuterRef("pk"))),
            has_subordinates=Exists(Incident.objects.filter(parent=OuterRef("pk"))),
        )
    )


def with_waiting_and_subordinates(incident: Incident) -> Incident:
    """``incident``, loaded by ``incident_detail()``, with its pending re-evaluations (``pending_reevaluations``, the
    latest first) and its subordinates (``subordinates_listed``) in place: each read in a statement of its own only
    when the incident's statement found some, else set empty without one."""
    if incident.reevaluation_waits:
        prefetch_related_objects(
            [incident], Prefetch("reevaluations", queryset=pending_reevaluations(), to_attr="pending_reevaluations")
        )
    else:
        incident.pending_reevaluations = []
    if incident.has_subordinates:
        prefetch_related_objects([incident], Prefetch("subordinates", queryset=subordinates_listed()))
    else:
        # None to read: without the prefetch's building of a statement it would not run (1.6 ms of processor time).
        put_prefetched(incident, _SUBORDINATES_CACHE, Incident.objects.none())
    return incident


_SUBORDINATES_CACHE = Incident._meta.get_field("subordinates").cache_name


def pending_reevaluations() -> QuerySet[Reevaluation]:
    """Re-evaluations not yet decided, with who asked for them."""
    return Reevaluation.objects.filter(outcome=ReevaluationOutcome.PENDING).select_related("requested_by")


def incident_facts() -> QuerySet[Incident]:
    """An incident with the relations of its facts: three joins, the rest read by id when set (decision record
    0040): the thirteen tables of one join took longer to plan than to run."""
    return (
        Incident.objects.defer("search_vector")
        .select_related("caller", "service", "assigned_group")
        .prefetch_related(
            "location",
            "assignee",
            Prefetch("category", queryset=categories_with_path()),
            Prefetch("cis", queryset=ConfigurationItem.objects.only("id", "name").order_by("name")),
        )
    )


def incident_for_print() -> QuerySet[Incident]:
    """An incident as its print view shows it: its facts and its master's number, and no more."""
    return incident_facts().prefetch_related(
        Prefetch("parent", queryset=Incident.objects.only("id", "number", "state"))
    )


def subordinates_listed() -> QuerySet[Incident]:
    """Subordinates as the incident page lists them and its panels count them (the open ones, their callers as
    people to keep informed): a few columns of each, and its caller."""
    return Incident.objects.only("id", "number", "state", "short_description", "parent_id", "caller").select_related(
        "caller"
    )


# Joined to the incident on its page: shown on every page and set on nearly every incident.
PAGE_JOINED = ("caller", "service", "desk_owner", "assigned_group")
# Read by id after the incident, each only when set (``category`` and ``parent`` have querysets of their own).
PAGE_BY_ID = ("location", "assignee", "service_level")
# The resolution panel's relations, read when it shows: once the incident was resolved or closed.
RESOLUTION_RELATIONS = ("known_error", "change", "problem")


def with_resolution(incident: Incident) -> Incident:
    """``incident`` with what its resolution panel shows loaded in place, once it was resolved or closed (as the
    panel shows): the known error, change and problem it is linked to and, once closed, the category at closure,
    each in a statement of its own when set. Before that, nothing is read."""
    if incident.resolved_at is None and incident.closed_at is None:
        return incident
    resolution, closure = _resolution_relations()
    for relation in resolution if incident.closed_at is None else (*resolution, closure):
        relation.read(incident)
    return incident


@functools.cache
def _resolution_relations() -> tuple[tuple[CompiledRelation, ...], CompiledRelation]:
    """The resolution panel's relations, each read by a statement built once a process (``CompiledRelation``), and
    the category at closure's."""
    closure = Prefetch("root_cause_category", queryset=categories_with_path())
    relations = tuple(CompiledRelation.of(Incident, lookup) for lookup in (*RESOLUTION_RELATIONS, closure))
    if not all(isinstance(relation, CompiledRelation) for relation in relations):
        raise TypeError("The resolution's relations are foreign keys of the incident.")
    return relations[:-1], relations[-1]  # type: ignore[return-value]


def categories_with_path() -> QuerySet[Category]:
    """Categories with the two levels above them, for ``path_label`` (three levels, as the tree is in practice)."""
    return Category.objects.select_related("parent__parent")


def incident_for_api() -> QuerySet[Incident]:
    """An incident as the API gives it whole (``incidents.api``): the relations its answer names and the page's
    prefetches, with five joins where the page's ``incident_detail`` had eighteen (it has four now). Planning a
    statement of eighteen joins takes PostgreSQL 13 ms and running it under 1; five take 1.5 ms, and each relation
    read by id afterwards (none when it is empty) well under 1 (bench/README.md, the API)."""
    return (
        Incident.objects.defer("search_vector", "parent__search_vector", "parent__symptoms")
        .select_related("caller", "service", "assigned_group", "assignee", "parent")
        .prefetch_related(
            *("location", "desk_owner", "category", "service_level", "known_error", "change", "problem"),
            Prefetch("assigned_group__members", queryset=get_user_model().objects.order_by("pk")),
            Prefetch("cis", queryset=ConfigurationItem.objects.order_by("name")),
            Prefetch("journal", queryset=journal_entries()),
            Prefetch("subordinates", queryset=Incident.objects.only("id", "number", "state", "parent_id")),
        )
        .annotate(minutes_spent_total=minutes_spent_total())
    )


def journal_entries() -> QuerySet[Activity]:
    """An incident's journal as the timeline shows it: authors and attachments loaded, oldest first."""
    return (
        Activity.objects.select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")))
        .order_by("created_at", "id")
    )


def minutes_spent_total() -> Coalesce:
    """The time spent on an incident, summed over its journal, as an annotation (``minutes_spent_total``)."""
    total = (
        Activity.objects.filter(incident=OuterRef("pk"))
        .order_by()
        .values("incident")
        .annotate(total=Sum("minutes_spent"))
        .values("total")
    )
    return Coalesce(Subquery(total), 0)


def incident_for_step() -> QuerySet[Incident]:
    """An incident as a step's page needs it: its facts (the details form shows the service and location by name),
    its lifecycle relations and its group's members."""
    return incident_facts().prefetch_related(
        *RESOLUTION_RELATIONS,
        Prefetch("root_cause_category", queryset=categories_with_path()),
        Prefetch("assigned_group__members", queryset=get_user_model().objects.order_by("pk")),
    )
