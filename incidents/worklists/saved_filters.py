"""Saved filters of the queue: save the filters as they stand under a name, privately or for a group.

Only the queue's own parameters are kept (the FilterSet's fields and the tab), so a saved filter can
never carry anything else into the page. A filter is shared with one of the owner's support groups;
its members see it beside their own. Only the owner deletes it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from cmdb.models import SupportGroup
from incidents.filters import QueueFilter
from incidents.models import SavedFilter

QUEUE = "queue"
# service_text: a service typed without choosing it from the picker (servicedesk.forms.SearchPicker).
KEPT = (*QueueFilter.base_filters, "service_text", "tab")


def saved_filters_for(user: AbstractBaseUser, page: str = QUEUE) -> QuerySet[SavedFilter]:
    """The user's own filters of a list and those shared with their groups, by name."""
    return (
        SavedFilter.objects.filter(Q(owner=user) | Q(shared_with__in=user.support_groups.all()), page=page)
        .select_related("owner", "shared_with")
        .distinct()
        .order_by("name", "id")
    )


def clean_query(query: QueryDict) -> str:
    """The list's own parameters of a query, in a stable order; the rest (page, anything else) dropped."""
    kept = [(name, value) for name in KEPT for value in query.getlist(name) if value.strip()]
    return urlencode(kept)


@transaction.atomic
def saved_filter_create(
    *, by: AbstractBaseUser, name: str, query: QueryDict, shared_with: SupportGroup | None = None, page: str = QUEUE
) -> SavedFilter:
    """Save the filters ``query`` holds under ``name``. Raises ``ValidationError`` by field (no name, a name
    already used, nothing to save, a group the user is not in)."""
    errors: dict[str, list[str]] = {}
    name = name.strip()
    cleaned = clean_query(query)
    if not name:
        errors["name"] = [_("Give the filter a name.")]
    if not cleaned:
        nothing = _("Choose some filters or a tab first: there is nothing to save.")
        errors["name"] = [*errors.get("name", []), nothing]
    if shared_with is not None and not by.support_groups.filter(pk=shared_with.pk).exists():
        errors["shared_with"] = [_("You can share a filter only with a group you belong to.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return SavedFilter.objects.create(owner=by, page=page, name=name, query=cleaned, shared_with=shared_with)
    except IntegrityError as error:
        raise ValidationError({"name": [_("You already have a filter of that name.")]}) from error


@transaction.atomic
def saved_filter_delete(*, by: AbstractBaseUser, saved_filter_id: int) -> None:
    saved = SavedFilter.objects.select_for_update().get(pk=saved_filter_id)
    if saved.owner_id != by.pk:
        raise PermissionDenied(_("Only %(owner)s, who saved it, may delete this filter.") % {"owner": saved.owner})
    saved.delete()
