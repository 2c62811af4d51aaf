"""Writes to the knowledge base that are more than saving a form: publishing and usage figures."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledge.models import KnownError


@transaction.atomic
def known_error_publish(*, by: AbstractBaseUser, known_error_id: int) -> KnownError:
    """Publish a known error: from now on the desk's matcher offers it.

    Raises ``PermissionDenied`` without the publish permission (support), ``ValidationError`` when the
    known error has no workaround the desk could follow.
    """
    if not by.has_perm("knowledge.publish_knownerror"):
        raise PermissionDenied(_("Only support group members may publish known errors."))
    known_error = KnownError.objects.select_for_update().get(pk=known_error_id)
    if not known_error.workaround.strip() or not known_error.symptoms.strip():
        raise ValidationError(_("A known error needs symptoms and a workaround before it can be published."))
    if not known_error.published:
        known_error.published = True
        known_error.published_at = timezone.now()
        known_error.published_by = by
        known_error.save(update_fields=["published", "published_at", "published_by", "updated_at"])
    return known_error


@transaction.atomic
def known_error_withdraw(*, by: AbstractBaseUser, known_error_id: int) -> KnownError:
    """Take a known error out of matching (it stays readable, with its history of use)."""
    if not by.has_perm("knowledge.publish_knownerror"):
        raise PermissionDenied(_("Only support group members may withdraw known errors."))
    known_error = KnownError.objects.select_for_update().get(pk=known_error_id)
    if known_error.published:
        known_error.published = False
        known_error.save(update_fields=["published", "updated_at"])
    return known_error


def known_error_record_use(*, known_error_id: int) -> None:
    """Count one more incident resolved with this known error's workaround (one UPDATE, no lost counts)."""
    KnownError.objects.filter(pk=known_error_id).update(times_used=F("times_used") + 1, last_used_at=timezone.now())
