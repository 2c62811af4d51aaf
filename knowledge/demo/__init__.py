"""The knowledge-base part of the demo data (``serve --demo``): what Kestrel Logistics' desk knows.

The records are in ``knowledge/demo/data/`` (TOML, articles in Markdown), read by ``records``; this loads them,
creating only what is missing, dated relative to now (docs/decisions/0015-demo-data-as-data.md).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from cmdb.models import ConfigurationItem, Service, SupportGroup
from knowledge.choices import ArticleStatus
from knowledge.demo.records import (
    ARTICLES,
    KNOWN_ERRORS,
    PROBLEMS,
    CategoryPath,
    KnownErrorSpec,
    ProblemSpec,
    category_rows,
)
from knowledge.models import Article, Category, KnownError, Problem
from knowledge.vectors import known_errors_embed

__all__ = ["ARTICLES", "KNOWN_ERRORS", "PROBLEMS", "category_rows", "load_knowledge_demo"]

PUBLISHER = "support"
AUTHORS = ("operator", "support")

DAY, HOUR = datetime.timedelta(days=1), datetime.timedelta(hours=1)


@transaction.atomic
def load_knowledge_demo() -> None:
    """Load the knowledge-base demo; categories are found by (parent, name), problems, known errors and articles
    by title, and only missing rows and links are created, in bulk. Dates are set relative to now on creation;
    on every load ``last_used_at`` moves forward to the same distance from now, so that a demo restarted weeks
    later still shows workarounds used in the last days."""
    now = timezone.now()
    users = {user.username: user for user in get_user_model().objects.filter(username__in=AUTHORS)}
    categories = _load_categories()
    lookups = _Lookups.fetch()
    problems = _load_problems(now, categories, lookups)
    _load_known_errors(now, categories, lookups, problems, users.get(PUBLISHER))
    # The demo's known errors are matched by meaning from the first call on: their vectors now, not by a worker.
    known_errors_embed()
    _load_articles(now, categories, lookups, users)


class _Lookups:
    """Ids of the CMDB demo's services, CIs and groups that the data names; missing names are absent."""

    def __init__(self, services: dict[str, int], cis: dict[str, int], groups: dict[str, int]) -> None:
        self.services, self.cis, self.groups = services, cis, groups

    @classmethod
    def fetch(cls) -> _Lookups:
        service_names = {name for spec in (*PROBLEMS, *KNOWN_ERRORS, *ARTICLES) for name in spec.services}
        ci_names = {name for spec in (*PROBLEMS, *KNOWN_ERRORS) for name in spec.cis}
        group_names = {spec.owner_group for spec in PROBLEMS}
        return cls(
            dict(Service.objects.filter(name__in=service_names).values_list("name", "id")),
            dict(ConfigurationItem.objects.filter(name__in=ci_names).values_list("name", "id")),
            dict(SupportGroup.objects.filter(name__in=group_names).values_list("name", "id")),
        )

    def service_ids(self, names: Iterable[str]) -> list[int]:
        return [self.services[name] for name in names if name in self.services]

    def ci_ids(self, names: Iterable[str]) -> list[int]:
        return [self.cis[name] for name in names if name in self.cis]


def _at(now: datetime.datetime, days: int, index: int) -> datetime.datetime:
    """A moment ``days`` ago during office hours, varied by ``index`` so that rows do not share a timestamp."""
    moment = (now - days * DAY).replace(hour=8 + index % 9, minute=(index * 17) % 60, second=0, microsecond=0)
    return min(moment, now - (1 + index % 5) * HOUR)


def _by_title(model: type[models.Model], titles: list[str]) -> dict[str, Any]:
    """Existing rows by title; of duplicate titles the oldest wins."""
    return {row.title: row for row in model.objects.filter(title__in=titles).order_by("-id")}  # type: ignore[attr-defined]


