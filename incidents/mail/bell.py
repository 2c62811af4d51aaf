"""The staff's in-app notifications (the bell): rung in the transaction of the change, counted with the user."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from incidents.models import Alert, AlertState, InboundMail, InboundState, Incident, StaffNotification
from servicedesk.access import remember_access, with_access
from servicedesk.compiled import CompiledQuery
from servicedesk.preferences import with_preferences

MAX_BELL_TEXT = 300


def notify_staff(
    *, users: Iterable[AbstractBaseUser], incident: Incident | None, kind: str, text: str
) -> list[StaffNotification]:
    """An in-app notification (the bell) for each active user, once each. Call inside the change's transaction."""
    unique = {user.pk: user for user in users if user.is_active}
    return StaffNotification.objects.bulk_create(
        StaffNotification(user=user, incident=incident, kind=kind, text=text[:MAX_BELL_TEXT])
        for user in unique.values()
    )


def with_unread_notifications(queryset: Any) -> Any:
    """Annotate users with ``unread_notifications``, the number of their unread in-app notifications."""
    unread = (
        StaffNotification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return queryset.annotate(unread_notifications=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))


def with_intake_waiting(queryset: Any) -> Any:
    """Annotate users with ``intake_waiting``, the number of mails and monitoring alerts waiting in the desk's
    intake inbox (the navigation shows it to the desk)."""
    mails = _count(InboundMail.objects.filter(state=InboundState.INTAKE))
    alerts = _count(Alert.objects.filter(state=AlertState.INTAKE))
    return queryset.annotate(intake_waiting=mails + alerts)


def _count(rows: Any) -> Any:
    counted = rows.order_by().annotate(one=Value(1)).values("one").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class StaffBackend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` also counts the user's unread notifications and the mails and alerts
    waiting for the desk, in the same query: the layout shows the bell and the inbox's count on every page
    (``servicedesk.context_processors``, ``servicedesk.navigation``) without a query. The same statement reads
    the user's permissions and roles (``servicedesk.access``) and preferences (``servicedesk.preferences``)."""

    def get_user(self, user_id: Any) -> Any:
        user = SIGNED_IN_USER.first(user_id)
        if user is None:
            return None
        return remember_access(user) if self.user_can_authenticate(user) else None


# The statement every signed-in request runs: compiled once per process (servicedesk.compiled).
SIGNED_IN_USER = CompiledQuery(
    lambda user_id: with_preferences(
        with_access(with_intake_waiting(with_unread_notifications(get_user_model()._default_manager)))
    ).filter(pk=user_id)
)
