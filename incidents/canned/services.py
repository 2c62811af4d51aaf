"""Writes of canned replies: each checks the writer's scope and the placeholders, saves, and keeps the version
as a revision in the same transaction. A reply is never deleted: deactivating it takes it out of the pickers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cmdb.models import SupportGroup
from incidents.canned.placeholders import check_placeholders
from incidents.canned.rules import may_manage
from incidents.models import CannedReply, CannedReplyRevision


def _check(by: Any, group: SupportGroup | None, body: str, title: str) -> None:
    if not may_manage(by, group.pk if group else None):
        raise PermissionDenied(_("You may not manage the replies of this scope."))
    if not title.strip():
        raise ValidationError({"title": _("A reply needs a title.")})
    if not body.strip():
        raise ValidationError({"body": _("A reply needs a text.")})
    try:
        check_placeholders(body)
    except ValidationError as error:
        raise ValidationError({"body": error.messages}) from error


def _keep_revision(reply: CannedReply, by: Any) -> None:
    CannedReplyRevision.objects.create(
        reply=reply, title=reply.title, body=reply.body, group=reply.group, active=reply.active, by=by
    )


@transaction.atomic
def canned_reply_create(*, by: Any, title: str, body: str, group: SupportGroup | None) -> CannedReply:
    """A new active reply of ``group`` (None: desk-wide). Raises PermissionDenied outside the writer's scope,
    ValidationError for an empty title or text or an unknown placeholder."""
    if not by.has_perm("incidents.add_cannedreply"):
        raise PermissionDenied(_("Your role does not include writing canned replies."))
    _check(by, group, body, title)
    reply = CannedReply.objects.create(
        title=title.strip(), body=body, group=group, active=True, created_by=by, updated_by=by
    )
    _keep_revision(reply, by)
    return reply


@transaction.atomic
def canned_reply_update(
    *, by: Any, reply_id: int, title: str, body: str, group: SupportGroup | None, active: bool
) -> CannedReply:
    """Change a reply (its scope too, within the writer's: both the old and the new one). Raises as
    ``canned_reply_create`` does."""
    reply = CannedReply.objects.select_for_update().get(pk=reply_id)
    if not by.has_perm("incidents.change_cannedreply") or not may_manage(by, reply.group_id):
        raise PermissionDenied(_("You may not manage the replies of this scope."))
    _check(by, group, body, title)
    reply.title, reply.body, reply.group, reply.active, reply.updated_by = title.strip(), body, group, active, by
    reply.save()
    _keep_revision(reply, by)
    return reply


def canned_reply_deactivate(*, by: Any, reply_id: int) -> CannedReply:
    """Take a reply out of the pickers, keeping it and its history (it can be made active again)."""
    reply = CannedReply.objects.select_related("group").get(pk=reply_id)
    return canned_reply_update(
        by=by, reply_id=reply_id, title=reply.title, body=reply.body, group=reply.group, active=False
    )