def _link(field_owner: type[models.Model], field_name: str, pairs: Iterable[tuple[int, int]]) -> None:
    """Add many-to-many links that are missing (existing ones are left alone by the unique constraint)."""
    field: Any = field_owner._meta.get_field(field_name)
    through = field.remote_field.through
    source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
    through.objects.bulk_create(
        [through(**{source: a, target: b}) for a, b in pairs], ignore_conflicts=True, batch_size=1000
    )


def _create(model: type[models.Model], rows: list[tuple[Any, datetime.datetime, datetime.datetime]]) -> None:
    """Insert new rows, then date them back: ``auto_now`` and ``auto_now_add`` overwrite both times on insert."""
    model.objects.bulk_create([row for row, _, _ in rows])  # type: ignore[attr-defined]
    for row, created, updated in rows:
        row.created_at, row.updated_at = created, updated
    if rows:
        model.objects.bulk_update([row for row, _, _ in rows], ["created_at", "updated_at"])  # type: ignore[attr-defined]


# --- categories -----------------------------------------------------------------------------------------


def _load_categories() -> dict[CategoryPath, int]:
    """Level by level, so that each level's parents have their ids: one read and an insert per level."""
    existing = {
        (parent_id, name.lower()): pk for pk, parent_id, name in Category.objects.values_list("id", "parent", "name")
    }
    ids: dict[CategoryPath, int] = {}
    rows = category_rows()
    for depth in range(1, max(len(path) for path, _, _ in rows) + 1):
        missing: dict[CategoryPath, Category] = {}
        for path, description, active in rows:
            if len(path) != depth:
                continue
            parent_id = ids[path[:-1]] if depth > 1 else None
            pk = existing.get((parent_id, path[-1].lower()))
            if pk is None:
                missing[path] = Category(name=path[-1], parent_id=parent_id, description=description, active=active)
            else:
                ids[path] = pk
        Category.objects.bulk_create(missing.values())
        ids.update((path, category.pk) for path, category in missing.items())
    return ids


# --- problems -------------------------------------------------------------------------------------------


def _load_problems(
    now: datetime.datetime, categories: dict[CategoryPath, int], lookups: _Lookups
) -> dict[str, tuple[int, int]]:
    """Problems by title, as (id, age in days) so that their known errors can be dated after them."""
    existing = _by_title(Problem, [spec.title for spec in PROBLEMS])
    new: list[tuple[Problem, datetime.datetime, datetime.datetime]] = []
    for index, spec in enumerate(PROBLEMS):
        if spec.title in existing:
            continue
        problem = Problem(
            title=spec.title,
            description=spec.description,
            state=spec.state,
            root_cause=spec.root_cause,
            category_id=categories.get(spec.category),
            owner_group_id=lookups.groups.get(spec.owner_group),
        )
        new.append((problem, _at(now, spec.age_days, index), _at(now, _problem_touched_days(spec), index + 3)))
        existing[spec.title] = problem
    _create(Problem, new)
    _link(Problem, "services", _pairs(PROBLEMS, existing, lambda spec: lookups.service_ids(spec.services)))
    _link(Problem, "cis", _pairs(PROBLEMS, existing, lambda spec: lookups.ci_ids(spec.cis)))
    return {spec.title: (existing[spec.title].pk, spec.age_days) for spec in PROBLEMS}


def _problem_touched_days(spec: ProblemSpec) -> int:
    """Open problems are worked on lately; resolved and closed ones were last touched long ago."""
    share = {"open": 0.05, "known_error": 0.3, "resolved": 0.5, "closed": 0.6}[spec.state]
    return max(1, int(spec.age_days * share))


def _pairs(specs: Iterable[Any], rows: dict[str, Any], targets: Any) -> list[tuple[int, int]]:
    return [(rows[spec.title].pk, target) for spec in specs for target in targets(spec)]


# --- known errors ---------------------------------------------------------------------------------------


def _known_error_age(spec: KnownErrorSpec, index: int, problems: dict[str, tuple[int, int]]) -> int:
    """Explicit, or drafts a few days old and published ones months old; never older than their problem."""
    if spec.age_days is not None:
        age = spec.age_days
    elif spec.draft:
        age = 2 + (index * 5) % 20
    else:
        age = 70 + (index * 53) % 500
    if spec.problem in problems:
        age = min(age, problems[spec.problem][1] - 1 - index % 5)
    if spec.used:
        age = max(age, spec.used.days_ago + 2)
    return max(age, 1)


