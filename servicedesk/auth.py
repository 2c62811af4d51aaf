"""Signing in: Django's model backend, loading the signed-in user together with their unread notifications.

The layout shows a bell with the number of unread in-app notifications on every page. Counting them in the
query that loads the user (a subquery on the partial index of unread notifications) keeps every page's
query count what it was; ``servicedesk.context_processors.notifications`` hands the number to the layout.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def with_unread_notifications(queryset: Any) -> Any:
    """Annotate users with ``unread_notifications``, the number of their unread in-app notifications."""
    from incidents.models import StaffNotification

    unread = (
        StaffNotification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return queryset.annotate(unread_notifications=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))


class StaffBackend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` also counts the user's unread notifications (same query)."""

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            user = with_unread_notifications(user_model._default_manager).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
