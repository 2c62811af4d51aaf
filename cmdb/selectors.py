"""Page-shaped reads of the CMDB: each owns its joins, prefetches and counts, so templates never query."""

from __future__ import annotations

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import models
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from cmdb.models import Change, ConfigurationItem, Contact, Location, Relationship, Service, SupportGroup

SEARCH_LIMIT = 10


def ci_list() -> QuerySet[ConfigurationItem]:
    return ConfigurationItem.objects.select_related("location", "owner_group").order_by("name", "id")


RELATIONSHIPS_SHOWN = 50


def ci_detail() -> QuerySet[ConfigurationItem]:
    """The CI with the first ``RELATIONSHIPS_SHOWN`` relationships each way and how many there are: a core
    switch has thousands of CIs relying on it, which ``ci_relationships`` pages through."""
    return (
        ConfigurationItem.objects.select_related("location", "owner_group")
        .annotate(outgoing_count=_count(Relationship, "source"), incoming_count=_count(Relationship, "target"))
        .prefetch_related(
            Prefetch("outgoing", ci_relationships("outgoing")[:RELATIONSHIPS_SHOWN], to_attr="outgoing_shown"),
            Prefetch("incoming", ci_relationships("incoming")[:RELATIONSHIPS_SHOWN], to_attr="incoming_shown"),
        )
    )


def ci_relationships(direction: str, ci: ConfigurationItem | None = None) -> QuerySet[Relationship]:
    """A CI's relationships one way, with the CI at the other end: ``outgoing`` (what it relies on) or
    ``incoming`` (what relies on it); of every CI when ``ci`` is ``None`` (for a prefetch)."""
    other = "target" if direction == "outgoing" else "source"
    rows = Relationship.objects.select_related(other).order_by("kind", f"{other}__name", "pk")
    if ci is not None:
        rows = rows.filter(**{"source" if direction == "outgoing" else "target": ci})
    return rows


def service_list() -> QuerySet[Service]:
    return Service.objects.select_related("owner_group").annotate(ci_count=Count("cis")).order_by("name", "id")


def service_detail() -> QuerySet[Service]:
    return Service.objects.select_related("owner_group")


def contact_list() -> QuerySet[Contact]:
    return Contact.objects.select_related("workplace").order_by("last_name", "first_name", "id")


def contact_detail() -> QuerySet[Contact]:
    return Contact.objects.select_related("workplace__parent__parent__parent", "user")


def location_list() -> QuerySet[Location]:
    return (
        Location.objects.select_related("parent")
        .annotate(contact_count=_count(Contact, "workplace"), ci_count=_count(ConfigurationItem, "location"))
        .order_by("name", "id")
    )


def location_detail() -> QuerySet[Location]:
    return Location.objects.select_related("parent__parent__parent").prefetch_related(
        Prefetch("children", queryset=Location.objects.order_by("name"))
    )


def supportgroup_list() -> QuerySet[SupportGroup]:
    return (
        SupportGroup.objects.select_related("manager")
        .annotate(
            member_count=_count(SupportGroup.members.through, "supportgroup"),
            ci_count=_count(ConfigurationItem, "owner_group"),
        )
        .order_by("tier", "name", "id")
    )


def groups_of(user: models.Model) -> QuerySet[SupportGroup]:
    """The user's own support groups, by name (the queue's group filter; whom a saved filter may be shared with)."""
    return user.support_groups.order_by("name")


def supportgroup_detail() -> QuerySet[SupportGroup]:
    return SupportGroup.objects.select_related("manager").prefetch_related("members", "services")


def change_list() -> QuerySet[Change]:
    return Change.objects.annotate(ci_count=Count("cis")).order_by("-planned_start", "-id")


def change_detail() -> QuerySet[Change]:
    return Change.objects.prefetch_related(Prefetch("cis", queryset=ConfigurationItem.objects.order_by("name")))


def contact_search(*, text: str, limit: int = SEARCH_LIMIT) -> list[Contact]:
    """Active callers for the call-logging form: by name (typos forgiven), e-mail or phone digits."""
    words = text.split()[:5]
    if not words:
        return []
    queryset = Contact.objects.filter(active=True).select_related("workplace")
    similarity = []
    for word in words:
        digits = "".join(ch for ch in word if ch.isdigit())
        if len(digits) >= 3 and len(digits) >= len(word) - 2:
            queryset = queryset.filter(phone_digits__contains=digits)
            continue
        condition = (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(last_name__trigram_word_similar=word)
            | Q(first_name__trigram_word_similar=word)
        )
        queryset = queryset.filter(condition)
        similarity += [TrigramWordSimilarity(word, "last_name"), TrigramWordSimilarity(word, "first_name")]
    if similarity:
        score = Greatest(*similarity) if len(similarity) > 1 else similarity[0]
        queryset = queryset.annotate(score=score).order_by("-score", "-vip", "last_name", "first_name")
    else:
        queryset = queryset.order_by("-vip", "last_name", "first_name")
    return list(queryset[:limit])


def service_search(*, text: str, limit: int = SEARCH_LIMIT) -> list[Service]:
    """Services whose name holds the text, those it begins first: the pickers of the lists' filters, where a
    select of every service cost a thousand options on every page."""
    text = text.strip()
    if not text:
        return []
    return list(
        Service.objects.filter(name__icontains=text)
        .annotate(starts=Q(name__istartswith=text))
        .order_by("-starts", "-active", "name")[:limit]
    )


def location_search(*, text: str, limit: int = SEARCH_LIMIT) -> list[Location]:
    """Locations whose name holds the text, those it begins first, each with the places it is part of: the
    pickers of the logging form, where a select listed every room, and "Floor 2" stood for a floor of each
    building."""
    text = text.strip()
    if not text:
        return []
    return list(
        Location.objects.filter(name__icontains=text)
        .select_related("parent__parent__parent")
        .annotate(starts=Q(name__istartswith=text))
        .order_by("-starts", "name", "id")[:limit]
    )


def ci_search(*, text: str, limit: int = SEARCH_LIMIT) -> list[ConfigurationItem]:
    """CIs by name (typos forgiven), serial number or asset tag; exact identifiers first."""
    text = text.strip()
    if not text:
        return []
    exact = Q(serial_number__iexact=text) | Q(asset_tag__iexact=text) | Q(name__iexact=text)
    queryset = (
        ConfigurationItem.objects.filter(
            exact | Q(name__icontains=text) | Q(serial_number__istartswith=text) | Q(name__trigram_word_similar=text)
        )
        .select_related("location")
        .annotate(score=TrigramWordSimilarity(text, "name"))
        .order_by("-score", "name")
    )
    return list(queryset[:limit])


def _count(model: type, field: str) -> Coalesce:
    """How many ``model`` rows point at the row, as a subquery: two counts joined in one query would
    multiply each other's rows (a location with 500 callers and 300 CIs is 150,000 rows to group)."""
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk"))
    return Coalesce(Subquery(rows.values("n")), 0)


def by_name[M: models.Model](queryset: QuerySet[M], name: str) -> M | None:
    """The record of exactly this name, else the only one of this name in another case; ``None`` when there
    is none or several in other cases (names are unique only with their case: "vm-042" and "VM-042")."""
    if not name:
        return None
    exact = queryset.filter(name=name).first()
    if exact is not None:
        return exact
    matches = list(queryset.filter(name__iexact=name)[:2])
    return matches[0] if len(matches) == 1 else None


def ci_by_name(name: str) -> ConfigurationItem | None:
    return by_name(ConfigurationItem.objects.all(), name)