def _last_used(now: datetime.datetime, spec: KnownErrorSpec, index: int) -> datetime.datetime | None:
    if not spec.used or not spec.used.times:
        return None
    return now - spec.used.days_ago * DAY - (1 + (index * 3) % 9) * HOUR


def _load_known_errors(
    now: datetime.datetime,
    categories: dict[CategoryPath, int],
    lookups: _Lookups,
    problems: dict[str, tuple[int, int]],
    publisher: Any,
) -> None:
    existing = _by_title(KnownError, [spec.title for spec in KNOWN_ERRORS])
    new: list[tuple[KnownError, datetime.datetime, datetime.datetime]] = []
    refreshed: list[KnownError] = []
    for index, spec in enumerate(KNOWN_ERRORS):
        last_used = _last_used(now, spec, index)
        known_error = existing.get(spec.title)
        if known_error is not None:
            # The only field set again on later loads: keeps "last used" recent in a long-lived demo.
            if last_used is not None and (known_error.last_used_at is None or known_error.last_used_at < last_used):
                known_error.last_used_at = last_used
                refreshed.append(known_error)
            continue
        created = _at(now, _known_error_age(spec, index, problems), index)
        published_at = None if spec.draft else created + max(2 * HOUR, (now - created) / 10)
        known_error = KnownError(
            title=spec.title,
            symptoms=spec.symptoms,
            cause=spec.cause,
            workaround="\n".join(f"{n}. {step}" for n, step in enumerate(spec.workaround, start=1)),
            fix_status=spec.fix,
            problem_id=problems[spec.problem][0] if spec.problem in problems else None,
            published=not spec.draft,
            published_at=published_at,
            published_by=None if spec.draft else publisher,
            times_used=spec.used.times if spec.used and not spec.draft else 0,
            last_used_at=max(last_used, published_at + HOUR) if last_used and published_at else None,
        )
        new.append((known_error, created, published_at or created + HOUR))
        existing[spec.title] = known_error
    _create(KnownError, new)
    KnownError.objects.bulk_update(refreshed, ["last_used_at"])
    _link(KnownError, "categories", _pairs(KNOWN_ERRORS, existing, lambda spec: _category_ids(spec, categories)))
    _link(KnownError, "services", _pairs(KNOWN_ERRORS, existing, lambda spec: lookups.service_ids(spec.services)))
    _link(KnownError, "cis", _pairs(KNOWN_ERRORS, existing, lambda spec: lookups.ci_ids(spec.cis)))


def _category_ids(spec: KnownErrorSpec, categories: dict[CategoryPath, int]) -> list[int]:
    return [categories[path] for path in spec.categories if path in categories]


# --- articles -------------------------------------------------------------------------------------------


def _load_articles(
    now: datetime.datetime, categories: dict[CategoryPath, int], lookups: _Lookups, users: dict[str, Any]
) -> None:
    existing = _by_title(Article, [spec.title for spec in ARTICLES])
    new: list[tuple[Article, datetime.datetime, datetime.datetime]] = []
    for index, spec in enumerate(ARTICLES):
        if spec.title in existing:
            continue
        author = users.get(spec.author) or next((users[name] for name in AUTHORS if name in users), None)
        article = Article(
            title=spec.title,
            kind=spec.kind,
            body=spec.body,
            status=spec.status,
            category_id=categories.get(spec.category),
            author=author,
        )
        created = _at(now, spec.age_days, index)
        edited_days = spec.age_days // 4 if spec.status == ArticleStatus.PUBLISHED else 0
        new.append((article, created, max(_at(now, edited_days, index + 5), created)))
        existing[spec.title] = article
    _create(Article, new)
    _link(Article, "services", _pairs(ARTICLES, existing, lambda spec: lookups.service_ids(spec.services)))
